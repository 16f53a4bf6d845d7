"""Meshes between a simulated Maya and a simulated Houdini, both real processes (issue: cross-app pipeline).

One Houdini and one Maya (graphical, this repository's package and module installed, servers autostarted and
linked both ways) serve the whole module; each test works on objects of its own names.
"""
import json
import subprocess
import sys
import textwrap

import pytest

from sessions import ROOT, houdini_session, maya_session, session_env

pytestmark = pytest.mark.timeout(120)

MAYA_SETUP = """
import array, itertools, json, math
from maya import cmds
from maya.api import OpenMaya as om
from dcc_bridge_maya import pipeline
import _maya_sim
"""
HOUDINI_SETUP = """
import array, json, math
import hou
from dcc_bridge_houdini import pipeline
from bridge_core import pipeline as core
import _houdini_sim
"""


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    runtime = root / "runtime"
    env = {"DCC_BRIDGE_AUTOSTART": "1"}
    with houdini_session(runtime, prefs_dir=root / "houdini", env=env) as houdini, \
            maya_session(runtime, app_dir=root / "maya", env=env) as maya:
        maya.exec(MAYA_SETUP + "from dcc_bridge_maya import houdini_link\n"
                  "found = houdini_link.sessions()[0]\nhoudini_link.connect(found.host, found.port)")
        houdini.exec(HOUDINI_SETUP + "from dcc_bridge_houdini import maya_link\n"
                     "maya_link.connect(maya_link.sessions()[0])")
        yield houdini, maya, runtime


def run(session, *code, printed=False):
    """Run code (pieces, each dedented) in the host's Script Editor / Python Shell; returns the last line it
    printed, as JSON (and, with ``printed``, everything it printed before)."""
    lines = session.exec("\n".join(textwrap.dedent(piece) for piece in code)).strip().splitlines()
    return (json.loads(lines[-1]), lines[:-1]) if printed else json.loads(lines[-1])


def close(a, b, tolerance=1e-5):
    return len(a) == len(b) and all(abs(x - y) <= tolerance for x, y in zip(a, b))


MAYA_READ = """
def maya_arrays(node):
    m = pipeline.read_mesh(node)
    return dict(points=list(m.points), counts=list(m.face_counts), vertices=list(m.face_vertices),
                normals=list(m.normals), uvs=list(m.uvs) if m.uvs is not None else None, matrix=list(m.matrix))
"""


def test_maya_to_houdini_and_back_is_exact(hosts):
    houdini, maya = hosts[:2]
    sent, printed = run(maya, MAYA_SETUP, MAYA_READ, """
        cmds.polyCube(name="rtCube", width=2, subdivisionsX=2)
        cmds.xform("rtCube", translation=(1, 2, 3), rotation=(10, 20, 30), scale=(1, 2, 1))
        paths = pipeline.send_to_houdini(["rtCube"])
        fn = pipeline._mesh_fn("rtCubeShape")
        normals = [list(fn.getPolygonNormal(i)) for i in range(fn.numPolygons)]
        print(json.dumps(dict(paths=paths, mesh=maya_arrays("rtCube"), face_normals=normals)))""", printed=True)
    assert sent["paths"] == ["/obj/rtCube"]
    assert printed[-1].startswith("Houdini Bridge: sent 1 object (12 points, 10 faces) in ")
    assert printed[-1].endswith(" s to Houdini: /obj/rtCube"), "one line saying what moved"
    mesh = sent["mesh"]
    seen = run(houdini, HOUDINI_SETUP, """
        obj = hou.node("/obj/rtCube")
        geo = obj.node("mesh").geometry()
        print(json.dumps(dict(type=obj.type().name(), children=[c.type().name() for c in obj.children()],
            points=list(geo.pointFloatAttribValues("P")), matrix=list(obj.worldTransform().asTuple()),
            prims=[[v.point().number() for v in p.vertices()] for p in geo.prims()],
            normals=[list(p.normal()) for p in geo.prims()], N=list(geo.vertexFloatAttribValues("N")),
            uv=list(geo.vertexFloatAttribValues("uv")))))""")
    assert seen["type"] == "geo" and seen["children"] == ["stash"]
    assert close(seen["points"], mesh["points"]) and close(seen["matrix"], mesh["matrix"])
    faces, start = [], 0
    for count in mesh["counts"]:
        faces.append(mesh["vertices"][start:start + count])
        start += count
    assert seen["prims"] == [list(reversed(face)) for face in faces], "Houdini's winding is the reverse"
    for houdini_normal, maya_normal in zip(seen["normals"], sent["face_normals"]):
        assert sum(a * b for a, b in zip(houdini_normal, maya_normal)) > 0.999, "front faces face the same way"
    reversed_n = [c for face in range(len(faces)) for v in reversed(range(len(faces[face])))
                  for c in mesh["normals"][3 * (sum(map(len, faces[:face])) + v):][:3]]
    assert close(seen["N"], reversed_n), "vertex normals moved with their vertices"
    assert len(seen["uv"]) == 3 * len(mesh["vertices"])
    back = run(maya, MAYA_SETUP, MAYA_READ, """
        print(json.dumps(dict(made=pipeline.import_from_houdini("/obj/rtCube", name="rtCube_back"),
                              mesh=maya_arrays("rtCube_back"),
                              shaded="rtCube_backShape" in cmds.sets("initialShadingGroup", query=True))))""")
    assert back["made"] == ["rtCube_back"] and back["shaded"]
    assert houdini.shown()["off_main_thread_calls"] == 0, "Houdini read and wrote on its main thread"
    for key in ("counts", "vertices"):
        assert back["mesh"][key] == mesh[key]
    for key in ("points", "normals", "uvs", "matrix"):
        assert close(back["mesh"][key], mesh[key]), key


def test_houdini_to_maya_and_back_is_exact(hosts):
    houdini, maya = hosts[:2]
    sent = run(houdini, HOUDINI_SETUP, """
        obj = hou.node("/obj").createNode("geo", "hbox", run_init_scripts=False)
        box = obj.createNode("box")
        obj.parmTuple("t").set((0.5, -1, 2))
        obj.parmTuple("r").set((0, 45, 0))
        paths = pipeline.send_to_maya(["/obj/hbox"])
        mesh = pipeline.read_mesh("/obj/hbox")
        again = core.read_mesh(maya_link.link().ensure(), "hbox")
        geo = box.geometry()
        print(json.dumps(dict(paths=paths, status=_houdini_sim.status_messages()[-1],
            normals=[list(p.normal()) for p in geo.prims()],
            same={k: list(getattr(mesh, k)) == list(getattr(again, k)) for k in ("face_counts", "face_vertices")},
            close={k: max(abs(a - b) for a, b in zip(getattr(mesh, k), getattr(again, k)))
                   for k in ("points", "matrix")})))""")
    assert sent["paths"] == ["hbox"]
    assert sent["status"].startswith("DCC Bridge: sent 1 object (8 points, 6 faces)")
    assert all(sent["same"].values()), sent["same"]
    assert all(d < 1e-5 for d in sent["close"].values()), sent["close"]
    maya_normals = run(maya, MAYA_SETUP, """
        fn = pipeline._mesh_fn("hboxShape")
        print(json.dumps([list(fn.getPolygonNormal(i)) for i in range(fn.numPolygons)]))""")
    for houdini_normal, maya_normal in zip(sent["normals"], maya_normals):
        assert sum(a * b for a, b in zip(houdini_normal, maya_normal)) > 0.999, "front faces face the same way"


def test_resending_updates_in_place_with_stable_names(hosts):
    houdini, maya = hosts[:2]
    first = run(houdini, HOUDINI_SETUP, """
        obj = hou.node("/obj").createNode("geo", "my.mesh", run_init_scripts=False)
        obj.createNode("box")
        print(json.dumps(pipeline.send_to_maya(["/obj/my.mesh"]) + pipeline.send_to_maya(["/obj/my.mesh"])))""")
    assert first == ["my_mesh", "my_mesh"], "a '.' becomes '_' in Maya, the same way each time"
    updated = run(maya, MAYA_SETUP, """
        cmds.polyCube(name="inPlace")
        a = pipeline.send_to_houdini(["inPlace"])
        cmds.xform("inPlace", translation=(5, 0, 0))
        b = pipeline.send_to_houdini(["inPlace"])
        print(json.dumps(dict(paths=a + b, maya=cmds.ls("my_mesh*"))))""")
    assert updated["paths"] == ["/obj/inPlace", "/obj/inPlace"] and updated["maya"] == ["my_mesh", "my_meshShape"]
    seen = run(houdini, HOUDINI_SETUP, """
        print(json.dumps(dict(objs=[c.name() for c in hou.node("/obj").children() if c.name().startswith("inPlace")],
                              children=len(hou.node("/obj/inPlace").children()),
                              tx=hou.node("/obj/inPlace").worldTransform().asTuple()[12])))""")
    assert seen == {"objs": ["inPlace"], "children": 1, "tx": 5.0}


def test_the_stash_is_saved_with_the_hip_file(hosts, tmp_path):
    houdini, maya = hosts[:2]
    run(maya, MAYA_SETUP, """
        cmds.polySphere(name="saved")
        print(json.dumps(pipeline.send_to_houdini(["saved"])))""")
    hip = tmp_path / "scene.hip"
    count = run(houdini, HOUDINI_SETUP, f"""
        hou.hipFile.save({str(hip)!r})
        hou.hipFile.clear(suppress_save_prompt=True)
        hou.hipFile.load({str(hip)!r}, suppress_save_prompt=True)
        print(json.dumps(hou.node("/obj/saved/mesh").geometry().pointCount()))""")
    assert count == 382


BIG_PLANE = "cmds.polyPlane(name={name!r}, subdivisionsX=447, subdivisionsY=447)\n"   # 448 * 448 = 200,704 points


def test_a_big_mesh_shows_progress_both_ways_and_a_cancel_leaves_nothing(hosts):
    houdini, maya = hosts[:2]
    done = run(maya, MAYA_SETUP, BIG_PLANE.format(name="bigPlane"), """
        paths = pipeline.send_to_houdini(["bigPlane"])
        print(json.dumps(dict(paths=paths, progress=_maya_sim.shown()["progress"])))""")
    assert done["paths"] == ["/obj/bigPlane"]
    assert any(p["isInterruptable"] and p["ended"] for p in done["progress"]), "Maya showed a progress window"
    assert any("Writing bigPlane (200,704 points" in p["status"] for p in done["progress"])
    cancelled = run(maya, MAYA_SETUP, BIG_PLANE.format(name="cancelPlane"), """
        _maya_sim.cancel_progress(after_updates=3)   # Esc as the window says it wrote the mesh in Houdini
        try:
            pipeline.send_to_houdini(["cancelPlane"])
        except Exception as exc:
            print(json.dumps(type(exc).__name__ + ": " + str(exc)))""")
    assert cancelled == "TransferCancelled: cancelled; nothing was changed"
    assert run(houdini, HOUDINI_SETUP, "print(json.dumps(hou.node('/obj/cancelPlane') is None))")

    select = """
        for node in hou.selectedNodes():
            node.setSelected(False)
        obj = hou.node("/obj").createNode("geo", {name!r}, run_init_scripts=False)
        grid = obj.createNode("grid")
        grid.parm("rows").set(448)
        grid.parm("cols").set(448)
        obj.setSelected(True)"""
    houdini.exec(textwrap.dedent(select.format(name="bigGrid")))
    houdini.click("dcc_bridge_send_to_maya")   # a shelf tool: InterruptableOperation does not work in the Shell
    assert houdini.shown()["status"][-1].startswith("DCC Bridge: sent 1 object (200,704 points, 199,809 faces)")
    houdini.exec(textwrap.dedent(select.format(name="cancelGrid")) + "\n_houdini_sim.interrupt(after_updates=1)")
    houdini.click("dcc_bridge_send_to_maya")   # Esc once the mesh was written in Maya (Writing, Wrote)
    assert houdini.shown()["status"][-1] == "DCC Bridge: send to Maya cancelled; nothing was changed"
    events = [p["event"] for p in houdini.shown()["records"] if p["kind"] == "progress"]
    assert events.count("start") == 2 and events.count("end") == 2 and "interrupted" in events
    left = run(maya, MAYA_SETUP, "print(json.dumps([cmds.objExists('bigGrid'), cmds.objExists('cancelGrid')]))")
    assert left == [True, False], "the cancelled transfer left no mesh behind"


def test_bad_input_is_a_clear_error_in_each_hosts_own_way(hosts):
    houdini, maya = hosts[:2]
    before = run(houdini, HOUDINI_SETUP, "print(json.dumps(sorted(c.name() for c in hou.node('/obj').children())))")
    maya.exec("cmds.select(clear=True)")
    maya.menu("Houdini Bridge", "Send Selection to Houdini")
    shown = maya.shown()
    assert shown["warnings"][-1] == "Houdini Bridge: could not send the selection to Houdini: nothing is selected: " \
                                    "select one or more polygon mesh objects", shown["warnings"][-1]
    assert "nothing is selected" in shown["dialogs"][-1]["message"]
    maya.exec("cmds.select('persp')")
    maya.menu("Houdini Bridge", "Send Selection to Houdini")
    assert "persp is not a polygon mesh" in maya.shown()["warnings"][-1]
    maya.answer({"button": "Import", "text": "/obj/nowhere"})
    maya.menu("Houdini Bridge", "Import from Houdini...")
    assert "there is no node at '/obj/nowhere'" in maya.shown()["warnings"][-1]
    houdini.exec("obj = hou.node('/obj').createNode('geo', 'emptyGeo', run_init_scripts=False)\n"
                 "obj.createNode('stash')")
    maya.answer({"button": "Import", "text": "/obj/emptyGeo"})
    maya.menu("Houdini Bridge", "Import from Houdini...")
    assert "has no polygons" in maya.shown()["dialogs"][-1]["message"]
    bad_index = run(maya, MAYA_SETUP, """
        from bridge_core import pipeline as core
        from dcc_bridge_maya import houdini_link
        wire = dict(name="badIndex", points=[0.0] * 9, face_counts=[3], face_vertices=[0, 1, 7])
        try:
            core.call(houdini_link.link().ensure(), "write_mesh", wire, None)
        except Exception as exc:
            print(json.dumps(str(exc).splitlines()[0]))""")
    assert "face_vertices[2] (face 0) is 7, but the mesh has 3 points" in bad_index
    sheared = run(maya, MAYA_SETUP, """
        from bridge_core import pipeline as core
        from dcc_bridge_maya import houdini_link
        wire = dict(name="sheared", points=[0.0, 0, 0, 1, 0, 0, 0, 1, 0], face_counts=[3], face_vertices=[0, 1, 2],
                    matrix=[1.0, 0.5, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])
        try:
            core.call(houdini_link.link().ensure(), "write_mesh", wire, None)
        except Exception as exc:
            print(json.dumps(str(exc).splitlines()[0]))""")
    assert "shear" in sheared, "Houdini refused the matrix after making the object, and removed it again"
    after = run(houdini, HOUDINI_SETUP, "print(json.dumps(sorted(c.name() for c in hou.node('/obj').children())))")
    assert after == sorted(before + ["emptyGeo"]), "nothing was created in Houdini"

    houdini.exec("for n in hou.selectedNodes():\n    n.setSelected(False)")
    houdini.click("dcc_bridge_send_to_maya")
    shown = houdini.shown()
    assert "nothing is selected" in shown["status"][-1] and "nothing is selected" in shown["messages"][-1]["text"]
    maya.exec("cmds.select(clear=True)")
    houdini.click("dcc_bridge_import_from_maya")
    assert "nothing is selected in Maya" in houdini.shown()["messages"][-1]["text"]


def test_primitives_that_are_not_polygons_are_skipped_with_one_warning(hosts):
    houdini, maya, runtime = hosts
    houdini.exec(textwrap.dedent("""
        obj = hou.node("/obj").createNode("geo", "mixed", run_init_scripts=False)
        merge = obj.createNode("merge")
        merge.setInput(0, obj.createNode("box"))
        merge.setInput(1, obj.createNode("sphere"))   # one Sphere primitive
        merge.setDisplayFlag(True)"""))
    made, printed = run(maya, MAYA_SETUP, "print(json.dumps(pipeline.import_from_houdini('/obj/mixed')))",
                        printed=True)
    assert made == ["mixed"]
    warnings = maya.shown()["warnings"]
    assert warnings[-1] == "Houdini Bridge: Houdini skipped 1 Sphere primitives of /obj/mixed/merge1 (only " \
                           "polygons are carried)", warnings[-3:]
    assert printed[-1].startswith("Houdini Bridge: imported 1 object (8 points, 6 faces)")
    done = subprocess.run([sys.executable, "-m", "bridge_core", "send-mesh", "--from", "houdini", "/obj/mixed",
                           "--to", "maya", "--name", "mixedAgain"], cwd=ROOT, env=session_env(runtime),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "warning: skipped 1 Sphere primitives" in done.stderr, done.stderr
    houdini.exec("hou.node('/obj/mixed').displayNode().geometry()")
    assert "skipped 1 Sphere" not in " ".join(houdini.shown()["status"][-1:]), "the asking side shows it"


def test_send_mesh_from_the_command_line(hosts):
    houdini, maya, runtime = hosts
    maya.exec("cmds.polyCube(name='cliCube')")
    maya_port = run(maya, "from dcc_bridge_maya import server\nprint(server.SERVER.current().port)")
    done = subprocess.run([sys.executable, "-m", "bridge_core", "send-mesh", "--from", f"maya:{maya_port}",
                           "cliCube", "--to", "houdini", "--name", "cli.cube"], cwd=ROOT,
                          env=session_env(runtime), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("sent 1 object (8 points, 6 faces) from maya to houdini as /obj/cli_cube in ")
    assert run(houdini, HOUDINI_SETUP, "print(json.dumps(hou.node('/obj/cli_cube/mesh').geometry().primCount()))") == 6
    missing = subprocess.run([sys.executable, "-m", "bridge_core", "send-mesh", "--from", "maya", "noSuchNode",
                              "--to", "houdini"], cwd=ROOT, env=session_env(runtime), capture_output=True,
                             text=True, timeout=60)
    assert missing.returncode == 2 and "there is no object named 'noSuchNode'" in missing.stderr


def test_hython_receives_and_sends_meshes_without_a_ui(hosts, tmp_path):
    maya, runtime = hosts[1], hosts[2]
    with houdini_session(runtime, hython=True, prefs_dir=tmp_path / "hython",
                         env={"DCC_BRIDGE_AUTOSTART": "headless", "DCC_BRIDGE_PORT": "0"}) as hython:
        port = hython.eval("__import__('dcc_bridge_houdini.server').server.SERVER.current().port")
        maya.exec("cmds.polyCube(name='toHython')")
        maya_port = run(maya, "from dcc_bridge_maya import server\nprint(server.SERVER.current().port)")
        for source, node, target, name in ((f"maya:{maya_port}", "toHython", f"houdini:{port}", "toHython"),
                                           (f"houdini:{port}", "/obj/toHython", f"maya:{maya_port}", "fromHython")):
            done = subprocess.run([sys.executable, "-m", "bridge_core", "send-mesh", "--from", source, node, "--to",
                                   target, "--name", name], cwd=ROOT, env=session_env(runtime),
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
        count = "print(json.dumps(hou.node('/obj/toHython/mesh').geometry().primCount()))"
        assert run(hython, HOUDINI_SETUP, count) == 6
        assert run(maya, MAYA_SETUP, "print(json.dumps(pipeline.read_mesh('fromHython').num_faces))") == 6
        assert hython.shown()["mode"] == "hython"


def send_mesh_cli(runtime, *args):
    return subprocess.run([sys.executable, "-m", "bridge_core", "send-mesh", *args], cwd=ROOT,
                          env=session_env(runtime), capture_output=True, text=True, timeout=60)


def test_send_mesh_refuses_to_guess_between_two_sessions_of_one_app(hosts, tmp_path):
    houdini, maya, runtime = hosts
    maya.exec("cmds.polyCube(name='twoMayas')")
    maya_port = run(maya, "from dcc_bridge_maya import server\nprint(server.SERVER.current().port)")
    with maya_session(runtime, app_dir=tmp_path / "maya2", env={"DCC_BRIDGE_AUTOSTART": "1",
                                                                "DCC_BRIDGE_PORT": "0"}) as other:
        other_port = other.eval("__import__('dcc_bridge_maya.server').server.SERVER.current().port")
        guessed = send_mesh_cli(runtime, "--from", "maya", "twoMayas", "--to", "houdini")
        assert guessed.returncode == 2 and guessed.stdout == "", guessed
        line = guessed.stderr.strip()
        assert "\n" not in line and "Traceback" not in line, line
        assert line.startswith("dcc-bridge send-mesh: 2 maya sessions are running on this machine"), line
        assert f"maya:{maya_port}" in line and f"maya:{other_port}" in line, line
        assert run(houdini, HOUDINI_SETUP, "print(json.dumps(hou.node('/obj/twoMayas') is None))")
        chosen = send_mesh_cli(runtime, "--from", f"maya:{maya_port}", "twoMayas", "--to", "houdini")
        assert chosen.returncode == 0, chosen.stderr
        into = send_mesh_cli(runtime, "--from", "houdini", "/obj/twoMayas", "--to", "maya", "--name", "fromTwo")
        assert into.returncode == 2 and "2 maya sessions" in into.stderr, into.stderr
        assert run(maya, MAYA_SETUP, "print(json.dumps(cmds.objExists('fromTwo')))") is False
        assert other.eval("__import__('maya.cmds').cmds.objExists('fromTwo')") is False


def test_progress_is_up_while_a_big_mesh_is_read_and_esc_then_moves_nothing(hosts):
    """Every way a big transfer starts (Maya imports, Houdini sends, Houdini imports) shows its progress before
    the mesh is read, not only once it is written: Esc at the first update cancels before anything moved."""
    houdini, maya = hosts[:2]
    houdini.exec(textwrap.dedent("""
        for node in hou.selectedNodes():
            node.setSelected(False)
        obj = hou.node("/obj").createNode("geo", "readGrid", run_init_scripts=False)
        grid = obj.createNode("grid")
        grid.parm("rows").set(448)
        grid.parm("cols").set(448)"""))
    imported = run(maya, MAYA_SETUP, """
        before = len(_maya_sim.shown()["progress"])
        _maya_sim.cancel_progress(after_updates=0)
        try:
            pipeline.import_from_houdini("/obj/readGrid")
        except Exception as exc:
            print(json.dumps(dict(error=str(exc), exists=cmds.objExists("readGrid"),
                                  progress=[p["status"] for p in _maya_sim.shown()["progress"][before:]])))""")
    assert imported["error"] == "cancelled; nothing was changed" and not imported["exists"], imported
    assert "Reading /obj/readGrid (200,704 points)" in imported["progress"], imported["progress"]

    def houdini_progress(click, interrupt=True):
        before = len(houdini.shown()["records"])
        if interrupt:
            houdini.exec("_houdini_sim.interrupt(after_updates=0)")
        houdini.click(click)
        return [r.get("status") for r in houdini.shown()["records"][before:]
                if r["kind"] == "progress" and r["event"] == "update"]

    houdini.exec("hou.node('/obj/readGrid').setSelected(True)")
    sent = houdini_progress("dcc_bridge_send_to_maya")
    assert houdini.shown()["status"][-1] == "DCC Bridge: send to Maya cancelled; nothing was changed"
    assert sent == ["Reading /obj/readGrid (200,704 points)"], sent
    maya.exec(BIG_PLANE.format(name="readPlane") + "cmds.select('readPlane')")
    got = houdini_progress("dcc_bridge_import_from_maya")
    assert houdini.shown()["status"][-1] == "DCC Bridge: import from Maya cancelled; nothing was changed"
    assert got == ["Reading readPlane (200,704 points)"], got
    assert run(maya, MAYA_SETUP, "print(json.dumps(cmds.objExists('readGrid')))") is False
    assert run(houdini, HOUDINI_SETUP, "print(json.dumps(hou.node('/obj/readPlane') is None))") is True


def test_a_refused_resend_leaves_the_node_it_would_have_updated_as_it_was(hosts):
    """Houdini refuses a sheared world matrix (setWorldTransform): re-sent into an existing object, it must not
    have replaced the stashed geometry first."""
    houdini, maya = hosts[:2]
    refused = run(maya, MAYA_SETUP, """
        from bridge_core import pipeline as core
        from dcc_bridge_maya import houdini_link
        bridge = houdini_link.link().ensure()
        good = dict(name="keepAsIs", points=[0.0, 0, 0, 1, 0, 0, 0, 1, 0], face_counts=[3], face_vertices=[0, 1, 2],
                    matrix=[1.0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 7, 0, 0, 1])
        core.call(bridge, "write_mesh", good, None)
        sheared = dict(good, points=[0.0, 0, 0, 2, 0, 0, 0, 2, 0, 2, 2, 0], face_counts=[4], face_vertices=[0, 1, 3, 2],
                       matrix=[1.0, 0.5, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])
        try:
            core.call(bridge, "write_mesh", sheared, None)
        except Exception as exc:
            print(json.dumps(str(exc).splitlines()[0]))""")
    assert "shear" in refused
    seen = run(houdini, HOUDINI_SETUP, """
        obj = hou.node("/obj/keepAsIs")
        print(json.dumps(dict(points=obj.node("mesh").geometry().pointCount(), tx=obj.worldTransform().asTuple()[12])))""")
    assert seen == {"points": 3, "tx": 7.0}, "the refused re-send changed nothing"
