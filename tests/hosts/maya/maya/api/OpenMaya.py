"""maya.api.OpenMaya: the part of Maya's Python API 2.0 that DCC Bridge's code uses.

Modelled: ``MObject``, ``MDagPath``, ``MSelectionList``, ``MSpace``, ``MFn`` (_om_core); ``MFnDependencyNode``,
``MFnDagNode``, ``MFnTransform``, ``MFnMesh`` (_om_fn); ``MPoint``, ``MVector``, ``MFloatVector``, ``MMatrix`` and
the arrays ``MPointArray``, ``MFloatArray``, ``MDoubleArray``, ``MIntArray``, ``MVectorArray``,
``MFloatVectorArray`` (_om_math); ``MMessage``, ``MDGMessage`` (time-change callbacks), ``MTime`` (_om_message);
``MGlobal`` (here). Every constructor, method and property of these classes
checks that it runs on the main thread (Maya's API is not thread-safe; off the main thread its behaviour is
undefined, so the stand-in raises RuntimeError); operators (+, *, [], len) are not checked. Like Maya's own
(built-in) classes, their methods report the signature ``(self, /, *args, **kwargs)`` to introspection.
"""
import functools as _functools
import inspect as _inspect

from .. import _session
from ._om_core import MDagPath, MFn, MObject, MSelectionList, MSpace, _scene_now
from ._om_fn import MFnBase, MFnDagNode, MFnDependencyNode, MFnMesh, MFnTransform
from ._om_message import MDGMessage, MMessage, MTime
from ._om_math import (MDoubleArray, MFloatArray, MFloatVector, MFloatVectorArray, MIntArray, MMatrix, MPoint,
                       MPointArray, MVector, MVectorArray, _Array, _Vector3)

_METHOD_SIGNATURE = _inspect.Signature([
    _inspect.Parameter("self", _inspect.Parameter.POSITIONAL_ONLY),
    _inspect.Parameter("args", _inspect.Parameter.VAR_POSITIONAL),
    _inspect.Parameter("kwargs", _inspect.Parameter.VAR_KEYWORD)])
_STATIC_SIGNATURE = _inspect.Signature(list(_METHOD_SIGNATURE.parameters.values())[1:])


def _checked(fn, name, signature, owner):
    static = signature is _STATIC_SIGNATURE

    clock = _session.CLOCK

    def checked(*args, **kwargs):
        if not _session.LOOP.is_main_thread():
            cls = owner if static or not args else type(args[0])
            _session.check_main_thread(f"maya.api.OpenMaya.{cls.__name__}.{name}")
        return fn(*args, **kwargs)

    @_functools.wraps(fn)
    def call(*args, **kwargs):
        return clock.run(checked, args, kwargs)

    call.__signature__ = signature
    call._maya_checked = True
    return call


def _guard(cls):
    """Apply the main-thread rule to every constructor, public method and property of an API class."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") and name != "__init__":
            continue
        if isinstance(member, staticmethod):
            setattr(cls, name, staticmethod(_checked(member.__func__, name, _STATIC_SIGNATURE, cls)))
        elif isinstance(member, property):
            setattr(cls, name, property(_checked(member.fget, name, _METHOD_SIGNATURE, cls),
                                        member.fset and _checked(member.fset, name, _METHOD_SIGNATURE, cls),
                                        doc=member.__doc__))
        elif callable(member) and not getattr(member, "_maya_checked", False) and not isinstance(member, type):
            setattr(cls, name, _checked(member, name, _METHOD_SIGNATURE, cls))
    if not cls.__name__.startswith("_"):
        cls.__module__ = __name__
    return cls


class MGlobal:
    """Static class providing common API global functions."""
    kInteractive = 0
    kBatch = 1
    kLibraryApp = 2
    kBaseUIMode = 3
    kReplaceList = 0
    kXORWithList = 1
    kAddToList = 2
    kRemoveFromList = 3
    kAddToHeadOfList = 4

    @staticmethod
    def mayaState():
        """kInteractive in a graphical Maya; kLibraryApp in mayapy (maya.standalone)."""
        return MGlobal.kInteractive if _session.is_gui() else MGlobal.kLibraryApp

    @staticmethod
    def apiVersion():
        major, _, minor = _session.SESSION.version.partition(".")
        return int(major) * 10000 + int(minor or 0) * 100

    @staticmethod
    def mayaVersion():
        return _session.major_version()

    @staticmethod
    def isYAxisUp():
        return True

    @staticmethod
    def isZAxisUp():
        return False

    @staticmethod
    def getActiveSelectionList(orderedSelectionIfZero=False):
        selection = MSelectionList()
        selection._items = list(_scene_now("MGlobal.getActiveSelectionList").selection)
        return selection

    @staticmethod
    def setActiveSelectionList(selList, listAdjustment=kReplaceList):
        modes = {MGlobal.kReplaceList: "replace", MGlobal.kAddToList: "add", MGlobal.kAddToHeadOfList: "add",
                 MGlobal.kRemoveFromList: "deselect", MGlobal.kXORWithList: "toggle"}
        _scene_now("MGlobal.setActiveSelectionList").select(list(selList._items), modes[listAdjustment])

    @staticmethod
    def selectByName(name, listAdjustment=kAddToList):
        MGlobal.setActiveSelectionList(MSelectionList().add(name), listAdjustment)

    @staticmethod
    def clearSelectionList():
        _scene_now("MGlobal.clearSelectionList").select([], "replace")

    @staticmethod
    def getSelectionListByName(name):
        return MSelectionList().add(name)

    @staticmethod
    def displayInfo(msg):
        _MESSAGE("info", "", msg)

    @staticmethod
    def displayWarning(msg):
        _MESSAGE("warning", "Warning", msg)

    @staticmethod
    def displayError(msg):
        _MESSAGE("error", "Error", msg)


def _MESSAGE(kind, label, msg):
    _session.check_started("maya.api.OpenMaya.MGlobal.display" + kind.capitalize())
    _session.record(kind, text=str(msg))
    _session.echo(label, str(msg))


for _cls in (MObject, MDagPath, MSelectionList, MSpace, MFn, MFnBase, MFnDependencyNode, MFnDagNode,
             MFnTransform, MFnMesh, MPoint, MVector, MFloatVector, MMatrix, _Vector3, _Array, MIntArray,
             MFloatArray, MDoubleArray, MPointArray, MVectorArray, MFloatVectorArray, MGlobal, MTime, MMessage,
             MDGMessage):
    _guard(_cls)
del _cls
