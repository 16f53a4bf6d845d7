"""A simulated Maya session: a process that starts the way Maya does, then runs its idle loop.

    python tests/hosts/maya_sim.py [--batch] [--version 2025]

Start-up, in Maya's order: read every module file on ``MAYA_MODULE_PATH`` (and ``$MAYA_APP_DIR/modules``,
``$MAYA_APP_DIR/<version>/modules``) (``maya_modules``); put each module's ``scripts/`` on ``sys.path`` and
``MAYA_SCRIPT_PATH``; start the session (graphical: user preferences read, UI not built yet; or
``maya.standalone.initialize()`` for mayapy batch, which reads no user preferences); run every ``userSetup.py`` on
``sys.path`` in ``__main__`` (unless ``MAYA_SKIP_USERSETUP_PY`` is set) while the UI does not exist yet; then
(graphical) build the UI and serve the idle loop, where ``executeDeferred`` work runs. Prints ``control <port>``
when ready (``control``), exits 0 after ``quit``, SIGTERM or SIGINT; option variables are saved on the way out, as
Maya saves its prefs.
"""
import argparse
import os
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / "maya"), str(HERE)]

import _maya_sim  # noqa: E402  (the stand-in's private switches)
from control import capture_stdout, serve_session, standard_handlers  # noqa: E402
from maya_modules import load_modules  # noqa: E402

PLATFORM = {"win32": "win64", "darwin": "mac"}.get(sys.platform, "linux")


def module_folders(environ, version):
    app_dir = Path(environ["MAYA_APP_DIR"])
    folders = [Path(p) for p in environ.get("MAYA_MODULE_PATH", "").split(os.pathsep) if p]
    folders += [app_dir / "modules", app_dir / version / "modules"]
    return [f for f in folders if f.is_dir()]


def run_user_setups():
    """Every userSetup.py on sys.path, in sys.path order, executed in __main__ (as Maya does); returns those run.

    Maya's own loop (``maya.app.startup.basic.executeUserSetup``, as public copies of it show) sits inside one
    ``try`` (the copies found are of Python 2 era Maya; none of a Python 3 Maya's): a userSetup.py that raises is
    reported on stderr as "Failed to execute userSetup.py" with its traceback, Maya carries on starting, and the
    userSetup.py files after it on sys.path do not run."""
    import __main__

    ran = []
    try:
        for entry in list(sys.path):
            script = Path(entry or ".") / "userSetup.py"
            if script.is_file() and str(script) not in ran:
                ran.append(str(script))
                exec(compile(script.read_text(encoding="utf-8"), str(script), "exec"), __main__.__dict__)
    except Exception:
        sys.stderr.write("Failed to execute userSetup.py\n")
        traceback.print_exc()
    return ran


def make_handlers():
    def pick(request):
        with capture_stdout() as output:
            _maya_sim.pick_menu_item(*request["path"])
        return output.getvalue()

    return dict(standard_handlers("<maya console>", _maya_sim, _maya_sim.shown), menu=pick)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", action="store_true", help="mayapy with maya.standalone (no UI)")
    parser.add_argument("--version", default="2025", help="the Maya version to claim")
    args = parser.parse_args()
    os.environ.setdefault("MAYA_APP_DIR", str(Path.home() / "maya_sim_app_dir"))
    _maya_sim.set_version(args.version)
    if not args.batch:
        # mayapy's maya.standalone.initialize() does not source the user's preferences (PyMEL's "Standalone
        # Maya Python Interpreter" notes: it "does not fully initialize Maya", so PyMEL sources them itself)
        _maya_sim.load_prefs(Path(os.environ["MAYA_APP_DIR"]) / args.version / "prefs")
    for module in load_modules(module_folders(os.environ, args.version), os.environ, args.version, PLATFORM):
        if module.scripts.is_dir():
            sys.path.append(str(module.scripts))
            os.environ["MAYA_SCRIPT_PATH"] = os.pathsep.join(
                filter(None, [os.environ.get("MAYA_SCRIPT_PATH"), str(module.scripts)]))
    if args.batch:
        import maya.standalone

        maya.standalone.initialize(name="python")
    else:
        _maya_sim.enable_gui(ui=False)  # Maya initializing: userSetup.py runs before the UI exists
    if not os.environ.get("MAYA_SKIP_USERSETUP_PY"):
        run_user_setups()
    if not args.batch:
        _maya_sim.show_ui()  # then the main window; work deferred by userSetup.py runs from the loop after this
    serve_session(make_handlers())
    _maya_sim.quit()  # quitApplication jobs, then a graphical Maya saves its preferences
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:
        traceback.print_exc()
        sys.exit(1)
