"""Houdini driving Maya: connect to a Maya session's bridge server and put ``cmds`` in ``hou.session``.

``hou.session.cmds`` is a stable object: it keeps working after a reconnect, and says how to connect when
there is no connection. Callbacks from Maya run on Houdini's main thread. Houdini rebuilds ``hou.session`` from
the scene's own session source on File > New and File > Open (names assigned at run time are not saved with
the .hip), so after a connect a scene event callback binds ``cmds`` and ``maya_link`` there again.

    maya_link.sessions()           # the Maya sessions serving on this machine
    maya_link.connect(session)     # then in the Python Shell: hou.session.cmds.polyCube()
"""
import hou

from bridge_core.link import link_to

from . import executor

HOW_TO_CONNECT = ("In Maya: Houdini Bridge > Start Maya Server; then in Houdini: DCC Bridge shelf > "
                  "Connect to Maya.")


def link():
    """The one Link to Maya of this Houdini session."""
    return link_to("maya", HOW_TO_CONNECT, executor.for_this_session())


def sessions():
    """Live Maya sessions on this machine, newest first."""
    return link().sessions()


def registry_sessions(exclude=()):
    """Maya sessions the registry (DCC_BRIDGE_REGISTRY) knows of on other machines: ``(sessions, problem)``."""
    return link().registry_sessions(exclude)


def connect(session):
    """Connect to ``session`` and bind ``hou.session.cmds`` / ``hou.session.maya_link`` (again after every
    scene clear or load)."""
    bridge = link().connect_session(session)
    _bind()
    if _rebind not in hou.hipFile.eventCallbacks():
        hou.hipFile.addEventCallback(_rebind)
    return bridge


def _bind():
    hou.session.cmds = link().module("maya.cmds")
    hou.session.maya_link = link()


def _rebind(event_type):
    """``hou.hipFile`` event callback: the new scene's ``hou.session`` gets the names back."""
    if event_type in (hou.hipFileEventType.AfterClear, hou.hipFileEventType.AfterLoad):
        _bind()
