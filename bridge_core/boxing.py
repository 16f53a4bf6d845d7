"""How values cross a connection: boxed by value or by reference, in marshal-friendly tuples.

Every value a message carries is a ``(label, value)`` box. Plain values (strings, numbers, None, and tuples of
them) travel as themselves; objects travel as references that the other side turns into proxies; bytes-like
values always travel by copy. This is rpyc's scheme with faster paths and labels of our own; the labels and
what each box holds are in ``wire``'s table (``LABEL_VALUE`` ... ``LABEL_FUSED``).

``Boxing`` is the connection's half that does it (a mixin of ``protocol.BridgeConnection``, which owns the
registries it uses: ``_local_objects``, ``_proxy_cache`` and their hot views, ``_proxy_classes``, and the
bulk counters).

    package = conn._box(hou_node)     # (4, ("hou.ObjNode", 1401..., 1402...)) -- a reference
    conn._unbox((1, "/obj/geo1"))     # "/obj/geo1"
"""
import types

from . import bulk, fusing, proxies, remote_errors, wire
from ._rpyc import netref
from .wire import LABEL_BULK, LABEL_COPY, LABEL_EXCEPTION_CLASS, LABEL_FUSED, LABEL_SPECIAL

__all__ = ["Boxing", "Boxed"]

_PLAIN = frozenset({str, int, float, bool, type(None)})  # boxed as themselves, no questions asked
_PLAIN_OR_NESTED = _PLAIN | {bytes, tuple}


def _all_plain(items):
    """True when a tuple holds only plain values and small bytes (at any depth): it travels as one value."""
    if len(items) > 8:  # a long tuple (a copied list of 10,000 names): sort out its types at C speed
        kinds = set(map(type, items))
        if kinds <= _PLAIN:
            return True
        if not kinds <= _PLAIN_OR_NESTED:
            return False
    for item in items:
        kind = type(item)
        if kind in _PLAIN or kind is tuple and _all_plain(item) or kind is bytes and len(item) < bulk.THRESHOLD:
            continue
        return False
    return True


_instance_names = {}  # class -> its instances' rpyc name, or None (see _instance_name)
_UNSEEN = object()


def _instance_name(cls):
    """rpyc's name for instances of ``cls`` when it may be computed once per class, else None: instances of a
    plain non-builtin class that neither redefines attribute lookup nor is a proxy, class, module or bulk kind
    (``array.array``). None, too, for what ``_box`` sends otherwise (method proxies, exception classes)."""
    try:
        return _instance_names[cls]
    except KeyError:
        pass
    plain = (cls.__module__ != "builtins" and cls not in bulk.KINDS
             and not issubclass(cls, (type, types.ModuleType))
             and cls.__getattribute__ is object.__getattribute__ and not hasattr(cls, "__getattr__")
             and not hasattr(cls, "____id_pack__")
             and not any("__class__" in vars(base) for base in cls.__mro__ if base is not object))
    name = _instance_names[cls] = f"{cls.__module__}.{cls.__name__}" if plain else None
    return name


class Boxed:
    """A handler's result that is boxed already (a fused reply)."""

    __slots__ = ("package",)

    def __init__(self, package):
        self.package = package


class Boxing:
    """The boxing half of a connection (see the module docstring)."""

    def _netref_factory(self, id_pack):
        """One proxy class per remote class (rpyc describes the class again for every new instance)."""
        key = (id_pack[0], id_pack[1], id_pack[2] == 0)
        cls = self._proxy_classes.get(key)
        if cls is None:
            cls = proxies.builtin_proxy_class(id_pack[0])
            if cls is None:
                cls = proxies.proxy_class(id_pack, self.sync_request(wire.HANDLE_INSPECT, id_pack))
            self._proxy_classes[key] = cls
        return cls(self, id_pack)

    def _box(self, obj):
        kind = type(obj)
        if kind in _PLAIN:  # the common case first: names, paths, numbers
            return wire.LABEL_VALUE, obj
        if obj is NotImplemented or kind is slice:  # values rpyc sends by value that marshal cannot encode
            return LABEL_SPECIAL, (None,) if obj is NotImplemented else (obj.start, obj.stop, obj.step)
        if kind is tuple:
            if _all_plain(obj):
                return wire.LABEL_VALUE, obj
            return wire.LABEL_TUPLE, tuple([self._box(item) for item in obj])
        if issubclass(kind, netref.BaseNetref):  # a proxy: by reference (to ours) or rpyc's way (another's)
            if object.__getattribute__(obj, "____conn__") is self:
                return wire.LABEL_LOCAL_REF, object.__getattribute__(obj, "____id_pack__")
            return super()._box(obj)
        if kind is fusing.Constants:  # a call site's follow-ups: boxed once (plain constants never change)
            if obj.boxed is None:
                if not _all_plain(obj.value):
                    return self._box(obj.value)
                obj.boxed = wire.LABEL_VALUE, obj.value
            return obj.boxed
        name_pack = _instance_names.get(kind, _UNSEEN)
        if name_pack is _UNSEEN:
            name_pack = _instance_name(kind)
        if name_pack is not None:  # an instance of a plain class (hou.ObjNode ...): by reference, rpyc's id_pack
            id_pack = (name_pack, id(kind), id(obj))  # without its getattr probes (an exception each)
            self._local_objects.add(id_pack, obj)
            return wire.LABEL_REMOTE_REF, id_pack
        if kind is proxies.RemoteMethod:
            obj = proxies.resolved(obj)
        else:
            found = bulk.classify(obj)
            if found is not None:
                found_kind, meta, size = found
                if size >= bulk.THRESHOLD:
                    self._bulk_boxed += 1
                    return LABEL_BULK, bulk.Pending(found_kind, meta, obj)
                if found_kind != "y":
                    return LABEL_COPY, (found_kind, meta, bytes(obj))
        if remote_errors.is_shippable_class(obj):
            return LABEL_EXCEPTION_CLASS, remote_errors.describe(obj)
        return super()._box(obj)

    def _unbox(self, package):
        label, value = package
        if label == wire.LABEL_VALUE:
            return value
        if label == wire.LABEL_TUPLE:  # a request's arguments: plain values taken as they are
            return tuple([item[1] if item[0] == wire.LABEL_VALUE else self._unbox(item) for item in value])
        if label == wire.LABEL_REMOTE_REF:  # rpyc's, inline: one per remote object received
            id_pack = (str(value[0]), value[1], value[2])
            ref = self._proxy_refs.get(id_pack)
            proxy = None if ref is None else ref()
            if proxy is not None:
                proxy.____refcount__ += 1  # the server counted one more reference
                return proxy
            proxy = self._proxy_cache[id_pack] = self._netref_factory(id_pack)
            return proxy
        if label == wire.LABEL_LOCAL_REF:  # one of ours, back from the other side (a method call's target)
            return self._local_slots[value][0]
        if label == LABEL_BULK:
            index, kind, meta = value
            return bulk.rebuild(kind, meta, self._bulk_incoming[-1][index])
        if label == LABEL_COPY:
            return bulk.rebuild(*value)
        if label == LABEL_FUSED:
            first, done = value
            return fusing.Fused(self._unbox(first), tuple(
                (failed, self._unbox_exc(item) if failed else self._unbox(item)) for failed, item in done))
        if label == LABEL_SPECIAL:
            return NotImplemented if len(value) == 1 else slice(*value)
        if label == LABEL_EXCEPTION_CLASS:
            return remote_errors.local_class(value)
        return super()._unbox(package)

    def _box_exc(self, typ, val, tb):
        return remote_errors.dump(typ, val, tb, self._box)

    def _unbox_exc(self, raw):
        exc = remote_errors.load(raw, self._unbox)
        return exc if exc is not None else super()._unbox_exc(raw)
