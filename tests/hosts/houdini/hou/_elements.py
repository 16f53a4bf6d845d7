"""Geometry elements: ``hou.Point``, ``hou.Prim`` (``hou.Face``, ``hou.Polygon``), ``hou.Vertex``, ``hou.Attrib``.

Views onto a ``hou.Geometry``'s data by number; two views are equal when they name the same element of the same
geometry. Setters obey the geometry's permission (``hou.GeometryPermissionError`` on a SOP's read-only output).
``Face.normal()`` follows Houdini's winding: a face whose vertices run clockwise seen from the front faces you.
"""
from ._enums import attribData, attribType, numericData, primType
from ._errors import OperationFailed
from ._mathtypes import Vector3

__all__ = ["Point", "Prim", "Face", "Polygon", "Vertex", "Attrib"]

ATTRIB_TYPES = {"point": attribType.Point, "vertex": attribType.Vertex, "prim": attribType.Prim,
                "global": attribType.Global}
DATA_TYPES = {"float": attribData.Float, "int": attribData.Int, "string": attribData.String}


def _no_constructor(self, *args, **kwargs):
    raise AttributeError("No constructor defined")


def _view(cls, geo, index, **extra):
    view = object.__new__(cls)
    view._geo, view._index = geo, index
    view.__dict__.update(extra)
    return view


def make_point(geo, number, _new=object.__new__):
    view = _new(Point)
    view._geo = geo
    view._index = number
    return view


def make_prim(geo, number):
    return _view(Polygon if geo._data.prim_types[number] == "Polygon" else Prim, geo, number)


def make_vertex(geo, prim, index):
    return _view(Vertex, geo, geo._data.prim_vertices[prim][index], _prim=prim, _number=index)


def make_attrib(geo, attrib):
    return _view(Attrib, geo, attrib.name, _owner=attrib.owner)


def find_attrib(geo, owner, name_or_attrib):
    name = name_or_attrib.name() if isinstance(name_or_attrib, Attrib) else name_or_attrib
    attrib = geo._data.attribs[owner].get(name)
    if attrib is None:
        raise OperationFailed(f"Invalid attribute name: no {owner} attribute called {name!r}")
    return attrib


def _typed(attrib, dtype, many):
    if attrib.dtype != dtype:
        raise OperationFailed(f"Attribute {attrib.name} is not a {dtype} attribute")
    if not many and attrib.size != 1:
        raise OperationFailed(f"Attribute {attrib.name} has {attrib.size} components; use the List variant")


class _Element:
    """Attribute access shared by points, primitives and vertices (``_owner`` says which)."""

    _owner = ""

    def _check_alive(self):
        self._geo._check_alive()

    def _slot(self):
        return self._index

    def __eq__(self, other):
        return type(other) is type(self) and other._geo._data is self._geo._data and other._index == self._index

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((id(self._geo._data), self._owner, self._index))

    def geometry(self):
        return self._geo

    def attribType(self):
        return ATTRIB_TYPES[self._owner]

    def attribValue(self, attrib):
        return find_attrib(self._geo, self._owner, attrib).element(self._slot())

    def setAttribValue(self, name_or_attrib, attrib_value):
        self._geo._check_writable()
        attrib = find_attrib(self._geo, self._owner, name_or_attrib)
        try:
            attrib.set_element(self._slot(), attrib_value)
        except (TypeError, ValueError) as exc:
            raise OperationFailed(str(exc)) from None

    def _value(self, name_or_attrib, dtype, many):
        attrib = find_attrib(self._geo, self._owner, name_or_attrib)
        _typed(attrib, dtype, many)
        value = attrib.element(self._slot())
        return (tuple(value) if attrib.size > 1 else (value,)) if many else value

    def floatAttribValue(self, name_or_attrib):
        return self._value(name_or_attrib, "float", False)

    def floatListAttribValue(self, name_or_attrib):
        return self._value(name_or_attrib, "float", True)

    def intAttribValue(self, name_or_attrib):
        return self._value(name_or_attrib, "int", False)

    def intListAttribValue(self, name_or_attrib):
        return self._value(name_or_attrib, "int", True)

    def stringAttribValue(self, name_or_attrib):
        return self._value(name_or_attrib, "string", False)

    def stringListAttribValue(self, name_or_attrib):
        return self._value(name_or_attrib, "string", True)


class Point(_Element):
    __init__ = _no_constructor
    _owner = "point"

    def __repr__(self):
        return f"<hou.Point #{self._index} of geometry{self._geo._where()}>"

    def number(self):
        return self._index

    def position(self):
        return Vector3(self._geo._data.position(self._index))

    def setPosition(self, position):
        self._geo._check_writable()
        values = [float(v) for v in position]
        if len(values) != 3:
            raise OperationFailed("A position has 3 components")
        self._geo._data.attribs["point"]["P"].set_element(self._index, values)

    def vertices(self):
        data = self._geo._data
        return tuple(make_vertex(self._geo, prim, i) for prim, vertices in enumerate(data.prim_vertices)
                     for i, linear in enumerate(vertices) if data.vertex_points[linear] == self._index)

    def prims(self):
        data = self._geo._data
        return tuple(make_prim(self._geo, prim) for prim, vertices in enumerate(data.prim_vertices)
                     if any(data.vertex_points[linear] == self._index for linear in vertices))


class Prim(_Element):
    __init__ = _no_constructor
    _owner = "prim"

    def __repr__(self):
        return f"<hou.{type(self).__name__} #{self._index} of geometry{self._geo._where()}>"

    def number(self):
        return self._index

    def type(self):
        return getattr(primType, self._geo._data.prim_types[self._index])

    def vertices(self):
        return tuple(make_vertex(self._geo, self._index, i)
                     for i in range(len(self._geo._data.prim_vertices[self._index])))

    def numVertices(self):
        return len(self._geo._data.prim_vertices[self._index])

    def floatAttribValue(self, attrib):
        return self._value(attrib, "float", False)

    def intAttribValue(self, attrib):
        return self._value(attrib, "int", False)

    def stringAttribValue(self, attrib):
        return self._value(attrib, "string", False)

    def intrinsicNames(self):
        return ("closed", "typename", "vertexcount")

    def intrinsicValue(self, intrinsic_name):
        data = self._geo._data
        values = {"closed": int(data.prim_closed[self._index]), "typename": data.prim_types[self._index],
                  "vertexcount": len(data.prim_vertices[self._index])}
        if intrinsic_name not in values:
            raise OperationFailed(f"Invalid intrinsic name: {intrinsic_name}")
        return values[intrinsic_name]


class Face(Prim):
    __init__ = _no_constructor

    def isClosed(self):
        return self._geo._data.prim_closed[self._index]

    def closed(self):
        return self.isClosed()

    def setIsClosed(self, on):
        self._geo._check_writable()
        self._geo._data.prim_closed[self._index] = bool(on)

    def vertex(self, index):
        count = self.numVertices()
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("Invalid vertex index")
        return make_vertex(self._geo, self._index, index)

    def addVertex(self, point):
        self._geo._check_writable()
        if not isinstance(point, Point) or point._geo._data is not self._geo._data:
            raise OperationFailed("The point must belong to this geometry")
        self._geo._data.add_vertex(self._index, point._index)
        return make_vertex(self._geo, self._index, self.numVertices() - 1)

    def normal(self):
        """Houdini's face normal: Newell's normal of the vertex loop, negated (clockwise faces the viewer)."""
        data = self._geo._data
        points = [data.position(data.vertex_points[v]) for v in data.prim_vertices[self._index]]
        nx = ny = nz = 0.0
        for (x0, y0, z0), (x1, y1, z1) in zip(points, points[1:] + points[:1]):
            nx += (y0 - y1) * (z0 + z1)
            ny += (z0 - z1) * (x0 + x1)
            nz += (x0 - x1) * (y0 + y1)
        return Vector3(-nx or 0.0, -ny or 0.0, -nz or 0.0).normalized()


class Polygon(Face):
    __init__ = _no_constructor


class Vertex(_Element):
    __init__ = _no_constructor
    _owner = "vertex"

    def __repr__(self):
        return f"<hou.Vertex #{self._number} of prim #{self._prim} of geometry{self._geo._where()}>"

    def prim(self):
        return make_prim(self._geo, self._prim)

    def point(self):
        return make_point(self._geo, self._geo._data.vertex_points[self._index])

    def number(self):
        return self._number

    def linearNumber(self):
        return self._index


class Attrib:
    __init__ = _no_constructor

    def _check_alive(self):
        self._geo._check_alive()

    def _data(self):
        attrib = self._geo._data.attribs[self._owner].get(self._index)
        if attrib is None:
            raise OperationFailed(f"The attribute {self._index} no longer exists")
        return attrib

    def __eq__(self, other):
        return isinstance(other, Attrib) and other._geo._data is self._geo._data and \
            (other._owner, other._index) == (self._owner, self._index)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((id(self._geo._data), self._owner, self._index))

    def __repr__(self):
        return f"<hou.Attrib {self._owner} {self._index}>"

    def geometry(self):
        return self._geo

    def name(self):
        return self._index

    def type(self):
        return ATTRIB_TYPES[self._owner]

    def dataType(self):
        return DATA_TYPES[self._data().dtype]

    def numericDataType(self):
        return {"float": numericData.Float32, "int": numericData.Int32}.get(self._data().dtype, numericData.Int32)

    def size(self):
        return self._data().size

    def isArrayType(self):
        return False

    def defaultValue(self):
        default = self._data().default
        return default[0] if len(default) == 1 else tuple(default)

    def isTransformedAsNormal(self):
        return self._data().normal

    def isTransformedAsVector(self):
        attrib = self._data()
        return attrib.dtype == "float" and attrib.size == 3 and (attrib.normal or attrib.name in ("P", "N", "v"))

    def strings(self):
        attrib = self._data()
        if attrib.dtype != "string":
            raise OperationFailed(f"Attribute {attrib.name} is not a string attribute")
        return tuple(dict.fromkeys(attrib.values))

    def destroy(self):
        self._geo._check_writable()
        if (self._owner, self._index) == ("point", "P"):
            raise OperationFailed("The P attribute cannot be destroyed")
        self._geo._data.attribs[self._owner].pop(self._index, None)
