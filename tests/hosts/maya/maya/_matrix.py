"""4x4 matrices as Maya uses them: row vectors (``p' = p * M``), row-major lists of 16 floats.

A transform's local matrix is ``S * R * T`` (pivots and shear are not modelled); its world matrix is
``local * parent_world``. Rotations are in degrees at this level (Maya's default angle unit) and composed in the
node's rotate order: order ``xyz`` (0) means ``Rx * Ry * Rz``, i.e. rotate about X first.
"""
import math

IDENTITY = (1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)
ROTATE_ORDERS = ("xyz", "yzx", "zxy", "xzy", "yxz", "zyx")  # the rotateOrder enum, in Maya's order


def identity():
    return list(IDENTITY)


def mul(a, b):
    return [sum(a[r * 4 + k] * b[k * 4 + c] for k in range(4)) for r in range(4) for c in range(4)]


def transpose(m):
    return [m[c * 4 + r] for r in range(4) for c in range(4)]


def inverse(m):
    """Gauss-Jordan inverse; raises ValueError for a singular matrix."""
    a = [list(m[r * 4:r * 4 + 4]) + [1.0 if r == c else 0.0 for c in range(4)] for r in range(4)]
    for col in range(4):
        pivot = max(range(col, 4), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-12:
            raise ValueError("singular matrix")
        a[col], a[pivot] = a[pivot], a[col]
        scale = a[col][col]
        a[col] = [v / scale for v in a[col]]
        for r in range(4):
            if r != col and a[r][col]:
                factor = a[r][col]
                a[r] = [v - factor * p for v, p in zip(a[r], a[col])]
    return [a[r][4 + c] for r in range(4) for c in range(4)]


def _axis_rotation(axis, degrees):
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    if axis == "x":
        return [1, 0, 0, 0, 0, c, s, 0, 0, -s, c, 0, 0, 0, 0, 1]
    if axis == "y":
        return [c, 0, -s, 0, 0, 1, 0, 0, s, 0, c, 0, 0, 0, 0, 1]
    return [c, s, 0, 0, -s, c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]


def rotation(degrees, order=0):
    """The rotation matrix of Euler angles (x, y, z) in degrees, in rotate order ``order`` (int or 'xyz')."""
    order = ROTATE_ORDERS[order] if isinstance(order, int) else order
    result = identity()
    for axis in order:
        result = mul(result, _axis_rotation(axis, degrees["xyz".index(axis)]))
    return result


def compose(translate, rotate, scale, order=0):
    s = [scale[0], 0, 0, 0, 0, scale[1], 0, 0, 0, 0, scale[2], 0, 0, 0, 0, 1]
    m = mul(s, rotation(rotate, order))
    m[12], m[13], m[14] = float(translate[0]), float(translate[1]), float(translate[2])
    return [float(v) for v in m]


def decompose(m, order=0):
    """(translate, rotate in degrees, scale) of a matrix without shear, for rotate order xyz only."""
    if (ROTATE_ORDERS[order] if isinstance(order, int) else order) != "xyz":
        raise NotImplementedError("the Maya stand-in decomposes matrices in rotate order xyz only")
    rows = [m[0:3], m[4:7], m[8:11]]
    scale = [math.sqrt(sum(v * v for v in row)) for row in rows]
    det = (rows[0][0] * (rows[1][1] * rows[2][2] - rows[1][2] * rows[2][1])
           - rows[0][1] * (rows[1][0] * rows[2][2] - rows[1][2] * rows[2][0])
           + rows[0][2] * (rows[1][0] * rows[2][1] - rows[1][1] * rows[2][0]))
    if det < 0:
        scale[0] = -scale[0]
    r = [[v / s if s else 0.0 for v in row] for row, s in zip(rows, scale)]
    sy = max(-1.0, min(1.0, -r[0][2]))
    ry = math.asin(sy)
    if abs(sy) < 1.0 - 1e-9:
        rx = math.atan2(r[1][2], r[2][2])
        rz = math.atan2(r[0][1], r[0][0])
    else:  # gimbal lock: put it all in X
        rx = math.atan2(-r[2][1], r[1][1])
        rz = 0.0
    rotate = [_clean(math.degrees(a)) for a in (rx, ry, rz)]
    return [float(m[12]), float(m[13]), float(m[14])], rotate, [_clean(s) for s in scale]


def _clean(value):
    """Round away float noise (1e-15 and 0.9999999999999998) the way Maya's printed values look."""
    rounded = round(value, 12)
    return 0.0 if rounded == 0 else rounded


def transform_point(p, m):
    x, y, z = p[0], p[1], p[2]
    w = p[3] if len(p) > 3 else 1.0
    return [x * m[c] + y * m[4 + c] + z * m[8 + c] + w * m[12 + c] for c in range(4)]


def transform_vector(v, m):
    return [v[0] * m[c] + v[1] * m[4 + c] + v[2] * m[8 + c] for c in range(3)]


def transform_normal(n, m):
    """A normal through the inverse transpose of ``m``, normalised."""
    inv = inverse(m)
    out = [n[0] * inv[c * 4] + n[1] * inv[c * 4 + 1] + n[2] * inv[c * 4 + 2] for c in range(3)]
    return normalized(out)


def normalized(v):
    length = math.sqrt(sum(c * c for c in v))
    return [c / length for c in v] if length else [0.0, 0.0, 0.0]
