"""Drop-in means drop-in (issue 14): the rpyc classic connection hrpyc users have, released proxies that reach
the server without another call, and exceptions that never kill a connection, whatever their arguments hold.

The connection ``import_remote_module`` returns is used here the way hrpyc scripts use theirs: with rpyc's own
helpers (``rpyc.BgServingThread``, ``rpyc.async_``, ``rpyc.timed``, ``rpyc.classic.*``) and the same helpers
from ``bridge_core`` (what a shipped package, with its private rpyc, offers).
"""
import gc
import threading

import pytest
import rpyc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bridge_core
from bridge_core.executors import ServingThread
from support import by_value, same, wait_until

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def hrpyc_style(thread_server):
    connection, hou = bridge_core.import_remote_module(port=thread_server.port)
    yield connection, hou
    connection.close()


@pytest.fixture
def host_server():
    """A server whose requests run on a host thread through ``MainThreadExecutor.submit`` (as in graphical
    Houdini and Maya), the thread being a ``ServingThread`` of this process."""
    made = []
    ready = threading.Event()

    def host():
        made.append(ServingThread())
        ready.set()
        made[0].run()

    thread = threading.Thread(target=host, name="test-host-thread", daemon=True)
    thread.start()
    assert ready.wait(10)
    server = bridge_core.start_server(port=0, app="houdini", executor=made[0].executor)
    yield server
    server.stop()
    made[0].stop()
    thread.join(10)


# ----------------------------------------------------------------------------- the classic connection


def test_the_connection_offers_what_an_rpyc_classic_connection_offers(hrpyc_style):
    connection, hou = hrpyc_style
    assert connection.builtin is connection.builtins
    assert connection.builtins.len([1, 2, 3]) == 3
    assert connection.modules.os.getpid() == connection.modules["os"].getpid()
    assert connection.root.getmodule("hou").node("/obj").path() == "/obj"
    connection.execute("answer = 6 * 7")
    assert connection.eval("answer") == 42 and connection.namespace["answer"] == 42
    assert connection.ping() >= 0
    assert connection.poll_all(0) in (True, False) and connection.poll(0) in (True, False)
    assert connection.serve(0) in (True, False)
    assert connection._config["sync_request_timeout"] == connection.timeout  # rpyc's own settings, as with hrpyc
    conn = hou.____conn__  # the rpyc connection behind every proxy has them too
    assert conn.modules.os.getpid() == connection.modules.os.getpid() and conn.builtin.len("ab") == 2


def test_teleport_runs_a_local_function_on_the_server(hrpyc_style):
    connection, _hou = hrpyc_style

    def remote_pid_plus(offset):
        import os
        return os.getpid() + offset

    assert connection.teleport(remote_pid_plus)(1) == connection.modules.os.getpid() + 1
    assert rpyc.classic.teleport_function(connection, remote_pid_plus)(2) == connection.modules.os.getpid() + 2


def test_bg_serving_thread_serves_the_connection(hrpyc_style):
    connection, hou = hrpyc_style
    seen = []
    serving = rpyc.BgServingThread(connection, callback=lambda: seen.append("died"))
    try:
        run_later = connection.eval("lambda fn: __import__('threading').Thread(target=fn, args=(7,)).start()")
        run_later(seen.append)  # the server calls back from a thread of its own
        wait_until(lambda: 7 in seen, 10, "the server's callback")
        assert hou.node("/obj").path() == "/obj"
    finally:
        serving.stop()  # fails if the serving thread died
    assert "died" not in seen


@pytest.mark.parametrize("helpers", ["rpyc", "bridge_core"])
def test_async_and_timed_work_on_methods_read_through_proxies(hrpyc_style, helpers):
    connection, hou = hrpyc_style
    helpers = {"rpyc": rpyc, "bridge_core": bridge_core}[helpers]
    node = hou.node("/obj").createNode("geo", "async_me")
    try:
        cook = helpers.async_(node.cook)
        result = cook()
        result.wait()
        assert result.ready and not result.error
        sleep = helpers.async_(connection.modules.time.sleep)
        assert sleep(0).value is None
        path = helpers.timed(node.path, 10)
        assert path().value == "/obj/async_me"
        with pytest.raises(Exception, match="result expired"):
            helpers.timed(connection.modules.time.sleep, 0.05)(5).value
    finally:
        node.destroy()


@pytest.mark.parametrize("classic", ["rpyc", "bridge_core"])
def test_upload_download_obtain_deliver(hrpyc_style, tmp_path, classic):
    connection, _hou = hrpyc_style
    classic = {"rpyc": rpyc, "bridge_core": bridge_core}[classic].classic
    source = tmp_path / "source.bin"
    source.write_bytes(b"\x00payload\xff" * 10000)
    classic.upload(connection, str(source), str(tmp_path / "uploaded.bin"))
    assert (tmp_path / "uploaded.bin").read_bytes() == source.read_bytes()
    classic.download(connection, str(tmp_path / "uploaded.bin"), str(tmp_path / "downloaded.bin"))
    assert (tmp_path / "downloaded.bin").read_bytes() == source.read_bytes()
    remote_dict = connection.eval("{'a': [1, 2], 'b': 'x'}")
    copied = classic.obtain(remote_dict)
    assert type(copied) is dict and copied == {"a": [1, 2], "b": "x"}
    delivered = classic.deliver(connection, {"k": [3, 4]})
    assert delivered["k"][1] == 4 and connection.eval("type").__name__ == "type"


def test_remote_exceptions_carry_rpycs_remote_tb(hrpyc_style):
    connection, hou = hrpyc_style
    with pytest.raises(ZeroDivisionError) as caught:
        connection.eval("1 / 0")
    assert "ZeroDivisionError" in caught.value._remote_tb
    with pytest.raises(hou.OperationFailed) as caught:
        hou.node("/obj").createNode("no_such_type")
    assert "createNode" in caught.value._remote_tb and caught.value._remote_tb == caught.value.remote_traceback


# ----------------------------------------------------------------------------- released proxies


class _Tracked:
    released = threading.Event()

    def __del__(self):
        _Tracked.released.set()


def test_a_dropped_proxy_is_released_on_the_server_without_another_call(hrpyc_style, tmp_path):
    connection, _hou = hrpyc_style
    _Tracked.released.clear()
    tracked = connection.modules[__name__]._Tracked()  # the server is in this process: the same class
    del tracked
    gc.collect()
    wait_until(_Tracked.released.is_set, 10, "the server to drop the object (no call made meanwhile)")

    path = tmp_path / "dropped.txt"
    remote_file = connection.builtin.open(str(path), "w")
    remote_file.write("written, never closed")
    del remote_file
    gc.collect()
    wait_until(lambda: path.read_text() == "written, never closed", 10, "the dropped remote file to be flushed")


def test_close_releases_dropped_proxies_at_once(thread_server):
    bridge = bridge_core.connect(port=thread_server.port)
    _Tracked.released.clear()
    tracked = bridge.modules[__name__]._Tracked()
    keep = bridge.modules[__name__]._Tracked  # the server keeps the connection's other objects meanwhile
    del tracked
    gc.collect()
    released = bridge.conn._dead_proxies and list(bridge.conn._dead_proxies)
    assert released, "the dropped proxy waits for its batch"
    bridge.close()
    assert not bridge.conn._dead_proxies, "close() sent the batch"
    wait_until(_Tracked.released.is_set, 10, "the server to drop the object")
    del keep


# ----------------------------------------------------------------------------- exceptions of any kind

_argument = st.tuples(by_value(4, 12), st.booleans())  # (value, wrapped in a list on the server: sent as its repr)
_KINDS = ["KeyError", "ValueError", "IndexError", "RuntimeError", "Odd"]

RAISER = """
class Odd(LookupError):
    pass

def raise_it(kind, args, wrapped):
    global reprs
    cls = Odd if kind == "Odd" else getattr(__import__("builtins"), kind)
    reprs = tuple(repr([a]) for a in args)  # what the server has (a frozenset's order may differ from the client's)
    raise cls(*[[a] if w else a for a, w in zip(args, wrapped)])
"""


def _check_raise(bridge, kind, arguments):
    args = tuple(value for value, _ in arguments)
    wrapped = tuple(w for _, w in arguments)
    with pytest.raises(Exception) as caught:
        bridge.namespace["raise_it"](kind, args, wrapped)
    exc = caught.value
    reprs = tuple(bridge.namespace["reprs"])
    expected = tuple(reprs[i] if w else value for i, (value, w) in enumerate(arguments))
    assert type(exc).__name__ == kind and isinstance(exc, bridge_core.RemoteError), repr(exc)
    assert same(exc.args, expected), (exc.args, expected)
    assert kind in exc._remote_tb
    assert bridge.eval("1 + 1") == 2, "the connection is still usable"


@pytest.fixture(params=["direct", "host thread"])
def raising_bridge(request):
    server = request.getfixturevalue("thread_server" if request.param == "direct" else "host_server")
    with bridge_core.connect(port=server.port, timeout=20) as bridge:
        bridge.execute(RAISER)
        yield bridge


def test_exceptions_with_slices_and_not_implemented_leave_the_connection_usable(raising_bridge):
    _check_raise(raising_bridge, "KeyError", [(slice(1, 2), False)])
    _check_raise(raising_bridge, "ValueError", [(NotImplemented, False), ((slice(None), 3), False)])
    _check_raise(raising_bridge, "Odd", [(slice(1, 2), True), ({1, 2}, True)])
    with pytest.raises(TypeError):  # a value rpyc sends by value inside what it cannot: its repr
        raising_bridge.eval("(_ for _ in ()).throw(TypeError(slice(1, [2])))")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(_KINDS), arguments=st.lists(_argument, max_size=4))
def test_any_exception_comes_back_as_its_type_and_the_connection_stays_usable(raising_bridge, kind, arguments):
    _check_raise(raising_bridge, kind, arguments)


# ----------------------------------------------------------------------------- a stopped client

STOPPING_CLIENT = """
import sys
import bridge_core
bridge = bridge_core.connect(port=int(sys.argv[1]), timeout=120)
medium = bridge_core.async_(bridge.eval)
print("ready", flush=True)
sys.stdin.readline()
pending = [medium("'x' * 65000") for _ in range(int(sys.argv[2]))]   # replies just under 64 KiB each
print("sent", flush=True)
sys.stdin.read()
"""


def _stopped(pid):
    import subprocess

    done = subprocess.run(["ps", "-o", "state=", "-p", str(pid)], capture_output=True, text=True)
    return done.stdout.strip().startswith("T")


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGSTOP"), reason="needs SIGSTOP (POSIX)")
def test_a_stopped_client_never_holds_the_host_thread_in_a_write(host_server, runtime_dir):
    """A client asks for many medium replies and stops (SIGSTOP, a debugger, a frozen Maya) before they are
    written: the host thread writes what the socket takes and hands the rest to the writer thread, so it goes
    on serving other clients while that client is stopped."""
    import signal
    import subprocess
    import sys

    from support import ROOT, clean_env, read_line

    gate = threading.Event()
    host_jobs = []
    executor = host_server.executor
    child = subprocess.Popen([sys.executable, "-c", STOPPING_CLIENT, str(host_server.port), "400"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=clean_env(runtime_dir),
                             cwd=str(ROOT))
    try:
        assert read_line(child.stdout, 60, "the client to connect").strip() == "ready"
        executor.submit(lambda: (host_jobs.append("gate"), gate.wait(60)))  # hold the host thread meanwhile
        child.stdin.write("go\n")
        child.stdin.flush()
        assert read_line(child.stdout, 60, "the client to send its requests").strip() == "sent"
        child.send_signal(signal.SIGSTOP)
        wait_until(lambda: _stopped(child.pid), 10, "the client to stop")
        gate.set()  # the host thread now answers 400 requests of a client that reads nothing (26 MB)
        with bridge_core.connect(port=host_server.port, timeout=30) as other:
            for number in range(20):  # queued behind those 400 on the host thread
                assert other.eval(f"{number} * 2") == number * 2
            executor.submit(lambda: host_jobs.append("turned"))
            wait_until(lambda: "turned" in host_jobs, 30, "the host thread to run a later job")
    finally:
        gate.set()
        child.kill()
        child.wait(30)
        child.stdout.close()
        child.stdin.close()


# ----------------------------------------------------------------------------- a peer that quits


def test_a_link_reports_a_peer_that_quit_the_same_way_however_it_is_noticed(runtime_dir):
    """The stable ``hou`` (Maya) and ``hou.session.cmds`` (Houdini) are a Link's modules: a call the peer never
    answers because it quit, and the next use that finds no peer to reconnect to, raise the same error,
    saying how to reconnect."""
    from bridge_core.link import Link

    from support import BridgeProcess

    how = "In Maya: Houdini Bridge > Connect to Houdini..."
    link = Link("houdini", how_to_connect=how)
    with BridgeProcess.serve(runtime_dir) as server:
        link.connect(port=server.port)
        remote_os = link.module("os")
        assert remote_os.getpid() == server.proc.pid
        with pytest.raises(bridge_core.NotConnectedError) as during:
            remote_os._exit(0)  # Houdini quits while answering this very call
        server.proc.wait(30)
    with pytest.raises(bridge_core.NotConnectedError) as after:
        remote_os.getpid()  # the loss is noticed before the call: reconnecting finds no Houdini
    for caught in (during, after):
        assert type(caught.value) is bridge_core.NotConnectedError
        assert how in str(caught.value) and "houdini" in str(caught.value)
        assert isinstance(caught.value, ConnectionError)
    link.disconnect()
