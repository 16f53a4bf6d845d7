"""Polygon meshes as Maya stores them, and the primitives ``polyCube``, ``polySphere`` and ``polyPlane`` build.

A mesh is points (single precision, as Maya's mesh shape keeps them), per-face vertex counts and the flat list
of face vertex ids ("connects"). Faces wind counter-clockwise seen from outside (Maya's front face; Houdini's
is the opposite). UVs live in named sets ("map1"); a set's UVs may be unassigned (``MFnMesh.create`` with
uValues/vValues makes UVs that ``assignUVs`` must assign).

The default ``polyCube`` reproduces Maya's exact vertex, face and UV order; other subdivisions follow the same
scheme (a loop of rows front, top, back, bottom, then the right and left caps), which is our extrapolation.
"""
import array
import math


def f32(values):
    """Round floats to single precision (what Maya keeps for mesh points and UVs)."""
    return array.array("f", values).tolist()


class MeshData:
    def __init__(self, points, counts, connects, uvs=None, uv_counts=None, uv_ids=None, hard=False):
        self.points = [f32(p[:3]) for p in points]
        self.counts = [int(c) for c in counts]
        self.connects = [int(v) for v in connects]
        self.hard = hard  # hard edges: one normal per face-vertex (cube); soft: one per vertex
        self.uv_sets = {"map1": (f32(uvs[0]), f32(uvs[1])) if uvs else ([], [])}
        self.uv_assign = {"map1": (list(uv_counts), list(uv_ids)) if uv_ids is not None else None}
        self.current_uv_set = "map1"
        self.fv_normals = None  # normals set per face-vertex (MFnMesh.setFaceVertexNormals): [x, y, z] each

    def copy(self):
        other = MeshData([], [], [])
        other.points = [list(p) for p in self.points]
        other.counts, other.connects, other.hard = list(self.counts), list(self.connects), self.hard
        other.uv_sets = {k: (list(u), list(v)) for k, (u, v) in self.uv_sets.items()}
        other.uv_assign = {k: (list(a[0]), list(a[1])) if a else None for k, a in self.uv_assign.items()}
        other.current_uv_set = self.current_uv_set
        other.fv_normals = None if self.fv_normals is None else [list(n) for n in self.fv_normals]
        return other

    def faces(self):
        start = 0
        for count in self.counts:
            yield self.connects[start:start + count]
            start += count

    def face_normal(self, face_vertices, points=None):
        """Newell's normal of one face (unit length): counter-clockwise faces point at the viewer."""
        points = points or self.points
        nx = ny = nz = 0.0
        for i, a in enumerate(face_vertices):
            p, q = points[a], points[face_vertices[(i + 1) % len(face_vertices)]]
            nx += (p[1] - q[1]) * (p[2] + q[2])
            ny += (p[2] - q[2]) * (p[0] + q[0])
            nz += (p[0] - q[0]) * (p[1] + q[1])
        length = math.sqrt(nx * nx + ny * ny + nz * nz) or 1.0
        return [nx / length, ny / length, nz / length]

    def vertex_normals(self, points=None):
        sums = [[0.0, 0.0, 0.0] for _ in self.points]
        for face in self.faces():
            n = self.face_normal(face, points)
            for v in face:
                sums[v] = [a + b for a, b in zip(sums[v], n)]
        result = []
        for s in sums:
            length = math.sqrt(sum(c * c for c in s)) or 1.0
            result.append([c / length for c in s])
        return result

    def normals(self, points=None):
        """The mesh's normal array: per face-vertex for hard-edged meshes and normals set per face-vertex, per
        vertex for smooth ones."""
        if self.fv_normals is not None:
            return self.fv_normals
        if self.hard:
            return [self.face_normal(face, points) for face in self.faces() for _ in face]
        return self.vertex_normals(points)


# --------------------------------------------------------------------------------------------- primitives


def cube(width=1.0, height=1.0, depth=1.0, sx=1, sy=1, sz=1):
    w, h, d = width / 2.0, height / 2.0, depth / 2.0
    loop = []  # (y, z) of each row around the X axis: up the front, back along the top, down the back, ...
    loop += [(-h + height * b / sy, d) for b in range(sy)]
    loop += [(h, d - depth * a / sz) for a in range(sz)]
    loop += [(h - height * b / sy, -d) for b in range(sy)]
    loop += [(-h, -d + depth * a / sz) for a in range(sz)]
    rows = len(loop)
    xs = [-w + width * i / sx for i in range(sx + 1)]
    points = [[x, y, z] for (y, z) in loop for x in xs]
    vid = lambda r, i: (r % rows) * (sx + 1) + i  # noqa: E731
    counts, connects, uv_ids = [], [], []
    strip_v = []  # the v of each loop row (and the closing row): front 0..0.25, top ..0.5, back ..0.75, bottom ..1
    for part, n in enumerate((sy, sz, sy, sz)):
        strip_v += [0.25 * part + 0.25 * k / n for k in range(n)]
    strip_v.append(1.0)
    us = [0.375 + 0.25 * i / sx for i in range(sx + 1)]
    uv_u = [u for _ in strip_v for u in us]
    uv_v = [v for v in strip_v for _ in us]
    uvid = lambda r, i: r * (sx + 1) + i  # noqa: E731
    for r in range(rows):
        for i in range(sx):
            counts.append(4)
            connects += [vid(r, i), vid(r, i + 1), vid(r + 1, i + 1), vid(r + 1, i)]
            uv_ids += [uvid(r, i), uvid(r, i + 1), uvid(r + 1, i + 1), uvid(r + 1, i)]

    def loop_row(a, b):  # the loop row holding side-grid point (a along -z, b along +y), or None inside
        if a == 0:
            return b
        if b == sy:
            return sy + a
        if a == sz:
            return sy + sz + (sy - b)
        if b == 0:
            return (2 * sy + sz + (sz - a)) % rows
        return None

    for side, column, u0, du in (("right", sx, 0.625, 0.25), ("left", 0, 0.375, -0.25)):
        x = xs[column]
        grid_v, grid_uv = {}, {}
        for a in range(sz + 1):
            for b in range(sy + 1):
                row = loop_row(a, b)
                if row is None:
                    grid_v[a, b] = len(points)
                    points.append([x, -h + height * b / sy, d - depth * a / sz])
                else:
                    grid_v[a, b] = vid(row, column)
                if a == 0:
                    grid_uv[a, b] = uvid(b, column)
                else:
                    grid_uv[a, b] = len(uv_u)
                    uv_u.append(u0 + du * a / sz)
                    uv_v.append(0.25 * b / sy)
        for b in range(sy):
            for a in range(sz):
                corners = ([(a, b), (a + 1, b), (a + 1, b + 1), (a, b + 1)] if side == "right"
                           else [(a + 1, b), (a, b), (a, b + 1), (a + 1, b + 1)])
                counts.append(4)
                connects += [grid_v[c] for c in corners]
                uv_ids += [grid_uv[c] for c in corners]
    return MeshData(points, counts, connects, (uv_u, uv_v), counts, uv_ids, hard=True)


def sphere(radius=1.0, sa=20, sh=20):
    """Rings from the south pole up (poles last: south, north); quads, then the bottom and top fans."""
    points = []
    for k in range(1, sh):
        lat = -math.pi / 2 + math.pi * k / sh
        for j in range(sa):
            phi = 2 * math.pi * j / sa
            points.append([radius * math.cos(lat) * math.cos(phi), radius * math.sin(lat),
                           -radius * math.cos(lat) * math.sin(phi)])
    south, north = len(points), len(points) + 1
    points += [[0.0, -radius, 0.0], [0.0, radius, 0.0]]
    vid = lambda k, j: (k - 1) * sa + j % sa  # noqa: E731  (ring k = 1 .. sh-1)
    uvid = lambda k, j: (k - 1) * (sa + 1) + j  # noqa: E731
    uv_u = [j / sa for k in range(1, sh) for j in range(sa + 1)]
    uv_v = [k / sh for k in range(1, sh) for j in range(sa + 1)]
    counts, connects, uv_ids = [], [], []
    for k in range(1, sh - 1):
        for j in range(sa):
            counts.append(4)
            connects += [vid(k, j), vid(k, j + 1), vid(k + 1, j + 1), vid(k + 1, j)]
            uv_ids += [uvid(k, j), uvid(k, j + 1), uvid(k + 1, j + 1), uvid(k + 1, j)]
    pole_uv = len(uv_u)
    uv_u += [(j + 0.5) / sa for j in range(sa)] * 2
    uv_v += [0.0] * sa + [1.0] * sa
    for j in range(sa):
        counts.append(3)
        connects += [south, vid(1, j + 1), vid(1, j)]
        uv_ids += [pole_uv + j, uvid(1, j + 1), uvid(1, j)]
    for j in range(sa):
        counts.append(3)
        connects += [vid(sh - 1, j), vid(sh - 1, j + 1), north]
        uv_ids += [uvid(sh - 1, j), uvid(sh - 1, j + 1), pole_uv + sa + j]
    return MeshData(points, counts, connects, (uv_u, uv_v), counts, uv_ids, hard=False)


def plane(width=1.0, height=1.0, sx=10, sy=10):
    """A grid in XZ facing +Y: rows from +Z towards -Z, each from -X to +X."""
    points = [[-width / 2 + width * i / sx, 0.0, height / 2 - height * r / sy]
              for r in range(sy + 1) for i in range(sx + 1)]
    uv_u = [i / sx for r in range(sy + 1) for i in range(sx + 1)]
    uv_v = [r / sy for r in range(sy + 1) for i in range(sx + 1)]
    vid = lambda r, i: r * (sx + 1) + i  # noqa: E731
    counts, connects = [], []
    for r in range(sy):
        for i in range(sx):
            counts.append(4)
            connects += [vid(r, i), vid(r, i + 1), vid(r + 1, i + 1), vid(r + 1, i)]
    return MeshData(points, counts, connects, (uv_u, uv_v), counts, list(connects), hard=False)
