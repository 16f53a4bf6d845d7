"""Script jobs: callbacks Maya runs on its events (``scriptJob(event=[name, fn])``) and when idle.

Event jobs (and ``attributeChange`` jobs, when the attribute's value changes) run synchronously, on the main thread, right after the change that fires them (the command that
changed the time, the selection, the scene); a failing callback prints its traceback and is recorded as an
error, and the command that fired it still succeeds, as in Maya. Idle jobs run whenever the graphical session's
event loop is idle (about every 20 ms here) and on ``maya.utils.processIdleEvents()``; a batch session has no
idle events.
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


JOBS = _Jobs()


@_session.on_reset
def _clear():
    JOBS.jobs.clear()


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
        _run(job)


def fire(event):
    for job in [j for j in JOBS.jobs.values() if j.event == event]:
        _run(job)


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
