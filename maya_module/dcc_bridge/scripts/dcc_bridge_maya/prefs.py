"""Choices Maya remembers between sessions, as optionVars.

``DCC_BRIDGE_AUTOSTART`` in the environment (or Maya.env) always wins over the remembered menu choice; with
neither, the Maya server does not start by itself.
"""
from maya import cmds

from bridge_core import config

LAST_HOUDINI = "dccBridgeLastHoudini"      # "host:port" of the last connect
AUTOSTART = "dccBridgeAutostartServer"     # 1 / 0


def last_houdini():
    if cmds.optionVar(exists=LAST_HOUDINI):
        return cmds.optionVar(query=LAST_HOUDINI)
    return ""


def remember_houdini(host, port):
    cmds.optionVar(stringValue=(LAST_HOUDINI, f"{host}:{port}"))


def autostart(ui=True):
    """``(enabled, source)``: from DCC_BRIDGE_AUTOSTART, else the remembered menu choice, else off. Without a UI
    (``ui=False``: mayapy) only ``DCC_BRIDGE_AUTOSTART=headless`` counts."""
    remembered = bool(cmds.optionVar(query=AUTOSTART)) if cmds.optionVar(exists=AUTOSTART) else None
    return config.autostart_choice(remembered, "the menu", ui=ui)


def set_autostart(enabled):
    cmds.optionVar(intValue=(AUTOSTART, int(bool(enabled))))
