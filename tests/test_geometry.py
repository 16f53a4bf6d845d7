"""The Mesh format and the pipeline verbs, without hosts (issue: cross-app pipeline)."""
import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bridge_core
from bridge_core import pipeline
from bridge_core import geometry
from bridge_core.geometry import GeometryError, Mesh, columns, gather, reverse_faces

QUAD_AND_TRIANGLE = dict(points=[0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 2, 0, 0], face_counts=[4, 3],
                         face_vertices=[0, 1, 2, 3, 1, 4, 2])


def mesh(**changes):
    fields = dict(QUAD_AND_TRIANGLE, **changes)
    return Mesh(fields.pop("name", "m"), **fields)


def test_inputs_with_the_buffer_protocol_or_sequences_become_flat_typed_arrays():
    built = Mesh("m", memoryview(array.array("d", QUAD_AND_TRIANGLE["points"])),
                 array.array("B", [4, 3]), [(0, 1, 2, 3), (1, 4, 2)],
                 normals=[(0.0, 0.0, 1.0)] * 7, matrix=range(16))
    assert built.points.typecode == "f" and list(built.points) == QUAD_AND_TRIANGLE["points"]
    assert built.face_counts.tolist() == [4, 3] and built.face_vertices.tolist() == [0, 1, 2, 3, 1, 4, 2]
    assert built.face_counts.typecode == "i" and built.face_vertices.typecode == "i"
    assert len(built.normals) == 21 and built.matrix == tuple(float(v) for v in range(16))
    same = array.array("f", QUAD_AND_TRIANGLE["points"])
    assert Mesh("m", same, [4, 3], QUAD_AND_TRIANGLE["face_vertices"]).points is same, "no copy of an array"
    assert built.validate() is built


def test_plain_bytes_are_raw_float32_and_int32_as_houdini_returns_them():
    raw_points = array.array("f", QUAD_AND_TRIANGLE["points"]).tobytes()  # pointFloatAttribValuesAsString
    raw_counts = bytearray(array.array("i", [4, 3]).tobytes())
    built = Mesh("m", raw_points, raw_counts, memoryview(array.array("i", QUAD_AND_TRIANGLE["face_vertices"]).tobytes()))
    assert built.points.tolist() == QUAD_AND_TRIANGLE["points"], "12 bytes per point, not a number per byte"
    assert built.face_counts.tolist() == [4, 3]
    assert built.face_vertices.tolist() == QUAD_AND_TRIANGLE["face_vertices"]
    assert built.validate() is built


def test_raw_bytes_that_are_not_whole_values_are_refused_with_what_to_pass():
    with pytest.raises(GeometryError) as caught:
        Mesh("m", bytes(14), [3], [0, 1, 2])
    assert "points was given as 14 raw bytes" in str(caught.value) and "float32" in str(caught.value)


@pytest.mark.parametrize("changes, message", [
    (dict(points=[0, 0, 0, 1]), "points holds 4 numbers, which is not a multiple of 3"),
    (dict(face_counts=[], face_vertices=[]), "has no faces"),
    (dict(face_counts=[4, 2, 1], face_vertices=[0, 1, 2, 3, 1, 4, 2]), "face 2 has 1 vertices"),
    (dict(face_counts=[4, 4]), "face_counts add up to 8 face-vertices but face_vertices holds 7"),
    (dict(face_vertices=[0, 1, 2, 3, 1, 9, 2]), "face_vertices[5] (face 1) is 9, but the mesh has 5 points"),
    (dict(face_vertices=[0, -1, 2, 3, 1, 4, 2]), "face_vertices[1] (face 0) is -1"),
    (dict(normals=[0.0] * 20), "normals holds 20 numbers; 7 face-vertices need 21"),
    (dict(uvs=[0.0] * 7), "uvs holds 7 numbers; 7 face-vertices need 14"),
    (dict(matrix=[1.0] * 9), "matrix holds 9 numbers"),
    (dict(matrix=[float("nan")] * 16), "not finite"),
    (dict(name=""), "needs a name"),
])
def test_validate_says_exactly_what_is_wrong(changes, message):
    with pytest.raises(GeometryError) as caught:
        mesh(**changes).validate()
    assert message in str(caught.value)
    assert isinstance(caught.value, bridge_core.BridgeError) and isinstance(caught.value, ValueError)


def test_floats_where_indices_belong_are_refused():
    with pytest.raises(GeometryError, match="whole numbers"):
        Mesh("m", [0.0] * 9, [3], memoryview(array.array("d", [0, 1, 2])))


def test_reversed_winding_flips_each_face_and_carries_normals_and_uvs():
    normals = [float(v) for v in range(21)]
    uvs = [float(v) for v in range(14)]
    flipped = mesh(normals=normals, uvs=uvs).reversed_winding()
    assert list(flipped.face_vertices) == [3, 2, 1, 0, 2, 4, 1]
    corners = [3, 2, 1, 0, 6, 5, 4]  # where each face-vertex came from
    assert list(flipped.normals) == [normals[3 * c + k] for c in corners for k in range(3)]
    assert list(flipped.uvs) == [uvs[2 * c + k] for c in corners for k in range(2)]
    assert flipped.faces() == [(3, 2, 1, 0), (2, 4, 1)]
    original = mesh(normals=normals, uvs=uvs)
    arrays = (original.face_vertices, original.normals, original.uvs)
    assert original.reversed_winding(in_place=True) is original
    assert (original.face_vertices, original.normals, original.uvs) == (flipped.face_vertices, flipped.normals,
                                                                        flipped.uvs)
    assert original.face_vertices is arrays[0] and original.normals is arrays[1], "no copies"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(3, 6), min_size=1, max_size=40), st.integers(1, 3))
def test_reversing_twice_gives_the_original_order(counts, width):
    values = array.array("f", range(sum(counts) * width))
    once = reverse_faces(values, array.array("i", counts), width)
    assert reverse_faces(once, array.array("i", counts), width) == values
    same = array.array("f", values)
    assert reverse_faces(same, array.array("i", counts), width, in_place=True) is same and same == once
    start = 0
    for count in counts:  # each face's elements in reverse, whole elements kept together
        face = [values[(start + i) * width:(start + i + 1) * width].tolist() for i in range(count)]
        got = [once[(start + i) * width:(start + i + 1) * width].tolist() for i in range(count)]
        assert got == face[::-1]
        start += count


def test_gather_and_columns():
    values = array.array("f", range(12))
    assert gather(values, 3, [3, 0]).tolist() == [9, 10, 11, 0, 1, 2]
    assert gather(values, 3, [1]).tolist() == [3, 4, 5]
    assert columns(values, 4, 3).tolist() == [0, 1, 2, 4, 5, 6, 8, 9, 10]
    assert columns(array.array("f", [1, 2, 3, 4]), 2, 2, 3).tolist() == [1, 2, 0, 3, 4, 0]


def test_the_wire_form_round_trips_and_is_checked():
    original = mesh(uvs=[0.5] * 14, matrix=range(16))
    back = Mesh.from_wire(original.to_wire())
    assert back.points == original.points and back.face_vertices == original.face_vertices
    assert back.uvs == original.uvs and back.normals is None and back.matrix == original.matrix
    with pytest.raises(GeometryError, match="lacks face_vertices"):
        Mesh.from_wire({"name": "m", "points": [], "face_counts": []})
    with pytest.raises(GeometryError, match="is 9"):
        Mesh.from_wire(dict(original.to_wire(), face_vertices=[0, 1, 2, 9, 1, 4, 2]))


def test_verbs_run_through_a_real_bridge_and_send_mesh_moves_a_mesh(runtime_dir):
    kept = {}

    def write(wire, name=None):
        kept[name or wire["name"]] = Mesh.from_wire(wire)
        return {"node": name or wire["name"], "created": True}

    saved = dict(pipeline.VERBS)
    pipeline.register("write_mesh", write)
    pipeline.register("read_mesh", lambda node: kept[node].to_wire())
    server = bridge_core.start_server(port=0)
    try:
        with bridge_core.connect(port=server.port) as bridge:
            big = Mesh("big", array.array("f", bytes(12 * 30000)), array.array("i", [3]) * 10000,
                       array.array("i", range(30000)))
            assert pipeline.write_mesh(bridge, big) == {"node": "big", "created": True}
            assert kept["big"].face_vertices == big.face_vertices
            result = pipeline.send_mesh(bridge, "big", bridge, name="copy")
            assert result["node"] == "copy" and result["points"] == 30000 and result["faces"] == 10000
            assert result["summary"].startswith("sent 1 object (30,000 points, 10,000 faces) from ")
            assert kept["copy"].points == big.points
            with pytest.raises(bridge_core.BridgeError, match="offers no pipeline verb 'selection'"):
                pipeline.call(bridge, "selection")
            with pytest.raises(GeometryError, match="takes a bridge_core.geometry.Mesh"):
                pipeline.write_mesh(bridge, {"name": "x"})
    finally:
        server.stop()
        pipeline.VERBS.clear()
        pipeline.VERBS.update(saved)


def test_transfer_undoes_what_it_created_when_cancelled():
    class CancelOnSecondWrite(pipeline.Progress):
        def open(self):
            self.seen = []

        def show(self, fraction, text):
            self.seen.append(text)
            if text.startswith("Wrote b"):
                raise bridge_core.TransferCancelled("cancelled")

    made, undone = [], []

    def write(m):
        made.append(m.name)
        return {"node": m.name, "created": m.name != "a"}

    progress = CancelOnSecondWrite("test", threshold=0)
    with pytest.raises(bridge_core.TransferCancelled, match="after updating a in place"):
        pipeline.transfer(["a", "b"], lambda n: mesh(name=n), write, progress, undo=undone.extend, known_points=5)
    assert made == ["a", "b"] and undone == ["b"], "only what this transfer created is removed"
    assert progress.seen[0] == "Reading a" and not progress.shown, "the progress window was closed"


@pytest.mark.parametrize("given, expected", [
    ("pCube1", "pCube1"), ("|group1|pCube1", "pCube1"), ("/obj/geo1", "geo1"), ("/obj/geo1/", "geo1"),
    ("ns:pCube1", "ns_pCube1"), ("my.mesh", "my_mesh"), ("1box", "_1box"), ("", "mesh"), ("a b-c", "a_b_c"),
])
def test_node_names_are_sanitised_the_same_way_every_time(given, expected):
    assert pipeline.node_name(given) == expected
    assert pipeline.node_name(pipeline.node_name(given)) == expected, "a sanitised name stays as it is"


# ------------------------------------------------------------------ the array-based fast paths (issue 12: speed)


def reversed_by_loop(values, counts, width):
    """The winding flip as plain Python: the reference the fast paths must match exactly."""
    out, start = [], 0
    for count in counts:
        face = [values[(start + i) * width:(start + i + 1) * width] for i in range(count)]
        for element in reversed(face):
            out.extend(element)
        start += count
    return out


@pytest.fixture
def small_blocks():
    """Blocks of 3 faces and at most 4 runs, so small meshes cross block edges and take the gather path."""
    saved = geometry._BLOCK, geometry._MAX_RUNS
    geometry._BLOCK, geometry._MAX_RUNS = 3, 4
    yield
    geometry._BLOCK, geometry._MAX_RUNS = saved


FACE_SIZES = {
    "triangles": [3] * 11,
    "quads": [4] * 10,
    "n-gons": [7] * 5,
    "runs of sizes": [3] * 4 + [4] * 5 + [6] * 2,
    "sizes mixed face by face": [3, 4, 5, 3, 8, 4, 3, 3, 6, 4, 5, 3],
    "one face": [5],
}


@pytest.mark.parametrize("typecode", ["f", "i", "d"])
@pytest.mark.parametrize("width", [1, 2, 3])
@pytest.mark.parametrize("sizes", list(FACE_SIZES.values()), ids=list(FACE_SIZES))
@pytest.mark.parametrize("blocks", ["default", "small"])
def test_every_path_of_the_winding_flip_matches_a_plain_loop(request, sizes, width, typecode, blocks):
    if blocks == "small":
        request.getfixturevalue("small_blocks")
    counts = array.array("i", sizes)
    values = array.array(typecode, range(sum(sizes) * width))
    expected = reversed_by_loop(values.tolist(), sizes, width)
    flipped = reverse_faces(values, counts, width)
    assert flipped.typecode == typecode and flipped.tolist() == expected and flipped is not values
    assert values.tolist() == list(range(sum(sizes) * width)), "a copy leaves its input as it was"
    same = array.array(typecode, values)
    assert reverse_faces(same, counts, width, in_place=True) is same and same.tolist() == expected
    assert reverse_faces(flipped, counts, width).tolist() == values.tolist(), "twice gives the original"


def test_a_mesh_with_sizes_mixed_face_by_face_flips_its_normals_and_uvs_too(small_blocks):
    sizes = FACE_SIZES["sizes mixed face by face"]
    total = sum(sizes)
    built = Mesh("mixed", [0.0] * 3 * total, sizes, range(total), normals=range(3 * total), uvs=range(2 * total))
    flipped = built.reversed_winding()
    assert flipped.face_vertices.tolist() == reversed_by_loop(list(range(total)), sizes, 1)
    assert flipped.normals.tolist() == reversed_by_loop(list(range(3 * total)), sizes, 3)
    assert flipped.uvs.tolist() == reversed_by_loop(list(range(2 * total)), sizes, 2)
    assert flipped.faces()[:3] == [(2, 1, 0), (6, 5, 4, 3), (11, 10, 9, 8, 7)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-2 ** 31, 2 ** 31 - 1), max_size=12),
       st.sampled_from([1, 2, 255, 256, 257, 0x0F4240, 0xFFFF, 0x10000, 2 ** 24, 2 ** 24 + 1, 2 ** 31 - 1]),
       st.data())
def test_the_index_check_on_bytes_agrees_with_comparing_numbers(values, points, data):
    near = data.draw(st.lists(st.integers(max(-3, -points), 3), max_size=6))  # around the last valid index
    values = values + [min(2 ** 31 - 1, points - 1 + d) for d in near] + [0]
    assert geometry._indices_below(array.array("i", values), points) == all(0 <= v < points for v in values)


def test_the_index_check_on_a_valid_index_set_with_an_ambiguous_top_byte():
    points = 0x0F4240  # 1,000,000: some top bytes equal the last index's (0x0F), so max() settles it
    assert geometry._indices_below(array.array("i", range(points)), points)
    assert not geometry._indices_below(array.array("i", [0, points]), points)
    assert not geometry._indices_below(array.array("i", [0x0F42FF]), points)
    assert geometry._indices_below(array.array("i", [0x0E_FFFF, 0x0F_0000]), points)
    assert not geometry._indices_below(array.array("i", [5]), 0)
    assert geometry._indices_below(array.array("i"), 0)


def quads(rows, points=None):
    """A strip of ``rows`` quads (2 * rows + 2 points): counts all 4, the fast paths' common case."""
    vertices = [v for r in range(rows) for v in (2 * r, 2 * r + 1, 2 * r + 3, 2 * r + 2)]
    points = 2 * rows + 2 if points is None else points
    return dict(points=[0.0] * 3 * points, face_counts=[4] * rows, face_vertices=vertices)


@pytest.mark.parametrize("changes, message", [
    (dict(face_vertices=[0, 1, 3, 2] * 999 + [0, 1, 3, 2002]),
     "face_vertices[3999] (face 999) is 2002, but the mesh has 2002 points (indices 0 to 2001)"),
    (dict(face_vertices=[0, 1, 3, 2] * 500 + [0, -7, 3, 2] + [0, 1, 3, 2] * 499),
     "face_vertices[2001] (face 500) is -7, but the mesh has 2002 points"),
    (dict(face_vertices=[0, 1, 3, 2] * 999 + [0, 1, 3, 2 ** 24]), "face_vertices[3999] (face 999) is 16777216"),
    (dict(face_vertices=[0, 1, 3, 2] * 999 + [0, 1, 3, -2 ** 31]), "face_vertices[3999] (face 999) is -2147483648"),
    (dict(face_counts=[4] * 1001), "face_counts add up to 4004 face-vertices but face_vertices holds 4000"),
    (dict(face_counts=[2] * 2000), "face 0 has 2 vertices; a polygon needs at least 3"),
    (dict(face_counts=[4] * 998 + [3, 5]), None),
    (dict(face_counts=[4] * 998 + [5, 2, 1]), "face 1000 has 1 vertices"),  # the smallest, as before
])
def test_a_large_all_quads_mesh_gets_the_same_clear_errors(changes, message):
    built = Mesh("strip", **dict(quads(1000), **changes))
    if message is None:
        assert built.validate() is built, "mixed sizes that add up are fine"
        return
    with pytest.raises(GeometryError) as caught:
        built.validate()
    assert f"mesh 'strip'" in str(caught.value) and message in str(caught.value)


def test_bulk_work_pauses_the_collector_and_puts_it_back_as_it_was():
    import gc

    assert gc.isenabled()
    with pipeline.bulk_work():
        assert not gc.isenabled()
        with pipeline.bulk_work():
            assert not gc.isenabled()
        assert not gc.isenabled(), "an inner use leaves switching back on to the outermost"
    assert gc.isenabled()
    with pytest.raises(KeyError):
        with pipeline.bulk_work():
            raise KeyError("x")
    assert gc.isenabled(), "back on after a failure too"
    gc.disable()
    try:
        with pipeline.bulk_work():
            pass
        assert not gc.isenabled(), "left off when it was off"
    finally:
        gc.enable()
