"""The main-thread event loop shared by the Houdini and Maya stand-ins.

Real Houdini and Maya run a Qt event loop on the process's main thread; work posted from other threads
(``hdefereval.executeDeferred``, ``maya.utils.executeDeferred``) runs there when the loop is idle. This module
is that loop for the stand-ins: one per process (``LOOP``), owned by ``threading.main_thread()``.

    from hostloop import LOOP
    LOOP.post(print, "runs later, on the main thread")
    LOOP.call(len, "abc")        # from a worker: blocks until the main thread ran it; inline on the main thread
    LOOP.run()                   # main thread: serve posted work until LOOP.stop()

It is test scaffolding and never ships. The stand-in roots (``tests/hosts/houdini``, ``tests/hosts/maya``) hold
a symlink to this file so ``import hou`` / ``import maya`` need only their own root on ``sys.path``.
"""
import collections
import threading

__all__ = ["MainLoop", "LOOP"]


class MainLoop:
    """A FIFO of callables run on the main thread, with a blocking ``call`` for other threads."""

    def __init__(self):
        self._main = threading.main_thread()
        self._queue = collections.deque()
        self._cond = threading.Condition()
        self._running = False
        self._stopping = False

    def is_main_thread(self):
        return threading.current_thread() is self._main

    @property
    def running(self):
        """True while ``run()`` is serving the queue on the main thread."""
        return self._running

    def post(self, fn, *args):
        """Queue ``fn(*args)`` to run on the main thread; returns at once (thread-safe)."""
        with self._cond:
            self._queue.append((fn, args))
            self._cond.notify_all()

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

    def process_pending(self):
        """Run everything queued so far (main thread only); returns how many callables ran."""
        if not self.is_main_thread():
            raise RuntimeError("process_pending() must run on the main thread")
        with self._cond:
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
                with self._cond:
                    while not self._queue and not self._stopping:
                        self._cond.wait()
                    if not self._queue and self._stopping:
                        return
                    fn, args = self._queue.popleft()
                self._run_one(fn, args)
        finally:
            self._running = False
            self._stopping = False

    def stop(self):
        """Ask ``run()`` to return once the queue is empty (thread-safe)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    @staticmethod
    def _run_one(fn, args):
        try:
            fn(*args)
        except Exception:  # a failing deferred call must not kill the host's loop, as in the real hosts
            import traceback

            traceback.print_exc()


LOOP = MainLoop()
