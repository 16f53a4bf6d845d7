"""The live link in Houdini: Houdini follows Maya's time slider and camera, or Maya follows Houdini's.

Two toggles on the DCC Bridge shelf: **Live Link: Follow Maya** (Houdini's frame and a camera
``/obj/maya_<camera>`` follow Maya's current time and the camera its active view looks through) and **Live
Link: Follow Houdini** (Maya's time and a camera ``houdini_<camera>`` follow Houdini's playbar and the camera
the Scene Viewer looks through). One direction at a time; clicking a tool again turns the link off. The
pacing (at most 30 updates a second, always ending on the last value) and the stopping are
``bridge_core.live_link``'s; this module reads and writes Houdini's scene, on its main thread.

Leading, Houdini's changes arrive through ``hou.playbar.addEventCallback`` (``FrameChanged``) and the
looked-through camera's ``ParmTupleChanged`` node events (a camera switched in the viewport is picked up at
the next change; with no camera looked through only the frame crosses), read on the main thread whichever
thread made the change (the Python Shell runs typed code on a thread of its own). Leading needs a graphical Houdini:
hython has no playbar. Units: Houdini's ``aperture`` parameter is the horizontal film aperture in mm; the
vertical one follows the image's shape, ``aperture * resy / (resx * aspect)``. Following, the camera's
transform is set from the matrix (``hou.Matrix4.explode``, srt / xyz), its ``aperture`` from Maya's
horizontal aperture and its ``resy`` so that the image keeps Maya's film-back shape (``resx`` is kept). The
focal length is read and written as millimetres (Houdini's default Focal Units).

    live_link.toggle_follow()     # Houdini follows Maya (again: off)
    live_link.toggle_lead()       # Maya follows Houdini (again: off)
"""
import logging
import re
import threading

import hou

from bridge_core.live_link import LiveLink, houdini_vertical_aperture, make_state

from . import feedback, maya_link

log = logging.getLogger("dcc_bridge.houdini.live_link")

PEER_MODULE = "dcc_bridge_maya.live_link"
PREFIX = "maya_"  # the Houdini camera that follows a Maya camera: /obj/maya_<its name>


class _Houdini:
    """What ``LiveLink`` needs from Houdini (see its docstring)."""

    app, peer_name = "Houdini", "Maya"

    def __init__(self):
        self._changed = None
        self._camera = None

    # ------------------------------------------------------------------------------------ plumbing

    def post(self, fn, *args):
        if hou.isUIAvailable():
            import hdefereval

            hdefereval.executeDeferred(lambda: fn(*args))
        else:  # hython: no event loop and no thread rules
            fn(*args)

    def status(self, text, warning=False):
        feedback.status(text, warning=warning)

    def peer(self):
        bridge = maya_link.link().ensure()  # NotConnectedError saying how to connect
        return bridge.modules[PEER_MODULE], (lambda: not bridge.closed)

    # ------------------------------------------------------------------------------------ leading

    def watch(self, changed):
        if not hou.isUIAvailable():
            raise RuntimeError("the live link follows Houdini's playbar, which hython does not have: lead from a "
                               "graphical Houdini")
        self._changed = changed
        hou.playbar.addEventCallback(self._playbar_event)
        self._watch_camera(_looked_through())
        return self._unwatch

    def _playbar_event(self, event_type, frame):
        if event_type == hou.playbarEvent.FrameChanged:
            self._on_main_thread()

    def _camera_event(self, **kwargs):
        self._on_main_thread()

    def _on_main_thread(self):
        """Callbacks run on the thread that made the change (the Python Shell's own thread, a script's):
        the state is read on the main thread (hou.ui there only), now or as soon as it is free."""
        if threading.current_thread() is threading.main_thread():
            self._read_changes()
        else:
            import hdefereval

            hdefereval.executeDeferred(self._read_changes)

    def _read_changes(self):
        if self._changed is not None:
            self._changed()

    def _watch_camera(self, camera):
        self._forget_camera()
        if camera is not None:
            camera.addEventCallback((hou.nodeEventType.ParmTupleChanged,), self._camera_event)
        self._camera = camera

    def _forget_camera(self):
        camera, self._camera = self._camera, None
        if camera is not None:
            try:
                camera.removeEventCallback((hou.nodeEventType.ParmTupleChanged,), self._camera_event)
            except hou.ObjectWasDeleted:  # the camera is gone, and its callbacks with it
                pass

    def _unwatch(self):
        self._changed = None
        self._forget_camera()
        if self._playbar_event in hou.playbar.eventCallbacks():
            hou.playbar.removeEventCallback(self._playbar_event)

    def read(self):
        camera = _looked_through()
        if camera != self._camera:
            self._watch_camera(camera)
        frame = hou.frame()
        if camera is None:
            return make_state(frame)
        aperture = camera.evalParm("aperture")
        aspect = camera.evalParm("aspect") if camera.parm("aspect") is not None else 1.0
        vertical = houdini_vertical_aperture(aperture, camera.evalParm("resx"), camera.evalParm("resy"), aspect)
        return make_state(frame, (camera.name(), camera.worldTransform().asTuple(), camera.evalParm("focal"),
                                  aperture, vertical))

    # ------------------------------------------------------------------------------------ following

    def write(self, state):
        frame, camera = state
        if camera is not None:
            name, matrix, focal, h_aperture, v_aperture = camera
            node = _follower_camera(name)
            parts = hou.Matrix4(matrix).explode()
            for parm, key in (("t", "translate"), ("r", "rotate"), ("s", "scale")):
                node.parmTuple(parm).set(tuple(parts[key]))
            node.parm("focal").set(focal)
            node.parm("aperture").set(h_aperture)
            node.parm("resy").set(max(1, round(node.evalParm("resx") * v_aperture / h_aperture)))
        if hou.frame() != frame:
            hou.setFrame(frame)


def _looked_through():
    """The camera object the Scene Viewer looks through, or None (none looked through; no UI)."""
    if not hou.isUIAvailable():
        return None
    viewer = hou.ui.paneTabOfType(hou.paneTabType.SceneViewer)
    camera = viewer.curViewport().camera() if viewer is not None else None
    return camera if camera is not None and camera.type().name() == "cam" else None


def _follower_camera(name):
    """The Houdini camera following Maya's camera ``name``: ``/obj/maya_<name>``, made on first use."""
    node_name = PREFIX + re.sub(r"[^A-Za-z0-9_.]", "_", name)
    node = hou.node(f"/obj/{node_name}")
    if node is None:
        return hou.node("/obj").createNode("cam", node_name)
    if node.type().name() != "cam":
        raise hou.OperationFailed(f"/obj/{node_name} exists and is not a camera: rename it so the live link can "
                                  f"make its camera there")
    return node


LINK = LiveLink(_Houdini())
# the shelf's toggles, and what Maya calls over the bridge (on this host's main thread): LiveLink's methods
toggle_lead, toggle_follow, stop = LINK.toggle_lead, LINK.toggle_follow, LINK.stop
apply, lead_back, stop_from_peer = LINK.apply, LINK.lead_back, LINK.stop_from_peer
