"""Function sets of ``maya.api.OpenMaya`` (API 2.0): MFnDependencyNode, MFnDagNode, MFnTransform, MFnMesh.

A function set attaches to a node through an ``MObject`` or an ``MDagPath`` (a path to a transform with one
mesh shape attaches ``MFnMesh`` to that shape, as Maya does). World-space queries need the set to have been
attached through a DAG path, as in Maya. ``MFnMesh`` reads and writes the stand-in's meshes: single-precision
points, counter-clockwise faces, UV sets ("map1"); ``numVertices``/``numPolygons`` are properties in API 2.0.
``MFnMesh.create`` makes ``polySurface1``/``polySurfaceShape1`` and returns the transform (or, given a parent
transform, the new shape); its uValues/vValues become the UV set's UVs, which ``assignUVs`` assigns.
"""
from .. import _geometry, _matrix, _scene
from ._om_core import FN_TYPES, MDagPath, MFn, MObject, MSpace, _scene_now, live
from ._om_math import MFloatArray, MFloatVector, MFloatVectorArray, MIntArray, MMatrix, MPoint, MPointArray, MVector

_INCOMPATIBLE = "(kInvalidParameter): Object is incompatible with this method"


class MFnBase:
    """Base class for function sets."""
    _fn_type = MFn.kBase

    def __init__(self, *args):
        self._node, self._via_path = None, False
        if len(args) > 1:
            raise TypeError(f"{type(self).__name__}() takes an MObject or an MDagPath")
        if args:
            self.setObject(args[0])

    def _accepts(self, node):
        return self._fn_type in FN_TYPES[node.type][1]

    def setObject(self, obj):
        _scene_now(f"{type(self).__name__}.setObject")
        if not isinstance(obj, (MObject, MDagPath)):
            raise TypeError(f"{type(self).__name__} attaches to an MObject or an MDagPath, not {obj!r}")
        node = live(obj._node)
        if isinstance(obj, MDagPath) and not self._accepts(node) and node.type == "transform":
            shapes = [c for c in node.children if c.is_shape and self._accepts(c)]
            node = shapes[0] if len(shapes) == 1 else node
        if not self._accepts(node):
            raise RuntimeError(_INCOMPATIBLE)
        self._node, self._via_path = node, isinstance(obj, MDagPath)
        return self

    def object(self):
        return MObject._of(self._node)

    def hasObj(self, obj):
        if isinstance(obj, int):  # an MFn type: would a node of that type work with this function set?
            return any(api == obj and self._fn_type in fns for api, fns in FN_TYPES.values())
        return isinstance(obj, MObject) and obj._node is not None and self._accepts(obj._node)

    def type(self):
        return self._fn_type

    def _live(self):
        _scene_now(type(self).__name__)
        if self._node is None:
            raise RuntimeError("(kInvalidParameter): the function set is not attached to an object")
        return live(self._node)


class MFnDependencyNode(MFnBase):
    """Function set for dependency node."""
    _fn_type = MFn.kDependencyNode

    def name(self):
        return self._live().name

    def absoluteName(self):
        return ":" + self._live().name

    def setName(self, name, createNamespace=False):
        return _scene_now("MFnDependencyNode.setName").rename(self._live(), name)

    @property
    def typeName(self):
        return self._live().type

    def create(self, type, nodeName=None):
        scene = _scene_now("MFnDependencyNode.create")
        if type not in _scene.CONCRETE_TYPES or _scene.is_a(type, "dagNode"):
            raise RuntimeError(f"(kInvalidParameter): Unknown or DAG node type for MFnDependencyNode: {type}")
        self._node = scene.create(type, nodeName or type + "#")
        return MObject._of(self._node)


class MFnDagNode(MFnDependencyNode):
    """Function set for DAG nodes."""
    _fn_type = MFn.kDagNode

    def dagPath(self):
        return MDagPath._of(self._live())

    def getPath(self):
        return MDagPath._of(self._live())

    def fullPathName(self):
        return self._live().path()

    def partialPathName(self):
        return self._live().name

    def parentCount(self):
        return 1 if self._live().parent is not None else 0

    def parent(self, index=0):
        node = self._live()
        if index != 0 or node.parent is None:
            raise RuntimeError("(kInvalidParameter): Index not within range (the world is not a parent here)")
        return MObject._of(node.parent)

    def childCount(self):
        return len(self._live().children)

    def child(self, index):
        return MObject._of(self._live().children[index])

    def transformationMatrix(self):
        return MMatrix(_scene_now("MFnDagNode.transformationMatrix").local_matrix(self._live()))

    def create(self, type, name=None, parent=MObject.kNullObj):
        scene = _scene_now("MFnDagNode.create")
        if type not in _scene.CONCRETE_TYPES or not _scene.is_a(type, "dagNode"):
            raise RuntimeError(f"(kInvalidParameter): Unknown DAG node type: {type}")
        parent_node = live(parent._node) if not parent.isNull() else None
        if _scene.is_a(type, "shape") and parent_node is None:
            parent_node = scene.create("transform", "transform#")
            created = scene.create(type, name or _scene.shape_name_for(parent_node.name), parent=parent_node)
            result = parent_node
        else:
            created = result = scene.create(type, name or type + "#", parent=parent_node)
        if type == "mesh":
            created.mesh = _geometry.MeshData([], [], [])
        self._node = created
        return MObject._of(result)


def _local_space(space):
    return space in (MSpace.kTransform, MSpace.kObject, MSpace.kPreTransform)


class MFnTransform(MFnDagNode):
    """Function set for transformation nodes (translation and scale; rotations are not modelled here)."""
    _fn_type = MFn.kTransform

    def translation(self, space):
        node = self._live()
        if _local_space(space):
            return MVector(node.values["translateX"], node.values["translateY"], node.values["translateZ"])
        _require_path(self, space)
        return MVector(_scene_now("MFnTransform.translation").world_matrix(node)[12:15])

    def setTranslation(self, vector, space):
        scene, node = _scene_now("MFnTransform.setTranslation"), self._live()
        values = [vector[0], vector[1], vector[2]]
        if not _local_space(space):
            _require_path(self, space)
            values = _matrix.transform_point(values, _matrix.inverse(scene.parent_matrix(node)))[:3]
        for axis, value in zip("XYZ", values):
            scene.set_value(node, "translate" + axis, value)
        return self

    def scale(self):
        node = self._live()
        return [node.values["scaleX"], node.values["scaleY"], node.values["scaleZ"]]

    def setScale(self, scale):
        scene, node = _scene_now("MFnTransform.setScale"), self._live()
        for axis, value in zip("XYZ", scale):
            scene.set_value(node, "scale" + axis, value)
        return self


def _require_path(fn, space):
    if space == MSpace.kWorld and not fn._via_path:
        raise RuntimeError("(kInvalidParameter): Must have a DAG path to do world space transforms")


class MFnMesh(MFnDagNode):
    """Function set for operation on meshes (polygonal surfaces)."""
    _fn_type = MFn.kMesh

    def _mesh(self):
        return self._live().mesh

    def _matrix(self, space):
        """The matrix taking object-space points to ``space`` (None: object space itself)."""
        if _local_space(space):
            return None
        _require_path(self, space)
        scene, node = _scene_now("MFnMesh"), self._live()
        return scene.world_matrix(node) if space == MSpace.kWorld else scene.local_matrix(node.parent)

    # ---------------------------------------------------------------------------------------- counts

    @property
    def numVertices(self):
        return len(self._mesh().points)

    @property
    def numPolygons(self):
        return len(self._mesh().counts)

    @property
    def numFaceVertices(self):
        return len(self._mesh().connects)

    @property
    def numEdges(self):
        edges = set()
        for face in self._mesh().faces():
            for i, a in enumerate(face):
                b = face[(i + 1) % len(face)]
                edges.add((min(a, b), max(a, b)))
        return len(edges)

    @property
    def numNormals(self):
        mesh = self._mesh()
        return len(mesh.connects) if mesh.hard or mesh.fv_normals is not None else len(mesh.points)

    @property
    def numUVSets(self):
        return len(self._mesh().uv_sets)

    def numUVs(self, uvSet=""):
        return len(self._uv_set(uvSet)[0])

    # ---------------------------------------------------------------------------------------- points

    def getPoints(self, space=MSpace.kObject):
        m = self._matrix(space)
        points = self._mesh().points
        return MPointArray([MPoint(_matrix.transform_point(p, m)) if m else MPoint(*p) for p in points])

    def getPoint(self, vertexId, space=MSpace.kObject):
        m, points = self._matrix(space), self._mesh().points
        if not 0 <= vertexId < len(points):
            raise IndexError("(kInvalidParameter): Index not within range")
        return MPoint(_matrix.transform_point(points[vertexId], m)) if m else MPoint(*points[vertexId])

    def _to_object(self, points, space):
        m = self._matrix(space)
        points = [MPoint(p) for p in points]
        if m is None:
            return [[p.x, p.y, p.z] for p in points]
        inverse = _matrix.inverse(m)
        return [_matrix.transform_point([p.x, p.y, p.z, p.w], inverse)[:3] for p in points]

    def setPoints(self, points, space=MSpace.kObject):
        mesh = self._mesh()
        values = self._to_object(points, space)
        if len(values) != len(mesh.points):
            raise RuntimeError(f"(kInvalidParameter): setPoints needs {len(mesh.points)} points, got {len(values)}")
        mesh.points = [_geometry.f32(p) for p in values]
        _scene_now("MFnMesh.setPoints").modified = True
        return self

    def setPoint(self, vertexId, point, space=MSpace.kObject):
        mesh = self._mesh()
        if not 0 <= vertexId < len(mesh.points):
            raise IndexError("(kInvalidParameter): Index not within range")
        mesh.points[vertexId] = _geometry.f32(self._to_object([point], space)[0])
        return self

    # ----------------------------------------------------------------------------------------- faces

    def getVertices(self):
        mesh = self._mesh()
        return MIntArray(mesh.counts), MIntArray(mesh.connects)

    def getPolygonVertices(self, polygonId):
        faces = list(self._mesh().faces())
        if not 0 <= polygonId < len(faces):
            raise IndexError("(kInvalidParameter): Index not within range")
        return MIntArray(faces[polygonId])

    def _points_in(self, space):
        m = self._matrix(space)
        points = self._mesh().points
        return [_matrix.transform_point(p, m)[:3] for p in points] if m else points

    def getNormals(self, space=MSpace.kObject):
        mesh = self._mesh()
        return MFloatVectorArray([MFloatVector(n) for n in mesh.normals(self._points_in(space))])

    def getNormalIds(self):
        """(normal count per polygon, the normal id of each face-vertex): ids index ``getNormals()``."""
        mesh = self._mesh()
        per_face_vertex = mesh.hard or mesh.fv_normals is not None
        return MIntArray(mesh.counts), MIntArray(range(len(mesh.connects)) if per_face_vertex else mesh.connects)

    def setFaceVertexNormals(self, normals, faces, vertices, space=MSpace.kObject):
        """Lock the normals of the given face-vertices (face id, vertex id pairs), in object space."""
        mesh = self._mesh()
        if space not in (MSpace.kObject, MSpace.kTransform):
            raise RuntimeError("(kInvalidParameter): the stand-in sets normals in object space only")
        normals, faces, vertices = list(normals), list(faces), list(vertices)
        if not len(normals) == len(faces) == len(vertices):
            raise RuntimeError("(kInvalidParameter): normals, faces and vertices differ in length")
        slots, start = {}, 0
        for face, count in enumerate(mesh.counts):
            for corner in range(count):
                slots[face, mesh.connects[start + corner]] = start + corner
            start += count
        current = mesh.normals()
        if mesh.fv_normals is None:  # unlocked face-vertices keep what they showed
            current = current if len(current) == len(mesh.connects) else [current[v] for v in mesh.connects]
        result = [list(n) for n in current]
        for normal, face, vertex in zip(normals, faces, vertices):
            slot = slots.get((int(face), int(vertex)))
            if slot is None:
                raise RuntimeError(f"(kInvalidParameter): vertex {vertex} is not on face {face}")
            result[slot] = _geometry.f32([normal[0], normal[1], normal[2]])
        mesh.fv_normals = result
        return self

    def getVertexNormals(self, angleWeighted, space=MSpace.kObject):
        mesh = self._mesh()
        return MFloatVectorArray([MFloatVector(n) for n in mesh.vertex_normals(self._points_in(space))])

    def getPolygonNormal(self, polygonId, space=MSpace.kObject):
        mesh = self._mesh()
        faces = list(mesh.faces())
        if not 0 <= polygonId < len(faces):
            raise IndexError("(kInvalidParameter): Index not within range")
        return MVector(mesh.face_normal(faces[polygonId], self._points_in(space)))

    def updateSurface(self):
        self._live()

    # ------------------------------------------------------------------------------------------- UVs

    def _uv_set(self, name):
        mesh = self._mesh()
        name = name or mesh.current_uv_set
        if name not in mesh.uv_sets:
            raise RuntimeError(f"(kInvalidParameter): No UV set named '{name}'")
        return mesh.uv_sets[name]

    def getUVSetNames(self):
        return list(self._mesh().uv_sets)

    def currentUVSetName(self, instance=-1):
        return self._mesh().current_uv_set

    def getUVs(self, uvSet=""):
        u, v = self._uv_set(uvSet)
        return MFloatArray(u), MFloatArray(v)

    def setUVs(self, uValues, vValues, uvSet=""):
        self._uv_set(uvSet)
        u, v = [float(x) for x in uValues], [float(x) for x in vValues]
        if len(u) != len(v):
            raise RuntimeError("(kInvalidParameter): uValues and vValues differ in length")
        mesh = self._mesh()
        mesh.uv_sets[uvSet or mesh.current_uv_set] = (_geometry.f32(u), _geometry.f32(v))
        return self

    def getAssignedUVs(self, uvSet=""):
        mesh = self._mesh()
        self._uv_set(uvSet)
        assigned = mesh.uv_assign.get(uvSet or mesh.current_uv_set)
        if assigned is None:
            return MIntArray([0] * len(mesh.counts)), MIntArray()
        return MIntArray(assigned[0]), MIntArray(assigned[1])

    def assignUVs(self, uvCounts, uvIds, uvSet=""):
        mesh = self._mesh()
        u, _ = self._uv_set(uvSet)
        counts, ids = [int(c) for c in uvCounts], [int(i) for i in uvIds]
        if len(counts) != len(mesh.counts) or any(c not in (0, f) for c, f in zip(counts, mesh.counts)):
            raise RuntimeError("(kInvalidParameter): uvCounts must give each polygon 0 or all of its vertices")
        if sum(counts) != len(ids) or any(not 0 <= i < len(u) for i in ids):
            raise RuntimeError("(kInvalidParameter): uvIds do not match uvCounts and the UV set")
        mesh.uv_assign[uvSet or mesh.current_uv_set] = (counts, ids)
        return self

    # ---------------------------------------------------------------------------------------- create

    @staticmethod
    def _checked_topology(vertices, polygonCounts, polygonConnects, uValues=None, vValues=None):
        points = [[p.x, p.y, p.z] for p in MPointArray(vertices)]
        counts, connects = list(MIntArray(polygonCounts)), list(MIntArray(polygonConnects))
        if sum(counts) != len(connects):
            raise RuntimeError(f"(kInvalidParameter): polygonCounts add up to {sum(counts)} but polygonConnects "
                               f"holds {len(connects)} vertex ids")
        if any(c < 3 for c in counts):
            raise RuntimeError("(kInvalidParameter): every polygon needs at least 3 vertices")
        if any(not 0 <= v < len(points) for v in connects):
            raise RuntimeError("(kInvalidParameter): polygonConnects refers to a vertex that does not exist")
        if (uValues is None) != (vValues is None):
            raise RuntimeError("(kInvalidParameter): give both uValues and vValues, or neither")
        uvs = None
        if uValues is not None:
            uvs = ([float(x) for x in uValues], [float(x) for x in vValues])
            if len(uvs[0]) != len(uvs[1]):
                raise RuntimeError("(kInvalidParameter): uValues and vValues differ in length")
        return points, counts, connects, uvs

    def create(self, vertices, polygonCounts, polygonConnects, uValues=None, vValues=None,
               parent=MObject.kNullObj):
        scene = _scene_now("MFnMesh.create")
        points, counts, connects, uvs = self._checked_topology(vertices, polygonCounts, polygonConnects, uValues,
                                                               vValues)
        parent_node = live(parent._node) if isinstance(parent, MObject) and not parent.isNull() else None
        if parent_node is not None and parent_node.type != "transform":
            raise RuntimeError("(kInvalidParameter): the parent must be a transform (mesh data objects are not "
                               "modelled by the Maya stand-in)")
        transform = parent_node or scene.create("transform", "polySurface#")
        shape = scene.create("mesh", _scene.shape_name_for(transform.name), parent=transform)
        shape.mesh = _geometry.MeshData(points, counts, connects, uvs)
        self._node, self._via_path = shape, True
        return MObject._of(shape if parent_node is not None else transform)

    def createInPlace(self, vertices, polygonCounts, polygonConnects):
        """Replace the attached mesh's geometry (points and faces; UVs and set normals are dropped), keeping the
        shape node, its name and its shading."""
        scene = _scene_now("MFnMesh.createInPlace")
        shape = self._live()
        points, counts, connects, _ = self._checked_topology(vertices, polygonCounts, polygonConnects)
        if shape.creator is not None and shape.creator.alive:  # Maya: the history still drives the shape
            raise RuntimeError("(kFailure): the mesh has construction history; delete it first")
        shape.mesh = _geometry.MeshData(points, counts, connects)
        scene.modified = True
        return self
