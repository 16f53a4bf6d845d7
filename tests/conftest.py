"""Fixtures for the whole suite: an isolated environment, and bridge servers in a thread or a process."""
import logging
import sys

import pytest

from support import HOUDINI_STANDIN, BridgeProcess

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
