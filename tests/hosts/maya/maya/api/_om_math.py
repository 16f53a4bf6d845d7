"""The value types of ``maya.api.OpenMaya`` (API 2.0): points, vectors, matrices and the typed arrays.

They behave as Maya's do where DCC code depends on it: ``MPoint - MPoint`` is an ``MVector``, ``v1 * v2`` a dot
product and ``v1 ^ v2`` a cross product, points and vectors multiply matrices as row vectors (``p * m``),
``MFloat*`` types round to single precision, arrays are mutable sequences with ``append``/``setLength``/... and
index errors. The classes are re-exported by ``maya.api.OpenMaya`` (which applies the main-thread rule).
"""
import math

from .. import _matrix
from .._geometry import f32


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"a number is required, not {type(value).__name__}")
    return float(value)


class _Vector3:
    """x, y, z with vector arithmetic; MFloatVector rounds to float32."""
    _single = False
    kTolerance = 1e-10

    def __init__(self, *args):
        if len(args) == 1 and not isinstance(args[0], (int, float)):
            source = args[0]
            values = [source.x, source.y, source.z] if hasattr(source, "x") else list(source)
        else:
            values = list(args)
        if len(values) not in (0, 2, 3):
            raise TypeError(f"{type(self).__name__}() takes 0, 2 or 3 numbers, or a point, vector or sequence")
        values = [_number(v) for v in values] + [0.0] * (3 - len(values))
        self.x, self.y, self.z = f32(values) if self._single else values

    def _new(self, values):
        return type(self)(*values)

    def __getitem__(self, i):
        return (self.x, self.y, self.z)[i]

    def __setitem__(self, i, value):
        setattr(self, "xyz"[i], f32([_number(value)])[0] if self._single else _number(value))

    def __len__(self):
        return 3

    def __iter__(self):
        return iter((self.x, self.y, self.z))

    def __add__(self, other):
        return self._new([a + b for a, b in zip(self, other)])

    def __sub__(self, other):
        return self._new([a - b for a, b in zip(self, other)])

    def __neg__(self):
        return self._new([-a for a in self])

    def __mul__(self, other):
        if isinstance(other, _Vector3):
            return sum(a * b for a, b in zip(self, other))
        if isinstance(other, MMatrix):
            return self._new(_matrix.transform_vector(list(self), other._m))
        return self._new([a * _number(other) for a in self])

    def __rmul__(self, other):
        return self._new([a * _number(other) for a in self])

    def __truediv__(self, other):
        return self._new([a / _number(other) for a in self])

    def __xor__(self, other):
        a, b = self, other
        return self._new([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])

    def __eq__(self, other):
        return isinstance(other, _Vector3) and self.isEquivalent(other)

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        return f"maya.api.OpenMaya.{type(self).__name__}({self.x:g}, {self.y:g}, {self.z:g})"

    def __str__(self):
        return f"({self.x:g}, {self.y:g}, {self.z:g})"

    def length(self):
        return math.sqrt(self * self)

    def normal(self):
        length = self.length()
        return self._new([a / length for a in self]) if length else self._new([0.0, 0.0, 0.0])

    def normalize(self):
        self.x, self.y, self.z = self.normal()
        return self

    def isEquivalent(self, other, tolerance=kTolerance):
        return all(abs(a - b) <= tolerance for a, b in zip(self, other))

    def isParallel(self, other, tolerance=kTolerance):
        return (self ^ other).length() <= tolerance * max(1.0, self.length() * other.length())

    def angle(self, other):
        denominator = self.length() * other.length()
        return math.acos(max(-1.0, min(1.0, (self * other) / denominator))) if denominator else 0.0


class MVector(_Vector3):
    """3D vector with double-precision coordinates."""


class MFloatVector(_Vector3):
    """3D vector with single-precision coordinates."""
    _single = True


for _cls in (MVector, MFloatVector):
    _cls.kZeroVector, _cls.kOneVector = _cls(0, 0, 0), _cls(1, 1, 1)
    _cls.kXaxisVector, _cls.kYaxisVector, _cls.kZaxisVector = _cls(1, 0, 0), _cls(0, 1, 0), _cls(0, 0, 1)
    _cls.kXnegAxisVector, _cls.kYnegAxisVector, _cls.kZnegAxisVector = _cls(-1, 0, 0), _cls(0, -1, 0), _cls(0, 0, -1)


class MPoint:
    """3D point with double-precision coordinates (x, y, z, w)."""
    kTolerance = 1e-10

    def __init__(self, *args):
        if len(args) == 1 and not isinstance(args[0], (int, float)):
            source = args[0]
            if isinstance(source, MPoint):
                values = [source.x, source.y, source.z, source.w]
            elif isinstance(source, _Vector3):
                values = [source.x, source.y, source.z, 1.0]
            else:
                values = list(source)
        else:
            values = list(args)
        if len(values) not in (0, 2, 3, 4):
            raise TypeError("MPoint() takes 0, 2, 3 or 4 numbers, or a point, vector or sequence")
        values = [_number(v) for v in values] + [0.0, 0.0, 0.0, 1.0][len(values):]
        self.x, self.y, self.z, self.w = values

    def __getitem__(self, i):
        return (self.x, self.y, self.z, self.w)[i]

    def __setitem__(self, i, value):
        setattr(self, "xyzw"[i], _number(value))

    def __len__(self):
        return 4

    def __add__(self, other):
        return MPoint(self.x + other[0], self.y + other[1], self.z + other[2], self.w)

    def __sub__(self, other):
        if isinstance(other, MPoint):
            return MVector(self.x - other.x, self.y - other.y, self.z - other.z)
        return MPoint(self.x - other[0], self.y - other[1], self.z - other[2], self.w)

    def __mul__(self, other):
        if isinstance(other, MMatrix):
            return MPoint(*_matrix.transform_point([self.x, self.y, self.z, self.w], other._m))
        factor = _number(other)
        return MPoint(self.x * factor, self.y * factor, self.z * factor, self.w)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self * (1.0 / _number(other))

    def __eq__(self, other):
        return isinstance(other, MPoint) and self.isEquivalent(other)

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        return f"maya.api.OpenMaya.MPoint({self.x:g}, {self.y:g}, {self.z:g}, {self.w:g})"

    def __str__(self):
        return f"({self.x:g}, {self.y:g}, {self.z:g}, {self.w:g})"

    def isEquivalent(self, other, tolerance=kTolerance):
        return all(abs(a - b) <= tolerance for a, b in zip(self, other))

    def distanceTo(self, other):
        return (self - other).length()

    def cartesianize(self):
        if self.w not in (0.0, 1.0):
            self.x, self.y, self.z, self.w = self.x / self.w, self.y / self.w, self.z / self.w, 1.0
        return self

    def rationalize(self):
        if self.w not in (0.0, 1.0):
            self.x, self.y, self.z = self.x / self.w, self.y / self.w, self.z / self.w
        return self

    def homogenize(self):
        self.x, self.y, self.z = self.x * self.w, self.y * self.w, self.z * self.w
        return self


MPoint.kOrigin = MPoint(0, 0, 0)


class MMatrix:
    """4x4 matrix with double-precision elements, row-major; ``m[i]`` is element i, ``m.getElement(r, c)``."""
    kTolerance = 1e-10

    def __init__(self, *args):
        if not args:
            self._m = _matrix.identity()
            return
        source = args[0] if len(args) == 1 else args
        if isinstance(source, MMatrix):
            values = list(source._m)
        else:
            source = list(source)
            values = [v for row in source for v in row] if source and not isinstance(source[0], (int, float)) \
                else source
        if len(values) != 16:
            raise TypeError("MMatrix() takes 16 numbers, 4 rows of 4, or another matrix")
        self._m = [_number(v) for v in values]

    def __getitem__(self, index):
        if isinstance(index, tuple):
            return self.getElement(*index)
        return self._m[index]

    def __setitem__(self, index, value):
        if isinstance(index, tuple):
            self.setElement(index[0], index[1], value)
        else:
            self._m[index] = _number(value)

    def __len__(self):
        return 16

    def __mul__(self, other):
        if isinstance(other, MMatrix):
            return MMatrix(_matrix.mul(self._m, other._m))
        return MMatrix([v * _number(other) for v in self._m])

    def __eq__(self, other):
        return isinstance(other, MMatrix) and self.isEquivalent(other)

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        return "maya.api.OpenMaya.MMatrix(" + str(self) + ")"

    def __str__(self):
        rows = [", ".join(f"{v:g}" for v in self._m[r * 4:r * 4 + 4]) for r in range(4)]
        return "(" + ", ".join(f"({row})" for row in rows) + ")"

    def getElement(self, row, column):
        return self._m[row * 4 + column]

    def setElement(self, row, column, value):
        self._m[row * 4 + column] = _number(value)
        return self

    def setToIdentity(self):
        self._m = _matrix.identity()
        return self

    def inverse(self):
        return MMatrix(_matrix.inverse(self._m))

    def transpose(self):
        return MMatrix(_matrix.transpose(self._m))

    def isEquivalent(self, other, tolerance=kTolerance):
        return all(abs(a - b) <= tolerance for a, b in zip(self._m, other._m))

    def det4x4(self):
        m = self._m
        return sum((-1) ** c * m[c] * _det3([m[r * 4 + k] for r in range(1, 4) for k in range(4) if k != c])
                   for c in range(4))

    def det3x3(self):
        return _det3([self._m[r * 4 + c] for r in range(3) for c in range(3)])


def _det3(m):
    return (m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
            + m[2] * (m[3] * m[7] - m[4] * m[6]))


MMatrix.kIdentity = MMatrix()


# ------------------------------------------------------------------------------------------------- arrays


class _Array:
    """A typed, mutable sequence (Maya's M*Array): one convert() per element type."""

    def __init__(self, *args):
        if not args:
            self._items = []
        elif len(args) == 2 and isinstance(args[0], int) and not isinstance(args[0], bool):
            self._items = [self._convert(args[1]) for _ in range(args[0])]
        elif len(args) == 1 and isinstance(args[0], int) and not isinstance(args[0], bool):
            self._items = [self._default() for _ in range(args[0])]
        elif len(args) == 1:
            self._items = [self._convert(v) for v in args[0]]
        else:
            raise TypeError(f"{type(self).__name__}() takes a sequence, a length, or a length and an initial value")

    def _default(self):
        return self._convert(0)

    def __len__(self):
        return len(self._items)

    def __iter__(self):  # Maya's arrays iterate in C; so does this
        return iter(self._items)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(self._items[index])
        if not -len(self._items) <= index < len(self._items):
            raise IndexError(f"{type(self).__name__} index out of range")
        return self._items[index]

    def __setitem__(self, index, value):
        if not -len(self._items) <= index < len(self._items):
            raise IndexError(f"{type(self).__name__} index out of range")
        self._items[index] = self._convert(value)

    def __delitem__(self, index):
        del self._items[index]

    def __contains__(self, value):
        return any(item == value for item in self._items)

    def __add__(self, other):
        return type(self)(list(self._items) + [self._convert(v) for v in other])

    def __iadd__(self, other):
        self._items += [self._convert(v) for v in other]
        return self

    def __mul__(self, count):
        return type(self)(self._items * count)

    __rmul__ = __mul__

    def __imul__(self, count):
        self._items *= count
        return self

    def __repr__(self):
        return f"maya.api.OpenMaya.{type(self).__name__}({self})"

    def __str__(self):
        return "[" + ", ".join(str(v) for v in self._items) + "]"

    def append(self, value):
        self._items.append(self._convert(value))
        return self

    def clear(self):
        self._items = []
        return self

    def copy(self, source):
        self._items = [self._convert(v) for v in source]
        return self

    def insert(self, value, index):
        self._items.insert(index, self._convert(value))
        return self

    def remove(self, index):
        del self._items[index]
        return self

    def setLength(self, length):
        self._items = self._items[:length] + [self._default() for _ in range(length - len(self._items))]
        return self


class MIntArray(_Array):
    """Array of int values."""

    @staticmethod
    def _convert(value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"an integer is required, not {type(value).__name__}")
        return value


class MFloatArray(_Array):
    """Array of float values (single precision)."""

    @staticmethod
    def _convert(value):
        return f32([_number(value)])[0]


class MDoubleArray(_Array):
    """Array of double values."""
    _convert = staticmethod(_number)


class MPointArray(_Array):
    """Array of MPoint values (also accepts vectors and sequences of 3 or 4 numbers)."""

    @staticmethod
    def _convert(value):
        return MPoint(value)

    def _default(self):
        return MPoint()


class MVectorArray(_Array):
    """Array of MVector values."""

    @staticmethod
    def _convert(value):
        return MVector(value)

    def _default(self):
        return MVector()


class MFloatVectorArray(_Array):
    """Array of MFloatVector values."""

    @staticmethod
    def _convert(value):
        return MFloatVector(value)

    def _default(self):
        return MFloatVector()
