"""Modal dialogs, the progress window and viewport messages (graphical sessions only).

A dialog takes the simulated user's next queued answer (``_maya_sim.queue_answer``):

* a string: the button pressed (``layoutDialog``: the string its buttons dismiss it with);
* ``{"button": "OK", "text": "typed"}`` for ``promptDialog`` (the text replaces the field's content);
* ``{"fields": {"textField1": "typed"}, "click": "Connect"}`` for ``layoutDialog``: type into the dialog's text
  fields (by name or label), then click a button by label (its command should call ``layoutDialog(dismiss=)``);
* ``{"dismiss": True}``: the user closes the dialog (it returns its dismiss string, "dismiss" by default).

With no answer queued the user presses Enter: the default button, or the dismiss string when there is none; with
``_maya_sim.modal_dialogs(True)`` the dialog is modal instead and holds the main thread until an answer comes.
An answer naming a button the dialog does not have is a mistake in the test: it is recorded and raised.
"""
from .. import _session
from .._ui import UI, run_callback
from ._registry import command

_DIALOG_FLAGS = "title/t:s message/m:s messageAlign/ma:s button/b:s* defaultButton/db:s cancelButton/cb:s " \
                "dismissString/ds:s parent/p:s backgroundColor/bgc:x"


def _buttons(flags):
    value = flags.get("button", [])
    return [value] if isinstance(value, str) else list(value)


def _press(command_name, flags, entry, answer):
    buttons = _buttons(flags)
    dismiss = flags.get("dismissString", "dismiss")
    if answer is None:
        return flags.get("defaultButton", dismiss)
    if isinstance(answer, dict) and answer.get("dismiss"):
        return dismiss
    button = answer.get("button") if isinstance(answer, dict) else answer
    if button is None:
        return flags.get("defaultButton", dismiss)
    if button not in buttons:
        entry["simulationError"] = f"answer {button!r} is not one of the buttons {buttons}"
        raise AssertionError(f"{command_name}: the simulated user answered {button!r}, but the dialog's buttons "
                             f"are {buttons}")
    return button


@command(_DIALOG_FLAGS + " icon/icn:s annotation/ann:s*", args=0, ui=True)
def confirmDialog(args, flags):
    """A message with buttons; returns the label of the button the user pressed."""
    entry = _session.record("dialog", command="confirmDialog", title=flags.get("title", ""),
                            message=flags.get("message", ""), buttons=_buttons(flags))
    entry["answer"] = _press("confirmDialog", flags, entry, _session.next_answer("confirmDialog"))
    return entry["answer"]


_PROMPT = {"text": ""}


@command(_DIALOG_FLAGS + " query/q:b text/tx:s? scrollableField/sf:b style/st:s", args=0, ui=True)
def promptDialog(args, flags):
    """A message, a text field and buttons; returns the button; ``promptDialog(q=True, text=True)`` the text."""
    if flags.get("query"):
        if not flags.get("text"):
            raise RuntimeError("promptDialog: query the text flag.")
        return _PROMPT["text"]
    answer = _session.next_answer("layoutDialog")
    entry = _session.record("dialog", command="promptDialog", title=flags.get("title", ""),
                            message=flags.get("message", ""), buttons=_buttons(flags), text=flags.get("text", ""))
    typed = answer.get("text") if isinstance(answer, dict) else None
    entry["answer"] = _press("promptDialog", flags, entry, answer)
    _PROMPT["text"] = typed if typed is not None else flags.get("text", "")
    entry["typed"] = _PROMPT["text"]
    return entry["answer"]


@command("title/t:s uiScript/ui:c dismiss/dis:s parent/p:s backgroundColor/bgc:x resizable/res:b", args=0,
         ui=True)
def layoutDialog(args, flags):
    """A dialog built by ``uiScript`` inside a form layout; returns the string it was dismissed with."""
    if "dismiss" in flags:
        if not UI.dialog_stack:
            raise RuntimeError("layoutDialog: There is no layout dialog to dismiss.")
        UI.dialog_stack[-1]["dismissed"] = flags["dismiss"]
        return None
    answer = _session.next_answer("layoutDialog")
    entry = _session.record("dialog", command="layoutDialog", title=flags.get("title", ""))
    window = UI.add(UI.auto_name("layoutDialog"), "window", None, {"title": flags.get("title", "")})
    form = UI.add(UI.auto_name("formLayout"), "layout", window, {})
    saved, UI.parent = UI.parent, form
    UI.dialog_stack.append(entry)
    try:
        if "uiScript" in flags:
            run_callback(flags["uiScript"], "layoutDialog uiScript")
        entry["layout"] = UI.describe(window)
        entry["answer"] = _answer_layout(entry, window, answer)
    finally:
        UI.dialog_stack.pop()
        entry.pop("dismissed", None)
        UI.parent = saved if saved is None or saved.name in UI.elements else None
        UI.remove(window)
    return entry["answer"]


def _answer_layout(entry, window, answer):
    if answer is None or (isinstance(answer, dict) and answer.get("dismiss")):
        return "dismiss"
    if isinstance(answer, str):
        return answer
    controls = []
    stack = [window]
    while stack:
        element = stack.pop()
        controls.append(element)
        stack.extend(element.children)
    for key, typed in answer.get("fields", {}).items():
        field = next((c for c in controls if c.props.get("label", c.name) == key or c.name == key), None)
        if field is None or "text" not in field.props:
            entry["simulationError"] = f"no text field {key!r} in the dialog"
            raise AssertionError(f"layoutDialog: the simulated user typed into {key!r}, which the dialog lacks")
        field.props["text"] = typed
    if "click" in answer:
        target = next((c for c in controls if c.props.get("label") == answer["click"]), None)
        if target is None:
            entry["simulationError"] = f"no button {answer['click']!r} in the dialog"
            raise AssertionError(f"layoutDialog: the simulated user clicked {answer['click']!r}, which the "
                                 "dialog lacks")
        if target.props.get("command") is not None:
            run_callback(target.props["command"], f"button {target.name}", False)
    return entry.get("dismissed", "dismiss")


# ------------------------------------------------------------------------------------- progress & messages


@command("query/q:b edit/e:b title/t:s? status/st:s? progress/pr:i? minValue/min:i? maxValue/max:i? "
         "isInterruptable/ii:b? isCancelled/ic:b? endProgress/ep:b step/s:i", args=0, ui=True)
def progressWindow(args, flags):
    """Maya's progress window: begin (no flag), edit progress/status, query isCancelled, endProgress."""
    current = UI.progress
    if flags.get("query"):
        if current is None:
            return False if flags.get("isCancelled") else None
        wanted = [k for k, v in flags.items() if k != "query" and v is True]
        if len(wanted) != 1:
            raise RuntimeError("progressWindow: query exactly one flag.")
        return current.get(wanted[0])
    if flags.get("endProgress"):
        if current is not None:
            _session.record("progress", **dict(current, ended=True))
        UI.progress = None
        return None
    if current is None:
        if flags.get("edit"):
            raise RuntimeError("progressWindow: There is no progress window to edit.")
        current = UI.progress = {"title": "", "status": "", "progress": 0, "minValue": 0, "maxValue": 100,
                                 "isInterruptable": False, "isCancelled": False}
    for key in ("title", "status", "progress", "minValue", "maxValue", "isInterruptable"):
        if key in flags:
            current[key] = flags[key]
    if "step" in flags:
        current["progress"] += flags["step"]
    current["progress"] = max(current["minValue"], min(current["maxValue"], current["progress"]))
    _session.record("progress", **dict(current, ended=False))
    return True if not flags.get("edit") else None


@command("time/t:f object/o:s horizontalOffset/ho:i verticalOffset/vo:i selection/s:b viewport/vp:b "
         "uvTextureEditor/uve:b", args=1, ui=True)
def headsUpMessage(args, flags):
    """A short message over the viewport (recorded)."""
    if not args or not isinstance(args[0], str):
        raise RuntimeError("headsUpMessage: Not enough objects or values.")
    _session.record("headsUp", text=args[0], time=flags.get("time", 1.0))
    return None


@command("message/msg:s assistMessage/amg:s statusMessage/smg:s position/pos:s fade/f:b fadeStayTime/fst:i "
         "fadeInTime/fit:i fadeOutTime/fot:i clear/cl:s dragKill/dk:b clickKill/ck:b alpha/a:f backColor/bkc:i "
         "font/ft:s fontSize/fts:i frameOffset/fof:i textOffset/tof:i textAlpha/ta:f minimize/min:b "
         "restore/res:b hide/hd:b show/sh:b", args=0, ui=True)
def inViewMessage(args, flags):
    """A message in the viewport, e.g. ``inViewMessage(amg="Done", pos="midCenter", fade=True)`` (recorded)."""
    text = flags.get("message") or flags.get("assistMessage") or flags.get("statusMessage")
    if text is None:
        return None
    _session.record("inView", text=text, position=flags.get("position", "topCenter"))
    return None


@_session.on_reset
def _reset():
    _PROMPT["text"] = ""
