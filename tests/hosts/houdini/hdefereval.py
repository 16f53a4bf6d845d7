"""A stand-in for Houdini's ``hdefereval``: run Python on Houdini's main thread from other threads.

It exists only in a graphical Houdini: importing it in hython raises ``ImportError``, as in Houdini (the check
runs at import, so import it after the session became graphical). The main thread's event loop is
``hostloop.LOOP``; deferred work runs when that loop serves its queue (``LOOP.run()`` or
``LOOP.process_pending()`` on the main thread).

    executeDeferred(fn)                              run fn() on the main thread later; returns at once
    executeInMainThreadWithResult(fn, *args, **kw)   run it there and wait for its result (or exception);
                                                     called on the main thread itself it raises (see below)
    executeDeferredAfterWaiting(fn, num_waits, *args, **kw)
                                                     run it after the loop went round num_waits more times

Called on the main thread, Houdini's ``executeInMainThreadWithResult`` queues the call like any other and then
waits, with no timeout and no thread check, for the event loop to run it; that loop belongs to the very thread
that waits, so real Houdini hangs for good (its ``hdefereval.py``: ``executeInMainThreadWithResult`` is
``_queueDeferred(..., block=True)``, which appends to the queue and waits on a condition that only
``_processDeferred``, run from the main thread's event loop callback, notifies; as quoted by public code that
reads SideFX's file). The stand-in raises ``RuntimeError`` there instead of hanging the test, and records a
``hang``; code on the main thread should call the function directly.
"""
import functools
import threading

from hostloop import LOOP

from hou._state import SESSION

if not SESSION.graphical:
    raise ImportError("hdefereval is only available in a graphical Houdini session (this is hython)")

__all__ = ["executeDeferred", "executeInMainThreadWithResult", "executeDeferredAfterWaiting"]


def _bound(code, args, kwargs):
    if not callable(code):
        raise TypeError(f"hdefereval needs a callable, not {type(code).__name__}")
    return functools.partial(code, *args, **kwargs) if args or kwargs else code


def executeDeferred(code):
    """Run ``code()`` on the main thread when its event loop is next idle (Houdini's takes no arguments for it)."""
    LOOP.post(_bound(code, (), {}))


def executeInMainThreadWithResult(code, *args, **kwargs):
    """Run ``code(*args, **kwargs)`` on the main thread, wait, and return its result (or raise its exception)."""
    bound = _bound(code, args, kwargs)
    if LOOP.is_main_thread():
        SESSION.record("hang", call="hdefereval.executeInMainThreadWithResult", thread=threading.current_thread().name)
        raise RuntimeError("hdefereval.executeInMainThreadWithResult() called on Houdini's main thread: Houdini queues "
                           "the call and waits for its own event loop, which cannot run while it waits, so a real "
                           "Houdini hangs here for good. On the main thread, call the function directly.")
    return LOOP.call(bound)


def executeDeferredAfterWaiting(code, num_waits, *args, **kwargs):
    """Run ``code(*args, **kwargs)`` on the main thread after the event loop went round ``num_waits`` times."""
    bound = _bound(code, args, kwargs)

    def wait(remaining):
        if remaining <= 0:
            bound()
        else:
            LOOP.post(wait, remaining - 1)

    LOOP.post(wait, int(num_waits))
