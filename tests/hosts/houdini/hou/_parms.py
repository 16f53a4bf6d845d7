"""Parameters: ``hou.Parm`` (one value) and ``hou.ParmTuple`` (a named group such as ``t`` = tx, ty, tz).

Views onto the node's values (see ``_nodetypes.ParmTupleDef`` for the kinds). As in Houdini: ``eval()`` of a
menu parameter gives its index and ``evalAsString()`` its token, and ``set`` takes either; string parameters
expand variables (``$HIP``, ``$OS``, ``$F`` ...) when evaluated and keep the raw text in ``unexpandedString()``;
a data parameter (a Stash SOP's ``stash``) holds a frozen copy of the geometry it was set to. Setting a
parameter marks the node (and what depends on it) for recooking. Expressions and keyframes are not simulated.
"""
import numbers

from . import _scene
from ._errors import InvalidInput, InvalidSize, ObjectWasDeleted, OperationFailed

__all__ = ["Parm", "ParmTuple"]


def _no_constructor(self, *args, **kwargs):
    raise AttributeError("No constructor defined")


def make_parm(node, tdef, index):
    parm = object.__new__(Parm)
    parm._node, parm._tdef, parm._index = node, tdef, index
    return parm


def make_tuple(node, tdef):
    view = object.__new__(ParmTuple)
    view._node, view._tdef = node, tdef
    return view


def _converted(tdef, value, where):
    """``value`` as stored for a parameter of ``tdef``'s kind (raises TypeError/InvalidInput when it can't be)."""
    kind = tdef.kind
    if kind == "data":
        from ._geometry import Geometry

        if value is not None and not isinstance(value, Geometry):
            raise TypeError(f"{where} holds geometry, not {type(value).__name__}")
        return None if value is None else value._data.copy()
    if kind == "string":
        if isinstance(value, (str, numbers.Number)):
            return str(value)
        raise TypeError(f"{where} is a string parameter; cannot set it to {type(value).__name__}")
    if kind == "menu" and isinstance(value, str):
        tokens = [token for token, _label in tdef.menu]
        if value not in tokens:
            raise InvalidInput(f"{value!r} is not a menu item of {where} (items: {', '.join(tokens)})")
        return tokens.index(value)
    if isinstance(value, str) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where} is a {kind} parameter; cannot set it to {type(value).__name__} {value!r}")
    return float(value) if kind == "float" else int(value)


def set_value(node, tdef, index, value, notify=True):
    name = tdef.components[index]
    node.values[name] = _converted(tdef, value, f"{node.path()}/{name}")
    _scene.mark_dirty(node)
    _scene.SCENE.touch(node)
    if notify:
        changed(node, tdef)


def changed(node, tdef):
    """A parameter tuple's value changed: its node's ParmTupleChanged callbacks run (once per set call)."""
    if node.event_callbacks:
        _scene.fire_node_event(node, "ParmTupleChanged", parm_tuple=make_tuple(node, tdef))


def eval_value(node, tdef, index):
    value = node.values[tdef.components[index]]
    if tdef.kind == "string":
        from ._app import expand_string

        return expand_string(value, node)
    if tdef.kind == "data":
        from ._geometry import make_geometry

        return None if value is None else make_geometry(value.copy(), read_only=True)
    return value


class Parm:
    __init__ = _no_constructor

    def _check_alive(self):
        if self._node.deleted:
            raise ObjectWasDeleted()

    def __eq__(self, other):
        return isinstance(other, Parm) and (other._node.sid, other.name()) == (self._node.sid, self.name())

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self._node.sid, self._tdef.components[self._index]))

    def __repr__(self):
        return f"<hou.Parm {self._tdef.components[self._index]} in {self._node.path()}>"

    def node(self):
        return _scene.wrap(self._node)

    def tuple(self):
        return make_tuple(self._node, self._tdef)

    def name(self):
        return self._tdef.components[self._index]

    def path(self):
        return f"{self._node.path()}/{self.name()}"

    def description(self):
        return self._tdef.label

    def isSpare(self):
        return False

    def menuItems(self):
        return tuple(token for token, _label in self._tdef.menu)

    def menuLabels(self):
        return tuple(label for _token, label in self._tdef.menu)

    def eval(self):
        return eval_value(self._node, self._tdef, self._index)

    def evalAsFloat(self):
        value = self.eval()
        if isinstance(value, str) or value is None:
            raise TypeError(f"{self.path()} is not a numeric parameter")
        return float(value)

    def evalAsInt(self):
        value = self.eval()
        if isinstance(value, str) or value is None:
            raise TypeError(f"{self.path()} is not a numeric parameter")
        return int(value)

    def evalAsString(self):
        value = self.eval()
        if self._tdef.kind == "menu":
            return self._tdef.menu[value][0] if 0 <= value < len(self._tdef.menu) else str(value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return value if isinstance(value, str) else str(value)

    def evalAsGeometry(self):
        if self._tdef.kind != "data":
            raise OperationFailed(f"{self.path()} does not hold geometry")
        return self.eval()

    def unexpandedString(self):
        if self._tdef.kind != "string":
            raise OperationFailed(f"{self.path()} is not a string parameter")
        return self._node.values[self.name()]

    def rawValue(self):
        value = self._node.values[self.name()]
        return value if isinstance(value, str) else self.evalAsString()

    def set(self, value, language=None, follow_parm_reference=True):
        if isinstance(value, Parm):
            raise OperationFailed("channel references (Parm.set(other_parm)) are not simulated by the stand-in")
        set_value(self._node, self._tdef, self._index, value)

    def revertToDefaults(self):
        self._node.values[self.name()] = self._tdef.defaults[self._index]
        _scene.mark_dirty(self._node)

    def isAtDefault(self, compare_temporary_defaults=True, compare_expressions=True):
        return self._node.values[self.name()] == self._tdef.defaults[self._index]

    def pressButton(self, arguments={}):  # noqa: B006  (Houdini's signature)
        from . import _sops

        _sops.press_button(self._node, self.name())


class ParmTuple:
    __init__ = _no_constructor

    def _check_alive(self):
        if self._node.deleted:
            raise ObjectWasDeleted()

    def __eq__(self, other):
        return isinstance(other, ParmTuple) and (other._node.sid, other._tdef.name) == (self._node.sid,
                                                                                        self._tdef.name)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self._node.sid, "tuple", self._tdef.name))

    def __repr__(self):
        return f"<hou.ParmTuple {self._tdef.name} in {self._node.path()}>"

    def __getitem__(self, index):
        if not isinstance(index, int):
            raise TypeError("parm tuple indices must be integers")
        size = len(self._tdef.components)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("Invalid index")
        return make_parm(self._node, self._tdef, index)

    def __len__(self):
        return len(self._tdef.components)

    def __bool__(self):
        return True

    def __iter__(self):
        return iter([make_parm(self._node, self._tdef, i) for i in range(len(self._tdef.components))])

    def node(self):
        return _scene.wrap(self._node)

    def name(self):
        return self._tdef.name

    def description(self):
        return self._tdef.label

    def isSpare(self):
        return False

    def eval(self):
        return tuple(eval_value(self._node, self._tdef, i) for i in range(len(self._tdef.components)))

    def evalAsFloats(self):
        return tuple(float(v) for v in self.eval())

    def evalAsInts(self):
        return tuple(int(v) for v in self.eval())

    def evalAsStrings(self):
        return tuple(make_parm(self._node, self._tdef, i).evalAsString() for i in range(len(self)))

    def set(self, value, language=None, follow_parm_reference=True):
        if isinstance(value, ParmTuple):
            raise OperationFailed("channel references (ParmTuple.set(other_tuple)) are not simulated")
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
            raise TypeError(f"{self._node.path()}/{self._tdef.name} takes a sequence of {len(self)} values")
        if len(value) != len(self):
            raise InvalidSize(f"{self._node.path()}/{self._tdef.name} has {len(self)} components, "
                               f"got {len(value)} values")
        for index, item in enumerate(value):
            set_value(self._node, self._tdef, index, item, notify=False)
        changed(self._node, self._tdef)

    def revertToDefaults(self):
        self._node.values.update(zip(self._tdef.components, self._tdef.defaults))
        _scene.mark_dirty(self._node)

    def isAtDefault(self, compare_temporary_defaults=True, compare_expressions=True):
        return all(self._node.values[c] == d for c, d in zip(self._tdef.components, self._tdef.defaults))
