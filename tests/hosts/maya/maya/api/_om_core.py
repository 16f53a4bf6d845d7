"""Objects, DAG paths and selection lists of ``maya.api.OpenMaya`` (API 2.0), over the stand-in's scene.

``MObject`` is an opaque handle on a scene node (or null: ``MObject.kNullObj``); ``MDagPath`` a path from the
world to a DAG node; ``MSelectionList`` a list of them built from names (wildcards allowed). ``MSpace`` and
``MFn`` hold Maya's constants with Maya's values (as the maya-stubs record them). Failures raise RuntimeError
with Maya's status text, e.g. ``(kInvalidParameter): Object does not exist``.
"""
from .. import _matrix, _scene, _session
from ._om_math import MMatrix


def _scene_now(what):
    """The scene, after the rules: API calls need a started Maya (mayapy: after maya.standalone.initialize)."""
    _session.check_started(f"maya.api.OpenMaya.{what}")
    return _scene.current()


class MSpace:
    """Static class providing coordinate space constants."""
    kInvalid = 0
    kTransform = 1
    kPreTransform = 2
    kObject = 2
    kPostTransform = 3
    kWorld = 4
    kLast = 5


class MFn:
    """Static class providing constants for all API types (the ones the stand-in's nodes have)."""
    kInvalid = 0
    kBase = 1
    kNamedObject = 2
    kDependencyNode = 4
    kDagNode = 107
    kTransform = 110
    kWorld = 247
    kShape = 248
    kCamera = 250
    kShadingEngine = 320
    kGeometric = 265
    kSurface = 293
    kMesh = 296
    kMeshGeom = 297
    kPolyCreator = 435
    kPolyPrimitive = 436
    kPolyCube = 438
    kPolyMesh = 440
    kPolySphere = 441
    kTime = 520
    kMeshData = 590


_NODE = (MFn.kBase, MFn.kNamedObject, MFn.kDependencyNode)
_DAG = _NODE + (MFn.kDagNode,)
FN_TYPES = {  # node type -> (its API type, every MFn type it has)
    "transform": (MFn.kTransform, _DAG + (MFn.kTransform,)),
    "mesh": (MFn.kMesh, _DAG + (MFn.kShape, MFn.kGeometric, MFn.kSurface, MFn.kMesh)),
    "camera": (MFn.kCamera, _DAG + (MFn.kShape, MFn.kCamera)),
    "time": (MFn.kTime, _NODE + (MFn.kTime,)),
    "polyCube": (MFn.kPolyCube, _NODE + (MFn.kPolyCreator, MFn.kPolyPrimitive, MFn.kPolyCube)),
    "polySphere": (MFn.kPolySphere, _NODE + (MFn.kPolyCreator, MFn.kPolyPrimitive, MFn.kPolySphere)),
    "polyPlane": (MFn.kPolyMesh, _NODE + (MFn.kPolyCreator, MFn.kPolyPrimitive, MFn.kPolyMesh)),
    "shadingEngine": (MFn.kShadingEngine, _NODE + (MFn.kShadingEngine,)),
}
_API_NAMES = {value: name for name, value in vars(MFn).items() if name.startswith("k")}


def live(node, what="object"):
    if node is None:
        raise RuntimeError(f"(kInvalidParameter): {what} is null")
    if not node.alive:
        raise RuntimeError("(kInvalidParameter): Object does not exist")
    return node


class MObject:
    """Opaque wrapper for internal Maya objects."""

    def __init__(self, *args):
        if len(args) > 1 or (args and not isinstance(args[0], MObject)):
            raise TypeError("MObject() takes no arguments or another MObject")
        self._node = args[0]._node if args else None

    @classmethod
    def _of(cls, node):
        obj = cls()
        obj._node = node
        return obj

    def __eq__(self, other):
        return isinstance(other, MObject) and self._node is other._node

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def isNull(self):
        return self._node is None

    def apiType(self):
        return FN_TYPES[self._node.type][0] if self._node is not None else MFn.kInvalid

    @property
    def apiTypeStr(self):
        return _API_NAMES[self.apiType()]

    def hasFn(self, fn_type):
        return self._node is not None and fn_type in FN_TYPES[self._node.type][1]


MObject.kNullObj = MObject()


class MDagPath:
    """Path to a DAG node from the top of the DAG."""

    def __init__(self, *args):
        if len(args) > 1 or (args and not isinstance(args[0], MDagPath)):
            raise TypeError("MDagPath() takes no arguments or another MDagPath")
        self._node = args[0]._node if args else None

    @classmethod
    def _of(cls, node):
        path = cls()
        path._node = node
        return path

    def __eq__(self, other):
        return isinstance(other, MDagPath) and self._node is other._node

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __str__(self):
        return self.partialPathName()

    def _live(self):
        _scene_now("MDagPath")
        return live(self._node, "the DAG path")

    def isValid(self):
        return self._node is not None and self._node.alive

    def fullPathName(self):
        return self._live().path() if self._node is not None else ""

    def partialPathName(self):
        return self._live().name if self._node is not None else ""

    def node(self):
        return MObject._of(self._live())

    def transform(self):
        node = self._live()
        return MObject._of(node if node.type == "transform" else node.parent)

    def apiType(self):
        return FN_TYPES[self._live().type][0]

    def hasFn(self, fn_type):
        return self.isValid() and fn_type in FN_TYPES[self._node.type][1]

    def length(self):
        depth, node = 0, self._live()
        while node is not None:
            depth, node = depth + 1, node.parent
        return depth

    def childCount(self):
        return len(self._live().children)

    def child(self, index):
        return MObject._of(self._live().children[index])

    def numberOfShapesDirectlyBelow(self):
        return sum(1 for c in self._live().children if c.is_shape)

    def extendToShape(self, shapeNum=0):
        """Move the path down to the shape ``shapeNum`` directly below its transform (in place; returns self)."""
        node = self._live()
        if node.is_shape:
            return self
        shapes = [c for c in node.children if c.is_shape]
        if not 0 <= shapeNum < len(shapes):
            raise RuntimeError(f"(kInvalidParameter): '{node.name}' has no shape number {shapeNum} directly below it")
        self._node = shapes[shapeNum]
        return self

    def pop(self, num=1):
        for _ in range(num):
            node = self._live()
            if node.parent is None:
                raise RuntimeError("(kInvalidParameter): Cannot pop above the world")
            self._node = node.parent
        return self

    def push(self, child):
        node = self._live()
        if not isinstance(child, MObject) or child._node not in node.children:
            raise RuntimeError("(kInvalidParameter): Object is not a child of the path's node")
        self._node = child._node
        return self

    def inclusiveMatrix(self):
        node = self._live()
        return MMatrix(_scene_now("MDagPath.inclusiveMatrix").world_matrix(node))

    def exclusiveMatrix(self):
        node = self._live()
        scene = _scene_now("MDagPath.exclusiveMatrix")
        return MMatrix(scene.world_matrix(node.parent) if node.parent is not None else _matrix.identity())

    def inclusiveMatrixInverse(self):
        return self.inclusiveMatrix().inverse()

    def exclusiveMatrixInverse(self):
        return self.exclusiveMatrix().inverse()

    @staticmethod
    def getAPathTo(node):
        target = node._node if isinstance(node, MObject) else None
        if target is None or not live(target).is_dag:
            raise RuntimeError("(kInvalidParameter): Object is not a DAG node")
        return MDagPath._of(target)


class MSelectionList:
    """A list of MObjects and DAG paths, built from names (wildcards allowed) or objects."""

    def __init__(self, *args):
        if len(args) > 1 or (args and not isinstance(args[0], MSelectionList)):
            raise TypeError("MSelectionList() takes no arguments or another MSelectionList")
        self._items = list(args[0]._items) if args else []

    def __str__(self):
        return str([n.path() for n in self._items])

    def _item(self, index):
        if not -len(self._items) <= index < len(self._items):
            raise IndexError("(kInvalidParameter): Index not within range")
        return live(self._items[index])

    def add(self, item, *options, **named):
        """Add a name or pattern (``add(pattern, searchChildNamespaces=False)``) or an MObject/MDagPath
        (``add(item, mergeWithExisting=True)``); returns self."""
        merge = True if isinstance(item, str) else named.get("mergeWithExisting", options[0] if options else True)
        scene = _scene_now("MSelectionList.add")
        if isinstance(item, str):
            if "." in item:
                raise RuntimeError("(kInvalidParameter): the Maya stand-in selects nodes, not plugs or components")
            nodes = scene.match(item)
            if not nodes:
                raise RuntimeError("(kInvalidParameter): Object does not exist")
        elif isinstance(item, (MObject, MDagPath)):
            nodes = [live(item._node)]
        else:
            raise TypeError(f"MSelectionList.add() takes a name, an MObject or an MDagPath, not {item!r}")
        for node in nodes:
            if not (merge and node in self._items):
                self._items.append(node)
        return self

    def length(self):
        return len(self._items)

    def isEmpty(self):
        return not self._items

    def clear(self):
        self._items = []
        return self

    def copy(self, source):
        self._items = list(source._items)
        return self

    def merge(self, other, strategy=0):
        for node in other._items:
            if node not in self._items:
                self._items.append(node)
        return self

    def remove(self, index):
        self._item(index)
        del self._items[index]
        return self

    def replace(self, index, item):
        self._item(index)
        self._items[index] = live(item._node)
        return self

    def hasItem(self, item):
        return isinstance(item, (MObject, MDagPath)) and item._node in self._items

    def getDependNode(self, index):
        return MObject._of(self._item(index))

    def getDagPath(self, index):
        node = self._item(index)
        if not node.is_dag:
            raise TypeError("(kInvalidParameter): Item is not a DAG path")
        return MDagPath._of(node)

    def getSelectionStrings(self, index=None):
        nodes = self._items if index is None else [self._item(index)]
        return [n.name for n in nodes]
