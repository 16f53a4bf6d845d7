"""13b TRUST in the hosts: a weak DCC_BRIDGE_TOKEN or an untrusted runtime folder is told in Houdini's and
Maya's own way (a dialog and the status line or a warning), with how to fix it, never as a traceback or a
half-started server."""
import os

import pytest

from sessions import houdini_session, maya_session

pytestmark = pytest.mark.timeout(120)

WEAK = {"DCC_BRIDGE_TOKEN": "zq7", "DCC_BRIDGE_AUTOSTART": "1"}


def test_houdini_autostart_with_a_weak_token_says_how_to_make_one(runtime_dir, tmp_path):
    with houdini_session(runtime_dir, prefs_dir=tmp_path / "prefs", env=WEAK) as houdini:
        shown = houdini.shown()
    assert shown["crashes"] == []
    (message,) = [m["text"] for m in shown["messages"]]
    assert "DCC_BRIDGE_TOKEN" in message and "128 bits" in message and "secrets.token_hex" in message
    assert "zq7" not in message and "Traceback" not in message
    assert not list(runtime_dir.glob("session-*.json"))


def test_maya_autostart_with_a_weak_token_says_how_to_make_one(runtime_dir):
    with maya_session(runtime_dir, env=WEAK) as maya:
        shown = maya.shown()
    (warning,) = shown["warnings"]
    assert "DCC_BRIDGE_TOKEN" in warning and "128 bits" in warning and "secrets.token_hex" in warning
    assert "zq7" not in warning and not shown["errors"]
    assert not list(runtime_dir.glob("session-*.json"))


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_the_houdini_shelf_refuses_a_runtime_folder_others_may_write(runtime_dir, tmp_path):
    os.chmod(runtime_dir, 0o777)
    try:
        with houdini_session(runtime_dir, prefs_dir=tmp_path / "prefs") as houdini:
            houdini.click("dcc_bridge_start")
            shown = houdini.shown()
        assert shown["crashes"] == []
        message = shown["messages"][-1]["text"]
        assert str(runtime_dir) in message and "writable by others" in message
        assert "DCC_BRIDGE_RUNTIME_DIR" in message
        assert not list(runtime_dir.iterdir())
        assert oct(runtime_dir.stat().st_mode & 0o777) == oct(0o777), "never chmodded"
    finally:
        os.chmod(runtime_dir, 0o700)
