"""The hrpyc-compatible API and the behaviour users expect from proxies (issue: the core)."""
import gc
import threading

import pytest

import bridge_core
from support import wait_until


def port_of(server):
    return server.port


def test_hrpyc_style_round_trip(any_server):
    connection, hou = bridge_core.import_remote_module(port=port_of(any_server))
    try:
        geo = hou.node("/obj").createNode("geo", "bridge_roundtrip")
        assert geo.path() == "/obj/bridge_roundtrip"
        geo.parm("tx").set(2.5)
        assert geo.parm("tx").eval() == 2.5
        assert hou.node("/obj/bridge_roundtrip").name() == "bridge_roundtrip"
        geo.destroy()
        assert hou.node("/obj/bridge_roundtrip") is None
    finally:
        connection.close()
    assert connection.closed


def test_connect_context_manager_and_modules(any_server):
    with bridge_core.connect(port=port_of(any_server)) as bridge:
        assert bridge.hou.node("/obj").path() == "/obj"
        assert bridge.modules.os.getpid() == bridge.modules["os"].getpid()
        assert bridge.eval("6 * 7") == 42
        assert bridge.ping() >= 0
        assert bridge.app == "houdini"
    assert bridge.closed


def test_equality_and_hashing_of_two_proxies_of_one_node(any_server):
    with bridge_core.connect(port=port_of(any_server)) as bridge:
        hou = bridge.hou
        made = hou.node("/obj").createNode("geo", "eq_me")
        first, second = hou.node("/obj/eq_me"), hou.node("/obj/eq_me")
        other = hou.node("/obj").createNode("null", "eq_other")
        assert first == second and not (first != second)
        assert first != other
        assert hash(first) == hash(second)
        assert second in [other, first]
        assert {first: "x"}[second] == "x"
        assert len({first, second, other}) == 2
        made.destroy()
        other.destroy()


def test_catch_remote_exception_by_its_remote_class(any_server):
    with bridge_core.connect(port=port_of(any_server)) as bridge:
        hou = bridge.hou
        with pytest.raises(hou.OperationFailed) as caught:
            hou.node("/obj").createNode("no_such_node_type")
        assert isinstance(caught.value, hou.Error)
        assert isinstance(caught.value, bridge_core.RemoteError)
        assert hou.OperationFailed is hou.OperationFailed
        assert issubclass(hou.OperationFailed, hou.Error)
        assert "remote traceback" in str(caught.value)
        assert "createNode" in caught.value.remote_traceback
        try:
            hou.node("/obj").createNode("no_such_node_type")
        except hou.Error:
            pass
        else:  # pragma: no cover - the assertion is the point
            pytest.fail("hou.Error did not catch hou.OperationFailed")


def test_builtin_remote_exceptions_keep_their_builtin_class(any_server):
    with bridge_core.connect(port=port_of(any_server)) as bridge:
        with pytest.raises(ZeroDivisionError) as caught:
            bridge.eval("1 / 0")
        assert isinstance(caught.value, bridge_core.RemoteError)
        with pytest.raises(KeyError):
            bridge.eval("{}['missing']")
        with pytest.raises(AttributeError):
            bridge.hou.node("/obj").no_such_method


def test_remote_call_past_timeout_raises_and_bridge_stays_usable(any_server):
    with bridge_core.connect(port=port_of(any_server), timeout=0.3) as bridge:
        with pytest.raises(bridge_core.BridgeTimeoutError) as caught:
            bridge.modules.time.sleep(1.5)
        assert isinstance(caught.value, TimeoutError)
        assert "did not answer within 0.3 s" in str(caught.value)
        bridge.timeout = 10
        assert bridge.eval("1 + 1") == 2  # the late reply of sleep() must not be taken for this one
        assert bridge.hou.node("/obj").path() == "/obj"


def test_server_calls_back_into_a_client_function(any_server):
    seen = []

    def callback(value):
        seen.append((value, threading.current_thread().name))
        return value * 2

    with bridge_core.connect(port=port_of(any_server)) as bridge:
        apply = bridge.eval("lambda fn, x: fn(x) + 1")
        assert apply(callback, 20) == 41
    assert seen and seen[0][0] == 20


def test_connection_closes_when_garbage_collected(thread_server):
    connection, hou = bridge_core.import_remote_module(port=thread_server.port)
    assert hou.node("/obj") is not None
    wait_until(lambda: thread_server.clients, 5, "the client to be listed")
    del connection, hou
    gc.collect()
    wait_until(lambda: not thread_server.clients, 5, "the server to see the client go")


def test_server_handle_reports_clients_and_stops(thread_server, monkeypatch):
    assert thread_server.host == "127.0.0.1" and thread_server.port > 0
    monkeypatch.setenv("DCC_BRIDGE_LOCAL_SOCKET", "0")  # over TCP, so the client has an address
    with bridge_core.connect(port=thread_server.port, token=thread_server.token):
        clients = wait_until(lambda: thread_server.clients, 5, "the client to be listed")
        assert clients[0].address.startswith("127.0.0.1:")
        assert clients[0].bridge == bridge_core.__version__
    thread_server.stop()
    assert not thread_server.running
    with pytest.raises(bridge_core.ServerNotFoundError):
        bridge_core.connect(port=thread_server.port)


def test_serving_in_the_calling_thread_until_stopped(runtime_dir, mocker):
    from bridge_core.server import BridgeServer

    serving = mocker.spy(BridgeServer, "serve_forever")
    box = {}
    thread = threading.Thread(target=lambda: box.update(returned=bridge_core.start_server(port=0, use_thread=False)))
    thread.start()
    wait_until(lambda: serving.call_count, 10, "start_server to serve")
    server = serving.call_args.args[0]
    with bridge_core.connect(port=server.port) as bridge:
        assert bridge.eval("2 + 2") == 4
        ran_on = bridge.eval("__import__('threading').current_thread().ident")
        assert ran_on == thread.ident, "with use_thread=False requests run on the serving thread"
    assert thread.is_alive(), "use_thread=False must keep serving on its thread"
    server.stop()
    thread.join(10)
    assert not thread.is_alive() and box["returned"] is server


def test_requests_run_through_the_executor(runtime_dir):
    ran_on = []

    def executor(fn):
        ran_on.append(threading.current_thread().name)
        return fn()

    server = bridge_core.start_server(port=0, executor=executor)
    try:
        with bridge_core.connect(port=server.port) as bridge:
            before = len(ran_on)
            assert bridge.hou.node("/obj").path() == "/obj"
            assert len(ran_on) > before
            assert all(name.startswith("dcc-bridge-dispatch") for name in ran_on)
    finally:
        server.stop()


def test_lost_connection_fails_the_waiting_call_at_once(process_server):
    with bridge_core.connect(port=process_server.port, timeout=60) as bridge:
        sleep = bridge.modules.time.sleep
        outcome = {}

        def call():
            try:
                sleep(30)
            except Exception as exc:  # recorded for the assertion below
                outcome["error"] = exc

        caller = threading.Thread(target=call)
        caller.start()
        process_server.proc.kill()
        caller.join(10)
        assert not caller.is_alive(), "the call kept waiting after the server died"
        assert isinstance(outcome["error"], bridge_core.ConnectionLostError)
        assert isinstance(outcome["error"], ConnectionError)
        with pytest.raises(bridge_core.ConnectionLostError):
            bridge.eval("1")


CLIENT_WITHOUT_HOU = """
import sys, bridge_core
assert "hou" not in sys.modules
try:
    import hou
except ImportError:
    pass
else:
    raise SystemExit("hou must not be importable in this client")
connection, hou = bridge_core.import_remote_module(port=int(sys.argv[1]))
node = hou.node("/obj").createNode("geo", "from_a_plain_client")
assert node.path() == "/obj/from_a_plain_client", node.path()
assert hou.node("/obj/from_a_plain_client") == node
try:
    hou.node("/obj").createNode("no_such_node_type")
except hou.OperationFailed as exc:
    print("caught", type(exc).__name__)
node.destroy()
connection.close()
"""


def test_a_client_that_has_no_hou_of_its_own(process_server, runtime_dir):
    """As in Maya: the client cannot import hou, so proxies must never need the local class."""
    import subprocess
    import sys

    from support import ROOT, clean_env

    env = clean_env(runtime_dir, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", CLIENT_WITHOUT_HOU, str(process_server.port)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "caught OperationFailed"
