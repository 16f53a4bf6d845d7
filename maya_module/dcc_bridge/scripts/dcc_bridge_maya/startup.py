"""What userSetup.py calls: build the menu and bind ``hou`` once Maya is ready; autostart the server if asked.

Graphical Maya: everything happens in ``maya.utils.executeDeferred`` (after the main window exists). mayapy
batch: no menu, and no autostart: requests must run on Maya's main thread, which belongs to the batch script;
with ``DCC_BRIDGE_AUTOSTART=headless`` a warning says how the script serves (``start_server(use_thread=False)``).
Safe to run twice (one menu, one server), and never raises into Maya's start-up.
"""
import logging
import sys

log = logging.getLogger("dcc_bridge.maya")


def run():
    if sys.version_info < (3, 9):
        log.warning("DCC Bridge needs Maya 2023 or newer (Python 3.9+); this is Python %s", sys.version.split()[0])
        return
    try:
        from .executor import is_batch

        if is_batch():
            _explain_batch_autostart()
        else:
            import maya.utils

            maya.utils.executeDeferred(_gui_ready)
    except Exception:
        log.exception("DCC Bridge could not run its start-up step; Maya continues without it")


def _gui_ready():
    try:
        from . import houdini_link, menu

        menu.build()
        houdini_link.bind_hou()
    except Exception:
        log.exception("DCC Bridge could not build its menu; Maya continues without it")
    try:
        _autostart()
    except Exception:
        log.exception("DCC Bridge could not run its autostart step; Maya continues without it")


def _explain_batch_autostart():
    from . import feedback, prefs

    enabled, source = prefs.autostart(ui=False)
    if enabled:
        feedback.warning(f"autostart ({source}) does not apply to mayapy: Maya's main thread belongs to your "
                         f"script. Serve from it with bridge_core.start_server(use_thread=False, app='maya') "
                         f"(or 'mayapy -m bridge_core serve --app maya').")


def _autostart():
    """Start the server if asked; a failure (a busy port ...) is told as the menu item tells it, as Houdini's
    autostart tells it through its shelf: one line saying what happened, never a traceback."""
    from bridge_core import BridgeError

    from . import feedback, menu, prefs, server

    try:
        enabled, source = prefs.autostart()
    except BridgeError as exc:  # a DCC_BRIDGE_* setting that cannot be used (a weak DCC_BRIDGE_TOKEN ...)
        feedback.failure("read the DCC Bridge settings", exc)
        return
    if enabled and server.SERVER.current() is None:
        log.info("DCC Bridge: starting the Maya server (autostart from %s)", source)
        try:
            menu.start_server()
        except (BridgeError, OSError) as exc:
            feedback.failure("start the Maya server", exc)
