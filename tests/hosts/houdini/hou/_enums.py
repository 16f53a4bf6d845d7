"""HOM enumerations: ``hou.EnumValue`` and the enumeration classes the stand-in uses.

Each enumeration is a class whose attributes are ``EnumValue`` objects (``hou.severityType.Error``); values
print as ``severityType.Error`` and compare equal only to themselves. Neither can be instanced, as in Houdini.
"""

__all__ = ["EnumValue", "hipFileEventType",
           "severityType", "attribType", "attribData", "numericData", "primType", "exprLanguage",
           "networkItemType", "nodeTypeSource", "parmTemplateType", "playMode", "updateMode", "attribScope",
           "confirmType", "playbarEvent", "nodeEventType", "paneTabType"]


def _no_constructor(self, *args, **kwargs):
    raise AttributeError("No constructor defined")


class EnumValue:
    __init__ = _no_constructor

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __hash__(self):
        return hash((self._enum, self._name))

    def __lt__(self, other):
        if not isinstance(other, EnumValue):
            return NotImplemented
        return (self._enum, self._order) < (other._enum, other._order)

    def name(self):
        return self._name

    def __repr__(self):
        return f"{self._enum}.{self._name}"

    __str__ = __repr__

    def __reduce__(self):  # pickles as a reference to the one value (needs hou importable where unpickled)
        return (_lookup, (self._enum, self._name))


def _lookup(enum_name, value_name):
    return getattr(globals()[enum_name], value_name)


def _enumeration(enum_name, value_names):
    values = {}
    for order, value_name in enumerate(value_names):
        value = object.__new__(EnumValue)
        value._enum, value._name, value._order = enum_name, value_name, order
        values[value_name] = value
    return type(enum_name, (), dict(values, __init__=_no_constructor, __doc__=f"hou.{enum_name}"))


hipFileEventType = _enumeration("hipFileEventType", ["BeforeClear", "AfterClear", "BeforeLoad", "AfterLoad",
                                                     "BeforeMerge", "AfterMerge", "BeforeSave", "AfterSave"])
severityType = _enumeration("severityType", ["Message", "ImportantMessage", "Warning", "Error", "Fatal"])
attribType = _enumeration("attribType", ["Point", "Vertex", "Prim", "Global"])
attribData = _enumeration("attribData", ["Int", "Float", "String", "Dict"])
numericData = _enumeration("numericData", ["Int8", "Int16", "Int32", "Int64", "UInt8", "Float16", "Float32",
                                           "Float64"])
primType = _enumeration("primType", [
    "Agent", "AlembicRef", "BezierCurve", "BezierSurface", "ChannelPrim", "Circle", "Custom", "Hexahedron", "Mesh",
    "Metaball", "NURBSCurve", "NURBSSurface", "PackedFragment", "PackedGeometry", "PackedPrim", "ParticleSystem",
    "PastedSurface", "PolySoup", "Polygon", "Sphere", "Tetrahedron", "TriangleBezier", "TriangleFan",
    "TriangleStrip", "Tube", "Unknown", "VDB", "Volume"])
exprLanguage = _enumeration("exprLanguage", ["Python", "Hscript"])
networkItemType = _enumeration("networkItemType", ["Connection", "NetworkBox", "NetworkDot", "Node", "StickyNote",
                                                   "SubnetIndirectInput"])
nodeTypeSource = _enumeration("nodeTypeSource", ["Internal", "CompiledCode", "VexCode", "RslCode", "Subnet"])
parmTemplateType = _enumeration("parmTemplateType", ["Int", "Float", "String", "Toggle", "Menu", "Button",
                                                     "FolderSet", "Folder", "Separator", "Label", "Ramp", "Data"])
playMode = _enumeration("playMode", ["Loop", "Once", "Zigzag", "Forever"])
updateMode = _enumeration("updateMode", ["AutoUpdate", "OnMouseUp", "Manual"])
attribScope = _enumeration("attribScope", ["Public", "Private"])
confirmType = _enumeration("confirmType", ["NoConfirmType", "OverwriteFile", "UnlockNode", "DeleteSpareParameters",
                                           "DeleteWithoutReferences", "BackgroundSave"])
playbarEvent = _enumeration("playbarEvent", ["ChannelListChanged", "FrameChanged", "GlobalFrameRangeChanged",
                                             "PlaybackFrameRangeChanged", "ScrubStarted", "ScrubStopped", "Started",
                                             "Stopped"])
nodeEventType = _enumeration("nodeEventType", [
    "AppearanceChanged", "BeingDeleted", "ChildCreated", "ChildDeleted", "ChildReordered", "ChildSelectionChanged",
    "ChildSwitched", "CustomDataChanged", "FlagChanged", "IndirectInputCreated", "IndirectInputDeleted",
    "IndirectInputRewired", "InputDataChanged", "InputRewired", "NameChanged", "NetworkBoxChanged",
    "NetworkBoxCreated", "NetworkBoxDeleted", "ParmTupleAnimated", "ParmTupleChanged", "ParmTupleChannelChanged",
    "ParmTupleEnabledChanged", "ParmTupleLockChanged", "ParmTupleVisibleChanged", "PositionChanged",
    "SelectionChanged", "SpareParmTemplatesChanged", "StickyNoteChanged", "StickyNoteCreated", "StickyNoteDeleted",
    "WorkItemSelectionChanged"])
paneTabType = _enumeration("paneTabType", [
    "ApexEditor", "AssetBrowser", "BundleList", "ChannelEditor", "ChannelList", "ChannelViewer", "CompositorViewer",
    "ContextViewer", "DataTree", "DetailsView", "EngineSessionSync", "HandleList", "HelpBrowser", "IPRViewer",
    "LightLinker", "MaterialPalette", "NetworkEditor", "OutputViewer", "Parm", "ParmSpreadsheet",
    "PerformanceMonitor", "PythonPanel", "PythonShell", "RenderGallery", "SceneViewer", "ShaderViewer", "TakeList",
    "Textport", "TreeView"])
