"""The "Houdini Bridge" menu in Maya's main menu bar, and what its items do.

Built from ``startup`` inside ``maya.utils.executeDeferred`` (the main window exists by then), rebuilt from
scratch on every call (an existing menu is deleted first, so there is only ever one), never in batch mode.
Every command reports through ``feedback`` and never lets a traceback reach the user.
"""
import functools
import os

from maya import cmds

from . import feedback, houdini_link, live_link, prefs, server
from .executor import is_batch

MENU = "dccBridgeHoudiniMenu"
OTHER_MACHINE = "Other machine..."
CANCEL = "Cancel"
MAX_LISTED = 6
# pipeline commands: (label, function) in menu order
PIPELINE_ITEMS = [
    ("Send Selection to Houdini", lambda: _pipeline().send_selection_command()),
    ("Import from Houdini...", lambda: _pipeline().import_command()),
]


def _pipeline():
    from . import pipeline

    return pipeline

LIVE_LINK_ITEMS = [("Live Link: Follow Maya", live_link.toggle_lead),      # Houdini follows Maya (toggle)
                   ("Live Link: Follow Houdini", live_link.toggle_follow)]  # Maya follows Houdini (toggle)
# what a failing item says it could not do ("Could not send the selection to Houdini: nothing is selected")
ACTIONS = {"Send Selection to Houdini": "send the selection to Houdini",
           "Import from Houdini...": "import from Houdini",
           "Live Link: Follow Maya": "switch the live link (Houdini follows Maya)",
           "Live Link: Follow Houdini": "switch the live link (Maya follows Houdini)"}


def _command(action, fn):
    """A menuItem command: run ``fn``; report failures instead of raising into Maya's UI."""
    @functools.wraps(fn)
    def run(*_checked):
        try:
            return fn()
        except Exception as exc:  # bridge errors and bugs alike: one clear line for the user, details in the log
            feedback.failure(action, exc)
        return None
    return run


def build():
    """(Re)create the menu; returns its name, or None in batch mode."""
    if is_batch():
        return None
    if cmds.menu(MENU, exists=True):
        cmds.deleteUI(MENU, menu=True)
    cmds.menu(MENU, parent="MayaWindow", label="Houdini Bridge", tearOff=True)
    cmds.menuItem(label="Connect to Houdini...", command=_command("connect to Houdini", connect_dialog))
    cmds.menuItem(label="Disconnect", command=_command("disconnect", disconnect))
    cmds.menuItem(label="Status", command=_command("show the status", show_status))
    cmds.menuItem(divider=True)
    cmds.menuItem(label="Start Maya Server", command=_command("start the Maya server", start_server))
    cmds.menuItem(label="Stop Maya Server", command=_command("stop the Maya server", stop_server))
    cmds.menuItem(label="Toggle Server Autostart", command=_command("change autostart", toggle_autostart))
    if PIPELINE_ITEMS or LIVE_LINK_ITEMS:
        cmds.menuItem(divider=True)
        for label, fn in PIPELINE_ITEMS + LIVE_LINK_ITEMS:
            cmds.menuItem(label=label, command=_command(ACTIONS.get(label, label.lower().rstrip(".")), fn))
    return MENU


# ---------------------------------------------------------------------------------------------- connect


def session_label(session):
    """How the Connect dialog names a Houdini session: pid, port and the scene's file name (a registry's: its
    address)."""
    if getattr(session, "registry", None):
        return f"Houdini at {session.address} (registry)"
    scene = os.path.basename(session.scene) if session.scene else ""
    return f"Houdini pid {session.pid}, port {session.port}" + (f", {scene}" if scene else "")


def connect_dialog():
    link = houdini_link.link()
    if link.connected:
        feedback.dialog(f"Already {link.describe()}. Choose Disconnect first to connect to another Houdini.")
        return None
    local = houdini_link.sessions()[:MAX_LISTED]
    remote, problem = houdini_link.registry_sessions(exclude=local)
    found = local + remote[:MAX_LISTED]
    labels = [session_label(s) for s in found]
    last = prefs.last_houdini()
    default = next((label for label, s in zip(labels, found) if f"{s.host}:{s.port}" == last),
                   labels[0] if labels else OTHER_MACHINE)
    message = ("Connect to which Houdini?" if found else
               "No Houdini with the bridge server running was found on this machine.\n"
               "In Houdini: DCC Bridge shelf > Start Bridge Server. Or connect to another machine:")
    if problem:
        message += f"\n(The registry was not asked: {problem})"
    answer = cmds.confirmDialog(title="Connect to Houdini", message=message,
                                button=labels + [OTHER_MACHINE, CANCEL], defaultButton=default,
                                cancelButton=CANCEL, dismissString=CANCEL)
    if answer == CANCEL:
        return None
    if answer == OTHER_MACHINE:
        return _connect_by_hand(last)
    session = found[labels.index(answer)]
    if getattr(session, "registry", None):  # another machine: its token is not here
        return _connect_with_token(session.host, session.port)
    return _connected(houdini_link.connect(session.host, session.port, session.token))


def _prompt(title, message, text=""):
    answer = cmds.promptDialog(title=title, message=message, text=text, button=["OK", CANCEL],
                               defaultButton="OK", cancelButton=CANCEL, dismissString=CANCEL)
    return None if answer != "OK" else cmds.promptDialog(query=True, text=True)


def _connect_by_hand(last):
    address = _prompt("Connect to Houdini", "Houdini's address (host:port):", last or "127.0.0.1:18811")
    if address is None:
        return None
    return _connect_with_token(*houdini_link.parse_address(address))


def _connect_with_token(host, port):
    token = _prompt("Connect to Houdini", f"Token of the Houdini at {host}:{port}\n(from its session file; "
                    f"leave empty to use DCC_BRIDGE_TOKEN or this machine's session file):")
    if token is None:
        return None
    return _connected(houdini_link.connect(host, port, token.strip()))


def _connected(bridge):
    prefs.remember_houdini(bridge.host, bridge.port)
    feedback.info(f"connected to Houdini at {bridge.host}:{bridge.port}. 'hou' is ready in the Script Editor.")
    return bridge


def disconnect():
    link = houdini_link.link()
    if not link.connected:
        feedback.warning("not connected to Houdini; nothing to disconnect.")
        return
    link.disconnect()
    feedback.info("disconnected from Houdini.")


def show_status():
    link = houdini_link.link()
    lines = [f"Houdini: {link.describe()}"]
    if link.connected:
        lines.append(f"Round trip: {link.bridge.ping() * 1000:.2f} ms")
    autostart, source = prefs.autostart()
    lines += ["", server.SERVER.describe(), f"Autostart: {'on' if autostart else 'off'} (from {source})"]
    text = "\n".join(lines)
    feedback.dialog(text)
    return text


# ---------------------------------------------------------------------------------------------- server


def start_server():
    running = server.SERVER.current()
    if running is not None:
        feedback.warning(f"the Maya server is already running on {running.host}:{running.port}.")
        return running
    started, note = server.SERVER.start()
    feedback.info(f"Maya server listening on {started.host}:{started.port}" + (f" ({note})" if note else "")
                  + ". In Houdini: DCC Bridge shelf > Connect to Maya.")
    return started


def stop_server():
    if server.SERVER.stop():
        feedback.info("Maya server stopped.")
    else:
        feedback.warning("the Maya server is not running; nothing to stop.")


def toggle_autostart():
    enabled, source = prefs.autostart()
    if source == "DCC_BRIDGE_AUTOSTART":
        feedback.dialog(f"Autostart is {'on' if enabled else 'off'} because DCC_BRIDGE_AUTOSTART is set in the "
                        f"environment (or Maya.env); change it there.")
        return enabled
    prefs.set_autostart(not enabled)
    feedback.info(f"the Maya server will {'now' if not enabled else 'no longer'} start with Maya.")
    return not enabled
