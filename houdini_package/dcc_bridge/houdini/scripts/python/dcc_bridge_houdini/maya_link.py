"""Houdini driving Maya: connect to a Maya session's bridge server and put ``cmds`` in ``hou.session``.

``hou.session.cmds`` is a stable object: it keeps working after a reconnect, and says how to connect when
there is no connection. Callbacks from Maya run on Houdini's main thread.

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


def connect(session):
    """Connect to ``session`` and bind ``hou.session.cmds`` / ``hou.session.maya_link``."""
    bridge = link().connect_session(session)
    hou.session.cmds = link().module("maya.cmds")
    hou.session.maya_link = link()
    return bridge
