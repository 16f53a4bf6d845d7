"""Telling the Houdini user what happened: a dialog or the status bar in the UI, the console in hython.

    feedback.message("DCC Bridge is already running on port 18811.")
    feedback.status("DCC Bridge: listening on 127.0.0.1:18811")
"""
import logging
import traceback

import hou

log = logging.getLogger("dcc_bridge.houdini")

TITLE = "DCC Bridge"


def message(text, error=False, details=None):
    """A dialog in the UI (hython: the console and the log)."""
    (log.error if error else log.info)("%s", text)
    if hou.isUIAvailable():
        severity = hou.severityType.Error if error else hou.severityType.Message
        hou.ui.displayMessage(text, severity=severity, title=TITLE, details=details)
    else:
        print(f"{TITLE}: {text}")


def status(text, warning=False):
    """The status bar in the UI (hython: the log)."""
    log.info("%s", text)
    if hou.isUIAvailable():
        hou.ui.setStatusMessage(text, severity=hou.severityType.Warning if warning else hou.severityType.Message)


def failure(action, exc):
    """Report an exception from a user action without a traceback dump (the traceback goes to details)."""
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    text = f"Could not {action}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    status(f"{TITLE}: {text}", warning=True)
    message(text, error=True, details=details)
