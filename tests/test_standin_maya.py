"""The Maya stand-in (tests/hosts/maya) enforces Maya's rules and behaves as Maya's scene commands do.

The stand-in's session is process-global (batch or graphical, the scene, option variables), so every test
starts from a fixture that resets it and puts it back to "not started" afterwards. Deferred work is driven from
the test's main thread with ``LOOP.process_pending()`` or ``LOOP.run()``/``stop()``; waits are on conditions
with timeouts, never sleeps.
"""
import math
import os
import subprocess
import sys
import threading

import pytest

from support import MAYA_STANDIN

if str(MAYA_STANDIN) not in sys.path:
    sys.path.insert(0, str(MAYA_STANDIN))

import _maya_sim  # noqa: E402
from hostloop import LOOP  # noqa: E402


@pytest.fixture
def batch():
    """mayapy after maya.standalone.initialize(): a fresh scene, no UI."""
    _maya_sim.reset("batch")
    import maya.cmds

    yield maya.cmds
    _maya_sim.reset("not started")


@pytest.fixture
def gui():
    """A graphical Maya: main window, UI commands, idle events."""
    _maya_sim.reset("gui")
    import maya.cmds

    yield maya.cmds
    LOOP.process_pending()
    _maya_sim.reset("not started")


def run_in_worker(fn, timeout=5.0):
    """Run ``fn`` on another thread; return what it returned or raised (as ("ok"|"error", value))."""
    box = {}

    def target():
        try:
            box["result"] = ("ok", fn())
        except BaseException as exc:  # handed back to the test
            box["result"] = ("error", exc)

    thread = threading.Thread(target=target, name="worker")
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "the worker thread did not finish"
    return box["result"]


def run_python(code, timeout=30):
    env = dict(os.environ, PYTHONPATH=str(MAYA_STANDIN))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout)


# --------------------------------------------------------------------------------------------------- rules


@pytest.mark.timeout(30)
def test_mayapy_has_no_commands_until_standalone_initialize():
    done = run_python(
        "import maya.cmds as cmds\n"
        "try:\n"
        "    cmds.ls\n"
        "except AttributeError as exc:\n"
        "    print('before:', exc)\n"
        "import maya.standalone\n"
        "maya.standalone.initialize(name='python')\n"
        "print('after:', cmds.ls(type='camera'), cmds.about(batch=True))\n"
    )
    assert done.returncode == 0, done.stderr
    assert "before: module 'maya.cmds' has no attribute 'ls'" in done.stdout
    assert "after: ['perspShape', 'topShape', 'frontShape', 'sideShape'] True" in done.stdout


@pytest.mark.timeout(10)
@pytest.mark.parametrize("mode", ["batch", "gui"])
def test_cmds_off_the_main_thread_raise(mode):
    _maya_sim.reset(mode)
    try:
        import maya.cmds as cmds

        cmds.polyCube()
        kind, value = run_in_worker(lambda: cmds.ls())
        assert kind == "error" and isinstance(value, RuntimeError)
        assert "main thread" in str(value) and "ls" in str(value)
        kind, value = run_in_worker(lambda: cmds.setAttr("pCube1.tx", 3))
        assert kind == "error" and isinstance(value, RuntimeError)
        assert cmds.getAttr("pCube1.tx") == 0.0  # nothing happened
    finally:
        _maya_sim.reset("not started")


@pytest.mark.timeout(10)
def test_commands_refuse_to_run_once_maya_is_not_started(batch):
    _maya_sim.reset("not started")
    with pytest.raises(RuntimeError, match="not initialized"):
        batch.ls()


@pytest.mark.timeout(10)
def test_batch_and_gui_sessions_differ_as_maya_does(batch):
    import maya.mel
    import maya.standalone

    assert batch.about(batch=True) is True
    assert maya.mel.eval("$tmp=$gMainWindow") == ""
    _maya_sim.enable_gui()
    assert batch.about(batch=True) is False
    assert maya.mel.eval("$tmp = $gMainWindow;") == "MayaWindow"
    with pytest.raises(RuntimeError, match="already running"):
        maya.standalone.initialize(name="python")
    with pytest.raises(RuntimeError, match="Error occurred during execution of MEL script"):
        maya.mel.eval("polyCube -n box")


@pytest.mark.timeout(10)
def test_flags_are_checked_as_maya_checks_them(batch):
    with pytest.raises(TypeError, match="Invalid flag 'bogus'"):
        batch.ls(bogus=True)
    with pytest.raises(TypeError, match="Invalid arguments for flag 'n'.  Expected string, got int"):
        batch.polyCube(n=3)
    with pytest.raises(TypeError, match="must be passed a boolean argument"):
        batch.ls(sl="yes")
    with pytest.raises(TypeError, match="at most 1 positional"):
        batch.objExists("a", "b")
    with pytest.raises(TypeError, match="at most 0 positional"):
        batch.playbackOptions("pCube1", q=True, min=True)
    cube = batch.polyCube()[0]  # Maya's habitual spellings: 1 for True, in query mode too
    assert batch.ls(sl=1) == [cube] and batch.xform(cube, q=1, ws=1, t=1) == [0.0, 0.0, 0.0]


# ------------------------------------------------------------------------------------------ maya.utils


@pytest.mark.timeout(10)
def test_execute_in_main_thread_with_result_runs_inline_on_the_main_thread(gui):
    import maya.utils

    seen = []
    result = maya.utils.executeInMainThreadWithResult(lambda a, b=0: seen.append(threading.current_thread()) or a + b,
                                                      2, b=3)
    assert result == 5 and seen == [threading.main_thread()]
    assert maya.utils.executeInMainThreadWithResult("1 + 1") == 2


@pytest.mark.timeout(10)
def test_execute_in_main_thread_with_result_from_a_worker_waits_for_the_main_loop(gui):
    import maya.utils

    box = {}

    def worker():
        box["value"] = maya.utils.executeInMainThreadWithResult(lambda: (gui.polyCube()[0], threading.current_thread()))
        LOOP.stop()

    thread = threading.Thread(target=worker)
    thread.start()
    LOOP.run()  # the graphical session's event loop, until the worker stops it
    thread.join(5)
    name, ran_on = box["value"]
    assert name == "pCube1" and ran_on is threading.main_thread()


@pytest.mark.timeout(10)
def test_execute_in_main_thread_with_result_is_not_available_in_batch(batch):
    import maya.utils

    with pytest.raises(RuntimeError, match="not available in batch mode"):
        maya.utils.executeInMainThreadWithResult(lambda: 1)
    kind, value = run_in_worker(lambda: maya.utils.executeInMainThreadWithResult(lambda: 1))
    assert kind == "error" and "not available in batch mode" in str(value)


@pytest.mark.timeout(10)
def test_execute_deferred_from_a_worker_runs_on_the_main_thread_when_the_loop_runs(gui):
    import maya.utils

    ran = []
    kind, _ = run_in_worker(lambda: maya.utils.executeDeferred(
        lambda name: ran.append((name, threading.current_thread(), gui.polyCube(n=name)[0])), "box"))
    assert kind == "ok" and ran == []  # queued, not run
    assert LOOP.process_pending() >= 1
    assert ran == [("box", threading.main_thread(), "box")]


@pytest.mark.timeout(10)
def test_batch_has_no_idle_events_until_process_idle_events(batch):
    import __main__

    import maya.utils

    maya.utils.executeDeferred("import maya.cmds; maya.cmds.polySphere(n='later')")
    batch.evalDeferred(lambda: batch.polyCube(n="lowest"), lowestPriority=True)
    assert LOOP.process_pending() == 0 and not batch.objExists("later")
    assert maya.utils.processIdleEvents() is True
    assert batch.ls("later", "lowest") == ["later", "lowest"]
    assert "maya" in vars(__main__)  # the string ran in __main__, as Maya runs deferred Python


@pytest.mark.timeout(10)
def test_a_failing_deferred_call_is_shown_not_raised(gui):
    import maya.utils

    maya.utils.executeDeferred(lambda: 1 / 0)
    maya.utils.executeDeferred(lambda: gui.polyCube(n="after"))
    LOOP.process_pending()
    assert gui.objExists("after")
    assert any("ZeroDivisionError" in text for text in _maya_sim.shown()["errors"])


# -------------------------------------------------------------------------------------------------- scene


@pytest.mark.timeout(10)
def test_poly_cube_names_and_returns_like_maya(batch):
    assert batch.polyCube() == ["pCube1", "polyCube1"]
    assert batch.polyCube(w=2, h=3, d=4) == ["pCube2", "polyCube2"]
    assert batch.polyCube(name="box") == ["box", "polyCube3"]
    assert batch.polyCube(n="box") == ["box1", "polyCube4"]
    assert batch.polyCube(constructionHistory=False) == ["pCube3"]
    assert batch.listRelatives("pCube2", shapes=True) == ["pCubeShape2"]
    assert batch.listRelatives("box", s=True) == ["boxShape"]
    assert batch.ls(sl=True) == ["pCube3"]  # a new object is the selection
    assert batch.polyCube("polyCube2", q=True, width=True) == 2.0
    assert batch.polyCube("pCube2", query=True, h=True) == 3.0  # history found through the transform
    assert batch.polySphere(r=2, sa=8, sh=4) == ["pSphere1", "polySphere1"]
    assert batch.polyPlane(sx=2, sy=3) == ["pPlane1", "polyPlane1"]
    assert batch.nodeType("polyCube1") == "polyCube" and batch.nodeType("pCubeShape1") == "mesh"
    assert batch.nodeType("pCubeShape1", apiType=True) == "kMesh"


@pytest.mark.timeout(10)
def test_ls_and_select_with_long_and_short_flags(batch):
    batch.polyCube()
    batch.polySphere()
    batch.group("pSphere1", n="grp")
    assert batch.ls("pCube*") == ["pCube1", "pCubeShape1"]
    assert batch.ls("pCube*", transforms=True) == ["pCube1"]
    assert batch.ls(type="mesh") == ["pCubeShape1", "pSphereShape1"]
    assert batch.ls(typ=["mesh", "polySphere"]) == ["pCubeShape1", "pSphereShape1", "polySphere1"]
    assert batch.ls("pSphere1", long=True) == ["|grp|pSphere1"]
    assert batch.ls("pSphereShape1", l=True) == ["|grp|pSphere1|pSphereShape1"]
    assert batch.ls("nothing*") == [] and batch.ls("nothing") == []
    assert batch.ls(assemblies=True) == ["persp", "top", "front", "side", "pCube1", "grp"]
    assert "perspShape" in batch.ls(shapes=True) and "time1" not in batch.ls(dag=True)
    batch.select("pCube1")
    batch.select("grp", add=True)
    assert batch.ls(selection=True) == ["pCube1", "grp"]
    assert batch.ls(sl=True, dag=True, type="mesh") == ["pCubeShape1", "pSphereShape1"]
    batch.select("pCube1", d=True)
    assert batch.ls(sl=True) == ["grp"]
    batch.select("pCube1", "grp", tgl=True)
    assert batch.ls(sl=True) == ["pCube1"]
    batch.select(clear=True)
    assert batch.ls(sl=True) == []
    batch.select(["pCube1", "pSphere1"])
    assert batch.ls(sl=True, showType=True) == ["pCube1", "transform", "pSphere1", "transform"]
    with pytest.raises(ValueError, match="No object matches name: nope"):
        batch.select("nope")
    with pytest.raises(RuntimeError, match="Unknown object type: meshy"):
        batch.ls(type="meshy")


@pytest.mark.timeout(10)
def test_get_and_set_attr_with_long_and_short_names(batch):
    cube = batch.polyCube()[0]
    assert batch.getAttr(cube + ".translate") == [(0.0, 0.0, 0.0)]
    batch.setAttr(cube + ".translate", 1, 2, 3)
    batch.setAttr(cube + ".tx", 5)
    batch.setAttr(cube + ".rotateY", 90)
    batch.setAttr(cube + ".s", 2, 2, 2)
    batch.setAttr(cube + ".v", False)
    assert batch.getAttr(cube + ".t") == [(5.0, 2.0, 3.0)]
    assert batch.getAttr(cube + ".translateX") == 5.0 and batch.getAttr(cube + ".ry") == 90.0
    assert batch.getAttr(cube + ".scale") == [(2.0, 2.0, 2.0)] and batch.getAttr(cube + ".visibility") is False
    assert batch.getAttr(cube + ".tx", type=True) == "doubleLinear" and batch.getAttr(cube + ".t", typ=True) == \
        "double3"
    assert batch.getAttr(cube + ".worldMatrix")[12:15] == [5.0, 2.0, 3.0]
    assert batch.getAttr("time1.outTime") == 1.0
    batch.setAttr(cube + ".tx", lock=True)
    assert batch.getAttr(cube + ".tx", lock=True) is True
    with pytest.raises(RuntimeError, match="is locked or connected and cannot be modified"):
        batch.setAttr(cube + ".tx", 1)
    with pytest.raises(ValueError, match="No object matches name: pCube1.bogus"):
        batch.getAttr(cube + ".bogus")
    with pytest.raises(ValueError, match="No object matches name: nope.tx"):
        batch.setAttr("nope.tx", 1)
    with pytest.raises(RuntimeError, match="takes 3 value"):
        batch.setAttr(cube + ".rotate", 1, 2)
    with pytest.raises(RuntimeError, match="Error reading data element number 1"):
        batch.setAttr(cube + ".ry", "ninety")


@pytest.mark.timeout(10)
def test_xform_in_object_and_world_space(batch):
    cube = batch.polyCube()[0]
    grp = batch.group(empty=True, name="grp")
    batch.parent(cube, grp)
    batch.xform(grp, translation=(10, 0, 0))
    batch.xform(cube, t=(1, 2, 3))
    assert batch.xform(cube, q=True, t=True) == [1.0, 2.0, 3.0]
    assert batch.xform(cube, query=True, translation=True, worldSpace=True) == [11.0, 2.0, 3.0]
    batch.xform(cube, ws=True, t=(0, 0, 0))
    assert batch.getAttr(cube + ".t") == [(-10.0, 0.0, 0.0)]
    batch.xform(grp, ro=(0, 90, 0))
    batch.xform(cube, t=(0, 0, 1))
    world = batch.xform(cube, q=True, t=True, ws=True)
    assert [round(v, 9) for v in world] == [11.0, 0.0, 0.0]  # +Z turned 90 degrees about Y is +X
    assert [round(v, 6) for v in batch.xform(cube, q=True, ro=True, ws=True)] == [0.0, 90.0, 0.0]
    batch.xform(cube, r=True, t=(0, 1, 0))
    assert batch.xform(cube, q=True, t=True, os=True) == [0.0, 1.0, 1.0]
    m = batch.xform(cube, q=True, matrix=True, ws=True)
    batch.xform(cube, m=m, ws=True)  # round trip: the world matrix is kept
    assert all(math.isclose(a, b, abs_tol=1e-9) for a, b in zip(batch.xform(cube, q=True, m=True, ws=True), m))
    batch.xform(grp, s=(2, 2, 2))
    assert [round(v, 9) for v in batch.xform(cube, q=True, s=True, ws=True)] == [2.0, 2.0, 2.0]
    with pytest.raises(ValueError, match="No object matches name: nope"):
        batch.xform("nope", q=True, t=True)


@pytest.mark.timeout(10)
def test_current_time_and_playback_options(batch):
    from maya.api import OpenMaya as om

    changes, jobs = [], []
    callback = om.MDGMessage.addTimeChangeCallback(lambda time, data: changes.append((time.value, data)), "cd")
    job = batch.scriptJob(event=["timeChanged", lambda: jobs.append(batch.currentTime(q=True))])
    assert batch.currentTime(q=True) == 1.0
    assert batch.currentTime(24) == 24.0
    batch.currentTime(30, update=False)
    batch.currentTime(30)  # no change, no event
    assert batch.currentTime(query=True) == 30.0 and batch.getAttr("time1.outTime") == 30.0
    assert changes == [(24.0, "cd"), (30.0, "cd")], "API callbacks run at once, in batch too"
    batch.scriptJob(kill=job)
    assert jobs == [] and batch.scriptJob(ex=job) is False, "script jobs do nothing in batch mode (Autodesk)"
    om.MMessage.removeCallback(callback)
    batch.currentTime(5)
    assert changes == [(24.0, "cd"), (30.0, "cd")]
    with pytest.raises(RuntimeError, match="kInvalidParameter"):
        om.MMessage.removeCallback(callback)
    assert batch.playbackOptions(q=True, minTime=True) == 1.0 and batch.playbackOptions(q=True, max=True) == 120.0
    assert batch.playbackOptions(query=True, animationEndTime=True) == 200.0
    batch.playbackOptions(min=10, max=250)
    assert batch.playbackOptions(q=True, min=True) == 10.0 and batch.playbackOptions(q=True, maxTime=True) == 250.0
    assert batch.playbackOptions(q=True, aet=True) == 250.0  # the animation range grows to hold it
    assert batch.playbackOptions(q=True, ast=True) == 1.0


@pytest.mark.timeout(10)
def test_hierarchy_commands(batch):
    cube = batch.polyCube()[0]
    assert batch.objExists(cube) and batch.objExists(cube + ".tx") and not batch.objExists("nope")
    assert batch.listRelatives(cube) == ["pCubeShape1"]
    assert batch.listRelatives("pCubeShape1", parent=True) == ["pCube1"]
    assert batch.listRelatives("pCubeShape1", s=True) is None  # Maya gives None, not []
    grp = batch.group(cube)
    assert grp == "group1" and batch.listRelatives(cube, p=True, f=True) == ["|group1"]
    assert batch.listRelatives(grp, ad=True) == ["pCubeShape1", "pCube1"]
    assert batch.parent(cube, world=True) == ["pCube1"] and batch.listRelatives(cube, p=True) is None
    assert batch.rename(cube, "crate") == "crate"
    assert batch.listRelatives("crate", shapes=True) == ["crateShape"]
    assert batch.rename("group1", "crate") == "crate1"  # names stay unique
    shape = batch.createNode("mesh", n="made")
    assert shape == "made" and batch.listRelatives(shape, p=True) == ["polySurface1"]
    batch.delete("crate")
    assert not batch.objExists("crate") and not batch.objExists("crateShape") and not batch.objExists("polyCube1")
    with pytest.raises(ValueError, match="No object matches name: crate"):
        batch.delete("crate")
    with pytest.raises(RuntimeError, match="Unknown object type: bogus"):
        batch.createNode("bogus")


@pytest.mark.timeout(10)
def test_new_file_and_scene_name(batch):
    batch.undoInfo(openChunk=True, chunkName="work")
    batch.polyCube()
    batch.undoInfo(closeChunk=True)
    assert batch.file(q=True, sceneName=True) == ""
    assert batch.file(query=True, modified=True) is True
    with pytest.raises(RuntimeError, match="Unsaved changes"):
        batch.file(new=True)
    batch.file(new=True, force=True)
    assert batch.ls("pCube*") == [] and batch.currentTime(q=True) == 1.0
    batch.file(rename="/tmp/shot.ma")
    assert batch.file(q=True, sn=True) == "/tmp/shot.ma" and batch.file(q=True, sn=True, shn=True) == "shot.ma"
    assert batch.polyCube()[0] == "pCube1"  # a new scene starts the numbering again


# ------------------------------------------------------------------------------------------ OpenMaya (2.0)


def mesh_fn(name):
    import maya.api.OpenMaya as om

    return om.MFnMesh(om.MSelectionList().add(name).getDagPath(0))


@pytest.mark.timeout(10)
def test_open_maya_off_the_main_thread_raises(batch):
    import maya.api.OpenMaya as om

    batch.polyCube()
    fn = mesh_fn("pCube1")
    for call in (lambda: om.MSelectionList().add("pCube1"), lambda: fn.getPoints(), lambda: fn.numVertices,
                 lambda: om.MPoint(1, 2, 3), lambda: om.MGlobal.getActiveSelectionList()):
        kind, value = run_in_worker(call)
        assert kind == "error" and isinstance(value, RuntimeError) and "main thread" in str(value)
    assert fn.numVertices == 8  # fine on the main thread


@pytest.mark.timeout(10)
def test_open_maya_needs_a_started_maya(batch):
    import maya.api.OpenMaya as om

    _maya_sim.reset("not started")
    assert om.MPoint(1, 2, 3).x == 1.0  # plain values need no scene
    with pytest.raises(RuntimeError, match="not initialized"):
        om.MSelectionList().add("persp")


@pytest.mark.timeout(10)
def test_poly_cube_mesh_as_maya_builds_it(batch):
    import maya.api.OpenMaya as om

    batch.polyCube()
    fn = mesh_fn("pCube1")  # a path to the transform: the function set takes its one shape
    assert fn.name() == "pCubeShape1" and fn.fullPathName() == "|pCube1|pCubeShape1"
    assert (fn.numVertices, fn.numPolygons, fn.numFaceVertices, fn.numEdges) == (8, 6, 24, 12)
    counts, connects = fn.getVertices()
    assert isinstance(counts, om.MIntArray) and list(counts) == [4] * 6
    assert list(connects) == [0, 1, 3, 2, 2, 3, 5, 4, 4, 5, 7, 6, 6, 7, 1, 0, 1, 7, 5, 3, 6, 0, 2, 4]
    points = fn.getPoints(om.MSpace.kObject)
    assert isinstance(points, om.MPointArray) and len(points) == 8
    assert [tuple(p)[:3] for p in points] == [(-0.5, -0.5, 0.5), (0.5, -0.5, 0.5), (-0.5, 0.5, 0.5),
                                              (0.5, 0.5, 0.5), (-0.5, 0.5, -0.5), (0.5, 0.5, -0.5),
                                              (-0.5, -0.5, -0.5), (0.5, -0.5, -0.5)]
    u, v = fn.getUVs()
    assert isinstance(u, om.MFloatArray) and len(u) == len(v) == 14 and fn.getUVSetNames() == ["map1"]
    uv_counts, uv_ids = fn.getAssignedUVs()
    assert list(uv_counts) == [4] * 6 and len(uv_ids) == 24 and (u[10], v[10]) == (0.875, 0.0)
    normals = fn.getNormals()
    assert len(normals) == 24 and normals[0] == om.MFloatVector(0, 0, 1)  # hard edges: one per face-vertex


@pytest.mark.timeout(10)
@pytest.mark.parametrize("make", ["polyCube", "polySphere", "polyPlane", "cube subdivided"])
def test_faces_wind_counter_clockwise_seen_from_outside(batch, make):
    """Maya's front face is counter-clockwise (Houdini's is clockwise): every face normal points outwards."""
    if make == "cube subdivided":
        name = batch.polyCube(sx=2, sy=3, sz=4, w=2)[0]
    else:
        name = getattr(batch, make)()[0]
    import maya.api.OpenMaya as om

    fn = mesh_fn(name)
    points = fn.getPoints()
    counts, connects = fn.getVertices()
    start = 0
    for polygon, count in enumerate(counts):
        face = [points[i] for i in connects[start:start + count]]
        start += count
        centre = om.MVector(*(sum(p[axis] for p in face) / count for axis in range(3)))
        normal = (face[1] - face[0]) ^ (face[2] - face[1])  # right-handed: counter-clockwise faces the viewer
        if make == "polyPlane":
            assert normal.y > 0, f"face {polygon} faces down"
        else:  # the mesh is centred on the origin: outwards is away from it
            assert normal * centre > 0, f"face {polygon} winds clockwise (faces inwards)"
        assert fn.getPolygonNormal(polygon).isEquivalent(normal.normal(), 1e-6)


@pytest.mark.timeout(10)
def test_subdivided_primitives_count_like_maya(batch):
    assert (mesh_fn(batch.polySphere()[0]).numVertices, mesh_fn("pSphere1").numPolygons) == (382, 400)
    assert mesh_fn("pSphere1").numUVs() == 439
    assert (mesh_fn(batch.polyPlane()[0]).numVertices, mesh_fn("pPlane1").numPolygons) == (121, 100)
    cube = mesh_fn(batch.polyCube(sx=2, sy=2, sz=2)[0])
    assert (cube.numVertices, cube.numPolygons, cube.numEdges) == (26, 24, 48)
    batch.setAttr("polyCube1.subdivisionsWidth", 3)  # construction history rebuilds the mesh
    assert mesh_fn("pCube1").numPolygons == 2 * (3 * 2 + 3 * 2 + 2 * 2)  # front/back, top/bottom, sides


@pytest.mark.timeout(10)
def test_mfnmesh_create_round_trip(batch):
    import maya.api.OpenMaya as om

    vertices = [om.MPoint(0, 0, 0), om.MPoint(1, 0, 0), om.MPoint(1, 1, 0.1), om.MPoint(0, 1, 0)]
    fn = om.MFnMesh()
    transform = fn.create(vertices, [3, 3], [0, 1, 2, 0, 2, 3], [0, 1, 1, 0], [0, 0, 1, 1])
    assert transform.apiType() == om.MFn.kTransform and transform.hasFn(om.MFn.kDagNode)
    assert om.MFnDependencyNode(transform).name() == "polySurface1" and fn.name() == "polySurfaceShape1"
    again = mesh_fn("polySurface1")
    assert (again.numVertices, again.numPolygons) == (4, 2)
    assert [list(a) for a in again.getVertices()] == [[3, 3], [0, 1, 2, 0, 2, 3]]
    assert again.getPoints()[2].z == pytest.approx(0.1) and again.getPoints()[2].z != 0.1  # single precision
    assert [list(a) for a in again.getUVs()] == [[0, 1, 1, 0], [0, 0, 1, 1]]
    assert [list(a) for a in again.getAssignedUVs()] == [[0, 0], []]  # create() makes UVs, assignUVs assigns
    again.assignUVs([3, 3], [0, 1, 2, 0, 2, 3])
    assert list(mesh_fn("polySurfaceShape1").getAssignedUVs()[1]) == [0, 1, 2, 0, 2, 3]
    moved = om.MPointArray([om.MPoint(p.x, p.y, p.z + 5) for p in again.getPoints()])
    again.setPoints(moved)
    assert [p.z for p in mesh_fn("polySurface1").getPoints()] == pytest.approx([5, 5, 5.1, 5])
    batch.setAttr("polySurface1.ty", 10)
    assert mesh_fn("polySurface1").getPoints(om.MSpace.kWorld)[0] == om.MPoint(0, 10, 5)
    with pytest.raises(RuntimeError, match="Must have a DAG path"):
        om.MFnMesh(om.MSelectionList().add("polySurfaceShape1").getDependNode(0)).getPoints(om.MSpace.kWorld)
    with pytest.raises(RuntimeError, match="polygonCounts add up to 4"):
        om.MFnMesh().create(vertices, [4], [0, 1, 2])
    with pytest.raises(RuntimeError, match="setPoints needs 4 points"):
        again.setPoints(vertices[:3])


@pytest.mark.timeout(10)
def test_selection_lists_paths_and_objects(batch):
    import maya.api.OpenMaya as om

    batch.polyCube()
    batch.polySphere()
    batch.group("pSphere1", n="grp")
    selection = om.MSelectionList()
    selection.add("pCube1").add("p*Shape1")
    assert selection.length() == 3 and selection.getSelectionStrings() == ["pCube1", "pCubeShape1", "pSphereShape1"]
    path = selection.getDagPath(2)
    assert path.fullPathName() == "|grp|pSphere1|pSphereShape1" and path.partialPathName() == "pSphereShape1"
    assert path.length() == 3 and path.node().hasFn(om.MFn.kMesh)
    assert path.pop().fullPathName() == "|grp|pSphere1" and path.extendToShape().partialPathName() == "pSphereShape1"
    assert selection.getDependNode(0).apiTypeStr == "kTransform"
    with pytest.raises(RuntimeError, match="Object does not exist"):
        selection.add("nope")
    with pytest.raises(RuntimeError, match="incompatible"):
        om.MFnMesh(om.MSelectionList().add("grp").getDependNode(0))
    batch.select("pCube1")
    assert om.MGlobal.getActiveSelectionList().getSelectionStrings() == ["pCube1"]
    om.MGlobal.setActiveSelectionList(om.MSelectionList().add("grp"), om.MGlobal.kAddToList)
    assert batch.ls(sl=True) == ["pCube1", "grp"]
    assert om.MGlobal.mayaState() == om.MGlobal.kLibraryApp  # mayapy
    om.MGlobal.displayWarning("careful")
    assert _maya_sim.shown()["warnings"] == ["careful"]


@pytest.mark.timeout(10)
def test_value_types_behave_as_maya_s(batch):
    import maya.api.OpenMaya as om

    a, b = om.MPoint(1, 2, 3), om.MPoint(1, 2, 5)
    assert isinstance(b - a, om.MVector) and (b - a).length() == 2.0 and a.distanceTo(b) == 2.0
    assert isinstance(a + om.MVector(1, 0, 0), om.MPoint)
    assert om.MVector(1, 0, 0) ^ om.MVector(0, 1, 0) == om.MVector(0, 0, 1)
    assert om.MVector(1, 2, 3) * om.MVector(1, 1, 1) == 6.0
    shift = om.MMatrix([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 5, 6, 7, 1])
    assert a * shift == om.MPoint(6, 8, 10) and om.MVector(1, 0, 0) * shift == om.MVector(1, 0, 0)
    assert (shift * shift.inverse()).isEquivalent(om.MMatrix.kIdentity)
    assert om.MFloatVector(0.1, 0, 0).x != 0.1 and om.MVector(0.1, 0, 0).x == 0.1
    ints = om.MIntArray([1, 2])
    ints.append(3)
    assert list(ints) == [1, 2, 3] and len(ints.setLength(5)) == 5 and ints[4] == 0
    with pytest.raises(IndexError):
        ints[9]
    with pytest.raises(TypeError):
        ints.append(1.5)


# ------------------------------------------------------------------------------------- UI, prefs, events


@pytest.mark.timeout(10)
def test_ui_commands_raise_in_batch(batch):
    for call in (lambda: batch.menu("m", parent="MayaWindow", label="M"), lambda: batch.window(),
                 lambda: batch.confirmDialog(message="?"), lambda: batch.progressWindow(title="t"),
                 lambda: batch.headsUpMessage("hi"), lambda: batch.deleteUI("m", menu=True)):
        with pytest.raises(RuntimeError, match="batch mode"):
            call()
    batch.optionVar(iv=("stillWorks", 1))  # not UI: fine in batch
    assert batch.optionVar(q="stillWorks") == 1


@pytest.mark.timeout(10)
def test_menus_build_query_rebuild_and_pick(gui):
    picked = []
    assert gui.menu("bridgeMenu", exists=True) is False
    menu = gui.menu("bridgeMenu", parent="MayaWindow", label="Houdini Bridge", tearOff=True)
    assert menu == "MayaWindow|bridgeMenu"
    gui.menuItem(label="Connect...", command=lambda *args: picked.append(("connect", args)))
    gui.menuItem(divider=True)
    gui.menuItem(label="Tools", subMenu=True)
    gui.menuItem(label="Send Cube", command="import maya.cmds; maya.cmds.polyCube(n='sent')")
    gui.setParent("..", menu=True)
    gui.menuItem(label="Status", command=lambda checked: picked.append(("status", checked)))
    gui.menuItem(optionBox=True, command=lambda *args: picked.append(("options", args)))
    items = gui.menu("bridgeMenu", q=True, itemArray=True)
    assert len(items) == 5 and gui.menu(menu, q=True, label=True) == "Houdini Bridge"
    assert gui.menuItem(items[0], q=True, label=True) == "Connect..."
    assert gui.menuItem(items[4], q=True, isOptionBox=True) is True
    _maya_sim.pick_menu_item("Houdini Bridge", "Connect...")
    _maya_sim.pick_menu_item("Houdini Bridge", "Tools", "Send Cube")
    _maya_sim.pick_menu_item("Houdini Bridge", "Status")
    _maya_sim.pick_menu_item("Houdini Bridge", "Status", option_box=True)
    assert picked == [("connect", (False,)), ("status", False), ("options", (False,))]  # Maya passes a bool
    assert gui.objExists("sent")  # the string command ran as Python
    assert [m["label"] for m in _maya_sim.menus()] == ["Houdini Bridge"]
    assert [i["label"] for i in _maya_sim.menus()[0]["items"]][:3] == ["Connect...", "", "Tools"]
    # rebuilding as DCC tools do: delete the old menu first, or Maya refuses the name
    with pytest.raises(RuntimeError, match="not unique: bridgeMenu"):
        gui.menu("bridgeMenu", parent="MayaWindow", label="again")
    gui.deleteUI("bridgeMenu", menu=True)
    assert gui.menu("bridgeMenu", exists=True) is False and _maya_sim.menus() == []
    with pytest.raises(RuntimeError, match="Object not found: bridgeMenu"):
        gui.deleteUI("bridgeMenu", menu=True)
    with pytest.raises(LookupError, match="no menu labelled"):
        _maya_sim.pick_menu_item("Houdini Bridge", "Connect...")


@pytest.mark.timeout(10)
def test_a_failing_menu_command_is_shown_not_raised(gui):
    gui.menu("m", parent="MayaWindow", label="M")
    gui.menuItem(label="Broken", command=lambda: None)  # takes no argument: Maya's call fails
    _maya_sim.pick_menu_item("M", "Broken")
    assert any("TypeError" in text for text in _maya_sim.shown()["errors"])


@pytest.mark.timeout(10)
def test_dialogs_take_the_scripted_answers(gui):
    ask = dict(title="Connect", message="Connect to Houdini?", button=["Connect", "Cancel"],
               defaultButton="Connect", cancelButton="Cancel", dismissString="Cancel")
    assert gui.confirmDialog(**ask) == "Connect"  # nothing queued: the user presses Enter
    _maya_sim.queue_answer("Cancel")
    _maya_sim.queue_answer({"dismiss": True})
    assert gui.confirmDialog(**ask) == "Cancel" and gui.confirmDialog(**ask) == "Cancel"
    _maya_sim.queue_answer({"button": "OK", "text": "192.168.1.20:18811"})
    assert gui.promptDialog(title="Houdini", message="host:port", text="localhost:18811",
                            button=["OK", "Cancel"]) == "OK"
    assert gui.promptDialog(query=True, text=True) == "192.168.1.20:18811"
    assert gui.promptDialog(t="Houdini", m="host:port", tx="localhost:1", b=["OK", "Cancel"], db="OK") == "OK"
    assert gui.promptDialog(q=True, tx=True) == "localhost:1"

    def build():
        form = gui.setParent(q=True)
        field = gui.textField("hostField", text="localhost")
        gui.button(label="Connect", command=lambda *a: gui.layoutDialog(
            dismiss="connect " + gui.textField(field, q=True, text=True)))
        gui.formLayout(form, edit=True, attachForm=[(field, "top", 5)])

    _maya_sim.queue_answer({"fields": {"hostField": "farm-07"}, "click": "Connect"})
    assert gui.layoutDialog(title="Connect", uiScript=build) == "connect farm-07"
    assert gui.layoutDialog(title="Connect", uiScript=build) == "dismiss"
    _maya_sim.queue_answer("Maybe")
    with pytest.raises(AssertionError, match="simulated user answered 'Maybe'"):
        gui.confirmDialog(**ask)
    dialogs = _maya_sim.shown()["dialogs"]
    assert [d["answer"] for d in dialogs[:3]] == ["Connect", "Cancel", "Cancel"]
    assert dialogs[0]["message"] == "Connect to Houdini?" and dialogs[0]["buttons"] == ["Connect", "Cancel"]
    assert _maya_sim.pending_answers() == []


@pytest.mark.timeout(10)
def test_a_small_window_with_controls(gui):
    pressed = []
    window = gui.window("connectWindow", title="Connect to Houdini", widthHeight=(300, 120))
    gui.columnLayout(adjustableColumn=True)
    gui.text(label="Host")
    field = gui.textField(text="localhost:18811")
    menu = gui.optionMenu(label="Mode")
    gui.menuItem(label="Live")
    gui.menuItem(label="Once")
    gui.button(label="Connect", command=lambda *a: pressed.append(gui.textField(field, q=True, text=True)))
    gui.setParent("..")
    gui.showWindow(window)
    assert gui.window("connectWindow", exists=True) and gui.window(window, q=True, title=True) == "Connect to Houdini"
    assert gui.optionMenu(menu, q=True, value=True) == "Live"
    gui.optionMenu(menu, e=True, value="Once")
    assert gui.optionMenu(menu, q=True, select=True) == 2
    _maya_sim.set_text(field, "farm-07:18811")
    _maya_sim.click("Connect")
    assert pressed == ["farm-07:18811"]
    shown = _maya_sim.shown()["windows"]
    assert shown[0]["title"] == "Connect to Houdini" and shown[0]["layout"]["children"][0]["kind"] == "layout"
    gui.deleteUI(window, window=True)
    assert not gui.window("connectWindow", exists=True)


@pytest.mark.timeout(10)
def test_progress_window_and_messages(gui):
    assert gui.progressWindow(title="Sending", progress=0, status="mesh", isInterruptable=True) is True
    gui.progressWindow(edit=True, progress=40, status="points")
    assert gui.progressWindow(query=True, isCancelled=True) is False
    _maya_sim.cancel_progress()
    assert gui.progressWindow(q=True, ic=True) is True and gui.progressWindow(q=True, progress=True) == 40
    gui.progressWindow(endProgress=True)
    gui.headsUpMessage("Sent to Houdini")
    gui.inViewMessage(assistMessage="Linked", position="midCenter", fade=True)
    gui.warning("Houdini is not answering")
    with pytest.raises(RuntimeError, match="^no link$"):
        gui.error("no link")
    shown = _maya_sim.shown()
    assert shown["headsUp"][0]["text"] == "Sent to Houdini" and shown["inView"][0]["text"] == "Linked"
    assert shown["warnings"] == ["Houdini is not answering"] and shown["errors"] == ["no link"]
    assert shown["progress"][-1]["ended"] is True and shown["progress"][1]["status"] == "points"


@pytest.mark.timeout(10)
def test_command_port_is_refused_and_recorded(gui):
    with pytest.raises(RuntimeError, match="does not open command ports"):
        gui.commandPort(name=":7001", sourceType="python")
    assert gui.commandPort(q=True, listPorts=True) == []
    assert _maya_sim.shown()["commandPorts"] == [{"name": ":7001", "sourceType": "python", "refused": True}]


@pytest.mark.timeout(10)
def test_option_vars(batch):
    batch.optionVar(intValue=("autostart", 1), stringValue=("lastHost", "farm-07:18811"))
    batch.optionVar(fv=("scale", 0.5), sva=[("hosts", "a"), ("hosts", "b")])
    assert batch.optionVar(exists="autostart") and batch.optionVar(q="autostart") == 1
    assert batch.optionVar(query="lastHost") == "farm-07:18811" and batch.optionVar(q="scale") == 0.5
    assert batch.optionVar(q="hosts") == ["a", "b"] and batch.optionVar(arraySize="hosts") == 2
    assert batch.optionVar(q="never") == 0 and batch.optionVar(ex="never") is False  # Maya answers 0
    batch.optionVar(remove="autostart")
    assert not batch.optionVar(exists="autostart")
    with pytest.raises(TypeError, match="Expected \\(string, int\\)"):
        batch.optionVar(iv=("autostart", "yes"))


@pytest.mark.timeout(60)
def test_option_vars_are_remembered_across_graphical_sessions_only(tmp_path):
    session = (
        "import sys, _maya_sim, maya.cmds as cmds\n"
        "_maya_sim.load_prefs(sys.argv[1])\n"
        "if sys.argv[2] == 'gui':\n"
        "    _maya_sim.enable_gui()\n"
        "else:\n"
        "    import maya.standalone; maya.standalone.initialize()\n"
        "print('seen', repr([cmds.optionVar(q=n) for n in ('runs', 'host', 'hosts', 'scale')]))\n"
        "cmds.optionVar(iv=('runs', cmds.optionVar(q='runs') + 1), sv=('host', 'say \"hi\" \\\\ there'))\n"
        "cmds.optionVar(ca='hosts', sva=[('hosts', 'a'), ('hosts', 'b')], fv=('scale', 0.25))\n"
        "_maya_sim.quit()\n"
    )

    def run(mode):
        done = subprocess.run([sys.executable, "-c", session, str(tmp_path), mode], capture_output=True, text=True,
                              env=dict(os.environ, PYTHONPATH=str(MAYA_STANDIN)), timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert run("gui") == "seen [0, 0, 0, 0]"
    assert run("gui") == "seen [1, 'say \"hi\" \\\\ there', ['a', 'b'], 0.25]"
    assert run("batch") == "seen [2, 'say \"hi\" \\\\ there', ['a', 'b'], 0.25]"
    assert run("gui") == "seen [2, 'say \"hi\" \\\\ there', ['a', 'b'], 0.25]"  # mayapy did not save its change
    assert 'optionVar -iv "runs" 3;' in (tmp_path / "userPrefs.mel").read_text()


@pytest.mark.timeout(10)
def test_idle_script_jobs_run_while_the_gui_loop_runs(gui):
    calls = []

    def on_idle():
        calls.append(threading.current_thread())
        if len(calls) == 3:
            LOOP.stop()

    job = gui.scriptJob(idleEvent=on_idle)
    LOOP.run()
    gui.scriptJob(kill=job, force=True)
    assert len(calls) == 3 and set(calls) == {threading.main_thread()}
    assert not gui.scriptJob(exists=job)


@pytest.mark.timeout(10)
def test_script_jobs_follow_selection_and_new_scenes(gui):
    events = []
    gui.scriptJob(event=["SelectionChanged", lambda: events.append("selection")])
    gui.scriptJob(event=["NewSceneOpened", "import maya.cmds; maya.cmds.polyCube(n='fresh')"], runOnce=True)
    gui.polyCube()
    gui.select(clear=True)
    assert events == [], "jobs run at the next idle, not inside the command (Autodesk: scriptJob)"
    LOOP.process_pending()
    assert events == ["selection"], "however often the event fired meanwhile, the job runs once"
    gui.select(clear=True)  # no change, no event
    gui.polyCube()
    LOOP.process_pending()
    assert events == ["selection", "selection"]
    gui.file(new=True, force=True)
    LOOP.process_pending()
    assert gui.ls("fresh*") == ["fresh", "freshShape"]
    gui.file(new=True, force=True)
    LOOP.process_pending()
    assert gui.ls("fresh*") == []  # runOnce: the job died after the first new scene
    with pytest.raises(RuntimeError, match="Invalid event name"):
        gui.scriptJob(event=["noSuchEvent", print])
