"""The per-user folders DCC Bridge keeps files in, decided in one place (standard library only).

``user_data_dir()`` is the bridge's per-user data folder: Linux ``$XDG_DATA_HOME/dcc_bridge``
(``~/.local/share/dcc_bridge``), macOS ``~/Library/Application Support/dcc_bridge``, Windows
``%APPDATA%\\dcc_bridge``. The session files live in its ``runtime`` folder (``config.default_runtime_dir``)
and ``build.py install`` keeps its copy and manifest in it (``packaging/bridge_install.py``).

Written by hand rather than with ``platformdirs`` (whose ``user_data_dir(appname, roaming=True)`` gives these
same folders): ``build.py`` must run on a fresh machine with only Python 3, before any virtual environment or
vendored copy exists, so it loads this file by path; vendoring platformdirs too would put a second package in
every shipped zip and a new dependency in every checkout for these dozen lines.

    user_data_dir({"HOME": "/home/ana"}, "linux")   # Path("/home/ana/.local/share/dcc_bridge")
"""
import os
import sys
from pathlib import Path

__all__ = ["user_data_dir", "home"]


def home(environ=None):
    environ = os.environ if environ is None else environ
    return Path(environ.get("HOME") or environ.get("USERPROFILE") or Path.home())


def user_data_dir(environ=None, platform=None):
    """The bridge's per-user data folder (see the module docstring)."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform.startswith("win"):
        base = Path(environ["APPDATA"]) if environ.get("APPDATA") else home(environ) / "AppData" / "Roaming"
    elif platform == "darwin":
        base = home(environ) / "Library" / "Application Support"
    else:
        base = Path(environ["XDG_DATA_HOME"]) if environ.get("XDG_DATA_HOME") else home(environ) / ".local" / "share"
    return base / "dcc_bridge"
