"""Helpers shared by the test modules: waiting on conditions, clean environments, child processes.

    wait_until(lambda: server.clients, timeout=5, what="a client to connect")
    with BridgeProcess.serve(runtime_dir) as proc:
        bridge_core.connect(port=proc.port)
"""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT / "tests" / "hosts"))  # the simulated sessions' modules: sessions, control, lines

from lines import LineReader  # noqa: E402
from sessions import session_env  # noqa: E402
HOUDINI_STANDIN = ROOT / "tests" / "hosts" / "houdini"
MAYA_STANDIN = ROOT / "tests" / "hosts" / "maya"


def _load_build_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("dcc_build", ROOT / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build_script()  # build.py's functions (staging, zips, versions), for the packaging tests


def write_text(path, text):
    """Write ``text`` (dedented) to ``path``, making its folders; returns the path."""
    import textwrap

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def read_jsonl(path):
    """The JSON lines of ``path`` (a log a child process appended to); [] when it was never written."""
    import json

    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def wait_until(predicate, timeout=10.0, what="the condition"):
    """Wait for ``predicate()`` to be truthy, re-checking on a short interval; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    interval = 0.005
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        threading.Event().wait(interval)
        interval = min(interval * 2, 0.1)


def clean_env(runtime_dir, **extra):
    """``sessions.session_env`` (none of the developer's DCC_BRIDGE_*/HOUDINI_*/MAYA_*, our runtime dir) with
    this repository and the Houdini stand-in on the child's path, unless ``extra`` says otherwise."""
    return session_env(runtime_dir, **dict({"PYTHONPATH": os.pathsep.join([str(ROOT), str(HOUDINI_STANDIN)])},
                                           **extra))


class Peer:
    """A peer program of tests/peers/ in a child process, driven by lines on its standard input (``send``)."""

    def __init__(self, runtime_dir, *args, script="mainloop_peer.py"):
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "peers" / script), *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=clean_env(runtime_dir), cwd=str(ROOT))
        self.port = int(read_line(self.proc.stdout, 30, "the peer to serve").split()[1])

    def send(self, line, timeout=30):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return read_line(self.proc.stdout, timeout, f"the answer to {line!r}").strip()

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc.stdout.close()
        return self.proc.returncode


_readers = {}


def read_line(stream, timeout, what="a line"):
    """Read one line from a child's pipe, failing the test if none arrives within ``timeout``."""
    reader = _readers.get(id(stream))
    if reader is None or reader[0] is not stream:
        reader = _readers[id(stream)] = (stream, LineReader(stream))
    return reader[1].next(timeout, what)


class BridgeProcess:
    """A ``python -m bridge_core serve`` child process (the Houdini stand-in importable as ``hou``)."""

    def __init__(self, proc, port):
        self.proc, self.port = proc, port

    @classmethod
    def serve(cls, runtime_dir, app="houdini", python=sys.executable, port=0, **env):
        proc = subprocess.Popen([str(python), "-m", "bridge_core", "serve", "--port", str(port), "--app", app, "-q"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=clean_env(runtime_dir, **env), cwd=str(ROOT))
        try:
            line = read_line(proc.stdout, 20, "the server to start")
            if "serving" not in line:
                raise AssertionError(f"server did not start: {line!r} {proc.stderr.read() if proc.poll() else ''}")
            port = int(line.split()[-1].rsplit(":", 1)[1])
        except BaseException:
            proc.kill()
            proc.wait(10)
            raise
        return cls(proc, port)

    def stop(self, sig=signal.SIGINT, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe:
                pipe.close()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


_TGKILL = {"x86_64": 234, "aarch64": 131}  # the tgkill system call's number on Linux


def signal_other_thread(pid, sig):
    """Send ``sig`` to one thread of process ``pid`` that is not its main thread, as the kernel may do with a
    process-directed signal (Ctrl-C, SIGTERM). Linux only (``/proc``, ``tgkill``); returns the thread id."""
    import ctypes
    import platform

    threads = sorted(int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) != pid)
    assert threads, f"process {pid} has no thread besides its main one"
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(_TGKILL[platform.machine()], pid, threads[0], int(sig)) != 0:
        raise OSError(ctypes.get_errno(), f"tgkill({pid}, {threads[0]}, {sig}) failed")
    return threads[0]


def interpreter(version):
    """A working ``pythonX.Y`` for ``version`` ("3.9"): pyenv's, else one on PATH; None when absent."""
    import glob
    import shutil

    candidates = []
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates += sorted(glob.glob(os.path.join(pyenv_root, "versions", f"{version}.*", "bin", f"python{version}")))
    if shutil.which(f"python{version}"):
        candidates.append(shutil.which(f"python{version}"))
    for candidate in candidates:
        try:
            done = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                  capture_output=True, text=True, timeout=30)
        except OSError:
            continue
        if done.returncode == 0 and done.stdout.strip() == version:
            return candidate
    return None


def same(a, b):
    """Equal, and of the same types through tuples (``1 == True`` is not enough)."""
    if type(a) is not type(b):
        return False
    if type(a) is tuple:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def by_value(max_items=12, max_leaves=30):
    """A hypothesis strategy of what crosses a connection by value, as an argument, a result or an exception's
    argument (lists and dicts are proxied): plain values, bytes (small and bulk), complex, frozensets, slices,
    ``NotImplemented``, and tuples of them."""
    from hypothesis import strategies as st

    from bridge_core import bulk

    hashable = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
    return st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
                  st.binary(max_size=20), st.complex_numbers(allow_nan=False), st.frozensets(hashable, max_size=5),
                  st.slices(10), st.just(NotImplemented),
                  st.integers(0, 2).map(lambda k: bytes([k]) * (bulk.THRESHOLD + k))),  # a bulk frame each
        lambda inner: st.lists(inner, max_size=max_items).map(tuple),
        max_leaves=max_leaves)
