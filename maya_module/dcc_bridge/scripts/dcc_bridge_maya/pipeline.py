"""Meshes between this Maya and Houdini: read and write Maya meshes in bulk, send them, import them.

Everything here runs on Maya's main thread (menu items, the Script Editor, or the bridge server's executor
when Houdini asks) and uses Maya's bulk API (``MFnMesh``: points, counts/connects, normals, UVs in one call
each); meshes cross as ``bridge_core.geometry.Mesh`` bulk frames, never per point. Maya's winding is already
the Mesh convention (counter-clockwise). A mesh written here is a normal mesh (transform + shape, world
matrix set, in ``initialShadingGroup``); writing a name that exists as a mesh updates it in place (its
construction history is deleted first). Loading this module registers the pipeline verbs Houdini and
pipeline Pythons call (``bridge_core.pipeline``).

    from dcc_bridge_maya import pipeline
    pipeline.send_to_houdini(["pCube1"])          # -> ["/obj/pCube1"]
    pipeline.import_from_houdini("/obj/pCube1")   # -> ["pCube1"]
"""
import array
import itertools
import logging
import operator

from maya import cmds
from maya.api import OpenMaya as om

from bridge_core import pipeline as core
from bridge_core.errors import GeometryError, TransferCancelled
from bridge_core.geometry import IDENTITY, Mesh, gather

from . import feedback, houdini_link
from .executor import is_batch

log = logging.getLogger("dcc_bridge.maya.pipeline")

__all__ = ["read_mesh", "write_mesh", "send_to_houdini", "import_from_houdini", "mesh_transforms", "point_count"]

SHADING_GROUP = "initialShadingGroup"


# ------------------------------------------------------------------------------------------------ reading


def _shape_of(node):
    """``(transform, mesh shape)`` full paths for a transform or mesh shape name; GeometryError otherwise."""
    if not isinstance(node, str) or not cmds.objExists(node):
        raise GeometryError(f"there is no object named {node!r} in this Maya scene")
    kind = cmds.nodeType(node)
    if kind == "mesh":
        return cmds.listRelatives(node, parent=True, fullPath=True)[0], cmds.ls(node, long=True)[0]
    if kind == "transform":
        shapes = cmds.listRelatives(node, shapes=True, fullPath=True, type="mesh", noIntermediate=True) or []
        if len(shapes) == 1:
            return cmds.ls(node, long=True)[0], shapes[0]
        other = cmds.listRelatives(node, shapes=True) or []
        what = f"its shape {other[0]} is a {cmds.nodeType(other[0])}" if other else "it has no shape"
        raise GeometryError(f"{node} is not a polygon mesh ({what}); select mesh objects")
    raise GeometryError(f"{node} is a {kind} node, not a polygon mesh; select mesh objects")


def _mesh_fn(shape):
    selection = om.MSelectionList()
    selection.add(shape)
    return om.MFnMesh(selection.getDagPath(0))


def mesh_transforms(nodes=None):
    """The mesh transforms of ``nodes`` (default: the selection), checked; GeometryError for bad input."""
    if nodes is None:
        nodes = cmds.ls(selection=True) or []
        if not nodes:
            raise GeometryError("nothing is selected: select one or more polygon mesh objects")
    if isinstance(nodes, str):
        nodes = [nodes]
    return [_shape_of(node)[0] for node in nodes]


def point_count(node):
    """How many points the mesh of ``node`` has (checked as ``read_mesh`` checks it): progress before reading."""
    return _mesh_fn(_shape_of(node)[1]).numVertices


def read_mesh(node):
    """The ``Mesh`` of a mesh transform (or shape): object-space points, faces, per-face-vertex normals and
    UVs (the current UV set, when every face has UVs), the world matrix."""
    transform, shape = _shape_of(node)
    fn = _mesh_fn(shape)
    if fn.numPolygons == 0:
        raise GeometryError(f"{node} has no polygons")
    points = _flat(fn.getPoints(om.MSpace.kObject))
    counts, connects = fn.getVertices()
    counts, connects = array.array("i", counts), array.array("i", connects)
    normals = _flat(fn.getNormals(om.MSpace.kObject))
    normal_ids = array.array("i", fn.getNormalIds()[1])
    if len(normals) != 3 * len(normal_ids) or normal_ids != array.array("i", range(len(normal_ids))):
        normals = gather(normals, 3, normal_ids)
    uvs = None
    if fn.numUVs() > 0:
        uv_counts, uv_ids = fn.getAssignedUVs()
        if len(uv_ids) == len(connects):
            u, v = fn.getUVs()
            per_uv = array.array("f", bytes(8 * len(u)))
            per_uv[0::2], per_uv[1::2] = array.array("f", u), array.array("f", v)
            uvs = gather(per_uv, 2, array.array("i", uv_ids))
    matrix = cmds.xform(transform, query=True, worldSpace=True, matrix=True)
    return Mesh(transform.rsplit("|", 1)[-1], points, counts, connects, normals, uvs, matrix).validate()


_XYZ = operator.attrgetter("x", "y", "z")


def _flat(vectors):
    """x, y, z of each ``MPoint`` / ``MFloatVector`` of an API array, flat as ``array('f')``: the coordinates
    are read by ``operator.attrgetter`` and chained into the array at C speed (the API 2.0 arrays have no
    buffer to copy, so one read per element is the least there is)."""
    return array.array("f", itertools.chain.from_iterable(map(_XYZ, vectors)))


# ------------------------------------------------------------------------------------------------ writing


def _existing_mesh(name):
    """The shape of an existing transform ``name`` with one mesh shape, None if ``name`` is free;
    GeometryError if ``name`` is something else (it is never replaced)."""
    if not cmds.objExists(name):
        return None
    try:
        return _shape_of(name)[1]
    except GeometryError:
        raise GeometryError(f"{name} already exists in this Maya scene and is not a mesh; nothing was changed. "
                            f"Give the mesh another name.") from None


def write_mesh(mesh, name=None):
    """Write ``mesh`` as a Maya mesh named ``name`` (default: the mesh's name, sanitised); returns the
    transform's name. An existing mesh of that name is updated in place."""
    return _write(mesh, name)["node"]


def _write(mesh, name=None, checked=False):
    target = core.write_target(mesh, name, checked)
    shape = _existing_mesh(target)
    points = om.MPointArray(mesh.point_tuples())
    counts, connects = mesh.face_counts, mesh.face_vertices  # the API takes any sequence of ints
    if shape is not None:
        cmds.delete(target, constructionHistory=True)  # history would rebuild the shape over what is written
        fn = _mesh_fn(shape)
        fn.createInPlace(points, counts, connects)
        created = False
    else:
        fn = om.MFnMesh()
        made = fn.create(points, counts, connects)
        transform = om.MFnDagNode(made).name()
        target = cmds.rename(transform, target)
        cmds.rename(cmds.listRelatives(target, shapes=True, fullPath=True)[0], target + "Shape")
        cmds.sets(target, edit=True, forceElement=SHADING_GROUP)
        fn = _mesh_fn(cmds.listRelatives(target, shapes=True, fullPath=True)[0])
        created = True
    try:
        _finish(fn, mesh, target, counts, connects)
    except BaseException:
        if created:  # never leave a half-made mesh
            cmds.delete(target)
        raise
    return {"node": target, "created": created}


def _finish(fn, mesh, target, counts, connects):
    """UVs (one per face-vertex), locked face-vertex normals and the world matrix of a written mesh."""
    if mesh.uvs is not None:
        fn.setUVs(mesh.uvs[0::2], mesh.uvs[1::2])
        fn.assignUVs(counts, range(len(connects)))
    if mesh.normals is not None:
        faces = array.array("i", itertools.chain.from_iterable(map(itertools.repeat, range(len(counts)), counts)))
        fn.setFaceVertexNormals(om.MVectorArray(list(zip(*[iter(mesh.normals.tolist())] * 3))), faces, connects)
    cmds.xform(target, worldSpace=True, matrix=list(mesh.matrix or IDENTITY))


def _delete(nodes):
    existing = [n for n in nodes if cmds.objExists(n)]
    if existing:
        cmds.delete(existing)


# ------------------------------------------------------------------------------------------- with Houdini


class _Progress(core.Progress):
    """Maya's progress window (Esc cancels); nothing in batch."""

    def open(self):
        if not is_batch():
            cmds.progressWindow(title=self.title, progress=0, status="Starting", isInterruptable=True)

    def show(self, fraction, text):
        if is_batch():
            return
        cmds.progressWindow(edit=True, progress=int(fraction * 100), status=text)
        if cmds.progressWindow(query=True, isCancelled=True):
            raise TransferCancelled("cancelled")

    def close(self):
        if not is_batch():
            cmds.progressWindow(endProgress=True)


def _houdini():
    return houdini_link.link().ensure()


def send_to_houdini(nodes=None):
    """Send mesh objects (default: the selected ones) to the connected Houdini; returns its node paths."""
    transforms = mesh_transforms(nodes)
    bridge = _houdini()
    known = [point_count(t) for t in transforms]
    paths, line = core.transfer(
        transforms, read_mesh, lambda mesh: core.call(bridge, "write_mesh", mesh.to_wire(), None),
        _Progress("Send to Houdini"), undo=lambda made: core.call(bridge, "delete", made), known_points=known,
        direction="sent")
    feedback.info(f"{line} to Houdini: {', '.join(paths)}")
    return paths


def import_from_houdini(path, name=None):
    """Import a Houdini SOP's geometry (or a ``geo`` object's display SOP) as a Maya mesh; returns
    ``[transform]``. ``name`` defaults to the object's name, sanitised."""
    bridge = _houdini()
    paths = [path] if isinstance(path, str) else list(path)
    if not paths:
        raise GeometryError("give the path of a Houdini SOP or geo object, such as /obj/geo1")
    known = [core.call(bridge, "point_count", p) for p in paths]  # a bad path fails here, before anything
    transforms, line = core.transfer(
        paths, lambda p: _warned(core.call(bridge, "read_mesh", p)),
        lambda mesh: _write(mesh, name, checked=True),
        _Progress("Import from Houdini"), undo=_delete, known_points=known, direction="imported")
    feedback.info(f"{line} from Houdini: {', '.join(transforms)}")
    return transforms


def _warned(wire):
    """The Mesh of a wire from Houdini, showing the warning that came with it (primitives it skipped)."""
    if wire.get("warning"):
        feedback.warning(f"Houdini {wire['warning']}")
    return Mesh.from_wire(wire)


# ------------------------------------------------------------------------------------- menu commands


def send_selection_command():
    """Menu: Send Selection to Houdini."""
    try:
        return send_to_houdini()
    except TransferCancelled as exc:
        feedback.warning(f"send to Houdini {exc}")
        return None


def import_command():
    """Menu: Import from Houdini... (asks for the path)."""
    answer = cmds.promptDialog(title="Import from Houdini", message="Houdini SOP or geo object path:",
                               text="/obj/", button=["Import", "Cancel"], defaultButton="Import",
                               cancelButton="Cancel", dismissString="Cancel")
    if answer != "Import":
        return None
    path = cmds.promptDialog(query=True, text=True).strip()
    try:
        return import_from_houdini(path)
    except TransferCancelled as exc:
        feedback.warning(f"import from Houdini {exc}")
        return None


# ------------------------------------------------------------------------------ verbs Houdini can call


def _selection():
    return [t.rsplit("|", 1)[-1] for t in mesh_transforms(cmds.ls(selection=True) or [])]


core.register("read_mesh", lambda node: read_mesh(node).to_wire())
core.register("write_mesh", lambda wire, name=None: _write(Mesh.from_wire(wire), name, checked=True))
core.register("point_count", point_count)
core.register("selection", _selection)
core.register("delete", _delete)
