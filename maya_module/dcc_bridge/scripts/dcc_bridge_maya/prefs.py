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


def autostart():
    """``(enabled, source)``."""
    from_env = config.load().autostart
    if from_env is not None:
        return from_env, "DCC_BRIDGE_AUTOSTART"
    if cmds.optionVar(exists=AUTOSTART):
        return bool(cmds.optionVar(query=AUTOSTART)), "the menu"
    return False, "the default"


def set_autostart(enabled):
    cmds.optionVar(intValue=(AUTOSTART, int(bool(enabled))))
