"""What the live link meets in the stand-ins (issue 12): time, playbar and attribute callbacks, cameras, views.

Houdini: ``hou.playbar`` event callbacks (a graphical Houdini's playbar only; refused in hython), fired by a
frame change with ``(hou.playbarEvent.FrameChanged, frame)``; node event callbacks (``ParmTupleChanged`` once
per set, ``BeingDeleted``); the Scene Viewer's look-through camera (UI: main thread only); a callback's error is
printed and recorded, never raised into the change. Maya: ``scriptJob(attributeChange=...)`` (children of a
compound fire it, it runs at the next idle, once, and dies with its node), ``MDGMessage.addTimeChangeCallback``
(at once, every change), ``lookThru`` (graphical only), the camera's film back in inches.
"""
import sys
import threading

import pytest

from support import MAYA_STANDIN

if str(MAYA_STANDIN) not in sys.path:
    sys.path.insert(0, str(MAYA_STANDIN))

import _houdini_sim  # noqa: E402
import _maya_sim  # noqa: E402
import hou  # noqa: E402
from hostloop import LOOP  # noqa: E402
from hou._rules import UIThreadError  # noqa: E402

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def houdini_gui():
    _houdini_sim.reset("gui")
    yield
    _houdini_sim.reset("hython")


@pytest.fixture
def maya_gui():
    _maya_sim.reset("gui")
    import maya.cmds

    yield maya.cmds
    LOOP.process_pending()
    _maya_sim.reset("not started")


def _in_thread(fn):
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(10)
    assert not worker.is_alive()
    return box


# ------------------------------------------------------------------------------------------------ Houdini

def test_playbar_callbacks_see_every_frame_change_in_a_graphical_houdini(houdini_gui):
    seen = []

    def callback(event, frame):
        seen.append((event, frame))

    hou.playbar.addEventCallback(callback)
    hou.playbar.addEventCallback(callback)  # once only
    hou.setFrame(12)
    hou.setFrame(12)  # no change, no event
    hou.setTime(1.0)  # frame 25 at 24 fps
    assert seen == [(hou.playbarEvent.FrameChanged, 12.0), (hou.playbarEvent.FrameChanged, 25.0)]
    assert hou.playbar.eventCallbacks() == (callback,)
    hou.playbar.removeEventCallback(callback)
    with pytest.raises(hou.OperationFailed):
        hou.playbar.removeEventCallback(callback)
    hou.setFrame(3)
    assert len(seen) == 2


def test_a_failing_playbar_callback_is_printed_not_raised(houdini_gui, capsys):
    def broken(event, frame):
        raise ValueError("bug in a callback")

    hou.playbar.addEventCallback(broken)
    hou.setFrame(5)
    assert hou.frame() == 5.0
    assert "bug in a callback" in capsys.readouterr().err
    assert [r["text"] for r in _houdini_sim.records() if r["kind"] == "callback_error"] == [
        "ValueError: bug in a callback"]


def test_hython_has_no_playbar_to_call_back_from():
    _houdini_sim.reset("hython")
    with pytest.raises(hou.NotAvailable, match="hython"):
        hou.playbar.addEventCallback(lambda event, frame: None)
    hou.setFrame(7)
    assert hou.frame() == 7.0


def test_node_event_callbacks(houdini_gui):
    cam = hou.node("/obj").createNode("cam")
    events = []

    def callback(node, event_type, **kwargs):
        events.append((node.path(), event_type, kwargs.get("parm_tuple") and kwargs["parm_tuple"].name()))

    with pytest.raises(hou.OperationFailed):
        cam.addEventCallback((), callback)
    cam.addEventCallback((hou.nodeEventType.ParmTupleChanged,), callback)
    cam.addEventCallback((hou.nodeEventType.BeingDeleted,), callback)  # same callback: its types grow
    assert cam.eventCallbacks() == (((hou.nodeEventType.ParmTupleChanged, hou.nodeEventType.BeingDeleted),
                                     callback),)
    cam.parmTuple("t").set((1, 2, 3))
    cam.parm("focal").set(35)
    cam.destroy()
    changed = hou.nodeEventType.ParmTupleChanged
    assert events == [("/obj/cam1", changed, "t"), ("/obj/cam1", changed, "focal"),
                      ("/obj/cam1", hou.nodeEventType.BeingDeleted, None)]
    other = hou.node("/obj").createNode("cam")
    with pytest.raises(hou.OperationFailed):
        other.removeEventCallback((changed,), callback)
    other.addEventCallback((changed,), callback)
    other.removeEventCallback((changed,), callback)
    assert other.eventCallbacks() == ()


def test_the_scene_viewer_looks_through_a_camera_on_the_main_thread_only(houdini_gui):
    viewport = hou.ui.paneTabOfType(hou.paneTabType.SceneViewer).curViewport()
    assert viewport.camera() is None and viewport.cameraPath() == ""
    cam = hou.node("/obj").createNode("cam")
    viewport.setCamera(cam)
    assert viewport.camera() == cam and viewport.cameraPath() == "/obj/cam1"
    with pytest.raises(hou.OperationFailed):
        viewport.setCamera(hou.node("/obj").createNode("geo"))
    assert hou.ui.paneTabOfType(hou.paneTabType.NetworkEditor) is None
    box = _in_thread(lambda: viewport.camera())
    assert isinstance(box.get("error"), UIThreadError), "UI objects crash Houdini off the main thread"
    cam.destroy()
    assert viewport.camera() is None


def test_matrix_explode_rebuilds_the_matrix():
    from hou import _mathtypes

    built = _mathtypes.scale([2, 1, 0.5]) * _mathtypes.rotate([30, -40, 75]) * _mathtypes.translate([1, 2, 3])
    parts = built.explode()
    assert parts["translate"].isAlmostEqual(hou.Vector3(1, 2, 3))
    assert parts["rotate"].isAlmostEqual(hou.Vector3(30, -40, 75))
    assert parts["scale"].isAlmostEqual(hou.Vector3(2, 1, 0.5))
    with pytest.raises(hou.OperationFailed, match="stand-in"):
        built.explode(rotate_order="zyx")


# --------------------------------------------------------------------------------------------------- Maya

def test_attribute_change_jobs(maya_gui):
    cmds = maya_gui
    calls = []
    job = cmds.scriptJob(attributeChange=["persp.translate", lambda: calls.append("t")])
    cmds.scriptJob(attributeChange=["perspShape.focalLength", lambda: calls.append("fl")])
    cmds.setAttr("persp.translateX", 3)
    cmds.setAttr("persp.translateX", 3)  # same value: no change
    cmds.setAttr("perspShape.fl", 50)
    assert calls == [], "at the next idle (Autodesk: scriptJob)"
    LOOP.process_pending()
    assert calls == ["t", "fl"]
    cmds.xform("persp", translation=(3, 1, 0))  # two children change: the compound's job runs once
    cmds.setAttr("perspShape.fl", 50)  # no change
    LOOP.process_pending()
    assert calls == ["t", "fl", "t"]
    assert cmds.scriptJob(exists=job)
    with pytest.raises(ValueError, match="No object matches name"):
        cmds.scriptJob(attributeChange=["nothing.tx", lambda: None])
    cube = cmds.polyCube()[0]
    cube_job = cmds.scriptJob(attributeChange=[f"{cube}.rotate", lambda: calls.append("r")])
    cmds.setAttr(f"{cube}.rotateY", 45)
    cmds.delete(cube)
    LOOP.process_pending()
    assert not cmds.scriptJob(exists=cube_job), "the job dies with its node"
    assert calls[-1] == "t", "and what it had queued does not run"


def test_look_through_and_the_film_back(maya_gui):
    cmds = maya_gui
    assert cmds.lookThru(q=True) == "persp"
    cmds.lookThru("topShape")
    assert cmds.lookThru(q=True) == "top"
    cmds.lookThru("modelPanel4", "front")
    assert cmds.lookThru("modelPanel4", q=True) == "front"
    with pytest.raises(RuntimeError, match="not a camera"):
        cmds.lookThru(cmds.polyCube()[0])
    assert cmds.getAttr("perspShape.horizontalFilmAperture") == pytest.approx(1.41732)
    assert cmds.getAttr("perspShape.vfa") == pytest.approx(0.94488)


def test_look_through_needs_a_panel():
    _maya_sim.reset("batch")
    try:
        import maya.cmds as cmds

        with pytest.raises(RuntimeError):
            cmds.lookThru(q=True)
    finally:
        _maya_sim.reset("not started")


def test_time_change_callbacks_run_at_once_and_script_jobs_at_idle(maya_gui):
    from maya.api import OpenMaya as om

    cmds = maya_gui
    seen, jobs = [], []
    callback = om.MDGMessage.addTimeChangeCallback(lambda time, data: seen.append(time.value))
    cmds.scriptJob(event=["timeChanged", lambda: jobs.append(cmds.currentTime(query=True))])
    for frame in range(2, 12):
        cmds.currentTime(frame)
    assert seen == [float(f) for f in range(2, 12)] and jobs == []
    LOOP.process_pending()
    assert jobs == [11.0], "a scrub between two idles runs a timeChanged job once, on the last time"
    box = _in_thread(lambda: om.MDGMessage.addTimeChangeCallback(print))
    assert isinstance(box.get("error"), RuntimeError), "the API is main-thread only"
    om.MMessage.removeCallbacks([callback])
    assert om.MTime(48, om.MTime.kFilm).asUnits(om.MTime.kSeconds) == 2.0
