"""DCC Bridge inside Maya: the "Houdini Bridge" menu, ``hou`` in the Script Editor, and a Maya-side server.

Modules: ``startup`` (what userSetup.py calls), ``menu`` (the menu and its commands), ``houdini_link`` (Maya
driving Houdini: the stable ``hou``), ``server`` (this Maya's bridge server, so Houdini can drive Maya),
``prefs`` (optionVars), ``executor`` (requests on Maya's main thread), ``feedback`` (warnings and dialogs).
"""
from . import _bootstrap  # noqa: F401  (makes bridge_core importable in a development checkout)
