"""Telling the Maya user what happened, through Maya's usual channels.

``warning`` goes to the Script Editor and the command line (``cmds.warning``); ``dialog`` is for a failure
the user must act on (``cmds.confirmDialog``; in batch, the log); ``info`` is a line in the Script Editor.
"""
import logging
import traceback

from maya import cmds

from .executor import is_batch

log = logging.getLogger("dcc_bridge.maya")

TITLE = "Houdini Bridge"


def info(text):
    log.info("%s", text)
    print(f"{TITLE}: {text}")


def warning(text):
    log.warning("%s", text)
    cmds.warning(f"{TITLE}: {text}")


def dialog(text, buttons=("OK",)):
    """A modal message (batch: a warning); returns the button pressed."""
    if is_batch():
        warning(text)
        return buttons[0]
    return cmds.confirmDialog(title=TITLE, message=text, button=list(buttons), defaultButton=buttons[0],
                              cancelButton=buttons[-1], dismissString=buttons[-1])


def failure(action, exc):
    """Report an exception from a menu command: one clear line as a warning and a dialog, traceback in the log."""
    log.debug("%s failed:\n%s", action, "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    warning(f"could not {action}: {first_line}")
    dialog(f"Could not {action}:\n\n{first_line}")
