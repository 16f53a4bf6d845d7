"""Process-wide state of the simulated Houdini: what kind of session this is and what happened in it.

One ``SESSION`` per process, as there is one Houdini per process:

* ``mode``: ``"hython"`` (plain ``import hou``: no UI, no ``hdefereval``), ``"starting"`` (a graphical Houdini
  whose UI is not built yet: ``pythonrc.py`` time) or ``"gui"`` (the UI is up).
* ``version``: the Houdini version claimed by ``hou.applicationVersion()``.
* ``shell_thread``: the thread the Python Shell pane runs typed code on (not the main thread, as in Houdini).
* ``records``: what the user was shown (dialogs, status bar messages, progress), each a JSON-able dict with a
  ``kind``; ``answers``: the simulated user's queued answers to the next dialogs.
* callbacks (``run_callback``): an exception from a playbar or node event callback is printed and recorded
  as a ``callback_error``, never raised into the change that fired it.
* ``off_main``: names of ``hou`` calls made off the main thread in a graphical session (real Houdini is not
  thread-safe there); ``off_main_count`` counts them all, the list keeps the first ``OFF_MAIN_KEEP``.

Only the stand-in and ``_houdini_sim`` (its private controls) touch this module.
"""
import collections
import threading

HYTHON, STARTING, GUI = "hython", "starting", "gui"
MODES = (HYTHON, STARTING, GUI)
DEFAULT_VERSION = (20, 5, 487)
OFF_MAIN_KEEP = 10000


class Session:
    def __init__(self):
        self.lock = threading.RLock()  # HOM's global lock: one hou call at a time, as in Houdini
        self.answer_ready = threading.Condition(self.lock)  # notified when the simulated user queues an answer
        self.modal = False  # dialogs wait for an answer (True) or take Enter when none is queued (False)
        self.waiting = None  # the modal dialog waiting for an answer: {"dialog": "hou.ui.displayMessage"}
        self.shell_thread = None  # the Python Shell pane's own thread (a graphical session's, see _rules)
        self.event_callbacks = []  # hou.hipFile.addEventCallback's callbacks, in order
        self.mode = HYTHON
        self.version = DEFAULT_VERSION
        self.clear_records()

    def clear_records(self):
        self.records = []
        self.answers = collections.deque()
        self.off_main = []
        self.off_main_count = 0
        self.interrupt_requested = None  # None, or the updates to let pass before Esc takes effect

    @property
    def graphical(self):
        """True in a graphical Houdini (its UI built or not): the main-thread rules apply."""
        return self.mode != HYTHON

    def record(self, kind, **fields):
        entry = dict(fields, kind=kind)
        with self.lock:
            self.records.append(entry)
        return entry

    def note_off_main(self, name):
        with self.lock:
            self.off_main_count += 1
            if len(self.off_main) < OFF_MAIN_KEEP:
                self.off_main.append(name)


SESSION = Session()


def run_callback(where, callback, *args, **kwargs):
    """Run a user's event callback as Houdini does: an exception it raises is printed to the console (and
    recorded as a ``callback_error``), never raised into the change that fired it."""
    try:
        callback(*args, **kwargs)
    except Exception as exc:
        import traceback

        traceback.print_exc()
        SESSION.record("callback_error", where=where, text=f"{type(exc).__name__}: {exc}")
