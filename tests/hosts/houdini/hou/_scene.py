"""The scene: the node tree behind the HOM objects (``hou.Node`` and friends are thin views onto it).

Each node is a ``NodeData``: a session id, a name, its ``TypeDef``, parent and children (in creation order),
inputs, parameter values, flags, and for SOPs its cooked geometry. ``hou.node()`` returns a new view object
each call, as Houdini does; views compare equal by session id. ``destroy`` marks the node and everything
under it deleted, so old views raise ``hou.ObjectWasDeleted``.

The scene starts with the root ``/`` and the managers ``/obj /out /stage /mat /shop /ch /img``;
``reset()`` (``hou.hipFile.clear``) goes back to that.
"""
import datetime
import fnmatch
import re

from . import _nodetypes
from ._errors import InvalidInput, ObjectWasDeleted, OperationFailed

_VALID_NAME = re.compile(r"^[A-Za-z0-9_.]+$")


class NodeData:
    def __init__(self, sid, name, typedef, parent):
        self.sid, self.name, self.typedef, self.parent = sid, name, typedef, parent
        self.children = {}
        self.inputs = []  # (NodeData, output_index) or None per input
        self.values = {}
        for parm in typedef.parms:
            self.values.update(zip(parm.components, parm.defaults))
        self.flags = {"display": False, "render": False, "template": False, "bypass": False}
        self.deleted = False
        self.dirty = True
        self.geo = None  # a SOP's cooked GeoData (see _sops)
        self.errors, self.warnings = (), ()
        self.comment = ""
        self.user_data = {}
        self.created = self.modified = datetime.datetime.now()
        self.cook_count = 0
        self.cooking = False
        self.event_callbacks = []  # [event types (tuple), callback] per callback (hou.OpNode.addEventCallback)

    def path(self):
        if self.parent is None:
            return "/"
        parent = self.parent.path()
        return parent + self.name if parent == "/" else f"{parent}/{self.name}"


class Scene:
    def __init__(self):
        self.reset()

    def reset(self):
        for node in getattr(self, "by_sid", {}).values():
            node.deleted = True
        self.by_sid = {}
        self.next_sid = 1
        self.root = self._new("", _nodetypes.CATEGORIES["Director"].types["root"], None)
        for name in _nodetypes.MANAGERS:
            self._new(name, _nodetypes.CATEGORIES["Manager"].types[name], self.root)
        self.cwd = self.root
        self.pwd_stack = []  # nodes cooking (a Python SOP's hou.pwd())
        self.unsaved = False

    def _new(self, name, typedef, parent):
        node = NodeData(self.next_sid, name, typedef, parent)
        self.next_sid += 1
        self.by_sid[node.sid] = node
        if parent is not None:
            parent.children[name] = node
        return node

    def touch(self, node=None):
        self.unsaved = True
        if node is not None:
            node.modified = datetime.datetime.now()


SCENE = Scene()


def all_nodes():
    return [n for n in SCENE.by_sid.values() if not n.deleted]


_VIEW_CLASSES = {}  # TypeDef -> its HOM class (hou.ObjNode ...), looked up once


def wrap(node):
    """A new HOM view of ``node`` (``hou.ObjNode``, ``hou.SopNode`` ...), or None for None."""
    if node is None:
        return None
    typedef = node.typedef
    cls = _VIEW_CLASSES.get(typedef)
    if cls is None:
        from . import _nodes

        cls = _VIEW_CLASSES[typedef] = getattr(_nodes, typedef.hom_class)
    view = object.__new__(cls)
    view._node = node
    return view


def data_of(item, what="node"):
    """The NodeData behind a HOM node view (or a path string); raises for deleted nodes and other objects."""
    from . import _nodes

    if isinstance(item, str):
        node = resolve(item, SCENE.cwd)
        if node is None:
            raise OperationFailed(f"Invalid {what} path: {item}")
        return node
    if not isinstance(item, _nodes.Node):
        raise TypeError(f"expected a hou.Node for the {what}, got {type(item).__name__}")
    if item._node.deleted:
        raise ObjectWasDeleted()
    return item._node


# ----------------------------------------------------------------------------------------------- paths

def resolve(path, relative_to):
    """The node at ``path`` (absolute, or relative to ``relative_to``; ``.`` and ``..`` allowed), or None."""
    if not isinstance(path, str):
        raise TypeError(f"node path must be a string, not {type(path).__name__}")
    node = SCENE.root if path.startswith("/") else relative_to
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            node = node.parent or node
            continue
        node = node.children.get(part)
        if node is None:
            return None
    return node


def glob(parent, pattern, ignore_case=False):
    """Children of ``parent`` matching any of the space-separated patterns (``^`` excludes), in order."""
    chosen = []
    fold = str.lower if ignore_case else str
    for token in pattern.split():
        exclude = token.startswith("^")
        token = fold(token[1:] if exclude else token)
        matched = [c for c in parent.children.values() if fnmatch.fnmatchcase(fold(c.name), token)]
        if exclude:
            chosen = [c for c in chosen if c not in matched]
        else:
            chosen += [c for c in matched if c not in chosen]
    return chosen


# ------------------------------------------------------------------------------------- making and naming

def valid_name(name, force_valid):
    if not isinstance(name, str):
        raise TypeError(f"node name must be a string, not {type(name).__name__}")
    if _VALID_NAME.match(name):
        return name
    if force_valid and name:
        return re.sub(r"[^A-Za-z0-9_.]", "_", name)
    raise OperationFailed(f"Invalid node name: {name!r}")


def unique_name(parent, name):
    """``name`` if free under ``parent``, else its trailing number incremented until it is (geo1 -> geo2)."""
    if name not in parent.children:
        return name
    match = re.match(r"^(.*?)(\d*)$", name)
    stem, digits = match.group(1), match.group(2)
    number = int(digits) + 1 if digits else 1
    while f"{stem}{number}" in parent.children:
        number += 1
    return f"{stem}{number}"


def auto_name(parent, typedef):
    stem = typedef.base_name
    number = 1
    while f"{stem}{number}" in parent.children:
        number += 1
    return f"{stem}{number}"


def create(parent, type_name, node_name=None, exact_type_name=False, force_valid_node_name=False):
    if not isinstance(type_name, str):
        raise TypeError(f"node type name must be a string, not {type(type_name).__name__}")
    child_category = parent.typedef.child_category
    category = _nodetypes.CATEGORIES.get(child_category) if child_category else None
    if category is None or parent.typedef.category == "Director":
        raise OperationFailed(f"{parent.path()} cannot contain child nodes")
    typedef = category.find(type_name, exact_type_name)
    if typedef is None:
        raise OperationFailed("Invalid node type name")
    if node_name is None:
        name = auto_name(parent, typedef)
    else:
        name = unique_name(parent, valid_name(node_name, force_valid_node_name))
    node = SCENE._new(name, typedef, parent)
    if typedef.category == "Object":
        node.flags["display"] = True
    elif typedef.category == "Sop" and not any(c.flags["display"] for c in parent.children.values()):
        node.flags["display"] = node.flags["render"] = True
    SCENE.touch(parent)
    return node


def rename(node, name, unique):
    if node.parent is None or node.typedef.category in ("Manager",):
        raise OperationFailed(f"Cannot rename {node.path()}")
    name = valid_name(name, False)
    if name == node.name:
        return
    if name in node.parent.children:
        if not unique:
            raise OperationFailed(f"Node name already exists: {name}")
        name = unique_name(node.parent, name)
    node.parent.children = {(name if n is node else k): n for k, n in node.parent.children.items()}
    node.name = name
    SCENE.touch(node)


def destroy(node):
    if node.parent is None or node.typedef.category == "Manager":
        raise OperationFailed(f"Cannot delete {node.path()}")
    parent = node.parent
    for other in outputs(node):
        other.inputs = [None if i is not None and i[0] is node else i for i in other.inputs]
        _trim(other)
        mark_dirty(other)
    for going in [node] + list(descendants(node)):
        if going.event_callbacks:
            fire_node_event(going, "BeingDeleted")
    was_display = node.flags["display"]
    del parent.children[node.name]
    for gone in [node] + list(descendants(node)):
        gone.deleted = True
        SCENE.by_sid.pop(gone.sid, None)
    if was_display and parent.children and node.typedef.category == "Sop":
        last = list(parent.children.values())[-1]
        last.flags["display"] = last.flags["render"] = True
    SCENE.touch(parent)


def descendants(node, top_down=True):
    for child in list(node.children.values()):
        if top_down:
            yield child
        yield from descendants(child, top_down)
        if not top_down:
            yield child


# ------------------------------------------------------------------------------------------- wiring

def _trim(node):
    while node.inputs and node.inputs[-1] is None:
        node.inputs.pop()


def upstream(node):
    seen, pending = set(), [node]
    while pending:
        current = pending.pop()
        for connection in current.inputs:
            if connection is not None and connection[0].sid not in seen:
                seen.add(connection[0].sid)
                pending.append(connection[0])
    return seen


def set_input(node, index, source, output_index=0):
    if not isinstance(index, int) or index < 0 or index >= max(node.typedef.max_inputs, 0) \
            or node.typedef.max_inputs == 0:
        raise InvalidInput(f"Invalid input index {index} for {node.path()}")
    if source is not None:
        if source.parent is not node.parent:
            raise OperationFailed(f"{source.path()} and {node.path()} are not in the same network")
        if source is node or node.sid in upstream(source):
            raise OperationFailed("Connecting these nodes would create a loop")
    while len(node.inputs) <= index:
        node.inputs.append(None)
    node.inputs[index] = None if source is None else (source, output_index)
    _trim(node)
    mark_dirty(node)
    SCENE.touch(node)


def outputs(node):
    if node.parent is None:
        return []
    return [n for n in node.parent.children.values()
            if any(i is not None and i[0] is node for i in n.inputs)]


def fire_node_event(node, event_name, **extra):
    """Call the node's event callbacks registered for ``hou.nodeEventType.<event_name>`` (with ``node`` and
    ``event_type`` keywords, plus the event's own), as Houdini does, on the thread that made the change."""
    from ._enums import nodeEventType
    from ._state import run_callback

    event = getattr(nodeEventType, event_name)
    for types, callback in list(node.event_callbacks):
        if event in types:
            run_callback(f"node event {event_name} of {node.path()}", callback, node=wrap(node), event_type=event,
                         **extra)


def mark_dirty(node):
    pending = [node]
    while pending:
        current = pending.pop()
        if current.dirty and current is not node:
            continue
        current.dirty = True
        pending.extend(outputs(current))
