"""Meshes between this Houdini and Maya: read and write Houdini geometry in bulk, send it, import it.

Everything runs on Houdini's main thread (shelf tools, the Python Shell, or the bridge server's executor when
Maya asks) with HOM's bulk calls (``pointFloatAttribValuesAsString``, ``vertexFloatAttribValuesAsString``,
``createPoints``, ``createPolygons``, ``set*FloatAttribValuesFromString``); meshes cross as
``bridge_core.geometry.Mesh`` bulk frames. Houdini's front faces are clockwise, the Mesh convention's
counter-clockwise: each face's vertex order is reversed on the way in and out (normals and UVs move with
their vertices). A mesh written here lives in the .hip file: one ``geo`` object per mesh (the world matrix on
it) holding a Stash SOP named ``mesh``; writing the same name again updates that stash in place. Only closed
polygons are read: other primitives are skipped with one warning saying how many of which kind.
Loading this module registers the pipeline verbs Maya and pipeline Pythons call (``bridge_core.pipeline``).

    from dcc_bridge_houdini import pipeline
    pipeline.import_from_maya(["pCube1"])     # -> ["/obj/pCube1"]
    pipeline.send_to_maya(["/obj/geo1"])      # -> ["geo1"]
"""
import array
import collections
import itertools
import logging
import operator

import hou

from bridge_core import pipeline as core
from bridge_core.errors import GeometryError, TransferCancelled
from bridge_core.geometry import IDENTITY, Mesh, columns, gather

from . import feedback, maya_link

log = logging.getLogger("dcc_bridge.houdini.pipeline")

__all__ = ["read_mesh", "write_mesh", "send_to_maya", "import_from_maya", "point_count"]

STASH = "mesh"                       # the Stash SOP inside each geo object the bridge writes
MARK = "dcc_bridge_mesh"             # user data on that geo object: where the mesh came from


# ------------------------------------------------------------------------------------------------ reading


def _sop_of(path):
    node = hou.node(path) if isinstance(path, str) else None
    if node is None:
        raise GeometryError(f"there is no node at {path!r} in this Houdini scene")
    category = node.type().category().name()
    if category == "Object":
        sop = node.displayNode() if hasattr(node, "displayNode") else None
        if sop is None:
            raise GeometryError(f"{node.path()} has no display SOP to read (is it a geo object?)")
        return node, sop
    if category != "Sop":
        raise GeometryError(f"{node.path()} is a {category} node; give a SOP or a geo object")
    return node.parent(), node


def _skipped(sop, geo):
    """The one warning naming the primitives that are not closed polygons, by kind."""
    kinds = collections.Counter("open polygon (curve)" if prim.type() == hou.primType.Polygon
                                else prim.type().name() for prim in geo.prims()
                                if prim.type() != hou.primType.Polygon or not prim.isClosed())
    return (f"skipped {', '.join(f'{n:,} {kind}' for kind, n in sorted(kinds.items()))} primitives of "
            f"{sop.path()} (only polygons are carried)")


def point_count(path):
    """How many points the SOP (or geo object's display SOP) at ``path`` has: progress before reading."""
    sop = _sop_of(path)[1]
    try:
        return sop.geometry().pointCount()
    except hou.OperationFailed:
        return 0  # reading it says why it does not cook


def read_mesh(path):
    """The ``Mesh`` of a SOP (or a geo object's display SOP): closed polygons in the Mesh winding, per-vertex
    ``N`` and ``uv`` (vertex or point attributes), the object's world matrix. Primitives that are not closed
    polygons are skipped with one warning in the status bar."""
    mesh, skipped = _read(path)
    if skipped:
        feedback.status(f"DCC Bridge: {skipped}", warning=True)
    return mesh


def _read(path):
    """``(Mesh, warning or "")``: ``read_mesh`` for whoever reports the warning (this Houdini or the peer)."""
    obj, sop = _sop_of(path)
    try:
        geo = sop.geometry()
    except hou.OperationFailed as exc:
        raise GeometryError(f"{sop.path()} does not cook: {exc.instanceMessage()}") from None
    counts, vertices, all_closed = _polygons(geo)
    if not counts:
        raise GeometryError(f"{sop.path()} has no polygons ({geo.primCount():,} other primitives); nothing was read")
    only_polygons = all_closed and len(counts) == geo.primCount()
    skipped, corners = ("", None) if only_polygons else (_skipped(sop, geo), _polygon_corners(geo))
    points = array.array("f")
    points.frombytes(geo.pointFloatAttribValuesAsString("P"))
    normals = _per_face_vertex(geo, "N", 3, vertices, corners)
    uvs = _per_face_vertex(geo, "uv", 2, vertices, corners)
    if corners is not None:  # drop the points only skipped primitives used
        used = sorted(set(vertices))
        if len(used) < len(points) // 3:
            renumbered = array.array("i", bytes(4 * (len(points) // 3)))
            for new, old in enumerate(used):
                renumbered[old] = new
            points, vertices = gather(points, 3, used), gather(renumbered, 1, vertices)
    is_object = obj.type().category().name() == "Object"  # a SOP in a subnet has no object transform
    name = obj.name() if is_object and obj.displayNode() == sop else (
        f"{obj.name()}_{sop.name()}" if is_object else sop.name())
    matrix = obj.worldTransform().asTuple() if is_object else None
    mesh = Mesh(name, points, counts, vertices, normals, uvs, matrix).reversed_winding(in_place=True)
    return mesh.validate(), skipped


def _polygons(geo):
    """``(face counts, point numbers, all polygons closed)`` of the closed polygons, in Houdini's winding.

    HOM has no bulk reader for topology: one ``vertices()`` per polygon and one ``point().number()`` per
    vertex. The glue adds no Python loop of its own around them: the calls are mapped over the primitives
    (``operator.methodcaller``) and their results go straight into arrays, a block of polygons at a time."""
    counts, vertices, all_closed = array.array("i"), array.array("i"), True
    polygons = geo.primsOfType(hou.primType.Polygon)
    closed = list(map(_IS_CLOSED, polygons))
    if not all(closed):
        all_closed = False
        polygons = list(itertools.compress(polygons, closed))
    for start in range(0, len(polygons), _BLOCK):
        corners = list(map(_VERTICES, polygons[start:start + _BLOCK]))
        counts.extend(map(len, corners))
        vertices.extend(map(_NUMBER, map(_POINT, itertools.chain.from_iterable(corners))))
    return counts, vertices, all_closed


_BLOCK = 1 << 9  # polygons whose vertex objects are alive at once while reading topology
_IS_CLOSED, _VERTICES = operator.methodcaller("isClosed"), operator.methodcaller("vertices")
_POINT, _NUMBER = operator.methodcaller("point"), operator.methodcaller("number")


def _polygon_corners(geo):
    """Where each closed polygon's vertices sit among all vertices (primitive order), for vertex attributes."""
    corners, start = array.array("i"), 0
    for prim in geo.prims():
        size = prim.numVertices()
        if prim.type() == hou.primType.Polygon and prim.isClosed():
            corners.extend(range(start, start + size))
        start += size
    return corners


def _float_values(geo, owner, name, width):
    """The first ``width`` components of a float attribute of ``owner`` ("vertex", "point"), else None."""
    attrib = (geo.findVertexAttrib if owner == "vertex" else geo.findPointAttrib)(name)
    if attrib is None or attrib.dataType() != hou.attribData.Float or attrib.size() < width:
        return None
    values = array.array("f")
    values.frombytes((geo.vertexFloatAttribValuesAsString if owner == "vertex"
                      else geo.pointFloatAttribValuesAsString)(name))
    return columns(values, attrib.size(), width) if attrib.size() != width else values


def _per_face_vertex(geo, name, width, vertices, corners):
    """A vertex (else point) float attribute as ``width`` floats per kept face-vertex, else None."""
    values = _float_values(geo, "vertex", name, width)
    if values is not None:
        return values if corners is None else gather(values, width, corners)
    values = _float_values(geo, "point", name, width)
    return None if values is None else gather(values, width, vertices)


# ------------------------------------------------------------------------------------------------ writing


def _geometry(mesh):
    """A new ``hou.Geometry`` holding ``mesh`` (already in Houdini's winding): the points made in one call and
    placed with ``P`` from bytes, the polygons made in one call, vertex ``N`` and ``uv`` from bytes."""
    geo = hou.Geometry()
    geo.createPoints([_ORIGIN] * mesh.num_points)
    geo.setPointFloatAttribValuesFromString("P", mesh.points.tobytes())
    geo.createPolygons(mesh.faces())
    if mesh.normals is not None:
        geo.addAttrib(hou.attribType.Vertex, "N", (0.0, 0.0, 0.0), transform_as_normal=True)
        geo.setVertexFloatAttribValuesFromString("N", mesh.normals.tobytes())
    if mesh.uvs is not None:
        geo.addAttrib(hou.attribType.Vertex, "uv", (0.0, 0.0, 0.0))
        geo.setVertexFloatAttribValuesFromString("uv", columns(mesh.uvs, 2, 2, 3).tobytes())
    return geo


_ORIGIN = (0.0, 0.0, 0.0)


def _target(name):
    """``(geo object, stash SOP)`` the bridge wrote before under ``name``, or None if the name is free;
    GeometryError if something else holds it (never replaced)."""
    obj = hou.node("/obj/" + name)
    if obj is None:
        return None
    stash = obj.node(STASH) if obj.type().name() == "geo" else None
    if stash is None or obj.userData(MARK) is None:
        raise GeometryError(f"/obj/{name} already exists and was not written by DCC Bridge; nothing was changed. "
                            f"Give the mesh another name.")
    return obj, stash


def write_mesh(mesh, name=None):
    """Write ``mesh`` into /obj as a geo object holding a Stash SOP (saved with the .hip); returns the object's
    path. The same name again updates that object in place."""
    return _write(mesh, name)["node"]


def _write(mesh, name=None, checked=False):
    target = core.write_target(mesh, name, checked)
    found = _target(target)
    geo = _geometry(mesh.reversed_winding(in_place=checked))  # a mesh that just arrived is ours to change
    created = found is None
    obj, stash = found or (hou.node("/obj").createNode("geo", target, run_init_scripts=False), None)
    before = None if created else obj.worldTransform()
    try:
        # the transform first: a matrix Houdini refuses (shear) fails before the stashed geometry is replaced
        obj.setWorldTransform(hou.Matrix4(_rows(mesh.matrix or IDENTITY)))
        if stash is None:
            stash = obj.createNode("stash", STASH)
            stash.setDisplayFlag(True)
            stash.setRenderFlag(True)
        stash.parm("stash").set(geo)
        obj.setUserData(MARK, mesh.name)
    except BaseException:
        if created:  # never leave a half-made node
            obj.destroy()
        else:  # an update that failed part-way: the object keeps its transform
            try:
                obj.setWorldTransform(before)
            except hou.Error:  # the original error matters more
                log.exception("could not put back the transform of %s", obj.path())
        raise
    return {"node": obj.path(), "created": created}


def _rows(flat):
    return tuple(tuple(flat[row * 4:row * 4 + 4]) for row in range(4))


def _delete(paths):
    for path in paths:
        node = hou.node(path)
        if node is not None:
            node.destroy()


# ---------------------------------------------------------------------------------------------- with Maya


class _Progress(core.Progress):
    """``hou.InterruptableOperation`` (Esc interrupts). It does not work in the Python Shell (SideFX): there
    the transfer runs without progress, and the status bar says so."""

    _operation = None

    def open(self):
        operation = hou.InterruptableOperation(self.title, long_operation_name=self.title,
                                               open_interrupt_dialog=True)
        try:
            operation.__enter__()
        except hou.OperationFailed:
            feedback.status(f"DCC Bridge: {self.title}: no progress or cancel from the Python Shell (use the shelf "
                            f"tool to see them)", warning=True)
            return
        self._operation = operation

    def show(self, fraction, text):
        if self._operation is None:
            return
        try:
            self._operation.updateLongProgress(fraction, text)
        except hou.OperationInterrupted:
            raise TransferCancelled("cancelled") from None

    def close(self):
        operation, self._operation = self._operation, None
        if operation is not None:
            operation.__exit__(None, None, None)


def _maya():
    return maya_link.link().ensure()


def _paths(nodes):
    if nodes is None:
        nodes = hou.selectedNodes()
        if not nodes:
            raise GeometryError("nothing is selected: select geo objects or SOPs to send")
    if isinstance(nodes, (str, hou.Node)):
        nodes = [nodes]
    return [node.path() if isinstance(node, hou.Node) else node for node in nodes]


def send_to_maya(nodes=None):
    """Send geo objects or SOPs (default: the selected nodes) to the connected Maya; returns the Maya
    transforms."""
    paths = _paths(nodes)
    known = [point_count(path) for path in paths]  # a bad path fails before anything moves
    bridge = _maya()
    transforms, line = core.transfer(
        paths, read_mesh, lambda mesh: core.call(bridge, "write_mesh", mesh.to_wire(), None),
        _Progress("Send to Maya"), undo=lambda made: core.call(bridge, "delete", made), known_points=known,
        direction="sent")
    feedback.status(f"DCC Bridge: {line} to Maya: {', '.join(transforms)}")
    return transforms


def import_from_maya(nodes=None):
    """Import Maya mesh objects (default: Maya's selection) into /obj; returns the geo objects' paths."""
    bridge = _maya()
    names = core.call(bridge, "selection") if nodes is None else ([nodes] if isinstance(nodes, str) else nodes)
    if not names:
        raise GeometryError("nothing is selected in Maya: select mesh objects there, or name them")
    names = list(names)
    known = [core.call(bridge, "point_count", name) for name in names]  # a bad name fails here, before anything
    paths, line = core.transfer(
        names, lambda n: Mesh.from_wire(core.call(bridge, "read_mesh", n)),
        lambda mesh: _write(mesh, checked=True),
        _Progress("Import from Maya"), undo=_delete, known_points=known, direction="imported")
    feedback.status(f"DCC Bridge: {line} from Maya: {', '.join(paths)}")
    return paths


# ---------------------------------------------------------------------------------- verbs Maya can call


def _read_for_peer(path):
    mesh, skipped = _read(path)
    return dict(mesh.to_wire(), warning=skipped)  # the peer that asked shows the warning to its user


core.register("read_mesh", _read_for_peer)
core.register("write_mesh", lambda wire, name=None: _write(Mesh.from_wire(wire), name, checked=True))
core.register("point_count", point_count)
core.register("selection", lambda: [node.path() for node in hou.selectedNodes()])
core.register("delete", _delete)
