"""Small linear-algebra values: ``hou.Vector2``, ``hou.Vector3`` and ``hou.Matrix4``.

Houdini's conventions: vectors are rows and multiply matrices on the left (``v * m``), so a transform is
``scale * rotate * translate`` for the ``srt`` order and the translation sits in the last row.
``hou.Matrix4()`` is all zeros and ``hou.Matrix4(1)`` the identity. Only what the stand-in needs is here.
"""
import math
import numbers

__all__ = ["Vector2", "Vector3", "Matrix4"]


def _floats(value, size, what):
    if isinstance(value, numbers.Real):
        return None
    values = [float(v) for v in value]
    if len(values) != size:
        raise ValueError(f"{what} needs {size} values, got {len(values)}")
    return values


class _Vector:
    _size = 0

    def __getitem__(self, index):
        return self._v[index]

    def __setitem__(self, index, value):
        self._v[index] = float(value)

    def __len__(self):
        return self._size

    def __iter__(self):
        return iter(list(self._v))

    def __reversed__(self):
        return iter(list(reversed(self._v)))

    def __contains__(self, other):
        return other in self._v

    def __eq__(self, other):
        return isinstance(other, type(self)) and other._v == self._v

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(tuple(self._v))

    def __repr__(self):
        return f"<hou.{type(self).__name__} [{', '.join(f'{v:g}' for v in self._v)}]>"

    def _new(self, values):
        made = object.__new__(type(self))
        made._v = [float(v) for v in values]
        return made

    def __add__(self, other):
        return self._new(a + b for a, b in zip(self._v, other))

    def __sub__(self, other):
        return self._new(a - b for a, b in zip(self._v, other))

    def __neg__(self):
        return self._new(-a for a in self._v)

    def __truediv__(self, scalar):
        return self._new(a / scalar for a in self._v)

    def __rmul__(self, scalar):
        return self._new(a * scalar for a in self._v)

    def setTo(self, sequence):
        self._v = _floats(sequence, self._size, type(self).__name__)

    def x(self):
        return self._v[0]

    def y(self):
        return self._v[1]

    def length(self):
        return math.sqrt(self.lengthSquared())

    def lengthSquared(self):
        return sum(a * a for a in self._v)

    def normalized(self):
        length = self.length()
        return self._new(self._v) if length == 0 else self._new(a / length for a in self._v)

    def _dot(self, other):
        return sum(a * b for a, b in zip(self._v, other))

    def _close(self, other, tolerance):
        return all(abs(a - b) <= tolerance for a, b in zip(self._v, other))


class Vector2(_Vector):
    _size = 2

    def __init__(self, x=0.0, y=0.0):
        if isinstance(x, (_Vector, list, tuple)):
            self._v = _floats(x, 2, "hou.Vector2")
        else:
            self._v = [float(x), float(y)]

    def __mul__(self, scalar):
        return self._new(a * scalar for a in self._v)

    def dot(self, vector2):
        return self._dot(vector2)

    def distanceTo(self, vector2):
        return (self - vector2).length()

    def isAlmostEqual(self, vector2, tolerance=1e-05):
        return self._close(vector2, tolerance)

    def almostEqual(self, vector2, tolerance=1e-05):
        return self._close(vector2, tolerance)


class Vector3(_Vector):
    _size = 3

    def __init__(self, x=0.0, y=0.0, z=0.0):
        if isinstance(x, (_Vector, list, tuple)):
            self._v = _floats(x, 3, "hou.Vector3")
        else:
            self._v = [float(x), float(y), float(z)]

    def z(self):
        return self._v[2]

    def __mul__(self, scalar_or_matrix3_or_matrix4):
        other = scalar_or_matrix3_or_matrix4
        if isinstance(other, Matrix4):
            row = self._v + [1.0]
            out = [sum(row[k] * other._m[k][j] for k in range(4)) for j in range(4)]
            w = out[3] if out[3] not in (0.0, 1.0) else 1.0
            return self._new(v / w for v in out[:3])
        return self._new(a * other for a in self._v)

    def multiplyAsDir(self, matrix4):
        return self._new(sum(self._v[k] * matrix4._m[k][j] for k in range(3)) for j in range(3))

    def dot(self, vector3):
        return self._dot(vector3)

    def distanceTo(self, vector3):
        return (self - vector3).length()

    def isAlmostEqual(self, vector3, tolerance=1e-05):
        return self._close(vector3, tolerance)

    def almostEqual(self, vector3, tolerance=1e-05):
        return self._close(vector3, tolerance)

    def cross(self, vector3):
        a, b = self._v, list(vector3)
        return self._new((a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]))

    def angleTo(self, vector3):
        lengths = self.length() * Vector3(vector3).length()
        if lengths == 0:
            return 0.0
        return math.degrees(math.acos(max(-1.0, min(1.0, self._dot(vector3) / lengths))))


_ORIGIN = Vector3()


class Matrix4:
    def __init__(self, values=0.0):
        self._m = [[0.0] * 4 for _ in range(4)]
        self.setTo(values)

    def _new(self, rows):
        made = object.__new__(Matrix4)
        made._m = [list(map(float, row)) for row in rows]
        return made

    def __eq__(self, other):
        return isinstance(other, Matrix4) and other._m == self._m

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.asTuple())

    def __repr__(self):
        rows = ", ".join("[" + ", ".join(f"{v:g}" for v in row) + "]" for row in self._m)
        return f"<hou.Matrix4 [{rows}]>"

    def at(self, row, col):
        return self._m[row][col]

    def setAt(self, row, col, value):
        self._m[row][col] = float(value)

    def asTuple(self):
        return tuple(v for row in self._m for v in row)

    def asTupleOfTuples(self):
        return tuple(tuple(row) for row in self._m)

    def setTo(self, value):
        if isinstance(value, Matrix4):
            self._m = [list(row) for row in value._m]
        elif isinstance(value, numbers.Real):
            self._m = [[float(value) if i == j else 0.0 for j in range(4)] for i in range(4)]
        else:
            flat = [v for row in value for v in row] if value and not isinstance(value[0], numbers.Real) else value
            flat = [float(v) for v in flat]
            if len(flat) != 16:
                raise ValueError(f"hou.Matrix4 needs 16 values, got {len(flat)}")
            self._m = [flat[i * 4:i * 4 + 4] for i in range(4)]

    def setToIdentity(self):
        self.setTo(1.0)

    def setToZero(self):
        self.setTo(0.0)

    def __add__(self, matrix4):
        return self._new([[a + b for a, b in zip(r1, r2)] for r1, r2 in zip(self._m, matrix4._m)])

    def __sub__(self, matrix4):
        return self._new([[a - b for a, b in zip(r1, r2)] for r1, r2 in zip(self._m, matrix4._m)])

    def __mul__(self, matrix4_or_scalar):
        other = matrix4_or_scalar
        if isinstance(other, Matrix4):
            return self._new([[sum(self._m[i][k] * other._m[k][j] for k in range(4)) for j in range(4)]
                              for i in range(4)])
        return self._new([[v * other for v in row] for row in self._m])

    def preMult(self, matrix4):
        return matrix4 * self

    def transposed(self):
        return self._new([[self._m[j][i] for j in range(4)] for i in range(4)])

    def determinant(self):
        return _det([row[:] for row in self._m])

    def explode(self, transform_order="srt", rotate_order="xyz", pivot=_ORIGIN, pivot_rotate=_ORIGIN):
        """Translate, rotate (degrees), scale and shear that rebuild this matrix. The stand-in models the
        default orders ("srt", "xyz"), no pivot and no shear; anything else raises OperationFailed."""
        from ._errors import OperationFailed

        if transform_order != "srt" or rotate_order != "xyz" or tuple(pivot) != (0, 0, 0) \
                or tuple(pivot_rotate) != (0, 0, 0):
            raise OperationFailed("the stand-in's Matrix4.explode models transform_order='srt', "
                                  "rotate_order='xyz' and no pivot only")
        rows = [row[:3] for row in self._m[:3]]
        scales = [math.sqrt(sum(v * v for v in row)) for row in rows]
        if min(scales) < 1e-12:
            raise OperationFailed("The matrix is singular and cannot be exploded")
        if _det([row[:] for row in rows]) < 0:  # a mirror: carried by a negative x scale
            scales[0] = -scales[0]
        r = [[v / s for v in row] for row, s in zip(rows, scales)]
        # row vectors, R = Rx * Ry * Rz: r[0][2] = -sin(y), r[0][:2] = cos(y) (cos z, sin z),
        # r[1][2], r[2][2] = cos(y) (sin x, cos x)
        y = math.asin(max(-1.0, min(1.0, -r[0][2])))
        if abs(math.cos(y)) > 1e-9:
            x, z = math.atan2(r[1][2], r[2][2]), math.atan2(r[0][1], r[0][0])
        else:  # gimbal lock: x and z turn about the same axis; all of it goes to x
            x, z = math.atan2(-r[0][2] * r[1][0], r[1][1]), 0.0
        return {"translate": Vector3(*self._m[3][:3]), "rotate": Vector3(*map(math.degrees, (x, y, z))),
                "scale": Vector3(*scales), "shear": Vector3()}

    def inverted(self):
        size = 4
        work = [row[:] + [1.0 if i == j else 0.0 for j in range(size)] for i, row in enumerate(self._m)]
        for col in range(size):
            pivot = max(range(col, size), key=lambda r: abs(work[r][col]))
            if abs(work[pivot][col]) < 1e-12:
                from ._errors import OperationFailed

                raise OperationFailed("The matrix is singular and cannot be inverted")
            work[col], work[pivot] = work[pivot], work[col]
            scale = work[col][col]
            work[col] = [v / scale for v in work[col]]
            for row in range(size):
                if row != col and work[row][col]:
                    factor = work[row][col]
                    work[row] = [a - factor * b for a, b in zip(work[row], work[col])]
        return self._new([row[size:] for row in work])

    def extractTranslates(self, transform_order="srt", pivot=_ORIGIN, pivot_rotate=_ORIGIN):
        return Vector3(self._m[3][:3])

    def isAlmostEqual(self, matrix4, tolerance=1e-05):
        return all(abs(a - b) <= tolerance for a, b in zip(self.asTuple(), matrix4.asTuple()))


def _det(m):
    size, det = len(m), 1.0
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(m[r][col]))
        if m[pivot][col] == 0:
            return 0.0
        if pivot != col:
            m[col], m[pivot] = m[pivot], m[col]
            det = -det
        det *= m[col][col]
        for row in range(col + 1, size):
            factor = m[row][col] / m[col][col]
            m[row] = [a - factor * b for a, b in zip(m[row], m[col])]
    return det


def translate(t):
    m = Matrix4(1)
    m._m[3][:3] = [float(v) for v in t]
    return m


def scale(s):
    m = Matrix4(1)
    for i in range(3):
        m._m[i][i] = float(s[i])
    return m


def rotate(r, order="xyz"):
    """Rotations in degrees about x, y, z, applied in ``order`` (row vectors: the first applied comes first)."""
    result = Matrix4(1)
    for axis in order:
        angle = math.radians(r["xyz".index(axis)])
        c, s = math.cos(angle), math.sin(angle)
        m = Matrix4(1)
        i, j = {"x": (1, 2), "y": (2, 0), "z": (0, 1)}[axis]
        m._m[i][i], m._m[i][j], m._m[j][i], m._m[j][j] = c, s, -s, c
        result = result * m
    return result
