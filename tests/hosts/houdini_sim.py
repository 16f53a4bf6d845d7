"""A simulated Houdini session: a process that starts the way Houdini does, then runs its UI loop.

    python tests/hosts/houdini_sim.py [--hython] [--version 20.5.487]

Start-up, in Houdini's order: read the package files (``$HOUDINI_USER_PREF_DIR/packages``, then
``$HOUDINI_PACKAGE_DIR``) and apply them (``houdini_packages``); build the Houdini path (packages first, then
the user preferences folder); put each path folder's ``scripts/python`` and ``pythonX.Ylibs`` (for this
Python) on ``sys.path``; run every ``pythonX.Ylibs/pythonrc.py`` found; load every ``toolbar/*.shelf``. A
graphical session then turns the UI on, runs every ``uiready.py`` and serves its event loop; hython has no UI
and no ``hdefereval``, and only serves the control channel. The process prints ``control <port>`` when ready
(``control``) and exits 0 after ``quit``, SIGTERM or SIGINT, with its bridge server stopped.
"""
import argparse
import os
import queue
import runpy
import sys
import threading
import traceback
import xml.etree.ElementTree as ElementTree
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE / "houdini"), str(HERE)]

import _houdini_sim  # noqa: E402  (the stand-in's private switches)
from control import capture_stdout, serve_session, standard_handlers  # noqa: E402
from houdini_packages import load_packages  # noqa: E402

PYTHON_VERSION = "%d.%d" % sys.version_info[:2]


def houdini_path(environ, version, hython):
    """Apply the packages to ``environ``; returns the Houdini path (list of folders)."""
    prefs = Path(environ["HOUDINI_USER_PREF_DIR"])
    folders = [prefs / "packages"] + [Path(p) for p in environ.get("HOUDINI_PACKAGE_DIR", "").split(os.pathsep) if p]
    loaded = load_packages([f for f in folders if f.is_dir()], environ, version, PYTHON_VERSION)
    os.environ.clear()
    os.environ.update(loaded.environ)
    path = loaded.houdini_path + [prefs]
    os.environ["HOUDINI_PATH"] = os.pathsep.join(map(str, path)) + os.pathsep + "&"
    return path


def run_scripts(path, name):
    """Run every ``pythonX.Ylibs/<name>`` found on the Houdini path, in path order. One that raises has its
    traceback printed and the others still run: Houdini keeps starting (how real Houdini reports it was not
    confirmed from a primary source; a start-up that died here would hide the failure from the tests instead)."""
    for folder in path:
        script = folder / f"python{PYTHON_VERSION}libs" / name
        if script.is_file():
            try:
                runpy.run_path(str(script), run_name="__main__")
            except Exception:
                traceback.print_exc()


def load_shelves(path):
    """Every tool of every ``toolbar/*.shelf``: name -> (label, script). Invalid XML stops start-up."""
    tools, shelves = {}, []
    for folder in path:
        for shelf_file in sorted((folder / "toolbar").glob("*.shelf")):
            root = ElementTree.parse(shelf_file).getroot()
            if root.tag != "shelfDocument":
                raise ValueError(f"{shelf_file}: the root element must be <shelfDocument>")
            for shelf in root.iter("toolshelf"):
                shelves.append({"name": shelf.get("name"), "label": shelf.get("label"),
                                "tools": [m.get("name") for m in shelf.iter("memberTool")]})
            for tool in root.iter("tool"):
                script = tool.find("script")
                tools[tool.get("name")] = (tool.get("label"), script.text if script is not None else "")
    return tools, shelves


class PythonShell:
    """Houdini's Python Shell pane: typed code runs on the shell's own thread, not the main thread, so the main
    thread stays free (its event loop keeps running deferred work) while the shell waits.

    SideFX: ``hou.PythonPanel`` methods must not be called "from a separate thread (i.e. do not call from a
    Python Shell)"; ``hou.InterruptableOperation`` "does not work in the Python Shell" (their reference pages);
    ``hou.ShellIO.interruptShellThread`` interrupts it. hython has no UI: its Python runs on the main thread."""

    def __init__(self):
        self._jobs = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._serve, name="Python Shell", daemon=True)
        self.thread.start()
        _houdini_sim.set_shell_thread(self.thread)

    def _serve(self):
        while True:
            self._jobs.get()()

    def call(self, fn, *args):
        """Run ``fn(*args)`` on the shell's thread and wait for it (the user waits at the prompt)."""
        done, box = threading.Event(), {}

        def job():
            try:
                box["value"] = fn(*args)
            except BaseException as exc:  # handed back to the caller
                box["error"] = exc
            finally:
                done.set()

        self._jobs.put(job)
        done.wait()
        if "error" in box:
            raise box["error"]
        return box["value"]


def make_handlers(tools, shelves, shell=None):
    def click(request):
        if request["tool"] not in tools:
            raise KeyError(f"no shelf tool named {request['tool']!r}")
        label, script = tools[request["tool"]]
        with capture_stdout() as output:
            exec(compile(script, f"<shelf tool {label}>", "exec"), {"kwargs": {}, "__name__": "__main__"})
        return output.getvalue()

    def shown():
        return dict(_houdini_sim.shown(), shelves=shelves, tools=sorted(tools))

    handlers = dict(standard_handlers("<python shell>", _houdini_sim, shown), click=click)
    if shell is not None:  # a graphical Houdini: typed code runs on the Python Shell's thread
        for op in ("exec", "eval"):
            handlers[op].runner = shell.call
    return handlers


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hython", action="store_true", help="no UI, no hdefereval (as hython)")
    parser.add_argument("--version", default="20.5.487", help="the Houdini version to claim")
    args = parser.parse_args()
    os.environ.setdefault("HOUDINI_USER_PREF_DIR", str(Path.home() / "houdini_sim_prefs"))
    _houdini_sim.set_version(args.version)
    path = houdini_path(dict(os.environ), args.version, args.hython)
    for folder in path:
        for sub in ("scripts/python", f"python{PYTHON_VERSION}libs"):
            if (folder / sub).is_dir():
                sys.path.append(str(folder / sub))
    import __main__
    import hou

    __main__.hou = hou  # Houdini's Python Shell (and hython's __main__) have hou already imported
    if not args.hython:
        _houdini_sim.set_graphical(starting=True)  # a graphical Houdini whose UI is not up yet
    run_scripts(path, "pythonrc.py")
    tools, shelves = load_shelves(path)
    if not args.hython:
        _houdini_sim.enable_ui()
        run_scripts(path, "uiready.py")
    serve_session(make_handlers(tools, shelves, None if args.hython else PythonShell()))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:
        traceback.print_exc()
        sys.exit(1)
