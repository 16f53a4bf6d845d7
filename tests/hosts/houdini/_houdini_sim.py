"""Private controls of the Houdini stand-in: what a test, or the simulated Houdini session, does as Houdini
and as its user. It lives beside the ``hou`` package (not in it), so the real API's names stay the only public
ones there.

Session:
    mode()                        "hython", "starting" (graphical, UI not built yet) or "gui"
    set_hython()                  become hython: no UI, no hdefereval, no thread rules
    set_graphical(starting=False) become a graphical Houdini (``starting=True``: its UI is not up yet, as during
                                  pythonrc.py: hou.ui raises hou.NotAvailable "The UI is not created yet")
    enable_ui()                   a graphical Houdini whose UI is up (hou.ui works)
    reset(mode="hython")          forget everything: a new scene (and an empty hou.session), no records, answers or
                                  counts, frame 1 at 24 fps
    set_version("20.5.487")       the version hou.applicationVersion() claims; version() reads it
    set_shell_thread(thread)      the Python Shell pane's own thread: hou is usable there, the main thread free

The user:
    queue_answer(value)           the answer to the next dialog (forms: see hou/_ui.py); pending_answers()
    modal_dialogs(on=True)        dialogs with no answer queued hold the main thread until one is queued
    waiting_dialog()              the modal dialog waiting for an answer, or None (any thread)
    clear_answers()               forget answers not used yet
    api_seconds(reset=False)      seconds spent inside outermost hou calls (the benchmark's stand-in share)
    interrupt(after_updates=0)    press Esc on the running InterruptableOperation (its next update raises; or
                                  the update after ``after_updates`` more, part-way through)

What the user saw, and what the threading rules saw:
    messages()                    hou.ui.displayMessage records (dicts: text, buttons, severity, title, answer ...)
    dialogs()                     every dialog record, in order (each with its "kind")
    status_messages()             texts shown in the status bar, in order
    records()                     everything recorded (dialogs, status, progress, crashes, hangs), in order
    off_main_calls()              names of hou calls made off the main thread in a graphical session
    off_main_call_count()         how many (the name list keeps the first 10,000); reset_off_main_calls()
    shown()                       all of the above as one JSON-able dict (the session's "shown" request)
"""
import sys

from hou import _app, _hipfile, _rules, _scene, _ui
from hou._state import GUI, HYTHON, MODES, SESSION, STARTING

__all__ = ["mode", "set_hython", "set_graphical", "enable_ui", "reset", "set_version", "version",
           "set_shell_thread",
           "queue_answer", "modal_dialogs", "waiting_dialog", "pending_answers", "clear_answers", "interrupt", "messages", "dialogs",
           "status_messages", "records", "off_main_calls", "off_main_call_count", "reset_off_main_calls",
           "shown"]

_DIALOGS = ("displayMessage", "displayCustomConfirmation", "displayConfirmation", "readInput", "selectFromList")


# ---------------------------------------------------------------------------------------------- session

def mode():
    return SESSION.mode


def _set_mode(new_mode):
    if new_mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {new_mode!r}")
    with SESSION.lock:
        SESSION.mode = new_mode
    hou = sys.modules["hou"]
    if new_mode == HYTHON:
        sys.modules.pop("hdefereval", None)  # imported in a graphical session; hython cannot import it
        # hython's hou module has no ui attribute at all (public pipelines test hasattr(hou, "ui") to tell)
        vars(hou).pop("ui", None)
    else:
        hou.ui = _ui.ui


def set_shell_thread(thread):
    """The thread the Python Shell pane runs typed code on (its hou calls are Houdini's own, see hou/_rules)."""
    SESSION.shell_thread = thread


def set_hython():
    _set_mode(HYTHON)


def set_graphical(starting=False):
    _set_mode(STARTING if starting else GUI)


def enable_ui():
    _set_mode(GUI)


def reset(mode=HYTHON):
    """A fresh process's state in ``mode``: new scene and scene file, no records, answers or counts."""
    with SESSION.lock:
        _scene.SCENE.reset()
        _hipfile.HIP.reset()
        _app.TIME.reset()
        _ui.reset()
        _hipfile.new_session_module()  # hou.session: the new scene's module is empty
        SESSION.event_callbacks.clear()
        SESSION.clear_records()
        SESSION.modal = False
    _set_mode(mode)


def set_version(version):
    parts = tuple(int(p) for p in str(version).split("."))
    if len(parts) != 3:
        raise ValueError(f"a Houdini version has three parts (20.5.487), not {version!r}")
    SESSION.version = parts


def version():
    return ".".join(map(str, SESSION.version))


# --------------------------------------------------------------------------------------------- the user

def queue_answer(value):
    """Any thread: the answer to the next dialog (a modal dialog waiting for one takes it at once)."""
    with SESSION.answer_ready:
        SESSION.answers.append(value)
        SESSION.answer_ready.notify_all()


def modal_dialogs(on=True):
    """Dialogs with no answer queued wait for one (modal, holding the main thread) instead of taking Enter."""
    SESSION.modal = bool(on)


def waiting_dialog():
    """Any thread: the modal dialog waiting for the user's answer ({"dialog": name}), or None."""
    return SESSION.waiting


def pending_answers():
    with SESSION.lock:
        return list(SESSION.answers)


def clear_answers():
    with SESSION.lock:
        SESSION.answers.clear()


def api_seconds(reset=False):
    """Seconds this process spent inside outermost hou calls (``reset``: start again)."""
    return _rules.api_seconds(reset)


def interrupt(after_updates=0):
    """Press Esc: the running InterruptableOperation's next update raises (or the one after ``after_updates``
    more updates, for pressing it part-way through a long operation)."""
    with SESSION.lock:
        SESSION.interrupt_requested = int(after_updates)


# ------------------------------------------------------------------------------------- what was shown

def records():
    with SESSION.lock:
        return [dict(r) for r in SESSION.records]


def dialogs():
    return [r for r in records() if r["kind"] in _DIALOGS]


def messages():
    return [r for r in records() if r["kind"] == "displayMessage"]


def status_messages():
    return [r["text"] for r in records() if r["kind"] == "status"]


def off_main_calls():
    with SESSION.lock:
        return list(SESSION.off_main)


def off_main_call_count():
    return SESSION.off_main_count


def reset_off_main_calls():
    with SESSION.lock:
        SESSION.off_main = []
        SESSION.off_main_count = 0


def shown():
    """What the simulated Houdini showed, JSON-able: the simulated session answers its "shown" request with it."""
    everything = records()
    return {
        "mode": SESSION.mode,
        "version": version(),
        "messages": [r for r in everything if r["kind"] == "displayMessage"],
        "dialogs": [r for r in everything if r["kind"] in _DIALOGS],
        "status": [r["text"] for r in everything if r["kind"] == "status"],
        "progress": [r for r in everything if r["kind"] == "progress"],
        "crashes": [r for r in everything if r["kind"] == "crash"],
        "hangs": [r for r in everything if r["kind"] == "hang"],
        "records": everything,
        "pending_answers": pending_answers(),
        "off_main_thread_calls": off_main_call_count(),
        "off_main_thread_names": off_main_calls()[:1000],
    }

