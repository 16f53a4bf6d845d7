"""Liveness: notice within a window that the other end is gone (network cut, machine gone, process frozen).

A TCP connection to a peer that vanished without closing stays open for hours: nothing is sent, so nothing
fails, and a call waits for a reply that never comes. Two layers end that within the *keepalive window*
(``DCC_BRIDGE_KEEPALIVE``, ``connect(keepalive=)``, ``start_server(keepalive=)``; 15 s; 0 turns the check off):

* **Heartbeats.** One process-wide thread, ``dcc-bridge-keepalive``, sends every connection a tiny one-way
  ``wire.MSG_KEEPALIVE`` at least every third of the window (of the smaller of both ends' windows: each
  heartbeat carries its sender's window), without ever waiting on a socket (a peer that reads nothing cannot
  stall the others' heartbeats). The same thread declares a peer dead when nothing at all arrived from it for
  a whole window, and when the kernel received nothing either (``TCP_INFO``'s last-data-received time on
  Linux; else: no unread data waiting): data that arrived while this side was too busy to read it counts. It
  never waits for the host's main thread: a Houdini cooking for minutes, or a modal dialog, keeps its bridge
  threads answering, and its peer sees it alive. What counts as frozen is a process that runs no Python thread
  at all for a window: SIGSTOP, a debugger's breakpoint, or one call into the host that holds Python's global
  lock for longer than the window (raise the window for such hosts, or set 0).
* **Kernel keepalive.** TCP sockets get ``SO_KEEPALIVE`` (first probe after a third of the window, then every
  ninth, three probes) and ``TCP_USER_TIMEOUT`` = the window: data the peer's machine does not acknowledge
  within the window ends the connection in the kernel, even while this process's Python is busy.

A dead peer is then handled as a restart of it: the connection closes without sending anything more, every
pending call fails with ``ConnectionLostError`` (a ``Link``'s says how to reconnect; its next use reconnects
when the peer serves again), and a server frees everything the client held (its objects, its threads; work it
queued on the host's thread and not yet started is dropped).

    watch(conn, window=15.0)        # protocol.BridgeConnection.run_reader does this for every connection
    tune_socket(sock, window=15.0)  # client.connect and the server do this for each TCP socket
"""
import logging
import socket
import struct
import threading
import time
import weakref

from .transport import wait_readable

log = logging.getLogger("dcc_bridge.keepalive")

__all__ = ["watch", "peer_window_changed", "tune_socket", "MIN_TICK"]

MIN_TICK = 0.05  # the thread wakes at most this often (seconds)
_TCP_INFO = getattr(socket, "TCP_INFO", None)  # Linux
_LAST_DATA_RECV = struct.Struct("=I")  # struct tcp_info's tcpi_last_data_recv (ms), at byte 52 on Linux
_LAST_DATA_RECV_AT = 52
_DONTWAIT = getattr(socket, "MSG_DONTWAIT", 0)  # not on Windows (select said readable: recv won't block)


def tune_socket(sock, window):
    """Kernel keepalive and ``TCP_USER_TIMEOUT`` for a TCP socket (nothing for other sockets, or ``window``
    0). Options the OS lacks are skipped."""
    if not window or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    idle, interval = max(int(window / 3), 1), max(int(window / 9), 1)
    for name, value in (("TCP_KEEPIDLE", idle), ("TCP_KEEPALIVE", idle), ("TCP_KEEPINTVL", interval),
                        ("TCP_KEEPCNT", 3), ("TCP_USER_TIMEOUT", max(int(window * 1000), 1))):
        number = getattr(socket, name, None)
        if number is not None:
            options.append((socket.IPPROTO_TCP, number, value))
    for level, option, value in options:
        try:
            sock.setsockopt(level, option, value)
        except OSError as exc:
            log.debug("socket option %s not set: %s", option, exc)


def _kernel_heard_within(sock, seconds):
    """True when data reached this socket within ``seconds`` (read or not yet read), as far as the OS tells;
    False at the end of the stream (the peer closed, or its process died, while this side could not read)."""
    waiting = False
    try:
        waiting = bool(wait_readable([sock], 0))
        if waiting and not sock.recv(1, socket.MSG_PEEK | _DONTWAIT):
            return False
    except (BlockingIOError, InterruptedError, ValueError):  # nothing after all; ValueError: a TLS socket
        pass
    except OSError:
        return False
    if _TCP_INFO is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            info = sock.getsockopt(socket.IPPROTO_TCP, _TCP_INFO, 104)
            if len(info) >= _LAST_DATA_RECV_AT + 4:
                return _LAST_DATA_RECV.unpack_from(info, _LAST_DATA_RECV_AT)[0] < seconds * 1000
        except OSError:
            return False
    return waiting  # no age to ask for: unread data means the peer sent it while this side could not read


class _Watch:
    """One connection's keepalive state (the thread's only)."""

    __slots__ = ("conn", "window", "sent")

    def __init__(self, conn, window):  # conn held weakly: the monitor's dictionary is keyed by it
        self.conn, self.window, self.sent = weakref.ref(conn), window, 0.0

    def interval(self, conn):
        """Seconds between heartbeats: a third of the smaller window of both ends (None: neither wants any)."""
        windows = [w for w in (self.window, conn.peer_keepalive) if w]
        return min(windows) / 3 if windows else None

    def tick(self, now):
        """Send a heartbeat when due, end the connection when the peer is silent; returns the next due time
        (None: nothing to do until a heartbeat from the peer changes the interval, or the connection ended)."""
        conn = self.conn()
        if conn is None or conn.closed:
            return None
        due = []
        if self.window:
            silent = now - conn.last_heard
            if silent >= self.window:
                sock = conn.socket
                if sock is None or not _kernel_heard_within(sock, self.window):
                    conn.lose(f"nothing arrived from {conn.peer_name} for {silent:.1f} s (the keepalive window is "
                              f"{self.window:g} s, DCC_BRIDGE_KEEPALIVE): its process is frozen or gone, its "
                              f"machine is down, or the network between is cut")
                    return None
                conn.last_heard = now  # unread data came within the window: the peer lives; this side is busy
            due.append(conn.last_heard + self.window)
        interval = self.interval(conn)
        if interval is not None:
            if now - self.sent >= interval:
                self.sent = now
                try:
                    conn.send_keepalive(self.window or 0.0)
                except Exception:  # closed under us: the reader reports it
                    log.debug("no heartbeat to %s (connection closing)", conn.peer_name, exc_info=True)
            due.append(self.sent + interval)
        return min(due) if due else None


class _Monitor:
    """The process's keepalive thread and the connections it watches."""

    def __init__(self):
        self._watches = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread = None

    def watch(self, conn, window):
        with self._lock:
            self._watches[conn] = _Watch(conn, window)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="dcc-bridge-keepalive", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self):
        while True:
            self._wake.wait(self._next_wait())
            self._wake.clear()

    def _next_wait(self):
        now = time.monotonic()
        with self._lock:
            watches = list(self._watches.items())
        nearest = None
        for conn, state in watches:
            try:
                due = state.tick(now)
            except Exception:
                log.debug("keepalive check of %s failed", getattr(conn, "peer_name", conn), exc_info=True)
                due = None
            if due is None and conn.closed:
                with self._lock:
                    self._watches.pop(conn, None)
            elif due is not None:
                nearest = due if nearest is None else min(nearest, due)
        if nearest is None:
            return None  # idle until a connection is watched, or a heartbeat changes an interval
        return max(nearest - time.monotonic(), MIN_TICK)

    def wake(self):
        self._wake.set()


_monitor = _Monitor()


def watch(conn, window):
    """Watch ``conn`` (a ``protocol.BridgeConnection``) with ``window`` seconds (0/None: send heartbeats the peer
    asks for, but never declare it dead)."""
    _monitor.watch(conn, float(window or 0.0))


def peer_window_changed():
    """A heartbeat announced a new window: recompute when the next heartbeats are due."""
    _monitor.wake()

