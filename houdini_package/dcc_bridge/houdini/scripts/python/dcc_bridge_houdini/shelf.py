"""What the DCC Bridge shelf tools do. The shelf XML only calls these functions.

Every tool reports through ``feedback`` (a dialog or the status bar) and never lets a traceback reach the
user: failures are shown with what to do, the traceback tucked into the dialog's details.
"""
import dataclasses

from bridge_core import BridgeError

from . import feedback, live_link, maya_link, prefs, server


def start_server():
    running = server.SERVER.current()
    if running is not None:
        feedback.message(f"The DCC Bridge server is already running on {running.host}:{running.port}.")
        return running
    try:
        started, note = server.SERVER.start()
    except (BridgeError, OSError) as exc:
        feedback.failure("start the DCC Bridge server", exc)
        return None
    text = f"DCC Bridge: listening on {started.host}:{started.port}"
    feedback.status(text + (f" ({note})" if note else ""))
    return started


def stop_server():
    if server.SERVER.stop():
        feedback.status("DCC Bridge: server stopped")
    else:
        feedback.message("The DCC Bridge server is not running; nothing to stop.")


def show_status():
    autostart, source = prefs.autostart()
    text = server.SERVER.describe()
    text += f"\nAutostart: {'on' if autostart else 'off'} (from {source})"
    text += f"\nMaya: {maya_link.link().describe()}"
    feedback.message(text)
    return text


def toggle_autostart():
    enabled, source = prefs.autostart()
    if source == "DCC_BRIDGE_AUTOSTART":
        feedback.message(f"Autostart is {'on' if enabled else 'off'} because DCC_BRIDGE_AUTOSTART is set in your "
                         f"environment (or houdini.env); change it there.")
        return enabled
    path = prefs.set_autostart(not enabled)
    feedback.message(f"Autostart is now {'on' if not enabled else 'off'} for future Houdini sessions "
                     f"(remembered in {path}).")
    return not enabled


def connect_to_maya():
    import hou

    local = maya_link.sessions()
    remote, problem = maya_link.registry_sessions(exclude=local)
    found = local + remote
    if not found:
        feedback.message("No Maya session with the bridge server running was found on this machine"
                         + (f" (the registry was not asked: {problem})" if problem else "") + ". "
                         + maya_link.HOW_TO_CONNECT)
        return None
    chosen = found[0]
    if len(found) > 1 and hou.isUIAvailable():
        labels = [_maya_label(s) for s in found]
        picked = hou.ui.selectFromList(labels, exclusive=True, title="Connect to Maya",
                                       message="Several Maya sessions are serving. Connect to:")
        if not picked:
            return None
        chosen = found[picked[0]]
    if chosen.pid is None and hou.isUIAvailable():  # a registry's session, on another machine: its token?
        button, typed = hou.ui.readInput(f"Token of the Maya at {chosen.address}\n(from its session file; leave "
                                         f"empty to use DCC_BRIDGE_TOKEN):", buttons=("OK", "Cancel"),
                                         close_choice=1, title="Connect to Maya")
        if button != 0:
            return None
        if typed.strip():
            chosen = dataclasses.replace(chosen, token=typed.strip())
    try:
        maya_link.connect(chosen)
    except BridgeError as exc:
        feedback.failure(f"connect to Maya at {chosen.address}", exc)
        return None
    where = f"at {chosen.address}" if chosen.pid is None else f"pid {chosen.pid}, port {chosen.port}"
    feedback.status(f"DCC Bridge: connected to Maya ({where}); use hou.session.cmds in the Python Shell")
    return chosen


def _maya_label(session):
    """How the Connect to Maya list names a session: this machine's by pid and port, a registry's by address
    (connecting to it asks for its token)."""
    if session.pid is None:
        return f"Maya at {session.address} (registry)"
    return f"Maya pid {session.pid} on port {session.port}" + (f" - {session.scene}" if session.scene else "")


# ---------------------------------------------------------------------------------------------- pipeline


# the pipeline and live-link tools: a failure is one clear message (not connected, hython, the other side refused)
def _pipeline_tool(action, run):
    from bridge_core.errors import TransferCancelled

    try:
        return run()
    except TransferCancelled as exc:
        feedback.status(f"DCC Bridge: {action} {exc}", warning=True)
    except Exception as exc:  # bridge errors and bugs alike: a message, the traceback in its details
        feedback.failure(action, exc)
    return None


def send_to_maya():
    from . import pipeline

    return _pipeline_tool("send to Maya", pipeline.send_to_maya)


def import_from_maya():
    from . import pipeline

    return _pipeline_tool("import from Maya", pipeline.import_from_maya)


# --------------------------------------------------------------------------------------------- live link


def live_link_follow_maya():
    """Houdini follows Maya's time slider and camera (click again: off)."""
    return _pipeline_tool("start the live link (follow Maya)", live_link.toggle_follow)


def live_link_follow_houdini():
    """Maya follows this Houdini's playbar and camera (click again: off)."""
    return _pipeline_tool("start the live link (follow Houdini)", live_link.toggle_lead)
