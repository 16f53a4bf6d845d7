"""What Houdini's start-up scripts call: autostart the server when the user asked for it.

* ``on_pythonrc`` (GUI, hython and hbatch, before the UI): Houdini runs pythonrc.py in every session, so every
  farm and PDG hython would open a port if ``DCC_BRIDGE_AUTOSTART=1`` (in houdini.env) were enough. Sessions
  without a UI start serving (in the background while the hython script runs) only with
  ``DCC_BRIDGE_AUTOSTART=headless``. A graphical session waits for the UI.
* ``on_uiready`` (GUI only): start serving when autostart is on (environment or the shelf's remembered
  choice), with requests on the main thread; the status bar says where it listens.

Both are safe to call twice and never raise into Houdini's start-up.
"""
import logging
import sys

log = logging.getLogger("dcc_bridge.houdini")


def _supported():
    if sys.version_info < (3, 9):
        log.warning("DCC Bridge needs Houdini with Python 3.9 or newer; this is %s", sys.version.split()[0])
        return False
    return True


def on_pythonrc():
    if not _supported():
        return
    try:
        import hou

        from bridge_core import BridgeError

        from . import prefs, shelf

        try:
            headless = not hou.isUIAvailable() and prefs.autostart(ui=False)[0]
        except BridgeError as exc:  # one line, no traceback: hython's output is a farm job's log
            log.warning("DCC Bridge: cannot read its settings: %s", exc)
            return
        if headless:
            shelf.start_server()
    except Exception:
        log.exception("DCC Bridge could not run its start-up step; Houdini continues without it")


def on_uiready():
    if not _supported():
        return
    try:
        from bridge_core import BridgeError

        from . import feedback, prefs, server, shelf

        try:
            enabled, source = prefs.autostart()
        except BridgeError as exc:  # a DCC_BRIDGE_* setting that cannot be used (a weak DCC_BRIDGE_TOKEN ...)
            feedback.failure("read the DCC Bridge settings", exc)
            return
        if enabled and server.SERVER.current() is None:
            log.info("DCC Bridge autostart (from %s)", source)
            shelf.start_server()
    except Exception:
        log.exception("DCC Bridge could not run its start-up step; Houdini continues without it")
