"""The connecting end: ``connect`` and ``import_remote_module``, and the ``Bridge`` they return.

``import_remote_module`` is hrpyc's, so porting a script is one import. ``connect`` gives a ``Bridge``: the
remote ``hou`` (or any module), ``ping()``, a call timeout, and ``close()`` (also on leaving a ``with`` block,
or when the bridge is garbage-collected, as with hrpyc). On this machine the token is found in the server's
session file; for another machine pass ``token=`` or set ``DCC_BRIDGE_TOKEN``.

When that session file names the server's Unix socket (see ``server``), the host is a loopback name and
``DCC_BRIDGE_LOCAL_SOCKET`` is not 0, the client connects through the socket instead of TCP (a cheaper round
trip), with the same handshake and everything after; if the socket cannot be reached it uses TCP, silently.
A ``token=`` given by the caller that is the session's own keeps the local socket too (not with ``tls_ca``).
``bridge.transport`` says which: "local socket", "tcp", or "tls" (TCP with TLS: ``tls_ca=``, see ``tls``).

    with bridge_core.connect(port=18811) as bridge:
        hou = bridge.hou
        geo = hou.node("/obj").createNode("geo")

    connection, hou = bridge_core.import_remote_module()      # hrpyc style
"""
import functools
import logging
import socket
import time
import weakref

from . import auth, config, discovery, handshake, keepalive as liveness, shipping, tls, values
from ._rpyc import ModuleNamespace, classic
from .errors import ConnectTimeoutError, ServerNotFoundError
from .service import ClientService, connect as connect_service
from .transport import BridgeChannel, BridgeStream

log = logging.getLogger("dcc_bridge.client")

__all__ = ["Bridge", "connect", "import_remote_module", "CONNECT_TIMEOUT", "LOCAL", "TCP", "TLS"]

CONNECT_TIMEOUT = 5.0
LOCAL, TCP, TLS = "local socket", "tcp", "tls"  # the values of Bridge.transport


def _not_found_help(host, port):
    return (f"Check that the bridge server is running (in Houdini: the DCC Bridge shelf > Start Bridge Server, "
            f"or bridge_core.start_server()) and that {port} is its port: 'python -m bridge_core list' shows "
            f"the servers running on this machine.")


def _open_socket(host, port, timeout):
    address = handshake.host_port(host, port)
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except ConnectionRefusedError:
        raise ServerNotFoundError(f"nothing is listening at {address} (connection refused). "
                                  + _not_found_help(host, port)) from None
    except socket.timeout:
        raise ConnectTimeoutError(f"{address} did not answer within {timeout:g} s. Check the address, and that "
                                  f"no firewall blocks port {port}.") from None
    except socket.gaierror as exc:
        raise ServerNotFoundError(f"cannot resolve the host name {host!r} ({exc.strerror}). Check the "
                                  f"spelling, or use an IP address.") from None
    except OSError as exc:
        raise ServerNotFoundError(f"cannot reach {address}: {exc.strerror or exc}. "
                                  + _not_found_help(host, port)) from None
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _open_local_socket(host, session, settings, timeout):
    """A socket connected to the server's Unix socket when it may be used (see the module), else None."""
    path = session.local_socket if session is not None else ""
    if not (path and settings.local_socket and hasattr(socket, "AF_UNIX") and host in discovery.LOOPBACK_NAMES):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(path)
    except OSError as exc:  # gone, refused, timed out: TCP will do
        sock.close()
        log.debug("cannot connect to the local socket %s (%s); using TCP", path, exc)
        return None
    return sock


def _addresses(host, port):
    """The IP addresses ``host`` resolves to (just itself for an address), or () when it does not resolve."""
    try:
        return tuple(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))
    except (OSError, UnicodeError):
        return ()


def _find_session(host, port, settings):
    """``(session, address to dial)``: the session of this machine listening at exactly ``host``:``port``
    (``discovery.find_session``); for a name (such as localhost), the session listening at an address the name
    resolves to, and that address (never another the name may also mean, such as ::1 for a server on
    127.0.0.1); ``(None, host)`` when there is none."""
    session = discovery.find_session(settings.runtime_dir, port=port, host=host)
    if session is None and host and host not in discovery.LOOPBACK_NAMES - {"localhost"}:
        for address in _addresses(host, port):
            if address != host:
                session = discovery.find_session(settings.runtime_dir, port=port, host=address)
                if session is not None:
                    return session, address
    return session, host


def _find_token(host, port, token, settings, tls_ca=None):
    """``(token, session, address to dial)``: ``token`` if given, else the session file's for exactly
    host:port on this machine (``_find_session``), else DCC_BRIDGE_TOKEN. A given token that is that session's
    own keeps the session (and so its local socket, which a flood of TCP connections cannot fill), unless the
    caller asked for TLS."""
    if token:
        local = host in discovery.LOOPBACK_NAMES and not tls_ca
        session, dial = _find_session(host, port, settings) if local else (None, host)
        if session is not None and auth.same_token(session.token, token):
            return token, session, dial
        return token, None, host
    session, dial = _find_session(host, port, settings)
    if session is not None:
        return session.token, session, dial
    return settings.token, None, host


def _install_classic(conn, root):
    """What rpyc's classic client puts on a connection (``MasterService._install``), on ours."""
    conn.modules = modules = ModuleNamespace(root.getmodule)
    conn.eval, conn.execute, conn.namespace = root.eval, root.execute, root.namespace
    conn.builtins = conn.builtin = modules.builtins
    conn.teleport = functools.partial(classic.teleport_function, conn)


class Bridge:
    """A live connection to a bridge server, and everything an rpyc classic connection offers (what hrpyc's
    ``import_remote_module`` returns): ``modules``, ``builtin``/``builtins``, ``eval``, ``execute``,
    ``namespace``, ``teleport``, ``root``, ``ping``, ``close``/``closed``, ``serve``/``serve_all``/``poll``/
    ``poll_all``; any other attribute of the rpyc connection (``_config``, ``async_request`` ...) is read from
    ``conn``. ``hou`` is the remote ``hou`` module.
    """

    def __init__(self, conn, host, port, hello, session, transport=TCP):
        self._conn = conn
        self.host, self.port = host, port
        self.transport = transport  # "local socket", "tcp" or "tls"
        self.app = hello.app
        self.server_version = hello.bridge
        self.session = session
        self.connected_at = time.time()
        self.root = root = conn.root
        _install_classic(conn, root)
        self.modules, self.builtins, self.builtin = conn.modules, conn.builtins, conn.builtin
        self.eval, self.execute, self.namespace = conn.eval, conn.execute, conn.namespace
        self.teleport = functools.partial(classic.teleport_function, self)
        self._bridge_call = root.bridge_call
        self._shipments = weakref.WeakKeyDictionary()
        self._finalizer = weakref.finalize(self, conn.close)

    def __getattr__(self, name):  # the rest of rpyc's connection (only for names not found on the Bridge)
        conn = self.__dict__.get("_conn")
        if conn is None:
            raise AttributeError(name)
        return getattr(conn, name)

    def serve(self, timeout=1, wait_for_lock=True):
        """rpyc's ``serve``: serve one incoming message within ``timeout`` (the bridge also serves them by
        itself, from its reader thread)."""
        return self._conn.serve(timeout, wait_for_lock)

    def poll(self, timeout=0):
        return self._conn.poll(timeout)

    def serve_all(self):
        """rpyc's ``serve_all``: serve until the connection closes, then close it."""
        return self._conn.serve_all()

    def poll_all(self, timeout=0):
        return self._conn.poll_all(timeout)

    @property
    def conn(self):
        """The underlying rpyc connection."""
        return self._conn

    @property
    def hou(self):
        return self.modules["hou"]

    @property
    def closed(self):
        return self._conn.closed

    @property
    def timeout(self):
        """Seconds a remote call may take before ``BridgeTimeoutError``."""
        return self._conn.timeout

    @timeout.setter
    def timeout(self, seconds):
        self._conn.timeout = seconds

    def call(self, func, *args, **kwargs):
        """Run ``func`` on the server in one round trip and return its result by value (see ``shipping``).

        ``func`` is a plain function (from a file, the Script Editor or a console) or source text defining
        one; its arguments and result are copied (plain data: numbers, strings, bytes, lists, dicts ...).
        """
        shipment = self._shipments.get(func) if not isinstance(func, str) else None
        if shipment is None:
            shipment = shipping.prepare(func)
            if not isinstance(func, str):
                self._shipments[func] = shipment
        result = self._bridge_call(shipment.source, shipment.name, shipment.imports, shipment.constants,
                                   values.encode(args, "the arguments"), values.encode(kwargs, "the arguments"))
        return values.decode(result)

    def ping(self, timeout=None):
        """Round-trip a small message; returns the time it took in seconds."""
        start = time.perf_counter()
        self._conn.ping(timeout=self.timeout if timeout is None else timeout)
        return time.perf_counter() - start

    def close(self):
        """Disconnect (idempotent)."""
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        state = "closed" if self.closed else "connected"
        return f"<Bridge to {self.app or 'server'} at {self.host}:{self.port} over {self.transport}, {state}>"


def connect(host=None, port=None, *, token=None, timeout=None, executor=None, connect_timeout=CONNECT_TIMEOUT,
            settings=None, lost_error=None, tls_ca=None, keepalive=None) -> Bridge:
    """Connect to a bridge server and return a ``Bridge``.

    ``host``/``port``: ``DCC_BRIDGE_HOST``/``DCC_BRIDGE_PORT`` or 127.0.0.1:18811. ``token``: found in the
    session file on this machine, else ``DCC_BRIDGE_TOKEN``. ``timeout``: seconds a remote call may take
    (``DCC_BRIDGE_TIMEOUT`` or 30). ``executor``: where callbacks from the server run (the host's main
    thread in Maya; ``executors``). ``lost_error``: makes the error a call raises when the connection is lost,
    from a message (default ``ConnectionLostError``; a ``Link``'s says how to reconnect). ``tls_ca``: a PEM file
    of the CA that signed the server's certificate (``DCC_BRIDGE_TLS_CA``): connect over TLS, checking the
    certificate and the host name (``tls``; this machine's Unix local socket stays plain). ``keepalive``: seconds
    of silence after which the server counts as gone and pending calls fail (``DCC_BRIDGE_KEEPALIVE`` or 15;
    0: never; see ``keepalive``).
    """
    settings = settings or config.load()
    host = host or settings.host
    port = settings.port if port is None else port
    address = handshake.host_port(host, port)
    window = settings.keepalive if keepalive is None else config.keepalive_window("keepalive", keepalive)
    shipping.remember_interactive_sources()  # so Bridge.call finds functions typed after this point
    tls_ca = tls_ca or settings.tls_ca
    token, session, dial = _find_token(host, port, token, settings, tls_ca)
    context = tls.client_context(tls_ca) if tls_ca else None
    sock = _open_local_socket(host, session, settings, connect_timeout)
    transport = TCP if sock is None else LOCAL
    binding = b""
    if sock is None:
        sock = _open_socket(dial, port, connect_timeout)
        if context is not None:
            sock, binding = tls.wrap_client(sock, context, host, address, connect_timeout, tls_ca)
            transport = TLS
    try:
        try:
            hello = handshake.client_handshake(
                sock, token, address, connect_timeout, binding=binding,
                expect_session=session.session if session is not None else "",
                no_token_help=(f"No session file for port {port} on this machine (in {settings.runtime_dir}), and "
                               f"no token given. For a server on another machine pass token=... or set "
                               f"DCC_BRIDGE_TOKEN to the token from its session file."))
        except ConnectTimeoutError as exc:
            if transport != TCP or context is not None:
                raise
            raise ConnectTimeoutError(f"{exc} A DCC Bridge server with TLS waits like this for a client without "
                                      f"it: if that server serves TLS, connect with tls_ca=... (--tls-ca, "
                                      f"DCC_BRIDGE_TLS_CA).") from None
        sock.settimeout(None)
        liveness.tune_socket(sock, window)
        conn = connect_service(
            ClientService,
            BridgeChannel(BridgeStream(sock), settings.max_transfer),
            dict(sync_request_timeout=settings.timeout if timeout is None else timeout,
                 bridge_executor=executor, bridge_peer=f"the {hello.app or 'bridge'} server at {address}",
                 bridge_fused_calls=settings.fused_calls, bridge_lost=lost_error, bridge_keepalive=window))
    except BaseException:
        sock.close()
        raise
    conn.start_reader(f"dcc-bridge-reader-{address}")
    try:
        bridge = Bridge(conn, host, port, hello, session, transport)
    except BaseException:
        conn.close()
        raise
    log.info("connected to %s at %s (%s)", hello.app or "bridge server", address, transport)
    return bridge


def import_remote_module(server=None, port=None, name="hou", *, token=None, tls_ca=None):
    """hrpyc's ``import_remote_module``: returns ``(connection, module)``.

    Keep ``connection`` referenced while you use ``module``: as with hrpyc, the connection closes when it is
    garbage-collected (or when you call ``connection.close()``).
    """
    bridge = connect(server, port, token=token, tls_ca=tls_ca)
    return bridge, bridge.modules[name]
