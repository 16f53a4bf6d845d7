"""Where requests run: executors, and how a thread waits for a reply without freezing the host.

An *executor* is a callable ``executor(fn)`` that runs ``fn()`` where the host wants it and returns its result
(or raises its exception). The server (and a client that accepts callbacks) calls it for every request that
touches the host, from a per-connection dispatcher thread, so the thread that reads the socket never blocks.
An executor with a ``submit(fn)`` method (``MainThreadExecutor``) is used without that thread: each request
goes straight to the host's thread, which runs it and sends the reply itself (one thread switch per request).

* ``direct`` runs the request right there (hython, mayapy, pipeline Pythons);
* ``MainThreadExecutor(post)`` runs it on the process's main thread, given the host's non-blocking "run this
  later on the main thread" function (``hdefereval.executeDeferred``, ``maya.utils.executeDeferred``).
  Do not use ``hdefereval.executeInMainThreadWithResult`` (or another blocking "run it on the main thread and
  wait") as the executor: called on the main thread itself, Houdini's queues the call and waits for its own
  event loop, and hangs for good; and a main thread that is itself waiting on the bridge would never run the
  work. ``MainThreadExecutor`` runs work inline on the main thread and serves it there while waiting (below).

Why that matters: Maya's main thread calls Houdini and waits; Houdini, to answer, calls back into Maya. That
callback must run on Maya's main thread, which is busy waiting. So every ``MainThreadExecutor`` job is posted
to the host's loop *and* offered to the ``PUMP``; a main thread waiting on a bridge reply (``protocol``) wakes
for the pump's socket and runs offered work while it waits. Whichever gets there first runs a job, once.
Nobody deadlocks and nothing runs off the main thread.

    executor = MainThreadExecutor(hdefereval.executeDeferred)
    bridge_core.start_server(executor=executor)
"""
import collections
import logging
import queue
import socket
import threading

__all__ = ["direct", "MainThreadExecutor", "ServingThread", "is_main_thread", "PUMP"]

log = logging.getLogger("dcc_bridge.executors")

SIGNAL_CHECK_INTERVAL = 0.2  # seconds a serving thread waits at most before it lets Python run a signal handler


def is_main_thread():
    return threading.current_thread() is threading.main_thread()


def direct(fn):
    """Run ``fn`` on the calling thread (the default executor)."""
    return fn()


direct.inline = True  # the server may call it on the socket's reader thread, skipping the dispatcher


class _Job:
    """One piece of work for the main thread; runs exactly once, by whoever gets to it first. ``waited``: a
    thread will call ``result()`` (else nobody waits, and an error ``fn`` raises is logged)."""

    __slots__ = ("_fn", "_done", "_claimed", "_lock", "_value", "_error")

    def __init__(self, fn, waited=True):
        self._fn = fn
        self._done = threading.Event() if waited else None
        self._claimed = False
        self._lock = threading.Lock()
        self._value = self._error = None

    def run(self):
        with self._lock:
            if self._claimed:
                return
            self._claimed = True
        PUMP.discard(self)
        if self._done is None:  # nobody waits for it: an error must not reach whichever loop ran it
            try:
                self._fn()
            except Exception:
                log.exception("bridge work on the %s thread failed", threading.current_thread().name)
            return
        try:
            self._value = self._fn()
        except BaseException as exc:  # handed to the waiting thread, which re-raises it
            self._error = exc
        finally:
            self._done.set()

    @property
    def claimed(self):
        return self._claimed

    def result(self):
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value


class _Pump:
    """The main thread's queue of bridge work, served while the main thread waits on a bridge reply.

    A main thread waiting on a reply either polls the connection's socket itself (then the pump's wake-up
    socket, ``interrupt_socket()``, interrupts that poll) or waits on the pump's condition.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._jobs = collections.deque()
        self._wake_r = self._wake_w = None
    def interrupt_socket(self):
        """For the main thread only: a socket that becomes readable when work is offered (None elsewhere)."""
        if not is_main_thread():
            return None
        if self._wake_r is None:
            with self._cond:
                if self._wake_r is None:
                    self._wake_r, self._wake_w = socket.socketpair()
                    self._wake_w.setblocking(False)
        return self._wake_r

    def offer(self, job):
        with self._cond:
            self._jobs.append(job)
            self._cond.notify_all()
        if self._wake_w is not None:
            try:
                self._wake_w.send(b"\0")
            except OSError:  # the buffer is full: a wake-up is already pending
                pass

    def run_pending(self):
        """On the main thread: run the work offered so far; returns how many jobs ran."""
        ran = 0
        while self._jobs:  # read without the lock: a job offered later also wakes the waiting thread
            with self._cond:
                job = self._jobs.popleft() if self._jobs else None
            if job is None:
                return ran
            job.run()
            ran += 1
        return ran

    def discard(self, job):
        with self._cond:
            try:
                self._jobs.remove(job)
            except ValueError:
                pass



PUMP = _Pump()


class MainThreadExecutor:
    """Run bridge requests on the main thread (or ``thread``) through the host's non-blocking ``post(fn)``.

    Called on that thread it runs the function inline. Elsewhere it posts a job to the host's event loop and,
    for the main thread, offers the same job to the main thread's bridge waits (see the module docstring),
    then blocks the calling thread until the job ran. ``submit(fn)`` hands a job over the same way without
    waiting: what a connection uses for each request (the job sends its own reply).
    """

    inline = False

    def __init__(self, post, name="host", thread=None):
        self._post = post
        self.name = name
        self._thread = thread or threading.main_thread()

    def __call__(self, fn):
        if threading.current_thread() is self._thread:
            return fn()
        job = _Job(fn)
        self._hand_over(job)
        return job.result()

    def submit(self, fn):
        """Have ``fn()`` run on the thread later, without waiting for it (an error it raises is logged);
        raises what the host's ``post`` raises (a host shutting down)."""
        self._hand_over(_Job(fn, waited=False))

    def _hand_over(self, job):
        self._post(job.run)  # first: a host that refuses it (shutting down) leaves no job behind to run later
        if self._thread is threading.main_thread() and not job.claimed:
            PUMP.offer(job)

    def __repr__(self):
        return f"<MainThreadExecutor {self.name}>"


class ServingThread:
    """The calling thread as the host's "main thread": what ``start_server(use_thread=False)`` runs.

    hython and mayapy have no event loop; a script that serves gives its thread to the bridge. ``executor``
    runs every request on that thread; ``run()`` serves queued requests there until ``stop()``.

        serving = ServingThread()
        server = start_server(executor=serving.executor)   # listens in the background
        serving.run()                                      # requests run here until serving.stop()
    """

    def __init__(self):
        self._jobs = queue.SimpleQueue()
        self.executor = MainThreadExecutor(self._jobs.put, name="serving thread", thread=threading.current_thread())

    def run(self):
        get, empty = self._jobs.get, queue.Empty
        while True:
            try:
                # Never an untimed wait: the kernel may hand Ctrl-C or SIGTERM to another thread of the process,
                # and Python runs the handler only once this thread next executes bytecode.
                job = get(timeout=SIGNAL_CHECK_INTERVAL)
            except empty:
                continue
            if job is None:
                return
            job()

    def stop(self):
        self._jobs.put(None)
