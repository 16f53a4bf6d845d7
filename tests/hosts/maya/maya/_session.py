"""The one simulated Maya session of this process: its mode, version, and what the user saw and answered.

Modes: ``NOT_STARTED`` (``import maya`` in a plain Python: mayapy before ``maya.standalone.initialize()``),
``BATCH`` (mayapy after initialize: no UI) and ``GUI`` (a graphical Maya, switched on by ``_maya_sim``).
The rules every command and API call goes through live here too (``check_call``), so they are written once.

Everything the user would see (warnings, errors, dialogs, heads-up messages, windows) is appended to
``SESSION.records``; scripted answers to dialogs wait in ``SESSION.answers``. ``_maya_sim`` is the public face
of this module for tests and the simulated session; the stand-in's own modules use it directly.
"""
import collections
import sys
import threading
import time

from hostloop import LOOP, take_answer

NOT_STARTED = "not started"
BATCH = "batch"
GUI = "gui"

# Maya version -> (its Python, its Qt); see the host facts (hosts.md, Python inside the hosts)
VERSIONS = {
    "2023": ("3.9", "5.15.2"),
    "2024": ("3.10", "5.15.2"),
    "2025": ("3.11", "6.5.3"),
    "2026": ("3.11", "6.5.3"),
}
PLATFORM = {"win32": "win64", "darwin": "mac"}.get(sys.platform, "linux")


class Session:
    def __init__(self):
        self.mode = NOT_STARTED
        self.ui_ready = False  # a graphical Maya's UI exists (False while it initializes: userSetup.py time)
        self.version = "2025"
        self.records = []
        self.answers = collections.deque()
        self.idle_queue = collections.deque()  # batch: executeDeferred work waits for processIdleEvents()
        self.option_vars = {}
        self.prefs_file = None
        self.lock = threading.Lock()
        self.answer_ready = threading.Condition(self.lock)  # notified when the simulated user queues an answer
        self.modal = False  # dialogs wait for an answer (True) or take Enter when none is queued (False)
        self.waiting = None  # the modal dialog waiting for an answer: {"dialog": "confirmDialog"}


SESSION = Session()
_reset_hooks = []


def on_reset(fn):
    """Register ``fn()`` to run when the simulation resets (each module clears its own state)."""
    _reset_hooks.append(fn)
    return fn


def reset(mode=NOT_STARTED):
    """Forget everything (scene, UI, records, answers, option variables, jobs) and enter ``mode``."""
    SESSION.records.clear()
    SESSION.answers.clear()
    SESSION.modal = False
    SESSION.idle_queue.clear()
    SESSION.option_vars.clear()
    SESSION.prefs_file = None
    for hook in _reset_hooks:
        hook()
    start(mode)


def start(mode, ui=True):
    """Enter ``mode``; starting a session fills ``maya.cmds`` (as Maya's start-up does). A graphical session
    gets its UI now unless ``ui`` is False (then ``show_ui()`` builds it: Maya's own start-up order)."""
    SESSION.mode = mode
    SESSION.ui_ready = False
    if mode == GUI and ui:
        show_ui()
    if mode != NOT_STARTED:
        import maya.cmds

        maya.cmds._populate()


def show_ui():
    """A graphical Maya's UI comes up: the main window exists and UI commands work from now on."""
    from . import _ui

    _ui.start_gui()
    SESSION.ui_ready = True


def is_gui():
    return SESSION.mode == GUI


def ui_up():
    """A graphical session whose UI exists."""
    return SESSION.mode == GUI and SESSION.ui_ready


def major_version():
    return SESSION.version.split(".")[0]


# ------------------------------------------------------------------------------------------------ rules


def check_main_thread(what):
    if not LOOP.is_main_thread():
        raise RuntimeError(
            f"{what}: Maya is not thread-safe; call it from the main thread (this is thread "
            f"{threading.current_thread().name!r}; use maya.utils.executeInMainThreadWithResult or "
            "maya.utils.executeDeferred)"
        )


def check_started(what):
    if SESSION.mode == NOT_STARTED:
        raise RuntimeError(f"{what}: Maya is not initialized (in mayapy, call maya.standalone.initialize() first)")


def check_call(what, ui=False):
    """The rules for every command and API call: main thread, a started session, and no UI in batch."""
    check_main_thread(what)
    check_started(what)
    if ui and SESSION.mode != GUI:
        raise RuntimeError(f"{what}: this is a UI command and Maya is running in batch mode (there is no UI)")
    if ui and not SESSION.ui_ready:
        # Maya runs userSetup.py while it initializes, before its UI exists; Autodesk ("Initializing the Maya
        # Python environment"): userSetup.py "should only include commands that do not depend on Maya's
        # functionality"; work deferred with maya.utils.executeDeferred runs once the UI is up
        raise RuntimeError(f"{what}: Maya's user interface does not exist yet (Maya is still starting: "
                           "userSetup.py runs before the UI is built); defer UI work with maya.utils.executeDeferred")


# --------------------------------------------------------------------------------------- what was shown


class ApiClock:
    """Seconds spent inside outermost ``maya.cmds`` / ``maya.api`` calls of this process (for the benchmark:
    the stand-in's own share of a transfer). ``_maya_sim.api_seconds()`` reads it."""

    def __init__(self):
        self.seconds = 0.0
        self._local = threading.local()

    def run(self, fn, args, kwargs):
        start = time.perf_counter()  # first: the stand-in's own bookkeeping is its time, not the caller's
        local = self._local
        if getattr(local, "depth", 0):
            return fn(*args, **kwargs)
        local.depth = 1
        try:
            return fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start
            local.depth = 0


CLOCK = ApiClock()


def record(kind, **data):
    """Note something the user would see; returns the entry (callers may add the user's answer to it)."""
    entry = dict(kind=kind, **data)
    SESSION.records.append(entry)
    return entry


def echo(kind, text):
    """Print a message the way Maya shows it: the Script Editor in a GUI, stderr in batch."""
    if is_gui():
        print(f"# {kind}: {text} #" if kind else text)
    else:
        print(f"{kind}: {text}" if kind else text, file=sys.stderr)


def next_answer(dialog="dialog"):
    """The user's next scripted answer to a dialog, or None (the user just presses Enter); modal dialogs wait for
    one (``hostloop.take_answer``)."""
    return take_answer(SESSION, dialog)


# ---------------------------------------------------------------------------------------------- idle work


def defer(fn, low=False):
    """Queue ``fn()`` for when Maya is idle (thread-safe).

    A graphical session's event loop (``hostloop.LOOP``) runs it; a batch session has no idle events, so the
    work waits for ``maya.utils.processIdleEvents()``, as in mayapy. ``low`` (evalDeferred's lowestPriority)
    lets everything queued before it run first.
    """
    def job():
        run_safely(fn)

    _queue((lambda: _queue(job)) if low else job)


def _queue(job):
    if is_gui():
        LOOP.post(job)
    else:
        SESSION.idle_queue.append(job)


def process_idle():
    """Run the idle work queued so far, and what it queues in turn (main thread); returns how much ran."""
    ran = 0
    for _round in range(100):  # a job that always re-queues itself must not hang processIdleEvents
        count = len(SESSION.idle_queue)
        for _ in range(count):  # popleft: other threads may append meanwhile
            run_safely(SESSION.idle_queue.popleft())
        ran += count + LOOP.process_pending()
        if not SESSION.idle_queue:
            break
    return ran


def run_safely(fn, *args):
    """Run deferred work as Maya's idle loop does: an exception is printed and recorded, never raised."""
    try:
        return fn(*args)
    except Exception as exc:
        import traceback

        traceback.print_exc()
        record("error", text=f"{type(exc).__name__}: {exc}")
    return None
