"""The Houdini package in a simulated Houdini: layout, start-up, shelf, autostart, main thread (issue: Houdini)."""
import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

import bridge_core
from sessions import HOUDINI_PACKAGE, houdini_session, maya_session
from support import ROOT, clean_env, wait_until


def houdini_sessions(runtime_dir):
    return [s for s in bridge_core.discovery.list_sessions(runtime_dir) if s.app == "houdini"]


@pytest.fixture
def houdini(runtime_dir, tmp_path):
    with houdini_session(runtime_dir, prefs_dir=tmp_path / "prefs") as session:
        yield session


def _hpackage_verify(json_path):
    hpackage = ROOT / ".venv" / "bin" / "hpackage"
    hpackage = hpackage if hpackage.exists() else type(json_path)(sys.executable).parent / "hpackage"
    return subprocess.run([str(hpackage), "-v", "1", "author", "verifyjson", str(json_path)], capture_output=True,
                          text=True, timeout=60)


def test_package_json_passes_sidefx_verifyjson():
    done = _hpackage_verify(HOUDINI_PACKAGE / "dcc_bridge.json")
    assert done.returncode == 0, done.stdout + done.stderr
    package = json.loads((HOUDINI_PACKAGE / "dcc_bridge.json").read_text())
    assert package["hpath"] == "$HOUDINI_PACKAGE_PATH/dcc_bridge/houdini"
    assert package["enable"] == "houdini_version >= '19.5'"
    assert not any(key.startswith("DCC_BRIDGE_") for entry in package["env"] for key in entry), \
        "the package must never override what the user set (DCC_BRIDGE_AUTOSTART ...)"


def test_package_never_ships_123_or_456():
    assert not list(HOUDINI_PACKAGE.rglob("123.py")) and not list(HOUDINI_PACKAGE.rglob("456.py"))
    for version in ("3.9", "3.10", "3.11"):
        libs = HOUDINI_PACKAGE / "dcc_bridge" / "houdini" / f"python{version}libs"
        assert (libs / "pythonrc.py").is_file() and (libs / "uiready.py").is_file()


def test_shelf_xml_is_valid_and_complete():
    shelf_files = list((HOUDINI_PACKAGE / "dcc_bridge" / "houdini" / "toolbar").glob("*.shelf"))
    assert len(shelf_files) == 1
    root = ElementTree.parse(shelf_files[0]).getroot()
    assert root.tag == "shelfDocument"
    (shelf,) = root.iter("toolshelf")
    members = [m.get("name") for m in shelf.iter("memberTool")]
    tools = {t.get("name"): t for t in root.iter("tool")}
    assert set(members) == set(tools)
    labels = {t.get("label") for t in tools.values()}
    assert {"Start Bridge Server", "Stop Bridge Server", "Bridge Status", "Connect to Maya"} <= labels
    for tool in tools.values():
        assert tool.find("script").get("scriptType") == "python" and tool.find("helpText").text


def test_relocatable_package_loads_from_a_packages_folder(unpacked, runtime_dir, tmp_path):
    """The shipped zip unpacked into a temporary packages folder, as a user installs it: no edits."""
    with houdini_session(runtime_dir, packages=unpacked["houdini"], prefs_dir=tmp_path / "prefs") as session:
        assert session.eval("__import__('bridge_core')._rpyc.VENDORED") is True
        assert str(unpacked["houdini"]) in session.eval("__import__('bridge_core').__file__")
        assert session.eval("__import__('os').environ['PKG_DCC_BRIDGE']") == str(unpacked["houdini"] / "dcc_bridge")
        assert "dcc_bridge_start" in session.shown()["tools"]
    done = _hpackage_verify(unpacked["houdini"] / "dcc_bridge.json")
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_shelf_tool_runs_without_error(houdini):
    for tool in houdini.shown()["tools"]:
        houdini.click(tool)
    assert houdini.shown()["crashes"] == []


def test_shelf_starts_reports_and_stops_the_server(houdini, runtime_dir):
    houdini.click("dcc_bridge_start")
    (session,) = houdini_sessions(runtime_dir)
    status = houdini.shown()["status"]
    assert status[-1].startswith(f"DCC Bridge: listening on 127.0.0.1:{session.port}")
    houdini.click("dcc_bridge_start")
    assert "already running" in houdini.shown()["messages"][-1]["text"]
    with bridge_core.connect(port=session.port):
        houdini.click("dcc_bridge_status")
        text = houdini.shown()["messages"][-1]["text"]
    assert f"127.0.0.1:{session.port}" in text and str(session.path) in text
    assert "Connected clients: 1" in text and "Up for" in text
    assert f"local socket {session.local_socket}" in text and "  local socket (DCC Bridge" in text
    houdini.click("dcc_bridge_stop")
    assert houdini_sessions(runtime_dir) == []
    houdini.click("dcc_bridge_stop")
    assert "nothing to stop" in houdini.shown()["messages"][-1]["text"]


def test_gui_autostart_serves_on_the_main_thread(runtime_dir, tmp_path):
    with houdini_session(runtime_dir, prefs_dir=tmp_path / "prefs", env={"DCC_BRIDGE_AUTOSTART": "1"}) as houdini:
        (session,) = houdini_sessions(runtime_dir)
        with bridge_core.connect(port=session.port) as bridge:
            hou = bridge.hou
            geo = hou.node("/obj").createNode("geo", "from_a_client")
            assert geo.parm("tx").eval() == 0.0
            assert hou.ui.displayMessage("hello from the bridge") == 0  # hou.ui off the main thread would raise
            assert bridge.eval("__import__('threading').current_thread() is __import__('threading').main_thread()")
        shown = houdini.shown()
        assert shown["off_main_thread_calls"] == 0, shown["off_main_thread_names"][:10]
        assert shown["messages"][-1]["text"] == "hello from the bridge"
        assert shown["status"][-1].startswith("DCC Bridge: listening on")


def test_a_second_houdini_takes_the_next_port_and_both_are_listed(runtime_dir, tmp_path):
    import socket

    with socket.socket() as probe:  # a free base port (the default 18811 may be a real Houdini's)
        probe.bind(("127.0.0.1", 0))
        base = probe.getsockname()[1]
    env = {"DCC_BRIDGE_AUTOSTART": "1", "DCC_BRIDGE_PORT": base}
    with houdini_session(runtime_dir, prefs_dir=tmp_path / "a", env=env), \
            houdini_session(runtime_dir, prefs_dir=tmp_path / "b", env=env) as second:
        ports = sorted(s.port for s in houdini_sessions(runtime_dir))
        assert ports[0] == base and ports[1] > base
        assert f"{base} is used by houdini" in second.shown()["status"][-1]
        listed = subprocess.run([sys.executable, "-m", "bridge_core", "list"], capture_output=True, text=True,
                                env=clean_env(runtime_dir), cwd=str(ROOT), timeout=60).stdout
        assert f"127.0.0.1:{ports[0]}" in listed and f"127.0.0.1:{ports[1]}" in listed


def test_hython_has_no_ui_and_serves_directly_when_asked(runtime_dir, tmp_path):
    with houdini_session(runtime_dir, hython=True, prefs_dir=tmp_path / "prefs") as hython:
        assert hython.eval("hou.isUIAvailable()") is False
        with pytest.raises(Exception, match="ImportError"):
            hython.eval("__import__('hdefereval')")
        assert houdini_sessions(runtime_dir) == [], "hython never starts serving by itself"
    with houdini_session(runtime_dir, hython=True, prefs_dir=tmp_path / "prefs",
                         env={"DCC_BRIDGE_AUTOSTART": "1"}):  # as in houdini.env for the artists' sessions
        assert houdini_sessions(runtime_dir) == [], "a farm hython must not open a port for =1"
    with houdini_session(runtime_dir, hython=True, prefs_dir=tmp_path / "prefs",
                         env={"DCC_BRIDGE_AUTOSTART": "headless"}):
        (session,) = houdini_sessions(runtime_dir)
        with bridge_core.connect(port=session.port) as bridge:
            assert bridge.hou.node("/obj").createNode("null").path() == "/obj/null1"
            assert bridge.eval("__import__('dcc_bridge_houdini.executor').executor.for_this_session()"
                               " is __import__('bridge_core').executors.direct")


def test_autostart_toggle_is_remembered_and_the_environment_wins(runtime_dir, tmp_path):
    prefs = tmp_path / "prefs"
    with houdini_session(runtime_dir, prefs_dir=prefs) as first:
        assert houdini_sessions(runtime_dir) == [], "autostart is off by default"
        first.click("dcc_bridge_autostart")
        assert "now on" in first.shown()["messages"][-1]["text"]
    with houdini_session(runtime_dir, prefs_dir=prefs):
        assert len(houdini_sessions(runtime_dir)) == 1
    with houdini_session(runtime_dir, prefs_dir=prefs, env={"DCC_BRIDGE_AUTOSTART": "0"}) as third:
        assert houdini_sessions(runtime_dir) == []
        third.click("dcc_bridge_autostart")
        assert "DCC_BRIDGE_AUTOSTART is set" in third.shown()["messages"][-1]["text"]


def test_connect_to_maya_without_maya_says_what_to_do(houdini):
    houdini.click("dcc_bridge_connect_maya")
    assert "Start Maya Server" in houdini.shown()["messages"][-1]["text"]
    with pytest.raises(Exception, match="NotConnectedError|AttributeError"):
        houdini.eval("hou.session.cmds.ls()")


@pytest.mark.timeout(90)
def test_both_directions_with_callbacks_and_no_deadlock(runtime_dir, tmp_path):
    """Maya drives Houdini while Houdini drives Maya, each side on its main-thread executor: Maya's main
    thread calls Houdini, which (on its main thread) calls Maya over the other connection while Maya's main
    thread is still waiting, and calls back into a Maya function passed as an argument, which may use ``hou``
    again over the same connection while Houdini's main thread waits on it."""
    env = {"DCC_BRIDGE_AUTOSTART": "1"}
    with houdini_session(runtime_dir, prefs_dir=tmp_path / "prefs", env=env) as houdini, \
            maya_session(runtime_dir, app_dir=tmp_path / "maya", env=env) as maya:
        (houdini_port,) = [s.port for s in houdini_sessions(runtime_dir)]
        houdini.click("dcc_bridge_connect_maya")
        assert "connected to Maya" in houdini.shown()["status"][-1]
        houdini.exec("""
def make_cube_in_maya(name, tell_maya):
    cube = hou.session.cmds.polyCube(name=name)[0]          # Houdini -> Maya while Maya waits on us
    hou.node("/obj").createNode("geo", name)
    return tell_maya(cube)                                  # a callback into Maya's function
hou.session.make_cube_in_maya = make_cube_in_maya
hou.session.apply = lambda callback: callback()
""")
        maya.exec(f"""
import threading
from maya import cmds
from dcc_bridge_maya import houdini_link
houdini_link.connect("127.0.0.1", {houdini_port})
def tell_maya(cube):
    assert threading.current_thread() is threading.main_thread()
    return cmds.ls(cube)[0] + " seen by Maya"
answer = hou.session.make_cube_in_maya("both_ways", tell_maya)
nested = hou.session.apply(lambda: hou.node("/obj/both_ways").path())  # the callback uses hou again
""")
        assert maya.eval("answer") == "both_ways seen by Maya"
        assert maya.eval("nested") == "/obj/both_ways"
        assert houdini.eval("hou.node('/obj/both_ways') is not None") is True
        assert houdini.shown()["off_main_thread_calls"] == 0
        wait_until(lambda: maya.eval("'both_ways' in __import__('maya.cmds').cmds.ls()"), 10, "the cube in Maya")
