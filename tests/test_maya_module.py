"""The Maya module in a simulated Maya: start-up, the menu, the Maya-side server (issue: Maya module)."""
import threading

import pytest

import bridge_core
from sessions import MAYA_MODULE, maya_session
from support import wait_until


@pytest.fixture
def maya(runtime_dir, tmp_path):
    with maya_session(runtime_dir, app_dir=tmp_path / "maya_app_dir") as session:
        yield session


def _menus(session):
    return [m for m in session.shown()["menus"] if m["label"] == "Houdini Bridge"]


def test_the_mod_file_loads_from_a_modules_folder_anywhere(unpacked, runtime_dir, tmp_path):
    """The shipped zip unpacked into a temporary modules folder: userSetup runs in __main__, the menu appears."""
    with maya_session(runtime_dir, modules=unpacked["maya"], app_dir=tmp_path / "app") as session:
        assert len(_menus(session)) == 1
        assert session.eval("type(hou).__name__") == "RemoteModule"
        assert session.eval("'_dcc_bridge_startup' in globals()") is False, "userSetup leaves no names behind"
        assert session.eval("__import__('bridge_core')._rpyc.VENDORED") is True
        assert str(unpacked["maya"]) in session.eval("__import__('bridge_core').__file__")


def test_menu_items(maya):
    (menu,) = _menus(maya)
    labels = [item["label"] for item in menu["items"] if not item["divider"]]
    assert labels[:3] == ["Connect to Houdini...", "Disconnect", "Status"]
    assert {"Start Maya Server", "Stop Maya Server"} <= set(labels)


def test_running_start_up_twice_leaves_one_menu(maya):
    maya.exec(f"exec(open({str(MAYA_MODULE / 'dcc_bridge' / 'scripts' / 'userSetup.py')!r}).read())")
    maya.exec("import maya.utils; maya.utils.processIdleEvents()")
    assert len(_menus(maya)) == 1


def test_batch_sessions_have_no_menu(runtime_dir, tmp_path):
    with maya_session(runtime_dir, batch=True, app_dir=tmp_path / "app") as session:
        assert _menus(session) == []
        assert session.eval("__import__('maya.cmds').cmds.about(batch=True)") is True


def test_hou_before_connecting_says_how_to_connect(maya):
    with pytest.raises(Exception) as caught:
        maya.eval("hou.node('/obj')")
    assert "NotConnectedError" in str(caught.value) and "Connect to Houdini" in str(caught.value)


def test_status_and_disconnect_when_not_connected(maya):
    maya.menu("Houdini Bridge", "Status")
    assert "not connected to houdini" in maya.shown()["dialogs"][-1]["message"]
    maya.menu("Houdini Bridge", "Disconnect")
    assert any("nothing to disconnect" in w for w in maya.shown()["warnings"])


def test_connect_with_no_houdini_running_offers_another_machine(maya):
    maya.answer("Cancel")
    maya.menu("Houdini Bridge", "Connect to Houdini...")
    dialog = maya.shown()["dialogs"][-1]
    assert "No Houdini with the bridge server running" in dialog["message"]
    assert dialog["buttons"] == ["Other machine...", "Cancel"]


def test_a_bad_address_typed_by_hand_is_a_clear_warning(maya):
    maya.answer("Other machine...", {"button": "OK", "text": "not-an-address"})
    maya.menu("Houdini Bridge", "Connect to Houdini...")
    shown = maya.shown()
    assert any("is not an address" in w for w in shown["warnings"])
    assert "is not an address" in shown["dialogs"][-1]["message"]


def test_maya_server_runs_requests_on_the_main_thread(maya, runtime_dir):
    maya.menu("Houdini Bridge", "Start Maya Server")
    (session,) = [s for s in bridge_core.discovery.list_sessions(runtime_dir) if s.app == "maya"]
    assert session.port == bridge_core.config.DEFAULT_PORT + 1 or session.port > bridge_core.config.DEFAULT_PORT
    with bridge_core.connect(port=session.port) as bridge:
        cmds = bridge.modules["maya.cmds"]
        transform, _history = cmds.polyCube(name="from_houdini")
        assert transform == "from_houdini"  # maya.cmds off Maya's main thread would have raised
        assert "from_houdini" in cmds.ls(type="transform")
    maya.menu("Houdini Bridge", "Start Maya Server")
    assert any("already running" in w for w in maya.shown()["warnings"])
    maya.menu("Houdini Bridge", "Stop Maya Server")
    assert not [s for s in bridge_core.discovery.list_sessions(runtime_dir) if s.app == "maya"]
    maya.menu("Houdini Bridge", "Stop Maya Server")
    assert any("nothing to stop" in w for w in maya.shown()["warnings"])


def test_mayapy_serves_on_its_main_thread(runtime_dir, tmp_path):
    """In batch, Maya's main thread belongs to the script: start_server(use_thread=False) gives it to the
    bridge, and requests run directly on it (maya.cmds off the main thread would raise)."""
    with maya_session(runtime_dir, batch=True, app_dir=tmp_path / "app",
                      env={"DCC_BRIDGE_AUTOSTART": "headless"}) as session:
        assert any("does not apply to mayapy" in w for w in session.shown()["warnings"])
        assert not [s for s in bridge_core.discovery.list_sessions(runtime_dir) if s.app == "maya"]
        serving = threading.Thread(target=session.exec, args=(
            "import bridge_core\nbridge_core.start_server(port=0, use_thread=False, app='maya')",))
        serving.start()
        found = wait_until(lambda: [s for s in bridge_core.discovery.list_sessions(runtime_dir)
                                    if s.app == "maya"], 20, "the mayapy script to serve")
        with bridge_core.connect(port=found[0].port) as bridge:
            assert bridge.modules["maya.cmds"].polyCube()[0] == "pCube1"
            assert bridge.eval("__import__('threading').current_thread() is __import__('threading').main_thread()")
            with pytest.raises(bridge_core.ConnectionLostError):
                bridge.execute("import bridge_core.server\nbridge_core.server.running()[0].stop()")
        serving.join(20)
        assert not serving.is_alive()


def test_autostart_remembered_across_sessions(runtime_dir, tmp_path):
    app_dir = tmp_path / "app"
    with maya_session(runtime_dir, app_dir=app_dir) as first:
        first.menu("Houdini Bridge", "Toggle Server Autostart")
        assert not [s for s in bridge_core.discovery.list_sessions(runtime_dir) if s.app == "maya"]
    with maya_session(runtime_dir, app_dir=app_dir):
        assert [s for s in bridge_core.discovery.list_sessions(runtime_dir) if s.app == "maya"]


def test_the_environment_wins_over_the_remembered_choice(runtime_dir, tmp_path):
    app_dir = tmp_path / "app"
    with maya_session(runtime_dir, app_dir=app_dir) as first:
        first.menu("Houdini Bridge", "Toggle Server Autostart")
    with maya_session(runtime_dir, app_dir=app_dir, env={"DCC_BRIDGE_AUTOSTART": "0"}) as second:
        assert not [s for s in bridge_core.discovery.list_sessions(runtime_dir) if s.app == "maya"]
        second.menu("Houdini Bridge", "Toggle Server Autostart")
        assert "DCC_BRIDGE_AUTOSTART is set" in second.shown()["dialogs"][-1]["message"]


def test_callbacks_from_the_server_run_on_mayas_main_thread(maya, runtime_dir):
    """A Houdini-side call that calls back into a Maya function while Maya's main thread waits on it."""
    server = bridge_core.start_server(port=0, app="houdini")
    try:
        maya.exec(f"""
import threading
from dcc_bridge_maya import houdini_link
from maya import cmds
bridge = houdini_link.connect("127.0.0.1", {server.port})
def make_cube(name):
    assert threading.current_thread() is threading.main_thread()
    return cmds.polyCube(name=name)[0]
result = bridge.eval("lambda callback: callback('made_by_callback')")(make_cube)
""")
        assert maya.eval("result") == "made_by_callback"
    finally:
        server.stop()
    assert threading.active_count() >= 1


def test_connect_menu_hou_survives_a_houdini_restart(runtime_dir, tmp_path):
    from sessions import houdini_session

    env = {"DCC_BRIDGE_AUTOSTART": "1"}
    with maya_session(runtime_dir, app_dir=tmp_path / "maya") as maya:
        with houdini_session(runtime_dir, prefs_dir=tmp_path / "h1", env=env):
            label = maya.eval("[__import__('dcc_bridge_maya.menu').menu.session_label(s) "
                              "for s in __import__('dcc_bridge_maya.houdini_link').houdini_link.sessions()][0]")
            maya.answer(label)
            maya.menu("Houdini Bridge", "Connect to Houdini...")
            assert maya.exec("print(hou.node('/obj').createNode('geo').path())").strip() == "/obj/geo1"
            stable_id = maya.eval("id(hou)")
            port = [s.port for s in bridge_core.discovery.list_sessions(runtime_dir) if s.app == "houdini"][0]
            assert maya.eval("__import__('maya.cmds').cmds.optionVar(query='dccBridgeLastHoudini')") == \
                f"127.0.0.1:{port}", "the last choice is remembered for the next Connect"
            maya.menu("Houdini Bridge", "Connect to Houdini...")
            assert "Already connected to houdini" in maya.shown()["dialogs"][-1]["message"]
            maya.menu("Houdini Bridge", "Status")
            assert "Round trip:" in maya.shown()["dialogs"][-1]["message"]
        with pytest.raises(Exception) as caught:  # Houdini quit: no Houdini to reconnect to
            maya.eval("hou.node('/obj')")
        assert "NotConnectedError" in str(caught.value) and "Connect to Houdini" in str(caught.value)
        with houdini_session(runtime_dir, prefs_dir=tmp_path / "h2", env=env):
            assert maya.exec("print(hou.node('/obj').createNode('geo').path())").strip() == "/obj/geo1"
            assert maya.eval("id(hou)") == stable_id, "the same hou object, reconnected by itself"
