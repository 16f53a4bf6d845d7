"""Attribute and transform commands: getAttr, setAttr, xform.

Plugs are "node.attribute" with long or short attribute names (``pCube1.translateX``, ``pCube1.tx``).
``getAttr`` returns what Maya returns: ``[(x, y, z)]`` for a double3 compound, a float for a scalar, a bool
for visibility, an int for an enum, 16 floats for a matrix. ``xform`` works in object space (the node's own
values) or world space (through its parents' matrices); rotations are in degrees; pivots are not modelled
(always at the object's origin).
"""
from .. import _matrix, _scene
from ._registry import command, objects

_KEYABLE = ("double3", "doubleLinear", "doubleAngle", "double", "bool", "enum", "long")


def _flat_numbers(values):
    flat = []
    for value in values:
        flat += _flat_numbers(value) if isinstance(value, (list, tuple)) else [value]
    return flat


@command("asString/asString:b type/typ:b lock/l:b keyable/k:b settable/se:b silent/sl:b time/t:f "
         "channelBox/cb:b")
def getAttr(args, flags):
    """The value of one plug (or its type, lock or keyable state)."""
    names = objects(args)
    if len(names) != 1:
        raise RuntimeError("getAttr: Specify exactly one attribute." if names else "Not enough objects or values.")
    scene = _scene.current()
    node, attr = scene.plug(names[0])
    if flags.get("type"):
        return attr.kind
    if flags.get("lock"):
        return attr.long in node.locked or (attr.parent is not None and attr.parent.long in node.locked)
    if flags.get("keyable") or flags.get("channelBox"):
        return attr.kind in _KEYABLE and attr.kind != "double3" and node.type == "transform"
    if flags.get("settable"):
        return not attr.readonly and attr.long not in node.locked
    value = scene.get_value(node, attr)
    if flags.get("asString") and attr.long == "rotateOrder":
        return _matrix.ROTATE_ORDERS[value]
    return value


@command("edit/e:b query/q:b type/typ:s lock/l:b keyable/k:b channelBox/cb:b clamp/c:b alteredValue/av:b "
         "caching/ca:b")
def setAttr(args, flags):
    """Set a plug: ``setAttr("pCube1.translate", 1, 2, 3)``, ``setAttr("pCube1.tx", 5)``, ``lock=True``."""
    if not args or not isinstance(args[0], str):
        raise RuntimeError("Not enough objects or values.")
    scene = _scene.current()
    node, attr = scene.plug(args[0])
    values = _flat_numbers(args[1:])
    if "lock" in flags:
        (node.locked.add if flags["lock"] else node.locked.discard)(attr.long)
    if not values:
        if "lock" in flags or "keyable" in flags or "channelBox" in flags:
            return None
        raise RuntimeError(f"setAttr: Not enough data was provided for '{args[0]}'.")
    if attr.readonly:
        raise RuntimeError(f"setAttr: The attribute '{node.name}.{attr.long}' is read-only and cannot be set.")
    targets = attr.children if attr.kind == "double3" else [attr]
    if len(values) != len(targets):
        raise RuntimeError(f"setAttr: '{node.name}.{attr.long}' takes {len(targets)} value(s), "
                           f"{len(values)} given.")
    for i, value in enumerate(values):
        if isinstance(value, str) or not isinstance(value, (int, float)):
            raise RuntimeError(f"setAttr: Error reading data element number {i + 1}: {value}")
    if attr.kind == "time":
        scene.set_time(values[0])
        return None
    if attr.long in node.locked:
        raise RuntimeError(f"setAttr: The attribute '{node.name}.{attr.long}' is locked or connected and "
                           "cannot be modified.")
    for target, value in zip(targets, values):
        scene.set_value(node, target.long, value)
    return None


_XFORM_VALUES = ("translation", "rotation", "scale", "matrix", "rotatePivot", "scalePivot")


@command("query/q:b translation/t:x? rotation/ro:x? scale/s:x? matrix/m:x? worldSpace/ws:b "
         "objectSpace/os:b relative/r:b absolute/a:b rotatePivot/rp:x? scalePivot/sp:x? rotateOrder/roo:s?")
def xform(args, flags):
    """Query or set a transform's translation, rotation (degrees), scale or matrix, in object or world space."""
    scene = _scene.current()
    names = objects(args)
    nodes = [scene.resolve(n) for n in names] if names else list(scene.selection)
    if not nodes:
        raise RuntimeError("Not enough objects or values.")
    for node in nodes:
        if node.type != "transform":
            raise RuntimeError(f"xform: '{node.name}' is not a transform (the Maya stand-in moves transforms).")
    world = flags.get("worldSpace", False) and not flags.get("objectSpace", False)
    if flags.get("query"):
        wanted = [f for f in _XFORM_VALUES + ("rotateOrder",) if flags.get(f)]
        if len(wanted) != 1:
            raise RuntimeError("xform: query one of translation, rotation, scale, matrix or a pivot.")
        return _query(scene, nodes[0], wanted[0], world)
    for node in nodes:
        for name in _XFORM_VALUES + ("rotateOrder",):
            if name in flags:
                _edit(scene, node, name, flags[name], world, flags.get("relative", False))
    return None


def _query(scene, node, what, world):
    values = node.values
    if what == "rotateOrder":
        return _matrix.ROTATE_ORDERS[values["rotateOrder"]]
    if what in ("rotatePivot", "scalePivot"):
        return [float(v) for v in scene.world_matrix(node)[12:15]] if world else [0.0, 0.0, 0.0]
    if what == "matrix":
        return scene.world_matrix(node) if world else scene.local_matrix(node)
    prefix = {"translation": "translate", "rotation": "rotate", "scale": "scale"}[what]
    if not world:
        return [float(values[prefix + axis]) for axis in "XYZ"]
    translate, rotate, scale = _matrix.decompose(scene.world_matrix(node), values["rotateOrder"])
    return {"translation": translate, "rotation": rotate, "scale": scale}[what]


def _vector(value, what, size=3):
    flat = _flat_numbers([value])
    if len(flat) != size or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in flat):
        raise TypeError(f"Invalid arguments for flag '{what}'.  Expected {size} floats, got {value!r}")
    return [float(v) for v in flat]


def _edit(scene, node, what, value, world, relative):
    if what == "rotateOrder":
        if value not in _matrix.ROTATE_ORDERS:
            raise RuntimeError(f"xform: Invalid rotate order: {value}")
        scene.set_value(node, "rotateOrder", _matrix.ROTATE_ORDERS.index(value))
        return
    if what in ("rotatePivot", "scalePivot"):
        raise RuntimeError("xform: pivots are not modelled by the Maya stand-in")
    if what == "matrix":
        m = _vector(value, what, 16)
        (scene.set_world_matrix if world else scene.set_local_matrix)(node, m)
        return
    vec = _vector(value, what)
    prefix = {"translation": "translate", "rotation": "rotate", "scale": "scale"}[what]
    if relative:
        current = [node.values[prefix + axis] for axis in "XYZ"]
        vec = [c * v for c, v in zip(current, vec)] if what == "scale" else [c + v for c, v in zip(current, vec)]
    elif world and what == "translation":
        vec = _matrix.transform_point(vec, _matrix.inverse(scene.parent_matrix(node)))[:3]
    elif world:
        translate, rotate, scale = _matrix.decompose(scene.world_matrix(node), node.values["rotateOrder"])
        rotate, scale = (vec, scale) if what == "rotation" else (rotate, vec)
        scene.set_world_matrix(node, _matrix.compose(translate, rotate, scale, node.values["rotateOrder"]))
        return
    for axis, v in zip("XYZ", vec):
        scene.set_value(node, prefix + axis, v)
