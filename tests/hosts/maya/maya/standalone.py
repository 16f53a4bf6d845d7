"""maya.standalone: start Maya inside a plain Python (mayapy).

``initialize(name='python')`` starts a batch session and fills ``maya.cmds``; inside a graphical Maya it raises
(Maya's own advice: wrap it in try/except). ``uninitialize()`` ends the session: commands then refuse to run,
and this process cannot initialize again (as with real Maya, which is not built to restart in one process).
"""
from . import _session

_STATE = {"ended": False}


def initialize(*args, **kwargs):
    """Start Maya in batch mode (mayapy). ``name`` is accepted and, as in Maya, has no visible effect."""
    unknown = set(kwargs) - {"name"}
    if len(args) > 1 or unknown:
        raise TypeError(f"initialize() takes only a name (got {args!r}, {sorted(unknown)})")
    if _session.SESSION.mode == _session.GUI:
        raise RuntimeError("maya.standalone.initialize: Maya is already running (this is a graphical session)")
    if _STATE["ended"]:
        raise RuntimeError("maya.standalone.initialize: Maya cannot be initialized again after uninitialize()")
    if _session.SESSION.mode == _session.NOT_STARTED:
        _session.start(_session.BATCH)


def uninitialize(*args, **kwargs):
    """End the batch session started by initialize()."""
    if _session.SESSION.mode == _session.GUI:
        raise RuntimeError("maya.standalone.uninitialize: this is a graphical session, not mayapy")
    if _session.SESSION.mode == _session.BATCH:
        _session.SESSION.mode = _session.NOT_STARTED
        _STATE["ended"] = True


@_session.on_reset
def _reset():
    _STATE["ended"] = False
