"""The byte transport under rpyc: a socket stream and a frame channel tuned for bulk data.

rpyc's own ``SocketStream`` reads in 64 KB pieces it then joins, and writes by slicing the remaining bytes
again and again (quadratic copying for a 12 MB payload); its ``Channel`` zlib-compresses every frame over
3,000 bytes. Both cost far more than the network on loopback or a studio LAN, where geometry payloads
(float32 arrays) hardly compress. These classes keep rpyc's frame format, replace the I/O, and add *bulk
frames*: large buffers (point positions, UVs) travel raw right after the message that refers to them, so
neither side copies them into or out of the message encoding. The channel is the bridge's own (it has the few
methods rpyc's connection calls: ``recv``, ``poll``, ``close``, ``closed``, ``fileno``); the stream is a
subclass of rpyc's (``_rpyc.SEAM``).

A frame (the numbers are ``wire``'s: ``FRAME_HEADER``, ``FLAG_*``, ``FLUSHER``, ``BULK_COUNT``,
``BULK_LENGTH``): the payload's length (4 bytes, big-endian) and flags (1 byte: 0 plain; 2 bulk frames
follow; 1, rpyc's zlib-compressed frame, is refused), the payload (one message, marshal-encoded by
``protocol``; with flag 2, a 4-byte bulk count first), ``b"\\n"``; then, with flag 2, each bulk as an 8-byte
big-endian length and that many raw bytes.

A frame or bulk larger than the connection's cap (``DCC_BRIDGE_MAX_TRANSFER``) is refused: on send with
``TransferTooLargeError`` before anything is written (the connection stays usable); on receive by closing the
connection as soon as its header is read, since the peer broke the agreement. So is a compressed frame (its
size after decompressing is not known before the work is done: 2 MB of zlib made 4 GB) or any unknown flag.
Memory grows with the bytes that actually arrive: a read of more than ``AT_ONCE`` bytes is made in pieces, each
at most as large as what already arrived (joined at the end: one more copy, for those reads only), so a peer
that announces a gigabyte and sends a kilobyte costs ``AT_ONCE``.

    channel = BridgeChannel(BridgeStream(sock), max_frame=1 << 30)
    channel.send(message, bulks=[positions])     # positions: any bytes-like object, sent without copying
    message, bulks = channel.recv(), channel.take_bulks()
"""
import errno
import select
import socket
import ssl
import threading

from ._rpyc import SocketStream
from .errors import TransferTooLargeError
from .wire import BULK_COUNT as _COUNT, BULK_LENGTH as _BULK_LENGTH, FLAG_BULK, FLUSHER
from .wire import FLAG_PLAIN, FRAME_HEADER

__all__ = ["BridgeStream", "BridgeChannel", "wait_readable", "drain", "AT_ONCE"]

AT_ONCE = 64 << 20  # reads up to this size allocate it at once; longer ones grow with what arrives

_RETRY = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR)
_SMALL = 1 << 16
_WAITALL = getattr(socket, "MSG_WAITALL", 0)
_fileno = socket.socket.fileno


class _Pollers(threading.local):
    last = None  # (descriptors, poll object) this thread polled last


_pollers = _Pollers()


def wait_readable(sockets, timeout):
    """The subset of ``sockets`` readable within ``timeout`` seconds (None: no limit). ``poll`` where the OS
    has it (no FD_SETSIZE limit: a host application may have thousands of files open), else ``select``. Each
    thread keeps its poll object while it watches the same descriptors (a call per message)."""
    if not hasattr(select, "poll"):
        return select.select(sockets, [], [], timeout)[0]
    fds = tuple(map(_fileno, sockets))  # each time: a closed socket (-1) must not be polled by its old number
    cached = _pollers.last
    if cached is None or cached[0] != fds:
        poller = select.poll()
        for fd in fds:
            poller.register(fd, select.POLLIN | select.POLLPRI)
        _pollers.last = cached = (fds, poller)
    events = cached[1].poll(None if timeout is None else max(timeout, 0) * 1000)
    if len(events) == 1 and events[0][0] == fds[0]:  # the common answer: the connection has data
        return [sockets[0]]
    return [sockets[fds.index(fd)] for fd, _ in events if fd in fds]


def drain(sock):
    """Empty a wake-up socket (non-blocking)."""
    try:
        while sock.recv(4096, socket.MSG_DONTWAIT if hasattr(socket, "MSG_DONTWAIT") else 0):
            pass
    except (BlockingIOError, InterruptedError, OSError):
        pass


class BridgeStream(SocketStream):
    """A blocking socket stream: exact reads without joining pieces, writes without re-slicing, and a
    ``poll`` that other threads can interrupt (``interrupts``: wake-up sockets watched beside the connection)."""

    __slots__ = ("interrupts", "tls")

    def __init__(self, sock):
        super().__init__(sock)
        self.interrupts = ()  # callables returning a wake-up socket, or None, for the polling thread
        self.tls = isinstance(sock, ssl.SSLSocket)  # TLS (``tls``): no recv flags; decrypted bytes may wait inside

    def pending(self):
        """True when bytes already read from the socket wait inside the TLS layer (the socket may not poll
        readable for them)."""
        return self.tls and self.sock.pending() > 0

    def poll(self, timeout):
        """True when the connection has data; False at the timeout or when a wake-up socket fired."""
        if self.pending():
            return True
        extra = []
        for get in self.interrupts:
            wake = get()
            if wake is not None:
                extra.append(wake)
        remaining = timeout.timeleft() if hasattr(timeout, "timeleft") else timeout
        try:
            ready = wait_readable([self.sock] + extra, remaining)
        except (OSError, ValueError, TypeError):  # the socket was closed under us (TypeError: rpyc's ClosedFile)
            raise EOFError("connection closed") from None
        for sock in extra:
            if sock in ready:
                drain(sock)
        return self.sock in ready

    def read(self, count):
        """Exactly ``count`` bytes as ``bytes``: in one allocation (MSG_WAITALL where the OS has it) up to
        ``AT_ONCE``; beyond it in pieces (``_read_pieces``)."""
        if count > AT_ONCE:
            return self._read_pieces(count)
        if not count:
            return b""
        data = self._recv(count, 0 if self.tls else _WAITALL)
        if len(data) == count:
            return data
        rest = bytearray(count - len(data))
        self.read_into(memoryview(rest))
        return data + rest

    def _read_pieces(self, count):
        """``count`` bytes read in pieces each at most as large as what already arrived, then joined: memory
        grows with what the peer actually sends, not with what it announced."""
        pieces, have = [], 0
        while have < count:
            size = min(count - have, max(have, AT_ONCE))
            pieces.append(self.read(size))
            have += size
        return b"".join(pieces)

    def read_into(self, view):
        """Fill a writable memoryview completely."""
        position, count = 0, len(view)
        while position < count:
            position += self._io(self.sock.recv_into, view[position:], count - position)

    def _recv(self, count, flags=0):
        return self._io(self.sock.recv, count, flags)

    def _io(self, receive, *args):
        """One receive call: retried on timeouts and EINTR/EAGAIN; EOFError when the peer is gone."""
        while True:
            try:
                result = receive(*args)
            except socket.timeout:
                continue
            except OSError as exc:
                if exc.errno in _RETRY:
                    continue
                self._fail(exc)
            if not result:
                self._fail("connection closed by peer")
            return result

    def _fail(self, reason):
        self.close()
        raise EOFError(reason)

    def write(self, data):
        try:
            self.sock.sendall(data)
        except OSError as exc:
            self._fail(exc)


class BridgeChannel:
    """rpyc's frames without compression on send, with a size cap, and with raw bulk frames."""

    __slots__ = ("stream", "max_frame", "_bulks")

    def __init__(self, stream, max_frame=1 << 30):
        self.stream = stream
        self.max_frame = max_frame
        self._bulks = []

    def close(self):
        self.stream.close()

    @property
    def closed(self):
        return self.stream.closed

    def fileno(self):
        return self.stream.fileno()

    def poll(self, timeout):
        """True when a message can be read within ``timeout`` (see ``BridgeStream.poll``)."""
        return self.stream.poll(timeout)

    def check_size(self, size, what):
        """Raise ``TransferTooLargeError`` when ``size`` is over the cap (the connection's send path calls it)."""
        if size > self.max_frame:
            raise TransferTooLargeError(
                f"refusing to send {what} of {size:,} bytes: the cap is {self.max_frame:,} bytes "
                f"(DCC_BRIDGE_MAX_TRANSFER). Send the data in parts, or raise the cap on both sides.")

    def send(self, data, bulks=()):
        """Write one message and the bulk buffers it refers to (any bytes-like objects, not copied).

        Sizes are checked by the caller (``check_size``) before it queues the message.
        """
        views = [memoryview(b).cast("B") for b in bulks]
        if not views and len(data) <= _SMALL:
            self.stream.write(self.frame(data))
            return
        if views:
            data = _COUNT.pack(len(views)) + data
        header = FRAME_HEADER.pack(len(data), FLAG_BULK if views else 0)
        if len(data) <= _SMALL:
            self.stream.write(header + data + FLUSHER)
        else:
            self.stream.write(header)
            self.stream.write(data)
            self.stream.write(FLUSHER)
        for view in views:
            self.stream.write(_BULK_LENGTH.pack(view.nbytes))
            self.stream.write(view)

    def frame(self, data):
        """The whole frame of a message without bulk buffers, as one ``bytes``."""
        return FRAME_HEADER.pack(len(data), FLAG_PLAIN) + data + FLUSHER

    def recv(self):
        """Read one message; the bulk buffers that came with it wait in ``take_bulks()``."""
        length, flags = FRAME_HEADER.unpack(self.stream.read(FRAME_HEADER.size))
        self._refuse_over_cap(length)
        if flags & ~FLAG_BULK:
            self.stream.close()
            raise EOFError(f"the peer sent a frame with flags {flags} ({'zlib-compressed' if flags == 1 else 'unknown'}"
                           f"): refused, as compressed frames would bypass the size cap; connection closed")
        if length <= _SMALL:
            data = self.stream.read(length + len(FLUSHER))[:-len(FLUSHER)]
        else:  # no slicing copy of a big payload
            data = self.stream.read(length)
            self.stream.read(len(FLUSHER))
        if flags & FLAG_BULK:
            count, data = _COUNT.unpack(data[:_COUNT.size])[0], data[_COUNT.size:]
            self._bulks = [self._recv_bulk() for _ in range(count)]
        return data

    def _recv_bulk(self):
        size = _BULK_LENGTH.unpack(self.stream.read(_BULK_LENGTH.size))[0]
        self._refuse_over_cap(size)
        return self.stream.read(size) if size else b""

    def _refuse_over_cap(self, size):
        if size > self.max_frame:
            self.stream.close()
            raise EOFError(f"the peer sent {size:,} bytes in one piece, over the {self.max_frame:,}-byte cap; "
                           f"connection closed")

    def take_bulks(self):
        """The bulk buffers of the message ``recv`` returned last (each ``bytes``); empties the list."""
        bulks, self._bulks = self._bulks, []
        return bulks
