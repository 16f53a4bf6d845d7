"""Exceptions across the bridge: remote exception classes that work in ``except`` clauses.

With plain rpyc, ``except hou.OperationFailed:`` on the client raises ``TypeError`` (``hou.OperationFailed`` is
a proxy, not a class). Here an exception class crossing the bridge (as a value, ``hou.OperationFailed``, or as
the type of a raised exception) becomes a *local* class that mirrors the remote one: same name and module,
same chain of bases down to the builtin it derives from, plus ``RemoteError``. One process-wide cache keeps
one local class per remote class, so the class a user catches is the class that is raised.

On the wire (marshal-encodable values, inside the bridge's boxes and exception messages; the numbers are
``wire``'s):

| what               | encoding                                                                       |
|--------------------|--------------------------------------------------------------------------------|
| class description  | ``(("hou", "OperationFailed"), ("hou", "Error"), ...), "Exception"``: the non-builtin classes of the MRO, most derived first, then the name of the builtin base |
| class as a value   | box ``(LABEL_EXCEPTION_CLASS, description)``                                   |
| raised exception   | ``(EXCEPTION_MARKER, description, args, attrs, traceback_text, boxed_instance)`` |
| ``args``, ``attrs`` values | boxed by value (``boxing``); a value that would need a reference travels as its ``repr`` |

Arguments travel by value only (as with rpyc, which sends what brine can encode and the ``repr`` of the
rest): plain values, bytes, slices, ``NotImplemented``, frozensets and tuples of them come back equal and of
the same type; anything else (a list, a node) comes back as its ``repr``. Whatever an exception holds, its reply can be
encoded, so the caller gets the error and the connection stays usable. ``boxed_instance`` is a reference to
the remote exception object for non-builtin classes, so methods such as ``hou.Error.instanceMessage()`` still
work on the client while it is connected. The remote traceback is ``remote_traceback`` and, as rpyc names it,
``_remote_tb``.

    try:
        hou.node("/obj").createNode("nosuchtype")
    except hou.OperationFailed as exc:
        exc.remote_traceback
"""
import builtins
import os
import threading
import traceback

from ._rpyc import brine
from . import errors
from .errors import RemoteError
from .wire import EXCEPTION_MARKER as MARKER

__all__ = ["is_shippable_class", "describe", "local_class", "dump", "load"]

_cache = {}
# frames of the bridge itself and of rpyc are left out of the traceback shown to the other side
_INTERNAL = (os.path.dirname(os.path.dirname(os.path.abspath(brine.__file__))) + os.sep,  # rpyc/
             os.path.dirname(os.path.abspath(__file__)) + os.sep)  # bridge_core/
# attributes of builtin exceptions that are not in .args (OSError, SyntaxError, SystemExit, ImportError)
_COPIED_ATTRS = ("errno", "strerror", "filename", "filename2", "lineno", "offset", "text", "code", "name", "path")
_lock = threading.Lock()


def _is_builtin(cls):
    """A builtin class (a class made by code run in a namespace without ``__name__``, such as rpyc's classic
    ``execute``, also says it is from "builtins")."""
    return cls.__module__ == "builtins" and getattr(builtins, cls.__name__, None) is cls


def _builtin_root(cls):
    for klass in cls.__mro__:
        if _is_builtin(klass):
            return klass
    return Exception


def is_shippable_class(obj):
    """True for an exception class that is not a builtin (those travel by name anyway)."""
    # type(obj), not isinstance(obj, type): isinstance would ask a proxy for its remote __class__
    return issubclass(type(obj), type) and issubclass(obj, BaseException) and not _is_builtin(obj)


def describe(cls):
    """The wire description of an exception class (see the module docstring)."""
    chain = tuple((k.__module__, k.__qualname__) for k in cls.__mro__
                  if not _is_builtin(k) and issubclass(k, BaseException) and k is not RemoteError
                  and not issubclass(RemoteError, k))
    return chain, _builtin_root(cls).__name__


def _builtin(name):
    candidate = getattr(builtins, str(name), None)
    if isinstance(candidate, type) and issubclass(candidate, BaseException):
        return candidate
    return Exception


def _make(name, module, base):
    namespace = {"__module__": module, "__qualname__": name}
    short = name.rpartition(".")[2]
    try:
        return type(short, (RemoteError, base) if not issubclass(base, RemoteError) else (base,), namespace)
    except TypeError:  # a builtin whose layout cannot be mixed (rare): keep the builtin, lose RemoteError
        return type(short, (base,), namespace)


def local_class(description):
    """The local class standing for a remote exception class; the same object for the same description."""
    chain, root_name = description
    chain = tuple(tuple(item) for item in chain)
    key = (chain, root_name)
    with _lock:
        cls = _cache.get(key)
        if cls is not None:
            return cls
        root = _builtin(root_name)
        base = _cache.get(((), root_name))
        if base is None:
            base = _cache[((), root_name)] = _make(root.__name__, "builtins", root) if root is not StopIteration else root
        for depth in range(len(chain) - 1, -1, -1):
            sub_key = (chain[depth:], root_name)
            cls = _cache.get(sub_key)
            if cls is None:
                module, qualname = chain[depth]
                own = getattr(errors, qualname, None) if module == errors.__name__ else None
                if isinstance(own, type) and issubclass(own, BaseException):
                    base = own  # one of our own errors (ShippingError ...): the real class, caught as usual
                cls = _cache[sub_key] = _make(qualname, module, base)
            base = cls
        return base


_ATOMS = frozenset({str, int, float, bool, complex, bytes, type(None)})  # marshal encodes them as they are


def _by_value(value, depth=0):
    """True when ``value`` crosses as itself (``boxing``): plain values, bytes, slices of plain values,
    ``NotImplemented``, frozensets of plain values, and tuples of all these."""
    kind = type(value)
    if kind in _ATOMS or value is NotImplemented:
        return True
    if kind is slice:  # its parts go inside its box as they are
        return all(type(part) in _ATOMS for part in (value.start, value.stop, value.step))
    if kind is frozenset:
        return all(type(item) in _ATOMS for item in value)
    return kind is tuple and depth < 20 and all(_by_value(item, depth + 1) for item in value)


def _repr(value):
    try:
        return repr(value)
    except Exception:  # a repr that fails must not cost the caller the error
        return f"<{type(value).__module__}.{type(value).__qualname__} object (repr failed)>"


def _plain(value, box):
    """``value`` boxed by value, or its ``repr`` (boxed) when it would need a reference."""
    return box(value) if _by_value(value) else box(_repr(value))


def _text(typ, val, tb):
    frames = [frame for frame in traceback.extract_tb(tb) if not frame.filename.startswith(_INTERNAL)]
    text = "Traceback (most recent call last):\n" if frames else ""
    return text + "".join(traceback.format_list(frames)) + "".join(traceback.format_exception_only(typ, val))


def dump(typ, val, tb, box):
    """Serialise a raised exception for the wire; ``box`` boxes values (and the instance, by reference)."""
    if typ is StopIteration:
        return (MARKER, describe(typ), (), (), "", None)
    try:
        text = _text(typ, val, tb)
        args = getattr(val, "args", ())
        args = tuple(_plain(a, box) for a in (args if type(args) is tuple else (args,)))
        values = ((name, getattr(val, name, None)) for name in _COPIED_ATTRS)
        attrs = tuple((name, _plain(value, box)) for name, value in values
                      if value is not None and not callable(value))
        remote = box(val) if is_shippable_class(typ) else None
        return (MARKER, describe(typ), args, attrs, text, remote)
    except Exception as exc:  # an exception too odd to describe: the caller still learns what was raised
        name = f"{getattr(typ, '__module__', '?')}.{getattr(typ, '__qualname__', typ)}"
        text = f"{name} was raised, and could not be described ({type(exc).__name__}: {_repr(exc)})\n"
        return (MARKER, ((), "Exception"), (box(text),), (), text, None)


def load(raw, unbox):
    """Rebuild a wire exception as an instance of its local class (``None`` if ``raw`` is not ours)."""
    if not (isinstance(raw, tuple) and len(raw) == 6 and raw[0] == MARKER):
        return None
    _, description, args, attrs, text, remote = raw
    cls = local_class(description)
    exc = cls.__new__(cls)
    exc.args = tuple(unbox(a) for a in args)
    for name, value in attrs:
        value = unbox(value)
        try:
            setattr(exc, name, value)
        except (AttributeError, TypeError):
            pass
    try:
        exc._remote_tb = text  # rpyc's name for it (hrpyc's scripts read it)
    except (AttributeError, TypeError):
        pass
    if isinstance(exc, RemoteError):
        exc.remote_arrived(text, None if remote is None else unbox(remote))
    return exc
