"""The user's remembered choices (autostart), kept in a small JSON file in Houdini's user preferences folder.

``DCC_BRIDGE_AUTOSTART`` (in the environment or ``houdini.env``) always wins over the remembered choice; our
package file never sets it. With neither, autostart is off: a Houdini that opens a port at every launch is a
surprise on a studio network, so serving is something a user or TD turns on.

    prefs.autostart()            # (enabled, "where that came from")
    prefs.set_autostart(True)
"""
import json
import logging
import os

import hou

from bridge_core import config

log = logging.getLogger("dcc_bridge.houdini")

FILE_NAME = "dcc_bridge.prefs.json"


def _path():
    folder = hou.homeHoudiniDirectory() if hasattr(hou, "homeHoudiniDirectory") else None
    folder = folder or os.environ.get("HOUDINI_USER_PREF_DIR") or os.path.expanduser("~")
    return os.path.join(folder, FILE_NAME)


def _read():
    try:
        with open(_path(), encoding="utf-8") as handle:
            data = json.load(handle)
        return data if isinstance(data, dict) else {}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable DCC Bridge preferences %s: %s", _path(), exc)
        return {}


def autostart(ui=True):
    """``(enabled, source)``: from DCC_BRIDGE_AUTOSTART, else the remembered shelf choice, else off. Without a UI
    (``ui=False``: hython, hbatch) only ``DCC_BRIDGE_AUTOSTART=headless`` turns it on."""
    return config.autostart_choice(_read().get("autostart"), "the shelf", ui=ui)


def set_autostart(enabled):
    """Remember the choice for future sessions; returns the file written."""
    data = _read()
    data["autostart"] = bool(enabled)
    path = _path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)
    return path
