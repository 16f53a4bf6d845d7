"""Fixtures for the whole suite: an isolated environment, bridge servers in a thread or a process, the
shipped packages built once, and simulated host sessions."""
import logging
import signal
import sys
import zipfile

import pytest

from support import HOUDINI_STANDIN, BridgeProcess, build


# A command a non-interactive shell starts in the background (`cmd &`, as some CI runners and nohup do) inherits
# SIGINT ignored (POSIX, "Shell Command Language", 2.11), and every process it starts does too: a `python -m
# bridge_core serve` child would then ignore the Ctrl-C the tests send it and be killed 10 s later. Handlers set
# here become the default again in children (exec keeps only "ignored"), so the children act as under a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# the package's Houdini start-up scripts are generated from one source (build.py), also when pytest runs alone
build.write_houdini_startup_scripts()

# the Houdini stand-in is importable as ``hou`` in this process too (hython mode: no UI)
if str(HOUDINI_STANDIN) not in sys.path:
    sys.path.insert(0, str(HOUDINI_STANDIN))


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path_factory):
    """No DCC_BRIDGE_* from the developer's shell; session files in a fresh folder per test."""
    import os

    for key in list(os.environ):
        if key.startswith("DCC_BRIDGE_"):
            monkeypatch.delenv(key)
    runtime = tmp_path_factory.mktemp("runtime")
    monkeypatch.setenv("DCC_BRIDGE_RUNTIME_DIR", str(runtime))
    return runtime


@pytest.fixture
def runtime_dir(isolated_env):
    return isolated_env


@pytest.fixture
def thread_server():
    """A bridge server serving ``hou`` (the stand-in) from a thread of this process."""
    import bridge_core

    server = bridge_core.start_server(port=0, app="houdini")
    yield server
    server.stop()


@pytest.fixture
def process_server(runtime_dir):
    """A bridge server serving ``hou`` (the stand-in) from a child process."""
    with BridgeProcess.serve(runtime_dir) as proc:
        yield proc


@pytest.fixture(params=["thread", "process"])
def any_server(request):
    """Each test using it runs twice: against a server in a thread and one in another process."""
    return request.getfixturevalue(f"{request.param}_server")


@pytest.fixture(autouse=True)
def _quiet_logs(caplog):
    caplog.set_level(logging.INFO, logger="dcc_bridge")


# ----------------------------------------------------------------------------------- shipped packages


@pytest.fixture(scope="session")
def vendored():
    """rpyc vendored by pip's vendoring tool, as build.py dist does."""
    return build.vendor_rpyc(build.venv_python())


@pytest.fixture(scope="session")
def zips(vendored, tmp_path_factory):
    """The Houdini and Maya zips, built once per run."""
    out = tmp_path_factory.mktemp("dist")
    version = build.version()
    result = {}
    for host, stage in (("houdini", build.stage_houdini), ("maya", build.stage_maya)):
        folder = stage(tmp_path_factory.mktemp(f"stage-{host}"), vendored, version)
        result[host] = build.write_zip(folder, out / f"dcc_bridge-{host}-{version}.zip")
    return result


@pytest.fixture(scope="session")
def unpacked(zips, tmp_path_factory):
    """Each zip unpacked into its own folder, as a user unpacks it into packages/ or modules/."""
    folders = {}
    for host, path in zips.items():
        folder = tmp_path_factory.mktemp(f"unpacked-{host}")
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder)
        folders[host] = folder
    return folders
