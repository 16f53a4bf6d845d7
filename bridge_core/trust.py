"""Which files and folders may be trusted with a token: OpenSSH's ``StrictModes``, for the runtime folder.

A session file tells a client which server to run its code against and which token to prove; another local
user who can write one can point the client at their own server. So a folder or file is trusted only when it
is owned by the current user and neither group nor others may write to it; a file must also be a regular
file (not a symlink, a FIFO or a device). The server creates its runtime folder 0700; a folder that exists
already is checked, never changed (it may be ``/tmp``, shared by everyone). On Windows, where the folder is
under the user's profile and POSIX modes do not apply, everything is trusted.

    problem = folder_problem(Path("/tmp"))      # "it is writable by others (mode 1777)"
    text = read_trusted(path)                   # raises Untrusted(reason) for a planted file
"""
import os
import stat

__all__ = ["Untrusted", "folder_problem", "file_problem", "read_trusted", "owner_name", "CHECKED"]

CHECKED = os.name == "posix"  # POSIX ownership and modes are checked (not on Windows)
_MAX_FILE = 1 << 20  # a session file is a few hundred bytes


class Untrusted(Exception):
    """A file that must not be believed; ``str()`` says why."""


def owner_name(uid):
    try:
        import pwd

        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def _ownership_problem(st):
    if not CHECKED:
        return None
    if st.st_uid != os.geteuid():
        return f"it belongs to {owner_name(st.st_uid)}, not to you ({owner_name(os.geteuid())})"
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o022:
        return f"it is writable by {'others' if mode & 0o002 else 'its group'} (mode {mode:04o})"
    return None


def folder_problem(folder):
    """Why ``folder`` must not be trusted to hold session files, or None when it may be."""
    try:
        st = os.stat(folder)
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    if not stat.S_ISDIR(st.st_mode):
        return "it is not a folder"
    return _ownership_problem(st)


def file_problem(st):
    """Why a file with this ``os.fstat`` result must not be trusted, or None when it may be."""
    if not stat.S_ISREG(st.st_mode):
        return "it is not a regular file"
    return _ownership_problem(st)


def read_trusted(path):
    """``(text, fstat result)`` of ``path``, opened without following a symlink and checked on the open file
    (so it cannot be swapped between the check and the read); raises ``Untrusted`` or ``OSError``."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if os.path.islink(path):
            raise Untrusted("it is a symbolic link") from None
        raise exc
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(handle.fileno())
        problem = file_problem(st)
        if problem:
            raise Untrusted(problem)
        return handle.read(_MAX_FILE).decode("utf-8"), st
