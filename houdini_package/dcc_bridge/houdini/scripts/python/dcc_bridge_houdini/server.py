"""This Houdini's bridge server (``bridge_core.hosting.HostedServer``): requests on the main thread in a
graphical session, the hip file as the session's scene.

    server.SERVER.start()
"""
import hou

from bridge_core.hosting import HostedServer

from . import executor

SERVER = HostedServer("houdini", executor.for_this_session, scene=hou.hipFile.path)
