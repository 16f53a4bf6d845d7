"""A long-lived link to one application, and remote modules that survive reconnects.

Host integrations (the Maya menu's ``hou``, Houdini's ``hou.session.cmds``) hand users one object to keep
in their namespace. ``Link`` owns the current ``Bridge`` and replaces it on reconnect; ``link.module("hou")``
is a ``RemoteModule`` that always forwards to the live connection's module, so the same ``hou`` keeps working
after Houdini restarts. When the connection was lost, the next use reconnects once (to the same host:port,
else to the newest session of the same app on this machine); when that fails, or before any connect, using
the module raises ``NotConnectedError`` saying how to connect -- and so does a call that finds the connection
lost under it (the application quit): one error, however the loss is noticed.

    link = Link("houdini", how_to_connect="Houdini Bridge > Connect to Houdini...")
    hou = link.module("hou")
    link.connect(port=18811)
    hou.node("/obj")
"""
import functools
import logging
import socket
import threading
import time

from . import config, discovery, fusing, registry
from .client import connect
from .errors import BridgeConnectionError, BridgeError, NotConnectedError

log = logging.getLogger("dcc_bridge.link")

__all__ = ["Link", "RemoteModule", "link_to"]

_links = {}
_links_lock = threading.Lock()
REGISTRY_TIMEOUT = 1.0  # a dialog waits at most this long for the registry


@functools.lru_cache(maxsize=1)
def _this_machine():
    """The names and addresses of this machine (a registry lists its sessions by the address they came from)."""
    names = set(discovery.LOOPBACK_NAMES)
    try:
        names |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    except OSError:
        pass
    return names


def link_to(app, how_to_connect="", executor=None):
    """The one ``Link`` to ``app`` of this process (created on first use; later arguments are ignored)."""
    with _links_lock:
        if app not in _links:
            _links[app] = Link(app, how_to_connect=how_to_connect, executor=executor)
        return _links[app]


class Link:
    """The current connection to an application (``app``: "houdini", "maya"), reconnecting when lost."""

    def __init__(self, app, how_to_connect="", executor=None, timeout=None):
        self.app = app
        self.how_to_connect = how_to_connect
        self.executor = executor
        self.timeout = timeout
        self._bridge = None
        self._target = None  # (host, port, token) of the last explicit connect
        self._lock = threading.RLock()
        self.connected_since = None

    # ------------------------------------------------------------------------------------ state

    @property
    def bridge(self):
        """The live ``Bridge``, or None."""
        bridge = self._bridge
        return bridge if bridge is not None and not bridge.closed else None

    @property
    def connected(self):
        return self.bridge is not None

    def describe(self):
        """One line for a status display."""
        bridge = self.bridge
        if bridge is None:
            return f"not connected to {self.app}"
        since = time.strftime("%H:%M:%S", time.localtime(self.connected_since))
        return f"connected to {bridge.app or self.app} at {bridge.host}:{bridge.port} since {since}"

    # ------------------------------------------------------------------------------------ connecting

    def connect(self, host=None, port=None, token=None):
        """Connect (replacing any current connection); returns the ``Bridge``."""
        with self._lock:
            bridge = self._connect(host, port, token)
            self._replace(bridge)
            self._target = (host, port, token)
            return bridge

    def _connect(self, host, port, token):
        return connect(host, port, token=token, executor=self.executor, timeout=self.timeout,
                       lost_error=self._lost_error)

    def _lost_error(self, message):
        """What a call raises when the connection is lost under it: the same ``NotConnectedError`` as using the
        link after the loss, saying how to reconnect (to the user both are "the application quit")."""
        return NotConnectedError(f"{message} ({self.app} quit, closed the connection or stopped answering). The "
                                 f"next use reconnects by itself once {self.app} serves again. "
                                 f"{self.how_to_connect}".strip())

    def sessions(self):
        """The live sessions of this link's app on this machine, newest first."""
        return [s for s in discovery.list_sessions(config.load().runtime_dir) if s.app == self.app]

    def registry_sessions(self, exclude=()):
        """The sessions of this link's app that the registry (``DCC_BRIDGE_REGISTRY``) knows of, on any machine,
        less this machine's ones in ``exclude`` (``sessions()``): ``(sessions, problem)``, ``problem`` saying
        why the registry could not be asked ("" when it could, or when no registry is set)."""
        where = config.load().registry
        if not where:
            return [], ""
        try:
            found = registry.sessions(where, app=self.app, timeout=REGISTRY_TIMEOUT)
        except BridgeError as exc:
            return [], str(exc).splitlines()[0]
        here, ports = _this_machine(), {s.port for s in exclude}
        return [s for s in found if not (s.port in ports and s.host in here)], ""

    def connect_session(self, session):
        """Connect to a ``discovery.SessionInfo`` found on this machine, or a ``registry.RegisteredSession`` (its
        token: ``DCC_BRIDGE_TOKEN``)."""
        return self.connect(session.host, session.port, session.token)

    def disconnect(self):
        """Close the connection and forget the target (no reconnect on next use)."""
        with self._lock:
            self._target = None
            self._replace(None)

    def _replace(self, bridge):
        old, self._bridge = self._bridge, bridge
        self.connected_since = time.time() if bridge is not None else None
        if old is not None and old is not bridge:
            old.close()

    def ensure(self):
        """The live ``Bridge``; reconnects once if the connection was lost; else ``NotConnectedError``."""
        with self._lock:
            bridge = self.bridge
            if bridge is not None:
                return bridge
            if self._target is None:
                raise NotConnectedError(f"not connected to {self.app}. {self.how_to_connect}".strip())
            lost = self._bridge
            try:
                return self._reconnect()
            except BridgeConnectionError as exc:
                where = f"{lost.host}:{lost.port}" if lost is not None else "it"
                raise NotConnectedError(
                    f"the connection to {self.app} ({where}) was lost, and reconnecting failed: "
                    f"{str(exc).splitlines()[0]} {self.how_to_connect}".strip()) from None

    def _reconnect(self):
        host, port, token = self._target
        runtime_dir = config.load().runtime_dir
        if discovery.find_session(runtime_dir, port=port, host=host) is not None:
            token = None  # a restarted server has a new token: let connect() read it from its session file
        try:
            bridge = self._connect(host, port, token)
        except BridgeConnectionError:
            session = discovery.find_session(runtime_dir, app=self.app)
            if session is None:
                raise
            bridge = self._connect(session.host, session.port, session.token)
            self._target = (session.host, session.port, session.token)
        log.info("reconnected to %s at %s:%s", self.app, bridge.host, bridge.port)
        self._replace(bridge)
        return bridge

    def call(self, func, *args, **kwargs):
        """``Bridge.call`` on the live connection (reconnecting once if it was lost)."""
        return self.ensure().call(func, *args, **kwargs)

    # ------------------------------------------------------------------------------------ modules

    def module(self, name):
        """A ``RemoteModule`` for ``name`` on whatever this link is connected to."""
        return RemoteModule(self, name)


class RemoteModule:
    """A stable stand-in for a remote module: forwards every attribute to the live connection's module."""

    __slots__ = ("_link", "_name")

    def __init__(self, link, name):
        object.__setattr__(self, "_link", link)
        object.__setattr__(self, "_name", name)

    bridge_module_name = property(lambda self: self._name)  # Bridge.call ships it as "import <name>"

    def _module(self):
        return self._link.ensure().modules[self._name]

    @fusing.transparent  # a method read through here counts as the caller's read
    def __getattr__(self, attribute):
        return getattr(self._module(), attribute)

    def __setattr__(self, attribute, value):
        setattr(self._module(), attribute, value)

    def __dir__(self):
        try:
            return dir(self._module())
        except NotConnectedError:
            return []

    def __repr__(self):
        bridge = self._link.bridge
        if bridge is None:
            return f"<remote module {self._name!r}: not connected to {self._link.app}>"
        return f"<remote module {self._name!r} on {bridge.app or self._link.app} at {bridge.host}:{bridge.port}>"
