"""The rules every ``hou`` call obeys, applied once to the whole public API by ``install``.

* One call at a time: the outermost ``hou`` call holds the session lock (Houdini's HOM lock serialises Python
  threads calling into Houdini).
* Threads, in a graphical Houdini (``SESSION.graphical``): ``hou.ui`` off the main thread crashes real Houdini,
  so here it raises ``UIThreadError``; any other ``hou`` call off the main thread is counted
  (``SESSION.off_main``), so tests can assert the bridge made none. hython has no UI thread: nothing is counted.
* The Python Shell pane's thread (``SESSION.shell_thread``) is the exception: Houdini runs typed code there, not
  on the main thread, with ``hou`` usable (its calls take the HOM lock) and the main thread free. SideFX says so
  in its own notes: ``hou.PythonPanel`` methods must not be called "from a separate thread (i.e. do not call from
  a Python Shell)", ``hou.InterruptableOperation`` "does not work in the Python Shell" (hou.PythonPanel and
  hou.InterruptableOperation reference pages), and ``hou.ShellIO.interruptShellThread`` exists. Its calls are
  neither counted nor refused (``hou.ui`` included: users type ``hou.ui.displayMessage`` there);
  ``InterruptableOperation`` raises there (``_ui``).
* Deleted objects: a method of an object whose Houdini counterpart was deleted raises ``hou.ObjectWasDeleted``
  (classes opt in by defining ``_check_alive``); ``==``, ``!=``, ``hash`` and ``repr`` keep working.

Only the outermost call is checked and counted: the stand-in calling its own public methods, or user code run
by a cook (a Python SOP), is part of the call that started it.
"""
import functools
import inspect
import threading
import types
from time import perf_counter

from hostloop import LOOP

from ._state import HYTHON, SESSION

__all__ = []  # nothing public: install() is called by hou/__init__.py



class _Depth(threading.local):
    depth = 0  # how deep this thread is in hou calls (0: the next call is an outermost one)
    clock = None  # this thread's [seconds inside outermost hou calls], one of _CLOCKS


_local = _Depth()
_CLOCKS = []  # every thread's clock: api_seconds() adds them up (each thread adds to its own, without a lock)


def _clock():
    clock = _local.clock
    if clock is None:
        clock = _local.clock = [0.0]
        _CLOCKS.append(clock)
    return clock


def api_seconds(reset=False):
    """Seconds spent inside outermost ``hou`` calls, every thread's, from entering the call to leaving the HOM
    lock (``reset``: start again)."""
    seconds = sum(clock[0] for clock in list(_CLOCKS))
    if reset:
        for clock in list(_CLOCKS):
            clock[0] = 0.0
    return seconds
_SKIP_ALIVE = {"__eq__", "__ne__", "__hash__", "__repr__", "__str__", "__init__", "__del__"}
_NOT_CALLS = {"__repr__", "__str__", "__del__", "__init_subclass__", "__getattr__", "__getattribute__",
              "__setattr__", "__class_getitem__", "__new__", "__format__", "__dir__", "__sizeof__"}


class UIThreadError(RuntimeError):
    """A ``hou.ui`` call off the main thread of a graphical Houdini: real Houdini crashes there."""


def _enter(name, ui):
    """Check one outermost call; returns nothing, raises for a ``hou.ui`` call off the main thread."""
    if SESSION.graphical and not LOOP.is_main_thread() and threading.current_thread() is not SESSION.shell_thread:
        thread = threading.current_thread().name
        if ui:
            SESSION.record("crash", call=name, thread=thread)
            raise UIThreadError(
                f"{name}() called from thread {thread!r}: hou.ui calls off the main thread crash a graphical "
                "Houdini (run them through hdefereval on the main thread)")
        SESSION.note_off_main(name)


def wrap(fn, name, ui=False, check_alive=False):
    """``fn`` as a ``hou`` entry point named ``name`` (signature kept through ``__wrapped__``)."""
    if getattr(fn, "_hom_entry", False):
        return fn

    lock = SESSION.lock  # made once per process: the HOM lock

    @functools.wraps(fn)
    def entry(*args, **kwargs):
        start = perf_counter()  # first: the stand-in's own bookkeeping is its time, not the caller's
        local = _local
        if local.depth:
            if check_alive:
                args[0]._check_alive()
            return fn(*args, **kwargs)
        clock = local.clock or _clock()
        try:
            if SESSION.mode != HYTHON:
                _enter(name, ui)
            with lock:
                local.depth = 1
                try:
                    if check_alive:
                        args[0]._check_alive()
                    return fn(*args, **kwargs)
                finally:
                    local.depth = 0
        finally:  # after the HOM lock is released: that is the stand-in's time too
            clock[0] += perf_counter() - start

    entry._hom_entry = True
    return entry


def nested():
    """True while a ``hou`` call is running on this thread (used to run user code inside a cook)."""
    return bool(_local.depth)


def _adopt_private_bases(cls):
    """Copy onto ``cls`` the methods it inherits from private helper bases (``_Element``, ``_Vector``), so they
    are wrapped and reported under the public class's name (and seen by the fidelity check)."""
    for base in cls.__mro__[1:]:
        if base is object or not base.__name__.startswith("_"):
            continue
        for attr, value in vars(base).items():
            if not (inspect.isfunction(value) or isinstance(value, (staticmethod, classmethod))):
                continue
            owner = next(b for b in cls.__mro__ if attr in vars(b))
            if owner is base:
                setattr(cls, attr, value)


def instrument_class(cls, ui=False):
    """Wrap every method defined on ``cls`` itself (subclasses inherit the wrapped ones)."""
    _adopt_private_bases(cls)
    alive = hasattr(cls, "_check_alive")
    for attr, value in list(vars(cls).items()):
        if attr.startswith("_") and not (attr.startswith("__") and attr.endswith("__")):
            continue
        if attr in _NOT_CALLS:
            continue
        name = f"hou.{cls.__name__}.{attr}"
        if isinstance(value, staticmethod):
            setattr(cls, attr, staticmethod(wrap(value.__func__, name, ui)))
        elif isinstance(value, classmethod):
            setattr(cls, attr, classmethod(wrap(value.__func__, name, ui)))
        elif inspect.isfunction(value):
            setattr(cls, attr, wrap(value, name, ui, check_alive=alive and attr not in _SKIP_ALIVE))


def install(namespace, ui_classes=("ui", "PaneTab", "PathBasedPaneTab", "SceneViewer", "GeometryViewport")):
    """Apply the rules to every public function and class in ``namespace`` (the ``hou`` module's globals).

    Also sets ``__module__`` to ``"hou"`` on them, as real HOM objects report (``hou.OperationFailed``).
    Exception classes are not instrumented: Python's own machinery formats them on any thread.
    """
    for name, value in list(namespace.items()):
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        if isinstance(value, type):
            value.__module__ = "hou"
            if not issubclass(value, BaseException):
                instrument_class(value, ui=name in ui_classes)
        elif inspect.isfunction(value):
            value.__module__ = "hou"
            namespace[name] = wrap(value, f"hou.{name}")
