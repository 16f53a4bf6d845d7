"""The simulated host sessions start like the real hosts, obey the user, and end cleanly (issue: stand-ins)."""
import json
import os
import signal
import subprocess
import sys

import pytest

import bridge_core
from houdini_packages import PackageError, load_packages
from maya_modules import load_modules
from sessions import houdini_session, maya_session
from support import read_jsonl as _log
from support import write_text as _write

LOG_LINE = "import os, json\nopen(os.environ['SIM_LOG'], 'a').write(json.dumps({record}) + '\\n')\n"
UI_UP = """
def ui_up():
    import hou
    if not hasattr(hou, "ui"):  # hython
        return False
    try:
        hou.ui.setStatusMessage("start-up probe")
    except hou.NotAvailable:
        return False
    return True
"""


def _houdini_test_package(folder):
    """A package that records, from each start-up script, what it saw."""
    root = folder / "recorder"
    version = "%d.%d" % sys.version_info[:2]
    _write(folder / "recorder.json", json.dumps({
        "env": [{"RECORDER": "$HOUDINI_PACKAGE_PATH/recorder"},
                {"var": "RECORDER_LIST", "value": "first", "method": "append"},
                {"var": "RECORDER_LIST", "value": "second", "method": "append"}],
        "hpath": "$HOUDINI_PACKAGE_PATH/recorder"}))
    _write(folder / "disabled.json", json.dumps({"enable": "houdini_version < '19.0'", "env": [{"DISABLED": "1"}]}))
    record = ('{"script": "%s", "ui": ui_up(), "env": os.environ.get("RECORDER"), '
              '"list": os.environ.get("RECORDER_LIST"), "disabled": os.environ.get("DISABLED")}')
    _write(root / f"python{version}libs" / "pythonrc.py", UI_UP + LOG_LINE.format(record=record % "pythonrc"))
    _write(root / f"python{version}libs" / "uiready.py", UI_UP + LOG_LINE.format(record=record % "uiready"))
    return folder


def test_houdini_starts_in_houdinis_order(runtime_dir, tmp_path):
    packages = _houdini_test_package(tmp_path / "packages")
    log = tmp_path / "log.jsonl"
    with houdini_session(runtime_dir, packages=packages, prefs_dir=tmp_path / "prefs", env={"SIM_LOG": log}):
        entries = _log(log)
    assert [e["script"] for e in entries] == ["pythonrc", "uiready"]
    assert entries[0]["ui"] is False, "pythonrc.py runs before the UI exists (hou.ui is not available yet)"
    assert entries[1]["ui"] is True, "uiready.py runs once it does"
    assert entries[0]["env"] == str((packages / "recorder").resolve())
    assert entries[0]["list"] == os.pathsep.join(["first", "second"])
    assert entries[0]["disabled"] is None, "a package whose enable is false is skipped"


def test_hython_runs_pythonrc_but_never_uiready(runtime_dir, tmp_path):
    packages = _houdini_test_package(tmp_path / "packages")
    log = tmp_path / "log.jsonl"
    with houdini_session(runtime_dir, hython=True, packages=packages, prefs_dir=tmp_path / "prefs",
                         env={"SIM_LOG": log}):
        pass
    assert [e["script"] for e in _log(log)] == ["pythonrc"]


def test_package_rules(tmp_path):
    folder = tmp_path / "pkgs"
    _write(folder / "a.json", json.dumps({"env": {"A": "$HOUDINI_PACKAGE_PATH/a"}, "path": ["$A/x", "$A/y"]}))
    _write(folder / "b.json", json.dumps({"env": [{"var": "PATHS", "value": ["p1", "p2"], "method": "prepend"}],
                                          "enable": "houdini_python == 'python3.11' and houdini_version >= '20.5'"}))
    loaded = load_packages([folder], {"PATHS": "p0"}, houdini_version="20.5.487", python_version="3.11")
    assert loaded.environ["A"] == str(folder.resolve() / "a")
    assert loaded.houdini_path == [folder.resolve() / "a" / "x", folder.resolve() / "a" / "y"]
    assert loaded.environ["PATHS"] == os.pathsep.join(["p1", "p2", "p0"])
    skipped = load_packages([folder], {}, houdini_version="20.0.1", python_version="3.10")
    assert skipped.skipped == ["b"]
    _write(folder / "c.json", "{not json")
    with pytest.raises(PackageError, match="not valid JSON"):
        load_packages([folder], {}, "20.5", "3.11")


def test_module_file_rules(tmp_path):
    modules = tmp_path / "modules"
    _write(modules / "one.mod", """\
        + MAYAVERSION:2025 PLATFORM:linux one 1.0 ../one_root
        ONE_ROOT:=
        PYTHONPATH+:=py
        PLAIN=value
        + MAYAVERSION:2024 one 1.0 ../elsewhere
        """)
    (tmp_path / "one_root" / "scripts").mkdir(parents=True)
    _write(modules / "notes.txt", "no module here\n")
    environ = {"PYTHONPATH": "/existing"}
    (module,) = load_modules([modules], environ, maya_version="2025", platform="linux")
    root = (tmp_path / "one_root").resolve()
    assert module.root == root and module.scripts == root / "scripts"
    assert environ["ONE_ROOT"] == str(root) and environ["PLAIN"] == "value"
    assert environ["PYTHONPATH"] == os.pathsep.join(["/existing", str(root / "py")])


def _maya_test_module(folder, name):
    _write(folder / f"{name}.mod", f"+ {name} 1.0 ./{name}\n")
    _write(folder / name / "scripts" / "userSetup.py", LOG_LINE.format(
        record=f'{{"module": "{name}", "in_main": __name__ == "__main__", '
               f'"batch": __import__("maya.cmds").cmds.about(batch=True)}}'))


@pytest.mark.parametrize("batch", [False, True])
def test_maya_runs_every_user_setup_in_main(runtime_dir, tmp_path, batch):
    modules = tmp_path / "modules"
    for name in ("alpha", "beta"):
        _maya_test_module(modules, name)
    log = tmp_path / "log.jsonl"
    with maya_session(runtime_dir, batch=batch, modules=modules, app_dir=tmp_path / "app", env={"SIM_LOG": log}):
        pass
    entries = _log(log)
    assert sorted(e["module"] for e in entries) == ["alpha", "beta"]
    assert all(e["in_main"] and e["batch"] is batch for e in entries)


def test_maya_skip_user_setup(runtime_dir, tmp_path):
    modules = tmp_path / "modules"
    _maya_test_module(modules, "alpha")
    log = tmp_path / "log.jsonl"
    with maya_session(runtime_dir, modules=modules, app_dir=tmp_path / "app",
                      env={"SIM_LOG": log, "MAYA_SKIP_USERSETUP_PY": "1"}):
        pass
    assert _log(log) == []


@pytest.mark.parametrize("how", ["quit", signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("host", ["houdini", "maya"])
def test_sessions_end_cleanly_and_leave_nothing_behind(runtime_dir, tmp_path, host, how):
    start = houdini_session if host == "houdini" else maya_session
    folder = {"prefs_dir": tmp_path / "prefs"} if host == "houdini" else {"app_dir": tmp_path / "app"}
    session = start(runtime_dir, env={"DCC_BRIDGE_AUTOSTART": "1"}, **folder)
    assert [s.app for s in bridge_core.discovery.list_sessions(runtime_dir)] == [host]
    code = session.quit() if how == "quit" else session.signal(how)
    assert code == 0, session.errors
    assert session.proc.poll() is not None
    assert list(runtime_dir.glob("session-*.json")) == [], "the bridge server's session file is removed"
    assert list(runtime_dir.glob("*.sock")) == [], "and its local socket"


def test_control_channel_reports_errors_without_dying(runtime_dir, tmp_path):
    with houdini_session(runtime_dir, prefs_dir=tmp_path / "prefs") as houdini:
        with pytest.raises(Exception, match="no shelf tool named"):
            houdini.click("no_such_tool")
        with pytest.raises(Exception, match="ZeroDivisionError"):
            houdini.exec("1 / 0")
        assert houdini.exec("print('still here')") == "still here\n"


def test_build_py_sim_rejects_a_missing_interpreter(runtime_dir):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run([sys.executable, os.path.join(root, "build.py"), "sim", "houdini", "--python",
                           "python-that-does-not-exist"], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "no working interpreter" in done.stderr and len(done.stderr.strip().splitlines()) == 1
