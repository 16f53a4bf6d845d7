"""Private controls of the Maya stand-in: what a test, or the simulated Maya session, does as Maya and as the user.

It lives beside the ``maya`` package (not in it), so the real API's names stay the only public ones there.

Session:
    enable_gui(ui=True)      become a graphical Maya (main window "MayaWindow", UI commands work, idle events);
                             ui=False: still starting, no UI yet (userSetup.py time); show_ui() brings it up
    reset(mode="batch")      forget everything and start afresh: "not started" (plain import), "batch", "gui"
    mode()                   "not started", "batch" or "gui"
    set_version("2025")      the Maya version to claim (about, apiVersion); version() reads it
    quit()                   as the user quitting: fire quitApplication jobs, save prefs (graphical only)
    load_prefs(folder)       read <folder>/userPrefs.mel (option variables); save_prefs(force=False) writes it

The user:
    queue_answer(value)      the answer to the next dialog (see maya/cmds/_dialogs.py for the forms)
    pending_answers()        answers not yet used
    modal_dialogs(on=True)   dialogs with no answer queued hold the main thread until one is queued
    waiting_dialog()         the modal dialog waiting for an answer, or None (any thread)
    pick_menu_item("Menu", "Sub-menu", "Item", option_box=False)   run a main-window menu item as a click
    set_text(control, text)  type into a text field; click(control) presses a button (name or label)
    cancel_progress()        press Esc on the progress window

What the user saw:
    shown()                  {"warnings", "errors", "infos", "dialogs", "headsUp", "inView", "windows",
                              "progress", "menuPicks", "commandPorts", "menus", "records"} (JSON-able)
    menus()                  the main window's menus as nested dicts
"""
import os
from pathlib import Path

from maya import _events, _session, _ui
from maya._session import SESSION

MODES = (_session.NOT_STARTED, _session.BATCH, _session.GUI)


def enable_gui(ui=True):
    """Turn this process into a graphical Maya (keeps the scene, option variables and records). ``ui=False``:
    Maya still initializing, its UI not built yet (userSetup.py time: UI commands raise); ``show_ui()`` then."""
    if SESSION.mode != _session.GUI:
        _session.start(_session.GUI, ui=ui)
    elif ui and not SESSION.ui_ready:
        _session.show_ui()


def show_ui():
    """The graphical Maya's UI comes up (main window, UI commands), as after userSetup.py at start-up."""
    if SESSION.mode != _session.GUI:
        raise RuntimeError("show_ui(): this is not a graphical session (enable_gui(ui=False) first)")
    if not SESSION.ui_ready:
        _session.show_ui()


def reset(mode=_session.BATCH):
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    _session.reset(mode)


def mode():
    return SESSION.mode


def set_version(version):
    version = str(version)
    if version.split(".")[0] not in _session.VERSIONS:
        raise ValueError(f"the stand-in knows Maya {sorted(_session.VERSIONS)}, not {version}")
    SESSION.version = version


def version():
    return SESSION.version


def quit():
    """The user quits Maya: quitApplication jobs run, then a graphical Maya saves its preferences."""
    _events.fire("quitApplication")
    save_prefs()


# ------------------------------------------------------------------------------------------------ prefs


def load_prefs(folder):
    """Use ``<folder>/userPrefs.mel`` for option variables: read it now (if it exists), save there later."""
    from maya.cmds import _app

    path = Path(folder) / "userPrefs.mel"
    SESSION.prefs_file = path
    if path.is_file():
        SESSION.option_vars.update(_app.read_prefs(path.read_text(encoding="utf-8")))
    return path


def save_prefs(force=False):
    """Write the option variables, as Maya does when a graphical session quits (mayapy does not save them)."""
    from maya.cmds import _app

    if SESSION.prefs_file is None or (not _session.is_gui() and not force):
        return None
    SESSION.prefs_file.parent.mkdir(parents=True, exist_ok=True)
    temp = SESSION.prefs_file.with_suffix(".tmp")
    temp.write_text(_app.prefs_text(), encoding="utf-8")
    os.replace(temp, SESSION.prefs_file)
    return SESSION.prefs_file


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


def pick_menu_item(*labels, option_box=False):
    _session.check_main_thread("pick_menu_item")
    _ui.pick_menu_item(*labels, option_box=option_box)


def _control(name):
    element = _ui.UI.get(name) or next((e for e in _ui.UI.elements.values() if e.props.get("label") == name), None)
    if element is None:
        raise LookupError(f"no UI control named or labelled {name!r}")
    return element


def set_text(control, text):
    element = _control(control)
    if "text" not in element.props:
        raise LookupError(f"{control!r} is not a text field")
    element.props["text"] = text
    for key in ("textChangedCommand", "changeCommand"):
        if element.props.get(key) is not None:
            _ui.run_callback(element.props[key], f"textField {element.name} {key}", text)


def click(control):
    _session.check_main_thread("click")
    element = _control(control)
    if not element.props.get("enable", True):
        raise LookupError(f"{control!r} is disabled")
    _session.record("click", control=element.name, label=element.props.get("label"))
    if element.props.get("command") is not None:
        _ui.run_callback(element.props["command"], f"button {element.name}", False)


def cancel_progress():
    if _ui.UI.progress is None:
        raise LookupError("no progress window is showing")
    if not _ui.UI.progress.get("isInterruptable"):
        raise LookupError("the progress window is not interruptable")
    _ui.UI.progress["isCancelled"] = True


# ------------------------------------------------------------------------------------------ what was shown

_GROUPS = {"warning": "warnings", "error": "errors", "info": "infos", "dialog": "dialogs", "headsUp": "headsUp",
           "inView": "inView", "window": "windows", "progress": "progress", "menuPick": "menuPicks",
           "commandPort": "commandPorts", "click": "clicks"}


def shown():
    result = {group: [] for group in _GROUPS.values()}
    for entry in SESSION.records:
        group = _GROUPS.get(entry["kind"])
        if group in ("warnings", "errors", "infos"):
            result[group].append(entry["text"])
        elif group is not None:
            result[group].append({k: v for k, v in entry.items() if k != "kind"})
    result["menus"] = menus()
    result["records"] = [dict(e) for e in SESSION.records]
    return result


def menus():
    return _ui.menus()
