"""Bytes-like values across the bridge: always copies (never proxies), large ones as raw bulk frames.

rpyc sends ``bytes`` inside its message encoding (copied several times on each side) and ``bytearray``,
``memoryview`` and ``array.array`` as *references*, so remote code reading them makes one round trip per
element. Here all four travel by value: below ``THRESHOLD`` inside the message, above it as a raw bulk frame
after the message (``transport``), written from the original buffer and read straight into the result.

| box label (``wire``)   | value                               | meaning                                   |
|------------------------|-------------------------------------|-------------------------------------------|
| ``LABEL_COPY``         | ``(kind, meta, bytes)``             | a small bytes-like value, copied inline   |
| ``LABEL_BULK``         | ``(index, kind, meta)``             | the message's bulk frame number ``index`` |

``kind``: ``"y"`` bytes, ``"Y"`` bytearray, ``"m"`` memoryview (``meta`` = format and shape), ``"a"``
array.array (``meta`` = typecode).

    kind = classify(obj)                     # None for anything else
    rebuild("a", "f", data)                  # -> array('f', ...)
"""
import array

__all__ = ["THRESHOLD", "KINDS", "Pending", "classify", "rebuild", "collect"]

THRESHOLD = 64 * 1024


class Pending:
    """A large buffer boxed for sending; replaced by its bulk index when the message is written."""

    __slots__ = ("kind", "meta", "buffer")

    def __init__(self, kind, meta, buffer):
        self.kind, self.meta, self.buffer = kind, meta, buffer


KINDS = frozenset({bytes, bytearray, array.array, memoryview})  # the types classify() recognises


def classify(obj):
    """``(kind, meta, nbytes)`` for a bytes-like value that travels by copy, else None."""
    kind = type(obj)
    if kind is bytes:
        return "y", None, len(obj)
    if kind is bytearray:
        return "Y", None, len(obj)
    if kind is array.array:
        return "a", obj.typecode, len(obj) * obj.itemsize
    if kind is memoryview:
        return "m", (obj.format, obj.shape), obj.nbytes
    return None


def rebuild(kind, meta, data):
    """The value of ``kind`` from its raw bytes."""
    if kind == "y":
        return data
    if kind == "Y":
        return bytearray(data)
    if kind == "a":
        result = array.array(meta)
        result.frombytes(data)
        return result
    view = memoryview(data)
    fmt, shape = meta
    return view.cast(fmt, shape) if shape and len(shape) > 1 else view.cast(fmt)


def collect(boxed, buffers):
    """Replace every ``Pending`` in a boxed structure by ``(index, kind, meta)``; append its buffer."""
    if type(boxed) is Pending:
        buffers.append(boxed.buffer)
        return (len(buffers) - 1, boxed.kind, boxed.meta)
    if type(boxed) is tuple:
        return tuple(collect(item, buffers) for item in boxed)
    return boxed
