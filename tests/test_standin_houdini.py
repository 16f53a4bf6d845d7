"""The Houdini stand-in (tests/hosts/houdini): the rules it enforces and the behaviour the bridge relies on.

The stand-in is the only Houdini our code meets before users do, so each rule it models has a test showing it
enforced: hython vs graphical sessions, hou.ui only on the main thread, off-main-thread hou calls counted in a
graphical session, hdefereval only in a graphical session and running work on the main thread. Then the node
tree, parameters and exceptions as HOM has them.

hython/graphical is process-wide state: tests that switch it use the ``gui``/``starting`` fixtures, which put
the stand-in back into a fresh hython session afterwards.
"""
import importlib
import sys
import threading

import pytest

import _houdini_sim
import hou
from hostloop import LOOP
from hou._rules import UIThreadError


@pytest.fixture(autouse=True)
def fresh_hython():
    """Every test starts and ends in a fresh hython session (a new scene, no records)."""
    _houdini_sim.reset("hython")
    yield
    _houdini_sim.reset("hython")


@pytest.fixture
def gui():
    _houdini_sim.reset("gui")


@pytest.fixture
def starting():
    _houdini_sim.reset("starting")


def in_thread(fn, timeout=10):
    """Run ``fn`` in a worker thread; return its result or raise its exception there (never hangs)."""
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the test
            box["error"] = exc

    worker = threading.Thread(target=run, name="worker")
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), f"the worker did not finish within {timeout} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


def import_hdefereval():
    sys.modules.pop("hdefereval", None)
    return importlib.import_module("hdefereval")


# ---------------------------------------------------------------------------------------- session kinds


def test_plain_import_is_hython():
    assert hou.isUIAvailable() is False
    assert hou.applicationName() == "hython"
    assert not hasattr(hou, "ui"), "hython's hou has no ui attribute (public pipelines test hasattr(hou, 'ui'))"
    assert _houdini_sim.records() == []


def test_hdefereval_cannot_be_imported_in_hython():
    with pytest.raises(ImportError, match="graphical"):
        import_hdefereval()


def test_hdefereval_imports_in_a_graphical_session(gui):
    module = import_hdefereval()
    assert callable(module.executeDeferred)
    assert hou.isUIAvailable() is True
    assert hou.applicationName() == "houdini"


def test_going_back_to_hython_forgets_hdefereval(gui):
    import_hdefereval()
    _houdini_sim.set_hython()
    assert "hdefereval" not in sys.modules
    with pytest.raises(ImportError):
        importlib.import_module("hdefereval")


def test_while_the_ui_is_starting_hou_ui_is_not_available_yet(starting):
    assert hou.isUIAvailable() is True  # a graphical Houdini, during pythonrc.py
    import_hdefereval()
    with pytest.raises(hou.NotAvailable, match="The UI is not created yet"):
        hou.ui.setStatusMessage("too early")
    _houdini_sim.enable_ui()
    hou.ui.setStatusMessage("now")
    assert _houdini_sim.status_messages() == ["now"]


def test_version_is_settable():
    _houdini_sim.set_version("21.0.512")
    try:
        assert hou.applicationVersion() == (21, 0, 512)
        assert hou.applicationVersionString() == "21.0.512"
    finally:
        _houdini_sim.set_version("20.5.487")
    assert hou.applicationVersion() == (20, 5, 487)


# ------------------------------------------------------------------------------------------ thread rules


@pytest.mark.timeout(15)
def test_hou_ui_off_the_main_thread_raises_in_a_graphical_session(gui):
    with pytest.raises(UIThreadError, match="off the main thread") as caught:
        in_thread(lambda: hou.ui.displayMessage("from a worker"))
    assert isinstance(caught.value, RuntimeError)
    assert _houdini_sim.messages() == []  # nothing was shown
    assert [r["call"] for r in _houdini_sim.records() if r["kind"] == "crash"] == ["hou.ui.displayMessage"]
    with pytest.raises(UIThreadError):
        in_thread(lambda: hou.ui.setStatusMessage("from a worker"))


@pytest.mark.timeout(15)
def test_hou_calls_off_the_main_thread_are_counted_in_a_graphical_session(gui):
    assert in_thread(lambda: hou.node("/obj").path()) == "/obj"
    assert _houdini_sim.off_main_calls() == ["hou.node", "hou.NetworkMovableItem.path"]
    assert _houdini_sim.off_main_call_count() == 2
    _houdini_sim.reset_off_main_calls()
    assert _houdini_sim.off_main_call_count() == 0 and _houdini_sim.off_main_calls() == []


@pytest.mark.timeout(15)
def test_only_the_outermost_call_is_counted(gui):
    obj = hou.node("/obj")
    in_thread(lambda: obj.createNode("geo"))  # createNode runs the stand-in's own hou code: one call
    assert _houdini_sim.off_main_calls() == ["hou.Node.createNode"]


def test_calls_on_the_main_thread_are_not_counted(gui):
    hou.node("/obj").createNode("geo").parm("tx").set(1)
    hou.ui.setStatusMessage("fine here")
    assert _houdini_sim.off_main_call_count() == 0


@pytest.mark.timeout(15)
def test_hython_counts_nothing_off_the_main_thread():
    assert in_thread(lambda: hou.node("/obj").createNode("geo").path()) == "/obj/geo1"
    assert _houdini_sim.off_main_call_count() == 0
    with pytest.raises(AttributeError):  # hython has no hou.ui, whatever the thread
        in_thread(lambda: hou.ui.displayMessage("x"))


@pytest.mark.timeout(15)
def test_shown_reports_off_main_calls_for_the_session_channel(gui):
    in_thread(lambda: hou.frame())
    shown = _houdini_sim.shown()
    assert shown["off_main_thread_calls"] == 1
    assert shown["off_main_thread_names"] == ["hou.frame"]
    assert shown["mode"] == "gui"


# ------------------------------------------------------------------------------------------- hdefereval


def test_execute_in_main_thread_with_result_on_the_main_thread_is_refused_as_the_hang_it_is(gui):
    """Houdini's hdefereval queues the call and waits for the loop of the very thread that waits: a hang for good.
    The old stand-in ran it inline, so code that did this passed."""
    hdefereval = import_hdefereval()
    ran = []
    with pytest.raises(RuntimeError, match="hangs here for good"):
        hdefereval.executeInMainThreadWithResult(ran.append, 1)
    assert ran == [] and [r["kind"] for r in _houdini_sim.records()] == ["hang"]


@pytest.mark.timeout(15)
def test_execute_in_main_thread_with_result_from_a_worker_runs_on_the_main_thread(gui):
    hdefereval = import_hdefereval()
    box = {}

    def worker():
        try:
            box["result"] = hdefereval.executeInMainThreadWithResult(
                lambda: (threading.current_thread(), hou.node("/obj").createNode("null").path()))
            with pytest.raises(hou.OperationFailed):
                hdefereval.executeInMainThreadWithResult(lambda kind: hou.node("/obj").createNode(kind), "no_such")
            box["raised"] = True
        finally:
            LOOP.stop()

    thread = threading.Thread(target=worker)
    thread.start()
    LOOP.run()  # the main thread serves the worker's requests until it is done
    thread.join(10)
    assert box["result"] == (threading.main_thread(), "/obj/null1")
    assert box["raised"]
    assert _houdini_sim.off_main_call_count() == 0  # the hou calls ran on the main thread


@pytest.mark.timeout(15)
def test_execute_deferred_runs_later_on_the_main_thread(gui):
    hdefereval = import_hdefereval()
    ran = []
    in_thread(lambda: hdefereval.executeDeferred(lambda: ran.append(threading.current_thread())))
    assert ran == []  # not until the main loop serves its queue
    assert LOOP.process_pending() == 1
    assert ran == [threading.main_thread()]


def test_execute_deferred_after_waiting_waits_for_loop_iterations(gui):
    hdefereval = import_hdefereval()
    ran = []
    hdefereval.executeDeferredAfterWaiting(ran.append, 2, "done")
    LOOP.process_pending()
    LOOP.process_pending()
    assert ran == []
    LOOP.process_pending()
    assert ran == ["done"]


# ------------------------------------------------------------------------------------------ dialogs


def test_display_message_is_recorded_and_takes_the_default_without_an_answer(gui):
    assert hou.ui.displayMessage("Proceed?", buttons=("Yes", "No"), default_choice=1, title="T") == 1
    (message,) = _houdini_sim.messages()
    assert message["text"] == "Proceed?" and message["buttons"] == ["Yes", "No"] and message["answer"] == 1
    assert message["severity"] == "Message" and message["title"] == "T"


def test_queued_answers_are_used_in_order(gui):
    _houdini_sim.queue_answer("No")
    _houdini_sim.queue_answer(0)
    _houdini_sim.queue_answer(None)  # Escape: the close choice
    assert hou.ui.displayMessage("a", buttons=("Yes", "No")) == 1
    assert hou.ui.displayMessage("b", buttons=("Yes", "No")) == 0
    assert hou.ui.displayMessage("c", buttons=("Yes", "No"), close_choice=1) == 1
    assert hou.ui.displayMessage("d", buttons=("Yes", "No")) == 0
    assert _houdini_sim.pending_answers() == []


def test_an_answer_that_does_not_fit_fails_loudly(gui):
    _houdini_sim.queue_answer("Maybe")
    with pytest.raises(ValueError, match="simulated user"):
        hou.ui.displayMessage("a", buttons=("Yes", "No"))


def test_select_from_list_and_read_input(gui):
    assert hou.ui.selectFromList(["a", "b", "c"], default_choices=(1,)) == (1,)
    _houdini_sim.queue_answer(["c"])
    assert hou.ui.selectFromList(["a", "b", "c"], exclusive=True) == (2,)
    _houdini_sim.queue_answer(None)
    assert hou.ui.selectFromList(["a", "b"], default_choices=(0,), clear_on_cancel=True) == ()
    assert hou.ui.readInput("Name?", initial_contents="geo") == (0, "geo")
    _houdini_sim.queue_answer("typed")
    assert hou.ui.readInput("Name?", buttons=("OK", "Cancel")) == (0, "typed")
    _houdini_sim.queue_answer(["Cancel", ""])
    assert hou.ui.readInput("Name?", buttons=("OK", "Cancel")) == (1, "")
    assert [d["kind"] for d in _houdini_sim.dialogs()] == ["selectFromList"] * 3 + ["readInput"] * 3


def test_status_bar(gui):
    hou.ui.setStatusMessage("Working", severity=hou.severityType.Warning)
    assert hou.ui.statusMessage() == ("Working", hou.severityType.Warning)
    assert _houdini_sim.shown()["status"] == ["Working"]


def test_interruptable_operation_can_be_interrupted_by_the_user(gui):
    with hou.InterruptableOperation("Exporting", open_interrupt_dialog=True) as operation:
        operation.updateProgress(0.5)
        _houdini_sim.interrupt()
        with pytest.raises(hou.OperationInterrupted):
            operation.updateProgress(0.6)
    events = [r["event"] for r in _houdini_sim.shown()["progress"]]
    assert events == ["start", "update", "update", "interrupted", "end"]


# ------------------------------------------------------------------------------------------- node tree


def test_managers_and_lookups():
    for path in ("/obj", "/out", "/stage", "/mat", "/shop", "/ch", "/img"):
        assert hou.node(path).path() == path
        assert hou.node(path).parent() == hou.root()
    assert hou.node("/obj/nothing") is None
    assert hou.root().path() == "/"
    assert hou.pwd() == hou.root()
    assert hou.node("/obj").type().category().name() == "Manager"


def test_create_node_names_like_houdini():
    obj = hou.node("/obj")
    assert [obj.createNode("geo").name() for _ in range(2)] == ["geo1", "geo2"]
    assert obj.createNode("geo", "geo1").name() == "geo3"  # a taken name gets its number incremented
    assert obj.createNode("geo", "foo").name() == "foo"
    assert obj.createNode("geo", "foo").name() == "foo1"
    with pytest.raises(hou.OperationFailed):
        obj.createNode("geo", "bad name")
    assert obj.createNode("geo", "bad name", force_valid_node_name=True).name() == "bad_name"
    assert hou.node("/mat").createNode("principledshader").type().name() == "principledshader::2.0"
    assert hou.node("/mat").createNode("principledshader").name() == "principledshader2"


def test_bad_node_type_raises_operation_failed():
    with pytest.raises(hou.OperationFailed) as caught:
        hou.node("/obj").createNode("no_such_node_type")
    assert caught.value.instanceMessage() == "Invalid node type name"
    assert caught.value.description() == "The attempted operation failed."
    assert str(caught.value) == "The attempted operation failed.\nInvalid node type name"
    with pytest.raises(hou.OperationFailed):
        hou.node("/obj").createNode("box")  # a SOP cannot go directly in /obj


def test_node_types_and_categories():
    geo = hou.node("/obj").createNode("geo")
    box = geo.createNode("box")
    assert geo.type().name() == "geo" and geo.type().category().name() == "Object"
    assert box.type().category().name() == "Sop" and box.type().category() == hou.sopNodeTypeCategory()
    assert geo.childTypeCategory() == hou.sopNodeTypeCategory()
    assert isinstance(geo, hou.ObjNode) and isinstance(box, hou.SopNode) and isinstance(box, hou.OpNode)
    assert repr(geo) == "<hou.ObjNode of type geo at /obj/geo1>"
    assert repr(box) == "<hou.SopNode of type box at /obj/geo1/box1>"
    assert hou.nodeType(hou.sopNodeTypeCategory(), "sphere").name() == "sphere"
    assert hou.nodeType("Object/cam").category().name() == "Object"
    for manager, type_name in (("/out", "geometry"), ("/stage", "sphere"), ("/shop", "vopmaterial")):
        assert hou.node(manager).createNode(type_name).type().name() == type_name


def test_relative_paths_children_and_parents():
    geo = hou.node("/obj").createNode("geo")
    box = geo.createNode("box")
    assert box.node("..") == geo
    assert box.node("../..").path() == "/obj"
    assert geo.node("box1") == box
    assert box.node("../nothing") is None
    assert geo.children() == (box,)
    assert hou.node("/obj").allSubChildren() == (geo, box)
    assert box.parent() == geo
    hou.cd("/obj")
    assert hou.node("geo1") == geo and hou.pwd().path() == "/obj"


def test_nodes_compare_by_session_id_and_are_new_objects_each_lookup():
    geo = hou.node("/obj").createNode("geo", "eq_me")
    other = hou.node("/obj").createNode("null")
    first, second = hou.node("/obj/eq_me"), hou.node("/obj/eq_me")
    assert first is not second
    assert first == second and not (first != second) and hash(first) == hash(second)
    assert first != other
    assert len({first, second, geo, other}) == 2
    assert geo.sessionId() == first.sessionId() != other.sessionId()
    assert hou.nodeBySessionId(geo.sessionId()) == geo


def test_a_destroyed_node_raises_object_was_deleted_on_any_use():
    geo = hou.node("/obj").createNode("geo")
    box = geo.createNode("box")
    parm = geo.parm("tx")
    kept = hou.node("/obj/geo1")
    geo.destroy()
    for use in (geo.path, geo.name, geo.children, kept.type, box.path, parm.eval, lambda: parm.set(1),
                lambda: geo.createNode("box"), lambda: geo.parm("tx"), geo.destroy):
        with pytest.raises(hou.ObjectWasDeleted):
            use()
    assert hou.node("/obj/geo1") is None
    assert kept == geo and "deleted" in repr(geo)  # equality and repr keep working


def test_rename():
    geo = hou.node("/obj").createNode("geo")
    hou.node("/obj").createNode("null", "taken")
    geo.setName("renamed")
    assert geo.path() == "/obj/renamed" and hou.node("/obj/renamed") == geo
    with pytest.raises(hou.OperationFailed):
        geo.setName("taken")
    geo.setName("taken", unique_name=True)
    assert geo.name() == "taken1"
    assert [c.name() for c in hou.node("/obj").children()] == ["taken1", "taken"]  # order kept


def test_inputs_and_outputs():
    geo = hou.node("/obj").createNode("geo")
    box, sphere = geo.createNode("box"), geo.createNode("sphere")
    merge = geo.createNode("merge")
    merge.setInput(0, box)
    merge.setInput(2, sphere)
    assert merge.inputs() == (box, None, sphere)
    assert box.outputs() == (merge,)
    with pytest.raises(hou.OperationFailed):
        box.setInput(0, merge)  # would make a loop
    with pytest.raises(hou.InvalidInput):
        geo.createNode("grid").setInput(0, box)  # a grid has no inputs
    merge.setInput(2, None)
    assert merge.inputs() == (box,)
    box.destroy()
    assert merge.inputs() == ()


def test_display_flags():
    geo = hou.node("/obj").createNode("geo")
    box = geo.createNode("box")
    sphere = geo.createNode("sphere")
    assert box.isDisplayFlagSet() and not sphere.isDisplayFlagSet()  # the first SOP gets the flag
    sphere.setDisplayFlag(True)
    assert sphere.isDisplayFlagSet() and not box.isDisplayFlagSet()
    assert geo.displayNode() == sphere


# ----------------------------------------------------------------------------------------------- parms


def test_parms_and_parm_tuples():
    geo = hou.node("/obj").createNode("geo")
    assert geo.parm("nothing") is None and geo.parmTuple("nothing") is None
    t = geo.parmTuple("t")
    assert len(t) == 3 and [p.name() for p in t] == ["tx", "ty", "tz"]
    t.set((1, 2, 3.5))
    assert t.eval() == (1.0, 2.0, 3.5) and geo.parm("ty").eval() == 2.0
    assert t[2] == geo.parm("tz") and geo.parm("tz").tuple() == t
    assert geo.parm("scale").eval() == 1.0 and geo.parmTuple("s").eval() == (1.0, 1.0, 1.0)
    assert geo.parm("tx").node() == geo and geo.parm("tx").path() == "/obj/geo1/tx"
    with pytest.raises(hou.InvalidSize):
        t.set((1, 2))
    with pytest.raises(TypeError):
        geo.parm("tx").set("one")
    assert "tx" in [p.name() for p in geo.parms()]
    cam = hou.node("/obj").createNode("cam")
    assert cam.parm("focal").eval() == 50.0 and cam.parmTuple("res").eval() == (1280, 720)
    assert cam.parm("resx").eval() == 1280


def test_menu_parms_take_tokens_and_eval_to_indices():
    sphere = hou.node("/obj").createNode("geo").createNode("sphere")
    kind = sphere.parm("type")
    assert kind.eval() == 0 and kind.evalAsString() == "prim"
    kind.set("poly")
    assert kind.eval() == 1 and kind.evalAsString() == "poly"
    assert "polymesh" in kind.menuItems()
    with pytest.raises(hou.InvalidInput):
        kind.set("teapot")


def test_string_parms_expand_houdini_variables():
    rop = hou.node("/out").createNode("geometry")
    output = rop.parm("sopoutput")
    assert output.unexpandedString() == "$HIP/geo/$HIPNAME.$OS.$F4.bgeo.sc"
    hou.setFrame(12)
    hip = hou.hipFile.path().rsplit("/", 1)[0]
    assert output.eval() == f"{hip}/geo/untitled.geometry1.0012.bgeo.sc"
    assert hou.text.expandString("$HIPNAME-$F") == "untitled-12"
    hou.putenv("SHOT", "sh010")
    assert hou.getenv("SHOT") == "sh010" and hou.text.expandString("${SHOT}_v") == "sh010_v"
    assert hou.getenv("NO_SUCH_VARIABLE", "fallback") == "fallback"


# ------------------------------------------------------------------------------------------ exceptions


def test_exception_hierarchy():
    assert issubclass(hou.Error, Exception)
    for name in ("OperationFailed", "ObjectWasDeleted", "InvalidInput", "InvalidNodeType", "InvalidSize",
                 "NotAvailable", "OperationInterrupted", "PermissionError", "GeometryPermissionError",
                 "KeyframeValueNotSet", "LoadWarning", "MatchDefinitionError", "InitScriptFailed", "NodeError",
                 "NodeWarning", "InvalidOutput", "NameConflict", "TypeConflict", "LicenseError"):
        cls = getattr(hou, name)
        assert issubclass(cls, hou.Error), name
        assert cls.__module__ == "hou" and cls.__name__ == name
        error = cls("because")
        assert error.instanceMessage() == "because" and error.exceptionTypeName() == name
        assert error.description() and str(error).endswith("because")
    assert not issubclass(hou.SystemExit, hou.Error) and hou.SystemExit(3).code() == 3
    assert hou.OperationFailed().instanceMessage() == ""


def test_hou_session_is_a_module_users_can_fill():
    hou.session.answer = 42
    import hou.session as session_module

    assert session_module.answer == 42
    _houdini_sim.reset()
    assert not hasattr(hou.session, "answer")


def test_scene_file_names_and_clear(tmp_path):
    assert hou.hipFile.basename() == "untitled.hip"
    assert hou.hipFile.hasUnsavedChanges()  # hython always says so
    hou.node("/obj").createNode("geo", "kept").parm("ty").set(4)
    path = tmp_path / "shot.hip"
    hou.hipFile.save(str(path))
    assert hou.hipFile.path() == path.as_posix() and hou.hipFile.basename() == "shot.hip"
    assert hou.hipFile.clear() is True
    assert hou.node("/obj").children() == () and hou.hipFile.basename() == "untitled.hip"
    hou.hipFile.load(str(path))
    assert hou.node("/obj/kept").parm("ty").eval() == 4.0
    with pytest.raises(hou.OperationFailed):
        hou.hipFile.load(str(tmp_path / "missing.hip"))


def test_graphical_clear_asks_to_save_unsaved_changes(gui, tmp_path):
    hou.hipFile.setName(str(tmp_path / "scene.hip"))
    hou.node("/obj").createNode("geo")
    assert hou.hipFile.hasUnsavedChanges()
    _houdini_sim.queue_answer("Cancel")
    assert hou.hipFile.clear() is False and hou.node("/obj/geo1") is not None
    _houdini_sim.queue_answer("Don't Save")
    assert hou.hipFile.clear() is True and hou.node("/obj/geo1") is None
    assert [m["button"] for m in _houdini_sim.messages()] == ["Cancel", "Don't Save"]
    assert not (tmp_path / "scene.hip").exists()


def test_time_and_playbar():
    assert hou.frame() == 1.0 and hou.fps() == 24.0
    hou.setFrame(25)
    assert hou.time() == 1.0
    hou.setFps(25)
    assert hou.fps() == 25.0
    hou.playbar.setFrameRange(10, 20)
    assert tuple(hou.playbar.frameRange()) == (10.0, 20.0)
    hou.playbar.play()
    assert hou.playbar.isPlaying()
    hou.playbar.stop()
    assert not hou.playbar.isPlaying()


# ------------------------------------------------------------------------------------------- geometry


def right_handed_normal(prim):
    """The counter-clockwise (right-hand rule) normal of a face from its vertex positions (Newell's method)."""
    points = [tuple(v.point().position()) for v in prim.vertices()]
    n = [0.0, 0.0, 0.0]
    for (x0, y0, z0), (x1, y1, z1) in zip(points, points[1:] + points[:1]):
        n[0] += (y0 - y1) * (z0 + z1)
        n[1] += (z0 - z1) * (x0 + x1)
        n[2] += (x0 - x1) * (y0 + y1)
    return n


def centroid(prim):
    points = [tuple(v.point().position()) for v in prim.vertices()]
    return [sum(p[k] for p in points) / len(points) for k in range(3)]


def dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def sop(type_name, **parms):
    node = hou.node("/obj").createNode("geo").createNode(type_name)
    for name, value in parms.items():
        node.parm(name).set(value)
    return node


def test_box_is_eight_points_and_six_quads_wound_clockwise_from_outside():
    """Houdini's front faces are clockwise seen from the front: the OPPOSITE of Maya's counter-clockwise."""
    geo = sop("box").geometry()
    assert (geo.pointCount(), geo.primCount(), geo.vertexCount()) == (8, 6, 24)
    assert geo.intrinsicValue("pointcount") == 8 and geo.intrinsicValue("primitivecount") == 6
    assert sorted(set(geo.pointFloatAttribValues("P"))) == [-0.5, 0.5]
    for prim in geo.prims():
        assert isinstance(prim, hou.Polygon) and prim.type() == hou.primType.Polygon and prim.numVertices() == 4
        outward = centroid(prim)
        assert dot(right_handed_normal(prim), outward) < 0, f"{prim} is counter-clockwise from outside"
        assert dot(prim.normal(), outward) > 0  # Houdini's normal faces out
    front = next(p for p in geo.prims() if centroid(p)[2] > 0.4)
    xy = [tuple(v.point().position())[:2] for v in front.vertices()]
    signed_area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(xy, xy[1:] + xy[:1]))
    assert signed_area < 0  # clockwise seen from +Z, looking at the front face


def test_box_follows_its_parameters():
    box = sop("box")
    box.parmTuple("size").set((2, 4, 6))
    box.parmTuple("t").set((10, 0, 0))
    positions = box.geometry().pointFloatAttribValues("P")
    assert (min(positions[0::3]), max(positions[0::3])) == (9.0, 11.0)
    assert (min(positions[1::3]), max(positions[1::3])) == (-2.0, 2.0)
    assert (min(positions[2::3]), max(positions[2::3])) == (-3.0, 3.0)


def test_sphere_is_a_primitive_by_default_and_polygons_by_frequency():
    sphere = sop("sphere")
    geo = sphere.geometry()
    assert (geo.pointCount(), geo.primCount()) == (1, 1) and geo.prim(0).type() == hou.primType.Sphere
    sphere.parm("type").set("poly")
    for freq in (1, 2, 3):
        sphere.parm("freq").set(freq)
        geo = sphere.geometry()
        assert (geo.primCount(), geo.pointCount()) == (20 * freq * freq, 10 * freq * freq + 2)
        for prim in geo.prims():
            assert prim.numVertices() == 3 and dot(right_handed_normal(prim), centroid(prim)) < 0
        radii = {round(p.position().length(), 5) for p in geo.points()}
        assert radii == {1.0}


def test_grid_faces_up_in_the_zx_plane():
    geo = sop("grid").geometry()
    assert (geo.pointCount(), geo.primCount()) == (100, 81)
    assert {round(y, 6) for y in geo.pointFloatAttribValues("P")[1::3]} == {0.0}
    for prim in geo.prims():
        assert prim.normal().y() == pytest.approx(1.0)


def test_create_polygons_keeps_vertex_order():
    geo = hou.Geometry()
    points = geo.createPoints([(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0), (2, 0, 0)])
    assert [p.number() for p in points] == [0, 1, 2, 3, 4]
    quads = geo.createPolygons([(0, 3, 2, 1), (points[1], points[4], points[2])])
    assert [[v.point().number() for v in prim.vertices()] for prim in quads] == [[0, 3, 2, 1], [1, 4, 2]]
    assert [[v.number() for v in prim.vertices()] for prim in geo.prims()] == [[0, 1, 2, 3], [0, 1, 2]]
    assert geo.prims()[1].vertices()[2].linearNumber() == 6 and geo.vertexCount() == 7
    with pytest.raises(hou.OperationFailed):
        geo.createPolygons([(0, 1, 99)])
    poly = geo.createPolygon()
    poly.addVertex(points[0])
    poly.addVertex(geo.point(1))
    assert [v.point() for v in poly.vertices()] == [points[0], points[1]] and poly.isClosed()
    assert geo.createPolygon(is_closed=False).isClosed() is False


def test_point_positions_as_packed_float32_round_trip():
    import array
    import struct

    geo = hou.Geometry()
    geo.createPoints([(0.5, 1.5, -2.0), (3.25, 0.1, 7.0)])
    packed = geo.pointFloatAttribValuesAsString("P")
    assert isinstance(packed, bytes) and len(packed) == 2 * 3 * 4
    assert packed == struct.pack("=6f", 0.5, 1.5, -2.0, 3.25, 0.1, 7.0)  # native byte order, float32
    assert array.array("f", packed).tolist() == list(geo.pointFloatAttribValues("P"))
    doubled = array.array("f", [v * 2 for v in array.array("f", packed)]).tobytes()
    geo.setPointFloatAttribValuesFromString("P", doubled)
    assert tuple(geo.point(1).position()) == pytest.approx((6.5, 0.2, 14.0))
    as64 = geo.pointFloatAttribValuesAsString("P", float_type=hou.numericData.Float64)
    assert len(as64) == 48 and struct.unpack("=6d", as64)[0] == 1.0
    geo.setPointFloatAttribValuesFromString("P", as64, float_type=hou.numericData.Float64)
    assert geo.point(0).position()[0] == 1.0
    with pytest.raises(hou.InvalidSize):
        geo.setPointFloatAttribValuesFromString("P", packed[:-4])
    with pytest.raises(hou.OperationFailed):
        geo.pointFloatAttribValuesAsString("nothing")


def test_attributes_on_points_vertices_prims_and_detail():
    geo = hou.Geometry()
    geo.createPoints([(0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0)])
    first, second = geo.createPolygons([(0, 2, 1), (1, 2, 3)])
    normal = geo.addAttrib(hou.attribType.Point, "N", (0.0, 0.0, 1.0), transform_as_normal=True)
    uv = geo.addAttrib(hou.attribType.Vertex, "uv", (0.0, 0.0, 0.0))
    cd = geo.addAttrib(hou.attribType.Prim, "Cd", (1.0, 1.0, 1.0))
    geo.addAttrib(hou.attribType.Global, "source", "maya")
    geo.addAttrib(hou.attribType.Point, "id", 0)
    assert normal.type() == hou.attribType.Point and normal.size() == 3 and normal.isTransformedAsNormal()
    assert cd.dataType() == hou.attribData.Float and geo.findPointAttrib("id").dataType() == hou.attribData.Int
    assert geo.findPrimAttrib("Cd") == cd and geo.findVertexAttrib("nothing") is None
    assert geo.pointFloatAttribValues("N") == (0.0, 0.0, 1.0) * 4
    geo.setVertexFloatAttribValues("uv", [float(i) for i in range(18)])
    assert geo.vertexFloatAttribValues("uv") == tuple(float(i) for i in range(18))
    assert second.vertices()[0].attribValue("uv") == (9.0, 10.0, 11.0)
    first.setAttribValue("Cd", (1.0, 0.0, 0.0))
    assert geo.primFloatAttribValues("Cd") == (1.0, 0.0, 0.0, 1.0, 1.0, 1.0)
    geo.point(3).setAttribValue("id", 7)
    assert geo.pointIntAttribValues("id") == (0, 0, 0, 7) and geo.point(3).intAttribValue("id") == 7
    assert geo.attribValue("source") == "maya"
    with pytest.raises(hou.OperationFailed):
        geo.addAttrib(hou.attribType.Point, "N", (0.0, 0.0, 0.0))
    with pytest.raises(hou.InvalidSize):
        geo.setPrimFloatAttribValues("Cd", [1.0, 0.0])
    packed = geo.vertexFloatAttribValuesAsString("uv")
    geo.setVertexFloatAttribValuesFromString("uv", packed[::-1][::-1])
    assert geo.vertexFloatAttribValues("uv")[17] == 17.0


def test_vertex_values_follow_primitive_order_when_vertices_were_added_out_of_order():
    geo = hou.Geometry()
    geo.createPoints([(0, 0, 0), (1, 0, 0), (0, 1, 0)])
    a, b = geo.createPolygon(), geo.createPolygon()
    a.addVertex(geo.point(0))
    b.addVertex(geo.point(1))  # linear vertex 1 belongs to the second polygon
    a.addVertex(geo.point(2))
    geo.addAttrib(hou.attribType.Vertex, "w", 0.0)
    geo.setVertexFloatAttribValues("w", [10.0, 20.0, 30.0])  # a's two vertices, then b's
    assert [v.attribValue("w") for v in a.vertices()] == [10.0, 20.0]
    assert b.vertices()[0].attribValue("w") == 30.0
    assert geo.vertexFloatAttribValues("w") == (10.0, 20.0, 30.0)


def test_a_sops_geometry_is_read_only_and_freeze_gives_a_copy():
    box = sop("box")
    geo = box.geometry()
    assert geo.isReadOnly() and geo.sopNode() == box
    for write in (geo.createPoint, lambda: geo.point(0).setPosition((1, 2, 3)), geo.clear,
                  lambda: geo.addAttrib(hou.attribType.Point, "Cd", (1.0, 1.0, 1.0)),
                  lambda: geo.setPointFloatAttribValues("P", [0.0] * 24),
                  lambda: geo.createPolygons([(0, 1, 2)])):
        with pytest.raises(hou.GeometryPermissionError):
            write()
    frozen = geo.freeze()
    frozen.point(0).setPosition((9, 9, 9))
    assert not frozen.isReadOnly() and frozen.sopNode() is None
    assert tuple(box.geometry().point(0).position()) != (9.0, 9.0, 9.0)


def test_python_sop_writes_its_geometry_through_hou_pwd():
    geo_node = hou.node("/obj").createNode("geo")
    box = geo_node.createNode("box")
    python = geo_node.createNode("python")
    python.setInput(0, box)
    python.parm("python").set(
        "node = hou.pwd()\n"
        "geo = node.geometry()\n"
        "assert node.path() == '/obj/geo1/python1'\n"
        "for point in geo.points():\n"
        "    point.setPosition(point.position() * 2)\n"
        "geo.addAttrib(hou.attribType.Point, 'Cd', (1.0, 0.0, 0.0))\n")
    out = python.geometry()
    assert sorted(set(out.pointFloatAttribValues("P"))) == [-1.0, 1.0]
    assert out.findPointAttrib("Cd") is not None and python.errors() == ()
    assert out.isReadOnly()  # outside its cook
    assert hou.pwd() == hou.root()
    python.parm("python").set("raise hou.NodeError('bad input')")
    assert python.geometry().pointCount() == 0 and python.errors() == ("bad input",)
    with pytest.raises(hou.OperationFailed, match="bad input"):
        python.cook()
    python.parm("python").set("hou.pwd().geometry().createPoint()\nraise hou.NodeWarning('careful')")
    assert python.geometry().pointCount() == 9 and python.warnings() == ("careful",)


def test_stash_sop_holds_a_frozen_copy_of_geometry_set_on_its_parm():
    mine = hou.Geometry()
    mine.createPoints([(1, 2, 3)])
    stash = sop("stash")
    stash.parm("stash").set(mine)
    mine.createPoint()  # later changes to the source do not reach the stash
    assert stash.geometry().pointCount() == 1
    assert stash.parm("stash").evalAsGeometry().pointCount() == 1
    box = stash.parent().createNode("box")
    stash.setInput(0, box)
    stash.parm("stashinput").pressButton()
    assert stash.geometry().pointCount() == 8


def test_sops_recook_when_parameters_or_inputs_change():
    geo_node = hou.node("/obj").createNode("geo")
    box = geo_node.createNode("box")
    xform = geo_node.createNode("xform")
    xform.setInput(0, box)
    xform.parm("ty").set(1)
    assert max(xform.geometry().pointFloatAttribValues("P")[1::3]) == 1.5
    box.parmTuple("size").set((1, 3, 1))
    assert max(xform.geometry().pointFloatAttribValues("P")[1::3]) == 2.5
    merge = geo_node.createNode("merge")
    merge.setInput(0, box)
    merge.setInput(1, geo_node.createNode("grid"))
    assert merge.geometry().pointCount() == 108 and merge.geometry().primCount() == 87
    merge.setInput(1, None)
    assert merge.geometry().pointCount() == 8
    count = box.cookCount()
    box.geometry()
    assert box.cookCount() == count  # nothing changed: no recook
    box.cook(force=True)
    assert box.cookCount() == count + 1


def test_an_objects_geometry_is_its_display_sops():
    obj = hou.node("/obj").createNode("geo")
    obj.createNode("box")
    sphere = obj.createNode("sphere")
    assert obj.displayNode().geometry().pointCount() == 8
    sphere.setDisplayFlag(True)
    assert obj.displayNode().geometry().pointCount() == 1


def test_geometry_of_a_destroyed_sop_raises():
    box = sop("box")
    geo = box.geometry()
    point = geo.point(0)
    box.destroy()
    with pytest.raises(hou.ObjectWasDeleted):
        geo.pointCount()
    with pytest.raises(hou.ObjectWasDeleted):
        point.position()


def test_saved_scenes_keep_stashed_geometry(tmp_path):
    mine = hou.Geometry()
    mine.createPoints([(1, 2, 3), (4, 5, 6)])
    mine.createPolygons([(0, 1)])
    sop("stash").parm("stash").set(mine)
    hou.hipFile.save(str(tmp_path / "stash.hip"))
    hou.hipFile.clear()
    hou.hipFile.load(str(tmp_path / "stash.hip"))
    geo = hou.node("/obj/geo1/stash1").geometry()
    assert geo.pointFloatAttribValues("P") == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0) and geo.primCount() == 1


# ----------------------------------------------------------------------------------- the rest of the API


def test_object_transforms_compose_with_their_subnet():
    subnet = hou.node("/obj").createNode("subnet")
    subnet.parm("tx").set(10)
    geo = subnet.createNode("geo")
    geo.parmTuple("t").set((0, 2, 0))
    geo.parm("ry").set(90)
    assert tuple(geo.origin()) == pytest.approx((10.0, 2.0, 0.0))
    assert tuple(geo.localTransform().extractTranslates()) == (0.0, 2.0, 0.0)
    x_axis = hou.Vector3(1, 0, 0).multiplyAsDir(geo.worldTransform())
    assert tuple(x_axis) == pytest.approx((0.0, 0.0, -1.0))  # +90 about Y turns +X to -Z (right-handed)


def test_vectors_and_matrices():
    v = hou.Vector3(1, 2, 3)
    assert v + hou.Vector3(1, 1, 1) == hou.Vector3(2, 3, 4) and v * 2 == hou.Vector3(2, 4, 6)
    assert v.dot(hou.Vector3(1, 0, 0)) == 1.0 and hou.Vector3(1, 0, 0).cross(hou.Vector3(0, 1, 0)) == hou.Vector3(0, 0, 1)
    assert hou.Matrix4(1) * hou.Matrix4(1) == hou.Matrix4(1) and hou.Matrix4().asTuple() == (0.0,) * 16
    m = hou.Matrix4((1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 4, 0, 5, 6, 7, 1))
    assert (m * m.inverted()).isAlmostEqual(hou.Matrix4(1)) and m.determinant() == 8.0
    assert v * m == hou.Vector3(6, 10, 19)


def test_selection():
    geo = hou.node("/obj").createNode("geo")
    null = hou.node("/obj").createNode("null")
    geo.setSelected(True)
    null.setSelected(True)
    assert hou.selectedNodes() == (geo, null)
    null.setSelected(True, clear_all_selected=True)
    assert hou.selectedNodes() == (null,)
    hou.clearAllSelected()
    assert hou.selectedNodes() == ()
