"""This Maya's bridge server, so Houdini can drive Maya (``bridge_core.hosting.HostedServer``).

Its default port is one above ``DCC_BRIDGE_PORT`` (18812) so it does not compete with Houdini's; requests run
on Maya's main thread in the GUI and directly in mayapy; the session file names app "maya" and the scene.
"""
from bridge_core.hosting import HostedServer

from . import executor, pipeline  # noqa: F401  (pipeline registers the verbs Houdini calls)


def _scene():
    from maya import cmds

    return cmds.file(query=True, sceneName=True) or ""


SERVER = HostedServer("maya", executor.for_this_session, scene=_scene, port_offset=1)
