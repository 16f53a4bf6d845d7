"""The serving end: listen, authenticate each client, serve it through the executor, stop cleanly.

``start_server`` is hrpyc's ``start_server`` made safe: it listens on 127.0.0.1 unless told otherwise, lets no
byte reach rpyc before the handshake (``handshake``) succeeds, writes a 0600 session file (``discovery``) so
local clients find the token, and removes it on ``stop()`` or at exit. Each client gets its own thread, which
runs the handshake under a deadline (a silent or garbage connection is dropped and never holds up others) and
then reads that client's requests; requests run through the executor (``executors``). Connections still in
their handshake are capped in total and per address, and failing addresses back off (``admission``); a failed
``accept()`` or thread start is logged and waited out, never the end of serving; failures are logged once a
minute per kind, never as a thread's traceback (docs/security.md).

Beside the TCP port the server also listens on a Unix socket (not on Windows; ``DCC_BRIDGE_LOCAL_SOCKET=0``
turns it off): ``<app>-<pid>-<port>.sock``, 0600 in the 0700 runtime folder, named in the session file. Clients
of this machine that find the session file connect through it (a round trip costs less than over loopback
TCP); its connections get the same handshake, the same deadline and the same serving as TCP ones, and are
listed as "local socket". When it cannot be made (path too long, any error) the server serves TCP only.

With ``tls_cert``/``tls_key`` (``DCC_BRIDGE_TLS_*``) the TCP port speaks TLS first and the handshake is bound to
it (``tls``); the Unix socket stays plain. With ``registry`` (``DCC_BRIDGE_REGISTRY``) the server registers its app
and port there and keeps the registration fresh until ``stop()`` (``registry``).

    server = start_server(port=0)                 # returns at once; serves in the background
    print(server.host, server.port, server.session_file)
    server.stop()

    start_server(port=18811, use_thread=False)    # hython / mayapy: serve here until stopped (Ctrl-C)
"""
import atexit
import datetime
import errno
import logging
import os
import socket
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from typing import List, Optional

from . import admission, auth, config, discovery, handshake, keepalive as liveness, registry, tls, wire
from ._rpyc import ThreadedServer
from .errors import ConfigError, PortInUseError
from .registry import parse_address as _registry_address
from .executors import SIGNAL_CHECK_INTERVAL, ServingThread, direct
from .service import BridgeService, connect as connect_service
from .transport import BridgeChannel, BridgeStream
from .version import __version__

log = logging.getLogger("dcc_bridge.server")
# rpyc's server logs every accept at INFO; keep that for debugging only
logging.getLogger("dcc_bridge.server.listener").setLevel(logging.WARNING)

__all__ = ["BridgeServer", "ClientInfo", "start_server", "start_first_free", "running", "HANDSHAKE_TIMEOUT"]

HANDSHAKE_TIMEOUT = 5.0
ACCEPT_BACKOFF = 0.1  # seconds the accept loop waits after accept() or a thread start failed
_ACCEPT_RETRY = (errno.EINTR, errno.EAGAIN, errno.EWOULDBLOCK, errno.ECONNABORTED)  # one connection's trouble
LOCAL = "local socket"  # how clients of the Unix socket are named (ClientInfo.address, logs)
_SUN_PATH_MAX = 108 if sys.platform.startswith("linux") else 104  # sizeof(sockaddr_un.sun_path)
_running = weakref.WeakSet()


def running():
    """The servers of this process that are serving now (oldest first)."""
    return sorted((s for s in list(_running) if s.running), key=lambda s: s.started)


@dataclass(frozen=True)
class ClientInfo:
    """A connected, authenticated client."""

    address: str
    bridge: str
    connected: datetime.datetime

    def __str__(self):
        return f"{self.address} (DCC Bridge {self.bridge}, since {self.connected:%H:%M:%S})"


def _is_tcp(sock):
    return sock.family in (socket.AF_INET, socket.AF_INET6)


class _Listener(ThreadedServer):
    """rpyc's ThreadedServer binding a TCP port (``host``, ``port``) or a Unix socket (``socket_path``), with the
    bridge's own accept loop: admission (``admission``), the handshake, then the bridge transport."""

    def __init__(self, owner, host=None, port=0, socket_path=None):
        self._owner = owner
        where = (dict(hostname=host, port=port, ipv6=":" in (host or "")) if socket_path is None  # rpyc: ipv6 for ::1
                 else dict(socket_path=socket_path))
        super().__init__(BridgeService, logger=logging.getLogger("dcc_bridge.server.listener"),
                         protocol_config=dict(sync_request_timeout=owner.timeout), **where)
        if socket_path is not None:
            self.listener.settimeout(0.5)  # as rpyc's TCP listener: accept() wakes up to see close()
        # each listener its own: the local socket (this user only) stays open under a flood of the TCP port
        self._admission = admission.Admission(owner.settings.max_unauthenticated,
                                              owner.settings.max_unauthenticated_per_address,
                                              owner.settings.handshake_backoff)

    def accept(self):
        """Take one connection and hand it to a thread of its own, which runs the handshake and then serves it.

        Past a cap on unauthenticated connections (``admission``) it is closed at once, told it is busy
        (``handshake.refuse_busy``). When accept() or the thread start fails (no file or no thread left) that is
        logged (once a minute) and the loop waits ``ACCEPT_BACKOFF`` before going on: serving never ends for it.
        EOFError once the listener is closed.
        """
        owner = self._owner
        try:
            sock, address = self.listener.accept()
        except socket.timeout:
            return
        except OSError as exc:
            if not self.active:
                raise EOFError("the listener was closed") from None
            if exc.errno not in _ACCEPT_RETRY:
                owner.failures("accept", "cannot accept connections on %s: %s; trying again every %g s",
                               self._where(), exc.strerror or exc, ACCEPT_BACKOFF)
                owner.wait(ACCEPT_BACKOFF)
            return
        if not self.active:
            sock.close()
            raise EOFError("the listener was closed")
        host = address[0] if _is_tcp(sock) else LOCAL
        key = self._admission.key(host)
        refusal = self._admission.admit(key)
        if refusal is not None:
            self._refuse_busy(sock, refusal)
            owner.failures("cap", "closed a new connection from %s at once: %s", host, refusal)
            return
        peer = "%s:%s" % address[:2] if _is_tcp(sock) else LOCAL
        sock.setblocking(True)
        self.clients.add(sock)
        try:
            threading.Thread(target=self._handle, args=(sock, key, peer), daemon=True,
                             name=f"dcc-bridge-client-{peer}").start()
        except (RuntimeError, MemoryError) as exc:  # "can't start new thread"
            self.clients.discard(sock)
            self._admission.release(key)
            self._refuse_busy(sock, "it cannot start a thread for the connection")
            owner.failures("thread", "cannot start a thread for a new connection (%s); closed it, trying again "
                           "in %g s", exc, ACCEPT_BACKOFF)
            owner.wait(ACCEPT_BACKOFF)

    def _refuse_busy(self, sock, refusal):
        """Close a connection the server will not take now, telling a plain client why (a TLS client expects TLS
        first: it only sees the close)."""
        if self._owner._tls is None or not _is_tcp(sock):
            handshake.refuse_busy(sock, f"the server is busy: {refusal}")
        sock.close()

    def _where(self):
        return f"{self.host}:{self.port}" if self.host else str(self.port)

    def _handle(self, sock, key, peer):
        """A connection's thread: the handshake (in an admission slot), then serving. Nothing it meets is
        raised into the thread (no traceback on stderr): failures are logged by kind, once a minute."""
        owner = self._owner
        held = []

        def hold_reject():  # a wrong token: its reject waits out the back-off of its address, in its slot
            held.append(True)
            owner.wait(self._admission.failed(key))

        try:
            try:
                binding, deadline = b"", time.monotonic() + HANDSHAKE_TIMEOUT  # one deadline for TLS and the handshake
                if owner._tls is not None and _is_tcp(sock):  # TLS first; the local socket stays plain (tls)
                    context, binding = owner._tls
                    plain, sock = sock, tls.accept(sock, context, HANDSHAKE_TIMEOUT)  # TLSRefused: the same as Rejected
                    self.clients.discard(plain)
                    self.clients.add(sock)
                hello = handshake.server_handshake(
                    sock, owner.token, owner.app, max(deadline - time.monotonic(), 0.001), hold_reject=hold_reject,
                    session=owner.session_id, binding=binding,
                    hold_proof=lambda: owner.wait(self._admission.penalty(key)))
            except (handshake.Rejected, tls.TLSRefused) as exc:
                if not held:
                    self._admission.failed(key)
                if owner.running:
                    owner.failures(_kind(str(exc)), "refused a connection from %s: %s", peer, _printable(exc))
                return
            finally:
                self._admission.release(key)
            self._serve(sock, hello, peer)
        except Exception as exc:
            if owner.running:
                owner.failures("serve:" + type(exc).__name__, "lost the connection from %s before serving it "
                               "(%s: %s)", peer, type(exc).__name__, _printable(exc))
            log.debug("connection from %s", peer, exc_info=True)
        finally:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
            self.clients.discard(sock)

    def _serve(self, sock, hello, peer):
        sock.settimeout(None)
        owner = self._owner
        if _is_tcp(sock):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            liveness.tune_socket(sock, owner.keepalive)
        conn = connect_service(
            BridgeService,
            BridgeChannel(BridgeStream(sock), owner.max_transfer),
            dict(self.protocol_config, bridge_executor=owner.executor, bridge_peer=f"client {peer}",
                 bridge_fused_calls=owner.fused_calls, bridge_keepalive=owner.keepalive,
                 endpoints=(sock.getsockname(), sock.getpeername())))
        info = ClientInfo(peer, hello.bridge, datetime.datetime.now())
        owner._connected(conn, info)
        log.info("client %s connected", peer)
        try:
            conn.run_reader()
        finally:
            owner._disconnected(conn)
            log.info("client %s disconnected", peer)


def _printable(reason, limit=300):
    """A reason fit for one log line: what a peer sent may be in it (control characters escaped, cut short)."""
    text = str(reason)
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:limit]) + ("..." if len(text) > limit else "")


def _kind(reason):
    """The kind of a refused handshake, for the failure log: its reason's first words ("wrong token",
    "handshake failed: EOFError"), never the peer's own text."""
    head, _, rest = reason.partition(":")
    if head == "handshake failed":
        head += ":" + rest.split(":", 1)[0]
    return head[:60]


class BridgeServer:
    """A running bridge server; see ``start_server``."""

    def __init__(self, port, host, token, executor, app, scene, settings, timeout, tls_files=None, registry_at=None,
                 keepalive=None):
        self.app = app
        self.settings = settings
        self._tls = None if not tls_files else (tls.server_context(*tls_files), tls.server_binding(tls_files[0]))
        self.tls = self._tls is not None  # TLS on the TCP port (tls_cert / DCC_BRIDGE_TLS_CERT)
        self._registration = None
        self.keepalive = settings.keepalive if keepalive is None else keepalive  # seconds (keepalive; 0: off)
        self.executor = executor or direct
        self.timeout = timeout
        self.max_transfer = settings.max_transfer
        self.fused_calls = settings.fused_calls  # for the proxies of the clients' objects (callbacks)
        self._token = token
        self._runtime_dir = settings.runtime_dir
        self._scene = scene
        self._lock = threading.Lock()
        self._conns = {}
        self._thread = self._local_thread = None
        self._on_stop = []
        self._stopped = threading.Event()
        self.failures = admission.FailureLog(log)  # floods and resets: a line per kind of failure per minute
        self.started = time.time()
        self.session_id = auth.new_session_id()  # in the session file and the handshake's proofs
        discovery.ensure_private_dir(self._runtime_dir)  # a folder that cannot be trusted: refused before listening
        try:
            self._listener = _Listener(self, host, port)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    f"cannot listen on {host}:{port}: the port is already in use (another bridge, hrpyc, or "
                    f"another program). Pick another port (port=..., or DCC_BRIDGE_PORT), or port=0 for any "
                    f"free one.") from None
            raise
        self.host, self.port = self._listener.host, self._listener.port
        self._local = None
        try:  # no port left listening with nothing accepting when the session file cannot be written
            self._listener._listen()
            self._local = self._listen_local() if settings.local_socket and hasattr(socket, "AF_UNIX") else None
            self.local_socket = self._local.port if self._local is not None else None  # its path, or None
            bound = self._listener.listener.getsockname()[0]  # the address itself ("localhost" -> 127.0.0.1)
            self.session = discovery.SessionInfo(app=app, host=bound, port=self.port, token=token,
                                                 bridge=__version__, protocol=wire.VERSION,
                                                 scene=self._scene_name(), local_socket=self.local_socket or "",
                                                 session=self.session_id)
            self.session_file = discovery.write_session(self.session, self._runtime_dir)
        except BaseException:
            self._listener.close()
            self._close_local()
            raise
        atexit.register(self.stop)
        _running.add(self)
        if registry_at:
            self._registration = registry.Registration(registry_at, app, self.host, self.port).start()
        log.info("DCC Bridge %s serving %s on %s:%d (token %s, session file %s)", __version__, app, self.host,
                 self.port, auth.fingerprint(token), self.session_file)

    def _listen_local(self):
        """A listener on ``<app>-<pid>-<port>.sock`` (0600) in the runtime folder, or None to serve TCP only."""
        try:
            folder = os.path.abspath(discovery.ensure_private_dir(self._runtime_dir))
            path = os.path.join(folder, f"{self.app}-{os.getpid()}-{self.port}.sock")
            if len(os.fsencode(path)) >= _SUN_PATH_MAX:
                log.debug("no local socket: %s is longer than a Unix socket path may be; serving TCP only", path)
                return None
            discovery.remove_socket(path)  # left by an earlier process of the same pid
            listener = _Listener(self, socket_path=path)
            try:
                os.chmod(path, 0o600)
                listener._listen()
            except BaseException:
                listener.close()
                discovery.remove_socket(path)
                raise
        except Exception as exc:  # the local socket is only a faster way in: never fail the server for it
            log.debug("no local socket (%s: %s); serving TCP only", type(exc).__name__, exc)
            return None
        log.debug("also listening on the local socket %s", path)
        return listener

    def _close_local(self):
        if self._local is not None:
            discovery.remove_socket(self._local.port)
            self._local.close()

    def _accept_local(self):
        try:
            while self.running and self._local.active:
                self._local.accept()
        except EOFError:
            pass  # the listener was closed by stop(), or failed
        finally:
            if self.running:  # failed: remove the file so clients use TCP instead of waiting on it
                log.debug("the local socket %s stopped accepting; serving TCP only", self.local_socket)
                self._close_local()

    def _scene_name(self):
        try:
            return str(self._scene() if callable(self._scene) else (self._scene or ""))
        except Exception:
            return ""

    # ------------------------------------------------------------------------------------ state

    @property
    def token(self):
        """The session token (also in the session file). Never logged."""
        return self._token

    @property
    def running(self):
        return not self._stopped.is_set()

    @property
    def uptime(self):
        return time.time() - self.started

    @property
    def clients(self) -> List[ClientInfo]:
        """The clients connected now (not one whose connection closed while its last request still runs)."""
        with self._lock:
            return [info for conn, info in self._conns.items() if not conn.closed]

    def _connected(self, conn, info):
        with self._lock:
            self._conns[conn] = info

    def _disconnected(self, conn):
        with self._lock:
            self._conns.pop(conn, None)

    # ------------------------------------------------------------------------------------ serving

    def serve_forever(self):
        """Accept clients on the calling thread until ``stop()`` (and on the local socket from a daemon thread)."""
        if self._local is not None and self._local_thread is None:
            self._local_thread = threading.Thread(target=self._accept_local, daemon=True,
                                                  name=f"dcc-bridge-local-{self.port}")
            self._local_thread.start()
        try:
            while self.running and self._listener.active:
                self._listener.accept()
        except EOFError:
            pass  # the listener was closed by stop()
        finally:
            self.stop()

    def start_thread(self):
        self._thread = threading.Thread(target=self.serve_forever, name=f"dcc-bridge-server-{self.port}",
                                        daemon=True)
        self._thread.start()
        return self

    def wait(self, timeout=None):
        """Block until the server stops (or ``timeout`` seconds pass); returns True if it has stopped."""
        return self._stopped.wait(timeout)

    def stop(self, timeout=5.0):
        """Stop listening, disconnect every client, remove the session file and the local socket. Safe to call
        twice."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        for callback in self._on_stop:
            callback()
        atexit.unregister(self.stop)
        discovery.remove_session(self.session_file)
        if self._registration is not None:
            self._registration.stop()
        self._listener.close()
        self._close_local()
        for conn in list(self._conns):
            conn.close()
        for thread in (self._thread, self._local_thread):
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout)
        log.info("DCC Bridge server on %s:%d stopped", self.host, self.port)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        state = "running" if self.running else "stopped"
        return f"<BridgeServer {self.app} {self.host}:{self.port} {state}, {len(self.clients)} client(s)>"


def _enable_console_logging():
    logger = logging.getLogger("dcc_bridge")
    if not any(getattr(h, "_dcc_bridge_console", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("dcc_bridge: %(message)s"))
        handler._dcc_bridge_console = True
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def start_first_free(first_port, tries=10, **kwargs):
    """``start_server`` on the first free port from ``first_port``; returns ``(server, taken)``.

    ``taken`` lists ``(port, holder)`` for each busy port skipped, ``holder`` naming the bridge session that
    holds it ("houdini (pid 4242)") or "another program". Raises ``PortInUseError`` when all are taken.
    """
    settings = kwargs.get("settings") or config.load()
    taken = []
    for port in range(first_port, first_port + tries):
        try:
            return start_server(port, **kwargs), taken
        except PortInUseError:
            session = discovery.find_session(settings.runtime_dir, port=port)
            taken.append((port, f"{session.app} (pid {session.pid})" if session else "another program"))
    raise PortInUseError(f"ports {first_port} to {first_port + tries - 1} are all in use; set DCC_BRIDGE_PORT to "
                         f"a free port and start the server again")


def start_server(port=None, use_thread=True, quiet=True, *, host=None, token=None, executor=None,
                 app="python", scene=None, timeout=None, settings=None, on_ready=None, tls_cert=None, tls_key=None,
                 registry=None, keepalive=None) -> Optional[BridgeServer]:
    """Start a bridge server (hrpyc's ``start_server``, secure by default).

    ``port``: TCP port (``DCC_BRIDGE_PORT`` or 18811; 0 picks a free one). ``use_thread``: serve in the
    background and return the server at once (True), or serve on the calling thread until stopped (False):
    then every request runs on the calling thread (hython and mayapy are not thread-safe), ``on_ready(server)``
    is called once it listens, Ctrl-C stops it cleanly, and the stopped server is returned. ``quiet=False``
    logs to stderr. ``host``: address to listen on (127.0.0.1; anything else exposes the port to the network and
    is logged as a warning). ``token``: the session secret (``DCC_BRIDGE_TOKEN`` or a random one; at least 128
    bits). ``executor``: runs each request on the host's main thread (``executors``). ``app``: the name written in the session file (houdini, maya ...). ``scene``: a string or
    a callable giving the current scene for the session file. ``tls_cert``/``tls_key``: PEM files of the
    server's certificate and key (``DCC_BRIDGE_TLS_CERT``/``DCC_BRIDGE_TLS_KEY``): TLS on the TCP port
    (``tls``). ``registry``: ``"HOST[:PORT]"`` of a registry to register with (``DCC_BRIDGE_REGISTRY``;
    ``registry``). ``keepalive``: seconds of silence after which a client counts as gone and everything it held
    is freed (``DCC_BRIDGE_KEEPALIVE`` or 15; 0: never; see ``keepalive``).
    """
    settings = settings or config.load()
    if token:
        auth.check_token(token, "the token given to start_server")
    if not quiet:
        _enable_console_logging()
    host = host or settings.host
    port = settings.port if port is None else port
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise ConfigError(f"port={port!r} is not a TCP port: use a whole number from 0 to 65535")
    tls_cert, tls_key = tls_cert or settings.tls_cert, tls_key or settings.tls_key
    registry = registry or settings.registry
    if registry:
        _registry_address(registry)  # a malformed address is a ConfigError before anything listens
    if tls_key and not tls_cert:
        raise ConfigError("a TLS key was given without its certificate: give tls_cert= too (--tls-cert, "
                          "DCC_BRIDGE_TLS_CERT)")
    if host not in ("127.0.0.1", "localhost", "::1"):
        if tls_cert:
            log.info("listening on %s with TLS: other machines that can reach this address can connect with the "
                     "token", host)
        else:
            log.warning("listening on %s without TLS: other machines that can reach this address can connect and "
                        "try tokens, and the handshake, every call and all data (code, scene contents, meshes) "
                        "cross the network unencrypted. Give a certificate (tls_cert=/tls_key=, --tls-cert/"
                        "--tls-key, DCC_BRIDGE_TLS_CERT/DCC_BRIDGE_TLS_KEY; docs/security.md), or listen on "
                        "127.0.0.1.", host)
    serving = None
    if not use_thread and executor is None:
        serving = ServingThread()
        executor = serving.executor
    server = BridgeServer(port, host, token or settings.token or auth.new_token(), executor, app, scene,
                          settings, settings.timeout if timeout is None else timeout,
                          tls_files=(tls_cert, tls_key) if tls_cert else None, registry_at=registry,
                          keepalive=None if keepalive is None else config.keepalive_window("keepalive", keepalive))
    server.start_thread()
    if use_thread:
        return server
    if serving is not None:
        server._on_stop.append(serving.stop)
    try:
        if on_ready is not None:
            on_ready(server)
        if serving is not None:
            serving.run()
        else:
            while not server.wait(SIGNAL_CHECK_INTERVAL):  # timed: a signal may land on another thread
                pass
    except KeyboardInterrupt:
        log.info("interrupted: stopping the DCC Bridge server on %s:%d", server.host, server.port)
    finally:
        server.stop()
    return server
