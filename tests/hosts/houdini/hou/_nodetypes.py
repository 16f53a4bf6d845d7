"""Node type categories, node types and their parameters: the catalogue of what ``createNode`` can make.

``CATEGORIES`` maps a category name (``"Object"``, ``"Sop"``, ``"Manager"`` ...) to a ``CategoryDef`` holding
its ``TypeDef``s. A ``TypeDef`` names the HOM class of its nodes, the category of its children, its inputs and
its parameter tuples (``ParmTupleDef``: name, kind, components, defaults, menu tokens). SOP types name their
cook function (see ``_sops``). The public ``hou.NodeTypeCategory`` / ``hou.NodeType`` objects wrap these
definitions, one object per definition.

Parameter kinds: ``float``, ``int``, ``toggle``, ``menu`` (an int whose value is also a token, as Houdini's
ordinal menus), ``string``, ``data`` (holds geometry, as a Stash SOP's ``stash``) and ``button``.
"""
from ._enums import nodeTypeSource

__all__ = ["NodeTypeCategory", "OpNodeTypeCategory", "NodeType", "OpNodeType", "SopNodeType", "nodeType",
           "nodeTypeCategories", "objNodeTypeCategory", "sopNodeTypeCategory", "rootNodeTypeCategory",
           "managerNodeTypeCategory", "ropNodeTypeCategory", "lopNodeTypeCategory", "vopNodeTypeCategory",
           "shopNodeTypeCategory"]

PYTHON_SOP_CODE = """node = hou.pwd()
geo = node.geometry()

# Add code to modify contents of geo.
# Use drop down menu to select examples.

"""


class ParmTupleDef:
    def __init__(self, name, kind, defaults=(0.0,), components=None, label=None, menu=None):
        self.name, self.kind, self.label = name, kind, label or name
        self.defaults = tuple(defaults)
        if components is None:
            components = (name,) if len(self.defaults) == 1 else tuple(name + c for c in "xyzw"[:len(self.defaults)])
        self.components = tuple(components)
        self.menu = tuple(menu or ())  # (token, label) pairs


def _vec(name, default=(0.0, 0.0, 0.0), label=None):
    return ParmTupleDef(name, "float", default, label=label)


def _menu(name, items, default=0, label=None):
    return ParmTupleDef(name, "menu", (default,), label=label, menu=items)


_ORDERS = [(t, t) for t in ("srt", "str", "rst", "rts", "tsr", "trs")]
_ROT_ORDERS = [(t, t) for t in ("xyz", "xzy", "yxz", "yzx", "zxy", "zyx")]
_PRIM_TYPES = [("prim", "Primitive"), ("poly", "Polygon"), ("polymesh", "Polygon Mesh"), ("mesh", "Mesh"),
               ("nurbs", "NURBS"), ("bezier", "Bezier")]
_TRANSFORM = [
    _menu("xOrd", _ORDERS, label="Transform Order"), _menu("rOrd", _ROT_ORDERS, label="Rotate Order"),
    _vec("t", label="Translate"), _vec("r", label="Rotate"), _vec("s", (1.0, 1.0, 1.0), label="Scale"),
    _vec("p", label="Pivot Translate"), _vec("pr", label="Pivot Rotate"),
    ParmTupleDef("scale", "float", (1.0,), label="Uniform Scale"),
]


class TypeDef:
    def __init__(self, name, category, hom_class, parms=(), child_category=None, inputs=(0, 0), cook=None,
                 label=None):
        self.name, self.category, self.hom_class = name, category, hom_class
        self.parms = list(parms)
        self.parm_tuples = {p.name: p for p in self.parms}
        self.parm_components = {c: (p, i) for p in self.parms for i, c in enumerate(p.components)}
        self.child_category = child_category
        self.min_inputs, self.max_inputs = inputs
        self.cook = cook
        self.label = label or name

    @property
    def base_name(self):
        """The default node name's stem: the type name without namespace and version (``principledshader``)."""
        parts = self.name.split("::")
        if len(parts) >= 3:
            return parts[1]
        if len(parts) == 2 and not parts[1].replace(".", "").isdigit():
            return parts[1]
        return parts[0]


class CategoryDef:
    def __init__(self, name, label, types=()):
        self.name, self.label = name, label
        self.types = {t.name: t for t in types}

    def find(self, type_name, exact):
        """The type called ``type_name``; without ``exact``, the newest namespaced version matches too."""
        if type_name in self.types:
            return self.types[type_name]
        if not exact:
            versions = sorted(n for n in self.types if n.split("::")[0] == type_name)
            if versions:
                return self.types[versions[-1]]
        return None


def _sop(name, parms=(), inputs=(0, 1), cook=None, label=None):
    return TypeDef(name, "Sop", "SopNode", parms, inputs=inputs, cook=cook or name, label=label)


def _build():
    obj = [
        TypeDef("geo", "Object", "ObjNode", _TRANSFORM, child_category="Sop", inputs=(0, 1), label="Geometry"),
        TypeDef("null", "Object", "ObjNode", _TRANSFORM, inputs=(0, 1), label="Null"),
        TypeDef("subnet", "Object", "ObjNode", _TRANSFORM, child_category="Object", inputs=(0, 4),
                label="Subnetwork"),
        TypeDef("cam", "Object", "ObjNode", _TRANSFORM + [
            ParmTupleDef("res", "int", (1280, 720), components=("resx", "resy"), label="Resolution"),
            ParmTupleDef("focal", "float", (50.0,), label="Focal Length"),
            ParmTupleDef("aperture", "float", (41.4214,), label="Aperture"),
            ParmTupleDef("near", "float", (0.001,), label="Near Clipping"),
            ParmTupleDef("far", "float", (10000.0,), label="Far Clipping"),
        ], inputs=(0, 1), label="Camera"),
    ]
    sop = [
        _sop("box", [_menu("type", _PRIM_TYPES, 1, "Primitive Type"), _vec("size", (1.0, 1.0, 1.0), "Size"),
                     _vec("t", label="Center"), _vec("r", label="Rotate"),
                     ParmTupleDef("scale", "float", (1.0,), label="Uniform Scale")], label="Box"),
        _sop("sphere", [_menu("type", _PRIM_TYPES, 0, "Primitive Type"), _vec("rad", (1.0, 1.0, 1.0), "Radius"),
                        _vec("t", label="Center"), _vec("r", label="Rotate"),
                        ParmTupleDef("scale", "float", (1.0,), label="Uniform Scale"),
                        ParmTupleDef("freq", "int", (2,), label="Frequency")], label="Sphere"),
        _sop("grid", [_menu("type", _PRIM_TYPES[1:3], 0, "Primitive Type"),
                      _menu("orient", [("xy", "XY Plane"), ("yz", "YZ Plane"), ("zx", "ZX Plane")], 2, "Orientation"),
                      ParmTupleDef("size", "float", (10.0, 10.0), label="Size"), _vec("t", label="Center"),
                      _vec("r", label="Rotate"), ParmTupleDef("rows", "int", (10,), label="Rows"),
                      ParmTupleDef("cols", "int", (10,), label="Columns")], inputs=(0, 0), label="Grid"),
        _sop("null", label="Null"),
        _sop("xform", _TRANSFORM, inputs=(1, 1), label="Transform"),
        _sop("merge", inputs=(0, 9999), label="Merge"),
        _sop("attribwrangle", [
            _menu("class", [("detail", "Detail (only once)"), ("primitive", "Primitives"), ("point", "Points"),
                            ("vertex", "Vertices"), ("number", "Numbers")], 2, "Run Over"),
            ParmTupleDef("snippet", "string", ("",), label="VEXpression")], inputs=(0, 4), label="Attribute Wrangle"),
        _sop("python", [ParmTupleDef("python", "string", (PYTHON_SOP_CODE,), label="Python Code")], label="Python"),
        _sop("stash", [ParmTupleDef("stash", "data", (None,), label="Geometry"),
                       ParmTupleDef("stashinput", "button", (0,), label="Stash Input")], label="Stash"),
    ]
    rop = [
        TypeDef("geometry", "Driver", "RopNode", [
            ParmTupleDef("execute", "button", (0,), label="Render"),
            _menu("trange", [("off", "Render Current Frame"), ("normal", "Render Frame Range"),
                             ("on", "Render Frame Range Only (Strict)")], 0, "Valid Frame Range"),
            ParmTupleDef("f", "float", (1.0, 240.0, 1.0), components=("f1", "f2", "f3"), label="Start/End/Inc"),
            ParmTupleDef("soppath", "string", ("",), label="SOP Path"),
            ParmTupleDef("sopoutput", "string", ("$HIP/geo/$HIPNAME.$OS.$F4.bgeo.sc",), label="Output File"),
        ], inputs=(0, 9999), label="Geometry"),
        TypeDef("null", "Driver", "RopNode", inputs=(0, 9999), label="Null"),
    ]
    lop = [TypeDef(n, "Lop", "LopNode", [ParmTupleDef("primpath", "string", (f"/{n}1",), label="Primitive Path")]
                   if n != "null" else [], inputs=(0, 1), label=n.capitalize()) for n in ("null", "sphere", "cube")]
    vop = [
        TypeDef("principledshader::2.0", "Vop", "VopNode", [
            ParmTupleDef("basecolor", "float", (0.8, 0.8, 0.8), components=("basecolorr", "basecolorg", "basecolorb"),
                         label="Base Color"),
            ParmTupleDef("rough", "float", (0.3,), label="Roughness")], label="Principled Shader"),
        TypeDef("materialbuilder", "Vop", "VopNode", child_category="Vop", label="Material Builder"),
        TypeDef("subnet", "Vop", "VopNode", child_category="Vop", label="Subnet"),
    ]
    shop = [TypeDef("vopmaterial", "Shop", "ShopNode", child_category="Vop", label="Material Shader Builder")]
    managers = [
        TypeDef("obj", "Manager", "OpNode", child_category="Object", label="Objects"),
        TypeDef("out", "Manager", "OpNode", child_category="Driver", label="Outputs"),
        TypeDef("stage", "Manager", "OpNode", child_category="Lop", label="Stage"),
        TypeDef("mat", "Manager", "OpNode", child_category="Vop", label="Materials"),
        TypeDef("shop", "Manager", "OpNode", child_category="Shop", label="Shaders"),
        TypeDef("ch", "Manager", "OpNode", child_category="ChopNet", label="Channels"),
        TypeDef("img", "Manager", "OpNode", child_category="CopNet", label="Compositing"),
    ]
    root = [TypeDef("root", "Director", "OpNode", child_category="Manager", label="Root")]
    return {c.name: c for c in (
        CategoryDef("Director", "Director", root), CategoryDef("Manager", "Managers", managers),
        CategoryDef("Object", "Objects", obj), CategoryDef("Sop", "Geometry", sop),
        CategoryDef("Driver", "Outputs", rop), CategoryDef("Lop", "Lighting", lop),
        CategoryDef("Vop", "VEX Builder", vop), CategoryDef("Shop", "Shaders", shop),
        CategoryDef("ChopNet", "Motion FX Networks"), CategoryDef("CopNet", "Compositing Networks"))}


CATEGORIES = _build()
MANAGERS = ("obj", "out", "stage", "mat", "shop", "ch", "img")


# ------------------------------------------------------------------------------------------ HOM objects

def _no_constructor(self, *args, **kwargs):
    raise AttributeError("No constructor defined")


_WRAPPERS = {}


def category_of(name):
    """The one ``hou.OpNodeTypeCategory`` object for the category called ``name``."""
    key = ("category", name)
    if key not in _WRAPPERS:
        wrapper = object.__new__(OpNodeTypeCategory)
        wrapper._def = CATEGORIES[name]
        _WRAPPERS[key] = wrapper
    return _WRAPPERS[key]


def type_of(typedef):
    """The one ``hou.OpNodeType`` (``hou.SopNodeType`` for SOPs) object for ``typedef``."""
    key = ("type", typedef.category, typedef.name)
    if key not in _WRAPPERS:
        wrapper = object.__new__(SopNodeType if typedef.category == "Sop" else OpNodeType)
        wrapper._def = typedef
        _WRAPPERS[key] = wrapper
    return _WRAPPERS[key]


class NodeTypeCategory:
    __init__ = _no_constructor

    def __eq__(self, other):
        return isinstance(other, NodeTypeCategory) and other._def is self._def

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(("category", self._def.name))

    def __repr__(self):
        return f"<hou.{type(self).__name__} for {self._def.name}>"

    def name(self):
        return self._def.name

    def typeName(self):
        return self._def.name.lower()

    def label(self):
        return self._def.label

    def nodeTypes(self):
        return {name: type_of(t) for name, t in self._def.types.items()}

    def nodeType(self, type_name):
        typedef = self._def.types.get(type_name)
        return None if typedef is None else type_of(typedef)


class OpNodeTypeCategory(NodeTypeCategory):
    __init__ = _no_constructor


class NodeType:
    __init__ = _no_constructor

    def __eq__(self, other):
        return isinstance(other, NodeType) and other._def is self._def

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(("type", self._def.category, self._def.name))

    def __repr__(self):
        return f"<hou.{type(self).__name__} for {self._def.category} {self._def.name}>"

    def category(self):
        return category_of(self._def.category)

    def name(self):
        return self._def.name

    def nameComponents(self):
        scope, namespace, version = "", "", ""
        name = self._def.name
        if "::" in name:
            parts = name.split("::")
            name, version = parts[0], parts[1] if len(parts) > 1 else ""
        return (scope, namespace, name, version)

    def description(self):
        return self._def.label

    def nameWithCategory(self):
        return f"{self._def.category}/{self._def.name}"

    def minNumInputs(self):
        return self._def.min_inputs

    def maxNumInputs(self):
        return self._def.max_inputs

    def isManager(self, include_management_types=True):
        return self._def.category in ("Manager", "Director")

    def hasUnorderedInputs(self):
        return self._def.max_inputs > 9

    def childTypeCategory(self):
        child = self._def.child_category
        return None if child is None else category_of(child)


class OpNodeType(NodeType):
    __init__ = _no_constructor

    def source(self):
        return nodeTypeSource.Internal

    def sourcePath(self):
        return "Internal"

    def instances(self):
        from . import _scene

        return tuple(_scene.wrap(n) for n in _scene.all_nodes() if n.typedef is self._def)


class SopNodeType(OpNodeType):
    __init__ = _no_constructor


# ----------------------------------------------------------------------------------- module functions

def nodeTypeCategories():
    return {name: category_of(name) for name in CATEGORIES}


def nodeType(category_or_name, internal_name=None):
    """``nodeType(hou.sopNodeTypeCategory(), "box")`` or ``nodeType("Sop/box")``; None when unknown."""
    if internal_name is None:
        if not isinstance(category_or_name, str) or "/" not in category_or_name:
            return None
        category_name, internal_name = category_or_name.split("/", 1)
    else:
        category_name = category_or_name._def.name if isinstance(category_or_name, NodeTypeCategory) \
            else str(category_or_name)
    category = CATEGORIES.get(category_name)
    typedef = category and category.types.get(internal_name)
    return None if not typedef else type_of(typedef)


def objNodeTypeCategory():
    return category_of("Object")


def sopNodeTypeCategory():
    return category_of("Sop")


def rootNodeTypeCategory():
    return category_of("Director")


def managerNodeTypeCategory():
    return category_of("Manager")


def ropNodeTypeCategory():
    return category_of("Driver")


def lopNodeTypeCategory():
    return category_of("Lop")


def vopNodeTypeCategory():
    return category_of("Vop")


def shopNodeTypeCategory():
    return category_of("Shop")
