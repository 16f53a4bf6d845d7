"""Secure by default: handshake, tokens, session files, binding, and the errors users see (issue: the core)."""
import json
import os
import socket
import stat
import struct
import threading

import pytest
import rpyc

import bridge_core
from bridge_core import auth, config, discovery, handshake, wire
from support import wait_until


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_plain_rpyc_client_gets_nothing_run(thread_server, tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises((EOFError, ConnectionError, OSError, TimeoutError)):
        conn = rpyc.classic.connect("127.0.0.1", thread_server.port)
        conn._config["sync_request_timeout"] = 5
        conn.execute(f"open({str(marker)!r}, 'w').close()")
    assert not marker.exists()
    assert thread_server.clients == []


def test_wrong_token_is_rejected_with_a_clear_error(thread_server, caplog):
    with pytest.raises(bridge_core.AuthenticationError) as caught:
        bridge_core.connect(port=thread_server.port, token="0" * 64)
    assert "could not prove it knows this token" in str(caught.value) and "token was not used" in str(caught.value)
    assert isinstance(caught.value, ConnectionError)
    wait_until(lambda: "its token is not this server's" in caplog.text, timeout=10, what="the server's log line")
    assert thread_server.clients == []


def test_client_finds_the_token_in_the_session_file(thread_server, runtime_dir):
    session = discovery.find_session(runtime_dir, port=thread_server.port)
    assert session is not None and session.token == thread_server.token
    with bridge_core.connect(port=thread_server.port) as bridge:  # no token given
        assert bridge.eval("1") == 1
        assert bridge.session.path == thread_server.session_file


def test_without_a_session_file_the_token_comes_from_the_environment(thread_server, monkeypatch, tmp_path):
    monkeypatch.setenv("DCC_BRIDGE_RUNTIME_DIR", str(tmp_path / "elsewhere"))
    with pytest.raises(bridge_core.AuthenticationError) as caught:
        bridge_core.connect(port=thread_server.port)
    assert "no token" in str(caught.value) and "DCC_BRIDGE_TOKEN" in str(caught.value)
    monkeypatch.setenv("DCC_BRIDGE_TOKEN", thread_server.token)
    with bridge_core.connect(port=thread_server.port) as bridge:
        assert bridge.eval("2") == 2


def test_session_file_is_private_complete_and_removed_on_stop(runtime_dir):
    server = bridge_core.start_server(port=0, app="houdini", scene="/shots/a010.hip")
    path = server.session_file
    try:
        assert path.parent == runtime_dir
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(runtime_dir.stat().st_mode) == 0o700
        data = json.loads(path.read_text())
        assert data["app"] == "houdini" and data["port"] == server.port and data["pid"] == os.getpid()
        assert data["token"] == server.token and len(data["token"]) == 64
        assert data["bridge"] == bridge_core.__version__ and data["protocol"] == wire.VERSION
        assert data["scene"] == "/shots/a010.hip" and data["started"].endswith("Z")
        assert data["machine"] == socket.gethostname() and data["host"] == "127.0.0.1"
    finally:
        server.stop()
    assert not path.exists()


def test_a_readable_runtime_folder_is_warned_about_never_changed(tmp_path, caplog):
    folder = tmp_path / "wide"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    discovery.ensure_private_dir(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755, "a folder the bridge did not create keeps its mode"
    assert any("chmod 700" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)


def test_stale_session_files_are_ignored_and_cleaned(runtime_dir):
    dead = discovery.SessionInfo(app="houdini", pid=2 ** 22 + 12345, port=1234, token="a" * 64)
    path = discovery.write_session(dead, runtime_dir)
    other_machine = discovery.SessionInfo(app="houdini", port=1235, token="b" * 64, machine="not-this-machine")
    other = discovery.write_session(other_machine, runtime_dir)
    (runtime_dir / "session-garbage.json").write_text("{not json")
    assert discovery.list_sessions(runtime_dir) == []
    assert not path.exists(), "a dead process's file is removed"
    assert other.exists(), "another machine's file (shared home) is left alone"


def test_server_listens_on_loopback_only_by_default(thread_server):
    assert thread_server.host == "127.0.0.1"
    assert thread_server._listener.listener.getsockname()[0] == "127.0.0.1"


def test_listening_on_another_address_is_explicit_and_warned(runtime_dir, caplog):
    server = bridge_core.start_server(port=0, host="0.0.0.0")
    try:
        assert server.host == "0.0.0.0"
        assert any("other machines" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    finally:
        server.stop()


def test_refused_connection_names_the_address_and_what_to_check():
    port = free_port()
    with pytest.raises(bridge_core.ServerNotFoundError) as caught:
        bridge_core.connect(port=port)
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "running" in message and "list" in message
    assert isinstance(caught.value, ConnectionError)


def test_port_in_use_raises_a_clear_error(thread_server):
    with pytest.raises(bridge_core.PortInUseError) as caught:
        bridge_core.start_server(port=thread_server.port)
    assert str(thread_server.port) in str(caught.value) and "already in use" in str(caught.value)
    assert isinstance(caught.value, OSError)


def test_silent_connections_never_hold_up_real_clients(thread_server, monkeypatch):
    monkeypatch.setattr(bridge_core.server, "HANDSHAKE_TIMEOUT", 0.5)
    idle = [socket.create_connection(("127.0.0.1", thread_server.port)) for _ in range(5)]
    try:
        with bridge_core.connect(port=thread_server.port) as bridge:
            assert bridge.eval("3") == 3
        for sock in idle:  # each silent socket is dropped by the server after the handshake deadline
            sock.settimeout(10)
            sock.recv(4096)  # the hello frame
            assert sock.recv(4096) == b""
    finally:
        for sock in idle:
            sock.close()


def _fake_hello(protocol):
    body = json.dumps({"msg": "hello", "protocol": protocol, "bridge": "9.9.9", "rpyc": "6.0.2", "app": "houdini",
                       "nonce": os.urandom(32).hex()}).encode()
    return b"DCCB" + struct.pack("!I", len(body)) + body


def test_client_reports_a_server_of_another_protocol_version():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve_once():
        conn, _ = listener.accept()
        conn.sendall(_fake_hello(99))
        conn.recv(1024)
        conn.close()

    thread = threading.Thread(target=serve_once, daemon=True)
    thread.start()
    try:
        with pytest.raises(bridge_core.ProtocolMismatchError) as caught:
            bridge_core.connect(port=port, token="t" * 64)
        message = str(caught.value)
        assert "protocol 99" in message and f"protocol {wire.VERSION}" in message
        assert "9.9.9" in message and bridge_core.__version__ in message
        assert "invalid message type" not in message
    finally:
        listener.close()


def test_server_rejects_a_client_of_another_protocol_version_naming_both(thread_server):
    sock = socket.create_connection(("127.0.0.1", thread_server.port), timeout=5)
    try:
        magic, length = struct.unpack("!4sI", sock.recv(8))
        hello = json.loads(sock.recv(length))
        body = json.dumps({"msg": "auth", "protocol": 99, "bridge": "9.9.9", "rpyc": "6.0.2",
                           "nonce": os.urandom(32).hex(), "proof": "00" * 32}).encode()
        sock.sendall(b"DCCB" + struct.pack("!I", len(body)) + body)
        magic, length = struct.unpack("!4sI", sock.recv(8))
        answer = json.loads(sock.recv(length))
    finally:
        sock.close()
    assert hello["protocol"] == wire.VERSION
    assert answer["msg"] == "reject" and answer["reason"] == "protocol"
    assert "protocol 99" in answer["detail"] and f"protocol {wire.VERSION}" in answer["detail"]


def test_client_against_a_plain_rpyc_server_explains_itself():
    """Houdini's own hrpyc server is plain rpyc: our client must say so, not hang or crash."""
    from rpyc.utils.server import OneShotServer

    server = OneShotServer(rpyc.ClassicService, hostname="127.0.0.1", port=0)
    server._listen()  # listening before connect(); start() then accepts one client and ends
    outcome = []

    def serve_one():
        try:
            server.start()
        except Exception as exc:  # rpyc's server fails when our client hangs up: expected, recorded
            outcome.append(exc)

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    try:
        with pytest.raises(bridge_core.BridgeConnectionError) as caught:
            bridge_core.connect(port=server.port, token="t" * 64, connect_timeout=0.5)
        assert "handshake" in str(caught.value) and "hrpyc" in str(caught.value)
    finally:
        thread.join(10)
        server.close()
    assert not thread.is_alive()


def test_the_token_never_crosses_the_wire_nor_reaches_the_log(thread_server, caplog):
    seen = bytearray()
    real_recv = socket.socket.recv

    def spy(self, *args, **kwargs):
        data = real_recv(self, *args, **kwargs)
        seen.extend(data)
        return data

    socket.socket.recv = spy
    try:
        with bridge_core.connect(port=thread_server.port) as bridge:
            bridge.eval("1")
    finally:
        socket.socket.recv = real_recv
    assert thread_server.token.encode() not in bytes(seen)
    assert thread_server.token not in caplog.text


def test_auth_proofs_depend_on_token_and_both_nonces():
    token, a, b = auth.new_token(), auth.new_nonce(), auth.new_nonce()
    facts = dict(app="houdini", session="ab" * 16, dialled="127.0.0.1:1")
    good = auth.proof(token, auth.CLIENT, auth.transcript(**facts, server_nonce=a, client_nonce=b))
    assert auth.verify(token, auth.CLIENT, auth.transcript(**facts, server_nonce=a, client_nonce=b), good)
    assert not auth.verify(token, auth.SERVER, auth.transcript(**facts, server_nonce=a, client_nonce=b), good)
    assert not auth.verify(token, auth.CLIENT, auth.transcript(**facts, server_nonce=b, client_nonce=a), good)
    assert not auth.verify(auth.new_token(), auth.CLIENT, auth.transcript(**facts, server_nonce=a, client_nonce=b),
                           good)


@pytest.mark.parametrize("key,value,needle", [
    ("DCC_BRIDGE_PORT", "abc", "not a TCP port"),
    ("DCC_BRIDGE_PORT", "70000", "not a TCP port"),
    ("DCC_BRIDGE_AUTOSTART", "maybe", "1 to turn it on"),
    ("DCC_BRIDGE_TIMEOUT", "-1", "positive"),
])
def test_bad_environment_values_get_clear_errors(key, value, needle):
    with pytest.raises(bridge_core.ConfigError) as caught:
        config.load({key: value})
    assert key in str(caught.value) and needle in str(caught.value)


def test_settings_read_every_variable_in_one_place(tmp_path):
    token = auth.new_token()
    settings = config.load({"DCC_BRIDGE_HOST": "10.0.0.5", "DCC_BRIDGE_PORT": "19000", "DCC_BRIDGE_TOKEN": token,
                            "DCC_BRIDGE_RUNTIME_DIR": str(tmp_path), "DCC_BRIDGE_AUTOSTART": "0",
                            "DCC_BRIDGE_TIMEOUT": "2.5", "DCC_BRIDGE_MAX_TRANSFER": "1000"})
    assert (settings.host, settings.port, settings.token) == ("10.0.0.5", 19000, token)
    assert settings.runtime_dir == tmp_path and settings.autostart is False
    assert settings.timeout == 2.5 and settings.max_transfer == 1000
    defaults = config.load({"HOME": str(tmp_path)})
    assert defaults.port == 18811 and defaults.host == "127.0.0.1" and defaults.autostart is None
    assert str(defaults.runtime_dir).startswith(str(tmp_path))


def test_the_wire_version_decides_not_rpycs(thread_server, monkeypatch):
    """The handshake compares the bridge's own wire version (``wire.VERSION``): a peer that reports another
    rpyc and another bridge version but the same wire version is welcomed (rpyc's version is for the record)."""
    monkeypatch.setattr(handshake, "RPYC_VERSION", "7.1.0")
    monkeypatch.setattr(handshake, "__version__", "9.9.9")
    with socket.create_connection(("127.0.0.1", thread_server.port), timeout=5) as sock:
        hello = handshake.client_handshake(sock, thread_server.token, "test", timeout=5)
    assert hello.protocol == wire.VERSION and hello.app == "houdini"
    assert hello.session == thread_server.session_id
