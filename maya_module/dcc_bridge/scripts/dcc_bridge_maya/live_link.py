"""The live link in Maya: Houdini follows Maya's time slider and camera, or Maya follows Houdini's.

Two toggles in the Houdini Bridge menu: **Live Link: Follow Maya** (Houdini's frame and a camera
``/obj/maya_<camera>`` follow Maya's current time and the camera the active view looks through) and **Live
Link: Follow Houdini** (Maya's time and a camera ``houdini_<camera>`` follow Houdini's playbar and the camera
its Scene Viewer looks through). One direction at a time; choosing an item again turns the link off. The
pacing (at most 30 updates a second, always ending on the last value) and the stopping are
``bridge_core.live_link``'s; this module reads and writes Maya's scene.

Leading, Maya's changes arrive on the main thread: time changes through the API's
``MDGMessage.addTimeChangeCallback`` (every change, playback included: script jobs get no events during
playback), camera edits through ``attributeChange`` script jobs (run at the next idle) on the looked-through
camera's translate, rotate, scale, focal length and film aperture (a camera switched in the view is picked up
at the next change). What crosses: the frame number, the
camera's world matrix (row-major, as both hosts write it), its focal length in mm and its film aperture
converted from Maya's inches to mm (x 25.4). Leading needs a graphical Maya (a time slider and a view).

    live_link.toggle_lead()       # Houdini follows Maya (again: off)
    live_link.toggle_follow()     # Maya follows Houdini (again: off)
"""
import logging
import re

from maya import cmds

from bridge_core.live_link import INCH_MM, LiveLink, make_state

from . import houdini_link
from .executor import is_batch

log = logging.getLogger("dcc_bridge.maya.live_link")

PEER_MODULE = "dcc_bridge_houdini.live_link"
PREFIX = "houdini_"  # the Maya camera that follows a Houdini camera: houdini_<its name>
_TRANSFORM_ATTRS = ("translate", "rotate", "scale")
_SHAPE_ATTRS = ("focalLength", "horizontalFilmAperture", "verticalFilmAperture")


class _Maya:
    """What ``LiveLink`` needs from Maya (see its docstring)."""

    app, peer_name = "Maya", "Houdini"

    def __init__(self):
        self._time_callback = None  # MDGMessage time-change callback id
        self._camera_jobs = []      # attributeChange jobs of the watched camera
        self._camera = None
        self._changed = None
        self._running_job = False

    # ------------------------------------------------------------------------------------ plumbing

    def post(self, fn, *args):
        import maya.utils

        maya.utils.executeDeferred(fn, *args)

    def status(self, text, warning=False):
        log.info("%s", text)
        if warning:
            cmds.warning(text)  # the command line's response field, in yellow
        else:
            print(text)

    def peer(self):
        bridge = houdini_link.link().ensure()  # NotConnectedError saying how to connect
        return bridge.modules[PEER_MODULE], (lambda: not bridge.closed)

    # ------------------------------------------------------------------------------------ leading

    def watch(self, changed):
        if is_batch():
            raise RuntimeError("the live link follows Maya's time slider and view, which mayapy does not have: "
                               "lead from a graphical Maya")
        from maya.api import OpenMaya as om

        self._changed = changed
        # the API's time-change callback runs for every time change, playback included (script jobs get no
        # events during playback); camera edits come through attributeChange script jobs, at idle
        self._time_callback = om.MDGMessage.addTimeChangeCallback(self._time_changed)
        self._watch_camera(_looked_through())
        return self._unwatch

    def _time_changed(self, time, client_data):
        self._job()

    def _job(self):
        """Every callback's body: Maya prints what a callback raises, so nothing may escape (LiveLink.changed
        never raises)."""
        self._running_job = True
        try:
            if self._changed is not None:
                self._changed()
        finally:
            self._running_job = False

    def _watch_camera(self, camera):
        self._kill(self._camera_jobs)
        self._camera, self._camera_jobs = camera, []
        if camera is None:
            return
        shape = _camera_shape(camera)
        plugs = [f"{camera}.{a}" for a in _TRANSFORM_ATTRS] + [f"{shape}.{a}" for a in _SHAPE_ATTRS]
        self._camera_jobs = [cmds.scriptJob(attributeChange=[plug, self._job]) for plug in plugs]

    def _unwatch(self):
        self._changed = None
        jobs, callback = self._camera_jobs, self._time_callback
        self._camera_jobs, self._camera, self._time_callback = [], None, None
        if self._running_job:  # never remove a callback from inside itself: once Maya is idle
            self.post(self._remove, jobs, callback)
        else:
            self._remove(jobs, callback)

    def _remove(self, jobs, callback=None):
        if callback is not None:
            from maya.api import OpenMaya as om

            om.MMessage.removeCallback(callback)
        self._kill(jobs)

    @staticmethod
    def _kill(jobs):
        for job in jobs:
            if cmds.scriptJob(exists=job):
                cmds.scriptJob(kill=job, force=True)

    def read(self):
        camera = _looked_through()
        if camera != self._camera:
            self._watch_camera(camera)
        frame = cmds.currentTime(query=True)
        if camera is None:
            return make_state(frame)
        shape = _camera_shape(camera)
        matrix = cmds.xform(camera, query=True, worldSpace=True, matrix=True)
        focal, h_aperture, v_aperture = (cmds.getAttr(f"{shape}.{attr}") for attr in _SHAPE_ATTRS)
        return make_state(frame, (camera, matrix, focal, h_aperture * INCH_MM, v_aperture * INCH_MM))

    # ------------------------------------------------------------------------------------ following

    def write(self, state):
        frame, camera = state
        if camera is not None:
            name, matrix, focal, h_aperture, v_aperture = camera
            transform = _follower_camera(name)
            shape = _camera_shape(transform)
            cmds.xform(transform, worldSpace=True, matrix=list(matrix))
            cmds.setAttr(f"{shape}.focalLength", focal)
            cmds.setAttr(f"{shape}.horizontalFilmAperture", h_aperture / INCH_MM)
            cmds.setAttr(f"{shape}.verticalFilmAperture", v_aperture / INCH_MM)
        if cmds.currentTime(query=True) != frame:
            cmds.currentTime(frame)


def _looked_through():
    """The camera transform the active view looks through (None where there is no view: batch)."""
    if is_batch():
        return None
    return cmds.lookThru(query=True) or None


def _camera_shape(transform):
    shapes = cmds.listRelatives(transform, shapes=True, type="camera") or []
    if not shapes:
        raise RuntimeError(f"'{transform}' has no camera shape")
    return shapes[0]


def _follower_camera(name):
    """The Maya camera following Houdini's camera ``name``: ``houdini_<name>``, made on first use."""
    transform = PREFIX + re.sub(r"[^A-Za-z0-9_]", "_", name)
    if cmds.objExists(transform):
        if not cmds.listRelatives(transform, shapes=True, type="camera"):
            raise RuntimeError(f"'{transform}' exists and is not a camera: rename it so the live link can make "
                               f"its camera there")
        return transform
    made = cmds.createNode("transform", name=transform, skipSelect=True)
    cmds.createNode("camera", name=made + "Shape", parent=made, skipSelect=True)
    return made


LINK = LiveLink(_Maya())
# the menu's toggles, and what Houdini calls over the bridge (on this host's main thread): LiveLink's methods
toggle_lead, toggle_follow, stop = LINK.toggle_lead, LINK.toggle_follow, LINK.stop
apply, lead_back, stop_from_peer = LINK.apply, LINK.lead_back, LINK.stop_from_peer
