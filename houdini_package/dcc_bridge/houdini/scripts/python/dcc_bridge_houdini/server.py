"""This Houdini's bridge server (``bridge_core.hosting.HostedServer``): requests on the main thread in a
graphical session, the hip file as the session's scene.

    server.SERVER.start()
"""
import hou

from bridge_core.hosting import HostedServer

from . import executor, pipeline  # noqa: F401  (pipeline registers the verbs Maya calls)

SERVER = HostedServer("houdini", executor.for_this_session, scene=hou.hipFile.path)
