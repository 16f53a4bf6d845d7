"""Plain data by value: how ``Bridge.call`` copies arguments and results across the bridge.

Proxies make every element of a remote list a round trip; ``Bridge.call`` instead copies its arguments in and
its result out, in one message. What can be copied: ``None``, ``bool``, ``int``, ``float``, ``complex``,
``str``, ``bytes``, ``bytearray``, ``memoryview``, ``array.array`` (those four by bulk frames when large),
and ``tuple``, ``list``, ``dict``, ``set``, ``frozenset`` of those, nested. Anything else (a ``hou.Node``, an
open file) is refused with ``ShippingError`` naming where in the value it sits.

| value           | encoding (a brine-dumpable tuple)          |
|-----------------|--------------------------------------------|
| scalar          | itself                                     |
| bytes-like      | itself (the connection copies it by value) |
| ``tuple``       | ``("t", items)``                           |
| ``list``        | ``("l", items)``                           |
| ``dict``        | ``("d", keys, values)``                    |
| ``set`` / ``frozenset`` | ``("s", items)`` / ``("f", items)``|

    encode({"P": b"...", "names": ["a", "b"]}) -> ("d", ("P", "names"), (b"...", ("l", ("a", "b"))))
    decode(encode(value)) == value
"""
import array

from .errors import ShippingError

__all__ = ["encode", "decode"]

_SCALARS = (type(None), bool, int, float, complex, str, bytes, bytearray, memoryview, array.array)


def encode(value, where="the value"):
    """``value`` as nested tuples of copyable leaves; ``ShippingError`` for anything that cannot be copied."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is tuple:
        return ("t", tuple(encode(v, f"{where}[{i}]") for i, v in enumerate(value)))
    if kind is list:
        return ("l", tuple(encode(v, f"{where}[{i}]") for i, v in enumerate(value)))
    if kind is dict:
        keys = tuple(value)
        return ("d", tuple(encode(k, f"a key of {where}") for k in keys),
                tuple(encode(value[k], f"{where}[{k!r}]") for k in keys))
    if kind in (set, frozenset):
        return ("s" if kind is set else "f", tuple(encode(v, f"an item of {where}") for v in value))
    for base in (bool, int, float, str, bytes):  # subclasses (IntEnum, str subclasses): their base value
        if issubclass(kind, base):  # kind = type(value): a proxy is never asked for its remote class
            return base(value)
    raise ShippingError(
        f"{where} is a {kind.__module__}.{kind.__qualname__}, which cannot be copied across the bridge. Return or "
        f"pass plain data instead (for a Houdini node: its path; for geometry: positions as bytes or lists).")


def decode(value):
    """The inverse of ``encode``."""
    if type(value) is not tuple:
        return value
    tag = value[0]
    if tag == "l":
        return [decode(v) for v in value[1]]
    if tag == "t":
        return tuple(decode(v) for v in value[1])
    if tag == "d":
        return {decode(k): decode(v) for k, v in zip(value[1], value[2])}
    if tag == "s":
        return {decode(v) for v in value[1]}
    if tag == "f":
        return frozenset(decode(v) for v in value[1])
    raise ShippingError(f"unknown encoded value tag {tag!r}")
