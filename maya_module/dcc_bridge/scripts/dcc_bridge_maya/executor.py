"""Where requests from other applications (and callbacks from Houdini) run inside Maya.

Maya commands must run on the main thread. In a graphical Maya every request goes through
``MainThreadExecutor`` over ``maya.utils.executeDeferred`` (which also lets the main thread serve a callback
while it waits on the bridge itself; see ``bridge_core.executors``). mayapy batch has no idle events (no
``executeInMainThreadWithResult``, and ``executeDeferred`` waits for ``processIdleEvents``): a batch script
serves by giving the bridge its main thread, ``bridge_core.start_server(use_thread=False, app="maya")``, where
requests run directly on that thread.
"""
from bridge_core.executors import MainThreadExecutor, direct

_executor = None


def is_batch():
    from maya import cmds

    return bool(cmds.about(batch=True))


def for_this_session():
    """The executor for this Maya: the main thread in the GUI, direct in batch."""
    global _executor
    if _executor is None:
        if is_batch():
            _executor = direct
        else:
            import maya.utils

            _executor = MainThreadExecutor(maya.utils.executeDeferred, name="maya")
    return _executor
