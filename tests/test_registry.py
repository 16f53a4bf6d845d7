"""Discovery across machines with rpyc's registry (issue 13, part 13c).

The registry (``python -m bridge_core registry``) is rpyc's TCP registry sending whole replies, and its client
reads whole replies: 2,000 registrations are listed and discovered (stock rpyc's client fails far below that:
rpyc issue #471). Servers register (app, host, port; never the token), keep the registration fresh, remove it
when they stop, and it expires when they die; ``list --registry`` and the Maya and Houdini connect dialogs show
the registry's sessions.
"""
import dataclasses
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

import bridge_core
from bridge_core import auth, config, registry
from bridge_core._rpyc import TCPRegistryClient, brine
from sessions import houdini_session, maya_session
from support import ROOT, clean_env, read_line, wait_until

pytestmark = pytest.mark.timeout(60)


class Registry:
    """A registry serving from a thread of this process; records every request it reads."""

    def __init__(self, expire=registry.EXPIRE):
        outer = self
        self.requests = []

        class Recording(registry.RegistryServer):
            def _recv(self):
                data, address = super()._recv()
                outer.requests.append(data)
                return data, address

        self.server = Recording("127.0.0.1", 0, expire=expire)
        self.address = f"127.0.0.1:{self.server.port}"
        self.thread = threading.Thread(target=self.server.start, daemon=True)
        self.thread.start()

    def sessions(self, app=None):
        return registry.sessions(self.address, app=app)

    def ports(self, app=None):
        return {s.port for s in self.sessions(app)}

    def close(self):
        self.server.close()
        self.thread.join(10)
        assert not self.thread.is_alive()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def reg():
    running = Registry()
    yield running
    running.close()


def test_addresses_are_parsed_and_bad_ones_refused_before_anything_listens(runtime_dir, reg):
    assert registry.parse_address("reg-host") == ("reg-host", registry.DEFAULT_PORT)
    assert registry.parse_address("reg-host:19000") == ("reg-host", 19000)
    assert registry.parse_address("[::1]:19000") == ("::1", 19000)
    for bad in ("", "reg-host:port", "reg-host:0", ":19000"):
        with pytest.raises(bridge_core.ConfigError, match="not a registry address"):
            registry.parse_address(bad)
    with pytest.raises(bridge_core.ConfigError, match="DCC_BRIDGE_REGISTRY"):
        bridge_core.start_server(port=0, settings=config.load({"DCC_BRIDGE_REGISTRY": "reg-host:x",
                                                               "DCC_BRIDGE_RUNTIME_DIR": str(runtime_dir)}))
    assert bridge_core.discovery.list_sessions(runtime_dir) == []


def test_a_server_registers_without_its_token_and_unregisters_on_stop(reg, runtime_dir):
    server = bridge_core.start_server(port=0, app="houdini", registry=reg.address)
    try:
        (found,) = wait_until(lambda: reg.sessions(), 10, "the server to register")
        assert (found.app, found.host, found.port, found.token) == ("houdini", "127.0.0.1", server.port, "")
        assert reg.sessions(app="maya") == []
        assert not any(server.token.encode() in data for data in reg.requests), "the token never goes there"
        with bridge_core.connect(found.host, found.port, token=server.token) as bridge:
            assert bridge.eval("1 + 1") == 2
    finally:
        server.stop()
    assert reg.sessions() == [], "stop() unregisters at once"


def test_registrations_stay_fresh_and_expire_when_the_server_dies(runtime_dir, monkeypatch):
    reg = Registry(expire=1.0)
    try:
        monkeypatch.setattr(registry, "REREGISTER_INTERVAL", 0.1)
        server = bridge_core.start_server(port=0, app="maya", registry=reg.address)
        try:
            count = len(reg.requests)
            wait_until(lambda: len(reg.requests) > count + 15, 20, "15 refreshes (1.5 s, past the expiry)")
            assert reg.ports("maya") == {server.port}, "refreshed registrations do not expire"
        finally:
            server.stop()
        code = ("import sys, bridge_core.registry as r; r.REREGISTER_INTERVAL = 0.1\n"
                "from bridge_core.cli import main; sys.exit(main(sys.argv[1:]))")
        proc = subprocess.Popen([sys.executable, "-c", code, "serve", "--port", "0", "--app", "houdini",
                                 "--registry", reg.address], stdout=subprocess.PIPE, text=True,
                                env=clean_env(runtime_dir), cwd=str(ROOT))
        try:
            port = int(read_line(proc.stdout, 30, "the server to listen").split()[-1].rpartition(":")[2])
            wait_until(lambda: reg.ports("houdini") == {port}, 10, "the child to register")
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        wait_until(lambda: reg.ports("houdini") == set(), 10, "the dead server's registration to expire")
    finally:
        reg.close()


def test_two_thousand_registrations_are_listed_and_discovered(reg):
    client = registry.RegistryClient("127.0.0.1", reg.server.port)
    apps = ("houdini", "maya")
    for i in range(2000):
        assert client.register((registry.service_name(apps[i % 2]),), 20000 + i)
    listed = reg.sessions()
    assert len(listed) == 2000 and {s.port for s in listed} == set(range(20000, 22000))
    assert {s.app for s in listed} == set(apps)
    assert len(client.discover(registry.service_name("houdini"))) == 1000
    assert len(reg.sessions(app="maya")) == 1000
    with pytest.raises(ValueError):  # stock rpyc reads one recv of 1,500 bytes (rpyc issue #471)
        TCPRegistryClient("127.0.0.1", reg.server.port).discover(registry.service_name("houdini"))
    assert TCPRegistryClient("127.0.0.1", reg.server.port).register(("DCCBRIDGE-NUKE",), 30000), \
        "stock rpyc servers register with it"
    assert reg.ports("nuke") == {30000}


def test_a_silent_or_garbage_client_holds_up_nobody(reg):
    silent = [socket.create_connection(("127.0.0.1", reg.server.port)) for _ in range(3)]
    garbage = socket.create_connection(("127.0.0.1", reg.server.port))
    garbage.sendall(b"GET / HTTP/1.0\r\n\r\n")
    try:
        assert reg.sessions() == []
        assert registry.RegistryClient("127.0.0.1", reg.server.port).register(("DCCBRIDGE-MAYA",), 18812)
        assert reg.ports("maya") == {18812}
    finally:
        for sock in silent + [garbage]:
            sock.close()


def test_an_unreachable_registry_is_a_clear_error(runtime_dir):
    port = free_port()  # nothing listens there
    with pytest.raises(bridge_core.ServerNotFoundError, match="cannot reach the registry"):
        registry.sessions(f"127.0.0.1:{port}")
    out = subprocess.run([sys.executable, "-m", "bridge_core", "list", "--registry", f"127.0.0.1:{port}"],
                         capture_output=True, text=True, env=clean_env(runtime_dir), cwd=str(ROOT), timeout=30)
    assert out.returncode == 2 and "cannot reach the registry" in out.stderr
    noted = subprocess.run([sys.executable, "-m", "bridge_core", "list"], capture_output=True, text=True,
                           env=clean_env(runtime_dir, DCC_BRIDGE_REGISTRY=f"127.0.0.1:{port}"), cwd=str(ROOT),
                           timeout=30)
    assert noted.returncode == 0 and "no DCC Bridge sessions running on this machine" in noted.stdout
    assert "DCC_BRIDGE_REGISTRY: cannot reach the registry" in noted.stderr


def test_the_registry_command_serve_register_and_list_across_machines(runtime_dir):
    env = clean_env(runtime_dir)
    reg = subprocess.Popen([sys.executable, "-m", "bridge_core", "registry", "--host", "127.0.0.1", "--port", "0"],
                           stdout=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))
    server = None
    try:
        line = read_line(reg.stdout, 30, "the registry to listen")
        address = line.split(" on ")[1].split(";")[0]
        server = subprocess.Popen([sys.executable, "-m", "bridge_core", "serve", "--port", "0", "--app", "houdini",
                                   "--registry", address], stdout=subprocess.PIPE, text=True, env=env, cwd=str(ROOT))
        port = int(read_line(server.stdout, 30, "the server to listen").split()[-1].rpartition(":")[2])
        wait_until(lambda: registry.sessions(address), 10, "the server to register")
        other = clean_env(runtime_dir.parent / "another-machine")  # what another machine's list sees
        out = subprocess.run([sys.executable, "-m", "bridge_core", "list", "--registry", address],
                             capture_output=True, text=True, env=other, cwd=str(ROOT), timeout=30)
        assert out.returncode == 0, out.stderr
        assert f"1 session(s) in the registry at {address}" in out.stdout
        assert f"houdini    127.0.0.1:{port}" in out.stdout
        listed = subprocess.run([sys.executable, "-m", "bridge_core", "list", "--json"], capture_output=True,
                                text=True, env=dict(other, DCC_BRIDGE_REGISTRY=address), cwd=str(ROOT), timeout=30)
        assert '"registry": "%s"' % address in listed.stdout
    finally:
        if server is not None:
            server.terminate()
            server.wait(15)
        reg.send_signal(signal.SIGTERM)
        assert reg.wait(15) == 0


@pytest.mark.timeout(120)
def test_the_maya_dialog_and_the_houdini_shelf_show_the_registrys_sessions(reg, runtime_dir, tmp_path):
    """A Houdini and a Maya on "other machines" (session files elsewhere) registered with the registry: Maya's
    Connect to Houdini... lists the Houdini beside the local one and asks for its token; Houdini's Connect to
    Maya finds the Maya and asks for its token too."""
    elsewhere = config.load({"DCC_BRIDGE_RUNTIME_DIR": str(tmp_path / "other-machine")})
    token = auth.new_token()
    remote_houdini = bridge_core.start_server(port=0, app="houdini", settings=elsewhere, registry=reg.address)
    remote_maya = bridge_core.start_server(port=0, app="maya", token=token, settings=elsewhere, registry=reg.address)
    local_houdini = bridge_core.start_server(port=0, app="houdini", registry=reg.address)
    try:
        wait_until(lambda: len(reg.sessions()) == 3, 10, "three registrations")
        env = {"DCC_BRIDGE_REGISTRY": reg.address}
        with maya_session(runtime_dir, app_dir=tmp_path / "maya", env=env) as maya:
            label = f"Houdini at 127.0.0.1:{remote_houdini.port} (registry)"
            maya.answer(label, {"button": "OK", "text": remote_houdini.token})
            maya.menu("Houdini Bridge", "Connect to Houdini...")
            dialog = [d for d in maya.shown()["dialogs"] if d.get("command") == "confirmDialog"][-1]
            assert label in dialog["buttons"]
            assert len([b for b in dialog["buttons"] if "Houdini" in b]) == 2, "the local one is listed once"
            assert maya.eval("__import__('dcc_bridge_maya.houdini_link').houdini_link.link().bridge.port") == \
                remote_houdini.port
            assert maya.eval("hou.node('/obj').path()") == "/obj"
        with houdini_session(runtime_dir, prefs_dir=tmp_path / "prefs", env=env) as hou:
            hou.answer(token)  # typed into the token prompt
            hou.click("dcc_bridge_connect_maya")
            assert f"connected to Maya (at 127.0.0.1:{remote_maya.port})" in hou.shown()["status"][-1]
            assert hou.eval("hou.session.maya_link.bridge.port") == remote_maya.port
    finally:
        for server in (remote_houdini, remote_maya, local_houdini):
            server.stop()


def test_an_unreachable_registry_is_noted_in_the_maya_dialog(runtime_dir, tmp_path):
    port = free_port()  # nothing listens there
    with maya_session(runtime_dir, app_dir=tmp_path / "maya", env={"DCC_BRIDGE_REGISTRY": f"127.0.0.1:{port}"}) as maya:
        maya.answer("Cancel")
        maya.menu("Houdini Bridge", "Connect to Houdini...")
        dialog = maya.shown()["dialogs"][-1]
        assert "The registry was not asked: cannot reach the registry" in dialog["message"]
        assert dialog["buttons"] == ["Other machine...", "Cancel"]
    assert os.path.isdir(runtime_dir)


def test_registering_a_loopback_only_server_elsewhere_is_warned_about(runtime_dir, caplog):
    server = bridge_core.start_server(port=0, registry="192.0.2.1:18810")  # TEST-NET-1: another machine
    try:
        assert any("other machines cannot connect to it" in r.getMessage() and r.levelname == "WARNING"
                   for r in caplog.records)
    finally:
        start = time.monotonic()
        server.stop()
        assert time.monotonic() - start < 3, "an unanswering registry does not hold up stop()"


def _ask_raw(port, request, timeout=5.0):
    """Send one brine-encoded request as any program on the network can; returns the reply bytes (b"": none)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(brine.dump(request))
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk


def test_malformed_requests_neither_stop_the_registry_nor_spoil_its_listing(reg, caplog):
    """Found by review: one request with a command that is not a string (``("RPYC", 5, ())``, from anyone who can
    reach the port) stopped the registry for good; a registration with a port that is not a number made every
    listing (``list --registry``, the Maya and Houdini dialogs) raise a raw ValueError; every other malformed
    request left a traceback in the registry's log."""
    client = registry.RegistryClient("127.0.0.1", reg.server.port)
    assert client.register((registry.service_name("houdini"),), 18811)
    hostile = [("RPYC", 5, ()), ("RPYC", "REGISTER", (("DCCBRIDGE-HOUDINI",), "x")),
               ("RPYC", "REGISTER", (("DCCBRIDGE-MAYA",), (1, 2))), ("RPYC", "REGISTER", (("DCCBRIDGE-MAYA",), 0)),
               ("RPYC", "REGISTER", ((5,), 18812)), ("RPYC", "REGISTER", (1, 2, 3, 4)), ("RPYC", "QUERY", (5,)),
               ("RPYC", "LIST", (5,)), ("RPYC", "UNREGISTER", ("x",)), ("RPYC", "NOSUCH", ()), ("XXXX", "LIST", ()),
               (1, 2), 5]
    for request in hostile:
        assert _ask_raw(reg.server.port, request) == b"", request  # dropped without an answer
        assert reg.thread.is_alive(), f"{request!r} stopped the registry"
    assert [(s.app, s.port) for s in reg.sessions()] == [("houdini", 18811)]
    assert client.register((registry.service_name("maya"),), 18812), "the registry still serves"
    assert reg.ports("maya") == {18812}
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], "no traceback per request"


def test_a_registry_answering_nonsense_is_a_clear_error_and_bad_entries_are_skipped(monkeypatch):
    """A registry that is not ours (stock rpyc records any port it is sent) or is hostile: entries that are not
    ``(host, port)`` are left out; an answer of the wrong shape is a ``ServerNotFoundError``, never a raw error."""
    answers = {}
    monkeypatch.setattr(registry.RegistryClient, "_ask", lambda self, command, args, interface="": answers[command])
    answers.update(LIST=("DCCBRIDGE-HOUDINI", 7, "OTHER"),
                   QUERY=(("10.0.0.7", 18811), ("10.0.0.8", "x"), ("10.0.0.9",), 5, (3, 18811), ("h", 70000)))
    assert [(s.host, s.port) for s in registry.sessions("reg-host")] == [("10.0.0.7", 18811)]
    for answer in (5, "DCCBRIDGE-HOUDINI", {"10.0.0.7": 18811}):
        answers.update(LIST=("DCCBRIDGE-HOUDINI",), QUERY=answer)
        with pytest.raises(bridge_core.ServerNotFoundError, match="does not answer as an rpyc registry"):
            registry.sessions("reg-host")
    answers.update(LIST=5)
    with pytest.raises(bridge_core.ServerNotFoundError, match="does not answer as an rpyc registry"):
        registry.sessions("reg-host")


def test_a_registry_session_with_a_typed_token_hides_it_from_repr():
    """Found by review: the Houdini shelf puts the token typed for a registry's session into the
    ``RegisteredSession`` (``dataclasses.replace``), whose repr showed it."""
    token = auth.new_token()
    session = dataclasses.replace(registry.RegisteredSession("maya", "10.0.0.7", 18812, "reg:18810"), token=token)
    assert token not in repr(session) and token not in str(session)
    assert session.token == token
