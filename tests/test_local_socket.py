"""The same-machine fast path: a Unix socket beside the TCP port, used by clients that find the session file
(issue: speed)."""
import json
import os
import socket
import stat
import time

import pytest

import bridge_core
from bridge_core import config, discovery
from support import BridgeProcess, wait_until

pytestmark = [pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets on this platform"),
              pytest.mark.timeout(30)]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sockets_in(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".sock"))


def family_of(bridge):
    return bridge.conn._channel.stream.sock.family


def child_names(path):
    import hou

    return [child.name() for child in hou.node(path).children()]


def read_until_closed(sock):
    """Everything the server sends before it hangs up (a reset after a refused handshake counts as hanging up)."""
    data = bytearray()
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:
        pass
    return bytes(data)


def test_a_local_client_uses_the_local_socket(any_server):
    with bridge_core.connect(port=any_server.port) as bridge:
        assert bridge.transport == "local socket" and "over local socket" in repr(bridge)
        assert family_of(bridge) == socket.AF_UNIX
        geo = bridge.hou.node("/obj").createNode("geo", "over_the_local_socket")
        assert geo.path() == "/obj/over_the_local_socket"
        assert "over_the_local_socket" in bridge.call(child_names, "/obj")
        with pytest.raises(bridge.hou.OperationFailed):
            bridge.hou.node("/obj").createNode("no_such_node_type")
        geo.destroy()
        assert bridge.ping() >= 0


def test_local_clients_are_listed_as_such_and_disconnected_on_stop(thread_server):
    bridge = bridge_core.connect(port=thread_server.port)
    try:
        clients = wait_until(lambda: thread_server.clients, 5, "the client to be listed")
        assert [c.address for c in clients] == ["local socket"]
        assert "local socket (DCC Bridge" in str(clients[0])
        thread_server.stop()
        assert not thread_server._local_thread.is_alive() and not os.path.exists(thread_server.local_socket)
        wait_until(lambda: not thread_server.clients, 5, "the server to drop the client")
        wait_until(lambda: bridge.closed, 5, "the client to see the server hang up")
        with pytest.raises(bridge_core.ConnectionLostError):
            bridge.eval("1")
    finally:
        bridge.close()


@pytest.mark.parametrize("transport", [
    "tcp",
    "local socket",  # a Unix socket refuses the send at once (EPIPE): that too must say the connection is lost
])
def test_a_call_sent_after_the_server_hung_up_says_the_connection_is_lost(thread_server, transport, monkeypatch):
    monkeypatch.setattr(bridge_core.protocol, "READER_GRACE", 10.0)  # the client's reader has not noticed yet
    if transport == "tcp":
        monkeypatch.setenv("DCC_BRIDGE_LOCAL_SOCKET", "0")
    with bridge_core.connect(port=thread_server.port, timeout=20) as bridge:
        assert bridge.transport == transport and bridge.eval("1") == 1
        thread_server.stop()
        with pytest.raises(bridge_core.ConnectionLostError):
            bridge.eval("2")


def test_socket_file_is_private_named_in_the_session_and_removed_on_stop(runtime_dir, monkeypatch):
    umask_calls, real_umask = [], os.umask
    monkeypatch.setattr(os, "umask", lambda mask: umask_calls.append(mask) or real_umask(mask))
    server = bridge_core.start_server(port=0, app="houdini")
    path = server.local_socket
    try:
        assert umask_calls == [], "the bridge must not touch the host's umask, not even for a moment"
        assert path == str(runtime_dir / f"houdini-{os.getpid()}-{server.port}.sock")
        mode = os.stat(path).st_mode
        assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
        assert stat.S_IMODE(runtime_dir.stat().st_mode) == 0o700
        assert json.loads(server.session_file.read_text())["local_socket"] == path
    finally:
        server.stop()
    assert not os.path.exists(path) and sockets_in(runtime_dir) == []


def test_a_server_process_removes_its_socket_when_it_stops(process_server, runtime_dir):
    path = discovery.find_session(runtime_dir, port=process_server.port).local_socket
    assert os.path.exists(path)
    assert process_server.stop() == 0
    assert not os.path.exists(path)


def test_a_stale_file_of_the_same_name_is_replaced(runtime_dir):
    port = free_port()
    stale = runtime_dir / f"python-{os.getpid()}-{port}.sock"
    stale.write_text("left by an earlier process with this pid")
    server = bridge_core.start_server(port=port)
    try:
        assert server.local_socket == str(stale) and stat.S_ISSOCK(stale.stat().st_mode)
        with bridge_core.connect(port=port) as bridge:
            assert bridge.transport == "local socket" and bridge.eval("1 + 1") == 2
    finally:
        server.stop()


@pytest.mark.parametrize("value", ["0", "false", "no", "off", "OFF"])
def test_turned_off_the_server_makes_no_socket_and_clients_use_tcp(value, runtime_dir, monkeypatch):
    monkeypatch.setenv("DCC_BRIDGE_LOCAL_SOCKET", value)
    server = bridge_core.start_server(port=0)
    try:
        assert server.local_socket is None and sockets_in(runtime_dir) == []
        assert discovery.find_session(runtime_dir, port=server.port).local_socket == ""
        with bridge_core.connect(port=server.port) as bridge:
            assert bridge.transport == "tcp" and family_of(bridge) == socket.AF_INET
            assert bridge.eval("2 + 2") == 4
    finally:
        server.stop()


def test_turned_off_in_a_server_process(runtime_dir):
    with BridgeProcess.serve(runtime_dir, DCC_BRIDGE_LOCAL_SOCKET="0") as proc:
        assert sockets_in(runtime_dir) == []
        with bridge_core.connect(port=proc.port) as bridge:
            assert bridge.transport == "tcp" and bridge.hou.node("/obj").path() == "/obj"


def test_turned_off_in_the_client_only(thread_server, monkeypatch):
    assert thread_server.local_socket
    monkeypatch.setenv("DCC_BRIDGE_LOCAL_SOCKET", "0")
    with bridge_core.connect(port=thread_server.port) as bridge:
        assert bridge.transport == "tcp" and bridge.eval("3") == 3


def test_a_client_given_the_sessions_own_token_keeps_the_local_socket(thread_server):
    """Changed by review: a given token used to mean TCP, so during a TCP flood from 127.0.0.1 a client that
    passed the session's own token was shut out while one that did not got in."""
    with bridge_core.connect(port=thread_server.port, token=thread_server.token) as bridge:
        assert bridge.transport == "local socket" and bridge.eval("5") == 5


def test_a_client_given_another_token_uses_tcp_and_is_refused(thread_server, mocker):
    local = mocker.spy(bridge_core.client, "_open_local_socket")
    with pytest.raises(bridge_core.AuthenticationError):
        bridge_core.connect(port=thread_server.port, token="another-" + "x" * 40)
    assert local.spy_return is None, "a token that is not the session's own is not sent to its local socket"


def test_any_loopback_name_finds_the_session_and_its_local_socket(thread_server):
    with bridge_core.connect("localhost", thread_server.port) as bridge:
        assert bridge.transport == "local socket"
    with bridge_core.connect("localhost", thread_server.port, token=thread_server.token) as bridge:
        assert bridge.transport == "local socket"


def test_a_given_token_with_the_local_socket_turned_off_uses_tcp(thread_server, monkeypatch):
    monkeypatch.setenv("DCC_BRIDGE_LOCAL_SOCKET", "0")
    with bridge_core.connect(port=thread_server.port, token=thread_server.token) as bridge:
        assert bridge.transport == "tcp" and family_of(bridge) == socket.AF_INET
        assert bridge.eval("5") == 5


@pytest.mark.parametrize("how", ["gone", "refused"])
def test_client_falls_back_to_tcp_when_the_socket_cannot_be_reached(thread_server, how):
    path = thread_server.local_socket
    os.unlink(path)
    squatter = None
    if how == "refused":  # a socket file nobody listens on
        squatter = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        squatter.bind(path)
    try:
        with bridge_core.connect(port=thread_server.port) as bridge:
            assert bridge.transport == "tcp" and bridge.eval("6 * 7") == 42
    finally:
        if squatter is not None:
            squatter.close()


def test_a_dead_server_still_gets_the_clear_error(process_server, runtime_dir):
    path = discovery.find_session(runtime_dir, port=process_server.port).local_socket
    process_server.proc.kill()
    process_server.proc.wait(10)
    assert os.path.exists(path), "a killed server leaves its socket file"
    with pytest.raises(bridge_core.ServerNotFoundError) as caught:
        bridge_core.connect(port=process_server.port)
    assert f"nothing is listening at 127.0.0.1:{process_server.port}" in str(caught.value)
    assert not os.path.exists(path), "the stale session's socket file is cleaned with it"


def test_silent_and_garbage_local_connections_are_dropped_and_hold_up_nobody(thread_server, monkeypatch, caplog):
    monkeypatch.setattr(bridge_core.server, "HANDSHAKE_TIMEOUT", 0.5)
    opened = time.monotonic()
    idle = []
    try:
        for _ in range(5):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            idle.append(sock)
            sock.connect(thread_server.local_socket)
        garbage = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        idle.append(garbage)
        garbage.connect(thread_server.local_socket)
        garbage.sendall(b"GET / HTTP/1.0\r\n\r\n" + os.urandom(64))
        with bridge_core.connect(port=thread_server.port) as bridge:
            assert bridge.transport == "local socket" and bridge.eval("3") == 3
            listed = wait_until(lambda: thread_server.clients, 5, "the client to be listed")
            assert [c.address for c in listed] == ["local socket"]
        for sock in idle:
            sock.settimeout(10)
            assert read_until_closed(sock).startswith(b"DCCB"), "the server's hello, then it hangs up"
        assert time.monotonic() - opened >= 0.5, "the silent ones are dropped at the deadline, not before"
    finally:
        for sock in idle:
            sock.close()
    refused = [r.getMessage() for r in caplog.records if "refused a connection from local socket" in r.getMessage()]
    assert len(refused) == 2, refused  # one line per kind of failure (the garbage; the 5 silent ones) a minute
    assert "ValueError" in "".join(refused) and "TimeoutError" in "".join(refused)
    wait_until(lambda: not thread_server.clients, 5, "the real client to be gone")


def test_an_overlong_runtime_folder_means_tcp_only(tmp_path, monkeypatch, caplog):
    caplog.set_level("DEBUG", logger="dcc_bridge.server")
    folder = tmp_path / ("r" * 120)
    monkeypatch.setenv("DCC_BRIDGE_RUNTIME_DIR", str(folder))
    server = bridge_core.start_server(port=0)
    try:
        assert server.local_socket is None and server.session_file.parent == folder
        assert sockets_in(folder) == []
        assert any("longer than a Unix socket path" in r.getMessage() for r in caplog.records)
        with bridge_core.connect(port=server.port) as bridge:
            assert bridge.transport == "tcp" and bridge.eval("7") == 7
    finally:
        server.stop()


def test_a_socket_that_cannot_be_set_up_means_tcp_only(runtime_dir, monkeypatch):
    real_chmod = os.chmod

    def chmod(path, mode, *args, **kwargs):
        if str(path).endswith(".sock"):
            raise PermissionError(1, "Operation not permitted", str(path))
        return real_chmod(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "chmod", chmod)
    server = bridge_core.start_server(port=0)
    try:
        assert server.local_socket is None and sockets_in(runtime_dir) == [], "nothing half-made is left"
        with bridge_core.connect(port=server.port) as bridge:
            assert bridge.transport == "tcp" and bridge.eval("8") == 8
    finally:
        server.stop()


def test_an_older_session_file_without_the_field_still_works(thread_server, runtime_dir):
    data = json.loads(thread_server.session_file.read_text())
    del data["local_socket"]
    thread_server.session_file.write_text(json.dumps(data))
    assert discovery.find_session(runtime_dir, port=thread_server.port).local_socket == ""
    with bridge_core.connect(port=thread_server.port) as bridge:  # the token still comes from the file
        assert bridge.transport == "tcp" and bridge.eval("9") == 9


def test_stale_sessions_take_their_socket_file_with_them(runtime_dir, tmp_path):
    mine, elsewhere = runtime_dir / "python-1-1.sock", tmp_path / "python-1-2.sock"
    for path, port in ((mine, 1), (elsewhere, 2)):
        path.write_text("")
        discovery.write_session(discovery.SessionInfo(pid=2 ** 22 + 12345, port=port, token="a" * 64,
                                                      local_socket=str(path)), runtime_dir)
    assert discovery.list_sessions(runtime_dir) == []
    assert not mine.exists()
    assert elsewhere.exists(), "a path outside the runtime folder is never deleted"


@pytest.mark.parametrize("value,expected", [(None, True), ("1", True), ("yes", True), ("on", True),
                                            ("0", False), ("false", False), ("no", False), ("off", False)])
def test_the_setting(value, expected):
    environ = {} if value is None else {"DCC_BRIDGE_LOCAL_SOCKET": value}
    assert config.load(environ).local_socket is expected


def test_a_bad_setting_gets_a_clear_error():
    with pytest.raises(bridge_core.ConfigError) as caught:
        config.load({"DCC_BRIDGE_LOCAL_SOCKET": "sometimes"})
    assert "DCC_BRIDGE_LOCAL_SOCKET" in str(caught.value) and "1 to turn it on" in str(caught.value)
