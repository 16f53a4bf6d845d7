"""The scene: DAG and DG nodes with Maya's naming, types, attributes, transforms and the selection.

What is modelled: transforms, mesh and camera shapes, the ``time1`` node, and the history nodes of the poly
primitives (``polyCube1`` ...). A new scene holds Maya's startup cameras (persp, top, front, side) and time1.
Node names are kept unique across the whole scene (Maya only needs them unique among siblings; code that relies
on two DAG nodes sharing a short name is not covered). Commands reach the scene through ``SCENE``, which a new
file or a reset replaces wholesale.

Errors are raised the way ``maya.cmds`` raises them: ``ValueError("No object matches name: x")`` for an unknown
object or attribute, ``RuntimeError`` for the rest.
"""
import fnmatch
import re

from . import _events, _geometry, _matrix, _session

# type -> its parent type (nodeType(inherited=True) walks this chain; Maya lists it root first)
TYPE_PARENTS = {
    "transform": "dagNode", "dagNode": "entity", "entity": "containerBase",
    "mesh": "surfaceShape", "surfaceShape": "controlPoint", "controlPoint": "deformableShape",
    "deformableShape": "geometryShape", "geometryShape": "shape", "shape": "dagNode", "camera": "shape",
    "polyCube": "polyPrimitive", "polySphere": "polyPrimitive", "polyPlane": "polyPrimitive",
    "polyPrimitive": "polyCreator", "polyCreator": "polyBase",
    "shadingEngine": "objectSet", "objectSet": "entity",
}
CONCRETE_TYPES = ("transform", "mesh", "camera", "time", "polyCube", "polySphere", "polyPlane", "shadingEngine")
API_TYPES = {  # values as in maya.api.OpenMaya.MFn
    "transform": ("kTransform", 110), "mesh": ("kMesh", 296), "camera": ("kCamera", 250),
    "time": ("kTime", 520), "polyCube": ("kPolyCube", 438), "polySphere": ("kPolySphere", 441),
    "polyPlane": ("kPolyMesh", 440), "shadingEngine": ("kShadingEngine", 320),
}


def inherited(node_type):
    chain = [node_type]
    while chain[-1] in TYPE_PARENTS:
        chain.append(TYPE_PARENTS[chain[-1]])
    return list(reversed(chain))


def is_a(node_type, wanted):
    return wanted in inherited(node_type) or (wanted == "node")


class Attr:
    def __init__(self, long, short, kind, default=None, parent=None, readonly=False):
        self.long, self.short, self.kind, self.default = long, short, kind, default
        self.parent, self.readonly, self.children = parent, readonly, []


def _table(*defs):
    table = {}
    for long, short, kind, default, *rest in defs:
        attr = Attr(long, short, kind, default, readonly=bool(rest and rest[0] == "ro"))
        table[long] = attr
        if kind == "double3":
            child_kind = {"translate": "doubleLinear", "rotate": "doubleAngle"}.get(long, "double")
            for i, axis in enumerate("XYZ"):
                child = Attr(long + axis, short + axis.lower(), child_kind, default[i], parent=attr)
                attr.children.append(child)
                table[child.long] = child
    return table


DAG_ATTRS = _table(
    ("visibility", "v", "bool", True), ("intermediateObject", "io", "bool", False),
    ("worldMatrix", "wm", "matrix", None, "ro"), ("worldInverseMatrix", "wim", "matrix", None, "ro"),
    ("parentMatrix", "pm", "matrix", None, "ro"), ("parentInverseMatrix", "pim", "matrix", None, "ro"),
)
ATTRS = {
    "transform": dict(DAG_ATTRS, **_table(
        ("translate", "t", "double3", (0.0, 0.0, 0.0)), ("rotate", "r", "double3", (0.0, 0.0, 0.0)),
        ("scale", "s", "double3", (1.0, 1.0, 1.0)), ("rotateOrder", "ro", "enum", 0),
        ("matrix", "m", "matrix", None, "ro"), ("inverseMatrix", "im", "matrix", None, "ro"))),
    "mesh": dict(DAG_ATTRS),
    "camera": dict(DAG_ATTRS, **_table(
        ("focalLength", "fl", "double", 35.0), ("orthographic", "o", "bool", False),
        ("orthographicWidth", "ow", "double", 30.0), ("nearClipPlane", "ncp", "doubleLinear", 0.1),
        ("farClipPlane", "fcp", "doubleLinear", 10000.0),
        # film back in inches (Maya's 35mm Full Aperture default)
        ("horizontalFilmAperture", "hfa", "double", 1.41732), ("verticalFilmAperture", "vfa", "double", 0.94488))),
    "time": _table(("outTime", "o", "time", None)),
    "shadingEngine": {},
    "polyCube": _table(("width", "w", "doubleLinear", 1.0), ("height", "h", "doubleLinear", 1.0),
                       ("depth", "d", "doubleLinear", 1.0), ("subdivisionsWidth", "sw", "long", 1),
                       ("subdivisionsHeight", "sh", "long", 1), ("subdivisionsDepth", "sd", "long", 1)),
    "polySphere": _table(("radius", "r", "doubleLinear", 1.0), ("subdivisionsAxis", "sa", "long", 20),
                         ("subdivisionsHeight", "sh", "long", 20)),
    "polyPlane": _table(("width", "w", "doubleLinear", 1.0), ("height", "h", "doubleLinear", 1.0),
                        ("subdivisionsWidth", "sw", "long", 10), ("subdivisionsHeight", "sh", "long", 10)),
}
LEGAL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Node:
    def __init__(self, name, node_type):
        self.name, self.type = name, node_type
        self.parent, self.children = None, []
        self.values = {}  # long attribute name -> value (compounds keep theirs in their children)
        for attr in ATTRS[node_type].values():
            if attr.kind not in ("double3", "matrix", "time"):
                self.values[attr.long] = attr.default
        self.locked = set()
        self.mesh = None  # mesh shapes: a _geometry.MeshData
        self.creator = None  # mesh shapes: their poly primitive node; primitives: their shape (in .output)
        self.output = None
        self.members = []  # shading groups (sets): member shapes; a mesh made by MFnMesh.create is in none
        self.startup = False
        self.alive = True

    @property
    def is_dag(self):
        return is_a(self.type, "dagNode")

    @property
    def is_shape(self):
        return is_a(self.type, "shape")

    def path(self):
        if not self.is_dag:
            return self.name
        parts, node = [], self
        while node is not None:
            parts.append(node.name)
            node = node.parent
        return "|" + "|".join(reversed(parts))

    def __repr__(self):
        return f"<Node {self.path()} ({self.type})>"


def shape_name_for(transform_name):
    """Maya's shape name for a transform: pCube1 -> pCubeShape1, box -> boxShape."""
    match = re.match(r"^(.*?)(\d*)$", transform_name)
    return f"{match.group(1)}Shape{match.group(2)}"


def legal_name(name):
    """Maya's clean-up of a requested name: illegal characters become _, a leading digit gets a _ prefix."""
    cleaned = re.sub(r"[^A-Za-z0-9_#]", "_", name)
    return "_" + cleaned if cleaned[:1].isdigit() else cleaned


class Scene:
    def __init__(self):
        self.nodes = []
        self.by_name = {}
        self.selection = []
        self.time = 1.0
        self.playback = {"minTime": 1.0, "maxTime": 120.0, "animationStartTime": 1.0,
                         "animationEndTime": 200.0, "by": 1.0, "playbackSpeed": 1.0, "loop": "continuous",
                         "framesPerSecond": 24.0}
        self.scene_name = ""
        self.modified = False
        self._make_startup_nodes()
        self.look_through = self.by_name["persp"]  # the transform the active model panel looks through

    # ------------------------------------------------------------------------------------ nodes & names

    def _make_startup_nodes(self):
        self.create("time", "time1").startup = True
        self.create("shadingEngine", "initialShadingGroup").startup = True
        cameras = (("persp", (28.0, 21.0, 28.0), (-27.938352729602379, 45.0, 0.0), False),
                   ("top", (0.0, 1000.1, 0.0), (-90.0, 0.0, 0.0), True),
                   ("front", (0.0, 0.0, 1000.1), (0.0, 0.0, 0.0), True),
                   ("side", (1000.1, 0.0, 0.0), (0.0, 90.0, 0.0), True))
        for name, translate, rotate, ortho in cameras:
            xform = self.create("transform", name)
            xform.values.update(zip(("translateX", "translateY", "translateZ"), translate))
            xform.values.update(zip(("rotateX", "rotateY", "rotateZ"), rotate))
            shape = self.create("camera", name + "Shape", parent=xform)
            shape.values["orthographic"] = ortho
            xform.startup = shape.startup = True
        self.modified = False

    def unique_name(self, wanted):
        """Maya's unique naming: a trailing '#' becomes a number; a taken name gets the next free number."""
        wanted = legal_name(wanted)
        if wanted.endswith("#"):
            base, number = wanted.rstrip("#"), 1
        elif wanted not in self.by_name:
            return wanted
        else:
            match = re.match(r"^(.*?)(\d*)$", wanted)
            base, number = match.group(1), int(match.group(2)) + 1 if match.group(2) else 1
        while f"{base}{number}" in self.by_name:
            number += 1
        return f"{base}{number}"

    def create(self, node_type, name, parent=None):
        node = Node(self.unique_name(name), node_type)
        self.nodes.append(node)
        self.by_name[node.name] = node
        if parent is not None:
            node.parent = parent
            parent.children.append(node)
        self.modified = True
        return node

    def rename(self, node, new_name):
        if new_name == node.name:
            return node.name
        del self.by_name[node.name]
        node.name = self.unique_name(new_name)
        self.by_name[node.name] = node
        self.modified = True
        _events.fire("NameChanged")
        return node.name

    def delete(self, node):
        if node.startup:
            raise RuntimeError(f"Cannot delete the startup node '{node.name}'.")
        for child in list(node.children):
            self.delete(child)
        if node.parent is not None:
            node.parent.children.remove(node)
        if node.creator is not None and node.creator.alive and node.creator.output is node:
            self._forget(node.creator)
        self._forget(node)
        self.modified = True

    def _forget(self, node):
        _events.kill_for_node(node)
        if self.look_through is node:
            self.look_through = self.by_name["persp"]  # a deleted camera's view falls back to persp
        node.alive = False
        self.nodes.remove(node)
        del self.by_name[node.name]
        if node in self.selection:
            self.selection.remove(node)

    # ---------------------------------------------------------------------------------------- lookup

    def find(self, name):
        """The node called ``name`` (short name, full path or partial path), or None."""
        if not isinstance(name, str) or not name:
            return None
        if "|" not in name:
            return self.by_name.get(name)
        parts = name.split("|")
        node = self.by_name.get(parts[-1])
        if node is None or not node.is_dag:
            return None
        full = node.path()
        wanted = name if name.startswith("|") else "|" + name
        return node if full == wanted or (not name.startswith("|") and full.endswith(wanted)) else None

    def resolve(self, name):
        node = self.find(name)
        if node is None:
            raise ValueError(f"No object matches name: {name}")
        return node

    def match(self, pattern):
        """Nodes whose name (or path, when the pattern has '|') matches the wildcard pattern, in scene order."""
        if not any(c in pattern for c in "*?["):
            node = self.find(pattern)
            return [node] if node is not None else []
        if "|" in pattern:
            wanted = pattern if pattern.startswith("|") else "*|" + pattern
            return [n for n in self.nodes if n.is_dag and fnmatch.fnmatchcase(n.path(), wanted)]
        return [n for n in self.nodes if fnmatch.fnmatchcase(n.name, pattern)]

    def plug(self, text):
        """(node, Attr) for "node.attr" (long or short attribute name, optional [0]); ValueError if none."""
        node_name, _, attr_name = text.partition(".")
        node = self.find(node_name)
        attr_name = re.sub(r"\[0\]$", "", attr_name)
        attr = find_attr(node, attr_name) if node is not None and attr_name else None
        if attr is None:
            raise ValueError(f"No object matches name: {text}")
        return node, attr

    # ------------------------------------------------------------------------------------ transforms

    def local_matrix(self, node):
        if node.type != "transform":
            return _matrix.identity()
        v = node.values
        return _matrix.compose([v["translateX"], v["translateY"], v["translateZ"]],
                               [v["rotateX"], v["rotateY"], v["rotateZ"]],
                               [v["scaleX"], v["scaleY"], v["scaleZ"]], v["rotateOrder"])

    def world_matrix(self, node):
        m = self.local_matrix(node)
        parent = node.parent
        while parent is not None:
            m = _matrix.mul(m, self.local_matrix(parent))
            parent = parent.parent
        return m

    def parent_matrix(self, node):
        return self.world_matrix(node.parent) if node.parent is not None else _matrix.identity()

    def set_local_matrix(self, node, m):
        translate, rotate, scale = _matrix.decompose(m, node.values["rotateOrder"])
        for prefix, values in (("translate", translate), ("rotate", rotate), ("scale", scale)):
            for axis, value in zip("XYZ", values):
                self.set_value(node, prefix + axis, value)

    def set_world_matrix(self, node, m):
        self.set_local_matrix(node, _matrix.mul(m, _matrix.inverse(self.parent_matrix(node))))

    def reparent(self, node, new_parent, keep_world=True):
        world = self.world_matrix(node)
        probe = new_parent
        while probe is not None:
            if probe is node:
                raise RuntimeError(f"Cannot parent '{node.name}' under its own descendant '{new_parent.name}'.")
            probe = probe.parent
        if node.parent is not None:
            node.parent.children.remove(node)
        node.parent = new_parent
        if new_parent is not None:
            new_parent.children.append(node)
        if keep_world and node.type == "transform":
            self.set_world_matrix(node, world)
        self.modified = True

    # ---------------------------------------------------------------------------------------- values

    def set_value(self, node, long_name, value):
        attr = ATTRS[node.type][long_name]
        if long_name in node.locked or (attr.parent is not None and attr.parent.long in node.locked):
            raise RuntimeError(f"setAttr: The attribute '{node.name}.{long_name}' is locked or connected and "
                               "cannot be modified.")
        if attr.kind == "bool":
            value = bool(value)
        elif attr.kind in ("enum", "long"):
            value = int(value)
        else:
            value = float(value)
        changed = node.values.get(long_name) != value
        node.values[long_name] = value
        self.modified = True
        if changed:
            _events.fire_attribute(node, attr)
        if node.type in ("polyCube", "polySphere", "polyPlane") and node.output is not None:
            rebuild(node)

    def get_value(self, node, attr):
        if attr.kind == "double3":
            return [tuple(node.values[c.long] for c in attr.children)]
        if attr.kind == "matrix":
            return self.matrix_value(node, attr.long)
        if attr.kind == "time":
            return float(self.time)
        return node.values[attr.long]

    def matrix_value(self, node, long_name):
        world = self.world_matrix(node)
        value = {"worldMatrix": lambda: world, "worldInverseMatrix": lambda: _matrix.inverse(world),
                 "parentMatrix": lambda: self.parent_matrix(node),
                 "parentInverseMatrix": lambda: _matrix.inverse(self.parent_matrix(node)),
                 "matrix": lambda: self.local_matrix(node),
                 "inverseMatrix": lambda: _matrix.inverse(self.local_matrix(node))}[long_name]()
        return [float(v) for v in value]

    # ------------------------------------------------------------------------------------- selection

    def select(self, nodes, mode="replace"):
        before = list(self.selection)
        if mode == "replace":
            self.selection = []
        for node in nodes:
            if mode in ("replace", "add"):
                if node in self.selection:
                    self.selection.remove(node)
                self.selection.append(node)
            elif mode == "deselect" and node in self.selection:
                self.selection.remove(node)
            elif mode == "toggle":
                (self.selection.remove if node in self.selection else self.selection.append)(node)
        if self.selection != before:
            _events.fire("SelectionChanged")

    def set_time(self, value):
        value = float(value)
        if value != self.time:
            self.time = value
            _events.fire_time_change(value)
            _events.fire("timeChanged")


def find_attr(node, name):
    table = ATTRS[node.type]
    if name in table:
        return table[name]
    for attr in table.values():
        if attr.short == name:
            return attr
    return None


# ------------------------------------------------------------------------------------- poly primitives

PRIMITIVES = {
    "polyCube": ("pCube", lambda v: _geometry.cube(v["width"], v["height"], v["depth"], v["subdivisionsWidth"],
                                                   v["subdivisionsHeight"], v["subdivisionsDepth"])),
    "polySphere": ("pSphere", lambda v: _geometry.sphere(v["radius"], v["subdivisionsAxis"],
                                                         v["subdivisionsHeight"])),
    "polyPlane": ("pPlane", lambda v: _geometry.plane(v["width"], v["height"], v["subdivisionsWidth"],
                                                      v["subdivisionsHeight"])),
}


def make_primitive(scene, kind, values, name=None, history=True):
    """Create ``kind``'s transform, mesh shape and (with history) creator node; returns (transform, creator)."""
    prefix, build = PRIMITIVES[kind]
    transform = scene.create("transform", name or prefix + "#")
    shape = scene.create("mesh", shape_name_for(transform.name), parent=transform)
    creator = scene.create(kind, kind + "#")
    creator.values.update(values)
    shape.mesh = build(creator.values)
    scene.find("initialShadingGroup").members.append(shape)  # Maya shades new primitives with the default
    if history:
        creator.output, shape.creator = shape, creator
    else:
        scene.delete(creator)
        creator = None
    _events.fire("DagObjectCreated")
    return transform, creator


def rebuild(creator):
    """Construction history: a primitive's changed attribute rebuilds its mesh (tweaks are not kept)."""
    creator.output.mesh = PRIMITIVES[creator.type][1](creator.values)


SCENE = Scene()


@_session.on_reset
def _new_scene():
    global SCENE
    SCENE = Scene()


def new_scene():
    _new_scene()
    _events.fire("deleteAll")
    _events.fire("NewSceneOpened")


def current():
    """The scene, for callers already inside a checked command or API call."""
    return SCENE
