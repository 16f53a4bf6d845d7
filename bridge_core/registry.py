"""Sessions across machines: rpyc's own registry (``rpyc.utils.registry``), made to hold a studio's worth.

A registry is one small process on the network (``python -m bridge_core registry``). Servers started with
``registry="HOST[:PORT]"`` (``--registry``, ``DCC_BRIDGE_REGISTRY``) register there under the service name
``DCCBRIDGE-<APP>`` with their port (the registry records the address they registered from; never the token),
refresh the registration every ``REREGISTER_INTERVAL`` seconds and remove it when they stop; a server that dies
simply stops refreshing, and the registry forgets it after its expiry (``EXPIRE``). ``sessions(address)`` lists
what a registry knows (``python -m bridge_core list --registry HOST``; the Maya and Houdini connect dialogs).

This is rpyc's TCP registry protocol, unchanged (brine-encoded ``("RPYC", command, args)`` requests, one per
connection). Two small subclasses fix what stops rpyc's from holding 2,000 sessions (rpyc issue #471): its
server answers with one ``send`` and its client reads one ``recv`` of 1,500 bytes (15,000 for ``list``), so a
``discover`` of more than about 100 sessions fails. ``RegistryServer`` sends whole replies and reads requests as they
arrive, dropping a client that does not send a whole one within ``IO_TIMEOUT`` (rpyc's waits on one
silent client forever, serving nobody);
``RegistryClient`` reads whole replies and says clearly when the registry cannot be reached. Stock rpyc
clients and servers still interoperate with them.

A registry entry is a hint, not a credential: anyone who can reach the registry can register an address, so a
client still needs the server's token (and, with TLS, checks its certificate) before anything runs.

    RegistryServer(host="0.0.0.0").start()                       # blocks; or: python -m bridge_core registry
    Registration("reg-host", "houdini", "0.0.0.0", 18811).start()  # what start_server(registry=...) does
    sessions("reg-host")   # [RegisteredSession(app='houdini', host='10.0.0.7', port=18811, ...), ...]
"""
import logging
import socket
import threading
import time
from contextlib import closing
from dataclasses import dataclass, field
from typing import List, Optional

from ._rpyc import TCPRegistryClient, TCPRegistryServer, brine
from .admission import FailureLog
from .errors import ConfigError, ConnectTimeoutError, ServerNotFoundError
from .handshake import endpoint, host_port
from .transport import wait_readable

log = logging.getLogger("dcc_bridge.registry")

__all__ = ["RegistryServer", "RegistryClient", "Registration", "RegisteredSession", "sessions", "parse_address",
           "service_name", "DEFAULT_PORT", "EXPIRE", "REREGISTER_INTERVAL"]

DEFAULT_PORT = 18810  # rpyc's default (18811) is the bridge's own default server port
PREFIX = "DCCBRIDGE-"  # service names: DCCBRIDGE-HOUDINI, DCCBRIDGE-MAYA (rpyc upper-cases them)
EXPIRE = 30.0  # seconds a registration lives without a refresh
REREGISTER_INTERVAL = 10.0  # seconds between a server's refreshes (read when a Registration starts)
TIMEOUT = 2.0  # a client's time limit for one request, connect included
IO_TIMEOUT = 2.0  # the registry's time limit for a client to send its request
MAX_REQUEST = 1 << 16
MAX_READING = 512  # connections whose request is still arriving
MAX_REPLY = 1 << 26
_WILDCARDS = {"", "0.0.0.0", "::"}
_FAILURES_EVERY = 60.0  # the registry logs a kind of malformed request at most once per this many seconds
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def service_name(app):
    """The registry's name for the sessions of ``app``."""
    return (PREFIX + app).upper()


def parse_address(text, what="DCC_BRIDGE_REGISTRY / --registry"):
    """``"HOST"``, ``"HOST:PORT"`` or ``"[IPv6]:PORT"`` -> ``(host, port)`` (port ``DEFAULT_PORT`` if absent)."""
    text = (text or "").strip()
    host, port = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else rest
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    try:
        number = int(port) if port else DEFAULT_PORT
    except ValueError:
        number = -1
    if not host or not 0 < number < 65536:
        raise ConfigError(f"{what}={text!r} is not a registry address: write HOST or HOST:PORT, for example "
                          f"render-reg:{DEFAULT_PORT}")
    return host, number


def _is_port(value):
    return type(value) is int and 0 < value < 65536


def _request_problem(request):
    """Why ``request`` is not one an rpyc registry client sends, or None. rpyc's server trusts the shape: a command
    that is not a string stopped it, a port that is not a number spoiled every listing, anything else left a
    traceback in its log."""
    if not (type(request) is tuple and len(request) == 3 and request[0] == "RPYC" and type(request[1]) is str
            and type(request[2]) is tuple):
        return "not an rpyc registry request"
    command, args = request[1].upper(), request[2]
    if command == "REGISTER":
        ok = (len(args) == 2 and type(args[0]) is tuple and all(type(name) is str for name in args[0])
              and _is_port(args[1]))
    elif command == "UNREGISTER":
        ok = len(args) == 1 and _is_port(args[0])
    elif command == "QUERY":
        ok = len(args) == 1 and type(args[0]) is str
    elif command == "LIST":
        ok = len(args) == 1 and type(args[0]) is tuple and len(args[0]) == 1 and type(args[0][0]) in (str, type(None))
    else:
        return "an unknown command"
    return None if ok else f"a malformed {command}"


def _entries(reply, what):
    """The well-formed ``(host, port)`` pairs of a ``discover`` reply (a registry records any port a program
    sends it); ``ServerNotFoundError`` when the reply is not a sequence at all."""
    if type(reply) not in (tuple, list):
        raise ServerNotFoundError(f"{what} does not answer as an rpyc registry (a QUERY answered {type(reply).__name__})")
    found = []
    for entry in reply:
        if type(entry) in (tuple, list) and len(entry) == 2 and type(entry[0]) is str and _is_port(entry[1]):
            found.append(tuple(entry))
        else:
            log.debug("%s lists a malformed entry: %.100r; skipped", what, entry)
    return tuple(found)


@dataclass(frozen=True)
class RegisteredSession:
    """A session a registry knows of: its app, the address it registered from and its port. No token, pid or
    scene (the registry never has them): connecting needs the token (``DCC_BRIDGE_TOKEN`` or typed in)."""

    app: str
    host: str
    port: int
    registry: str  # "host:port" of the registry that listed it
    token: str = field(default="", repr=False)  # typed in by the user (the Houdini shelf); never in a repr
    scene: str = ""
    pid: Optional[int] = None

    @property
    def address(self):
        return host_port(self.host, self.port)


def _peer(sock):
    try:
        return endpoint(sock, local=False)
    except OSError:
        return "a client"


def _receive_all(sock, limit, deadline):
    """Read from ``sock`` until the peer closes, within ``deadline``; at most ``limit`` bytes."""
    data = bytearray()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out")
        sock.settimeout(remaining)
        chunk = sock.recv(1 << 16)
        if not chunk:
            return bytes(data)
        data += chunk
        if len(data) > limit:
            raise ConnectionError(f"more than {limit:,} bytes")


class RegistryServer(TCPRegistryServer):
    """rpyc's TCP registry server, sending whole replies; listing allowed; registrations expire after
    ``expire`` seconds without a refresh. One thread, as rpyc's: it reads every client's request as it
    arrives (a slow or silent client holds up nobody, and is dropped after ``IO_TIMEOUT``), then answers it."""

    TIMEOUT = 0.5  # how long one wait for requests lasts: how soon close() is noticed

    def __init__(self, host="0.0.0.0", port=DEFAULT_PORT, expire=EXPIRE, logger=None):
        super().__init__(host, port, pruning_timeout=expire, logger=logger or log, allow_listing=True)
        self._reading = {}  # socket -> (bytes so far, deadline): requests still arriving
        self._waiting = {}  # peer address -> its socket, from _recv to _send
        self._closing = threading.Event()
        self._failures = FailureLog(self.logger, _FAILURES_EVERY)

    def close(self):
        """Stop serving (soon: within ``TIMEOUT``); harmless before ``start()`` runs, or twice (rpyc's raises)."""
        self._closing.set()
        self.active = False

    def _recv(self):
        if self._closing.is_set():  # close() came before start() set active
            self.active = False
            raise socket.timeout("closing")
        for leftover in self._waiting.values():  # a request rpyc's loop dropped without a reply
            leftover.close()
        self._waiting.clear()
        deadline = time.monotonic() + self.TIMEOUT
        while True:
            now = time.monotonic()
            for sock, (_data, due) in list(self._reading.items()):
                if due < now:
                    self._drop(sock)
            if now >= deadline:
                raise socket.timeout("no request")
            for sock in wait_readable([self.sock] + list(self._reading), deadline - now):
                if sock is self.sock:
                    self._accept()
                    continue
                request = self._read(sock)
                if request is not None:
                    address = sock.getpeername()
                    self._waiting[address] = sock
                    return request, address

    def _accept(self):
        try:
            sock, _address = self.sock.accept()
        except OSError:
            return
        if len(self._reading) >= MAX_READING:  # a flood of idle connections: the oldest goes
            self._drop(next(iter(self._reading)))
        sock.setblocking(False)
        self._reading[sock] = (b"", time.monotonic() + IO_TIMEOUT)

    def _read(self, sock):
        """The whole request once it has arrived, else None (the socket is dropped when it breaks)."""
        data, due = self._reading[sock]
        try:
            chunk = sock.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            return None
        except OSError:
            chunk = b""
        data += chunk
        if not chunk or len(data) > MAX_REQUEST:
            self._drop(sock)
            return None
        try:
            request = brine.load(data)
        except Exception:  # not whole yet
            self._reading[sock] = (data, due)
            return None
        problem = _request_problem(request)
        if problem is not None:  # dropped before rpyc's loop sees it
            self._failures(problem, "dropped %s from %s", problem, _peer(sock))
            self._drop(sock)
            return None
        del self._reading[sock]
        return data

    def _drop(self, sock):
        self._reading.pop(sock, None)
        sock.close()

    def _send(self, data, addrinfo):
        sock = self._waiting.pop(addrinfo)
        with closing(sock):
            try:
                sock.settimeout(IO_TIMEOUT)
                sock.sendall(data)
            except OSError:
                pass

    def cmd_list(self, host, filter_host):
        """rpyc's ``list``, dropping the services whose registrations all expired."""
        for name in list(self.services):
            self.cmd_query(host, name)  # prunes the stale ones (rpyc prunes only on query)
        return super().cmd_list(host, filter_host)


class RegistryClient(TCPRegistryClient):
    """rpyc's TCP registry client reading whole replies. ``discover`` and ``list`` raise ``ServerNotFoundError``
    or ``ConnectTimeoutError`` when the registry cannot be asked (rpyc's return an empty answer)."""

    def __init__(self, host, port=DEFAULT_PORT, timeout=TIMEOUT, logger=None):
        super().__init__(host, port=port, timeout=timeout, logger=logger or log)

    @property
    def address(self):
        return host_port(self.ip, self.port)

    def _ask(self, command, args, interface=""):
        deadline = time.monotonic() + self.timeout
        source = (interface, 0) if interface and interface not in _WILDCARDS else None
        try:
            with closing(socket.create_connection((self.ip, self.port), self.timeout, source)) as sock:
                sock.sendall(brine.dump(("RPYC", command, args)))
                reply = _receive_all(sock, MAX_REPLY, deadline)
        except socket.timeout:
            raise ConnectTimeoutError(f"the registry at {self.address} did not answer within {self.timeout:g} s") \
                from None
        except OSError as exc:
            raise ServerNotFoundError(f"cannot reach the registry at {self.address} ({exc.strerror or exc}). Is "
                                      f"'python -m bridge_core registry' running there, and is the address right "
                                      f"(DCC_BRIDGE_REGISTRY / --registry)?") from None
        try:
            return brine.load(reply)
        except Exception:
            raise ServerNotFoundError(f"{self.address} does not answer as an rpyc registry") from None

    def discover(self, name):
        """The ``(host, port)`` of every live registration of service ``name`` (malformed ones left out)."""
        return _entries(self._ask("QUERY", (name,)) or (), self.address)

    def list(self, filter_host=None):
        """The registry's service names (None when the registry does not allow listing; names that are not
        strings left out)."""
        names = self._ask("LIST", ((filter_host,),))
        if names is None:
            return None
        if type(names) not in (tuple, list):
            raise ServerNotFoundError(f"{self.address} does not answer as an rpyc registry (a LIST answered "
                                      f"{type(names).__name__})")
        return tuple(name for name in names if type(name) is str)

    def register(self, aliases, port, interface=""):
        """Register ``aliases`` on ``port`` (from ``interface``); True when the registry acknowledged."""
        try:
            return self._ask("REGISTER", (tuple(aliases), port), interface) == "OK"
        except (ServerNotFoundError, ConnectTimeoutError) as exc:
            self.logger.debug("registering failed: %s", exc)
            return False

    def unregister(self, port, interface=""):
        """Remove this machine's registrations on ``port``; False when the registry could not be told."""
        try:
            return self._ask("UNREGISTER", (port,), interface) == "OK"
        except (ServerNotFoundError, ConnectTimeoutError) as exc:
            self.logger.debug("unregistering failed: %s", exc)
            return False


def sessions(address, app=None, timeout=TIMEOUT) -> List[RegisteredSession]:
    """The sessions the registry at ``address`` ("HOST[:PORT]") knows of (of ``app`` only, if given), sorted by
    app, host and port. ``ServerNotFoundError``/``ConnectTimeoutError`` when it cannot be asked."""
    client = RegistryClient(*parse_address(address), timeout=timeout)
    if app is not None:
        names = [service_name(app)]
    else:
        names = client.list()
        if names is None:
            raise ServerNotFoundError(f"the registry at {client.address} does not allow listing; run the bridge's "
                                      f"registry there ('python -m bridge_core registry')")
        names = [name for name in names if name.startswith(PREFIX)]
    found = []
    for name in names:
        label = name[len(PREFIX):].lower()
        found += [RegisteredSession(label, str(host), int(port), client.address) for host, port in client.discover(name)]
    return sorted(found, key=lambda s: (s.app, s.host, s.port))


class Registration:
    """Keeps one server registered: a daemon thread registers at once and then every ``interval`` seconds
    (sooner after a failure); ``stop()`` unregisters. The first failure is logged as a warning, later ones at
    debug level until it works again."""

    def __init__(self, address, app, host, port, interval=None):
        self.registry = RegistryClient(*parse_address(address))
        self.app, self.host, self.port = app, host, port
        self.interval = interval or REREGISTER_INTERVAL
        self.registered = threading.Event()  # set once the registry acknowledged
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        if self.host in _LOOPBACK and self.registry.ip not in _LOOPBACK:
            log.warning("registering %s on port %d with the registry at %s, but it listens on %s only: other "
                        "machines cannot connect to it. Listen on a reachable address (DCC_BRIDGE_HOST=0.0.0.0, with "
                        "TLS: docs/security.md).", self.app, self.port, self.registry.address, self.host)
        self._thread = threading.Thread(target=self._run, name=f"dcc-bridge-registration-{self.port}", daemon=True)
        self._thread.start()
        return self

    def _run(self):
        failing = False
        while not self._stop.is_set():
            ok = self.registry.register((service_name(self.app),), self.port, interface=self.host)
            if ok and failing:
                log.info("registered with the registry at %s again", self.registry.address)
            elif ok and not self.registered.is_set():
                log.info("registered %s on port %d with the registry at %s", self.app, self.port,
                         self.registry.address)
            elif not ok and not failing:
                log.warning("cannot register with the registry at %s (is it running? DCC_BRIDGE_REGISTRY / "
                            "--registry); retrying", self.registry.address)
            failing = not ok
            if ok:
                self.registered.set()
            if self._stop.wait(self.interval if ok else min(self.interval, 2.0)):
                break
        if self.registered.is_set():
            self.registry.unregister(self.port, interface=self.host)

    def stop(self, timeout=1.0):
        """Stop refreshing and unregister: waits up to ``timeout`` seconds (a registry that does not answer must
        not hold up a host's Stop button); the thread finishes unregistering in the background after that."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
