"""Where requests from other applications run inside Houdini.

In a graphical Houdini every request runs on the main thread (node evaluation is not thread-safe and
``hou.ui`` off the main thread crashes Houdini): ``MainThreadExecutor`` over ``hdefereval.executeDeferred``,
which also lets Houdini's main thread serve a callback while it waits on the bridge itself (see
``bridge_core.executors``). hython has no UI thread and no ``hdefereval``: requests run directly.

    start_server(executor=executor.for_this_session())
"""
import hou

from bridge_core.executors import MainThreadExecutor, direct

_executor = None


def for_this_session():
    """The executor for this Houdini: the main thread in a graphical session, direct in hython."""
    global _executor
    if _executor is None:
        if hou.isUIAvailable():
            import hdefereval

            _executor = MainThreadExecutor(hdefereval.executeDeferred, name="houdini")
        else:
            _executor = direct
    return _executor
