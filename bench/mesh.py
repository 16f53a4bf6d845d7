"""The mesh pipeline's benchmark: a 1,000,000-point grid from the simulated Maya to the simulated Houdini and back.

Three measurements, each in real processes (run by ``bench.py``; ``python bench/mesh.py --hrpyc-python P``
runs it alone):

* **DCC Bridge**: graphical Maya and Houdini sessions (``tests/hosts``) with this repository's module and
  package; in Maya, ``send_to_houdini(["grid"])`` then ``import_from_houdini("/obj/grid")``. Each stand-in
  times its own API calls in-process (``_maya_sim.api_seconds``, ``_houdini_sim.api_seconds``); the bridge's
  share is the total minus both. Against it: a **plain loopback socket** moving the same bytes between two
  processes in the same run.
* **hrpyc**: the best an hrpyc user can do with rpyc 4.1.0 classic and the same stand-ins: positions and
  per-vertex attributes as bytes (``*AttribValuesAsString`` and their setters), topology as Python tuples
  (sent by value), the mesh read and written with the same host calls.
* **Memory**: tracemalloc's peak on each side of the bridge while a pipeline Python sends the same mesh to a
  bridge server and reads it back (``write_mesh``/``read_mesh`` verbs that keep it, flipped to Houdini's
  winding as the Houdini side does), over the payload's size.
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOSTS = ROOT / "tests" / "hosts"
# a polyPlane of 999 x 999 quads: 1,000,000 points, 998,001 faces (MESH_BENCH_SUBDIVISIONS: a smaller trial run)
SUBDIVISIONS = int(os.environ.get("MESH_BENCH_SUBDIVISIONS", 999))
ROUNDS = 3

MAYA_SETUP = f"""
import json, time
from maya import cmds
import _maya_sim
from dcc_bridge_maya import pipeline, houdini_link
if not cmds.objExists("grid"):
    cmds.polyPlane(name="grid", subdivisionsX={SUBDIVISIONS}, subdivisionsY={SUBDIVISIONS})
"""


def _timed(maya, houdini, code):
    houdini.exec("import _houdini_sim\n_houdini_sim.api_seconds(reset=True)")
    result = json.loads(maya.exec(textwrap.dedent(code) + """
maya_api = _maya_sim.api_seconds()
print(json.dumps(dict(total=total, maya_api=maya_api, info=info)))""").strip().splitlines()[-1])
    result["houdini_api"] = houdini.eval("__import__('_houdini_sim').api_seconds()")
    result["bridge"] = result["total"] - result["maya_api"] - result["houdini_api"]
    return result


def bridge_run(runtime, rounds=ROUNDS):
    """Per direction: total, each stand-in's API seconds, the bridge's share (lists, one per round)."""
    sys.path.insert(0, str(HOSTS))
    from sessions import houdini_session, maya_session

    env = {"DCC_BRIDGE_AUTOSTART": "1", "DCC_BRIDGE_PORT": "0", "DCC_BRIDGE_TIMEOUT": "600"}
    results = {"to_houdini": [], "to_maya": []}
    with houdini_session(runtime, prefs_dir=runtime.parent / "mesh_houdini", env=env) as houdini, \
            maya_session(runtime, app_dir=runtime.parent / "mesh_maya", env=env) as maya:
        for session in (houdini, maya):  # a million points through Python stand-ins takes minutes, not seconds
            session.control._sock.settimeout(None)
        maya.exec(MAYA_SETUP + "found = houdini_link.sessions()[0]\nhoudini_link.connect(found.host, found.port)")
        payload = int(maya.eval("pipeline.read_mesh('grid').nbytes"))
        for _ in range(rounds):
            results["to_houdini"].append(_timed(maya, houdini, """
                _maya_sim.api_seconds(reset=True)
                start = time.perf_counter()
                pipeline.send_to_houdini(["grid"])
                total = time.perf_counter() - start
                info = "" """))
            results["to_maya"].append(_timed(maya, houdini, """
                _maya_sim.api_seconds(reset=True)
                start = time.perf_counter()
                pipeline.import_from_houdini("/obj/grid", name="grid_back")
                total = time.perf_counter() - start
                info = "" """))
    return payload, results


def raw_socket(nbytes, rounds=ROUNDS, fresh=False):
    """Seconds for a plain loopback TCP socket to move ``nbytes`` to another process (and a 1-byte reply).
    The receiver reads into one buffer it made before the first round; with ``fresh`` it makes a new buffer
    each round, as any receiver of a mesh must (the new memory's page faults are part of the cost)."""
    listener = socket.create_server(("127.0.0.1", 0))
    receiver = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import socket, sys
        sock = socket.create_connection(("127.0.0.1", {listener.getsockname()[1]}))
        buffer = bytearray({nbytes})
        view = memoryview(buffer)
        for _ in range({rounds}):
            if {fresh}:
                buffer = bytearray({nbytes})
                view = memoryview(buffer)
            got = 0
            while got < {nbytes}:
                got += sock.recv_into(view[got:], {nbytes} - got)
            sock.sendall(b"k")
        """)])
    conn, _ = listener.accept()
    payload = os.urandom(1 << 20) * (nbytes >> 20) + os.urandom(nbytes & ((1 << 20) - 1))
    samples = []
    with conn:
        for _ in range(rounds):
            start = time.perf_counter()
            conn.sendall(payload)
            conn.recv(1)
            samples.append(time.perf_counter() - start)
    receiver.wait(30)
    listener.close()
    return samples


# ------------------------------------------------------------------------------------------------ hrpyc

HRPYC_MAYA = """
import array, itertools, json, sys, time
sys.path[:0] = [sys.argv[2]]
import rpyc
import maya.standalone
maya.standalone.initialize()
from maya import cmds
from maya.api import OpenMaya as om

N = int(sys.argv[3])
cmds.polyPlane(name="grid", subdivisionsX=N, subdivisionsY=N)
conn = rpyc.classic.connect("127.0.0.1", int(sys.argv[1]))
conn._config["sync_request_timeout"] = 3000
hou = conn.modules["hou"]


def fn_of(name):
    selection = om.MSelectionList()
    selection.add(name)
    return om.MFnMesh(selection.getDagPath(0))


def to_houdini():
    fn = fn_of("gridShape")
    points = tuple((p.x, p.y, p.z) for p in fn.getPoints())
    counts, connects = list(fn.getVertices()[0]), list(fn.getVertices()[1])
    normals, ids = fn.getNormals(), list(fn.getNormalIds()[1])
    u, v = fn.getUVs()
    uv_ids = list(fn.getAssignedUVs()[1])
    faces, fv_order, start = [], [], 0
    for count in counts:  # Houdini's winding: each face reversed
        corners = range(start + count - 1, start - 1, -1)
        faces.append(tuple(connects[i] for i in corners))
        fv_order.extend(corners)
        start += count
    n_bytes = array.array("f", itertools.chain.from_iterable(normals[ids[i]] for i in fv_order)).tobytes()
    uv_bytes = array.array("f", itertools.chain.from_iterable((u[uv_ids[i]], v[uv_ids[i]], 0.0)
                                                             for i in fv_order)).tobytes()
    matrix = cmds.xform("grid", query=True, worldSpace=True, matrix=True)
    geo = hou.Geometry()
    geo.createPoints(points)
    geo.createPolygons(tuple(faces))
    geo.addAttrib(hou.attribType.Vertex, "N", (0.0, 0.0, 0.0), transform_as_normal=True)
    geo.setVertexFloatAttribValuesFromString("N", n_bytes)
    geo.addAttrib(hou.attribType.Vertex, "uv", (0.0, 0.0, 0.0))
    geo.setVertexFloatAttribValuesFromString("uv", uv_bytes)
    obj = hou.node("/obj").createNode("geo", "grid", run_init_scripts=False)
    stash = obj.createNode("stash", "mesh")
    stash.parm("stash").set(geo)
    obj.setWorldTransform(hou.Matrix4(tuple(tuple(matrix[r * 4:r * 4 + 4]) for r in range(4))))


READ_BACK = '''
import hou
_geo = hou.node("/obj/grid/mesh").geometry()
hrpyc_topology = tuple(tuple(v.point().number() for v in p.vertices()) for p in _geo.prims())
'''


def to_maya():
    conn.execute(READ_BACK)
    topology = conn.namespace["hrpyc_topology"]
    geo = hou.node("/obj/grid/mesh").geometry()
    positions = array.array("f")
    positions.frombytes(geo.pointFloatAttribValuesAsString("P"))
    n = array.array("f")
    n.frombytes(geo.vertexFloatAttribValuesAsString("N"))
    uvw = array.array("f")
    uvw.frombytes(geo.vertexFloatAttribValuesAsString("uv"))
    matrix = hou.node("/obj/grid").worldTransform().asTuple()
    counts, connects, order, start = [], [], [], 0
    for face in topology:  # back to Maya's winding
        counts.append(len(face))
        connects.extend(reversed(face))
        order.extend(range(start + len(face) - 1, start - 1, -1))
        start += len(face)
    fn = om.MFnMesh()
    made = fn.create(om.MPointArray(list(zip(positions[0::3], positions[1::3], positions[2::3]))), counts,
                     connects, [uvw[3 * i] for i in order], [uvw[3 * i + 1] for i in order])
    name = om.MFnDagNode(made).name()
    fn.assignUVs(counts, list(range(len(connects))))
    faces = list(itertools.chain.from_iterable(itertools.repeat(f, c) for f, c in enumerate(counts)))
    fn.setFaceVertexNormals(om.MVectorArray([(n[3 * i], n[3 * i + 1], n[3 * i + 2]) for i in order]), faces,
                            connects)
    cmds.xform(name, worldSpace=True, matrix=list(matrix))


import _maya_sim
houdini_sim = conn.modules["_houdini_sim"]
timings = {}
for name, run in (("to_houdini", to_houdini), ("to_maya", to_maya)):
    _maya_sim.api_seconds(reset=True)
    houdini_sim.api_seconds(True)
    start = time.perf_counter()
    run()
    timings[name] = time.perf_counter() - start
    timings[name + "_api"] = _maya_sim.api_seconds() + houdini_sim.api_seconds()
print(json.dumps(timings), flush=True)
conn.close()
"""


def hrpyc_run(hrpyc_python, scratch, attempts=3):
    """One hrpyc round trip (seconds per direction): rpyc 4.1.0 classic between two stand-in processes, or
    ``{"failed": reason}``. A run whose connection broke is tried again (seen in loaded runs: rpyc 4.1.0's
    stream closed part-way through the million points); the bridge's figures stand without it."""
    for attempt in range(attempts):
        try:
            return _hrpyc_once(hrpyc_python, scratch)
        except RuntimeError as exc:
            reason = str(exc).splitlines()[-1]
            print(f"mesh bench: hrpyc run {attempt + 1} of {attempts} failed: {reason}", file=sys.stderr)
    return {"failed": f"{attempts} attempts failed, the last with {reason}"}


def _hrpyc_once(hrpyc_python, scratch):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DCC_BRIDGE_")}
    env["PYTHONPATH"] = str(HOSTS / "houdini")
    server = subprocess.Popen([str(hrpyc_python), str(ROOT / "bench" / "peer.py"), "serve", "hrpyc"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        port = int(server.stdout.readline().split()[1])
        script = Path(scratch) / "hrpyc_maya.py"
        script.write_text(HRPYC_MAYA)
        done = subprocess.run([str(hrpyc_python), str(script), str(port), str(HOSTS / "maya"), str(SUBDIVISIONS)],
                              capture_output=True, text=True, cwd=ROOT, timeout=3000)
        if done.returncode != 0:
            raise RuntimeError(f"the hrpyc run failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        server.stdin.close()
        server.wait(60)


# ----------------------------------------------------------------------------------------------- memory

MEMORY_SERVER = """
import sys
import bridge_core
from bridge_core import pipeline
from bridge_core.geometry import Mesh

kept = {}

def write_mesh(wire, name=None):
    mesh = Mesh.from_wire(wire).reversed_winding(in_place=True)   # what the Houdini side does with it
    kept["mesh"] = mesh
    return {"node": mesh.name, "created": True}

def read_mesh(node):
    return kept["mesh"].reversed_winding().to_wire()

pipeline.register("write_mesh", write_mesh)
pipeline.register("read_mesh", read_mesh)
server = bridge_core.start_server(port=0, app="bench-mesh")
print("port", server.port, flush=True)
sys.stdin.read()
server.stop()
"""


def grid_mesh(n=SUBDIVISIONS):
    """The benchmark's grid as a ``Mesh`` (quads, per-face-vertex normals and UVs), built with array ops."""
    import array

    from bridge_core.geometry import Mesh

    side = n + 1
    xs = array.array("f", [i / n for i in range(side)])
    points = array.array("f", bytes(12 * side * side))
    for row in range(side):
        chunk = array.array("f", bytes(12 * side))
        chunk[0::3], chunk[2::3] = xs, array.array("f", [row / n]) * side
        points[3 * side * row:3 * side * (row + 1)] = chunk
    first = array.array("i", [r * side + i for r in range(n) for i in range(n)])
    vertices = array.array("i", bytes(16 * n * n))
    vertices[0::4], vertices[1::4] = first, array.array("i", [v + 1 for v in first])
    vertices[2::4], vertices[3::4] = array.array("i", [v + side + 1 for v in first]), \
        array.array("i", [v + side for v in first])
    normals = array.array("f", [0.0, 1.0, 0.0]) * (4 * n * n)
    uvs = array.array("f", bytes(32 * n * n))
    return Mesh("grid", points, array.array("i", [4]) * (n * n), vertices, normals, uvs)


def memory_run(rounds=ROUNDS):
    """The bridge without hosts: seconds to send the grid to a bridge server and to read it back (each of
    ``rounds``), then the peak traced memory on the client and the server for one such trip."""
    import tracemalloc

    if str(ROOT) not in sys.path:  # run by bench.py, whose path has bench/ but not the repository
        sys.path.insert(0, str(ROOT))
    import bridge_core
    from bridge_core import pipeline

    env = {k: v for k, v in os.environ.items() if not k.startswith("DCC_BRIDGE_")}
    with tempfile.TemporaryDirectory(prefix="dcc-bridge-mesh-") as scratch:
        env.update(PYTHONPATH=str(ROOT), DCC_BRIDGE_RUNTIME_DIR=scratch)
        server = subprocess.Popen([sys.executable, "-c", MEMORY_SERVER], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        try:
            port = int(server.stdout.readline().split()[1])
            mesh = grid_mesh()
            os.environ["DCC_BRIDGE_RUNTIME_DIR"] = scratch
            with bridge_core.connect(port=port, timeout=600) as bridge:
                times = {"send": [], "read": []}
                for _ in range(rounds):
                    start = time.perf_counter()
                    pipeline.write_mesh(bridge, mesh)
                    middle = time.perf_counter()
                    pipeline.read_mesh(bridge, "grid")
                    times["send"].append(middle - start)
                    times["read"].append(time.perf_counter() - middle)
                remote = bridge.modules["tracemalloc"]
                remote.start()
                tracemalloc.start()
                pipeline.write_mesh(bridge, mesh)
                back = pipeline.read_mesh(bridge, "grid")
                client_peak, server_peak = tracemalloc.get_traced_memory()[1], remote.get_traced_memory()[1]
                tracemalloc.stop()
                remote.stop()
                assert back.face_vertices == mesh.face_vertices and back.points == mesh.points
        finally:
            server.stdin.close()
            server.wait(60)
    return mesh.nbytes, client_peak, server_peak, times


# ----------------------------------------------------------------------------------------------- report


def measure(hrpyc_python):
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="dcc-bridge-mesh-") as scratch:
        runtime = Path(scratch) / "runtime"
        payload, bridge = bridge_run(runtime)
        print("mesh bench: bridge", json.dumps(bridge), file=sys.stderr, flush=True)
        load.append(os.getloadavg()[0])
        raw = raw_socket(payload)
        raw_fresh = raw_socket(payload, fresh=True)
        hrpyc = hrpyc_run(hrpyc_python, scratch)
        print("mesh bench: hrpyc", json.dumps(hrpyc), file=sys.stderr, flush=True)
    memory = memory_run()
    load.append(os.getloadavg()[0])
    return dict(payload=payload, bridge=bridge, raw=raw, raw_fresh=raw_fresh, hrpyc=hrpyc, memory=memory, load=load)


def section(m):
    """The Markdown section for docs/benchmarks.md (means of the rounds, as users meet them)."""
    payload, bridge, raw, hrpyc = m["payload"], m["bridge"], m["raw"], m["hrpyc"]
    nbytes, client_peak, server_peak, core_times = m["memory"]
    raw_mean = statistics.mean(raw)
    measured_hrpyc = "failed" not in hrpyc
    rows, checks = [], []
    for direction, label in (("to_houdini", "Maya -> Houdini"), ("to_maya", "Houdini -> Maya")):
        runs = bridge[direction]
        mean = {k: statistics.mean(r[k] for r in runs) for k in ("total", "maya_api", "houdini_api", "bridge")}
        spread = f"{min(r['bridge'] for r in runs):.2f}-{max(r['bridge'] for r in runs):.2f}"
        if measured_hrpyc:
            hrpyc_share = hrpyc[direction] - hrpyc[direction + "_api"]
            versus = (f"{hrpyc[direction]:.2f} | {hrpyc_share:.2f} | {hrpyc[direction] / mean['total']:.1f}x | "
                      f"{hrpyc_share / mean['bridge']:.1f}x |")
            speedup = hrpyc[direction] / mean["total"]
        else:
            versus, speedup = "- | - | - | - |", None
        rows.append(f"| {label} | {mean['total']:.2f} | {mean['maya_api']:.2f} | {mean['houdini_api']:.2f} | "
                    f"{mean['bridge']:.2f} ({spread}) | {raw_mean * 1000:.0f} ms | {mean['bridge'] / raw_mean:.1f}x | "
                    + versus)
        checks.append((label, mean["bridge"] / raw_mean, speedup))
    worst_share = max(c[1] for c in checks)
    peak = max(client_peak, server_peak) / nbytes
    if measured_hrpyc:
        worst_speedup = min(c[2] for c in checks)
        speed_goal = f"{worst_speedup:.1f}x | {'yes' if worst_speedup >= 20 else '**no**'}"
        hrpyc_note = ("hrpyc is the best an hrpyc user can do with rpyc 4.1.0 classic and the same stand-ins "
                      "(positions and vertex attributes as bytes, topology as tuples, one run); its share is its "
                      "total minus the same stand-ins' API time in that run.")
    else:
        speed_goal = "not measured in this run | -"
        hrpyc_note = f"The hrpyc run did not complete in this run ({hrpyc['failed']}), so there is no hrpyc column."
    send, read = statistics.mean(core_times["send"]), statistics.mean(core_times["read"])
    fresh_mean = statistics.mean(m["raw_fresh"]) if m.get("raw_fresh") else None
    fresh_note = "" if fresh_mean is None else (
        f" The same socket receiving into new memory each round, as any receiver of a mesh must, takes "
        f"{fresh_mean * 1000:.0f} ms ({fresh_mean / raw_mean:.1f}x the reused buffer) before anything checks, "
        f"flips or converts a byte.")
    load = ", ".join(f"{value:.1f}" for value in m.get("load", []))
    return f"""
## Meshes: a 1,000,000-point grid, Maya to Houdini and back

A Maya `polyPlane` of {SUBDIVISIONS} x {SUBDIVISIONS} quads (1,000,000 points, 998,001 faces, per-face-vertex
normals and UVs: {payload / 1e6:.0f} MB of arrays) sent from the simulated Maya to the simulated Houdini
(`send_to_houdini`) and imported back (`import_from_houdini`), both graphical sessions in their own processes;
**means of {ROUNDS} runs**, seconds (the bridge's share also as the lowest-highest run). The machine's load average
(2 cores, shared with other jobs) was {load} at the start, after the bridge runs and at the end.
*Maya API* and *Houdini API* are the time each stand-in spent inside its own API calls (timed in-process, from
entering the outermost call to leaving it); the bridge's share is the rest: the glue's conversions between API
objects and arrays, the checks and the winding flip, the transfer, and waiting. The socket is a plain loopback
TCP socket moving the same {payload / 1e6:.0f} MB between two processes in the same run (mean), read into one
buffer reused every round.{fresh_note} {hrpyc_note}

| direction | total | Maya API | Houdini API | bridge's share | plain socket | share / socket | hrpyc |\
 hrpyc's share | hrpyc / total | hrpyc's share / bridge's |
|---|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

The bridge without hosts: a pipeline Python sends the same grid to a bridge server (`write_mesh`: the server
checks it and flips its winding, as the Houdini side does) in {send * 1000:.0f} ms and reads it back
(`read_mesh`: flipped again) in {read * 1000:.0f} ms (means of {ROUNDS}), against {raw_mean * 1000:.0f} ms for the
plain socket: {send / raw_mean:.1f}x and {read / raw_mean:.1f}x. Peak memory (tracemalloc) on that trip: client
{client_peak / nbytes:.1f}x, server {server_peak / nbytes:.1f}x the {nbytes / 1e6:.0f} MB payload.

| goal | measured (worst direction, means) | met |
|---|---|---|
| bridge's share at most 2x a plain socket | {worst_share:.1f}x | {'yes' if worst_share <= 2 else '**no**'} |
| end to end at least 20x faster than hrpyc | {speed_goal} |
| peak memory each side about 3x the payload at most | {peak:.1f}x | {'yes' if peak <= 3.2 else '**no**'} |
"""


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hrpyc-python", required=True, help="a Python with rpyc 4.1.0 (Houdini's)")
    args = parser.parse_args(argv)
    results = measure(args.hrpyc_python)
    print(json.dumps(results, indent=1, default=str))
    print(section(results))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
