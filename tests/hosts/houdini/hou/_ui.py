"""``hou.ui`` (dialogs and the status bar) and ``hou.InterruptableOperation`` (progress), as a user meets them.

Where ``hou.ui`` works: only in a graphical Houdini whose UI is up. hython's ``hou`` has no ``ui`` attribute at all
(``_houdini_sim`` removes it from the module in hython and puts it back in a graphical session: public pipeline
code tells the two apart with ``hasattr(hou, "ui")``); in a graphical Houdini still starting (``pythonrc.py`` time)
they raise ``hou.NotAvailable`` with "The UI is not created yet", as Houdini does. Off the main thread they raise
``_rules.UIThreadError`` (Houdini crashes).

Dialogs are recorded (``SESSION.records``) and answered by the simulated user's next queued answer
(``_houdini_sim.queue_answer``), or, with none queued, as if the user pressed Enter (the default choice). With
``_houdini_sim.modal_dialogs(True)`` a dialog with no answer queued is modal, as Houdini's are: it holds the
main thread (no deferred work runs) until an answer is queued from another thread (``hostloop.take_answer``).
Answers: a button index or label (``displayMessage``, ``displayCustomConfirmation``, ``readInput``'s button),
``True``/``False`` (``displayConfirmation``), a list of indices or labels (``selectFromList``),
``[button, text]`` or just the text (``readInput``); ``None`` closes the dialog (Escape).
"""
import numbers
import threading

from hostloop import LOOP, take_answer

from ._enums import confirmType, severityType
from ._errors import NotAvailable, OperationFailed, OperationInterrupted
from ._state import GUI, HYTHON, SESSION

__all__ = ["ui", "InterruptableOperation", "PaneTab", "PathBasedPaneTab", "SceneViewer", "GeometryViewport"]

_NO_ANSWER = object()
_STATUS = {"text": "", "severity": severityType.Message}
_VIEW = {"camera": None}  # the sid of the camera node the Scene Viewer's viewport looks through, or None


def _no_constructor(self, *args, **kwargs):
    raise AttributeError("No constructor defined")


def _require_ui(call):
    if SESSION.mode == HYTHON:
        raise NotAvailable(f"hou.ui.{call}() needs a graphical Houdini (this is hython)")
    if SESSION.mode != GUI:
        raise NotAvailable("The UI is not created yet")


def _take_answer(call):
    return take_answer(SESSION, f"hou.ui.{call}()", _NO_ANSWER)


class _BadAnswer(ValueError):
    """The simulated user's queued answer does not fit the dialog that took it (a mistake in the test)."""


def _button(answer, buttons, default_choice, close_choice, call):
    if answer is _NO_ANSWER:
        return default_choice
    if answer is None:
        return close_choice
    if isinstance(answer, str) and answer in buttons:
        return list(buttons).index(answer)
    if isinstance(answer, numbers.Integral) and not isinstance(answer, bool) and -1 <= answer < len(buttons):
        return int(answer)
    raise _BadAnswer(f"simulated user: answer {answer!r} does not fit hou.ui.{call}() with buttons {list(buttons)}")


def _severity(value):
    return value.name() if hasattr(value, "name") else str(value)


def _record(kind, answer, **fields):
    SESSION.record(kind, answer=answer, **{k: (list(v) if isinstance(v, tuple) else v) for k, v in fields.items()})
    return answer


class ui:
    __init__ = _no_constructor

    @staticmethod
    def displayMessage(text, buttons=("OK",), severity=severityType.Message, default_choice=0, close_choice=-1,
                       help=None, title=None, details=None, details_label=None, details_expanded=False,
                       suppress=confirmType.NoConfirmType):
        _require_ui("displayMessage")
        choice = _button(_take_answer("displayMessage"), buttons, default_choice, close_choice, "displayMessage")
        return _record("displayMessage", choice, text=text, buttons=tuple(buttons), severity=_severity(severity),
                       title=title, help=help, details=details, button=buttons[choice] if choice >= 0 else None)

    @staticmethod
    def displayCustomConfirmation(text, buttons=(), severity=severityType.Message, default_choice=0,
                                  close_choice=-1, help=None, title=None, details=None, details_label=None,
                                  details_expanded=False, suppress=confirmType.NoConfirmType):
        _require_ui("displayCustomConfirmation")
        choice = _button(_take_answer("displayCustomConfirmation"), buttons, default_choice, close_choice,
                         "displayCustomConfirmation")
        return _record("displayCustomConfirmation", choice, text=text, buttons=tuple(buttons),
                       severity=_severity(severity), title=title, help=help, details=details)

    @staticmethod
    def displayConfirmation(text, severity=severityType.Message, help=None, title=None, details=None,
                            details_label=None, details_expanded=False, suppress=confirmType.NoConfirmType):
        _require_ui("displayConfirmation")
        answer = _take_answer("displayConfirmation")
        if answer is _NO_ANSWER:
            answer = True
        elif answer is None or answer == "Cancel":
            answer = False
        elif answer == "OK":
            answer = True
        elif not isinstance(answer, bool):
            raise _BadAnswer(f"simulated user: answer {answer!r} does not fit hou.ui.displayConfirmation() "
                             "(True, False, 'OK', 'Cancel' or None)")
        return _record("displayConfirmation", answer, text=text, severity=_severity(severity), title=title,
                       help=help, details=details)

    @staticmethod
    def readInput(text, buttons=("OK",), severity_type=severityType.Message, default_choice=0, close_choice=-1,
                  help=None, title=None, initial_contents=None):
        _require_ui("readInput")
        answer = _take_answer("readInput")
        typed = initial_contents or ""
        if isinstance(answer, str) and answer not in buttons:
            answer, typed = _NO_ANSWER, answer
        elif isinstance(answer, (list, tuple)) and len(answer) == 2 and isinstance(answer[1], str):
            answer, typed = answer[0], answer[1]
        choice = _button(answer, buttons, default_choice, close_choice, "readInput")
        result = (choice, typed)
        _record("readInput", list(result), text=text, buttons=tuple(buttons), title=title, help=help,
                initial_contents=initial_contents)
        return result

    @staticmethod
    def selectFromList(choices, default_choices=(), exclusive=False, message=None, title=None,
                       column_header="Choices", num_visible_rows=10, clear_on_cancel=False, width=0, height=0,
                       sort=False, condense_paths=False):
        _require_ui("selectFromList")
        choices = list(choices)
        answer = _take_answer("selectFromList")
        if answer is _NO_ANSWER:
            picked = tuple(default_choices)
        elif answer is None:
            picked = () if clear_on_cancel else tuple(default_choices)
        else:
            items = [answer] if isinstance(answer, (str, numbers.Integral)) else list(answer)
            picked = []
            for item in items:
                if isinstance(item, str) and item in choices:
                    picked.append(choices.index(item))
                elif isinstance(item, numbers.Integral) and not isinstance(item, bool) and 0 <= item < len(choices):
                    picked.append(int(item))
                else:
                    raise _BadAnswer(f"simulated user: {item!r} is not one of the choices {choices}")
            if exclusive and len(picked) != 1:
                raise _BadAnswer(f"simulated user: an exclusive list takes exactly one choice, not {answer!r}")
            picked = tuple(sorted(set(picked)))
        _record("selectFromList", list(picked), choices=choices, default_choices=list(default_choices),
                exclusive=exclusive, message=message, title=title)
        return picked

    @staticmethod
    def setStatusMessage(message, severity=severityType.Message):
        _require_ui("setStatusMessage")
        _STATUS["text"], _STATUS["severity"] = str(message), severity
        SESSION.record("status", text=str(message), severity=_severity(severity))

    @staticmethod
    def statusMessage():
        _require_ui("statusMessage")
        return (_STATUS["text"], _STATUS["severity"])

    @staticmethod
    def isUserInteracting():
        _require_ui("isUserInteracting")
        return False

    @staticmethod
    def postEventCallback(callback):
        _require_ui("postEventCallback")
        LOOP.post(callback)

    @staticmethod
    def paneTabOfType(type, index=0):
        """The desktop's one Scene Viewer (the stand-in's only pane tab), for ``hou.paneTabType.SceneViewer``."""
        _require_ui("paneTabOfType")
        from ._enums import paneTabType

        if type == paneTabType.SceneViewer and index == 0:
            viewer = object.__new__(SceneViewer)
            return viewer
        return None


class PaneTab:
    """A pane tab of the desktop (UI: main thread only, as ``hou.ui``)."""

    __init__ = _no_constructor

    def __eq__(self, other):  # the stand-in's desktop has one pane tab of each kind it models
        return type(other) is type(self)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(type(self).__name__)

    def type(self):
        from ._enums import paneTabType

        return paneTabType.SceneViewer


class PathBasedPaneTab(PaneTab):
    __init__ = _no_constructor


class SceneViewer(PathBasedPaneTab):
    """The Scene Viewer, with one viewport."""

    __init__ = _no_constructor

    def curViewport(self):
        _require_ui("SceneViewer.curViewport")
        return object.__new__(GeometryViewport)


class GeometryViewport:
    """The viewport: which camera or light it looks through (``camera()``: None when it looks through none)."""

    __init__ = _no_constructor

    def camera(self):
        _require_ui("GeometryViewport.camera")
        from ._scene import SCENE, wrap

        node = SCENE.by_sid.get(_VIEW["camera"]) if _VIEW["camera"] is not None else None
        return None if node is None or node.deleted else wrap(node)

    def cameraPath(self):
        node = self.camera()
        return "" if node is None else node.path()

    def setCamera(self, camera_node):
        """Look through ``camera_node`` (a cam or light object), as the viewport's Look through menu does."""
        _require_ui("GeometryViewport.setCamera")
        from ._nodes import ObjNode

        if not isinstance(camera_node, ObjNode) or camera_node.type().name() not in ("cam", "hlight", "light"):
            from ._errors import OperationFailed

            raise OperationFailed(f"{camera_node!r} is not a camera or light object")
        _VIEW["camera"] = camera_node.sessionId()


class InterruptableOperation:
    """Progress of a long operation; the simulated user can interrupt it (``_houdini_sim.interrupt()``)."""

    def __init__(self, operation_name, long_operation_name=None, open_interrupt_dialog=False, timeout_ms=0):
        self._name, self._long_name = operation_name, long_operation_name
        self._open_dialog = open_interrupt_dialog

    def _progress(self, event, **fields):
        if SESSION.mode == GUI:
            SESSION.record("progress", operation=self._name, event=event, **fields)

    def __enter__(self):
        shell = SESSION.shell_thread
        if SESSION.graphical and shell is not None and threading.current_thread() is shell:
            # SideFX, hou.InterruptableOperation: "does not work in the Python Shell" (use a shelf tool to test)
            raise OperationFailed("hou.InterruptableOperation does not work in the Python Shell; run the code from "
                                  "a shelf tool")
        self._progress("start", long_operation=self._long_name, dialog=bool(self._open_dialog))
        return self

    def __exit__(self, type, value, traceback):
        self._progress("end")
        return None

    def _check_interrupt(self):
        with SESSION.lock:
            pending = SESSION.interrupt_requested
            interrupted = pending == 0
            SESSION.interrupt_requested = None if pending is None or interrupted else pending - 1
        if interrupted:
            self._progress("interrupted")
            raise OperationInterrupted(f"{self._name} was interrupted")

    def updateProgress(self, percentage=-1.0):
        self._progress("update", percentage=percentage)
        self._check_interrupt()

    def updateLongProgress(self, percentage=-1.0, long_op_status=None):
        self._progress("update", percentage=percentage, status=long_op_status)
        self._check_interrupt()


def reset():
    _STATUS["text"], _STATUS["severity"] = "", severityType.Message
    _VIEW["camera"] = None
