"""Cooking: what each SOP computes, run when its geometry is asked for and it (or an input) changed.

Generators follow Houdini's conventions (Y up, right-handed, every face clockwise seen from outside):
``box`` (8 points, 6 quads), ``sphere`` (``type`` "prim": one sphere primitive; "poly"/"polymesh": a geodesic
sphere of 20·freq² triangles), ``grid`` (rows × cols points, quads facing the plane's normal). ``xform``
transforms its input, ``merge`` joins its inputs, ``null`` passes input 0 on, ``stash`` outputs the geometry
held in its ``stash`` parameter, and ``python`` runs its ``python`` parameter's code with ``hou.pwd()`` set to
the node and that node's geometry writable (starting as a copy of input 0), as Houdini's Python SOP does.
``attribwrangle`` passes its input on with a warning: VEX is not simulated. A failing cook leaves the node
with errors (``node.errors()``, ``node.cook()`` raises ``hou.OperationFailed``) and empty geometry.
"""
import array
import math
import sys
import traceback

from . import _mathtypes
from ._geodata import GeoData
from ._scene import SCENE

__all__ = []

_ORDERS = ("srt", "str", "rst", "rts", "tsr", "trs")
_ROT_ORDERS = ("xyz", "xzy", "yxz", "yzx", "zxy", "zyx")


class CookError(Exception):
    """A cook failed; the message becomes the node's error."""


def cook(node, force=False):
    """Cook ``node`` if it is dirty (or ``force``); SOPs recook their inputs first."""
    if node.cooking or not (node.dirty or force):
        return
    if node.typedef.category == "Sop":
        _cook_sop(node)
    node.cook_count += 1
    node.dirty = False


def _cook_sop(node):
    if node.geo is None:
        node.geo = GeoData()
    node.errors, node.warnings = (), ()
    try:
        inputs = []
        for connection in node.inputs:
            if connection is None:
                inputs.append(None)
                continue
            source = connection[0]
            cook(source)
            if source.errors:
                raise CookError(f"Input {source.path()} has errors")
            inputs.append(source.geo)
        if node.flags["bypass"]:
            result = inputs[0].copy() if inputs and inputs[0] is not None else GeoData()
        else:
            result = COOKERS[node.typedef.cook](node, inputs)
    except CookError as exc:
        node.errors = (str(exc),)
        result = GeoData()
    if result is not None:
        node.geo.assign(result)


def _input(inputs, index=0):
    return inputs[index].copy() if len(inputs) > index and inputs[index] is not None else GeoData()


def _vec(node, name):
    return tuple(node.values[name + axis] for axis in "xyz")


def build_transform(node):
    """The matrix of a node's transform parameters (xOrd, rOrd, t, r, s, p, scale), as Houdini composes it:
    the steps in ``xOrd`` order, scale and rotation about the pivot ``p``."""
    values = node.values
    pivot = _vec(node, "p") if "px" in values else (0.0, 0.0, 0.0)
    to_pivot, from_pivot = _mathtypes.translate([-v for v in pivot]), _mathtypes.translate(pivot)
    steps = {"s": to_pivot * _mathtypes.scale([v * values.get("scale", 1.0) for v in _vec(node, "s")]) * from_pivot,
             "r": to_pivot * _mathtypes.rotate(_vec(node, "r"), _ROT_ORDERS[values.get("rOrd", 0)]) * from_pivot,
             "t": _mathtypes.translate(_vec(node, "t"))}
    matrix = _mathtypes.Matrix4(1)
    for step in _ORDERS[values.get("xOrd", 0)]:
        matrix = matrix * steps[step]
    return matrix


def transform_data(data, matrix):
    """Transform positions by ``matrix`` and normals (``N``, or attributes marked as normals) by its inverse
    transpose."""
    positions = data.attribs["point"]["P"].values
    rows = matrix.asTupleOfTuples()
    for i in range(0, len(positions), 3):
        x, y, z = positions[i:i + 3]
        positions[i:i + 3] = array.array("f", [x * rows[0][j] + y * rows[1][j] + z * rows[2][j] + rows[3][j]
                                                   for j in range(3)])
    try:
        normal_rows = matrix.inverted().transposed().asTupleOfTuples()
    except Exception:
        return
    for attribs in (data.attribs["point"], data.attribs["vertex"], data.attribs["prim"]):
        for attrib in attribs.values():
            if attrib.dtype == "float" and attrib.size == 3 and (attrib.normal or attrib.name == "N"):
                values = attrib.values
                for i in range(0, len(values), 3):
                    x, y, z = values[i:i + 3]
                    n = [x * normal_rows[j][0] + y * normal_rows[j][1] + z * normal_rows[j][2] for j in range(3)]
                    length = math.sqrt(sum(c * c for c in n)) or 1.0
                    values[i:i + 3] = array.array("f", [c / length for c in n])


def _newell(points):
    nx = ny = nz = 0.0
    for (x0, y0, z0), (x1, y1, z1) in zip(points, points[1:] + points[:1]):
        nx += (y0 - y1) * (z0 + z1)
        ny += (z0 - z1) * (x0 + x1)
        nz += (x0 - x1) * (y0 + y1)
    return nx, ny, nz


def _clockwise(loop, positions, outward):
    """``loop`` ordered clockwise as seen from the ``outward`` side (Houdini's front), first vertex kept."""
    normal = _newell([positions[i] for i in loop])
    if sum(a * b for a, b in zip(normal, outward)) > 0:  # counter-clockwise from outside: reverse
        return [loop[0]] + loop[:0:-1]
    return loop


def _finish(data, positions, loops, matrix):
    flat = [c for p in positions for c in p]
    data.add_points(len(positions), array.array("f", flat))
    for loop in loops:
        data.add_polygon(loop)
    transform_data(data, matrix)
    return data


def _placement(node, size=(1.0, 1.0, 1.0)):
    scale = node.values.get("scale", 1.0)
    return (_mathtypes.scale([s * scale for s in size]) * _mathtypes.rotate(_vec(node, "r"))
            * _mathtypes.translate(_vec(node, "t")))


def _require(node, supported):
    kind = node.typedef.parm_tuples["type"].menu[node.values["type"]][0]
    if kind not in supported:
        raise CookError(f"The stand-in's {node.typedef.name} SOP does not simulate primitive type {kind!r} "
                        f"(simulated: {', '.join(supported)})")
    return kind


def _box(node, inputs):
    _require(node, ("poly", "polymesh", "prim"))
    corners = [(x, y, z) for y in (-0.5, 0.5) for z, x in ((-0.5, -0.5), (-0.5, 0.5), (0.5, 0.5), (0.5, -0.5))]
    faces = {(0, -1, 0): [0, 1, 2, 3], (0, 1, 0): [4, 5, 6, 7], (0, 0, -1): [0, 1, 5, 4],
             (0, 0, 1): [3, 2, 6, 7], (-1, 0, 0): [0, 3, 7, 4], (1, 0, 0): [1, 2, 6, 5]}
    loops = [_clockwise(loop, corners, outward) for outward, loop in faces.items()]
    return _finish(GeoData(), corners, loops, _placement(node, _vec(node, "size")))


def _icosphere(frequency):
    t = (1.0 + math.sqrt(5.0)) / 2.0
    base = [(-1, t, 0), (1, t, 0), (-1, -t, 0), (1, -t, 0), (0, -1, t), (0, 1, t), (0, -1, -t), (0, 1, -t),
            (t, 0, -1), (t, 0, 1), (-t, 0, -1), (-t, 0, 1)]
    faces = [(0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4), (11, 10, 2),
             (10, 7, 6), (7, 1, 8), (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8), (3, 8, 9), (4, 9, 5), (2, 4, 11),
             (6, 2, 10), (8, 6, 7), (9, 8, 1)]
    positions, index, triangles = [], {}, []

    def point(p):
        length = math.sqrt(sum(c * c for c in p))
        unit = tuple(c / length for c in p)
        key = tuple(round(c, 9) for c in unit)
        if key not in index:
            index[key] = len(positions)
            positions.append(unit)
        return index[key]

    n = max(1, int(frequency))
    for a, b, c in faces:
        pa, pb, pc = base[a], base[b], base[c]

        def at(i, j):
            return tuple(pa[k] + (pb[k] - pa[k]) * i / n + (pc[k] - pa[k]) * j / n for k in range(3))

        for i in range(n):
            for j in range(n - i):
                triangles.append([point(at(i, j)), point(at(i + 1, j)), point(at(i, j + 1))])
                if i + j < n - 1:
                    triangles.append([point(at(i + 1, j)), point(at(i + 1, j + 1)), point(at(i, j + 1))])
    return positions, triangles


def _sphere(node, inputs):
    kind = _require(node, ("prim", "poly", "polymesh"))
    matrix = _placement(node, _vec(node, "rad"))
    data = GeoData()
    if kind == "prim":
        data.add_points(1, array.array("f", _vec(node, "t")))
        prim = data.add_prim("Sphere", True)
        data.add_vertex(prim, 0)
        return data
    positions, triangles = _icosphere(node.values["freq"])
    loops = [_clockwise(tri, positions, [sum(positions[i][k] for i in tri) for k in range(3)]) for tri in triangles]
    return _finish(data, positions, loops, matrix)


def _grid(node, inputs):
    _require(node, ("poly", "polymesh"))
    plane = ("xy", "yz", "zx")[node.values["orient"]]
    rows, cols = node.values["rows"], node.values["cols"]
    if rows < 1 or cols < 1:
        raise CookError("A grid needs at least one row and one column")
    first, second = "xyz".index(plane[0]), "xyz".index(plane[1])
    size = (node.values["sizex"], node.values["sizey"])
    positions = []
    for row in range(rows):
        for col in range(cols):
            p = [0.0, 0.0, 0.0]
            p[first] = (col / (cols - 1) - 0.5) * size[0] if cols > 1 else 0.0
            p[second] = (row / (rows - 1) - 0.5) * size[1] if rows > 1 else 0.0
            positions.append(tuple(p))
    outward = [0.0, 0.0, 0.0]
    outward[3 - first - second] = 1.0
    loops = [_clockwise([r * cols + c, r * cols + c + 1, (r + 1) * cols + c + 1, (r + 1) * cols + c],
                        positions, outward) for r in range(rows - 1) for c in range(cols - 1)]
    return _finish(GeoData(), positions, loops, _placement(node))


def _null(node, inputs):
    return _input(inputs)


def _xform(node, inputs):
    data = _input(inputs)
    transform_data(data, build_transform(node))
    return data


def _merge(node, inputs):
    data = GeoData()
    for geo in inputs:
        if geo is not None:
            data.merge(geo)
    return data


def _attribwrangle(node, inputs):
    node.warnings = ("The Houdini stand-in does not run VEX: the input passes through unchanged",)
    return _input(inputs)


def _stash(node, inputs):
    stored = node.values["stash"]
    return stored.copy() if stored is not None else GeoData()


def _python(node, inputs):
    from ._errors import NodeError, NodeWarning

    node.geo.assign(_input(inputs))
    SCENE.pwd_stack.append(node)
    node.cooking = True
    try:
        code = compile(node.values["python"], f"{node.path()}/python", "exec")
        exec(code, {"hou": sys.modules["hou"], "__name__": "__main__"})
    except NodeWarning as warning:
        node.warnings = (warning.instanceMessage(),)
    except NodeError as error:
        node.geo.clear()
        raise CookError(error.instanceMessage()) from None
    except Exception:
        node.geo.clear()
        raise CookError("Error running Python code:\n" + traceback.format_exc()) from None
    finally:
        node.cooking = False
        SCENE.pwd_stack.pop()
    return None  # the code wrote node.geo in place


COOKERS = {"box": _box, "sphere": _sphere, "grid": _grid, "null": _null, "xform": _xform, "merge": _merge,
           "attribwrangle": _attribwrangle, "stash": _stash, "python": _python}


def press_button(node, parm_name):
    """A button parameter pressed: a Stash SOP's "Stash Input" stores its input's geometry."""
    if node.typedef.name == "stash" and parm_name == "stashinput" and node.typedef.category == "Sop":
        connection = node.inputs[0] if node.inputs else None
        if connection is not None:
            cook(connection[0])
            node.values["stash"] = connection[0].geo.copy()
        else:
            node.values["stash"] = None
        from ._scene import mark_dirty

        mark_dirty(node)
    SCENE.touch(node)
