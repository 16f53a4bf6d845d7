"""TLS (issue 13, part 13c): certificates made on the fly by trustme; the handshake inside TLS and bound to it.

Good CA works (in a thread, through a main-thread executor in a child process, bulk frames both ways, the CLI,
DCC_BRIDGE_TLS_* settings, the Houdini shelf and the Maya menu with autostarted servers); a wrong CA, a host
name the certificate is not for, and plain-vs-TLS both ways are clear errors within the connect timeout; a proof
made for another TLS channel is refused; listening on a non-loopback address without TLS is warned about.
"""
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest
import trustme

import bridge_core
from bridge_core import auth, config, handshake, tls
from sessions import houdini_session, maya_session
from support import ROOT, clean_env, read_line, wait_until

pytestmark = pytest.mark.timeout(60)

CONNECT_TIMEOUT = 2.0


class PKI:
    """A CA, a server certificate for 127.0.0.1 and localhost, and files for both; plus another CA."""

    def __init__(self, folder):
        self.ca = trustme.CA()
        self.folder = folder
        self.cert, self.key = self.issue("127.0.0.1", "localhost", name="server")
        self.ca_file = folder / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self.other_ca_file = folder / "other-ca.pem"
        trustme.CA().cert_pem.write_to_path(str(self.other_ca_file))

    def issue(self, *names, name):
        issued = self.ca.issue_cert(*names)
        cert, key = self.folder / f"{name}.pem", self.folder / f"{name}.key"
        issued.cert_chain_pems[0].write_to_path(str(cert))
        for pem in issued.cert_chain_pems[1:]:
            pem.write_to_path(str(cert), append=True)
        issued.private_key_pem.write_to_path(str(key))
        return str(cert), str(key)

    def env(self, **extra):
        return dict({"DCC_BRIDGE_TLS_CERT": self.cert, "DCC_BRIDGE_TLS_KEY": self.key,
                     "DCC_BRIDGE_TLS_CA": str(self.ca_file)}, **extra)


@pytest.fixture
def pki(tmp_path):
    return PKI(tmp_path)


@pytest.fixture
def tls_server(pki):
    server = bridge_core.start_server(port=0, app="houdini", tls_cert=pki.cert, tls_key=pki.key)
    yield server
    server.stop()


def _connect(server, **kwargs):
    """Over TCP (the client's local socket turned off), the token given."""
    kwargs.setdefault("token", server.token)
    kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT)
    kwargs.setdefault("settings", config.load(dict(os.environ, DCC_BRIDGE_LOCAL_SOCKET="0")))
    return bridge_core.connect(kwargs.pop("host", "127.0.0.1"), server.port, **kwargs)


def test_good_ca_works_with_bulk_frames_both_ways(pki, tls_server):
    assert tls_server.tls
    with _connect(tls_server, tls_ca=str(pki.ca_file)) as bridge:
        assert bridge.transport == "tls" and bridge.conn._channel.stream.tls
        assert bridge.hou.node("/obj").path() == "/obj"
        payload = bytearray(os.urandom(3 << 20))  # bulk frames (bridge_core.bulk) out and back
        echo = bridge.eval("lambda data: bytes(reversed(data))")
        assert echo(payload) == bytes(reversed(payload))
        assert len(bridge.eval("b'x' * (5 << 20)")) == 5 << 20
        results = []

        def calls():
            results.append(sum(bridge.eval("lambda i: i * 2")(i) for i in range(200)))

        threads = [threading.Thread(target=calls) for _ in range(4)]  # the reader and callers share TLS
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert results == [sum(i * 2 for i in range(200))] * 4
    with _connect(tls_server, host="localhost", tls_ca=str(pki.ca_file)) as bridge:
        assert bridge.eval("1 + 1") == 2
    connection, hou = bridge_core.import_remote_module("127.0.0.1", tls_server.port, token=tls_server.token,
                                                       tls_ca=str(pki.ca_file))  # hrpyc style
    try:
        assert connection.transport == "tls" and hou.node("/obj").path() == "/obj"
    finally:
        connection.close()


def test_a_main_thread_server_from_the_cli_with_tls_and_the_cli_client(pki, runtime_dir):
    """``serve --tls-cert/--tls-key`` (requests on the main thread: ServingThread) and ``exec --tls-ca``."""
    env = clean_env(runtime_dir, DCC_BRIDGE_LOCAL_SOCKET="0")
    proc = subprocess.Popen([sys.executable, "-m", "bridge_core", "serve", "--port", "0", "--app", "houdini",
                             "--tls-cert", pki.cert, "--tls-key", pki.key], stdout=subprocess.PIPE, text=True,
                            env=env, cwd=str(ROOT))
    try:
        port = int(read_line(proc.stdout, 30, "the server to listen").split()[-1].rpartition(":")[2])
        token = bridge_core.discovery.find_session(runtime_dir, port=port).token
        with bridge_core.connect("127.0.0.1", port, token=token, tls_ca=str(pki.ca_file),
                                 connect_timeout=CONNECT_TIMEOUT) as bridge:
            assert bridge.transport == "tls"
            assert bridge.eval("__import__('threading').current_thread() is __import__('threading').main_thread()")
            blob = bytes(range(256)) * 4096
            assert bridge.eval("lambda b: b[::-1]")(blob) == blob[::-1]
        out = subprocess.run([sys.executable, "-m", "bridge_core", "exec", "--port", str(port), "--tls-ca",
                              str(pki.ca_file), "-c", "print('over tls', bridge.transport, hou.node('/obj').path())"],
                             capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=30)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "over tls tls /obj"
    finally:
        proc.terminate()
        proc.wait(15)


def test_settings_turn_tls_on_for_servers_and_clients(pki, monkeypatch):
    for key, value in pki.env().items():
        monkeypatch.setenv(key, value)
    server = bridge_core.start_server(port=0)
    try:
        assert server.tls
        with _connect(server) as bridge:
            assert bridge.transport == "tls" and bridge.eval("6 * 7") == 42
    finally:
        server.stop()


def test_a_wrong_ca_is_rejected_with_a_clear_error(pki, tls_server, caplog):
    start = time.monotonic()
    with pytest.raises(bridge_core.HandshakeError) as caught:
        _connect(tls_server, tls_ca=str(pki.other_ca_file))
    assert time.monotonic() - start < CONNECT_TIMEOUT + 3
    message = str(caught.value)
    assert "not trusted" in message and str(pki.other_ca_file) in message and f":{tls_server.port}" in message
    wait_until(lambda: any("refused a connection" in r.getMessage() and "TLS" in r.getMessage()
                           for r in caplog.records), 10, "the server to log the refusal")


def test_a_certificate_for_another_host_name_is_rejected(pki, runtime_dir):
    cert, key = pki.issue("render-07.example", name="other-host")
    server = bridge_core.start_server(port=0, tls_cert=cert, tls_key=key)
    try:
        with pytest.raises(bridge_core.HandshakeError) as caught:
            _connect(server, tls_ca=str(pki.ca_file))
        assert "is not for '127.0.0.1'" in str(caught.value)
    finally:
        server.stop()


def test_a_plain_client_of_a_tls_server_gets_a_clear_error_within_the_connect_timeout(tls_server):
    start = time.monotonic()
    with pytest.raises(bridge_core.ConnectTimeoutError) as caught:
        _connect(tls_server)
    assert time.monotonic() - start < CONNECT_TIMEOUT + 3, "no hang past the connect timeout"
    assert isinstance(caught.value, bridge_core.BridgeError)
    assert "tls_ca" in str(caught.value) and "DCC_BRIDGE_TLS_CA" in str(caught.value)


def test_a_tls_client_of_a_plain_server_gets_a_clear_error(pki, runtime_dir):
    server = bridge_core.start_server(port=0)
    try:
        start = time.monotonic()
        with pytest.raises(bridge_core.HandshakeError) as caught:
            _connect(server, tls_ca=str(pki.ca_file))
        assert time.monotonic() - start < CONNECT_TIMEOUT + 3
        assert "TLS" in str(caught.value) and "without tls_ca" in str(caught.value)
        with _connect(server) as bridge:  # the plain server still serves plain clients
            assert bridge.eval("2") == 2
    finally:
        server.stop()


def test_the_local_socket_stays_plain_beside_a_tls_port(pki, tls_server):
    """Same-user clients of this machine that find the session file use the 0600 Unix socket, without TLS."""
    if not tls_server.local_socket:
        pytest.skip("no Unix local socket on this platform")
    with bridge_core.connect(port=tls_server.port, tls_ca=str(pki.ca_file)) as bridge:
        assert bridge.transport == "local socket" and bridge.eval("3") == 3


def test_the_handshake_is_bound_to_the_tls_channel():
    """A proof made for one server certificate (binding) does not pass a server with another."""
    token = auth.new_token()
    for client_binding, server_binding, ok in [(b"a" * 32, b"a" * 32, True), (b"a" * 32, b"b" * 32, False),
                                               (b"", b"b" * 32, False)]:
        ours, theirs = socket.socketpair()
        outcome = {}

        def serve():
            try:
                outcome["hello"] = handshake.server_handshake(theirs, token, "houdini", 5, binding=server_binding)
            except handshake.Rejected as exc:
                outcome["rejected"] = exc

        thread = threading.Thread(target=serve)
        thread.start()
        try:
            if ok:
                assert handshake.client_handshake(ours, token, "peer", 5, binding=client_binding).app == "houdini"
            else:
                with pytest.raises(bridge_core.AuthenticationError):
                    handshake.client_handshake(ours, token, "peer", 5, binding=client_binding)
        finally:
            thread.join(10)
            ours.close()
            theirs.close()
        assert ("hello" in outcome) is ok


def test_unusable_certificate_files_are_config_errors(pki, tmp_path, runtime_dir):
    with pytest.raises(bridge_core.ConfigError, match="cannot read the TLS certificate"):
        bridge_core.start_server(port=0, tls_cert=str(tmp_path / "missing.pem"), tls_key=pki.key)
    _other_cert, other_key = pki.issue("127.0.0.1", name="other")
    with pytest.raises(bridge_core.ConfigError, match="private key that matches"):
        bridge_core.start_server(port=0, tls_cert=pki.cert, tls_key=other_key)
    with pytest.raises(bridge_core.ConfigError, match="TLS CA"):
        bridge_core.connect(port=1, tls_ca=str(tmp_path / "missing-ca.pem"))
    assert bridge_core.discovery.list_sessions(runtime_dir) == [], "nothing left listening"
    assert tls.binding_of(b"x") == __import__("hashlib").sha256(b"x").digest()


def test_listening_beyond_loopback_without_tls_warns_once_saying_what_is_exposed(pki, caplog, runtime_dir):
    server = bridge_core.start_server(port=0, host="0.0.0.0")
    server.stop()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    exposed = [w for w in warnings if "without TLS" in w]
    assert len(exposed) == 1 and "unencrypted" in exposed[0] and "DCC_BRIDGE_TLS_CERT" in exposed[0]
    caplog.clear()
    server = bridge_core.start_server(port=0, host="0.0.0.0", tls_cert=pki.cert, tls_key=pki.key)
    server.stop()
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    loopback = bridge_core.start_server(port=0)
    loopback.stop()
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


@pytest.mark.timeout(120)
def test_the_houdini_shelf_and_the_maya_menu_over_tls(pki, runtime_dir, tmp_path):
    """Both hosts autostart TLS servers from DCC_BRIDGE_TLS_CERT/KEY; Maya's Connect to Houdini... and Houdini's
    Connect to Maya connect over TLS with DCC_BRIDGE_TLS_CA (local sockets off, so TCP is used)."""
    env = pki.env(DCC_BRIDGE_AUTOSTART="1", DCC_BRIDGE_LOCAL_SOCKET="0")
    with houdini_session(runtime_dir, prefs_dir=tmp_path / "prefs", env=env) as houdini, \
            maya_session(runtime_dir, app_dir=tmp_path / "maya", env=env) as maya:
        sessions = {s.app: s for s in bridge_core.discovery.list_sessions(runtime_dir)}
        assert set(sessions) == {"houdini", "maya"}
        for session in sessions.values():
            with pytest.raises(bridge_core.ConnectTimeoutError):  # both serve TLS only on TCP
                bridge_core.connect(port=session.port, connect_timeout=0.5, settings=config.load(
                    {"DCC_BRIDGE_RUNTIME_DIR": str(runtime_dir), "DCC_BRIDGE_LOCAL_SOCKET": "0"}))
        assert "with TLS" in houdini.eval("__import__('dcc_bridge_houdini.server').server.SERVER.describe()")
        maya.menu("Houdini Bridge", "Connect to Houdini...")
        assert maya.eval("__import__('dcc_bridge_maya.houdini_link').houdini_link.link().bridge.transport") == "tls"
        assert maya.eval("hou.node('/obj').path()") == "/obj"
        houdini.click("dcc_bridge_connect_maya")
        assert "connected to Maya" in houdini.shown()["status"][-1]
        assert houdini.eval("hou.session.maya_link.bridge.transport") == "tls"
        assert houdini.eval("hou.session.cmds.polyCube(name='over_tls')[0]") == "over_tls"


def test_an_idle_tls_connection_lives_on_heartbeats_both_ways(pki):
    """Keepalive over TLS: each end's heartbeats reach the other while the connection is idle (a heartbeat on a
    TLS socket used to stay queued until the next message, so an idle TLS client was dropped after a window)."""
    server = bridge_core.start_server(port=0, app="houdini", tls_cert=pki.cert, tls_key=pki.key, keepalive=0.3)
    try:
        with _connect(server, tls_ca=str(pki.ca_file), keepalive=0.3) as bridge:
            assert bridge.transport == "tls"
            start = time.monotonic()
            wait_until(lambda: bridge.conn.last_heard > start + 5 * 0.3, 10, "the server's heartbeats for five windows")
            assert not bridge.closed and len(server.clients) == 1, "the server dropped the idle TLS client"
            assert bridge.modules.operator.add(2, 3) == 5
    finally:
        server.stop()


def test_tls_and_the_token_handshake_share_one_handshake_deadline(pki, monkeypatch):
    """Found by review: the TLS handshake and the token handshake each had the whole handshake deadline, so a
    client slow to finish TLS and then silent held its admission slot twice as long as documented. Here the
    deadline is 2 s; the client finishes TLS after 1.2 s and then says nothing: the server closes it about 2 s
    after it connected (it was 3.2 s)."""
    monkeypatch.setattr(bridge_core.server, "HANDSHAKE_TIMEOUT", 2.0)
    server = bridge_core.start_server(port=0, app="houdini", tls_cert=pki.cert, tls_key=pki.key)
    try:
        start = time.monotonic()
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        threading.Event().wait(1.2)  # a slow client: silent through most of the deadline, then TLS
        try:
            sock = tls.client_context(str(pki.ca_file)).wrap_socket(sock, server_hostname="127.0.0.1")
            sock.settimeout(10)
            while sock.recv(4096):  # the server's hello, then nothing until it closes
                pass
        except OSError:  # TLS itself ran out of time (a loaded machine): closed all the same
            pass
        closed = time.monotonic() - start
        sock.close()
        assert closed < 3.0, f"closed {closed:.1f} s after connecting: TLS and the handshake each had 2 s"
    finally:
        server.stop()


def test_a_connection_reset_before_tls_starts_is_a_refused_tls_handshake(pki):
    """Found by review: a client that sent a few bytes and reset the connection before the server's thread
    started TLS made ``wrap_socket`` itself fail (ssl.SSLError "Closed before TLS handshake with data in recv
    buffer", or ConnectionResetError), outside ``tls.accept``'s handling: the server logged it as a connection
    "lost before serving it" and did not count it as a failed handshake (no back-off)."""
    context = tls.server_context(pki.cert, pki.key)
    for sent in (b"\x16\x03\x01\x02\x00\x01", b""):
        with socket.create_server(("127.0.0.1", 0)) as listener:
            client = socket.create_connection(listener.getsockname())
            accepted, _ = listener.accept()
            with accepted:
                client.sendall(sent)
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                client.close()  # a reset
                wait_until(lambda: select.select([accepted], [], [], 0)[0], 10, "the reset to arrive")
                with pytest.raises(tls.TLSRefused):
                    tls.accept(accepted, context, 5)
