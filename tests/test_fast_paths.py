"""Fast paths keep the meaning of slow ones: one-request method calls, bulk data, Bridge.call (issue: speed)."""
import array
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bridge_core
from bridge_core import boxing, bulk, proxies
from support import by_value, same

SERVER_CODE = '''
class Counter:
    def __init__(self):
        self.calls = 0
        self.value = 10
    def bump(self, by=1):
        self.calls += 1
        self.value += by
        return self.value
    @property
    def doubled(self):
        return self.value * 2
    def fail(self):
        raise ValueError("bad bump")
counter = Counter()
'''


@pytest.fixture
def bridge(thread_server):
    with bridge_core.connect(port=thread_server.port) as connected:
        connected.execute(SERVER_CODE)
        yield connected


def test_method_calls_and_attributes_match_the_slow_path(bridge):
    counter = bridge.namespace["counter"]
    method = counter.bump
    assert counter.calls == 0, "reading a method must not call it"
    assert method(5) == 15 and counter.value == 15  # attribute values are never stale
    assert counter.bump(by=2) == 17
    assert counter.doubled == 34  # properties are evaluated remotely, each time
    bridge.execute("counter.value = 100")
    assert counter.doubled == 200 and counter.value == 100
    assert "bump" in repr(method) and callable(method)
    with pytest.raises(ValueError, match="bad bump"):
        counter.fail()


def test_a_method_replaced_on_the_instance_is_the_one_called(bridge):
    counter = bridge.namespace["counter"]
    bridge.execute("counter.bump = lambda by=1: 'replaced'")
    assert counter.bump() == "replaced"


def test_missing_methods_and_module_functions(bridge):
    os_module = bridge.modules.os
    assert os_module.getpid() == os.getpid()
    assert os_module.path.join("a", "b") == os.path.join("a", "b")
    with pytest.raises(AttributeError):
        bridge.namespace["counter"].no_such_method()


def test_one_proxy_class_per_remote_class(bridge):
    bridge.execute("items = [Counter() for _ in range(3)]")
    items = [bridge.namespace["items"][i] for i in range(3)]
    assert len({type(item) for item in items}) == 1
    assert [item.bump() for item in items] == [11, 11, 11]


@pytest.mark.parametrize("size", [0, 1, bulk.THRESHOLD + 1, 16 << 20])
@pytest.mark.parametrize("kind", ["bytes", "bytearray", "memoryview", "array"])
def test_bytes_like_payloads_round_trip_exactly(bridge, size, kind):
    raw = os.urandom(size)
    payload = {"bytes": lambda: raw, "bytearray": lambda: bytearray(raw), "memoryview": lambda: memoryview(raw),
               "array": lambda: array.array("B", raw)}[kind]()
    echo = bridge.eval("lambda x: (type(x).__name__, x)")
    type_name, back = echo(payload)
    assert type_name == type(payload).__name__
    assert type(back) is type(payload)
    assert bytes(back) == raw


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # the bridge is one per test, reused
@given(st.lists(by_value(), max_size=5))
def test_arguments_and_results_cross_by_value_equal_and_of_the_same_types(bridge, args):
    echo = bridge.eval("lambda *args: args")
    assert same(echo(*args), tuple(args))


def test_only_plain_classes_are_boxed_by_their_cached_instance_name():
    class Plain:
        pass

    class Forwarding:
        def __getattr__(self, name):
            return name

    assert boxing._instance_name(Plain) == f"{__name__}.Plain"
    for kind in (array.array, bytearray, memoryview, Forwarding, type, type(os)):
        assert boxing._instance_name(kind) is None, kind  # by copy, or rpyc's own way


def test_float_arrays_keep_their_type_code(bridge):
    positions = array.array("f", [float(i) for i in range(100_000)])
    back = bridge.eval("lambda a: a")(positions)
    assert back.typecode == "f" and back == positions


def test_the_transfer_cap_is_enforced_and_the_bridge_stays_usable(runtime_dir):
    server = bridge_core.start_server(port=0, settings=bridge_core.config.load(
        {"DCC_BRIDGE_RUNTIME_DIR": str(runtime_dir), "DCC_BRIDGE_MAX_TRANSFER": str(1 << 20)}))
    try:
        settings = bridge_core.config.load({"DCC_BRIDGE_RUNTIME_DIR": str(runtime_dir),
                                            "DCC_BRIDGE_MAX_TRANSFER": str(1 << 20)})
        with bridge_core.connect(port=server.port, settings=settings) as capped:
            echo = capped.eval("lambda x: len(x)")
            with pytest.raises(bridge_core.TransferTooLargeError) as caught:
                echo(bytes(2 << 20))
            assert "cap" in str(caught.value) and "DCC_BRIDGE_MAX_TRANSFER" in str(caught.value)
            with pytest.raises(bridge_core.TransferTooLargeError):
                capped.eval("lambda: bytes(2 << 20)")()  # the server refuses to send the reply
            assert echo(bytes(1000)) == 1000
    finally:
        server.stop()


# ----------------------------------------------------------------------------------------- Bridge.call

SCALE = 3


def _scaled(value):
    return value * SCALE


def describe_process(count):
    import os as remote_os

    return {"pid": remote_os.getpid(), "values": [_scaled(i) for i in range(count)], "pair": (1, b"raw")}


def test_call_runs_remotely_and_returns_copies(bridge):
    result = bridge.call(describe_process, 4)
    assert result == {"pid": os.getpid(), "values": [0, 3, 6, 9], "pair": (1, b"raw")}
    assert type(result["values"]) is list


def test_call_of_code_typed_into_a_console(bridge):
    namespace = {}
    exec(compile("def typed(a, b=2):\n    return [a, b]\n", "<maya console>", "exec"), namespace)
    assert bridge.call(namespace["typed"], 1, b=5) == [1, 5]


def test_call_of_source_text(bridge):
    assert bridge.call("def triple(x):\n    return x * 3\n", 7) == 21


def test_call_raises_the_remote_exception(bridge):
    def boom():
        raise KeyError("missing")

    with pytest.raises(KeyError) as caught:
        bridge.call(boom)
    assert "boom" in caught.value.remote_traceback and "raise KeyError" in caught.value.remote_traceback


def _make_closure():
    captured = 1

    def inner():
        return captured

    return inner


NOT_SHIPPABLE = open  # a builtin function bound to another name: not plain data


def _uses_unshippable_global():
    return NOT_SHIPPABLE


def _returns_an_object():
    return object()


@pytest.mark.parametrize("func,needle", [
    (_make_closure(), "Pass captured as arguments"),
    (_uses_unshippable_global, "NOT_SHIPPABLE"),
    (len, "plain function"),
    ("x = 1", "defines no function"),
])
def test_call_explains_what_cannot_ship(bridge, func, needle):
    with pytest.raises(bridge_core.ShippingError) as caught:
        bridge.call(func)
    assert needle in str(caught.value)


def test_call_refuses_an_uncopyable_result(bridge):
    with pytest.raises(bridge_core.ShippingError) as caught:
        bridge.call(_returns_an_object)
    assert "cannot be copied" in str(caught.value) and "object" in str(caught.value)


def test_call_of_a_function_without_source(bridge):
    namespace = {}
    code = compile("def hidden():\n    return 1\n", "<hidden>", "exec")
    exec(code, namespace)
    from bridge_core import shipping

    shipping._interactive.pop(namespace["hidden"].__code__, None)  # as if typed before the bridge recorded it
    with pytest.raises(bridge_core.ShippingError) as caught:
        bridge.call(namespace["hidden"])
    assert "cannot find the source" in str(caught.value)


def test_dead_proxies_are_released_on_the_server_in_batches(bridge, thread_server):
    import gc

    from bridge_core.protocol import DEL_BATCH

    server_side = next(iter(thread_server._conns))
    bridge.execute("made = [Counter() for _ in range(300)]")
    made = bridge.namespace["made"]
    baseline = len(server_side._local_objects)
    for i in range(300):
        assert made[i].value == 10  # a temporary proxy per item, dropped at once
    gc.collect()
    bridge.eval("1")
    held = len(server_side._local_objects) - baseline
    assert held < DEL_BATCH, f"the server still holds {held} objects the client no longer references"


def test_the_proxy_cache_forgets_a_proxy_when_it_dies():
    class Proxy:
        pass

    cache, proxy = proxies.ProxyCache(), Proxy()
    cache[("id", 1, 2)] = proxy
    assert cache.get(("id", 1, 2)) is proxy and ("id", 1, 2) in cache and len(cache) == 1
    del proxy  # CPython frees it here: the entry goes with it
    assert cache.get(("id", 1, 2)) is None and len(cache) == 0
    with pytest.raises(KeyError):
        cache[("id", 1, 2)]


def test_local_objects_count_the_references_the_other_side_holds():
    objects, thing = proxies.LocalObjects(), object()
    objects.add("k", thing)
    objects.add("k", thing)  # a second proxy of it on the other side
    objects.decref("k")
    assert objects["k"] is thing
    objects.decref("k")
    assert len(objects) == 0
    with pytest.raises(KeyError):
        objects["k"]


REMOTE_OS = None  # set by the test below: a module *proxy* used as a global by a shipped function


def _remote_pid():
    return REMOTE_OS.getpid()


def test_call_ships_module_proxies_used_as_globals_as_imports(bridge, thread_server):
    global REMOTE_OS
    from bridge_core.link import Link

    REMOTE_OS = bridge.modules.os  # as `hou = bridge.hou` in a user's script
    try:
        assert bridge.call(_remote_pid) == os.getpid()
        link = Link("houdini")
        link.connect(port=thread_server.port)
        REMOTE_OS = link.module("os")  # as the stable `hou` in Maya's Script Editor
        assert link.call(_remote_pid) == os.getpid()
        link.disconnect()
    finally:
        REMOTE_OS = None
