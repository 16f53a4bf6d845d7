"""Helpers of the flood and garbage fault tests: a server in a child process with a low open-file limit, idle
and raw connections from chosen loopback addresses, and the client handshake on a raw socket.

    with ChildServer(runtime_dir, tmp_path, nofile=128) as server:
        flood = open_idle(server.port, 200, source="127.0.0.2")
        with bridge_core.connect(port=server.port, token=server.token) as bridge: ...
        assert server.stderr_lines() == []
"""
import json
import os
import socket
import struct
import subprocess
import sys

from bridge_core import discovery, handshake, wire
from support import ROOT, BridgeProcess, clean_env, read_line, wait_until


class ChildServer(BridgeProcess):
    """``python -m bridge_core serve -q`` in a child process (the Houdini stand-in as ``hou``), optionally with
    its open-file limit lowered (``resource.setrlimit`` before it starts); its stderr is kept in a file."""

    def __init__(self, runtime_dir, tmp_path, nofile=None, **env):
        self.stderr_path = tmp_path / f"server-{len(list(tmp_path.glob('server-*')))}.err"

        def limit():
            if nofile is not None:
                import resource

                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        with open(self.stderr_path, "w") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bridge_core", "serve", "--port", "0", "--app", "houdini", "-q"],
                stdout=subprocess.PIPE, stderr=stderr, text=True, env=clean_env(runtime_dir, **env), cwd=str(ROOT),
                preexec_fn=limit)
        try:
            line = read_line(self.proc.stdout, 30, "the server to start")
            assert "serving" in line, (line, self.stderr_path.read_text())
            self.port = int(line.split()[-1].rsplit(":", 1)[1])
            session = wait_until(lambda: discovery.find_session(runtime_dir, port=self.port), 10, "the session file")
        except BaseException:
            self.stop()
            raise
        self.token, self.session_file, self.pid = session.token, session.path, self.proc.pid

    def alive(self):
        """Still running, with its session file in place."""
        return self.proc.poll() is None and os.path.exists(self.session_file)

    def stderr_lines(self):
        return [line for line in self.stderr_path.read_text().splitlines() if line.strip()]



def dial(port, source="127.0.0.1", timeout=5.0):
    """A TCP connection to 127.0.0.1:``port`` from ``source`` (any 127.x.y.z: all of 127/8 is loopback)."""
    return socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(source, 0))


def open_idle(port, count, sources=("127.0.0.2",)):
    """``count`` connections that never say a word, spread over ``sources``; those refused are left out."""
    opened = []
    for i in range(count):
        try:
            opened.append(dial(port, sources[i % len(sources)], timeout=2))
        except OSError:
            pass
    return opened


def close_all(sockets):
    for sock in sockets:
        sock.close()


def read_hello(sock, timeout=10.0):
    """The server's hello frame on a fresh connection, or None when the server closed it without one (past a
    cap it says it is busy, then closes: that too is None)."""
    sock.settimeout(timeout)
    header = recv_exact(sock, wire.HANDSHAKE_HEADER.size)
    if header is None:
        return None
    magic, length = wire.HANDSHAKE_HEADER.unpack(header)
    assert magic == wire.HANDSHAKE_MAGIC
    body = recv_exact(sock, length)
    if body is not None and json.loads(body)["msg"] == "reject":
        assert json.loads(body)["reason"] == "busy", body
        assert recv_exact(sock, 1) is None, "closed after saying it is busy"
        return None
    return body


def recv_exact(sock, count):
    """``count`` bytes, or None when the peer closes (or resets) first."""
    data = b""
    while len(data) < count:
        try:
            chunk = sock.recv(count - len(data))
        except ConnectionResetError:
            return None
        if not chunk:
            return None
        data += chunk
    return data


def read_to_end(sock, timeout=10.0, limit=1 << 20):
    """Everything the server sends until it closes the connection (fails the test if it does not, in time)."""
    sock.settimeout(timeout)
    data = b""
    while len(data) < limit:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def authenticate(port, token, source="127.0.0.1", timeout=5.0):
    """A connection from ``source`` that passed the client handshake (raises the client's errors)."""
    sock = dial(port, source, timeout)
    try:
        handshake.client_handshake(sock, token, f"127.0.0.1:{port}", timeout)
    except BaseException:
        sock.close()
        raise
    sock.settimeout(timeout)
    return sock


def frame(payload, flags=wire.FLAG_PLAIN):
    """A message frame as the bridge's transport writes it."""
    return wire.FRAME_HEADER.pack(len(payload), flags) + payload + wire.FLUSHER


def reset(sock):
    """Close with a TCP reset (SO_LINGER 0), as a crashed or hostile peer does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
