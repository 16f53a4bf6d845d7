"""``bridge_core.values``: what ``Bridge.call`` copies, and that copies come back equal and of the same types.

Property tests (hypothesis) on the encoding itself, then the same values through a real bridge (``Bridge.call``
of an echo function on a server in a thread of this process), including the flat form (long lists of names or
numbers, sent as one marshal blob) and the bytes-likes that travel by copy or as bulk frames.
"""
import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bridge_core
from bridge_core import values
from bridge_core.errors import ShippingError

pytestmark = pytest.mark.timeout(120)

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
                    st.binary(max_size=20), st.complex_numbers(allow_nan=False))
hashables = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10))
plain = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=40), st.lists(inner, max_size=40).map(tuple),
                            st.dictionaries(hashables, inner, max_size=8), st.sets(hashables, max_size=8),
                            st.frozensets(hashables, max_size=8)),
    max_leaves=80)


def same(a, b):
    """Equal, and of the same types all the way down (``1 == True`` and ``[1] == [True]`` are not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


@settings(max_examples=300, deadline=None)
@given(plain)
def test_decode_gives_back_an_equal_value_of_the_same_types(value):
    assert same(values.decode(values.encode(value)), value)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
                min_size=16, max_size=300))
def test_flat_sequences_travel_as_one_blob(items):
    for value in (items, tuple(items)):
        encoded = values.encode(value)
        assert encoded[0] == "p" and type(encoded[2]) is bytes  # no per-item walk on the way
        assert same(values.decode(encoded), value)


def test_short_or_mixed_sequences_keep_the_plain_form():
    assert values.encode([1, "a"]) == ("l", (1, "a"))
    assert values.encode(["a"] * 20 + [b"x"])[0] == "l"  # bytes are copied by the connection, not marshalled


def test_uncopyable_values_say_where_they_are():
    with pytest.raises(ShippingError, match=r"the result\[1\]\['k'\] is a builtins.object"):
        values.encode([1, {"k": object()}], "the result")


# ------------------------------------------------------------------------------------- through a real bridge


def echo(value):
    return value


@pytest.fixture
def bridge(thread_server):
    with bridge_core.connect(port=thread_server.port) as connected:
        yield connected


EXAMPLES = [
    ["/obj/geo%d" % i for i in range(2000)],                    # a scene walk's result: the flat form
    tuple(range(100)), [0.5] * 50, [None, True, 1, 2.5, "x"] * 4,
    ["short", 1],                                               # too short for the flat form
    {"names": ["a"] * 30, "counts": {"a": 30}, "tags": {"x", "y"}, "frozen": frozenset({1})},
    [[1, 2], [3, [4, (5, "six")]]],
    bytearray(b"\x00\x01" * 40000), array.array("f", range(30000)), b"",  # bulk frames and copies
    [b"x" * 70000, bytearray(3)],                                # a bulk frame inside a list
]


@pytest.mark.parametrize("value", EXAMPLES, ids=lambda v: type(v).__name__)
def test_call_copies_values_back_equal_and_of_the_same_types(bridge, value):
    assert same(bridge.call(echo, value), value)
