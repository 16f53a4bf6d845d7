"""A stand-in for Houdini's ``hdefereval``: run Python on Houdini's main thread from other threads.

It exists only in a graphical Houdini: importing it in hython raises ``ImportError``, as in Houdini (the check
runs at import, so import it after the session became graphical). The main thread's event loop is
``hostloop.LOOP``; deferred work runs when that loop serves its queue (``LOOP.run()`` or
``LOOP.process_pending()`` on the main thread).

    executeDeferred(fn)                              run fn() on the main thread later; returns at once
    executeInMainThreadWithResult(fn, *args, **kw)   run it there and wait for its result (or exception);
                                                     called on the main thread itself it runs inline
    executeDeferredAfterWaiting(fn, num_waits, *args, **kw)
                                                     run it after the loop went round num_waits more times
"""
import functools

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
    return LOOP.call(_bound(code, args, kwargs))


def executeDeferredAfterWaiting(code, num_waits, *args, **kwargs):
    """Run ``code(*args, **kwargs)`` on the main thread after the event loop went round ``num_waits`` times."""
    bound = _bound(code, args, kwargs)

    def wait(remaining):
        if remaining <= 0:
            bound()
        else:
            LOOP.post(wait, remaining - 1)

    LOOP.post(wait, int(num_waits))
