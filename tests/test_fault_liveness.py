"""Liveness fault tests (``bridge_core.keepalive``): a dead peer -- frozen (SIGSTOP), or cut off by the network
between two network namespaces -- is noticed within the keepalive window, every waiting call fails with a
``ConnectionLostError`` that says so, the other end frees the connection, and a ``Link`` reconnects once the
peer is reachable again; a peer that is only busy is never taken for dead.

Real processes and sockets; short windows so each test takes seconds. Detection is asserted within the window
plus ``SLACK`` (the keepalive thread's wake-up and a loaded 2-core machine); the times are printed (-s).
"""
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest

import bridge_core
from bridge_core import config, keepalive
from bridge_core.errors import ConfigError, ConnectionLostError
from support import ROOT, BridgeProcess, clean_env, read_line, wait_until

WINDOW = 1.5  # the keepalive window of the tests (seconds)
SLACK = 2.5   # detection may come this much after the window on a loaded machine

pytestmark = pytest.mark.timeout(60)


# ------------------------------------------------------------------------------------------ the setting

def test_the_keepalive_setting_defaults_to_15_s_and_refuses_what_is_not_a_duration():
    assert config.load({}).keepalive == 15.0
    assert config.load({"DCC_BRIDGE_KEEPALIVE": "4.5"}).keepalive == 4.5
    assert config.load({"DCC_BRIDGE_KEEPALIVE": "0"}).keepalive == 0.0  # off
    for bad in ("soon", "-1", "nan", "inf"):
        with pytest.raises(ConfigError, match="DCC_BRIDGE_KEEPALIVE"):
            config.load({"DCC_BRIDGE_KEEPALIVE": bad})
    with pytest.raises(ConfigError, match="keepalive"):
        bridge_core.connect(port=1, keepalive="later")
    with pytest.raises(ConfigError, match="keepalive"):
        bridge_core.start_server(port=0, keepalive=-3)


def test_tcp_sockets_get_kernel_keepalive_and_a_user_timeout_of_the_window():
    import socket

    server = bridge_core.start_server(port=0, keepalive=6)
    try:
        with bridge_core.connect(port=server.port, keepalive=6, settings=config.load(
                {"DCC_BRIDGE_LOCAL_SOCKET": "0", "DCC_BRIDGE_RUNTIME_DIR": os.environ["DCC_BRIDGE_RUNTIME_DIR"]})) as b:
            assert b.transport == "tcp"
            wait_until(lambda: server.clients, 5, "the client to be served")
            for sock in (b.conn.socket, next(iter(server._conns)).socket):
                assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
                if hasattr(socket, "TCP_USER_TIMEOUT"):
                    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 6000
                if hasattr(socket, "TCP_KEEPIDLE"):
                    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 2
    finally:
        server.stop()


# ------------------------------------------------------------------------------------------ busy is not dead

def test_an_idle_connection_lives_on_heartbeats_across_many_windows(thread_server):
    with bridge_core.connect(port=thread_server.port, keepalive=0.3) as bridge:
        start = time.monotonic()
        # the server sends nothing but heartbeats; each one moves last_heard on
        wait_until(lambda: bridge.conn.last_heard > start + 5 * 0.3, 10, "heartbeats for five windows")
        assert not bridge.closed and bridge.modules.operator.add(2, 3) == 5
    conn = bridge.conn
    wait_until(lambda: conn not in keepalive._monitor._watches, 5, "the keepalive thread to drop the closed connection")


@pytest.mark.slow
@pytest.mark.parametrize("where", ["reader thread", "serving thread"])
def test_a_server_busy_for_several_windows_is_not_taken_for_dead(where, runtime_dir):
    """The call keeps the server's request thread busy (its reader with the direct executor, the serving thread
    of ``python -m bridge_core serve``) for longer than both ends' windows: both stay connected."""
    busy = "import time\nend = time.monotonic() + 4 * %r\nwhile time.monotonic() < end: pass\n" % WINDOW
    if where == "reader thread":
        server = bridge_core.start_server(port=0, keepalive=WINDOW)
        port, stop = server.port, server.stop
    else:
        proc = BridgeProcess.serve(runtime_dir, DCC_BRIDGE_KEEPALIVE=str(WINDOW))
        port, stop = proc.port, proc.stop
    try:
        with bridge_core.connect(port=port, keepalive=WINDOW) as bridge:
            bridge.execute(busy)
            assert not bridge.closed and bridge.modules.operator.add(2, 3) == 5
    finally:
        stop()


# ------------------------------------------------------------------------------------------ frozen peers

@pytest.mark.slow
def test_a_frozen_server_is_noticed_within_the_window_and_its_waiting_call_fails(runtime_dir):
    proc = BridgeProcess.serve(runtime_dir)
    outcome = {}
    try:
        bridge = bridge_core.connect(port=proc.port, keepalive=WINDOW, timeout=120)
        assert bridge.modules.os.getpid() == proc.proc.pid

        def waiting_call():
            try:
                bridge.modules.time.sleep(600)
            except BaseException as exc:
                outcome["error"], outcome["at"] = exc, time.monotonic()

        caller = threading.Thread(target=waiting_call, daemon=True)
        caller.start()
        frozen = time.monotonic()
        os.kill(proc.proc.pid, signal.SIGSTOP)
        caller.join(WINDOW + SLACK + 10)
        assert not caller.is_alive(), "the waiting call is still blocked on the frozen server"
        took = outcome["at"] - frozen
        print(f"frozen server noticed after {took:.2f} s (window {WINDOW} s)")
        assert isinstance(outcome["error"], ConnectionLostError)
        assert "keepalive" in str(outcome["error"]) and "frozen" in str(outcome["error"])
        assert took < WINDOW + SLACK
        with pytest.raises(ConnectionLostError):  # the bridge stays closed: later calls fail at once
            bridge.modules.operator.add(1, 1)
        os.kill(proc.proc.pid, signal.SIGCONT)
        with bridge_core.connect(port=proc.port, keepalive=WINDOW) as again:  # the thawed server serves again
            assert again.modules.operator.add(2, 3) == 5
    finally:
        os.kill(proc.proc.pid, signal.SIGCONT)
        proc.stop()


@pytest.mark.slow
@pytest.mark.parametrize("local_socket", ["1", "0"], ids=["local socket", "tcp"])
def test_a_thread_blocked_writing_to_a_frozen_server_is_woken_too(local_socket, runtime_dir):
    """A call sending more than the socket buffers hold blocks in the write while the server is frozen; the
    keepalive ends the connection under it and the call fails like any other."""
    proc = BridgeProcess.serve(runtime_dir)
    outcome = {}
    try:
        bridge = bridge_core.connect(port=proc.port, keepalive=WINDOW, timeout=120, settings=config.load(
            {"DCC_BRIDGE_LOCAL_SOCKET": local_socket, "DCC_BRIDGE_RUNTIME_DIR": str(runtime_dir)}))
        assert bridge.transport == ("local socket" if local_socket == "1" else "tcp")
        size = bridge.modules.builtins.len
        os.kill(proc.proc.pid, signal.SIGSTOP)

        def sending_call():
            try:
                size(b"\0" * (64 << 20))
            except BaseException as exc:
                outcome["error"] = exc

        caller = threading.Thread(target=sending_call, daemon=True)
        caller.start()
        caller.join(WINDOW + SLACK + 10)
        assert not caller.is_alive(), "the call writing to the frozen server is still blocked"
        assert isinstance(outcome["error"], ConnectionLostError) and "keepalive" in str(outcome["error"])
    finally:
        os.kill(proc.proc.pid, signal.SIGCONT)
        proc.stop()


_CLIENT = """
import sys, bridge_core
bridge = bridge_core.connect(port=int(sys.argv[1]), keepalive=float(sys.argv[2]))
held = [bridge.builtins.dict(n=i) for i in range(50)]   # objects the server keeps for this client
print("ready", flush=True)
sys.stdin.readline()
try:
    bridge.modules.operator.add(1, 1)
    print("still connected", flush=True)
except Exception as exc:
    print("lost", type(exc).__name__, flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("local_socket", ["1", "0"], ids=["local socket", "tcp"])
def test_a_frozen_client_is_freed_by_the_server_within_the_window(local_socket, runtime_dir):
    server = bridge_core.start_server(port=0, keepalive=WINDOW)
    child = subprocess.Popen([sys.executable, "-c", _CLIENT, str(server.port), "0"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, cwd=str(ROOT),
                             env=clean_env(runtime_dir, DCC_BRIDGE_LOCAL_SOCKET=local_socket))
    try:
        assert read_line(child.stdout, 30, "the client to connect").strip() == "ready"
        conn = wait_until(lambda: next(iter(server._conns), None), 5, "the server to list the client")
        assert len(conn._local_objects) >= 50
        reader = conn._reader
        child.send_signal(signal.SIGSTOP)
        frozen = time.monotonic()
        wait_until(lambda: not server.clients, WINDOW + SLACK + 10, "the server to drop the frozen client")
        took = time.monotonic() - frozen
        print(f"frozen client freed after {took:.2f} s (window {WINDOW} s)")
        assert took < WINDOW + SLACK
        assert len(conn._local_objects) == 0 and conn.closed
        reader.join(5)
        assert not reader.is_alive(), "the dead client's thread is still running"
        child.send_signal(signal.SIGCONT)
        child.stdin.write("go\n")
        child.stdin.flush()
        assert read_line(child.stdout, 30, "the thawed client's call").split() == ["lost", "ConnectionLostError"]
        with bridge_core.connect(port=server.port) as other:  # the server serves on
            assert other.modules.operator.add(2, 3) == 5
    finally:
        child.send_signal(signal.SIGCONT)
        child.kill()
        child.wait(10)
        child.stdout.close()
        child.stdin.close()
        server.stop()


_QUEUEING_CLIENT = """
import pathlib, sys, threading, bridge_core
port, folder = int(sys.argv[1]), pathlib.Path(sys.argv[2])
bridge = bridge_core.connect(port=port, keepalive=0, timeout=600)
first = '''
import time, bridge_core.server
server = bridge_core.server.running()[0]
open(%r, "w").close()
deadline = time.monotonic() + 60
while server.clients and time.monotonic() < deadline:   # runs until the server dropped this client
    time.sleep(0.02)
open(%r, "w").close()
''' % (str(folder / "started"), str(folder / "done"))
execute = bridge.execute  # (a remote method: nothing about it is asked of the busy server below)
threading.Thread(target=lambda: execute(first), daemon=True).start()
while not (folder / "started").exists():
    threading.Event().wait(0.01)
second = threading.Thread(target=lambda: execute("open(%r, 'w').close()" % str(folder / "second")), daemon=True)
second.start()


def waiting_for_reply(thread):  # its request is written: the thread waits in _lead (or polls in _read_locked)
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        if frame.f_code.co_name in ("_lead", "_read_locked"):
            return True
        frame = frame.f_back
    return False


while not waiting_for_reply(second):
    threading.Event().wait(0.01)
print("sent", flush=True)
sys.stdin.readline()
"""


@pytest.mark.slow
def test_work_a_lost_client_queued_on_the_hosts_thread_is_dropped(runtime_dir, tmp_path):
    """``python -m bridge_core serve`` runs requests on its serving thread (the host's main thread): the
    client's first request holds it, the second waits behind it; the client freezes; the server drops the
    client within the window, and the second request never runs."""
    proc = BridgeProcess.serve(runtime_dir, DCC_BRIDGE_KEEPALIVE=str(WINDOW))
    child = subprocess.Popen([sys.executable, "-c", _QUEUEING_CLIENT, str(proc.port), str(tmp_path)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=str(ROOT),
                             env=clean_env(runtime_dir))
    try:
        assert read_line(child.stdout, 30, "the client's two requests").strip() == "sent"
        child.send_signal(signal.SIGSTOP)  # what it wrote is in the server's socket: the server reads it
        wait_until(lambda: (tmp_path / "done").exists(), WINDOW + SLACK + 20, "the server to drop the client")
        with bridge_core.connect(port=proc.port) as after:
            after.execute("pass")  # queued behind the dropped request on the host's thread: that one had its turn
        assert (tmp_path / "started").exists() and not (tmp_path / "second").exists()
    finally:
        child.send_signal(signal.SIGCONT)
        child.kill()
        child.wait(10)
        child.stdin.close()
        child.stdout.close()
        proc.stop()


# ------------------------------------------------------------------------------------------ a network cut

def _ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20, check=check)


@pytest.fixture
def veth_pair():
    """Two fresh network namespaces joined by a veth pair: ``(ns_a, dev_a, addr_a, ns_b, dev_b, addr_b)``;
    deleted (with everything in them) afterwards. Skipped, with the reason, where that cannot be made."""
    if sys.platform != "linux":
        pytest.skip("network namespaces are Linux only")
    if os.geteuid() != 0:
        pytest.skip("making network namespaces needs root")
    if shutil.which("ip") is None:
        pytest.skip("the 'ip' command (iproute2) is not installed")
    tag = uuid.uuid4().hex[:8]
    ns_a, ns_b, dev_a, dev_b = f"dccb-{tag}-a", f"dccb-{tag}-b", f"dcA{tag}", f"dcB{tag}"
    made = []
    try:
        for ns in (ns_a, ns_b):
            done = _ip("netns", "add", ns, check=False)
            if done.returncode:
                pytest.skip(f"'ip netns add' failed here: {done.stderr.strip()}")
            made.append(ns)
        _ip("link", "add", dev_a, "type", "veth", "peer", "name", dev_b)
        _ip("link", "set", dev_a, "netns", ns_a)
        _ip("link", "set", dev_b, "netns", ns_b)
        for ns, dev, addr in ((ns_a, dev_a, "10.213.0.1"), (ns_b, dev_b, "10.213.0.2")):
            _ip("-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", dev, "up")
        yield ns_a, dev_a, "10.213.0.1", ns_b, dev_b, "10.213.0.2"
    finally:
        for ns in made:
            _ip("netns", "del", ns, check=False)
        _ip("link", "del", dev_a, check=False)  # only if it never moved into a namespace


def _in_namespace(ns, args, env):
    return subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, str(ROOT / "tests" / "peers" /
                                                                          "liveness_peer.py"), *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))


def _ask(proc, line, what, timeout=30):
    proc.stdin.write(line + "\n")
    proc.stdin.flush()
    return read_line(proc.stdout, timeout, what).strip()


@pytest.mark.slow
def test_a_network_cut_is_noticed_within_the_window_on_both_ends_and_the_link_reconnects(veth_pair, runtime_dir):
    ns_a, dev_a, addr_a, ns_b, _, _ = veth_pair
    env = clean_env(runtime_dir, DCC_BRIDGE_KEEPALIVE=str(WINDOW), DCC_BRIDGE_TOKEN=secrets.token_hex(32),
                    DCC_BRIDGE_TIMEOUT="600")
    server = _in_namespace(ns_a, ["serve", addr_a], env)
    client = None
    try:
        port = read_line(server.stdout, 30, "the server in namespace A").split()[1]
        client = _in_namespace(ns_b, ["connect", addr_a, port], env)
        assert read_line(client.stdout, 30, "the client in namespace B").strip() == "connected"
        assert _ask(client, "add 2 3", "a call across the veth pair") == "ok 5"
        assert _ask(server, "clients", "the server's clients") == "1"
        client.stdin.write("hold\n")  # a call that waits on the server while the cable is pulled
        client.stdin.flush()
        assert _ask(client, "add 1 1", "a call beside the waiting one") == "ok 2"
        cut = time.monotonic()
        _ip("-n", ns_a, "link", "set", dev_a, "down")
        line = read_line(client.stdout, WINDOW + SLACK + 20, "the waiting call to fail")
        took = time.monotonic() - cut
        wait_until(lambda: _ask(server, "clients", "the server's clients") == "0", WINDOW + SLACK + 20,
                   "the server to drop the cut-off client")
        server_took = time.monotonic() - cut
        print(f"network cut noticed by the client after {took:.2f} s, by the server after {server_took:.2f} s "
              f"(window {WINDOW} s)")
        assert line.startswith("lost NotConnectedError") and "keepalive" in line, line
        assert took < WINDOW + SLACK and server_took < WINDOW + SLACK
        _ip("-n", ns_a, "link", "set", dev_a, "up")
        assert wait_until(lambda: _ask(client, "add 2 3", "a call after the link returned") == "ok 5", 30,
                          "the Link to reconnect")
        assert _ask(server, "clients", "the server's clients") == "1"
    finally:
        for proc in (client, server):
            if proc is not None:
                proc.kill()
                proc.wait(10)
                proc.stdin.close()
                proc.stdout.close()
