"""Proxies of remote objects, made cheaper than rpyc's without changing what user code means.

Plain rpyc asks the server to describe an object's class (a round trip) for every new remote object, and
``node.path()`` costs two more: one to fetch the bound method, one to call it. Here:

* **one proxy class per remote class**: instances of one remote class share the proxy class (keyed by the
  class's name and identity), so only the first ``hou.Node`` of a connection costs the description;
* **methods are called in one request**: reading an attribute that the remote class (or, for a module, the
  module) defines as a function returns a ``RemoteMethod``, which does nothing until called; calling it sends
  one ``CALLATTR`` request, which looks the attribute up and calls it *on the server, at call time*. Values are
  never stale and side effects happen when the user's code runs; only where a lookup fails changes (at the
  call instead of at the attribute read). Data attributes and properties are read remotely every time, as
  before;
* **a call and the methods called on its result, in one request**: ``hou.node(p).path()`` (see ``fusing``);
* **the two registries behind proxies** -- the proxies a connection holds (``ProxyCache``) and the objects
  the other side holds proxies of (``LocalObjects``) -- are rpyc's, with the hot reads done without a
  Python-level call and a dead proxy's entry dropped by C code.

    cls = proxy_class(id_pack, methods)      # in the connection's _netref_factory
"""
import functools
import inspect
import sys
import threading
import weakref

from . import fusing, wire
from ._rpyc import netref
from .wire import HANDLE_CALLATTR_CHAIN

__all__ = ["BridgeNetref", "RemoteMethod", "ProxyCache", "LocalObjects", "proxy_class", "builtin_proxy_class",
           "module_functions", "remote_module_name", "resolved"]

_syncreq = netref.syncreq
_pending = fusing.pending
_get = object.__getattribute__
_set = object.__setattr__
_getframe = sys._getframe
_reader = fusing.reader


class RemoteMethod:
    """A method of a remote object, called with one request; anything else resolves the real remote method."""

    __slots__ = ("_proxy", "_name", "_resolved", "_origin")

    def __init__(self, proxy, name, origin=None):
        self._proxy = proxy
        self._name = name
        self._resolved = None
        self._origin = origin  # where the user's code read it (fusing.reader), or None

    def __call__(self, *args, **kwargs):
        if not kwargs and self._origin is not None:
            frame, site = fusing.caller_site(self._name, len(args), self._origin)
            if frame is not None:  # the caller goes on with .method(constants) on the result: one request
                reply = _syncreq(self._proxy, HANDLE_CALLATTR_CHAIN, self._name, args, (), site.wire)
                return fusing.deliver(reply, frame, site)
        return _syncreq(self._proxy, wire.HANDLE_CALLATTR, self._name, args, tuple(kwargs.items()))

    def _resolve(self):
        """The remote bound method itself (one GETATTR), for uses other than calling."""
        if self._resolved is None:
            self._resolved = _syncreq(self._proxy, wire.HANDLE_GETATTR, self._name)
        return self._resolved

    # what rpyc's helpers read with object.__getattribute__ (rpyc.async_, rpyc.timed): the resolved method's
    ____conn__ = property(lambda self: _get(self._resolve(), "____conn__"))
    ____id_pack__ = property(lambda self: _get(self._resolve(), "____id_pack__"))

    def __getattr__(self, name):
        return getattr(self._resolve(), name)

    def __repr__(self):
        return repr(self._resolve())

    def __str__(self):
        return str(self._resolve())

    def __eq__(self, other):
        if type(other) is RemoteMethod:
            other = other._resolve()
        return self._resolve() == other

    def __hash__(self):
        return hash(self._resolve())


class BridgeNetref(netref.BaseNetref):
    """rpyc's netref, with the one-request method call."""

    __slots__ = ()
    _bridge_methods = frozenset()
    bridge_module_name = None  # a module proxy: the remote module's name (see remote_module_name)

    def __init__(self, conn, id_pack):  # rpyc's, without three trips through the proxy's __setattr__
        _set(self, "____conn__", conn)
        _set(self, "____id_pack__", id_pack)
        _set(self, "____refcount__", 1)

    def __del__(self):
        try:
            _get(self, "____conn__").proxy_released(_get(self, "____id_pack__"), _get(self, "____refcount__"))
        except Exception:  # at interpreter exit, or the connection is gone: nothing to release
            pass

    def __getattribute__(self, name):
        if _pending:  # a fused call's follow-up result may be waiting for exactly this read
            try:
                ready = fusing.take(self, name, _getframe(1))
            except ValueError:  # read from C, with no Python frame: nothing can be waiting for it
                ready = None
            if ready is not None:
                return ready
        if name in type(self)._bridge_methods:  # where it is read, for a fused call (unless they are off)
            return RemoteMethod(self, name, _reader() if _get(self, "____conn__").fused_calls else None)
        return netref.BaseNetref.__getattribute__(self, name)


def _fast_names(methods):
    return frozenset(str(name) for name, _doc in methods if not str(name).startswith("__"))


MODULE_MARKER = "__bridge_module__"


def _rebase(rpyc_class, methods):
    """rpyc's proxy class rebuilt on ``BridgeNetref`` (its namespace copied, not subclassed: subclassing would
    call the remote class's ``__init_subclass__`` through the proxy)."""
    namespace = {k: v for k, v in vars(rpyc_class).items() if k not in ("__dict__", "__weakref__", MODULE_MARKER)}
    namespace["_bridge_methods"] = _fast_names(methods)
    namespace["bridge_module_name"] = dict(methods).get(MODULE_MARKER)  # the module's name, for a module proxy
    return type(rpyc_class.__name__, (BridgeNetref,), namespace)


def proxy_class(id_pack, methods):
    """A proxy class for a remote class described by ``methods`` (``(name, doc)`` pairs from INSPECT)."""
    return _rebase(netref.class_factory(id_pack, methods), methods)


_builtin_classes = {}
_builtin_lock = threading.Lock()


def builtin_proxy_class(name_pack):
    """The proxy class for a builtin type (list, dict ...), shared by all connections; None if not builtin."""
    cls = _builtin_classes.get(name_pack)
    if cls is not None:
        return cls
    base = netref.builtin_classes_cache.get(name_pack)
    if base is None:
        return None
    local_type = base.__dict__["__class__"].instance
    methods = [(name, None) for name, value in vars(local_type).items() if inspect.isroutine(value)]
    with _builtin_lock:
        return _builtin_classes.setdefault(name_pack, _rebase(base, methods))


def resolved(method):
    """The remote bound method a ``RemoteMethod`` stands for (one GETATTR, once): what crosses when it is passed
    on as a value."""
    return method._resolve()


def remote_module_name(obj):
    """The name of the remote module ``obj`` stands for, else None: a module proxy, or anything whose class
    declares ``bridge_module_name`` (a string, or a property giving it: a link's stable module)."""
    name = getattr(type(obj), "bridge_module_name", None)  # the class: a proxy is never asked for it
    if isinstance(name, property):
        name = name.fget(obj)
    return name if isinstance(name, str) else None


def module_functions(module):
    """Added by the server to a module's description: ``(name, None)`` for each function the module defines,
    and ``(MODULE_MARKER, module name)`` so the client knows the proxy is a module (for ``Bridge.call``)."""
    functions = tuple((name, None) for name, value in list(vars(module).items())
                      if inspect.isroutine(value) and not name.startswith("__"))
    return functions + ((MODULE_MARKER, module.__name__),)


class ProxyCache:
    """The proxies a connection holds, by id_pack, without keeping them alive (rpyc's ``WeakValueDict``).
    ``refs`` maps an id_pack to a weak reference; a proxy's death removes its entry (as rpyc's does, even if a
    newer proxy took the key meanwhile: that one is just not shared)."""

    __slots__ = ("refs",)

    def __init__(self):
        self.refs = {}

    def get(self, key, default=None):
        ref = self.refs.get(key)
        value = None if ref is None else ref()
        return default if value is None else value

    def __getitem__(self, key):
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key, value):
        self.refs[key] = weakref.ref(value, functools.partial(self.refs.pop, key))

    def __contains__(self, key):
        return self.get(key) is not None

    def __len__(self):
        return len(self.refs)

    def clear(self):
        self.refs.clear()


class LocalObjects:
    """The objects the other side holds proxies of, with reference counts (rpyc's ``RefCountingColl``).
    ``slots`` maps an id_pack to ``[object, extra references]``; changes take the lock, reads need not."""

    __slots__ = ("_lock", "slots")

    def __init__(self):
        self._lock = threading.Lock()
        self.slots = {}

    def add(self, key, obj):
        with self._lock:
            slot = self.slots.get(key)
            if slot is None:
                self.slots[key] = [obj, 0]
            else:
                slot[1] += 1

    def decref(self, key, count=1):
        with self._lock:
            slot = self.slots[key]
            if slot[1] < count:
                del self.slots[key]
            else:
                slot[1] -= count

    def __getitem__(self, key):
        return self.slots[key][0]

    def __len__(self):
        return len(self.slots)

    def clear(self):
        with self._lock:
            self.slots.clear()
