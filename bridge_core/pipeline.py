"""Moving meshes between running sessions: the pipeline verbs each host serves, and ``send_mesh``.

Each host's glue (``dcc_bridge_maya.pipeline``, ``dcc_bridge_houdini.pipeline``) registers the same few
*verbs* here when it loads; the host's bridge server runs them (on its main thread) when a peer asks through
``call``. Arguments and results are plain data copied by value (``values``): a mesh travels as
``Mesh.to_wire()``, whose arrays are bulk frames. ``bridge_core`` itself never imports a host module.

| verb | arguments | result |
|---|---|---|
| ``read_mesh`` | node (a Maya transform or shape; a Houdini SOP or ``geo`` object path) | ``Mesh.to_wire()`` (and
  a ``warning``, such as the primitives skipped) |
| ``write_mesh`` | wire mesh, name or None | ``{"node": name or path, "created": bool}`` |
| ``point_count`` | node | how many points ``read_mesh`` would read (for progress, before reading) |
| ``selection`` | | the selected meshes / nodes (names or paths) |
| ``delete`` | nodes | None (undoes what a cancelled transfer created) |

A pipeline Python (neither host) moves a mesh in one call, and so does the shell:

    maya, houdini = bridge_core.connect(port=18812), bridge_core.connect(port=18811)
    send_mesh(maya, "pCube1", houdini)          # -> {"node": "/obj/pCube1", "created": True, ...}

    python -m bridge_core send-mesh --from maya pCube1 --to houdini [--name NAME]
"""
import contextlib
import gc
import logging
import re
import time

from . import values
from .errors import BridgeError, GeometryError, TransferCancelled
from .geometry import Mesh

log = logging.getLogger("dcc_bridge.pipeline")

__all__ = ["VERBS", "node_name", "write_target", "register", "serve", "call", "read_mesh", "write_mesh", "send_mesh", "summary",
           "PROGRESS_POINTS", "Progress", "transfer", "bulk_work"]

VERBS = {}
PROGRESS_POINTS = 100_000  # transfers larger than this show progress in the host that started them


def node_name(name):
    """A name both hosts accept for ``name``, the same every time: a path's last part ("/obj/geo1" -> "geo1",
    "|grp|pCube1" -> "pCube1"), other characters than letters, digits and "_" as "_" ("ns:pCube1" ->
    "ns_pCube1", "my.mesh" -> "my_mesh"), a leading digit prefixed with "_"."""
    short = re.split(r"[|/]", str(name).rstrip("|/"))[-1] or "mesh"
    short = re.sub(r"[^A-Za-z0-9_]", "_", short)
    return "_" + short if short[0].isdigit() else short


def write_target(mesh, name=None, checked=False):
    """The first step of every host's ``write_mesh``: check ``mesh`` (unless ``checked``: ``Mesh.from_wire``
    has checked what arrives from the other side) and return the target's name (``node_name``)."""
    if not checked:
        mesh.validate()
    return node_name(name or mesh.name)


@contextlib.contextmanager
def bulk_work():
    """Pause Python's cyclic garbage collector while a mesh is read, converted or written.

    Turning a million points into API objects or tuples allocates millions of objects, and every few hundred
    allocations the collector runs; its older generations walk every object the process holds (a host's
    whole Python heap), again and again, for objects that make no cycles. The collector is switched back on
    afterwards (if it was on: nested uses leave that to the outermost)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def register(name, function):
    """Offer ``function`` as pipeline verb ``name`` on this process's bridge servers (host glue calls this)."""
    VERBS[name] = function
    return function


def serve(verb, args, kwargs):
    """Run a registered verb for a peer (``BridgeService.pipeline``); arguments and result are encoded."""
    function = VERBS.get(verb)
    if function is None:
        offered = ", ".join(sorted(VERBS)) or "none"
        raise BridgeError(f"this session offers no pipeline verb {verb!r} (it offers: {offered}). Its DCC Bridge "
                          f"glue may not be loaded: start the server from the DCC Bridge shelf or the Houdini "
                          f"Bridge menu, or import the host's dcc_bridge_*.pipeline module first.")
    with bulk_work():
        return values.encode(function(*values.decode(args), **values.decode(kwargs)), f"the result of {verb}")


def call(bridge, verb, *args, **kwargs):
    """Ask the session behind ``bridge`` to run pipeline verb ``verb``; returns its (copied) result."""
    result = bridge.conn.root.pipeline(verb, values.encode(args, "the arguments"),
                                       values.encode(kwargs, "the arguments"))
    return values.decode(result)


def read_mesh(bridge, node):
    """The ``Mesh`` of ``node`` in the session behind ``bridge``."""
    return Mesh.from_wire(call(bridge, "read_mesh", node))


def write_mesh(bridge, mesh, name=None):
    """Write ``mesh`` into the session behind ``bridge``; returns ``{"node", "created"}``."""
    if not isinstance(mesh, Mesh):
        raise GeometryError(f"write_mesh takes a bridge_core.geometry.Mesh, not {type(mesh).__name__}")
    return call(bridge, "write_mesh", mesh.validate().to_wire(), name)


def summary(objects, points, faces, seconds, verb="moved", where=""):
    """The one line every pipeline command ends with."""
    noun = "object" if objects == 1 else "objects"
    return (f"{verb} {objects} {noun} ({points:,} points, {faces:,} faces){where} in {seconds:.2f} s")


def send_mesh(from_bridge, node, to_bridge, name=None):
    """Move ``node``'s mesh from one session to another; returns ``{"node", "created", "points", "faces",
    "seconds", "summary", "warning"}``. The mesh passes through this process once, as bulk frames."""
    start = time.perf_counter()
    with bulk_work():
        wire = call(from_bridge, "read_mesh", node)
        mesh = Mesh.from_wire(wire)
    if wire.get("warning"):  # primitives the source skipped, say
        log.warning("%s: %s", from_bridge.app or "the source", wire["warning"])
    result = dict(call(to_bridge, "write_mesh", wire, name))
    seconds = time.perf_counter() - start
    result.update(points=mesh.num_points, faces=mesh.num_faces, seconds=seconds, warning=wire.get("warning", ""),
                  summary=summary(1, mesh.num_points, mesh.num_faces, seconds, "sent",
                                  f" from {from_bridge.app or 'the source'} to {to_bridge.app or 'the target'}"
                                  f" as {result['node']}"))
    log.info("%s", result["summary"])
    return result


class Progress:
    """Progress of a transfer in a host's own UI, shown once it is known to be over ``PROGRESS_POINTS``.

    Host glue subclasses it: ``open()``, ``show(fraction, text)`` (raises ``TransferCancelled`` when the user
    cancelled) and ``close()``. Until a size over the threshold is known nothing is shown.
    """

    def __init__(self, title, threshold=PROGRESS_POINTS):
        self.title, self.threshold, self.shown = title, threshold, False

    def size_known(self, points):
        if not self.shown and points > self.threshold:
            self.open()
            self.shown = True

    def update(self, fraction, text):
        if self.shown:
            self.show(max(0.0, min(1.0, fraction)), text)

    def end(self):
        if self.shown:
            self.shown = False
            self.close()

    def open(self):
        pass

    def show(self, fraction, text):
        pass

    def close(self):
        pass


def transfer(sources, read, write, progress, undo=None, known_points=0, direction="moved"):
    """Read every source (``read(source) -> Mesh``), then write each (``write(mesh) -> {"node", "created"}``):
    bad input fails before anything changes. Progress shows between steps, from the start when
    ``known_points`` (the sources' point counts, a list, or their total) is over the threshold; a cancel, or
    any failure while writing, removes what this transfer created (``undo(nodes)``). Returns ``(nodes, summary
    line)``."""
    with bulk_work():
        return _transfer(sources, read, write, progress, undo, known_points, direction)


def _transfer(sources, read, write, progress, undo, known_points, direction):
    start = time.perf_counter()
    meshes, created, nodes = [], [], []
    count = len(sources)
    sizes = list(known_points) if isinstance(known_points, (list, tuple)) else None
    progress.size_known(sum(sizes) if sizes is not None else known_points)
    try:
        for index, source in enumerate(sources):
            size = f" ({sizes[index]:,} points)" if sizes is not None else ""
            progress.update(0.5 * index / count, f"Reading {source}{size}")
            mesh = read(source)
            meshes.append(mesh)
            progress.size_known(sum(m.num_points for m in meshes))
        for index, mesh in enumerate(meshes):
            progress.update(0.5 + 0.5 * index / count, f"Writing {mesh.describe()}")
            result = write(mesh)
            nodes.append(result["node"])
            if result.get("created"):
                created.append(result["node"])
            progress.update(0.5 + 0.5 * (index + 1) / count, f"Wrote {result['node']}")
    except BaseException as exc:
        if created and undo is not None:
            try:
                undo(created)
            except Exception:  # the original error matters more; say what is left
                log.exception("could not remove %s after the transfer failed", ", ".join(created))
        if isinstance(exc, TransferCancelled):
            updated = [node for node in nodes if node not in created]
            raise TransferCancelled(f"cancelled after updating {', '.join(updated)} in place; nothing new was kept"
                                    if updated else "cancelled; nothing was changed") from None
        raise
    finally:
        progress.end()
    points, faces = sum(m.num_points for m in meshes), sum(m.num_faces for m in meshes)
    return nodes, summary(len(meshes), points, faces, time.perf_counter() - start, direction)
