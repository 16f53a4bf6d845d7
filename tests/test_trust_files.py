"""13b TRUST, session files and the runtime folder (OpenSSH's StrictModes): what another local user can plant
is ignored, a folder that cannot be kept private is refused with a how-to-fix error and never chmodded, and a
server that cannot write its session file leaves no port behind.

The other user is real: ``nobody``, through ``subprocess``'s ``user=`` (these tests run as root here; elsewhere
they skip, saying so).
"""
import json
import logging
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

import bridge_core
from bridge_core import auth, config, discovery
from support import ROOT, clean_env

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.skipif(os.name != "posix", reason="POSIX owners and modes (Windows: not checked)")]

NOBODY = 65534
as_root = pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0,
                             reason="acting as another local user (nobody) needs root")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port):
    """Nothing accepts at 127.0.0.1:port (a refused connection)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def as_nobody(code, **env):
    """Run Python ``code`` as the user nobody; returns its standard output."""
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], user=NOBODY, group=NOBODY,
                            extra_groups=[], cwd="/", capture_output=True, text=True, timeout=30,
                            env=dict(PYTHONPATH=str(ROOT), PATH=os.environ.get("PATH", ""), **env))
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def shared_tmp():
    """A folder everyone may create things in, like /tmp (1777), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="dcc-bridge-13b-", dir="/tmp"))
    os.chmod(folder, 0o1777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def plant(folder, port, token, started="2099-01-01T00:00:00Z", app="houdini"):
    """As nobody: a session file in ``folder`` (made 0777 first if missing) naming ``port`` and ``token`` (pid 1
    is always alive)."""
    data = dict(app=app, pid=1, machine=socket.gethostname(), host="127.0.0.1", port=port, token=token,
                started=started, session="ee" * 16)
    as_nobody(f"""
        import json, os
        if not os.path.isdir({str(folder)!r}):  # first: made wide open, as by a careless umask or on purpose
            os.mkdir({str(folder)!r})
            os.chmod({str(folder)!r}, 0o777)
        with open(os.path.join({str(folder)!r}, "session-{app}-{port}-1.json"), "w") as handle:
            json.dump({data!r}, handle)
    """)
    return folder / f"session-{app}-{port}-1.json"


@pytest.fixture
def attacker_server(tmp_path):
    """A real bridge server whose token the attacker knows, with its own (private) session folder."""
    token = auth.new_token()
    server = bridge_core.start_server(port=0, token=token, app="houdini",
                                      settings=config.load({"DCC_BRIDGE_RUNTIME_DIR": str(tmp_path / "attacker")}))
    yield server
    server.stop()


@as_root
def test_a_folder_another_user_made_first_is_ignored_by_clients_and_refused_by_servers(
        shared_tmp, attacker_server, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG, logger="dcc_bridge")
    folder = shared_tmp / "runtime"
    plant(folder, attacker_server.port, attacker_server.token)
    monkeypatch.setenv("DCC_BRIDGE_RUNTIME_DIR", str(folder))
    assert discovery.list_sessions(folder) == []
    assert any(str(folder) in r.getMessage() and "nobody" in r.getMessage() for r in caplog.records)
    with pytest.raises(bridge_core.AuthenticationError) as caught:  # the planted token is not used
        bridge_core.connect(port=attacker_server.port)
    assert "no token" in str(caught.value)
    assert attacker_server.clients == []

    port = free_port()
    with pytest.raises(bridge_core.ConfigError) as caught:
        bridge_core.start_server(port=port)
    message = str(caught.value)
    assert str(folder) in message and "nobody" in message and "DCC_BRIDGE_RUNTIME_DIR" in message
    assert port_is_free(port)
    assert folder.stat().st_uid == NOBODY and stat.S_IMODE(folder.stat().st_mode) == 0o777, "left as it was"


@as_root
def test_a_file_planted_while_the_folder_was_loose_is_ignored(shared_tmp, attacker_server, monkeypatch, caplog):
    """The folder was 0777 for a while, another user left a file claiming to be the newest Houdini, then the
    folder was made private again: the planted file still belongs to them, so it is not believed."""
    caplog.set_level(logging.DEBUG, logger="dcc_bridge")
    runtime_dir = shared_tmp / "runtime"
    monkeypatch.setenv("DCC_BRIDGE_RUNTIME_DIR", str(runtime_dir))
    mine = bridge_core.start_server(port=0, app="houdini")
    try:
        os.chmod(runtime_dir, 0o777)
        planted = plant(runtime_dir, attacker_server.port, attacker_server.token)
        os.chmod(runtime_dir, 0o700)
        assert [s.port for s in discovery.list_sessions(runtime_dir)] == [mine.port]
        assert discovery.find_session(runtime_dir, app="houdini").port == mine.port
        assert any(str(planted) in r.getMessage() and "nobody" in r.getMessage() for r in caplog.records)
        assert planted.exists(), "not ours to delete"
    finally:
        mine.stop()


def test_group_writable_links_and_other_odd_files_are_ignored(runtime_dir, thread_server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="dcc_bridge")
    good = json.loads(thread_server.session_file.read_text())
    loose = runtime_dir / "session-houdini-1-1.json"
    loose.write_text(json.dumps(dict(good, port=1)))
    os.chmod(loose, 0o664)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps(dict(good, port=2)))
    os.chmod(elsewhere, 0o600)
    (runtime_dir / "session-houdini-2-1.json").symlink_to(elsewhere)
    os.mkfifo(runtime_dir / "session-houdini-3-1.json")
    (runtime_dir / "session-houdini-4-1.json").write_text("[" * 5000)
    (runtime_dir / "session-houdini-5-1.json").write_text(json.dumps(dict(good, port=5, local_socket=5, started=[])))
    assert [s.port for s in discovery.list_sessions(runtime_dir)] == [thread_server.port]
    logged = caplog.text
    assert "session-houdini-1-1.json" in logged and "writable by its group" in logged
    assert "session-houdini-2-1.json" in logged and "symbolic link" in logged
    assert "session-houdini-3-1.json" in logged and "not a regular file" in logged


def test_a_loose_runtime_folder_of_ones_own_is_ignored_and_refused(runtime_dir, caplog):
    caplog.set_level(logging.DEBUG, logger="dcc_bridge")
    server = bridge_core.start_server(port=0)
    try:
        os.chmod(runtime_dir, 0o777)
        assert discovery.list_sessions(runtime_dir) == []
        assert "writable by others" in caplog.text
        port = free_port()
        with pytest.raises(bridge_core.ConfigError) as caught:
            bridge_core.start_server(port=port)
        assert f"chmod go-w {runtime_dir}" in str(caught.value)
        assert port_is_free(port)
        assert stat.S_IMODE(runtime_dir.stat().st_mode) == 0o777, "never chmodded: the bridge did not create it"
    finally:
        os.chmod(runtime_dir, 0o700)
        server.stop()


def test_a_tmp_like_runtime_folder_is_refused_and_left_alone(shared_tmp, monkeypatch):
    """DCC_BRIDGE_RUNTIME_DIR=/tmp: refused, and never made 0700 for everyone (shown on a 1777 folder of
    its own rather than the machine's /tmp, so that a regression cannot break the machine)."""
    before = os.stat(shared_tmp)
    monkeypatch.setenv("DCC_BRIDGE_RUNTIME_DIR", str(shared_tmp))
    port = free_port()
    with pytest.raises(bridge_core.ConfigError) as caught:
        bridge_core.start_server(port=port)
    message = str(caught.value)
    assert str(shared_tmp) in message and "writable by others (mode 1777)" in message
    assert "DCC_BRIDGE_RUNTIME_DIR" in message
    assert port_is_free(port)
    after = os.stat(shared_tmp)
    assert (after.st_mode, after.st_uid) == (before.st_mode, before.st_uid)
    assert not list(shared_tmp.iterdir())


@as_root
def test_a_server_that_cannot_write_its_session_file_releases_its_port(shared_tmp):
    """Its own private folder, but read-only: the error says so, and no port stays open with nothing
    accepting (which made clients hang, and a retry report the port as taken by another program)."""
    folder = shared_tmp / "readonly"
    port = free_port()
    out = as_nobody(f"""
        import os, socket
        os.mkdir({str(folder)!r}, 0o500)
        import bridge_core
        try:
            bridge_core.start_server(port={port})
        except bridge_core.ConfigError as exc:
            print("ConfigError:", exc)
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=5).close()
            print("port: open")
        except ConnectionRefusedError:
            print("port: released")
    """, DCC_BRIDGE_RUNTIME_DIR=str(folder))
    assert "ConfigError:" in out and str(folder) in out and "cannot be written" in out
    assert "port: released" in out


def test_the_server_creates_its_folder_private(tmp_path, monkeypatch):
    folder = tmp_path / "a" / "b" / "runtime"
    monkeypatch.setenv("DCC_BRIDGE_RUNTIME_DIR", str(folder))
    old = os.umask(0o002)
    try:
        server = bridge_core.start_server(port=0)
    finally:
        os.umask(old)
    try:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(server.session_file.stat().st_mode) == 0o600
    finally:
        server.stop()


def test_newest_is_decided_by_the_file_systems_time_not_the_started_field(runtime_dir):
    older = discovery.SessionInfo(app="houdini", port=1001, token=auth.new_token(), started="2099-01-01T00:00:00Z")
    newer = discovery.SessionInfo(app="houdini", port=1002, token=auth.new_token(), started="2000-01-01T00:00:00Z")
    older_path = discovery.write_session(older, runtime_dir)
    os.utime(older_path, (1_000_000_000, 1_000_000_000))
    discovery.write_session(newer, runtime_dir)
    assert [s.port for s in discovery.list_sessions(runtime_dir)] == [1002, 1001]
    assert discovery.find_session(runtime_dir, app="houdini").port == 1002


def test_a_session_matches_only_the_exact_host_it_listens_on(runtime_dir):
    token = auth.new_token()
    discovery.write_session(discovery.SessionInfo(app="houdini", port=1001, token=token), runtime_dir)
    discovery.write_session(discovery.SessionInfo(app="maya", host="0.0.0.0", port=1002, token=token), runtime_dir)
    discovery.write_session(discovery.SessionInfo(app="nuke", host="::", port=1003, token=token), runtime_dir)
    find = lambda port, host: discovery.find_session(runtime_dir, port=port, host=host)  # noqa: E731
    assert find(1001, "127.0.0.1") is not None
    assert find(1001, "::1") is None and find(1001, "0.0.0.0") is None and find(1001, "10.1.2.3") is None
    assert find(1002, "127.0.0.1") is not None and find(1002, "::1") is None  # 0.0.0.0: every IPv4 address
    assert find(1003, "::1") is not None and find(1003, "127.0.0.1") is None


def test_session_info_repr_hides_the_token(runtime_dir):
    info = discovery.SessionInfo(app="houdini", port=1001, token=auth.new_token())
    assert info.token not in repr(info) and "houdini" in repr(info)


def test_the_command_line_says_why_a_folder_is_ignored_or_refused(runtime_dir):
    def cli(*args, **env):
        return subprocess.run([sys.executable, "-m", "bridge_core", *args], capture_output=True, text=True,
                              env=clean_env(runtime_dir, **env), cwd=str(ROOT), timeout=30)

    os.chmod(runtime_dir, 0o777)
    try:
        listed = cli("list")
        assert listed.returncode == 0 and "ignored: it is writable by others (mode 0777)" in listed.stdout
        served = cli("serve", "--port", "0")
        assert served.returncode == 2 and "Traceback" not in served.stderr
        assert f"chmod go-w {runtime_dir}" in served.stderr and len(served.stderr.strip().splitlines()) == 1
    finally:
        os.chmod(runtime_dir, 0o700)
    weak = cli("serve", "--port", "0", DCC_BRIDGE_TOKEN="hunter2")
    assert weak.returncode == 2 and "128 bits" in weak.stderr and "hunter2" not in weak.stderr
