"""The byte transport under rpyc: a socket stream and a frame channel tuned for bulk data.

rpyc's own ``SocketStream`` reads in 64 KB pieces it then joins, and writes by slicing the remaining bytes
again and again (quadratic copying for a 12 MB payload); its ``Channel`` zlib-compresses every frame over
3,000 bytes. Both cost far more than the network on loopback or a studio LAN, where geometry payloads
(float32 arrays) hardly compress. These subclasses keep rpyc's frame format and replace the I/O:

| bytes | field                                                           |
|-------|-----------------------------------------------------------------|
| 4     | payload length, unsigned big-endian                             |
| 1     | 1 if the payload is zlib-compressed, else 0 (we send 0)         |
| n     | payload: one brine-encoded rpyc message                         |
| 1     | ``b"\\n"`` (rpyc's flusher)                                     |

A frame larger than the connection's cap (``DCC_BRIDGE_MAX_TRANSFER``) is refused: on send with
``TransferTooLargeError`` before anything is written (the connection stays usable); on receive by closing the
connection, since the peer broke the agreement.

    channel = BridgeChannel(BridgeStream(sock), max_frame=1 << 30)
"""
import errno
import socket
import zlib

from ._rpyc import Channel, SocketStream
from .errors import TransferTooLargeError

__all__ = ["BridgeStream", "BridgeChannel"]

_RETRY = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR)
_SMALL = 1 << 16


class BridgeStream(SocketStream):
    """A blocking socket stream that reads into one preallocated buffer and writes without re-slicing."""

    __slots__ = ()

    def read(self, count):
        if count <= _SMALL:
            data = self._recv(count)
            if len(data) == count:
                return data
            rest = self._read_into(count - len(data))
            return data + rest
        return self._read_into(count)

    def _recv(self, count):
        while True:
            try:
                data = self.sock.recv(count)
            except socket.timeout:
                continue
            except OSError as exc:
                if exc.errno in _RETRY:
                    continue
                self.close()
                raise EOFError(exc) from None
            if not data:
                self.close()
                raise EOFError("connection closed by peer")
            return data

    def _read_into(self, count):
        buffer = bytearray(count)
        view = memoryview(buffer)
        position = 0
        while position < count:
            try:
                received = self.sock.recv_into(view[position:], count - position)
            except socket.timeout:
                continue
            except OSError as exc:
                if exc.errno in _RETRY:
                    continue
                self.close()
                raise EOFError(exc) from None
            if not received:
                self.close()
                raise EOFError("connection closed by peer")
            position += received
        view.release()
        return bytes(buffer)

    def write(self, data):
        try:
            self.sock.sendall(data)
        except OSError as exc:
            self.close()
            raise EOFError(exc) from None


class BridgeChannel(Channel):
    """rpyc's frame format without compression on send, with a size cap, and without copying big payloads."""

    __slots__ = ("max_frame",)

    def __init__(self, stream, max_frame=1 << 30):
        super().__init__(stream, compress=False)
        self.max_frame = max_frame

    def send(self, data):
        size = len(data)
        if size > self.max_frame:
            raise TransferTooLargeError(
                f"refusing to send {size:,} bytes in one message: the cap is {self.max_frame:,} bytes "
                f"(DCC_BRIDGE_MAX_TRANSFER). Send the data in parts, or raise the cap on both sides.")
        header = self.FRAME_HEADER.pack(size, 0)
        if size <= _SMALL:
            self.stream.write(header + data + self.FLUSHER)
        else:
            self.stream.write(header)
            self.stream.write(data)
            self.stream.write(self.FLUSHER)

    def recv(self):
        length, compressed = self.FRAME_HEADER.unpack(self.stream.read(self.FRAME_HEADER.size))
        if length > self.max_frame:
            self.stream.close()
            raise EOFError(f"the peer sent a {length:,}-byte message, over the {self.max_frame:,}-byte cap; "
                           f"connection closed")
        if length <= _SMALL:
            data = self.stream.read(length + len(self.FLUSHER))[:-len(self.FLUSHER)]
        else:  # no slicing copy of a big payload
            data = self.stream.read(length)
            self.stream.read(len(self.FLUSHER))
        return zlib.decompress(data) if compressed else data
