"""13b TRUST, the handshake: proofs bound to the server and the address the client dialled, the server proving
itself first, relays refused, weak tokens refused, tokens never shown, hostile handshakes reported cleanly.

The attackers here are real programs on real sockets: a byte relay listening where the client means to
connect (Houdini's port while Houdini is not running, or ``::1`` beside a server on 127.0.0.1) that forwards
to a server sharing the token, and a handshake-aware man in the middle that rewrites what the client says.
"""
import json
import os
import socket
import struct
import threading

import pytest

import bridge_core
from bridge_core import auth, config, discovery, handshake, wire
from support import wait_until

pytestmark = pytest.mark.timeout(60)


def frame(body):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return wire.HANDSHAKE_MAGIC + struct.pack("!I", len(data)) + data


def read_frame(sock):
    """One handshake frame's JSON body from ``sock``, or None when it closed first."""
    head = b""
    while len(head) < 8:
        chunk = sock.recv(8 - len(head))
        if not chunk:
            return None
        head += chunk
    length = struct.unpack("!4sI", head)[1]
    body = b""
    while len(body) < length:
        chunk = sock.recv(length - len(body))
        if not chunk:
            return None
        body += chunk
    return json.loads(body)


class Relay:
    """An attacker: listens at ``(host, port)`` and forwards each connection to ``target``. ``rewrite`` turns
    it into a man in the middle that rewrites the client's challenge to name the address the target sees (so
    the target would answer) and records every message the client sends after it."""

    def __init__(self, target, host="127.0.0.1", port=0, rewrite=False):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.create_server((host, port), family=family)
        self.port = self.listener.getsockname()[1]
        self.target, self.rewrite = target, rewrite
        self.from_client = []  # the client's handshake messages (rewrite mode)
        self.connections = 0
        self._threads = []
        self._sockets = []
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(self.target, timeout=10)
            self._sockets += [client, upstream]
            thread = threading.Thread(target=self._man_in_the_middle if self.rewrite else self._pump_both,
                                      args=(client, upstream), daemon=True)
            thread.start()
            self._threads.append(thread)

    @staticmethod
    def _pump(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _pump_both(self, client, upstream):
        back = threading.Thread(target=self._pump, args=(upstream, client), daemon=True)
        back.start()
        self._pump(client, upstream)
        back.join(10)

    def _man_in_the_middle(self, client, upstream):
        try:
            client.sendall(frame(read_frame(upstream)))            # the real server's hello
            challenge = read_frame(client)
            self.from_client.append(dict(challenge))
            challenge["dialled"] = handshake.endpoint(upstream, local=False)   # what the server will accept
            upstream.sendall(frame(challenge))
            client.sendall(frame(read_frame(upstream)))            # its proof, made for the rewritten address
            while True:                                           # whatever the client sends next
                message = read_frame(client)
                if message is None:
                    break
                self.from_client.append(message)
                upstream.sendall(frame(message))
                client.sendall(frame(read_frame(upstream)))
        except (OSError, TypeError, ValueError):
            pass
        finally:
            client.close()
            upstream.close()

    def close(self):
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the relay's thread (Linux)
        except OSError:
            pass
        self.listener.close()
        for sock in self._sockets:
            sock.close()
        for thread in self._threads:
            thread.join(10)


@pytest.fixture
def maya_with_shared_token(monkeypatch):
    """The README's cross-machine recipe: the same DCC_BRIDGE_TOKEN everywhere; a Maya server runs, and
    Houdini's port is free (Houdini is not running)."""
    token = auth.new_token()
    monkeypatch.setenv("DCC_BRIDGE_TOKEN", token)
    server = bridge_core.start_server(port=0, app="maya")
    yield server
    server.stop()


def test_a_proof_relayed_to_another_server_with_the_same_token_is_refused(maya_with_shared_token, caplog):
    """An attacker listening on Houdini's port relays a Houdini-bound client to the Maya server."""
    maya = maya_with_shared_token
    relay = Relay(("127.0.0.1", maya.port))
    try:
        with pytest.raises(bridge_core.HandshakeError) as caught:
            bridge_core.connect(port=relay.port)           # meant for "Houdini": token from DCC_BRIDGE_TOKEN
        assert relay.connections == 1
    finally:
        relay.close()
    message = str(caught.value)
    assert f"127.0.0.1:{relay.port}" in message and f"127.0.0.1:{maya.port}" in message and "relay" in message
    assert maya.clients == []
    assert any("relayed" in r.getMessage() for r in caplog.records if r.name == "dcc_bridge.server")


def test_a_man_in_the_middle_gets_no_client_proof(maya_with_shared_token):
    """Rewriting the dialled address makes the server answer, but its proof is for the rewritten address: the
    client refuses it before revealing anything made with the token."""
    maya = maya_with_shared_token
    relay = Relay(("127.0.0.1", maya.port), rewrite=True)
    try:
        with pytest.raises(bridge_core.AuthenticationError) as caught:
            bridge_core.connect(port=relay.port)
        wait_until(lambda: relay.from_client, timeout=10, what="the relay to see the challenge")
    finally:
        relay.close()
    assert "could not prove" in str(caught.value) and f"127.0.0.1:{relay.port}" in str(caught.value)
    assert [m["msg"] for m in relay.from_client] == ["challenge"], "the client sent nothing after its challenge"
    assert relay.from_client[0]["dialled"] == f"127.0.0.1:{relay.port}"
    assert maya.clients == []


@pytest.fixture
def ipv6_loopback():
    try:
        with socket.create_server(("::1", 0), family=socket.AF_INET6):
            pass
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback here ({exc})")


def test_a_program_on_ipv6_loopback_cannot_borrow_the_session(thread_server, ipv6_loopback):
    """A server on 127.0.0.1:P; another program listens on [::1]:P and relays there. A client connecting to
    ::1 must neither take the 127.0.0.1 session's token nor have a proof accepted through the relay."""
    relay = Relay(("127.0.0.1", thread_server.port), host="::1", port=thread_server.port)
    try:
        with pytest.raises(bridge_core.AuthenticationError) as caught:
            bridge_core.connect("::1", thread_server.port)
        assert "no token" in str(caught.value)
        with pytest.raises(bridge_core.HandshakeError) as caught:  # even given the token: refused, not relayed
            bridge_core.connect("::1", thread_server.port, token=thread_server.token)
        assert f"[::1]:{thread_server.port}" in str(caught.value)
        assert relay.connections == 2
    finally:
        relay.close()


def test_errors_name_an_ipv6_peer_unambiguously(thread_server, ipv6_loopback):
    """Found by review: a client's errors named an IPv6 peer "::1:PORT" (where does the address end?); they
    now write it as the server's side does, "[::1]:PORT"."""
    relay = Relay(("127.0.0.1", thread_server.port), host="::1", port=thread_server.port)
    try:
        with pytest.raises(bridge_core.HandshakeError) as caught:
            bridge_core.connect("::1", thread_server.port, token=thread_server.token)
    finally:
        relay.close()
    assert str(caught.value).startswith(f"the DCC Bridge server reached through [::1]:{thread_server.port} is not at "
                                        f"[::1]:{thread_server.port} ")
    with socket.create_server(("::1", 0), family=socket.AF_INET6) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(bridge_core.ServerNotFoundError, match=rf"nothing is listening at \[::1\]:{port} "):
        bridge_core.connect("::1", port, token=thread_server.token)
    assert thread_server.clients == []


def test_the_server_proves_itself_before_the_client_reveals_a_proof(runtime_dir):
    """A listener that does not know the token answers with a made-up proof: the client stops there."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    received = []

    def impostor():
        conn, _ = listener.accept()
        with conn:
            conn.sendall(frame({"msg": "hello", "protocol": wire.VERSION, "bridge": bridge_core.__version__,
                                "rpyc": "6.0.2", "app": "houdini", "session": "ab" * 16,
                                "nonce": os.urandom(32).hex()}))
            received.append(read_frame(conn))
            conn.sendall(frame({"msg": "proof", "proof": os.urandom(32).hex()}))
            try:
                received.append(read_frame(conn))   # None: the client hung up without sending a proof
            except ConnectionResetError:
                received.append(None)

    thread = threading.Thread(target=impostor, daemon=True)
    thread.start()
    try:
        with pytest.raises(bridge_core.AuthenticationError) as caught:
            bridge_core.connect(port=port, token=auth.new_token())
        thread.join(10)
    finally:
        listener.close()
    assert f"127.0.0.1:{port}" in str(caught.value) and "could not prove" in str(caught.value)
    assert received[0]["msg"] == "challenge" and "proof" not in received[0]
    assert received[1] is None


def test_a_server_other_than_the_session_file_names_is_refused(thread_server):
    path = thread_server.session_file
    data = json.loads(path.read_text())
    data["session"] = "00" * 16  # the file names another session than the one now on its port
    path.write_text(json.dumps(data))
    with pytest.raises(bridge_core.AuthenticationError) as caught:
        bridge_core.connect(port=thread_server.port)
    assert "not the session its session file names" in str(caught.value)
    assert thread_server.clients == []


@pytest.mark.parametrize("client_binding,agrees", [(b"server's", True), (b"another", False)])
def test_proofs_cover_the_channel_binding(client_binding, agrees):
    """``binding`` (13c: the TLS certificate's hash) is mixed into both proofs: ends that disagree fail."""
    token, result = auth.new_token(), []
    server_sock, client_sock = socket.socketpair()

    def serve():
        try:
            result.append(handshake.server_handshake(server_sock, token, "houdini", 5, session="cd" * 16,
                                                     binding=b"server's"))
        except handshake.Rejected as exc:
            result.append(exc)
        finally:
            server_sock.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        if agrees:
            assert handshake.client_handshake(client_sock, token, "pair", 5, binding=client_binding).app == "houdini"
        else:
            with pytest.raises(bridge_core.AuthenticationError) as caught:
                handshake.client_handshake(client_sock, token, "pair", 5, binding=client_binding)
            assert "could not prove" in str(caught.value)
    finally:
        client_sock.close()
        thread.join(10)
    assert isinstance(result[0], handshake.Hello) == agrees


# ------------------------------------------------------------------------------ hostile and broken servers

_GOOD_HELLO = {"msg": "hello", "protocol": wire.VERSION, "bridge": bridge_core.__version__, "rpyc": "6.0.2",
               "app": "houdini", "session": "ab" * 16, "nonce": "00" * 32}

HOSTILE = {
    "deep JSON": [frame(b"[" * 8000)],
    "deep JSON object": [frame(b'{"msg":"hello","x":' + b"[" * 4000 + b"]" * 4000 + b"}")],
    "not UTF-8": [frame(b'{"msg":"\xff\xfe"}')],
    "a list": [frame([1, 2, 3])],
    "msg a number": [frame({"msg": 5})],
    "nonce a number": [frame(dict(_GOOD_HELLO, nonce=5))],
    "nonce too short": [frame(dict(_GOOD_HELLO, nonce="00"))],
    "session not hex": [frame(dict(_GOOD_HELLO, session="zz"))],
    "app a dict": [frame(dict(_GOOD_HELLO, app={"a": [1]}))],
    "truncated header": [b"DCC"],
    "truncated body": [wire.HANDSHAKE_MAGIC + struct.pack("!I", 100) + b'{"msg":'],
    "oversized": [wire.HANDSHAKE_MAGIC + struct.pack("!I", 2 ** 31)],
    "not a bridge": [b"HTTP/1.1 200 OK\r\n\r\n"],
    "proof a list": [frame(_GOOD_HELLO), frame({"msg": "proof", "proof": [1]})],
    "proof deep": [frame(_GOOD_HELLO), frame(b'{"msg":"proof","proof":' + b"[" * 5000 + b"}")],
    "unknown answer": [frame(_GOOD_HELLO), frame({"msg": "welcome"})],
    "reject with a nested detail": [frame(_GOOD_HELLO), frame({"msg": "reject", "reason": [1], "detail": {"a": 1}})],
    "cut after hello": [frame(_GOOD_HELLO)],
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_every_hostile_or_broken_server_gives_a_handshake_error_naming_it(name, runtime_dir):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def hostile():
        conn, _ = listener.accept()
        with conn:
            try:  # the client may hang up (even reset) at any point: that is its right
                for index, data in enumerate(HOSTILE[name]):
                    if index:
                        read_frame(conn)
                    conn.sendall(data)
                conn.shutdown(socket.SHUT_WR)
                conn.settimeout(10)
                while conn.recv(4096):
                    pass
            except OSError:
                pass

    thread = threading.Thread(target=hostile, daemon=True)
    thread.start()
    try:
        with pytest.raises(bridge_core.HandshakeError) as caught:
            bridge_core.connect(port=port, token=auth.new_token(), connect_timeout=10)
        thread.join(10)
    finally:
        listener.close()
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "Traceback" not in str(caught.value)


@pytest.mark.parametrize("payload", [frame(b"[" * 8000), frame({"msg": "challenge", "protocol": wire.VERSION,
                                                                "nonce": {"a": 1}, "dialled": []}),
                                     frame(b"\xff" * 10), b"DCCB\x00"])
def test_a_hostile_client_is_refused_without_a_thread_traceback(thread_server, payload, caplog):
    with socket.create_connection(("127.0.0.1", thread_server.port), timeout=10) as sock:
        assert read_frame(sock)["msg"] == "hello"
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(4096):  # a reject frame perhaps, then the server closes
            pass
    wait_until(lambda: any("refused a connection" in r.getMessage() for r in caplog.records), timeout=10,
               what="the server to log the refusal")
    with bridge_core.connect(port=thread_server.port) as bridge:  # and it goes on serving
        assert bridge.eval("1 + 1") == 2


# ------------------------------------------------------------------------------ tokens


@pytest.mark.parametrize("weak", ["zq7", "t" * 64, "abcdefgh" * 2, "0123456789abcdef" "0123456789abcde",
                                  "correct horse"])
def test_a_weak_token_is_refused_with_how_to_make_one(weak):
    with pytest.raises(bridge_core.ConfigError) as caught:
        config.load({"DCC_BRIDGE_TOKEN": weak})
    message = str(caught.value)
    assert "DCC_BRIDGE_TOKEN" in message and "128 bits" in message and "secrets.token_hex" in message
    assert weak not in message


def test_start_server_refuses_a_weak_token_and_takes_a_strong_one(runtime_dir):
    with pytest.raises(bridge_core.ConfigError) as caught:
        bridge_core.start_server(port=0, token="hunter2")
    assert "128 bits" in str(caught.value) and "hunter2" not in str(caught.value)
    for strong in (auth.new_token(), os.urandom(16).hex(), "Zx9_" + "k3-Q" * 5 + "wp"):
        assert auth.token_bits(strong) >= 128
        server = bridge_core.start_server(port=0, token=strong)
        try:
            with bridge_core.connect(port=server.port) as bridge:
                assert bridge.eval("3") == 3
        finally:
            server.stop()


def test_tokens_appear_in_no_repr_log_or_error(thread_server, caplog, capsys):
    token = thread_server.token
    settings = config.load({"DCC_BRIDGE_TOKEN": token})
    session = discovery.find_session(config.load().runtime_dir, port=thread_server.port)
    with bridge_core.connect(port=thread_server.port) as bridge:
        shown = [repr(settings), repr(session), str(session), repr(thread_server), repr(bridge),
                 repr(bridge.session)]
    for wrong in (auth.new_token(), token):  # errors: wrong token, and a relay refusal with the right one
        try:
            bridge_core.connect(port=thread_server.port, token=wrong[::-1])
        except bridge_core.BridgeError as exc:
            shown.append(str(exc))
    shown += [caplog.text, *capsys.readouterr()]
    for text in shown:
        assert token not in text and token[::-1] not in text


@pytest.mark.parametrize("listen,dial", [("::1", "::1"), ("0.0.0.0", "127.0.0.1"), ("127.0.0.1", "localhost"),
                                         ("localhost", "127.0.0.1")])
def test_direct_connections_are_not_taken_for_relays(listen, dial, monkeypatch, request):
    """The other side of the relay tests: IPv6, a server on every address, a name that resolves to the
    server's address: the session file's token is found and the dialled address matches, over TCP."""
    if ":" in listen:
        request.getfixturevalue("ipv6_loopback")
    monkeypatch.setenv("DCC_BRIDGE_LOCAL_SOCKET", "0")
    server = bridge_core.start_server(port=0, host=listen)
    try:
        with bridge_core.connect(dial, server.port) as bridge:
            assert bridge.transport == "tcp" and bridge.eval("6 * 7") == 42
            assert bridge.session.session == server.session_id
    finally:
        server.stop()


def test_the_documented_message_table_is_the_flow(monkeypatch):
    """handshake's docstring table lists the messages a successful handshake sends, in order, with their keys."""
    import re

    rows = re.findall(r"^\| (\d) \| (S → C|C → S)\s*\| ``(\w+)``[^|]*\| (.*)\|$", handshake.__doc__, re.M)
    documented = [(direction, msg) for _, direction, msg, _ in rows]
    sent = []
    real_write = handshake._write_frame

    def spy(sock, body, deadline):
        sent.append(("S → C" if threading.current_thread().name == "server-side" else "C → S", body["msg"],
                     sorted(body)))
        real_write(sock, body, deadline)

    monkeypatch.setattr(handshake, "_write_frame", spy)
    token = auth.new_token()
    server_sock, client_sock = socket.socketpair()
    thread = threading.Thread(target=handshake.server_handshake, args=(server_sock, token, "houdini", 5),
                              name="server-side", daemon=True)
    thread.start()
    try:
        handshake.client_handshake(client_sock, token, "pair", 5)
        thread.join(10)
    finally:
        server_sock.close()
        client_sock.close()
    assert [(direction, msg) for direction, msg, _ in sent] == documented
    for (_, _, keys), (_, _, _, described) in zip(sent, rows):
        for key in keys:
            assert key == "msg" or f"``{key}``" in described, (key, described)


def test_a_wrong_client_proof_is_rejected_after_hold_reject():
    """A client that sends a proof anyway (an attacker guessing online) is rejected, after ``hold_reject``."""
    token, held, result = auth.new_token(), [], []
    server_sock, client_sock = socket.socketpair()

    def serve():
        try:
            handshake.server_handshake(server_sock, token, "houdini", 5, lambda: held.append(True))
        except handshake.Rejected as exc:
            result.append(str(exc))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        hello = read_frame(client_sock)
        client_sock.sendall(frame({"msg": "challenge", "protocol": wire.VERSION, "bridge": "x", "rpyc": "x",
                                   "nonce": os.urandom(32).hex(), "dialled": ""}))
        assert read_frame(client_sock)["msg"] == "proof"
        client_sock.sendall(frame({"msg": "auth", "proof": os.urandom(32).hex()}))
        answer = read_frame(client_sock)
        thread.join(10)
    finally:
        client_sock.close()
        server_sock.close()
    assert hello["msg"] == "hello" and answer == {"msg": "reject", "reason": "token", "detail": "token rejected"}
    assert held == [True] and result == ["wrong token"]
