"""Fault tests with killed processes and many clients: a client SIGKILLed in the middle of a call (the server
frees what it held and serves the others), a server SIGKILLed under load and restarted on the same port (every
client gets ``ConnectionLostError``, then reconnects; a ``Link`` by itself), and 16 clients making 150 calls
each, from threads and from processes (every answer right, and the server back to its own threads after).

Real processes and sockets; every wait is on a condition with a time limit.
"""
import subprocess
import sys
import threading
import time
import types

import pytest

import bridge_core
from bridge_core.errors import ConnectionLostError, NotConnectedError
from bridge_core.link import Link
from support import ROOT, BridgeProcess, clean_env, read_line, wait_until

pytestmark = pytest.mark.timeout(90)

CLIENTS, CALLS = 16, 150
GATE_MODULE = "dcc_bridge_fault_gate"  # a module of this process the killed client's call waits in


def _child(code, *args, runtime_dir, **env):
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=str(ROOT), env=clean_env(runtime_dir, **env))


def _reap(child):
    if child.poll() is None:
        child.kill()
    child.wait(10)
    for pipe in (child.stdin, child.stdout):
        if pipe:
            pipe.close()


# ------------------------------------------------------------------------------------------ a client killed

_HOLDING_CLIENT = """
import sys, bridge_core
bridge = bridge_core.connect(port=int(sys.argv[1]), timeout=600)
held = [bridge.builtins.dict(n=i) for i in range(50)]   # objects the server keeps for this client
print("ready", flush=True)
bridge.modules[sys.argv[2]].hold()                      # waits in the server until the test kills us
"""


@pytest.fixture
def gate(monkeypatch):
    """``hold()`` for a client to call: it says it was entered and waits until the test opens the gate."""
    module = types.ModuleType(GATE_MODULE)
    module.entered, module.opened = threading.Event(), threading.Event()
    module.hold = lambda: module.entered.set() or module.opened.wait(60)
    monkeypatch.setitem(sys.modules, GATE_MODULE, module)
    yield module
    module.opened.set()


@pytest.mark.slow
@pytest.mark.parametrize("local_socket", ["1", "0"], ids=["local socket", "tcp"])
def test_a_client_killed_mid_call_is_freed_and_the_others_are_served(local_socket, gate, runtime_dir):
    """The killed client's request still runs (the direct executor: on its connection's thread); the server
    notices the end of its stream within the keepalive window anyway, drops its objects and lists it no more,
    serves another client meanwhile, and its thread ends when the request returns."""
    window = 1.5
    server = bridge_core.start_server(port=0, keepalive=window)
    child = _child(_HOLDING_CLIENT, server.port, GATE_MODULE, runtime_dir=runtime_dir,
                   DCC_BRIDGE_LOCAL_SOCKET=local_socket)
    try:
        assert read_line(child.stdout, 30, "the client to connect").strip() == "ready"
        assert gate.entered.wait(30), "the client's call never reached the server"
        (conn,) = list(server._conns)
        assert len(conn._local_objects) >= 50
        child.kill()
        assert child.wait(10) == -9
        killed = time.monotonic()
        wait_until(lambda: not server.clients, window + 10, "the server to drop the killed client")
        print(f"killed client dropped after {time.monotonic() - killed:.2f} s (window {window} s)")
        assert conn.closed and len(conn._local_objects) == 0
        with bridge_core.connect(port=server.port) as other:  # served while the dead client's call still runs
            assert other.modules.operator.add(2, 3) == 5
            assert [c.address for c in server.clients] and len(server.clients) == 1
        gate.opened.set()
        wait_until(lambda: not server._conns, 10, "the killed client's thread to end")
        assert not conn._reader.is_alive()
    finally:
        gate.opened.set()
        _reap(child)
        server.stop()


# ------------------------------------------------------------------------------------------ a server killed

@pytest.mark.slow
def test_a_server_killed_under_load_fails_every_call_then_clients_reconnect_on_the_restarted_port(runtime_dir):
    proc = BridgeProcess.serve(runtime_dir)
    port = proc.port
    results = {}
    counts = [0] * 4
    stop = threading.Event()

    def load(k):
        bridge = bridge_core.connect(port=port, timeout=60)
        try:
            while not stop.is_set():
                assert bridge.modules.operator.add(k, counts[k]) == k + counts[k]
                counts[k] += 1
        except Exception as exc:
            results[k] = exc
        finally:
            bridge.close()

    threads = [threading.Thread(target=load, args=(k,), daemon=True) for k in range(4)]
    link = Link("houdini", how_to_connect="(the test)")
    link.connect(port=port)
    restarted = None
    try:
        for thread in threads:
            thread.start()
        wait_until(lambda: min(counts) >= 20, 30, "every client to make 20 calls")
        proc.proc.kill()
        proc.stop()
        for thread in threads:
            thread.join(20)
            assert not thread.is_alive(), "a client is still blocked on the killed server"
        assert sorted(results) == [0, 1, 2, 3]
        for exc in results.values():
            assert isinstance(exc, ConnectionLostError), repr(exc)
            assert "closed" in str(exc)
        wait_until(lambda: link.bridge is None, 10, "the Link's connection to close")
        with pytest.raises(NotConnectedError, match="reconnecting failed"):  # the Link: nothing serves yet
            link.module("operator").add(1, 1)
        restarted = BridgeProcess.serve(runtime_dir, port=port)  # a new token, the same port
        assert restarted.port == port
        with bridge_core.connect(port=port) as bridge:  # a new connection finds the new session file
            assert bridge.modules.os.getpid() == restarted.proc.pid
        assert link.module("operator").add(2, 3) == 5  # the Link reconnects by itself
        assert link.bridge.modules.os.getpid() == restarted.proc.pid
    finally:
        stop.set()
        link.disconnect()
        proc.stop()
        if restarted is not None:
            restarted.stop()


# ------------------------------------------------------------------------------------------ many clients

def _server_threads(bridge):
    return bridge.modules.threading.active_count()


@pytest.mark.slow
def test_16_clients_in_threads_make_150_calls_each(process_server):
    with bridge_core.connect(port=process_server.port) as watcher:
        baseline = _server_threads(watcher)
        answers = [[] for _ in range(CLIENTS)]
        failures = []

        def client(k):
            try:
                with bridge_core.connect(port=process_server.port) as bridge:
                    add = bridge.modules.operator.add
                    answers[k] = [add(k * 1000, i) for i in range(CALLS)]
            except Exception as exc:
                failures.append(exc)

        threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not failures and not any(t.is_alive() for t in threads)
        assert answers == [[k * 1000 + i for i in range(CALLS)] for k in range(CLIENTS)]
        wait_until(lambda: _server_threads(watcher) == baseline, 10, "the server's client threads to end")


_CALLING_CLIENT = """
import sys, bridge_core
k, calls = int(sys.argv[2]), int(sys.argv[3])
with bridge_core.connect(port=int(sys.argv[1])) as bridge:
    add = bridge.modules.operator.add
    answers = [add(k * 1000, i) for i in range(calls)]
print("ok" if answers == [k * 1000 + i for i in range(calls)] else "wrong %r" % answers, flush=True)
"""


@pytest.mark.slow
def test_16_clients_in_processes_make_150_calls_each(process_server, runtime_dir):
    with bridge_core.connect(port=process_server.port) as watcher:
        baseline = _server_threads(watcher)
        children = [_child(_CALLING_CLIENT, process_server.port, k, CALLS, runtime_dir=runtime_dir)
                    for k in range(CLIENTS)]
        try:
            outcomes = [read_line(child.stdout, 60, f"client process {k}").strip()
                        for k, child in enumerate(children)]
            assert outcomes == ["ok"] * CLIENTS
            assert [child.wait(30) for child in children] == [0] * CLIENTS
        finally:
            for child in children:
                _reap(child)
        wait_until(lambda: _server_threads(watcher) == baseline, 10, "the server's client threads to end")
