"""Script jobs: callbacks Maya runs on its events (``scriptJob(event=[name, fn])``) and when idle; and the API's
time-change callbacks (``MDGMessage.addTimeChangeCallback``).

As Autodesk documents script jobs ("Using system events and scriptJobs"; the scriptJob command reference):
when an event fires (or an ``attributeChange`` job's attribute changes value) the job "is added to a queue and
is run the next time the system is idle", and "no matter how many times the event or condition triggers
while running, the script runs only once" then; "script jobs do not exist in the batch application. The
scriptJob command does nothing in batch mode" (here: a batch session accepts the job and never runs it).
Maya also forwards no events during playback (not modelled: the stand-in does not play). Jobs run on the main
thread from the graphical session's event loop, so a stalled loop (a held mouse, a modal dialog) holds them;
a failing callback prints its traceback and is recorded as an error, never raised into the command that fired
it. ``quitApplication`` jobs run as Maya quits (``_maya_sim.quit``). Idle jobs run whenever the graphical
session's event loop is idle (about every 20 ms here) and on ``maya.utils.processIdleEvents()``.

API time-change callbacks are not script jobs: Maya calls them right away, on the main thread, for every change
of the current time (batch included), with the new ``MTime`` and the client data.
"""
import threading
import time
import traceback

from hostloop import LOOP

from . import _session

EVENTS = ("timeChanged", "SelectionChanged", "NewSceneOpened", "SceneOpened", "SceneSaved", "deleteAll",
          "NameChanged", "DagObjectCreated", "playbackRangeChanged", "playbackRangeSliderChanged",
          "quitApplication", "idle", "PostSceneRead", "Undo", "Redo", "ToolChanged")
IDLE_PERIOD = 0.02


class Job:
    def __init__(self, number, event, callback, run_once=False, protected=False, parent=None, plug=None):
        self.number, self.event, self.callback = number, event, callback
        self.run_once, self.protected, self.parent = run_once, protected, parent
        self.plug = plug  # attributeChange jobs: (node, long attribute name)


class _Jobs:
    def __init__(self):
        self.jobs = {}
        self.next_number = 1
        self.ticker = None
        self.tick_pending = False
        self.queued = []  # job numbers waiting for the next idle (each once)
        self.flush_posted = False
        self.time_callbacks = {}  # API callback id -> (function, client data)
        self.next_callback_id = 1


JOBS = _Jobs()


@_session.on_reset
def _clear():
    JOBS.jobs.clear()
    JOBS.queued.clear()
    JOBS.flush_posted = False
    JOBS.time_callbacks.clear()


def add(event, callback, run_once=False, protected=False, parent=None, plug=None):
    number = JOBS.next_number
    JOBS.next_number += 1
    JOBS.jobs[number] = Job(number, event, callback, run_once, protected, parent, plug)
    if event == "idle":
        _start_ticker()
    return number


def kill(number, force=False):
    job = JOBS.jobs.get(number)
    if job is None:
        raise RuntimeError(f"scriptJob: Job number {number} does not exist.")
    if job.protected and not force:
        raise RuntimeError(f"scriptJob: Job {number} is protected; use the force flag to kill it.")
    del JOBS.jobs[number]


def kill_for_ui(name):
    """Jobs created with ``parent=`` die with their UI element."""
    for number, job in list(JOBS.jobs.items()):
        if job.parent == name:
            del JOBS.jobs[number]


def kill_for_node(node):
    """attributeChange jobs die with their node, as Maya's do."""
    for number, job in list(JOBS.jobs.items()):
        if job.plug is not None and job.plug[0] is node:
            del JOBS.jobs[number]


def fire_attribute(node, attr):
    """An attribute's value changed: its attributeChange jobs run (a compound's jobs run for its children)."""
    names = {attr.long} | ({attr.parent.long} if attr.parent is not None else set())
    for job in [j for j in JOBS.jobs.values() if j.plug is not None and j.plug[0] is node and j.plug[1] in names]:
        _queue(job)


def fire(event):
    """An event happened: its jobs run at the next idle (``quitApplication``: now, as Maya quits)."""
    for job in [j for j in JOBS.jobs.values() if j.event == event]:
        if event == "quitApplication":
            _run(job)
        else:
            _queue(job)


def _queue(job):
    if not _session.is_gui():  # batch: script jobs never run
        return
    if job.number not in JOBS.queued:
        JOBS.queued.append(job.number)
    if not JOBS.flush_posted:
        JOBS.flush_posted = True
        _session.defer(_run_queued)


def _run_queued():
    JOBS.flush_posted = False
    numbers, JOBS.queued = JOBS.queued, []
    for number in numbers:
        job = JOBS.jobs.get(number)  # killed meanwhile: nothing runs
        if job is not None:
            _run(job)


def add_time_callback(function, client_data):
    number = JOBS.next_callback_id
    JOBS.next_callback_id += 1
    JOBS.time_callbacks[number] = (function, client_data)
    return number


def remove_callback(number):
    if JOBS.time_callbacks.pop(number, None) is None:
        raise RuntimeError("(kInvalidParameter): Object does not exist")


def fire_time_change(time_value):
    """The current time changed: API time-change callbacks run now, each with an MTime and its client data."""
    if not JOBS.time_callbacks:
        return
    from .api._om_message import MTime

    for function, client_data in list(JOBS.time_callbacks.values()):
        _session.run_safely(function, MTime(time_value, MTime.kFilm), client_data)


def run_idle_jobs():
    fire("idle")


def _run(job):
    if job.run_once:
        JOBS.jobs.pop(job.number, None)
    run_script(job.callback, f"scriptJob {job.number} ({job.event})")


def run_script(script, where):
    """Run a callback as Maya runs UI and job callbacks: strings as Python in __main__; errors are shown."""
    try:
        if callable(script):
            return script()
        import __main__

        exec(compile(script, f"<{where}>", "exec"), __main__.__dict__)
    except Exception as exc:
        traceback.print_exc()
        _session.record("error", text=f"{where}: {type(exc).__name__}: {exc}")
    return None


def _start_ticker():
    """The graphical session's idle events: post a tick to the main loop while idle jobs exist."""
    if JOBS.ticker is not None and JOBS.ticker.is_alive():
        return

    def tick():
        JOBS.tick_pending = False
        if _session.is_gui():
            run_idle_jobs()

    def ticker():
        while any(j.event == "idle" for j in list(JOBS.jobs.values())):
            if not JOBS.tick_pending and _session.is_gui():
                JOBS.tick_pending = True
                LOOP.post(tick)
            time.sleep(IDLE_PERIOD)

    JOBS.ticker = threading.Thread(target=ticker, name="maya-idle-events", daemon=True)
    JOBS.ticker.start()
