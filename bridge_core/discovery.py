"""Session files: how a running server tells clients on the same machine where it is and which token it uses.

Each server writes one JSON file into the runtime directory (``config.default_runtime_dir()`` or
``DCC_BRIDGE_RUNTIME_DIR``), the way Jupyter writes kernel connection files: the folder is created 0700, the
file 0600 (written to a temporary name, then renamed, so a reader never sees half a file), and the file is
removed when the server stops. A file whose process is gone is stale: ``list_sessions`` skips it and deletes
it (and the server's Unix socket file, ``local_socket``, if one is left). Home folders are often shared
between machines over NFS, so every file records the machine that wrote it and only this machine's files are
considered.

| field      | example                    | meaning                                              |
|------------|----------------------------|------------------------------------------------------|
| ``app``    | ``"houdini"``              | who serves: houdini, maya, python ...                |
| ``pid``    | ``4242``                   | the serving process                                  |
| ``machine``| ``"ws-042"``               | ``socket.gethostname()`` of the serving machine      |
| ``host``   | ``"127.0.0.1"``            | address the server listens on                        |
| ``port``   | ``18811``                  | its TCP port                                         |
| ``token``  | ``"9f1c..."`` (64 hex)     | the session token (this is why the file is 0600)     |
| ``bridge`` | ``"0.1.0"``                | DCC Bridge version                                   |
| ``protocol``| ``1``                     | handshake protocol version                           |
| ``python`` | ``"3.11.7"``               | the server's Python                                  |
| ``started``| ``"2026-11-24T06:00:00Z"`` | when it started (UTC)                                |
| ``scene``  | ``"/shots/a/a010.hip"``    | the host's scene when the file was written, or ""   |
| ``local_socket`` | ``".../houdini-4242-18811.sock"`` | its Unix socket for clients of this machine, or "" (absent in older files) |

    path = write_session(SessionInfo(app="houdini", port=18811, token=t), runtime_dir)
    find_session(runtime_dir, port=18811).token == t
"""
import datetime
import json
import logging
import os
import socket
import stat
import sys
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import List, Optional

log = logging.getLogger("dcc_bridge.discovery")

__all__ = ["SessionInfo", "write_session", "remove_session", "remove_socket", "list_sessions", "find_session",
           "ensure_private_dir", "pid_alive", "LOOPBACK_NAMES"]

PREFIX = "session-"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "::", ""}


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SessionInfo:
    app: str = "python"
    pid: int = field(default_factory=os.getpid)
    machine: str = field(default_factory=socket.gethostname)
    host: str = "127.0.0.1"
    port: int = 0
    token: str = ""
    bridge: str = ""
    protocol: int = 0
    python: str = field(default_factory=lambda: "%d.%d.%d" % sys.version_info[:3])
    started: str = field(default_factory=_now)
    scene: str = ""
    local_socket: str = ""
    path: Optional[Path] = field(default=None, compare=False)

    def to_json(self):
        data = asdict(self)
        data.pop("path")
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def from_file(cls, path):
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)} - {"path"}
        info = cls(**{k: v for k, v in data.items() if k in known})
        info.path = Path(path)
        if not isinstance(info.port, int) or not isinstance(info.pid, int) or not info.token:
            raise ValueError("missing port, pid or token")
        return info

    def age_seconds(self, now=None):
        try:
            started = datetime.datetime.strptime(self.started, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return None
        now = now or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        return max((now - started).total_seconds(), 0.0)

    @property
    def address(self):
        return f"{self.host}:{self.port}"


def ensure_private_dir(directory):
    """Create ``directory`` (and parents) with mode 0700; tighten an existing one we own that is wider."""
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        mode = stat.S_IMODE(directory.stat().st_mode)
        if mode & 0o077:
            log.warning("runtime folder %s was readable by others (mode %o); restricting it to you (0700)",
                        directory, mode)
            os.chmod(directory, 0o700)
    return directory


def write_session(info, directory):
    """Write ``info`` as a 0600 file in the 0700 ``directory``; returns its path (also set on ``info.path``)."""
    directory = ensure_private_dir(directory)
    final = directory / f"{PREFIX}{info.app}-{info.port}-{info.pid}.json"
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=str(directory))  # mkstemp creates 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(info.to_json())
        os.replace(tmp, final)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    info.path = final
    log.debug("wrote session file %s", final)
    return final


def _remove(path, what):
    if path is None:
        return
    try:
        os.unlink(path)
        log.debug("removed %s %s", what, path)
    except FileNotFoundError:
        pass


def remove_session(path):
    """Delete a session file; a file already gone is fine."""
    _remove(path, "session file")


def remove_socket(path):
    """Delete a server's Unix socket file; a file already gone is fine."""
    _remove(path, "socket file")


def pid_alive(pid):
    """True when a process with this pid exists on this machine."""
    if pid <= 0:
        return False
    if os.name == "nt":
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        ctypes.windll.kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to someone else
        return True
    return True


def list_sessions(directory, clean=True) -> List[SessionInfo]:
    """Live sessions of this machine in ``directory``, newest first; stale and unreadable files are skipped
    (and stale ones of this machine deleted when ``clean``)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    here = socket.gethostname()
    found = []
    for path in directory.glob(PREFIX + "*.json"):
        try:
            info = SessionInfo.from_file(path)
        except (OSError, ValueError, TypeError) as exc:
            log.debug("skipping unreadable session file %s: %s", path, exc)
            continue
        if info.machine != here:
            continue
        if not pid_alive(info.pid):
            log.info("removing stale session file %s (process %d is gone)", path, info.pid)
            if clean:
                remove_session(path)
                if info.local_socket and Path(info.local_socket).parent == Path(os.path.abspath(directory)):
                    remove_socket(info.local_socket)  # left behind by a server that did not stop cleanly
            continue
        found.append(info)
    found.sort(key=lambda s: (s.started, s.path.stat().st_mtime if s.path.exists() else 0), reverse=True)
    return found


def find_session(directory, port=None, app=None, host=None) -> Optional[SessionInfo]:
    """The newest live session matching ``port`` and ``app`` (either may be None), or None.

    ``host`` narrows the search: a loopback name matches any session of this machine; another address must
    be the one the session recorded.
    """
    for info in list_sessions(directory):
        if port is not None and info.port != port:
            continue
        if app is not None and info.app != app:
            continue
        if host is not None and host not in LOOPBACK_NAMES and host != info.host:
            continue
        return info
    return None
