"""``hou.Geometry``: a view onto ``GeoData`` with Houdini's permissions and bulk attribute access.

A SOP's ``geometry()`` is read-only (``hou.GeometryPermissionError`` on any change) except while that SOP
cooks its own Python code (``hou.pwd().geometry()`` in a Python SOP); ``hou.Geometry()`` and ``freeze()``
give writable geometry of one's own. The bulk calls copy whole attributes at once:
``pointFloatAttribValuesAsString("P")`` returns packed float32 bytes in the machine's byte order, as Houdini's
does, and ``setPointFloatAttribValuesFromString`` takes them back.
"""
import array
import itertools
import numbers
import struct

from ._elements import Point, find_attrib, make_attrib, make_point, make_prim
from ._enums import attribScope, attribType, numericData
from ._errors import GeometryPermissionError, InvalidSize, ObjectWasDeleted, OperationFailed
from ._geodata import GeoData

__all__ = ["Geometry"]

OWNER_OF = {attribType.Point: "point", attribType.Vertex: "vertex", attribType.Prim: "prim",
            attribType.Global: "global"}
_FLOAT_CODES = {numericData.Float32: "f", numericData.Float64: "d", numericData.Float16: "e"}


def make_geometry(data, read_only=False, sop=None):
    geo = object.__new__(Geometry)
    geo._data, geo._read_only, geo._sop = data, read_only, sop
    return geo


class _Elements:
    """What ``iterPoints()``/``iterPrims()`` return: a lazy sequence of element views."""

    def __init__(self, geo, count, make):
        self._geo, self._count, self._make = geo, count, make

    def __len__(self):
        return self._count

    def __getitem__(self, index):
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("element index out of range")
        return self._make(self._geo, index)

    def __iter__(self):
        return (self._make(self._geo, i) for i in range(self._count))


def _pack(values, float_type):
    code = _FLOAT_CODES.get(float_type)
    if code is None:
        raise OperationFailed(f"float_type must be a float hou.numericData value, not {float_type}")
    if code == "f" and values.typecode == "f":
        return values.tobytes()
    if code == "e":
        return struct.pack(f"{len(values)}e", *values)
    return array.array(code, values).tobytes()


def _unpack(data, float_type):
    code = _FLOAT_CODES.get(float_type)
    if code is None:
        raise OperationFailed(f"float_type must be a float hou.numericData value, not {float_type}")
    data = bytes(data)
    width = struct.calcsize(code)
    if len(data) % width:
        raise InvalidSize(f"{len(data)} bytes is not a whole number of {width}-byte values")
    if code == "e":
        return array.array("f", struct.unpack(f"{len(data) // 2}e", data))
    values = array.array(code)
    values.frombytes(data)
    return values if code == "f" else array.array("f", values)


class Geometry:
    def __init__(self, geo=None, clone_data_ids=False):
        self._data = GeoData() if geo is None else geo._data.copy()
        self._read_only, self._sop = False, None

    # ---------------------------------------------------------------------------------- permissions

    def _check_alive(self):
        if self._sop is not None and self._sop.deleted:
            raise ObjectWasDeleted()

    def _check_writable(self):
        if self._read_only and not (self._sop is not None and self._sop.cooking):
            raise GeometryPermissionError("Geometry is read-only" + (
                f": it is the output of {self._sop.path()}; use hou.Geometry.freeze() for a writable copy"
                if self._sop is not None else ""))

    def _where(self):
        return f" in {self._sop.path()}" if self._sop is not None else ""

    def __repr__(self):
        return f"<hou.Geometry{self._where() or ' frozen'} at {hex(id(self))}>"

    def isReadOnly(self):
        return self._read_only and not (self._sop is not None and self._sop.cooking)

    def sopNode(self):
        from ._scene import wrap

        return wrap(self._sop)

    def freeze(self, read_only=False, clone_data_ids=False):
        return make_geometry(self._data.copy(), read_only=read_only)

    # ------------------------------------------------------------------------------------- elements

    def pointCount(self):
        return self._data.npoints

    def primCount(self):
        return len(self._data.prim_types)

    def vertexCount(self):
        return len(self._data.vertex_points)

    def points(self):
        return tuple(make_point(self, i) for i in range(self._data.npoints))

    def iterPoints(self):
        return _Elements(self, self._data.npoints, make_point)

    def point(self, index):
        return make_point(self, index) if 0 <= index < self._data.npoints else None

    def prims(self):
        return tuple(make_prim(self, i) for i in range(len(self._data.prim_types)))

    def iterPrims(self):
        return _Elements(self, len(self._data.prim_types), make_prim)

    def prim(self, index):
        return make_prim(self, index) if 0 <= index < len(self._data.prim_types) else None

    def primsOfType(self, prim_type):
        name = prim_type.name()
        return tuple(make_prim(self, i) for i, kind in enumerate(self._data.prim_types) if kind == name)

    def countPrimType(self, type_or_name):
        name = type_or_name if isinstance(type_or_name, str) else type_or_name.name()
        return sum(1 for kind in self._data.prim_types if kind == name)

    def intrinsicNames(self):
        return ("pointcount", "primitivecount", "vertexcount")

    def intrinsicValue(self, intrinsic_name):
        values = {"pointcount": self.pointCount(), "primitivecount": self.primCount(),
                  "vertexcount": self.vertexCount()}
        if intrinsic_name not in values:
            raise OperationFailed(f"Invalid intrinsic name: {intrinsic_name}")
        return values[intrinsic_name]

    # --------------------------------------------------------------------------------------- making

    def createPoint(self):
        self._check_writable()
        return make_point(self, self._data.add_points(1))

    def createPoints(self, point_positions):
        self._check_writable()
        count = len(point_positions)
        flat = array.array("f", itertools.chain.from_iterable(point_positions))
        if len(flat) != 3 * count:
            raise InvalidSize("each point position needs 3 components")
        first = self._data.add_points(count, flat)
        return tuple(make_point(self, i) for i in range(first, first + count))

    def createPolygon(self, is_closed=True):
        self._check_writable()
        return make_prim(self, self._data.add_prim("Polygon", is_closed))

    def createPolygons(self, point_positions, is_closed=True):
        """One polygon per sequence of points (``hou.Point`` objects or point numbers), vertices in that order."""
        self._check_writable()
        data, made = self._data, []
        for loop in point_positions:
            numbers_ = []
            for point in loop:
                number = point._index if isinstance(point, Point) else int(point)
                if isinstance(point, Point) and point._geo._data is not data:
                    raise OperationFailed("The points must belong to this geometry")
                if not 0 <= number < data.npoints:
                    raise OperationFailed(f"Invalid point number {number}")
                numbers_.append(number)
            made.append(data.add_polygon(numbers_, is_closed))
        return tuple(make_prim(self, i) for i in made)

    def clear(self):
        self._check_writable()
        self._data.clear()

    def merge(self, geometry, clone_data_ids=False, prims=None):
        self._check_writable()
        self._data.merge(geometry._data)

    def copy(self, geometry, clone_data_ids=False, prims=None):
        self._check_writable()
        self._data.assign(geometry._data)

    def transform(self, matrix):
        self._check_writable()
        from ._sops import transform_data

        transform_data(self._data, matrix)

    # ------------------------------------------------------------------------------------ attributes

    def addAttrib(self, type, name, default_value, transform_as_normal=False, create_local_variable=True):
        self._check_writable()
        owner = OWNER_OF.get(type)
        if owner is None:
            raise OperationFailed(f"type must be a hou.attribType value, not {type!r}")
        if not isinstance(name, str) or not name:
            raise OperationFailed("Invalid attribute name")
        if name in self._data.attribs[owner]:
            raise OperationFailed(f"Attribute {name!r} already exists")
        values = list(default_value) if isinstance(default_value, (tuple, list)) else [default_value]
        if not values:
            raise OperationFailed("The default value may not be empty")
        if all(isinstance(v, str) for v in values):
            dtype = "string"
        elif all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values):
            dtype = "int"
        elif all(isinstance(v, numbers.Real) for v in values):
            dtype, values = "float", [float(v) for v in values]
        else:
            raise OperationFailed(f"Unsupported default value {default_value!r}")
        made = self._data.add_attrib(owner, name, dtype, len(values), values, bool(transform_as_normal))
        return make_attrib(self, made)

    def _find(self, owner, name):
        attrib = self._data.attribs[owner].get(name)
        return None if attrib is None else make_attrib(self, attrib)

    def findPointAttrib(self, name, scope=attribScope.Public):
        return self._find("point", name)

    def findVertexAttrib(self, name, scope=attribScope.Public):
        return self._find("vertex", name)

    def findPrimAttrib(self, name, scope=attribScope.Public):
        return self._find("prim", name)

    def findGlobalAttrib(self, name, scope=attribScope.Public):
        return self._find("global", name)

    def pointAttribs(self, scope=attribScope.Public):
        return tuple(make_attrib(self, a) for a in self._data.attribs["point"].values())

    def vertexAttribs(self, scope=attribScope.Public):
        return tuple(make_attrib(self, a) for a in self._data.attribs["vertex"].values())

    def primAttribs(self, scope=attribScope.Public):
        return tuple(make_attrib(self, a) for a in self._data.attribs["prim"].values())

    def globalAttribs(self, scope=attribScope.Public):
        return tuple(make_attrib(self, a) for a in self._data.attribs["global"].values())

    def attribValue(self, name_or_attrib):
        return find_attrib(self, "global", name_or_attrib).element(0)

    def floatAttribValue(self, name_or_attrib):
        attrib = find_attrib(self, "global", name_or_attrib)
        if attrib.dtype != "float" or attrib.size != 1:
            raise OperationFailed(f"Attribute {attrib.name} is not a single float")
        return attrib.element(0)

    def setGlobalAttribValue(self, name_or_attrib, attrib_value):
        self._check_writable()
        attrib = find_attrib(self, "global", name_or_attrib)
        try:
            attrib.set_element(0, attrib_value)
        except (TypeError, ValueError) as exc:
            raise OperationFailed(str(exc)) from None

    # ------------------------------------------------------------------------------ bulk attributes

    def _numeric(self, owner, name, dtype):
        attrib = find_attrib(self, owner, name)
        if attrib.dtype != dtype:
            raise OperationFailed(f"Attribute {name} is not a {dtype} attribute")
        return attrib

    def _read(self, owner, name, dtype):
        return tuple(self._data.values(owner, self._numeric(owner, name, dtype)))

    def _read_bytes(self, owner, name, float_type):
        return _pack(self._data.values(owner, self._numeric(owner, name, "float")), float_type)

    def _write(self, owner, name, values):
        self._check_writable()
        attrib = self._numeric(owner, name, "float")
        flat = values if isinstance(values, array.array) and values.typecode == "f" else \
            array.array("f", [float(v) for v in values])
        expected = self._data.count(owner) * attrib.size
        if len(flat) != expected:
            raise InvalidSize(f"{name} needs {expected} values ({self._data.count(owner)} elements of "
                              f"{attrib.size}), got {len(flat)}")
        self._data.set_values(owner, attrib, flat)

    def pointFloatAttribValues(self, name):
        return self._read("point", name, "float")

    def primFloatAttribValues(self, name):
        return self._read("prim", name, "float")

    def vertexFloatAttribValues(self, name):
        return self._read("vertex", name, "float")

    def pointIntAttribValues(self, name):
        return self._read("point", name, "int")

    def primIntAttribValues(self, name):
        return self._read("prim", name, "int")

    def vertexIntAttribValues(self, name):
        return self._read("vertex", name, "int")

    def pointFloatAttribValuesAsString(self, name, float_type=numericData.Float32):
        return self._read_bytes("point", name, float_type)

    def primFloatAttribValuesAsString(self, name, float_type=numericData.Float32):
        return self._read_bytes("prim", name, float_type)

    def vertexFloatAttribValuesAsString(self, name, float_type=numericData.Float32):
        return self._read_bytes("vertex", name, float_type)

    def setPointFloatAttribValues(self, name, values):
        self._write("point", name, values)

    def setPrimFloatAttribValues(self, name, values):
        self._write("prim", name, values)

    def setVertexFloatAttribValues(self, name, values):
        self._write("vertex", name, values)

    def setPointFloatAttribValuesFromString(self, name, values, float_type=numericData.Float32):
        self._write("point", name, _unpack(values, float_type))

    def setPrimFloatAttribValuesFromString(self, name, values, float_type=numericData.Float32):
        self._write("prim", name, _unpack(values, float_type))

    def setVertexFloatAttribValuesFromString(self, name, values, float_type=numericData.Float32):
        self._write("vertex", name, _unpack(values, float_type))

