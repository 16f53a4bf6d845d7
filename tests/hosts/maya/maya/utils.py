"""maya.utils: running code on Maya's main thread from anywhere.

* ``executeDeferred(fn_or_code, *args, **kwargs)``: queue work for when Maya is idle; callable from any thread.
  A graphical session's event loop runs it; mayapy (batch) has no idle events, so it waits for
  ``processIdleEvents()`` (real mayapy never runs it otherwise).
* ``executeInMainThreadWithResult(fn_or_code, *args, **kwargs)``: run on the main thread and return the result;
  inline when called on the main thread, otherwise the caller blocks until the event loop ran it. Maya documents
  it as not available in batch mode (it rides on idle events): the stand-in raises RuntimeError there.
* ``processIdleEvents()``: run the queued idle work now (main thread only); returns True.

Strings are Python code, run in ``__main__`` (``executeInMainThreadWithResult`` returns an expression's value).
"""
from hostloop import LOOP as _LOOP

from . import _session


def _as_callable(args, kwargs, what):
    if not args:
        raise TypeError(f"{what}() needs a callable or a string of Python code")
    target, rest = args[0], args[1:]
    if isinstance(target, str):
        if rest or kwargs:
            raise TypeError(f"{what}(): extra arguments are only allowed with a callable")
        return lambda: _run_code(target)
    if not callable(target):
        raise TypeError(f"{what}(): {target!r} is neither callable nor a string")
    return lambda: target(*rest, **kwargs)


def _run_code(code):
    import __main__

    try:
        compiled = compile(code, "<maya.utils>", "eval")
    except SyntaxError:
        exec(compile(code, "<maya.utils>", "exec"), __main__.__dict__)
        return None
    return eval(compiled, __main__.__dict__)


def executeDeferred(*args, **kwargs):
    """Run a callable (with its arguments) or a string of Python code when Maya is next idle."""
    _session.defer(_as_callable(args, kwargs, "executeDeferred"))


def executeInMainThreadWithResult(*args, **kwargs):
    """Run on the main thread and return the result: inline on the main thread, else block until it ran."""
    job = _as_callable(args, kwargs, "executeInMainThreadWithResult")
    if not _session.is_gui():
        raise RuntimeError("executeInMainThreadWithResult is not available in batch mode: it runs on Maya's idle "
                           "events, which a batch session (mayapy) does not process")
    return _LOOP.call(job)


def processIdleEvents(*args, **kwargs):
    """Run the idle queue now (main thread only). Returns True: everything queued has run."""
    if args or kwargs:
        raise TypeError("processIdleEvents() takes no arguments")
    _session.check_main_thread("maya.utils.processIdleEvents")
    _session.process_idle()
    from . import _events

    if _session.is_gui():
        _events.run_idle_jobs()
    return True
