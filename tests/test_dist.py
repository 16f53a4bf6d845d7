"""Build and ship: reproducible zips with a private rpyc that coexist with Houdini's rpyc 4.1.0 (issue: dist)."""
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from support import ROOT, build, clean_env, interpreter, read_line

VERSION = build.version()


def _venv(folder, *packages):
    venv.EnvBuilder(with_pip=bool(packages), clear=True).create(folder)
    python = build.venv_python(folder)
    if packages:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *packages],
                       check=True, timeout=300)
    return python


@pytest.fixture(scope="session")
def houdini_like_python(tmp_path_factory):
    """A Python that already has rpyc 4.1.0, as Houdini 20.5/21.0 do (what hrpyc uses)."""
    return _venv(tmp_path_factory.mktemp("venv-rpyc41"), "rpyc==4.1.0")


@pytest.fixture(scope="session")
def bare_python(tmp_path_factory):
    """A Python with no rpyc at all, as Maya's."""
    return _venv(tmp_path_factory.mktemp("venv-bare"))


def test_zips_are_reproducible(vendored, zips, tmp_path):
    for host, stage in (("houdini", build.stage_houdini), ("maya", build.stage_maya)):
        again = build.write_zip(stage(tmp_path / host, vendored, VERSION), tmp_path / f"{host}.zip")
        assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(zips[host].read_bytes()).digest()


def test_houdini_zip_is_an_hpackage_layout(zips, unpacked):
    with zipfile.ZipFile(zips["houdini"]) as archive:
        names = archive.namelist()
    assert {n.split("/")[0] for n in names} == {"dcc_bridge.json", "dcc_bridge"}
    assert "dcc_bridge/README.md" in names
    python_dir = "dcc_bridge/houdini/scripts/python/"
    assert python_dir + "bridge_core/_vendor/rpyc/core/protocol.py" in names
    assert not any(n.endswith(("rpyc_classic.py", "rpyc_registry.py", "zerodeploy.py")) for n in names)
    assert not any("__pycache__" in n or "tests/" in n or "hostloop" in n for n in names)
    assert not any(n.endswith(("scripts/123.py", "scripts/456.py")) for n in names)
    package = json.loads((unpacked["houdini"] / "dcc_bridge.json").read_text())
    assert package["hpackage"]["version"] == build.short_version(VERSION)
    hpackage = Path(sys.executable).parent / "hpackage"
    done = subprocess.run([str(hpackage), "-v", "1", "author", "verifyjson",
                           str(unpacked["houdini"] / "dcc_bridge.json")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_maya_zip_is_a_module(zips, unpacked):
    with zipfile.ZipFile(zips["maya"]) as archive:
        names = archive.namelist()
    assert {n.split("/")[0] for n in names} == {"dcc_bridge.mod", "dcc_bridge"}
    assert "dcc_bridge/scripts/userSetup.py" in names
    assert "dcc_bridge/scripts/bridge_core/_vendor/rpyc/__init__.py" in names
    assert (unpacked["maya"] / "dcc_bridge.mod").read_text() == f"+ dcc_bridge {VERSION} ./dcc_bridge\n"


def test_the_version_has_one_source(unpacked):
    from bridge_core import __version__

    assert VERSION == __version__
    repo_package = json.loads((ROOT / "houdini_package" / "dcc_bridge.json").read_text())
    assert repo_package["hpackage"]["version"] == build.short_version(__version__)
    assert (ROOT / "maya_module" / "dcc_bridge.mod").read_text().split()[2] == __version__
    done = subprocess.run([sys.executable, "-m", "bridge_core", "--version"], capture_output=True, text=True,
                          cwd=str(ROOT))
    assert done.stdout.strip() == f"DCC Bridge {__version__}"


SERVE_FROM_PACKAGE = """
import sys
import rpyc
import bridge_core
from bridge_core import _rpyc
print("versions", rpyc.__version__, _rpyc.RPYC_VERSION, _rpyc.VENDORED, bridge_core.__file__, flush=True)
server = bridge_core.start_server(port=0, app="houdini")
print("serving", server.port, flush=True)
sys.stdin.read()
server.stop()
"""

DRIVE_FROM_MODULE = """
import sys
import bridge_core
from bridge_core import _rpyc
try:
    import rpyc
except ImportError:
    pass
else:
    raise SystemExit("this client should have no rpyc of its own")
connection, hou = bridge_core.import_remote_module(port=int(sys.argv[1]))
chains, send = [], connection.conn._send
CALLS = {bridge_core.wire.HANDLE_CALLATTR: "call", bridge_core.wire.HANDLE_CALLATTR_CHAIN: "fused"}
def counting_send(msg, seq, args):  # method calls only (not the class descriptions a first proxy asks for)
    if args[0] in CALLS:
        chains.append(CALLS[args[0]])
    return send(msg, seq, args)
connection.conn._send = counting_send
node = hou.node("/obj").createNode("geo", "shipped")  # one fused request in this Python's bytecode
assert chains == ["fused"], chains
# rpyc's helpers from the bridge's own (private) rpyc, against a host whose "rpyc" may be Houdini's 4.1.0
assert bridge_core.async_(node.path)().value == "/obj/shipped"
assert bridge_core.classic.obtain(connection.eval("{'a': (1, 2)}")) == {"a": (1, 2)}
assert bridge_core.classic.deliver(connection, {"k": 3})["k"] == 3
if tuple(connection.modules.sys.version_info[:2]) == sys.version_info[:2]:  # bytecode travels: same Python
    def remote_pid():
        import os
        return os.getpid()
    assert connection.teleport(remote_pid)() == connection.modules.os.getpid()
print(node.path(), _rpyc.VENDORED, "%d.%d" % sys.version_info[:2])
connection.close()
"""


@contextlib.contextmanager
def served(python, unpacked_houdini, runtime_dir, with_rpyc=True):
    """A server process run from the unpacked Houdini package; yields ``(versions line, port)``."""
    scripts = unpacked_houdini / "dcc_bridge" / "houdini" / "scripts" / "python"
    env = clean_env(runtime_dir, PYTHONPATH=f"{scripts}{os.pathsep}{ROOT / 'tests/hosts/houdini'}")
    code = SERVE_FROM_PACKAGE if with_rpyc else SERVE_FROM_PACKAGE.replace("import rpyc\n", "").replace(
        "rpyc.__version__", "'none'")
    proc = subprocess.Popen([str(python), "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=str(runtime_dir))  # not the checkout
    try:
        versions = read_line(proc.stdout, 30, "the server's versions").split()
        yield versions, int(read_line(proc.stdout, 30, "the server to start").split()[1])
    finally:
        proc.stdin.close()
        proc.wait(20)
        proc.stdout.close()
        proc.stderr.close()


def _interpreters(*versions):
    found = [interpreter(v) for v in versions]
    for version, python in zip(versions, found):
        if python is None:
            pytest.skip(f"Python {version} is not installed on this machine (pyenv or python{version} on PATH)")
    return found


def _drive(python, unpacked_maya, runtime_dir, port):
    env = clean_env(runtime_dir, PYTHONPATH=str(unpacked_maya / "dcc_bridge" / "scripts"))
    return subprocess.run([str(python), "-c", DRIVE_FROM_MODULE, str(port)], capture_output=True, text=True,
                          env=env, timeout=60, cwd=str(runtime_dir))


def test_packages_coexist_with_houdinis_own_rpyc(houdini_like_python, bare_python, unpacked, runtime_dir):
    with served(houdini_like_python, unpacked["houdini"], runtime_dir) as (versions, port):
        assert versions[1] == "(4,", "import rpyc in the host must still give Houdini's 4.1.0"
        assert versions[4] == "6.0.2" and versions[5] == "True"
        assert str(unpacked["houdini"]) in versions[6]
        done = _drive(bare_python, unpacked["maya"], runtime_dir, port)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[:2] == ["/obj/shipped", "True"]


@pytest.mark.parametrize("client_version,server_version", [("3.9", "3.11"), ("3.10", "3.11"), ("3.11", "3.9"),
                                                           ("3.11", "3.10")])
def test_across_interpreters(unpacked, runtime_dir, client_version, server_version):
    """Maya 2024 (3.10) driving Houdini 20.5 (3.11) is a normal pair; the shipped zips need no pip."""
    client_python, server_python = _interpreters(client_version, server_version)
    with served(server_python, unpacked["houdini"], runtime_dir, with_rpyc=False) as (_versions, port):
        done = _drive(client_python, unpacked["maya"], runtime_dir, port)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["/obj/shipped", "True", client_version]


def test_core_and_host_glue_need_no_python_newer_than_3_9():
    vermin = Path(sys.executable).parent / "vermin"
    done = subprocess.run([str(vermin), "-t=3.9-", "--violations", "--no-tips", "--eval-annotations",
                           "bridge_core", "houdini_package", "maya_module"], capture_output=True, text=True,
                          cwd=str(ROOT))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Target versions not met" not in done.stdout


def test_an_unvendored_bridge_core_refuses_houdinis_rpyc_clearly(houdini_like_python, runtime_dir):
    """bridge_core from a checkout (no private rpyc) in a Python whose rpyc is 4.1.0: a clear ImportError."""
    done = subprocess.run([str(houdini_like_python), "-c", "import bridge_core"], capture_output=True, text=True,
                          env=clean_env(runtime_dir, PYTHONPATH=str(ROOT)), cwd=str(runtime_dir), timeout=60)
    assert done.returncode == 1
    assert "needs rpyc 6.0.x" in done.stderr and "4.1.0" in done.stderr and "build.py dist" in done.stderr


CALL_CLIENT = '''
import sys
import bridge_core

def child_paths(root):
    import hou
    return sorted(child.path() for child in hou.node(root).children()) + ["%d.%d" % sys.version_info[:2]]

bridge = bridge_core.connect(port=int(sys.argv[1]))
bridge.hou.node("/obj").createNode("geo", "shipped_across")
typed = {}
exec(compile("def typed(x):\\n    return [x, x * 2]\\n", "<maya console>", "exec"), typed)
print(bridge.call(child_paths, "/obj"), bridge.call(typed["typed"], 21), "%d.%d" % sys.version_info[:2])
bridge.close()
'''


@pytest.mark.parametrize("client_version,server_version", [("3.10", "3.11"), ("3.11", "3.9")])
def test_call_ships_source_across_interpreters(unpacked, runtime_dir, tmp_path, client_version, server_version):
    client_python, server_python = _interpreters(client_version, server_version)
    script = tmp_path / "call_client.py"
    script.write_text(CALL_CLIENT)
    with served(server_python, unpacked["houdini"], runtime_dir, with_rpyc=False) as (_versions, port):
        env = clean_env(runtime_dir, PYTHONPATH=str(unpacked["maya"] / "dcc_bridge" / "scripts"))
        done = subprocess.run([str(client_python), str(script), str(port)], capture_output=True, text=True,
                              env=env, timeout=60, cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == f"['/obj/shipped_across', '{server_version}'] [21, 42] {client_version}"


def _build_py(*args, env=None, timeout=600):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *args], capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=str(ROOT))


def test_install_then_uninstall_removes_exactly_what_was_written(tmp_path):
    home = tmp_path / "home"
    (home / "houdini20.5").mkdir(parents=True)
    user_file = home / "houdini20.5" / "packages" / "users_own.json"
    user_file.parent.mkdir()
    user_file.write_text("{}")
    env = dict(os.environ, HOME=str(home), XDG_DATA_HOME=str(tmp_path / "data"))
    env.pop("HOUDINI_USER_PREF_DIR", None)
    env.pop("MAYA_APP_DIR", None)
    def tree():  # hidden folders are the tools' own (pip's, rustup's ...), not install's
        return sorted(p for p in tmp_path.rglob("*") if not any(part.startswith(".") for part in p.parts))

    before = tree()
    done = _build_py("install", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    package = json.loads((home / "houdini20.5" / "packages" / "dcc_bridge.json").read_text())
    assert Path(package["hpath"]).is_absolute() and Path(package["hpath"]).is_dir()
    mod = (home / "maya" / "modules" / "dcc_bridge.mod").read_text().split()
    assert mod[:3] == ["+", "dcc_bridge", VERSION] and Path(mod[3]).is_dir()
    again = _build_py("install", env=env)
    assert again.returncode == 1 and "already installed" in again.stderr
    done = _build_py("uninstall", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert tree() == before, "uninstall leaves the folders as they were"
    assert user_file.read_text() == "{}"
    again = _build_py("uninstall", env=env)
    assert again.returncode == 1 and "not installed" in again.stderr and "nothing changed" in again.stderr


def test_install_into_a_folder_it_cannot_write_names_it(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where a folder should be")
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"))
    done = _build_py("install", "--houdini-prefs", str(blocker), "--maya-app-dir", str(tmp_path / "maya"), env=env)
    assert done.returncode == 1
    assert f"cannot write to {blocker / 'packages'}" in done.stderr and "--houdini-prefs" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "maya").exists(), "nothing is written before every folder is known to be writable"


def test_unknown_build_command_is_one_line_and_non_zero():
    done = _build_py("frobnicate")
    assert done.returncode == 2 and "unknown command 'frobnicate'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_install_and_the_session_files_use_one_per_user_folder():
    """``build.py install``'s data folder and the session files' runtime folder come from one place
    (bridge_core/paths.py), on every platform."""
    import bridge_install
    from bridge_core import config, paths

    for platform, env in (("linux", {"HOME": "/home/ana"}), ("linux", {"HOME": "/h", "XDG_DATA_HOME": "/x"}),
                          ("darwin", {"HOME": "/Users/ana"}), ("win32", {"APPDATA": "C:/Users/ana/AppData/Roaming"})):
        assert config.default_runtime_dir(env, platform) == paths.user_data_dir(env, platform) / "runtime"
    assert bridge_install.data_dir() == paths.user_data_dir()
    assert bridge_install.paths.user_data_dir({"HOME": "/home/ana"}, "linux").as_posix() == \
        "/home/ana/.local/share/dcc_bridge"
