"""The main-thread event loop shared by the Houdini and Maya stand-ins.

Real Houdini and Maya run a Qt event loop on the process's main thread; work posted from other threads
(``hdefereval.executeDeferred``, ``maya.utils.executeDeferred``) runs there when the loop is idle. This module
is that loop for the stand-ins: one per process (``LOOP``), owned by ``threading.main_thread()``.

    from hostloop import LOOP
    LOOP.post(print, "runs later, on the main thread")
    LOOP.call(len, "abc")        # from a worker: blocks until the main thread ran it; inline on the main thread
    LOOP.run()                   # main thread: serve posted work until LOOP.stop()
    LOOP.stop_on_signals(signal.SIGTERM, signal.SIGINT)   # a session: these signals end run(), as they end the host
    LOOP.stall(2.0)              # any thread: for 2 s nothing posted runs (the user drags, a modal dialog is open)

Stalls: the hosts' deferred work runs only when their event loop is idle. While a mouse button is held (dragging,
scrubbing the time slider) or a modal dialog is open, Maya's idle queue does not run (Autodesk: evalDeferred and
``executeDeferred`` run "during the next available idle time"; "lowestPriority ... will be executed when no other
idle events are scheduled", Maya ``evalDeferred`` command reference), and Houdini's ``hdefereval`` runs its queue
from "Houdini's event loop callback" (SideFX ``hdefereval.py``, as quoted by public code that reads it). ``stall``
makes the loop hold everything posted for a while, from any thread, so tests can meet a host that is busy with
its user; ``hold()`` is the same without an end, until ``release()``. ``stop()`` ends a stall.

How the idle loop waits: in ``poll``/``select`` on a wake-up socket, as a Qt loop waits on its own wake-up descriptor.
``post`` and ``stop`` change the state first and then write a byte to it; ``run`` reads the state, and only then
waits, and empties the socket before reading the state again, so no wake-up can fall between the two. Signals
reach the loop the same way: the socket is also the process's ``signal.set_wakeup_fd``, which the interpreter's
C-level handler writes to on whichever thread the kernel delivered the signal to. Python runs the signal's
handler only on the main thread, between bytecodes: a main thread blocked in a lock's C-level wait
(``Condition.wait()``) would never run it when the kernel picked another thread, and the session would hang
until a second signal.

It is test scaffolding and never ships. The stand-in roots (``tests/hosts/houdini``, ``tests/hosts/maya``) hold
a symlink to this file so ``import hou`` / ``import maya`` need only their own root on ``sys.path``.
"""
import collections
import math
import select
import signal
import socket
import threading
import time

__all__ = ["MainLoop", "LOOP", "take_answer"]

MODAL_WAIT = 60.0  # seconds a modal dialog waits for the simulated user before the test is told it never came


class MainLoop:
    """A FIFO of callables run on the main thread, with a blocking ``call`` for other threads."""

    def __init__(self):
        self._main = threading.main_thread()
        self._queue = collections.deque()
        self._lock = threading.Lock()  # guards the queue; never taken by stop(), which a signal handler calls
        self._running = False
        self._stopping = False
        self._stall_until = 0.0  # time.monotonic() before which nothing posted runs (math.inf: until release())
        self._wake_r, self._wake_w = socket.socketpair()
        for end in (self._wake_r, self._wake_w):
            end.setblocking(False)  # a full socket already wakes the loop; set_wakeup_fd also requires it
        self._poll = None
        if hasattr(select, "poll"):  # not limited to descriptors below FD_SETSIZE, as select() is
            self._poll = select.poll()
            self._poll.register(self._wake_r, select.POLLIN)

    def is_main_thread(self):
        return threading.current_thread() is self._main

    @property
    def running(self):
        """True while ``run()`` is serving the queue on the main thread."""
        return self._running

    def post(self, fn, *args):
        """Queue ``fn(*args)`` to run on the main thread; returns at once (thread-safe)."""
        with self._lock:
            self._queue.append((fn, args))
        self._wake()

    def call(self, fn, *args):
        """Run ``fn(*args)`` on the main thread and return its result (or raise its exception).

        Inline when already on the main thread; otherwise posts it and blocks until the loop ran it.
        """
        if self.is_main_thread():
            return fn(*args)
        done = threading.Event()
        box = {}

        def job():
            try:
                box["value"] = fn(*args)
            except BaseException as exc:  # handed back to the waiting thread
                box["error"] = exc
            finally:
                done.set()

        self.post(job)
        done.wait()
        if "error" in box:
            raise box["error"]
        return box["value"]

    def stall(self, seconds):
        """Hold everything posted (and posted later) for ``seconds``: the user is dragging, or a modal dialog is
        open (thread-safe). A longer stall already under way is kept."""
        with self._lock:
            self._stall_until = max(self._stall_until, time.monotonic() + float(seconds))
        self._wake()

    def hold(self):
        """Stall until ``release()`` (thread-safe)."""
        with self._lock:
            self._stall_until = math.inf
        self._wake()

    def release(self):
        """End a stall now (thread-safe); what was held runs in order."""
        with self._lock:
            self._stall_until = 0.0
        self._wake()

    @property
    def stalled(self):
        return self._stall_left() > 0

    def _stall_left(self):
        return max(self._stall_until - time.monotonic(), 0.0)

    def process_pending(self):
        """Run everything queued so far (main thread only); returns how many callables ran (none while stalled)."""
        if not self.is_main_thread():
            raise RuntimeError("process_pending() must run on the main thread")
        if self.stalled:
            return 0
        self._drain()  # before taking the batch: a post after it wakes the loop again
        with self._lock:
            batch = list(self._queue)
            self._queue.clear()
        for fn, args in batch:
            self._run_one(fn, args)
        return len(batch)

    def run(self):
        """Serve the queue on the main thread until ``stop()`` (the host's UI loop)."""
        if not self.is_main_thread():
            raise RuntimeError("run() must run on the main thread")
        self._running = True
        try:
            while True:
                stopping = self._stopping  # read before the queue: work posted before stop() still runs
                with self._lock:
                    held = self._stall_left()
                    job = self._queue.popleft() if self._queue and not held else None
                if job is not None:
                    self._run_one(*job)
                elif stopping:
                    return
                else:
                    self._wait(held or None)
        finally:
            self._running = False
            self._stopping = False

    def stop(self):
        """Ask ``run()`` to return once the queue is empty (thread-safe, and safe in a signal handler: it sets a
        flag and wakes the loop, and takes no lock the interrupted main thread might hold)."""
        self._stopping = True
        self._stall_until = 0.0  # quitting ends a stall (read without the lock: see above)
        self._wake()

    def stop_on_signals(self, *signals):
        """Main thread, in a session: each of ``signals`` ends ``run()`` (as closing the application would).

        The handler only calls ``stop()``. The interpreter's C-level handler writes the signal to the loop's
        wake-up socket (``signal.set_wakeup_fd``) on whatever thread the kernel delivered it to, so an idle loop
        always wakes, and the main thread runs the handler before it looks at the state again."""
        signal.set_wakeup_fd(self._wake_w.fileno(), warn_on_full_buffer=False)
        for sig in signals:
            signal.signal(sig, lambda *_: self.stop())

    def _wake(self):
        try:
            self._wake_w.send(b"\0")
        except BlockingIOError:  # the socket is full: the loop has a wake-up waiting already
            pass

    def _wait(self, timeout=None):
        """Block until something was written to the wake-up socket since it was last emptied (or ``timeout``
        seconds passed: a stall's end), then empty it."""
        if timeout is not None and math.isinf(timeout):
            timeout = None
        if self._poll is not None:
            self._poll.poll(None if timeout is None else max(math.ceil(timeout * 1000), 1))
        else:
            select.select([self._wake_r], [], [], timeout)
        self._drain()

    def _drain(self):
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass

    @staticmethod
    def _run_one(fn, args):
        try:
            fn(*args)
        except Exception:  # a failing deferred call must not kill the host's loop, as in the real hosts
            import traceback

            traceback.print_exc()


LOOP = MainLoop()


def take_answer(user, dialog, nothing=None):
    """The simulated user's next queued answer to ``dialog`` (a name for messages), or ``nothing``: they pressed
    Enter. ``user`` is a stand-in's session state with ``answers`` (a deque), ``answer_ready`` (a Condition that
    queuing an answer notifies), ``modal`` and ``waiting``. With ``modal`` on and nothing queued the dialog is
    modal, as the hosts' are: it holds the calling (main) thread, so the loop runs nothing posted, until an answer
    is queued from another thread (up to ``MODAL_WAIT`` s); ``waiting`` names it meanwhile. Waiting releases the
    condition's lock (the Houdini stand-in's is the HOM lock, as a modal dialog's own event loop lets other
    threads in)."""
    with user.answer_ready:
        if not user.answers and user.modal:
            user.waiting = {"dialog": dialog}
            try:
                if not user.answer_ready.wait_for(lambda: user.answers, MODAL_WAIT):
                    raise AssertionError(f"simulated user: the modal {dialog} waited {MODAL_WAIT:g} s for an "
                                         "answer that never came")
            finally:
                user.waiting = None
        return user.answers.popleft() if user.answers else nothing
