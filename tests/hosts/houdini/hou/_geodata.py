"""Geometry storage behind ``hou.Geometry``: points, primitives with their vertices, and attributes.

* Points are numbered 0..n-1; every point has ``P`` (3 float32).
* A primitive has a type (``"Polygon"``, ``"Sphere"``), a closed flag and its vertices in order; vertices get a
  linear number when created and each refers to a point (``vertex_points``).
* Attributes belong to points, vertices, primitives or the detail (``OWNERS``); each is float (float32, as
  Houdini's default), int (int32) or string, with a tuple size and a default. Numeric values sit in one flat
  ``array`` per attribute (element-major: x0 y0 z0 x1 ...), so bulk reads and writes are single copies.

Vertex attribute values are read and written in primitive order (each primitive's vertices in turn), as HOM's
``vertexFloatAttribValues`` does. Nothing here checks permissions: ``hou.Geometry`` does.
"""
import array

OWNERS = ("point", "vertex", "prim", "global")
TYPECODES = {"float": "f", "int": "i"}


class AttribData:
    def __init__(self, owner, name, dtype, size, default, normal=False):
        self.owner, self.name, self.dtype, self.size = owner, name, dtype, size
        self.default = tuple(default)
        self.normal = normal
        self.values = [] if dtype == "string" else array.array(TYPECODES[dtype])

    def extend(self, count):
        if count <= 0:
            return
        if self.dtype == "string":
            self.values.extend(self.default * count)
        else:
            self.values.extend(array.array(self.values.typecode, self.default) * count)

    def element(self, index):
        """The value of element ``index``: a scalar for size 1, else a tuple."""
        values = self.values[index * self.size:(index + 1) * self.size]
        return values[0] if self.size == 1 else tuple(values)

    def set_element(self, index, value):
        items = list(value) if isinstance(value, (tuple, list)) else [value]
        if len(items) != self.size:
            raise ValueError(f"attribute {self.name} has {self.size} components, got {len(items)}")
        if self.dtype == "float":
            items = [float(v) for v in items]
        elif self.dtype == "int":
            items = [int(v) for v in items]
        else:
            items = [str(v) for v in items]
        span = slice(index * self.size, (index + 1) * self.size)
        self.values[span] = items if self.dtype == "string" else array.array(self.values.typecode, items)

    def copy(self):
        made = AttribData(self.owner, self.name, self.dtype, self.size, self.default, self.normal)
        made.values = list(self.values) if self.dtype == "string" else array.array(self.values.typecode,
                                                                                    self.values)
        return made


class GeoData:
    def __init__(self):
        self.clear()

    def clear(self):
        self.npoints = 0
        self.vertex_points = array.array("i")
        self.prim_types, self.prim_closed, self.prim_vertices = [], [], []
        self.attribs = {owner: {} for owner in OWNERS}
        self.add_attrib("point", "P", "float", 3, (0.0, 0.0, 0.0))

    # -------------------------------------------------------------------------------------- counts

    def count(self, owner):
        return {"point": self.npoints, "vertex": len(self.vertex_points), "prim": len(self.prim_types),
                "global": 1}[owner]

    def vertex_order(self):
        """Linear vertex numbers in primitive order."""
        return [v for vertices in self.prim_vertices for v in vertices]

    # ----------------------------------------------------------------------------------- building

    def add_attrib(self, owner, name, dtype, size, default, normal=False):
        attrib = AttribData(owner, name, dtype, size, default, normal)
        attrib.extend(self.count(owner))
        self.attribs[owner][name] = attrib
        return attrib

    def add_points(self, count, positions=None):
        """Append ``count`` points; ``positions`` is a flat float array of 3 * count values (else origin)."""
        first = self.npoints
        for attrib in self.attribs["point"].values():
            if attrib.name == "P" and positions is not None:
                attrib.values.extend(positions)
            else:
                attrib.extend(count)
        self.npoints += count
        return first

    def add_prim(self, prim_type="Polygon", closed=True):
        self.prim_types.append(prim_type)
        self.prim_closed.append(bool(closed))
        self.prim_vertices.append([])
        for attrib in self.attribs["prim"].values():
            attrib.extend(1)
        return len(self.prim_types) - 1

    def add_vertex(self, prim, point):
        linear = len(self.vertex_points)
        self.vertex_points.append(point)
        self.prim_vertices[prim].append(linear)
        for attrib in self.attribs["vertex"].values():
            attrib.extend(1)
        return linear

    def add_polygon(self, points, closed=True):
        prim = self.add_prim("Polygon", closed)
        for point in points:
            self.add_vertex(prim, point)
        return prim

    # ---------------------------------------------------------------------------------- bulk values

    def values(self, owner, attrib):
        """All values of ``attrib`` as a flat array/list (vertex attributes in primitive order)."""
        if owner != "vertex":
            return attrib.values
        size, source = attrib.size, attrib.values
        order = self.vertex_order()
        if order == list(range(len(order))):
            return source
        out = type(source)() if attrib.dtype == "string" else array.array(source.typecode)
        for linear in order:
            out.extend(source[linear * size:(linear + 1) * size])
        return out

    def set_values(self, owner, attrib, flat):
        """Replace all values of ``attrib`` from ``flat`` (an array of its type, already of the right length)."""
        if owner != "vertex":
            attrib.values = flat
            return
        order = self.vertex_order()
        if order == list(range(len(order))):
            attrib.values = flat
            return
        size = attrib.size
        for position, linear in enumerate(order):
            attrib.values[linear * size:(linear + 1) * size] = flat[position * size:(position + 1) * size]

    def position(self, point):
        return tuple(self.attribs["point"]["P"].values[point * 3:point * 3 + 3])

    # ------------------------------------------------------------------------------- whole geometry

    def copy(self):
        made = GeoData.__new__(GeoData)
        made.npoints = self.npoints
        made.vertex_points = array.array("i", self.vertex_points)
        made.prim_types, made.prim_closed = list(self.prim_types), list(self.prim_closed)
        made.prim_vertices = [list(v) for v in self.prim_vertices]
        made.attribs = {owner: {n: a.copy() for n, a in attribs.items()} for owner, attribs in self.attribs.items()}
        return made

    def assign(self, other):
        """Become a copy of ``other`` in place (views of this data see the new contents)."""
        self.__dict__.update(other.copy().__dict__)

    def merge(self, other):
        """Append ``other``'s elements; attributes missing on either side get their defaults."""
        point_base, vertex_base, prim_base = self.npoints, len(self.vertex_points), len(self.prim_types)
        for owner in OWNERS[:3]:
            for name, attrib in other.attribs[owner].items():
                if name not in self.attribs[owner]:
                    self.add_attrib(owner, name, attrib.dtype, attrib.size, attrib.default, attrib.normal)
        counts = {"point": other.npoints, "vertex": len(other.vertex_points), "prim": len(other.prim_types)}
        for owner, count in counts.items():
            for name, attrib in self.attribs[owner].items():
                theirs = other.attribs[owner].get(name)
                if theirs is not None and theirs.dtype == attrib.dtype and theirs.size == attrib.size:
                    attrib.values.extend(theirs.values)
                else:
                    attrib.extend(count)
        self.npoints += other.npoints
        self.vertex_points.extend(p + point_base for p in other.vertex_points)
        self.prim_types += other.prim_types
        self.prim_closed += other.prim_closed
        self.prim_vertices += [[v + vertex_base for v in vertices] for vertices in other.prim_vertices]
        for name, attrib in other.attribs["global"].items():
            if name not in self.attribs["global"]:
                self.attribs["global"][name] = attrib.copy()
        return prim_base

    def to_json(self):
        return {
            "npoints": self.npoints, "vertex_points": list(self.vertex_points),
            "prims": [[t, c, list(v)] for t, c, v in zip(self.prim_types, self.prim_closed, self.prim_vertices)],
            "attribs": [{"owner": a.owner, "name": a.name, "dtype": a.dtype, "size": a.size,
                         "default": list(a.default), "normal": a.normal, "values": list(a.values)}
                        for attribs in self.attribs.values() for a in attribs.values()],
        }

    @classmethod
    def from_json(cls, data):
        made = cls()
        made.npoints = data["npoints"]
        made.vertex_points = array.array("i", data["vertex_points"])
        for prim_type, closed, vertices in data["prims"]:
            made.prim_types.append(prim_type)
            made.prim_closed.append(closed)
            made.prim_vertices.append(list(vertices))
        made.attribs = {owner: {} for owner in OWNERS}
        for a in data["attribs"]:
            attrib = AttribData(a["owner"], a["name"], a["dtype"], a["size"], a["default"], a["normal"])
            attrib.values = list(a["values"]) if a["dtype"] == "string" else \
                array.array(TYPECODES[a["dtype"]], a["values"])
            made.attribs[a["owner"]][a["name"]] = attrib
        return made

