"""Launching simulated host sessions from tests and the demo, and acting as their user.

    with houdini_session(runtime_dir) as houdini:            # graphical, this repo's package installed
        houdini.click("dcc_bridge_start")                      # a shelf tool
        houdini.eval("hou.node('/obj').path()")                # the Python Shell
    with maya_session(runtime_dir, batch=True) as maya: ...   # mayapy

Each session is a real process (``houdini_sim.py`` / ``maya_sim.py``) that starts like the host, then runs a
main-thread event loop; ``quit()`` (or leaving the ``with`` block) ends it and checks it exited cleanly.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from control import ControlClient, ControlError
from lines import LineReader

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
HOUDINI_PACKAGE = ROOT / "houdini_package"
MAYA_MODULE = ROOT / "maya_module"

__all__ = ["SimSession", "houdini_session", "maya_session", "session_env"]


def session_env(runtime_dir, **extra):
    """A clean environment: none of the developer's DCC_BRIDGE_*/HOUDINI_*/MAYA_* variables."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DCC_BRIDGE_", "HOUDINI_", "MAYA_", "PYTHONPATH"))}
    env["DCC_BRIDGE_RUNTIME_DIR"] = str(runtime_dir)
    env["PYTHONUNBUFFERED"] = "1"
    env.update({k: str(v) for k, v in extra.items() if v is not None})
    return env


class SimSession:
    """A running simulated host and its control channel."""

    def __init__(self, script, args, env, python=None, start_timeout=30):
        self.command = [str(python or sys.executable), str(HERE / script), *map(str, args)]
        self.proc = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                     cwd=str(ROOT), text=True)
        self.startup_output = []
        try:
            self.port = self._await_control(start_timeout)
            self.control = ControlClient(self.port)
        except BaseException:
            self.kill()
            raise

    def _await_control(self, timeout):
        self._lines = LineReader(self.proc.stdout)
        self._errors = LineReader(self.proc.stderr)  # read as it comes, so a chatty host never blocks
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.next(max(deadline - time.monotonic(), 0.01), "the session to start")
            except AssertionError as exc:
                code = self.proc.poll()
                raise RuntimeError(f"{self.command[1]} did not start ({exc}); exit code {code}; errors:\n"
                                   + (self._errors.rest(1) if code is not None else "")) from None
            if line.startswith("control "):
                return int(line.split()[1])
            self.startup_output.append(line)

    # ------------------------------------------------------------------------------------ the user

    def exec(self, code):
        """Run code in the host's ``__main__`` (Script Editor / Python Shell); returns what it printed."""
        return self.control.request("exec", code=code)

    def eval(self, expr):
        return self.control.request("eval", expr=expr)

    def click(self, tool):
        """Houdini: click a shelf tool (by tool name)."""
        return self.control.request("click", tool=tool)

    def menu(self, *path):
        """Maya: pick a menu item by its labels, e.g. ``menu("Houdini Bridge", "Status")``."""
        return self.control.request("menu", path=list(path))

    def answer(self, *values):
        """Queue the user's answers to the next dialogs, in order."""
        for value in values:
            self.control.request("answer", value=value)

    def shown(self):
        """What the host showed the user (messages, status bar, warnings, menus ...)."""
        return self.control.request("shown")

    def stall(self, seconds=None):
        """The user holds the mouse (``seconds``; None: until ``release()``): the host runs no idle work."""
        self.control.request("stall", seconds=seconds)

    def release(self):
        self.control.request("stall", release=True)

    def modal(self, on=True):
        """Dialogs with no answer queued wait for one (holding the host's main thread) instead of taking Enter."""
        self.control.request("modal", on=on)

    def waiting(self):
        """The modal dialog waiting for the user's answer (``{"dialog": name}``), or None."""
        return self.control.request("waiting")

    # ------------------------------------------------------------------------------------ ending

    def quit(self, timeout=20):
        """Quit through the control channel; returns the exit code (and the output, on ``self.output``)."""
        if self.proc.poll() is None:
            try:
                self.control.request("quit")
            except (OSError, ControlError):  # the session may close the channel as it quits: the exit code tells
                pass
        return self._finish(timeout)

    def signal(self, sig=signal.SIGTERM, timeout=20):
        self.proc.send_signal(sig)
        return self._finish(timeout)

    def _finish(self, timeout):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            if hasattr(signal, "SIGUSR1"):
                self.proc.send_signal(signal.SIGUSR1)  # faulthandler: every thread's stack on stderr
                try:
                    self.proc.wait(2)
                except subprocess.TimeoutExpired:
                    pass
            self.kill()
            raise RuntimeError(f"{self.command[1]} did not exit within {timeout} s; its threads:\n"
                               + self._errors.rest(2)[-6000:]) from None
        self.output = "".join(self._lines.seen) + self._lines.rest()
        self.errors = "".join(self._errors.seen) + self._errors.rest()
        self.control.close()
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        if self.proc.poll() is None:
            code = self.quit()
            if exc_type is None and code != 0:
                raise AssertionError(f"{self.command[1]} exited with {code}:\n{self.errors}")


def houdini_session(runtime_dir, hython=False, packages=HOUDINI_PACKAGE, prefs_dir=None, env=None, python=None,
                    version="20.5.487"):
    """A simulated Houdini (graphical unless ``hython``) with the packages in ``packages`` installed."""
    args = ["--version", version]
    if hython:
        args.append("--hython")
    extra = dict(env or {}, HOUDINI_PACKAGE_DIR=packages,
                 HOUDINI_USER_PREF_DIR=prefs_dir or Path(runtime_dir).parent / "houdini_prefs")
    return SimSession("houdini_sim.py", args, session_env(runtime_dir, **extra), python=python)


def maya_session(runtime_dir, batch=False, modules=MAYA_MODULE, app_dir=None, env=None, python=None,
                 version="2025"):
    """A simulated Maya (graphical unless ``batch``) with the modules in ``modules`` installed."""
    args = ["--version", version]
    if batch:
        args.append("--batch")
    extra = dict(env or {}, MAYA_MODULE_PATH=modules,
                 MAYA_APP_DIR=app_dir or Path(runtime_dir).parent / "maya_app_dir")
    return SimSession("maya_sim.py", args, session_env(runtime_dir, **extra), python=python)
