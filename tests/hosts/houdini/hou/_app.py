"""The application: version and name, time (frame, fps), the playbar, Houdini variables and ``hou.session``.

``hou.isUIAvailable()`` is False in hython and True in a graphical Houdini (also while its UI is still being
built, during ``pythonrc.py``). Houdini variables (``hou.getenv``, ``$HIP`` in strings) are the process
environment plus Houdini's own (``HIP``, ``HIPFILE``, ``HIPNAME``, ``JOB``, ``F``, ``FF``, ``FPS`` ...), and
``hou.putenv`` sets them for this session only. ``hou.session`` is a real module that users put names into.
"""
import os
import re
import sys
import types

from ._mathtypes import Vector2
from ._state import SESSION, run_callback

__all__ = ["isUIAvailable", "applicationName", "applicationVersion", "applicationVersionString",
           "applicationCompilationDate", "applicationPlatformInfo", "homeHoudiniDirectory", "frame", "intFrame",
           "setFrame", "fps", "setFps", "time", "setTime", "frameToTime", "timeToFrame", "getenv", "putenv",
           "unsetenv", "playbar", "text", "session"]

session = types.ModuleType("hou.session", "The current scene's Python module (hou.session).")
sys.modules.setdefault("hou.session", session)


class _Time:
    def __init__(self):
        self.reset()

    def reset(self):
        self.frame = 1.0
        self.fps = 24.0
        self.range = (1.0, 240.0)
        self.playback = (1.0, 240.0)
        self.playing = False
        self.increment = 1.0
        self.real_time = True
        self.variables = {}  # hou.putenv / unsetenv (None = unset)
        self.callbacks = []  # hou.playbar.addEventCallback


TIME = _Time()


def _no_constructor(self, *args, **kwargs):
    raise AttributeError("No constructor defined")


# ------------------------------------------------------------------------------------------ application

def isUIAvailable():
    return SESSION.graphical


def applicationName():
    return "houdini" if SESSION.graphical else "hython"


def applicationVersion(include_patch=False):
    return tuple(SESSION.version)


def applicationVersionString():
    return ".".join(map(str, SESSION.version))


def applicationCompilationDate():
    return "Simulated"


def applicationPlatformInfo():
    return f"{sys.platform}-simulated"


def homeHoudiniDirectory():
    folder = os.environ.get("HOUDINI_USER_PREF_DIR")
    if folder:
        return folder.replace("__HVER__", "%d.%d" % tuple(SESSION.version[:2]))
    return os.path.join(os.path.expanduser("~"), "houdini%d.%d" % tuple(SESSION.version[:2]))


# ----------------------------------------------------------------------------------------------- time

def frame(full_precision=False):
    return TIME.frame if full_precision else round(TIME.frame, 6)


def intFrame():
    return int(round(TIME.frame))


def _frame_changed(old):
    """A graphical Houdini's playbar reports a new frame (after the scene cooked for it) to its callbacks, on
    the thread that changed it; hython has no playbar, so nothing is reported there."""
    if TIME.frame == old or not SESSION.graphical:
        return
    from ._enums import playbarEvent

    for callback in list(TIME.callbacks):
        run_callback("playbar event callback", callback, playbarEvent.FrameChanged, TIME.frame)


def setFrame(frame):
    old, TIME.frame = TIME.frame, float(frame)
    _frame_changed(old)


def fps():
    return TIME.fps


def setFps(fps, modify_frame_count=True, preserve_keyframes=False, preserve_frame_start=False):
    if fps <= 0:
        from ._errors import InvalidInput

        raise InvalidInput("fps must be positive")
    TIME.fps = float(fps)


def time():
    return (TIME.frame - 1.0) / TIME.fps


def setTime(time):
    old, TIME.frame = TIME.frame, float(time) * TIME.fps + 1.0
    _frame_changed(old)


def frameToTime(frame):
    return (float(frame) - 1.0) / TIME.fps


def timeToFrame(time, full_precision=False):
    frame = float(time) * TIME.fps + 1.0
    return frame if full_precision else round(frame, 6)


class playbar:
    __init__ = _no_constructor

    @staticmethod
    def frameRange():
        return Vector2(TIME.range)

    @staticmethod
    def setFrameRange(start, end):
        TIME.range = (float(start), float(end))
        TIME.playback = TIME.range

    @staticmethod
    def playbackRange():
        return Vector2(TIME.playback)

    @staticmethod
    def setPlaybackRange(start, end):
        TIME.playback = (float(start), float(end))

    @staticmethod
    def isPlaying():
        return TIME.playing

    @staticmethod
    def play():
        TIME.playing = True

    @staticmethod
    def reverse():
        TIME.playing = True

    @staticmethod
    def stop():
        TIME.playing = False

    @staticmethod
    def frameIncrement():
        return TIME.increment

    @staticmethod
    def setFrameIncrement(increment):
        TIME.increment = float(increment)

    @staticmethod
    def isRealTime():
        return TIME.real_time

    @staticmethod
    def setRealTime(on):
        TIME.real_time = bool(on)

    # event callbacks: a graphical Houdini's playbar only (hython has none: the stand-in refuses there, stricter
    # than Houdini, whose documentation does not say what hython does)
    @staticmethod
    def addEventCallback(callback):
        _require_playbar("addEventCallback")
        if not callable(callback):
            raise TypeError("the playbar event callback must be callable")
        if callback not in TIME.callbacks:
            TIME.callbacks.append(callback)

    @staticmethod
    def removeEventCallback(callback):
        _require_playbar("removeEventCallback")
        if callback not in TIME.callbacks:
            from ._errors import OperationFailed

            raise OperationFailed("The callback was not registered")
        TIME.callbacks.remove(callback)

    @staticmethod
    def clearEventCallbacks():
        _require_playbar("clearEventCallbacks")
        TIME.callbacks.clear()

    @staticmethod
    def eventCallbacks():
        _require_playbar("eventCallbacks")
        return tuple(TIME.callbacks)


def _require_playbar(call):
    if not SESSION.graphical:
        from ._errors import NotAvailable

        raise NotAvailable(f"hou.playbar.{call}() needs the playbar of a graphical Houdini (this is hython)")


# ------------------------------------------------------------------------------------------ variables

def _houdini_variables(node=None):
    from ._hipfile import hip_path

    path = hip_path()
    variables = dict(os.environ)
    variables.update({
        "HIP": os.path.dirname(path), "HIPFILE": path,
        "HIPNAME": os.path.splitext(os.path.basename(path))[0],
        "F": str(int(round(TIME.frame))), "FF": repr(round(TIME.frame, 6)), "T": repr(time()),
        "FPS": repr(TIME.fps), "FSTART": repr(TIME.range[0]), "FEND": repr(TIME.range[1]),
        "HOUDINI_VERSION": applicationVersionString(),
    })
    variables.setdefault("JOB", variables["HIP"])
    variables.setdefault("HOME", os.path.expanduser("~"))
    for name, value in TIME.variables.items():
        if value is None:
            variables.pop(name, None)
        else:
            variables[name] = value
    if node is not None:
        variables["OS"] = node.name
    return variables


_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z_]*)(\d*))")


def expand_string(raw, node=None):
    """Houdini's variable expansion: ``$VAR``, ``${VAR}``, ``$F4`` (frame padded); unknown names stay as they are."""
    variables = _houdini_variables(node)

    def replace(match):
        braced, name, digits = match.groups()
        if braced:
            return variables.get(braced, match.group(0))
        if name in ("F", "FF") and digits:
            return str(int(round(TIME.frame))).zfill(int(digits))
        if name in variables:
            return variables[name] + digits
        return match.group(0)

    return _VARIABLE.sub(replace, raw)


def getenv(name, default_value=None):
    return _houdini_variables().get(name, default_value)


def putenv(name, value):
    TIME.variables[str(name)] = str(value)


def unsetenv(name):
    TIME.variables[str(name)] = None


class text:
    __init__ = _no_constructor

    @staticmethod
    def expandString(str, expand_tilde=True):
        expanded = expand_string(str)
        if expand_tilde and expanded.startswith("~"):
            expanded = os.path.expanduser(expanded)
        return expanded

    @staticmethod
    def expandStringAtFrame(str, frame, expand_tilde=True):
        saved = TIME.frame
        TIME.frame = float(frame)
        try:
            return text.expandString(str, expand_tilde)
        finally:
            TIME.frame = saved

    @staticmethod
    def normpath(path):
        return os.path.normpath(path).replace(os.sep, "/")

    @staticmethod
    def abspath(path, anchor_path=None):
        anchor = anchor_path if anchor_path is not None else os.getcwd()
        return os.path.normpath(os.path.join(anchor, path)).replace(os.sep, "/")

    @staticmethod
    def relpath(path, anchor_path=None, allow_relative_path_from_root=True):
        anchor = anchor_path if anchor_path is not None else os.getcwd()
        return os.path.relpath(path, anchor).replace(os.sep, "/")
