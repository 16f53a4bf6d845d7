"""The one bridge server of a host application session (Houdini, Maya), as its menus and shelves see it.

Host glue creates one ``HostedServer`` and its buttons call ``start``/``stop``/``describe``. Starting picks
the first free port from the configured one (a second Houdini on the machine takes the next port, and the
note says who holds the first); starting twice and stopping twice are harmless and say so.

    SERVER = HostedServer("houdini", executor_factory, scene=hou.hipFile.path)
    server, note = SERVER.start()
    print(SERVER.describe())
"""
import threading
import time

from . import config
from .server import start_first_free

__all__ = ["HostedServer"]


class HostedServer:
    """Start, stop and describe a host's bridge server; ``port_offset`` shifts the default port (Maya: +1)."""

    def __init__(self, app, executor_factory, scene=None, port_offset=0):
        self.app = app
        self._executor_factory = executor_factory
        self._scene = scene
        self._port_offset = port_offset
        self._server = None
        self._lock = threading.Lock()

    def current(self):
        """The running server, or None."""
        server = self._server
        return server if server is not None and server.running else None

    def start(self, port=None):
        """Start serving; returns ``(server, note)`` where note says which ports were taken and by whom.

        Raises ``PortInUseError`` when no port is free. Call ``current()`` first to avoid a second server.
        """
        with self._lock:
            settings = config.load()
            if port is not None:
                first = port
            else:  # DCC_BRIDGE_PORT=0 means any free port for every host (not port 0 + offset: Maya on port 1)
                first = settings.port + self._port_offset if settings.port else 0
            self._server, taken = start_first_free(first, host=settings.host, executor=self._executor_factory(),
                                                   app=self.app, scene=self._scene, settings=settings)
        return self._server, "; ".join(f"port {p} is used by {holder}" for p, holder in taken)

    def stop(self):
        """Stop the server; returns True if one was running."""
        with self._lock:
            server, self._server = self.current(), None
        if server is None:
            return False
        server.stop()
        return True

    def describe(self):
        """Several lines for a status dialog."""
        server = self.current()
        if server is None:
            return f"The DCC Bridge server of this {self.app.capitalize()} is not running."
        uptime = int(server.uptime)
        clients = server.clients
        lines = [
            f"Listening on {server.host}:{server.port}" + (" with TLS" if server.tls else "")
            + (f" and on the local socket {server.local_socket}" if server.local_socket else ""),
            f"Session file: {server.session_file}",
            f"Up for {uptime // 3600}h {uptime // 60 % 60:02d}m {uptime % 60:02d}s "
            f"(since {time.strftime('%H:%M:%S', time.localtime(server.started))})",
            f"Connected clients: {len(clients)}",
        ]
        return "\n".join(lines + [f"  {client}" for client in clients])
