"""DCC Bridge inside Houdini: the server behind the shelf, autostart, and the link to Maya.

Modules: ``startup`` (what pythonrc.py / uiready.py call), ``server`` (start, stop, status of this Houdini's
bridge server), ``maya_link`` (Houdini driving Maya: ``hou.session.cmds``), ``shelf`` (the shelf tools'
functions; the shelf XML only calls them), ``prefs`` (the remembered autostart choice), ``executor`` (runs
requests on Houdini's main thread), ``feedback`` (messages to the user).
"""
from . import _bootstrap  # noqa: F401  (makes bridge_core importable in a development checkout)
