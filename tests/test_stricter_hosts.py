"""The stand-ins as strict as the real hosts where they differ from a lenient model, and the glue under them
(issue 15): Maya's start-up order, userSetup.py failures, mayapy without user preferences, a stalled event loop
and modal dialogs, Houdini's Python Shell thread, hython without ``hou.ui``, ``hou.session`` rebuilt with the
scene, ``hdefereval`` from the main thread, and autostart in hython.

Each rule's source is cited beside it in ``tests/hosts`` and listed in ``tests/hosts/README.md``.
"""
import os
import shutil
import socket
import threading

import pytest

import bridge_core
from control import ControlClient
from sessions import HOUDINI_PACKAGE, MAYA_MODULE, houdini_session, maya_session
from support import build, wait_until
from support import read_jsonl as _logged
from support import write_text as _write

LOG_LINE = "import os, json\nopen(os.environ['SIM_LOG'], 'a').write(json.dumps({record}) + '\\n')\n"


def _module(folder, name, user_setup):
    _write(folder / f"{name}.mod", f"+ {name} 1.0 ./{name}\n")
    _write(folder / name / "scripts" / "userSetup.py", user_setup)


# ------------------------------------------------------------------------------------------ Maya start-up


def test_maya_runs_user_setup_before_its_ui_exists(runtime_dir, tmp_path):
    """A userSetup.py that builds a menu directly fails (the UI does not exist yet); one that defers it works.
    The old stand-in built MayaWindow before running userSetup.py, so the direct one passed."""
    modules, log = tmp_path / "modules", tmp_path / "log.jsonl"
    _module(modules, "direct", LOG_LINE.format(record='{"module": "direct", "started": True}') + """
from maya import cmds
cmds.menu("directMenu", parent="MayaWindow", label="Direct")
""" + LOG_LINE.format(record='{"module": "direct", "built": True}'))
    _module(modules, "later", LOG_LINE.format(record='{"module": "later", "started": True}'))
    with maya_session(runtime_dir, modules=f"{MAYA_MODULE}{os.pathsep}{modules}", app_dir=tmp_path / "app",
                      env={"SIM_LOG": log}) as maya:  # ours first on sys.path, then direct, then later
        labels = [m["label"] for m in maya.shown()["menus"]]
        assert "Direct" not in labels and "Houdini Bridge" in labels
        maya.exec("from maya import cmds\ncmds.menu('afterStart', parent='MayaWindow', label='After')")
    assert "Failed to execute userSetup.py" in maya.errors and "does not exist yet" in maya.errors
    # Maya's loop stops at the failing userSetup.py: the later module's never runs (maya.app.startup.basic)
    assert _logged(log) == [{"module": "direct", "started": True}]


def test_our_user_setup_never_stops_the_ones_after_it(runtime_dir, tmp_path):
    """A broken install of our module (its package missing) says so in one line; the module after it on
    sys.path still starts. Our old userSetup.py imported outside any try: it raised and stopped the rest."""
    modules, log = tmp_path / "modules", tmp_path / "log.jsonl"
    shutil.copytree(MAYA_MODULE, modules)
    shutil.rmtree(modules / "dcc_bridge" / "scripts" / "dcc_bridge_maya")
    _module(modules, "zz_studio", LOG_LINE.format(record='{"module": "zz_studio"}'))
    with maya_session(runtime_dir, modules=modules, app_dir=tmp_path / "app", env={"SIM_LOG": log}) as maya:
        pass
    assert _logged(log) == [{"module": "zz_studio"}]
    assert "DCC Bridge: not started (ModuleNotFoundError" in maya.errors
    assert "Failed to execute userSetup.py" not in maya.errors


def test_mayapy_reads_no_user_preferences(runtime_dir, tmp_path):
    """Option variables saved by a graphical Maya are there in the next graphical one, not in mayapy
    (maya.standalone.initialize() does not source userPrefs.mel); the old stand-in loaded them in batch too."""
    app_dir = tmp_path / "app"
    query = "__import__('maya.cmds').cmds.optionVar(exists='dccBridgeAutostartServer')"
    with maya_session(runtime_dir, app_dir=app_dir) as first:
        first.menu("Houdini Bridge", "Toggle Server Autostart")
    with maya_session(runtime_dir, app_dir=app_dir, batch=True) as batch:
        assert batch.eval(query) is False
    with maya_session(runtime_dir, app_dir=app_dir) as second:
        assert second.eval(query) is True


def _busy_ports(first, count=10):
    """Listen on ``first`` .. ``first + count - 1`` (a port something else holds already is busy anyway)."""
    held = []
    for port in range(first, first + count):
        sock = socket.socket()
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
            held.append(sock)
        except OSError:
            sock.close()
    return held


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_maya_autostart_on_a_busy_port_says_what_happened(runtime_dir, tmp_path):
    """As Houdini's shelf does: "could not start the Maya server: ports ... are all in use", the menu still
    built. The old start-up caught the error with the menu's and logged "could not build its menu"."""
    base = _free_port()
    held = _busy_ports(base)
    try:
        env = {"DCC_BRIDGE_AUTOSTART": "1", "DCC_BRIDGE_PORT": base - 1}  # Maya serves one above
        with maya_session(runtime_dir, app_dir=tmp_path / "app", env=env) as maya:
            shown = maya.shown()
            assert [m for m in shown["menus"] if m["label"] == "Houdini Bridge"]
            assert any("could not start the Maya server" in w and "all in use" in w for w in shown["warnings"])
            assert "all in use" in shown["dialogs"][-1]["message"]
    finally:
        for sock in held:
            sock.close()
    assert "could not build its menu" not in maya.errors and "Traceback" not in maya.errors


# ------------------------------------------------------------------------------ a stalled event loop, modal dialogs


def _serving(host, runtime_dir, tmp_path):
    env = {"DCC_BRIDGE_AUTOSTART": "1"}
    if host == "houdini":
        return houdini_session(runtime_dir, prefs_dir=tmp_path / "prefs", env=env)
    return maya_session(runtime_dir, app_dir=tmp_path / "app", env=env)


def _session_port(runtime_dir, app):
    (port,) = [s.port for s in bridge_core.discovery.list_sessions(runtime_dir) if s.app == app]
    return port


@pytest.mark.parametrize("host", ["houdini", "maya"])
def test_a_request_into_a_stalled_host_times_out_clearly_and_the_connection_lives_on(host, runtime_dir, tmp_path):
    """While the user drags (no idle work runs), a request waits out the call timeout and fails saying so; once
    the stall ends the same connection answers again, and the late request's reply does not confuse it."""
    with _serving(host, runtime_dir, tmp_path) as session:
        with bridge_core.connect(port=_session_port(runtime_dir, host), timeout=1) as bridge:
            assert bridge.eval("6 * 7") == 42
            session.stall()  # until released
            with pytest.raises(bridge_core.BridgeTimeoutError, match="did not answer within 1 s"):
                bridge.eval("'held' + 'back'")
            session.release()
            assert bridge.eval("6 * 9") == 54
            session.stall(0.3)  # a short drag: a call waits it out and succeeds
            assert bridge.eval("'after the drag'") == "after the drag"


@pytest.mark.parametrize("host", ["houdini", "maya"])
def test_a_modal_dialog_holds_idle_work_until_the_user_answers(host, runtime_dir, tmp_path):
    """The status dialog (Houdini's shelf, Maya's menu) is modal: until the user answers, nothing deferred runs,
    so a request times out; after the answer the same connection works. The old dialogs returned at once."""
    with _serving(host, runtime_dir, tmp_path) as session, \
            bridge_core.connect(port=_session_port(runtime_dir, host), timeout=1) as bridge:
        assert bridge.eval("1 + 1") == 2
        session.modal(True)
        if host == "maya":
            dialog, user_action = "confirmDialog", lambda: session.menu("Houdini Bridge", "Status")
        else:
            dialog, user_action = "hou.ui.displayMessage()", lambda: session.click("dcc_bridge_status")
        clicking = threading.Thread(target=user_action)
        clicking.start()
        user = ControlClient(session.port)  # a second hand: the first waits in the click
        try:
            assert wait_until(lambda: user.request("waiting"), 10, "the status dialog") == {"dialog": dialog}
            with pytest.raises(bridge_core.BridgeTimeoutError):
                bridge.eval("2 + 2")
        finally:
            user.request("answer", value="OK")
            clicking.join(10)
            user.close()
        assert not clicking.is_alive()
        assert bridge.eval("3 + 3") == 6
        shown = session.shown()
        texts = [d["message"] for d in shown["dialogs"]] if host == "maya" else [m["text"] for m in shown["messages"]]
        assert "Autostart: on" in texts[-1]


def test_maya_before_its_ui_exists_in_process():
    """The stand-in itself: a graphical Maya still starting has no main window and refuses UI commands (saying
    why), while scene commands work; show_ui() brings the UI."""
    import sys

    from support import MAYA_STANDIN

    if str(MAYA_STANDIN) not in sys.path:
        sys.path.insert(0, str(MAYA_STANDIN))
    import _maya_sim

    _maya_sim.reset("not started")
    try:
        _maya_sim.enable_gui(ui=False)
        import maya.cmds as cmds
        import maya.mel

        assert cmds.about(batch=True) is False
        assert cmds.polyCube(name="early")[0] == "early"
        assert maya.mel.eval("$gMainWindow") == ""
        with pytest.raises(RuntimeError, match="user interface does not exist yet"):
            cmds.menu("tooEarly", parent="MayaWindow", label="Too early")
        _maya_sim.show_ui()
        assert maya.mel.eval("$gMainWindow") == "MayaWindow"
        assert cmds.menu("inTime", parent="MayaWindow", label="In time") == "MayaWindow|inTime"
    finally:
        _maya_sim.reset("not started")


# ------------------------------------------------------------------------------------------------- Houdini


def test_autostart_1_serves_graphical_houdini_and_maya_but_headless_is_needed_without_a_ui(runtime_dir):
    """pythonrc.py runs in hython and hbatch too: with DCC_BRIDGE_AUTOSTART=1 (as the README suggests for
    houdini.env) every farm hython would have opened a port. Checked on the rule itself, for every value."""
    from bridge_core import config

    cases = {"1": (True, False), "0": (False, False), "headless": (True, True), "": (False, False)}
    for value, (with_ui, without_ui) in cases.items():
        env = {"DCC_BRIDGE_AUTOSTART": value}
        assert config.autostart_choice(None, "the shelf", env)[0] is with_ui, value
        assert config.autostart_choice(True, "the shelf", env, ui=False)[0] is without_ui, value
    with pytest.raises(bridge_core.ConfigError, match="headless"):
        config.load({"DCC_BRIDGE_AUTOSTART": "sometimes"})


def test_hython_glue_copes_without_hou_ui(runtime_dir, tmp_path):
    """Every shelf function that may talk to the user, in a hython whose hou has no ui attribute."""
    with houdini_session(runtime_dir, hython=True, prefs_dir=tmp_path / "prefs") as hython:
        assert hython.eval("hasattr(hou, 'ui')") is False
        out = hython.exec("import dcc_bridge_houdini.shelf as s\ns.show_status()\ns.connect_to_maya()\n"
                          "s.start_server()\ns.stop_server()\ns.stop_server()")
        assert "Autostart: off" in out and "Start Maya Server" in out and "nothing to stop" in out


def test_hou_session_cmds_survives_file_new_and_open(runtime_dir, tmp_path):
    """hou.session is rebuilt from the scene on clear and load (the old stand-in kept one module for the process,
    so hou.session.cmds never vanished); our scene event callback binds it again."""
    with maya_session(runtime_dir, app_dir=tmp_path / "maya", env={"DCC_BRIDGE_AUTOSTART": "1"}), \
            houdini_session(runtime_dir, prefs_dir=tmp_path / "prefs") as houdini:
        houdini.click("dcc_bridge_connect_maya")
        assert "connected to Maya" in houdini.shown()["status"][-1]
        houdini.exec("hou.session.mine = 1\n"
                     f"hou.hipFile.save({str(tmp_path / 'scene.hip')!r})\n"
                     "hou.hipFile.clear(suppress_save_prompt=True)")
        assert houdini.eval("hasattr(hou.session, 'mine')") is False, "the stand-in rebuilt hou.session"
        assert houdini.eval("hou.session.cmds.polyCube(name='after_new')[0]") == "after_new"
        houdini.exec(f"hou.hipFile.load({str(tmp_path / 'scene.hip')!r}, suppress_save_prompt=True)")
        assert houdini.eval("list(hou.session.cmds.ls('after_new'))") == ["after_new"]
        assert houdini.eval("len(hou.hipFile.eventCallbacks())") == 1


@pytest.mark.timeout(90)
def test_python_shell_to_maya_and_back_runs_callbacks_on_houdinis_free_main_thread(runtime_dir, tmp_path):
    """Typed in the Python Shell (its own thread, as in Houdini): Houdini -> Maya -> a callback into a Houdini
    function that uses hou. The shell's thread waits; the callback runs on the main thread, which is free; no hou
    call is made off the main thread by the bridge."""
    with maya_session(runtime_dir, app_dir=tmp_path / "maya", env={"DCC_BRIDGE_AUTOSTART": "1"}), \
            houdini_session(runtime_dir, prefs_dir=tmp_path / "prefs") as houdini:
        houdini.click("dcc_bridge_connect_maya")
        houdini.exec("""
import threading
shell_thread = threading.current_thread().name
def in_houdini(name):
    assert threading.current_thread() is threading.main_thread()
    return hou.node("/obj").createNode("geo", name).path()
cube = hou.session.cmds.polyCube(name="from_the_shell")[0]
made = hou.session.maya_link.bridge.eval("lambda callback, name: callback(name)")(in_houdini, cube)
""")
        assert houdini.eval("shell_thread") == "Python Shell"
        assert houdini.eval("made") == "/obj/from_the_shell"
        shown = houdini.shown()
        assert shown["off_main_thread_calls"] == 0, shown["off_main_thread_names"][:10]
        assert shown["crashes"] == [] and shown["hangs"] == []


def _version(text):
    return tuple(int(part) for part in text.split("."))


def test_start_up_scripts_exist_for_every_python_of_every_supported_houdini(unpacked):
    """The package JSON's minimum Houdini and the pythonX.Ylibs folders agree, in the working tree and in the
    shipped zip: Houdini 22 (Python 3.13) finds its pythonrc.py and uiready.py (the old package had folders for
    3.9 to 3.11 only, hand-copied, and Houdini 22 skipped them silently); each is generated from one source."""
    import json
    import re

    package = json.loads((HOUDINI_PACKAGE / "dcc_bridge.json").read_text(encoding="utf-8"))
    floor = re.fullmatch(r"houdini_version >= '([\d.]+)'", package["enable"]).group(1)
    assert floor == min(build.HOUDINI_PYTHONS, key=_version), "the build knows the Pythons of every supported Houdini"
    pythons = {python for houdini, builds in build.HOUDINI_PYTHONS.items() if _version(houdini) >= _version(floor)
               for python in builds if _version(python) >= (3, 9)}
    assert {"3.9", "3.13"} <= pythons
    generated = build.houdini_startup_scripts()
    for root in (HOUDINI_PACKAGE / "dcc_bridge" / "houdini", unpacked["houdini"] / "dcc_bridge" / "houdini"):
        assert {p.name for p in root.glob("python*libs")} == {f"python{p}libs" for p in pythons}, root
        for python in pythons:
            for script in ("pythonrc.py", "uiready.py"):
                relative = f"python{python}libs/{script}"
                assert (root / relative).read_text(encoding="utf-8") == generated[relative], root / relative


def test_port_0_means_any_free_port_for_maya_too(runtime_dir, tmp_path):
    """DCC_BRIDGE_PORT=0 with Maya's offset of one used to make Maya listen on port 1 (as root, it could), where
    other sessions on the machine then found a Maya they were not looking for."""
    with maya_session(runtime_dir, app_dir=tmp_path / "app", env={"DCC_BRIDGE_AUTOSTART": "1", "DCC_BRIDGE_PORT": 0}):
        assert _session_port(runtime_dir, "maya") > 1024
