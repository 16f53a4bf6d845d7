"""Plain data by value: how ``Bridge.call`` copies arguments and results across the bridge.

Proxies make every element of a remote list a round trip; ``Bridge.call`` instead copies its arguments in and
its result out, in one message. What can be copied: ``None``, ``bool``, ``int``, ``float``, ``complex``,
``str``, ``bytes``, ``bytearray``, ``memoryview``, ``array.array`` (those four by bulk frames when large),
and ``tuple``, ``list``, ``dict``, ``set``, ``frozenset`` of those, nested. Anything else (a ``hou.Node``, an
open file) is refused with ``ShippingError`` naming where in the value it sits.

| value           | encoding (a marshal-encodable tuple)       |
|-----------------|--------------------------------------------|
| scalar          | itself                                     |
| bytes-like      | itself (the connection copies it by value) |
| ``tuple``       | ``("t", items)``                           |
| ``list``        | ``("l", items)``                           |
| ``dict``        | ``("d", keys, values)``                    |
| ``set`` / ``frozenset`` | ``("s", items)`` / ``("f", items)``|
| flat ``list`` / ``tuple`` of str, int, float, bool, None | ``("p", "l" or "t", marshal of the items)`` |

The flat form is the common case (names, paths, numbers: a scene walk's result): one ``marshal`` call each way
at C speed, one ``bytes`` for the connection to carry (as a bulk frame when large), and no Python-level walk
of the items by the connection or by ``decode``.

    encode({"P": b"...", "names": ["a", "b"]}) -> ("d", ("P", "names"), (b"...", ("l", ("a", "b"))))
    decode(encode(value)) == value
"""
import array
import marshal

from .errors import ShippingError
from .wire import MARSHAL_VERSION

__all__ = ["encode", "decode"]

_SCALARS = (type(None), bool, int, float, complex, str, bytes, bytearray, memoryview, array.array)
_SCALAR_SET = frozenset(_SCALARS)
_FLAT = frozenset({type(None), bool, int, float, str})  # what marshal keeps exactly
_FLAT_MIN = 16          # shorter sequences are not worth a marshal call


class _Uncopyable(Exception):
    """Internal: ``_encode`` met a value it cannot copy (``encode`` then finds where, for the message)."""


def _encode(value):
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list or kind is tuple:
        tag = "l" if kind is list else "t"
        kinds = set(map(type, value))  # the common cases (names, numbers) are sorted out at C speed
        if kinds <= _FLAT and len(value) >= _FLAT_MIN:
            return ("p", tag, marshal.dumps(tuple(value), MARSHAL_VERSION))
        if kinds <= _SCALAR_SET:
            return (tag, tuple(value))
        items = tuple(item if type(item) in _SCALARS else _encode(item) for item in value)
        return (tag, items)
    if kind is dict:
        return ("d", tuple(_encode(k) for k in value), tuple(_encode(v) for v in value.values()))
    if kind is set or kind is frozenset:
        return ("s" if kind is set else "f", tuple(_encode(v) for v in value))
    for base in (bool, int, float, str, bytes):  # subclasses (IntEnum, str subclasses): their base value
        if issubclass(kind, base):  # kind = type(value): a proxy is never asked for its remote class
            return base(value)
    raise _Uncopyable(value)


def _locate(value, where):
    """Where in ``value`` the first uncopyable part sits, as an expression such as "the result[3]['node']"."""
    try:
        _encode(value)
        return None
    except _Uncopyable:
        pass
    kind = type(value)
    if kind in (list, tuple):
        parts = ((f"{where}[{i}]", v) for i, v in enumerate(value))
    elif kind is dict:
        parts = [(f"a key of {where}", k) for k in value] + [(f"{where}[{k!r}]", v) for k, v in value.items()]
    elif kind in (set, frozenset):
        parts = ((f"an item of {where}", v) for v in value)
    else:
        return where, value
    for inner_where, inner in parts:
        found = _locate(inner, inner_where)
        if found is not None:
            return found
    return where, value


def encode(value, where="the value"):
    """``value`` as nested tuples of copyable leaves; ``ShippingError`` for anything that cannot be copied."""
    try:
        return _encode(value)
    except _Uncopyable:
        where, culprit = _locate(value, where)
    kind = type(culprit)
    raise ShippingError(
        f"{where} is a {kind.__module__}.{kind.__qualname__}, which cannot be copied across the bridge. Return or "
        f"pass plain data instead (for a Houdini node: its path; for geometry: positions as bytes or lists).")


def decode(value):
    """The inverse of ``encode``."""
    if type(value) is not tuple:
        return value
    tag = value[0]
    if tag == "p":
        items = marshal.loads(value[2])
        return list(items) if value[1] == "l" else items
    if tag == "l" or tag == "t":
        items = value[1]
        if tuple not in set(map(type, items)):  # no nested containers: copy at C speed
            return list(items) if tag == "l" else items
        if tag == "l":
            return [v if type(v) is not tuple else decode(v) for v in items]
        return tuple(v if type(v) is not tuple else decode(v) for v in items)
    if tag == "d":
        return {decode(k): decode(v) for k, v in zip(value[1], value[2])}
    if tag == "s":
        return {decode(v) for v in value[1]}
    if tag == "f":
        return frozenset(decode(v) for v in value[1])
    raise ShippingError(f"unknown encoded value tag {tag!r}")
