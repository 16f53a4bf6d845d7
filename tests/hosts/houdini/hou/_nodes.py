"""HOM node classes and the functions that find nodes: ``hou.node``, ``hou.root``, ``hou.pwd`` ...

The class hierarchy is Houdini's (``NetworkItem`` > ``NetworkMovableItem`` > ``Node`` > ``OpNode`` >
``ObjNode``, ``SopNode``, ``RopNode`` ...) and each method sits on the class the real API defines it on. A node
object is a view onto a ``_scene.NodeData``: ``hou.node()`` makes a new one per call, views compare and hash by
session id, and using a view of a destroyed node raises ``hou.ObjectWasDeleted``.
"""
import math

from . import _scene
from ._enums import networkItemType
from ._errors import ObjectWasDeleted, OperationFailed
from ._nodetypes import category_of, type_of
from ._parms import make_parm, make_tuple
from ._scene import SCENE, data_of, wrap

__all__ = ["NetworkItem", "NetworkMovableItem", "Node", "OpNode", "ObjNode", "SopNode", "RopNode", "LopNode",
           "VopNode", "ShopNode", "node", "root", "pwd", "cd", "nodes", "item", "nodeBySessionId", "selectedNodes",
           "clearAllSelected"]


def _no_constructor(self, *args, **kwargs):
    raise AttributeError("No constructor defined")


class NetworkItem:
    """Network items compare by session id (equality, and an arbitrary but stable order)."""

    __init__ = _no_constructor

    def _check_alive(self):
        if self._node.deleted:
            raise ObjectWasDeleted()

    def _key(self, other):
        if not isinstance(other, NetworkItem):
            return NotImplemented
        return other._node.sid

    def __eq__(self, other):
        return isinstance(other, NetworkItem) and other._node.sid == self._node.sid

    def __ne__(self, other):
        return not self == other

    def __lt__(self, other):
        key = self._key(other)
        return key if key is NotImplemented else self._node.sid < key

    def __le__(self, other):
        key = self._key(other)
        return key if key is NotImplemented else self._node.sid <= key

    def __gt__(self, other):
        key = self._key(other)
        return key if key is NotImplemented else self._node.sid > key

    def __ge__(self, other):
        key = self._key(other)
        return key if key is NotImplemented else self._node.sid >= key

    def networkItemType(self):
        return networkItemType.Node


class NetworkMovableItem(NetworkItem):
    __init__ = _no_constructor

    def __hash__(self):
        return hash(("node", self._node.sid))

    def name(self):
        return self._node.name

    def setName(self, name, unique_name=False):
        _scene.rename(self._node, name, unique_name)

    def digitsInName(self):
        digits = ""
        for char in reversed(self._node.name):
            if not char.isdigit():
                break
            digits = char + digits
        return int(digits) if digits else 0

    def path(self):
        return self._node.path()

    def relativePathTo(self, base_item):
        import posixpath

        return posixpath.relpath(self._node.path(), data_of(base_item).path())

    def parent(self):
        return wrap(self._node.parent)

    def sessionId(self):
        return self._node.sid

    def isSelected(self):
        return bool(self._node.flags.get("selected"))

    def setSelected(self, on, clear_all_selected=False, show_asset_if_selected=False):
        if clear_all_selected:
            for other in _scene.all_nodes():
                other.flags["selected"] = False
        self._node.flags["selected"] = bool(on)


class Node(NetworkMovableItem):
    __init__ = _no_constructor

    def __eq__(self, other):
        return isinstance(other, Node) and other._node.sid == self._node.sid

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(("node", self._node.sid))

    def __repr__(self):
        node = self._node
        if node.deleted:
            return f"<hou.{type(self).__name__} (deleted)>"
        return f"<hou.{type(self).__name__} of type {node.typedef.name} at {node.path()}>"

    def type(self):
        return type_of(self._node.typedef)

    def childTypeCategory(self):
        child = self._node.typedef.child_category
        return None if child is None else category_of(child)

    def isNetwork(self):
        return self._node.typedef.child_category is not None

    def isSubNetwork(self):
        return self._node.typedef.name == "subnet"

    def isEditable(self):
        return True

    def errors(self):
        return tuple(self._node.errors)

    def warnings(self):
        return tuple(self._node.warnings)

    def node(self, node_path):
        return wrap(_scene.resolve(node_path, self._node))

    def nodes(self, node_paths):
        return tuple(wrap(_scene.resolve(path, self._node)) for path in node_paths)

    def item(self, item_path):
        return self.node(item_path)

    def glob(self, pattern, ignore_case=False):
        return tuple(wrap(c) for c in _scene.glob(self._node, pattern, ignore_case))

    def createNode(self, node_type_name, node_name=None, run_init_scripts=True, load_contents=True,
                   exact_type_name=False, force_valid_node_name=False):
        return wrap(_scene.create(self._node, node_type_name, node_name, exact_type_name, force_valid_node_name))

    def createOutputNode(self, node_type_name, node_name=None, run_init_scripts=True, load_contents=True,
                         exact_type_name=False):
        if self._node.parent is None:
            raise OperationFailed("The root node has no network to create nodes in")
        made = _scene.create(self._node.parent, node_type_name, node_name, exact_type_name)
        _scene.set_input(made, 0, self._node)
        return wrap(made)

    def createInputNode(self, input_index, node_type_name, node_name=None, run_init_scripts=True,
                        load_contents=True, exact_type_name=False):
        if self._node.parent is None:
            raise OperationFailed("The root node has no network to create nodes in")
        made = _scene.create(self._node.parent, node_type_name, node_name, exact_type_name)
        _scene.set_input(self._node, input_index, made)
        return wrap(made)

    def setInput(self, input_index, item_to_become_input, output_index=0):
        source = None if item_to_become_input is None else data_of(item_to_become_input, "input")
        _scene.set_input(self._node, input_index, source, output_index)

    def setFirstInput(self, item_to_become_input, output_index=0):
        self.setInput(0, item_to_become_input, output_index)

    def setNextInput(self, item_to_become_input, output_index=0, unordered_only=False):
        inputs = self._node.inputs
        free = next((i for i, c in enumerate(inputs) if c is None), len(inputs))
        self.setInput(free, item_to_become_input, output_index)

    def inputs(self):
        return tuple(None if c is None else wrap(c[0]) for c in self._node.inputs)

    def input(self, input_index):
        inputs = self._node.inputs
        return wrap(inputs[input_index][0]) if 0 <= input_index < len(inputs) and inputs[input_index] else None

    def outputs(self):
        return tuple(wrap(n) for n in _scene.outputs(self._node))

    def children(self):
        return tuple(wrap(c) for c in self._node.children.values())

    def allSubChildren(self, top_down=True, recurse_in_locked_nodes=True, sync_delayed_definition=False):
        return tuple(wrap(c) for c in _scene.descendants(self._node, top_down))

    def destroy(self, disable_safety_checks=False):
        _scene.destroy(self._node)

    def comment(self):
        return self._node.comment

    def setComment(self, comment):
        self._node.comment = str(comment)

    def appendComment(self, comment):
        self._node.comment += str(comment)

    def userData(self, name):
        return self._node.user_data.get(name)

    def setUserData(self, name, value):
        if not isinstance(value, str):
            raise TypeError("user data values are strings")
        self._node.user_data[name] = value

    def userDataDict(self):
        return dict(self._node.user_data)

    def destroyUserData(self, name, must_exist=True):
        if name not in self._node.user_data:
            if must_exist:
                raise OperationFailed(f"No user data named {name!r}")
            return
        del self._node.user_data[name]

    def creationTime(self):
        return self._node.created

    def modificationTime(self):
        return self._node.modified

    def isCurrent(self):
        return _current() is self._node

    def setCurrent(self, on, clear_all_selected=False):
        if on:
            self.setSelected(True, clear_all_selected)
            _CURRENT[0] = self._node


_CURRENT = [None]


def _current():
    node = _CURRENT[0]
    return None if node is None or node.deleted else node


class OpNode(Node):
    __init__ = _no_constructor

    def _tuple_def(self, name):
        typedef = self._node.typedef
        if name in typedef.parm_tuples:
            return typedef.parm_tuples[name]
        found = typedef.parm_components.get(name)
        return None if found is None else found[0]

    def parm(self, parm_path):
        if "/" in parm_path:
            node_path, _, parm_path = parm_path.rpartition("/")
            target = self.node(node_path)
            return None if target is None else target.parm(parm_path)
        found = self._node.typedef.parm_components.get(parm_path)
        return None if found is None else make_parm(self._node, found[0], found[1])

    def parmTuple(self, parm_path):
        if "/" in parm_path:
            node_path, _, parm_path = parm_path.rpartition("/")
            target = self.node(node_path)
            return None if target is None else target.parmTuple(parm_path)
        tdef = self._tuple_def(parm_path)
        return None if tdef is None else make_tuple(self._node, tdef)

    def parms(self):
        return tuple(make_parm(self._node, t, i) for t in self._node.typedef.parms for i in range(len(t.components)))

    def parmTuples(self):
        return tuple(make_tuple(self._node, t) for t in self._node.typedef.parms)

    def globParms(self, pattern, ignore_case=False, search_label=False, single_pattern=False):
        import fnmatch

        patterns = [pattern] if single_pattern else pattern.split()
        return tuple(p for p in self.parms() if any(
            fnmatch.fnmatchcase(p.name().lower() if ignore_case else p.name(), pat.lower() if ignore_case else pat)
            for pat in patterns))

    def evalParm(self, parm_path):
        parm = self.parm(parm_path)
        if parm is None:
            raise OperationFailed(f"Invalid parameter name: {parm_path}")
        return parm.eval()

    def evalParmTuple(self, parm_path):
        parm_tuple = self.parmTuple(parm_path)
        if parm_tuple is None:
            raise OperationFailed(f"Invalid parameter name: {parm_path}")
        return parm_tuple.eval()

    def setParms(self, parm_dict):
        for name, value in parm_dict.items():
            parm_tuple = self._node.typedef.parm_tuples.get(name)
            if parm_tuple is not None and isinstance(value, (tuple, list)):
                make_tuple(self._node, parm_tuple).set(value)
                continue
            parm = self.parm(name)
            if parm is None:
                raise OperationFailed(f"Invalid parameter name: {name}")
            parm.set(value)

    def addEventCallback(self, event_types, callback):
        types = tuple(event_types)
        if not types:
            raise OperationFailed("The event_types list is empty")
        for entry in self._node.event_callbacks:
            if entry[1] == callback:  # the same callback again: its event types grow, it still runs once
                entry[0] = tuple(dict.fromkeys(entry[0] + types))
                return
        self._node.event_callbacks.append([types, callback])

    def removeEventCallback(self, event_types, callback):
        for entry in self._node.event_callbacks:
            if entry[1] == callback:
                entry[0] = tuple(t for t in entry[0] if t not in tuple(event_types))
                if not entry[0]:
                    self._node.event_callbacks.remove(entry)
                return
        raise OperationFailed("The callback was not registered on this node")

    def eventCallbacks(self):
        return tuple((types, callback) for types, callback in self._node.event_callbacks)

    def cook(self, force=False, frame_range=()):
        from . import _sops

        _sops.cook(self._node, force)
        if self._node.errors:
            raise OperationFailed("\n".join(self._node.errors))

    def needsToCook(self, time=0.0):
        return self._node.dirty

    def cookCount(self):
        return self._node.cook_count

    def isTimeDependent(self, for_last_cook=False):
        return False

    def isInsideLockedHDA(self):
        return False

    def isLockedHDA(self):
        return False

    def matchesCurrentDefinition(self):
        return True


def _flag(node, name):
    return bool(node.flags[name])


def _set_exclusive_flag(node, name, on):
    """Display/render flags of SOPs: one node per network carries each."""
    if on and node.parent is not None:
        for sibling in node.parent.children.values():
            sibling.flags[name] = False
    node.flags[name] = bool(on)
    if node.parent is not None:
        SCENE.touch(node.parent)


def _flagged_child(node, name):
    return next((wrap(c) for c in node.children.values() if c.typedef.category == "Sop" and c.flags[name]), None)


def _world(node):
    """An object's world matrix: its parameters' transform, then its input's (the parent object) and its
    containing subnet's."""
    from ._sops import build_transform

    matrix = build_transform(node)
    if node.inputs and node.inputs[0] is not None and node.inputs[0][0].typedef.category == "Object":
        matrix = matrix * _world(node.inputs[0][0])
    if node.parent is not None and node.parent.typedef.category == "Object":
        matrix = matrix * _world(node.parent)
    return matrix


class ObjNode(OpNode):
    __init__ = _no_constructor

    def localTransform(self):
        from ._sops import build_transform

        return build_transform(self._node)

    def parmTransform(self):
        from ._sops import build_transform

        return build_transform(self._node)

    def worldTransform(self):
        return _world(self._node)

    def setWorldTransform(self, matrix, fail_on_locked_parms=False):
        """Set t, r, s so the world transform is ``matrix`` (stand-in: solved for the default transform and
        rotation orders, no pivot; xOrd, rOrd, p and scale are reset to those; shear is refused)."""
        from . import _sops

        node = self._node
        parent = _world(node) * _sops.build_transform(node).inverted()
        local = matrix * parent.inverted()
        rows = local.asTupleOfTuples()
        scale = [math.sqrt(sum(v * v for v in rows[i][:3])) for i in range(3)]
        if min(scale) < 1e-12:
            raise OperationFailed("The matrix has a zero scale and cannot be set as a transform")
        if local.determinant() < 0:
            scale[0] = -scale[0]
        r = [[rows[i][j] / scale[i] for j in range(3)] for i in range(3)]
        ry = math.degrees(math.asin(max(-1.0, min(1.0, -r[0][2]))))
        if abs(r[0][2]) < 1.0 - 1e-9:
            rx, rz = math.degrees(math.atan2(r[1][2], r[2][2])), math.degrees(math.atan2(r[0][1], r[0][0]))
        else:  # gimbal lock: put it all in x
            rx, rz = math.degrees(math.atan2(-r[2][1], r[1][1])), 0.0
        values = {"xOrd": 0, "rOrd": 0, "scale": 1.0}
        values.update(zip(("tx", "ty", "tz"), rows[3][:3]))
        values.update(zip(("rx", "ry", "rz"), (rx, ry, rz)))
        values.update(zip(("sx", "sy", "sz"), scale))
        values.update(px=0.0, py=0.0, pz=0.0)
        before = {k: node.values[k] for k in values}
        node.values.update(values)
        if not (_sops.build_transform(node) * parent).isAlmostEqual(matrix, 1e-5):
            node.values.update(before)
            raise OperationFailed("The matrix has shear, which object transform parameters cannot hold")
        _scene.mark_dirty(node)

    def origin(self):
        from ._mathtypes import Vector3

        return Vector3(0.0, 0.0, 0.0) * _world(self._node)

    def isDisplayFlagSet(self):
        return _flag(self._node, "display")

    def setDisplayFlag(self, on):
        self._node.flags["display"] = bool(on)

    def displayNode(self):
        return _flagged_child(self._node, "display")

    def renderNode(self):
        return _flagged_child(self._node, "render")


class SopNode(OpNode):
    __init__ = _no_constructor

    def geometry(self, output_index=0):
        """The cooked geometry (cooking first if needed): read-only, except to this node's own Python code."""
        from . import _sops
        from ._geometry import make_geometry

        _sops.cook(self._node)
        return make_geometry(self._node.geo, read_only=True, sop=self._node) if output_index == 0 else None

    def inputGeometry(self, index):
        connection = self._node.inputs[index] if 0 <= index < len(self._node.inputs) else None
        return None if connection is None else wrap(connection[0]).geometry(connection[1])

    def isDisplayFlagSet(self):
        return _flag(self._node, "display")

    def setDisplayFlag(self, on):
        _set_exclusive_flag(self._node, "display", on)

    def isRenderFlagSet(self):
        return _flag(self._node, "render")

    def setRenderFlag(self, on):
        _set_exclusive_flag(self._node, "render", on)

    def isTemplateFlagSet(self):
        return _flag(self._node, "template")

    def setTemplateFlag(self, on):
        self._node.flags["template"] = bool(on)

    def isBypassed(self):
        return _flag(self._node, "bypass")

    def bypass(self, on):
        self._node.flags["bypass"] = bool(on)
        _scene.mark_dirty(self._node)

    def displayNode(self):
        return _flagged_child(self._node.parent, "display") if self._node.parent else None

    def renderNode(self):
        return _flagged_child(self._node.parent, "render") if self._node.parent else None


class RopNode(OpNode):
    __init__ = _no_constructor

    def isBypassed(self):
        return _flag(self._node, "bypass")

    def bypass(self, on):
        self._node.flags["bypass"] = bool(on)


class LopNode(OpNode):
    __init__ = _no_constructor


class VopNode(OpNode):
    __init__ = _no_constructor


class ShopNode(OpNode):
    __init__ = _no_constructor


# ----------------------------------------------------------------------------------- module functions

def _pwd_data():
    return SCENE.pwd_stack[-1] if SCENE.pwd_stack else SCENE.cwd


def node(path):
    if not isinstance(path, str):
        raise TypeError(f"hou.node() takes a path string, not {type(path).__name__}")
    if not path:
        return None
    return wrap(_scene.resolve(path, _pwd_data()))


def item(path):
    return node(path)


def nodes(paths):
    return tuple(node(path) for path in paths)


def root():
    return wrap(SCENE.root)


def pwd():
    return wrap(_pwd_data())


def cd(path):
    target = _scene.resolve(path, _pwd_data()) if isinstance(path, str) else None
    if target is None:
        raise OperationFailed(f"Invalid node path: {path}")
    SCENE.cwd = target


def nodeBySessionId(session_id):
    found = SCENE.by_sid.get(session_id)
    return None if found is None or found.deleted else wrap(found)


def selectedNodes(include_hidden=False):
    return tuple(wrap(n) for n in _scene.all_nodes() if n.flags.get("selected"))


def clearAllSelected():
    for other in _scene.all_nodes():
        other.flags["selected"] = False
