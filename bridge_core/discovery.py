"""Session files: how a running server tells clients on the same machine where it is and which token it uses.

Each server writes one JSON file into the runtime directory (``config.default_runtime_dir()`` or
``DCC_BRIDGE_RUNTIME_DIR``), the way Jupyter writes kernel connection files: the folder is created 0700, the
file 0600 (written to a temporary name, then renamed, so a reader never sees half a file), and the file is
removed when the server stops. Only what ``trust`` allows is used: a server refuses (``ConfigError``, saying
how to fix it) a folder that is not the user's own or that others may write to, and never changes the mode of
a folder it did not create; a client skips such a folder, and any file in it that is not the user's own
regular, non-group/other-writable file, naming each in a debug log. "Newest" is decided by the time the file
system recorded for the file (then ``started``). A session matches a connection only for the exact address the
server listens on (``find_session``). A file whose process is gone is stale: ``list_sessions`` skips it and deletes
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
| ``protocol``| ``3``                     | the bridge's wire version (``wire.VERSION``)         |
| ``session``| ``"5f0c..."`` (32 hex)     | the session's random id, also sent in the handshake and covered by its proofs |
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

from . import trust
from .errors import ConfigError

log = logging.getLogger("dcc_bridge.discovery")

__all__ = ["SessionInfo", "write_session", "remove_session", "remove_socket", "list_sessions", "find_session",
           "ensure_private_dir", "pid_alive", "LOOPBACK_NAMES"]

PREFIX = "session-"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "::", ""}
_WILDCARD_LOOPBACK = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}  # a server on every address of a family


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SessionInfo:
    app: str = "python"
    pid: int = field(default_factory=os.getpid)
    machine: str = field(default_factory=socket.gethostname)
    host: str = "127.0.0.1"
    port: int = 0
    token: str = field(default="", repr=False)  # never in a repr (nor a log or an error)
    bridge: str = ""
    protocol: int = 0
    python: str = field(default_factory=lambda: "%d.%d.%d" % sys.version_info[:3])
    started: str = field(default_factory=_now)
    scene: str = ""
    local_socket: str = ""
    session: str = ""
    path: Optional[Path] = field(default=None, compare=False)

    def to_json(self):
        data = asdict(self)
        data.pop("path")
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def from_file(cls, path):
        """The session in ``path``; raises ``trust.Untrusted`` for a file that is not the user's own private
        file, ``OSError`` or ``ValueError`` for one that cannot be read."""
        return cls._from_trusted_file(path)[0]

    @classmethod
    def _from_trusted_file(cls, path):
        text, st = trust.read_trusted(path)
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        known = {f.name for f in fields(cls)} - {"path"}
        info = cls(**{k: v for k, v in data.items() if k in known})
        info.path = Path(path)
        texts = ("app", "machine", "host", "token", "bridge", "started", "scene", "local_socket", "session")
        if not isinstance(info.port, int) or not isinstance(info.pid, int) or not info.token \
                or not all(isinstance(getattr(info, name), str) for name in texts):
            raise ValueError("missing port, pid or token, or a field of the wrong type")
        return info, st

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


def _runtime_dir_error(directory, problem, how):
    from .config import default_runtime_dir

    default = default_runtime_dir()
    instead = "" if Path(directory) == default else f" (or unset it for the default, {default})"
    return ConfigError(f"cannot keep session files in the runtime folder {directory}: {problem}. The session token "
                       f"is kept there, so the folder must be yours and private. Set DCC_BRIDGE_RUNTIME_DIR to a "
                       f"folder of your own that only you can write to{instead}, or fix this one: {how}")


def ensure_private_dir(directory):
    """Create ``directory`` (and parents) with mode 0700 and return it; an existing folder is checked and never
    changed. Raises ``ConfigError`` (saying how to fix it) for a folder that is not the user's own or that
    group or others may write to; logs a warning for one they may read (the 0600 files stay private)."""
    directory = Path(directory)
    try:
        directory.mkdir(mode=0o700, parents=True)
        if trust.CHECKED:
            os.chmod(directory, 0o700)  # ours: we just made it
        log.debug("created the runtime folder %s", directory)
    except FileExistsError:
        pass
    except OSError as exc:
        raise _runtime_dir_error(directory, f"it cannot be created ({exc.strerror or exc})",
                                 "make sure its parent folder exists and is yours.") from None
    problem = trust.folder_problem(directory)
    if problem:
        how = (f"chmod go-w {directory}" if "writable" in problem and "belongs" not in problem
               else f"remove it and let DCC Bridge create it ({directory} must not belong to someone else).")
        raise _runtime_dir_error(directory, problem, how)
    if trust.CHECKED:
        mode = stat.S_IMODE(directory.stat().st_mode)
        if mode & 0o077:
            log.warning("the runtime folder %s can be listed by others (mode %04o): they see which sessions run, "
                        "not their tokens. 'chmod 700 %s' makes it private.", directory, mode, directory)
    return directory


def write_session(info, directory):
    """Write ``info`` as a 0600 file in the 0700 ``directory``; returns its path (also set on ``info.path``).
    Raises ``ConfigError`` when the folder cannot be trusted or written."""
    directory = ensure_private_dir(directory)
    final = directory / f"{PREFIX}{info.app}-{info.port}-{info.pid}.json"
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=str(directory))  # mkstemp creates 0600
    except OSError as exc:
        raise _runtime_dir_error(directory, f"a file cannot be written in it ({exc.strerror or exc})",
                                 f"chmod u+rwx {directory}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(info.to_json())
        os.replace(tmp, final)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _runtime_dir_error(directory, f"the session file cannot be written ({exc.strerror or exc})",
                                     "free some disk space, or check the folder's permissions.") from None
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
    """Live sessions of this machine in ``directory``, newest first; stale, unreadable and untrusted files are
    skipped (and stale ones of this machine deleted when ``clean``); nothing at all from a folder that is not
    the user's own or that others may write to."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    problem = trust.folder_problem(directory)
    if problem:
        log.debug("ignoring every session file in %s: %s", directory, problem)
        return []
    here = socket.gethostname()
    found = []
    for path in directory.glob(PREFIX + "*.json"):
        try:
            info, st = SessionInfo._from_trusted_file(path)
        except trust.Untrusted as exc:
            log.debug("ignoring session file %s: not to be trusted: %s", path, exc)
            continue
        except (OSError, ValueError, TypeError, RecursionError) as exc:
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
        found.append((st.st_mtime_ns, str(info.started), info))
    found.sort(key=lambda item: item[:2], reverse=True)  # the file system's time first: not the writer's word
    return [info for _, _, info in found]


def find_session(directory, port=None, app=None, host=None) -> Optional[SessionInfo]:
    """The newest live session matching ``port``, ``app`` and ``host`` (any may be None), or None.

    ``host`` must be exactly the address the session listens on ("::1" does not match a server on 127.0.0.1:
    another program may listen there on the same port); a server on every address of its family (0.0.0.0,
    ::) also listens on that family's loopback address (127.0.0.1, ::1).
    """
    for info in list_sessions(directory):
        if port is not None and info.port != port:
            continue
        if app is not None and info.app != app:
            continue
        if host is not None and host != info.host and host != _WILDCARD_LOOPBACK.get(info.host):
            continue
        return info
    return None
