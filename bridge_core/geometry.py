"""One polygon mesh format for both hosts: flat typed arrays, USD's conventions, checked before it is used.

A ``Mesh`` is what crosses the bridge when a mesh moves between Maya and Houdini: ``points`` (x y z per
point, float32), ``face_counts`` (vertices per face, int32), ``face_vertices`` (point indices, face after
face, int32), optional ``normals`` (x y z) and ``uvs`` (u v) per face-vertex (float32, in ``face_vertices``
order) and ``matrix``, the object's world transform (16 floats, row-major, row vectors: translation in the
last row, as ``hou.Matrix4`` and Maya's ``MMatrix`` both print it). Anything with the buffer protocol
(``array.array``, ``memoryview``, numpy arrays) or a sequence of numbers is accepted on input and copied into
``array.array`` once; plain ``bytes``/``bytearray`` (and byte memoryviews of them) are raw float32/int32 in
the machine's byte order, as ``hou.Geometry.pointFloatAttribValuesAsString`` returns them. ``to_wire`` and
``from_wire`` give the plain dict the bridge sends, whose arrays travel as bulk frames (``bulk``), never
element by element.

Conventions are USD's: right-handed, Y-up, **counter-clockwise front faces** (Maya's winding). Houdini's
front face is clockwise: its glue calls ``reversed_winding()`` on the way in and out (each face's vertex
order reversed, normals and UVs moved with their face-vertices, so front faces and normals keep facing the
same way). Units are left as they are.

    mesh = Mesh("quad", [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0], [4], [0, 1, 2, 3])
    mesh.validate()                       # GeometryError saying exactly what is wrong, if anything is
    houdini_order = mesh.reversed_winding()
"""
import array
import bisect
import itertools
import math
import operator
import re
import sys

from .errors import GeometryError

__all__ = ["Mesh", "GeometryError", "IDENTITY", "float_array", "int_array", "reverse_faces", "gather", "columns"]

IDENTITY = (1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)
_FLOAT_FORMATS = frozenset("fde")
_RAW_BYTES = (bytes, bytearray)  # untyped: raw machine words of the field's type, never one number per byte


def _flat_view(value):
    """A 1-D memoryview of ``value``'s buffer, or None when it has no buffer."""
    try:
        view = memoryview(value)
    except TypeError:
        return None
    if view.ndim != 1 or not view.c_contiguous:
        view = view.cast("B").cast(view.format.lstrip("@=<>!")) if view.c_contiguous else memoryview(view.tobytes())
    return view


def _from_raw_bytes(view, typecode, what):
    result = array.array(typecode)
    if view.nbytes % result.itemsize:
        kind = "float32" if typecode == "f" else "int32"
        raise GeometryError(f"{what} was given as {view.nbytes} raw bytes, which is not a whole number of "
                            f"{result.itemsize}-byte {kind} values; pass raw {kind} bytes in this machine's "
                            f"byte order, or an array or list of numbers")
    result.frombytes(view.cast("B"))
    return result


def _convert(value, typecode, what):
    if value is None:
        return None
    if isinstance(value, array.array) and value.typecode == typecode:
        return value
    view = _flat_view(value)
    if isinstance(value, _RAW_BYTES) or (isinstance(value, memoryview) and view.format in ("B", "c")
                                         and isinstance(value.obj, _RAW_BYTES)):
        return _from_raw_bytes(view, typecode, what)
    try:
        if view is not None:
            fmt = view.format.lstrip("@=<>!")
            if fmt == typecode or (typecode == "i" and fmt in "il" and view.itemsize == 4):
                result = array.array(typecode)
                result.frombytes(view.cast("B"))
                return result
            if typecode == "i" and fmt in _FLOAT_FORMATS:
                raise GeometryError(f"{what} must hold whole numbers (point indices or counts), not floats")
            return array.array(typecode, view.tolist())
        items = list(value)
        if items and not isinstance(items[0], (int, float)):  # nested: [(x, y, z), ...]
            items = list(itertools.chain.from_iterable(items))
        return array.array(typecode, items)
    except (TypeError, OverflowError, ValueError) as exc:
        raise GeometryError(f"{what} cannot be read as a flat array of "
                            f"{'numbers' if typecode == 'f' else 'whole numbers'}: {exc}") from None


def float_array(value, what="the values"):
    """``value`` as ``array('f')`` (no copy when it already is one)."""
    return _convert(value, "f", what)


def int_array(value, what="the values"):
    """``value`` as ``array('i')`` (no copy when it already is one)."""
    return _convert(value, "i", what)


def _runs(counts, limit=None):
    """``(first_face_vertex, faces, count)`` for each run of consecutive faces with the same vertex count, or
    None when there are more than ``limit`` runs (sizes mixed face by face: see ``reverse_faces``)."""
    if counts and counts.count(counts[0]) == len(counts):  # the common case, checked at C speed
        return [(0, len(counts), counts[0])]
    runs, offset = [], 0
    for count, group in itertools.groupby(counts):
        n = len(list(group))
        runs.append((offset, n, count))
        offset += n * count
        if limit is not None and len(runs) > limit:
            return None
    return runs


_UNITS = {1: "B", 2: "H", 4: "I", 8: "Q"}
_BLOCK = 1 << 16   # faces per block: a block's strided copies stay in the CPU cache
_MAX_RUNS = 256    # more runs of equal-sized faces than this: one gather instead of slices per run


def reverse_faces(values, counts, width=1, in_place=False):
    """Per-face-vertex ``values`` (``width`` numbers each) with each face's order reversed: a copy, or
    ``values`` itself reversed ``in_place``.

    Each run of faces of one size is reversed with stepped slice copies (corner ``k`` of every face at once,
    ``count`` copies per run; a whole element moves as one machine word when it fits, u, v as 8 bytes), block
    by block so each block's copies stay in the cache. A mesh whose sizes change face by face (more than
    ``_MAX_RUNS`` runs) is reversed by one gather through the reversed order's indices instead."""
    size = width * values.itemsize
    unit, per = (_UNITS[size], 1) if size in _UNITS else (_UNITS.get(values.itemsize, values.typecode), width)
    runs = _runs(counts, _MAX_RUNS)
    if runs is None:
        return _reverse_by_gather(values, counts, unit, per, in_place)
    out = values if in_place else values[:]
    source = memoryview(values).cast("B").cast(unit)
    target = source if in_place else memoryview(out).cast("B").cast(unit)
    for offset, faces, count in runs:
        step = count * per
        for first in range(0, faces, _BLOCK):
            lo = (offset + first * count) * per
            hi = lo + min(_BLOCK, faces - first) * step
            src, dst = source[lo:hi], target[lo:hi]
            if in_place:  # read from a copy of the block (one block's share of memory, not a whole copy)
                src = memoryview(src.tobytes()).cast("B").cast(unit)
            for corner in range(count):
                mirrored = count - 1 - corner
                if mirrored == corner and not in_place:
                    continue  # the middle corner of an odd face stays (already copied)
                for k in range(per):
                    dst[corner * per + k::step] = src[mirrored * per + k::step]
    return out


def _reverse_by_gather(values, counts, unit, per, in_place):
    """``reverse_faces`` for sizes mixed face by face: face-vertex ``j`` of a face starting at ``o`` with ``c``
    vertices takes ``2 * o + c - 1 - j``, built and gathered with C-level iterators (no Python loop per face)."""
    ends = itertools.accumulate(counts)                                   # o + c of each face
    mirror = map(operator.add, ends, itertools.accumulate(counts, initial=0))  # 2 * o + c
    total = sum(counts)
    order = list(map(operator.sub, itertools.chain.from_iterable(map(itertools.repeat, mirror, counts)),
                     range(1, total + 1)))                                # 2 * o + c - 1 - j
    words = array.array(unit)
    words.frombytes(memoryview(values).cast("B"))
    flipped = gather(words, per, order)
    if in_place:
        memoryview(values).cast("B")[:] = memoryview(flipped).cast("B")
        return values
    out = array.array(values.typecode)
    out.frombytes(memoryview(flipped).cast("B"))
    return out


def gather(values, width, indices):
    """``values`` (``width`` numbers per element) picked by element ``indices``, flat: per-point values made
    per-face-vertex, say. Each element's bytes become one ``bytes`` object (``re.findall``), the picks are
    mapped and joined at C speed: no Python loop, whatever the width."""
    out = array.array(values.typecode)
    size = width * values.itemsize
    elements = _ELEMENT.get(size) or _ELEMENT.setdefault(size, re.compile(b".{%d}" % size, re.DOTALL))
    out.frombytes(b"".join(map(elements.findall(values.tobytes()).__getitem__, indices)))
    return out


_ELEMENT = {}  # element size in bytes -> the pattern splitting a buffer into elements


def columns(values, width, keep, new_width=None, fill=0.0):
    """Regroup flat values of ``width`` components: keep the first ``keep`` of each (xyzw -> xyz) into elements
    of ``new_width`` (default ``keep``) padded with ``fill`` (uv -> uv0, as Houdini's 3-float ``uv``)."""
    new_width = keep if new_width is None else new_width
    count = len(values) // width
    out = array.array(values.typecode, [fill]) * (count * new_width) if fill else \
        array.array(values.typecode, bytes(count * new_width * values.itemsize))
    source, target = memoryview(values), memoryview(out)
    for component in range(keep):
        target[component::new_width] = source[component::width]
    return out


_LITTLE = sys.byteorder == "little"


def _indices_below(indices, points):
    """True when every int32 in ``indices`` is in ``0 .. points - 1``, checked on the bytes at C speed.

    The byte streams above the top byte of ``points - 1`` must be all zero (which also rules out negative
    numbers), the top byte's stream may not exceed that byte (``bytes.translate`` deleting the allowed values
    leaves nothing); only when some top byte equals it, and the bytes below could still exceed ``points - 1``'s,
    is the exact ``max()`` taken (one pass at C speed, creating an int per index)."""
    if not indices:
        return True
    if points <= 0:
        return False
    highest = points - 1
    top = max(0, (highest.bit_length() - 1) // 8)
    raw = memoryview(indices).cast("B")
    size = indices.itemsize

    def stream(byte):  # the given byte (0 = least significant) of every index
        return raw[(byte if _LITTLE else size - 1 - byte)::size].tobytes()

    for byte in range(size - 1, top, -1):
        if stream(byte).translate(None, b"\x00"):
            return False
    limit = (highest >> (8 * top)) & 0xFF
    tops = stream(top)
    if tops.translate(None, bytes(range(limit + 1))):
        return False
    lower = (1 << (8 * top)) - 1
    if (highest & lower) == lower or bytes((limit,)) not in tops:
        return True
    return max(indices) <= highest


class Mesh:
    """A polygon mesh in flat arrays (see the module docstring for the layout and conventions)."""

    __slots__ = ("name", "points", "face_counts", "face_vertices", "normals", "uvs", "matrix")

    def __init__(self, name, points, face_counts, face_vertices, normals=None, uvs=None, matrix=None):
        self.name = name
        self.points = float_array(points, "points")
        self.face_counts = int_array(face_counts, "face_counts")
        self.face_vertices = int_array(face_vertices, "face_vertices")
        self.normals = float_array(normals, "normals")
        self.uvs = float_array(uvs, "uvs")
        self.matrix = None if matrix is None else tuple(float_array(matrix, "matrix"))

    # ------------------------------------------------------------------------------------------ sizes

    @property
    def num_points(self):
        return len(self.points) // 3

    @property
    def num_faces(self):
        return len(self.face_counts)

    @property
    def num_face_vertices(self):
        return len(self.face_vertices)

    @property
    def nbytes(self):
        """Bytes of array data (what the bridge moves)."""
        arrays = (self.points, self.face_counts, self.face_vertices, self.normals, self.uvs)
        return sum(len(a) * a.itemsize for a in arrays if a is not None)

    def describe(self):
        return f"{self.name} ({self.num_points:,} points, {self.num_faces:,} faces)"

    def __repr__(self):
        return f"<Mesh {self.describe()}>"

    # -------------------------------------------------------------------------------------- checking

    def validate(self):
        """Raise ``GeometryError`` naming the first thing that is wrong; return ``self`` when all is well."""
        name = self.name
        if not isinstance(name, str) or not name.strip():
            raise GeometryError(f"the mesh needs a name (a non-empty string), not {name!r}")
        where = f"mesh {name!r}"
        if len(self.points) % 3:
            raise GeometryError(f"{where}: points holds {len(self.points)} numbers, which is not a multiple of 3 "
                                f"(x, y, z for each point)")
        counts = self.face_counts
        if not counts:
            raise GeometryError(f"{where} has no faces (face_counts is empty)")
        uniform = counts.count(counts[0]) == len(counts)  # the common case (all quads, say), at C speed
        smallest = counts[0] if uniform else min(counts)
        if smallest < 3:
            face = counts.index(smallest)
            raise GeometryError(f"{where}: face {face} has {smallest} vertices; a polygon needs at least 3")
        total = counts[0] * len(counts) if uniform else sum(counts)
        if total != len(self.face_vertices):
            raise GeometryError(f"{where}: face_counts add up to {total} face-vertices but face_vertices holds "
                                f"{len(self.face_vertices)} indices")
        points = self.num_points
        if not _indices_below(self.face_vertices, points):
            low, high = min(self.face_vertices), max(self.face_vertices)
            bad = low if low < 0 else high
            index = self.face_vertices.index(bad)
            face = self._face_of(index)
            raise GeometryError(f"{where}: face_vertices[{index}] (face {face}) is {bad}, but the mesh has "
                                f"{points} points (indices 0 to {points - 1})")
        for label, values, width, what in (("normals", self.normals, 3, "x, y, z"), ("uvs", self.uvs, 2, "u, v")):
            if values is not None and len(values) != width * total:
                raise GeometryError(f"{where}: {label} holds {len(values)} numbers; {total} face-vertices need "
                                    f"{width * total} ({what} for each face-vertex, in face_vertices order)")
        if self.matrix is not None:
            if len(self.matrix) != 16:
                raise GeometryError(f"{where}: matrix holds {len(self.matrix)} numbers; a 4x4 matrix has 16 "
                                    f"(row-major, translation in the last row)")
            if not all(map(math.isfinite, self.matrix)):
                raise GeometryError(f"{where}: matrix holds a value that is not finite (inf or nan)")
        return self

    def _face_of(self, face_vertex):
        return bisect.bisect_right(list(itertools.accumulate(self.face_counts)), face_vertex)

    # ----------------------------------------------------------------------------------- conversions

    def reversed_winding(self, in_place=False):
        """The same mesh with each face's vertex order reversed (normals and UVs follow their vertices): a new
        Mesh sharing the points, or this one changed ``in_place`` (no copy of the arrays: for meshes nobody
        else holds, such as one just received).

        Maya/USD (counter-clockwise) <-> Houdini (clockwise); applying it twice gives the original order.
        """
        counts = self.face_counts
        flipped = [None if values is None else reverse_faces(values, counts, width, in_place)
                   for values, width in ((self.face_vertices, 1), (self.normals, 3), (self.uvs, 2))]
        if in_place:
            return self
        return Mesh(self.name, self.points, counts, *flipped, matrix=self.matrix)

    def faces(self):
        """Each face's point indices, as tuples (for APIs that take one sequence per face)."""
        counts, vertices = self.face_counts, self.face_vertices
        runs = _runs(counts)
        if len(runs) == 1:
            return list(zip(*[iter(vertices.tolist())] * runs[0][2]))
        result = []
        for offset, faces, count in runs:
            chunk = vertices[offset:offset + faces * count].tolist()
            result.extend(zip(*[iter(chunk)] * count))
        return result

    def point_tuples(self):
        """The points as (x, y, z) tuples."""
        return list(zip(*[iter(self.points.tolist())] * 3))

    def to_wire(self):
        """A plain dict for the bridge (arrays travel as bulk frames)."""
        return {"name": self.name, "points": self.points, "face_counts": self.face_counts,
                "face_vertices": self.face_vertices, "normals": self.normals, "uvs": self.uvs,
                "matrix": None if self.matrix is None else list(self.matrix)}

    @classmethod
    def from_wire(cls, data):
        """The inverse of ``to_wire`` (the result is validated)."""
        if not isinstance(data, dict):
            raise GeometryError(f"a mesh arrives as a dict from Mesh.to_wire(), not {type(data).__name__}")
        missing = [k for k in ("name", "points", "face_counts", "face_vertices") if k not in data]
        if missing:
            raise GeometryError(f"the mesh data lacks {', '.join(missing)}")
        return cls(data["name"], data["points"], data["face_counts"], data["face_vertices"], data.get("normals"),
                   data.get("uvs"), data.get("matrix")).validate()
