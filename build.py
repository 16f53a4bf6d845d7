#!/usr/bin/env python3
"""DCC Bridge's build script: standard library only, so it runs on a fresh machine before any venv exists.

    python3 build.py demo        # set up .venv, run the main job on the Houdini and Maya stand-ins
    python3 build.py test        # set up .venv with the test dependencies, run the whole suite
    python3 build.py dist        # dist/: the Houdini package zip, the Maya module zip, a wheel and an sdist
    python3 build.py install     # install for this user (--dev: point at this working tree)
    python3 build.py uninstall   # remove exactly what install wrote

Every subcommand is a function ``cmd_<name>`` with a docstring; ``python3 build.py --help`` lists them.

It only dispatches: the shipped layouts (staging, zips, the package JSON, vendoring rpyc, the Houdini start-up
scripts) are ``packaging/bridge_layout.py``, install/uninstall ``packaging/bridge_install.py``.
"""
import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "packaging"))  # bridge_layout, bridge_install: standard library only
import bridge_install  # noqa: E402
from bridge_layout import (BUILD, HOUDINI_PYTHONS, MIN_PYTHON, BuildError, houdini_startup_scripts,  # noqa: E402,F401
                           short_version, stage_houdini, stage_maya, vendor_rpyc, version,
                           write_houdini_startup_scripts, write_zip)

VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements"
DIST = ROOT / "dist"


# --------------------------------------------------------------------------------------------- venv


def venv_python(venv_dir=VENV):
    """The interpreter inside ``venv_dir``."""
    if os.name == "nt":
        return venv_dir / "Scripts" / "python.exe"
    return venv_dir / "bin" / "python"


def _requirements_digest(req_file):
    """A digest of a requirements file and every file it includes with ``-r``."""
    digest = hashlib.sha256()
    pending = [req_file]
    while pending:
        path = pending.pop()
        text = path.read_bytes()
        digest.update(text)
        for line in text.decode().splitlines():
            if line.startswith("-r "):
                pending.append(path.parent / line[3:].strip())
    return digest.hexdigest()


def ensure_venv(req_file, venv_dir=VENV):
    """Create ``venv_dir`` if needed and install ``req_file`` into it, once per change of the pins."""
    python = venv_python(venv_dir)
    stamp = venv_dir / ".requirements-installed"
    wanted = _requirements_digest(req_file)
    if python.exists() and stamp.exists() and wanted in stamp.read_text().split():
        return python
    if not python.exists():
        print(f"build: creating {venv_dir.relative_to(ROOT)} ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
    print(f"build: installing {req_file.relative_to(ROOT)} ...", flush=True)
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", str(req_file)],
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise BuildError(f"pip could not install {req_file.name} into {venv_dir} (see pip's output above)")
    done = set(stamp.read_text().split()) if stamp.exists() else set()
    stamp.write_text("\n".join(sorted(done | {wanted})) + "\n")
    return python


# ------------------------------------------------------------------------------------------ commands


def cmd_test(args):
    """Set up .venv with the test dependencies and run the whole pytest suite (extra args go to pytest)."""
    python = ensure_venv(REQUIREMENTS / "test.txt")
    return subprocess.call([str(python), "-m", "pytest", *args.rest], cwd=ROOT)


def cmd_demo(args):
    """Run the main job: Maya (stand-in) drives Houdini (stand-in) through the bridge; prints a transcript."""
    python = ensure_venv(REQUIREMENTS / "runtime.txt")
    return subprocess.call([str(python), str(ROOT / "demo" / "demo.py"), *args.rest], cwd=ROOT)


# ------------------------------------------------------------------------------------------ install


def cmd_install(args):
    """Install for this user: the package JSON into Houdini's packages/, the .mod into Maya's modules/."""
    return bridge_install.install(args.rest, lambda: vendor_rpyc(ensure_venv(REQUIREMENTS / "build.txt")))


def cmd_uninstall(args):
    """Remove exactly what install wrote (listed in its manifest)."""
    return bridge_install.uninstall(args.rest)


def cmd_sim(args):
    """Run a simulated Houdini or Maya (graphical unless --hython / --batch) with this repo's package installed."""
    options = argparse.ArgumentParser(prog="build.py sim", description=cmd_sim.__doc__)
    options.add_argument("host", choices=["houdini", "maya"])
    options.add_argument("--hython", action="store_true", help="Houdini: no UI, as hython")
    options.add_argument("--batch", action="store_true", help="Maya: mayapy batch, no UI")
    options.add_argument("--python", help="the interpreter to run it with, e.g. python3.9 (default: .venv's)")
    opts = options.parse_args(args.rest)
    python = ensure_venv(REQUIREMENTS / "runtime.txt")
    if opts.python:
        found = shutil.which(opts.python)
        works = found and subprocess.run([found, "-c", "import sys"], capture_output=True).returncode == 0
        if not works:
            raise BuildError(f"no working interpreter named {opts.python!r} on PATH (a pyenv shim for a version "
                             f"that is not installed does not count)")
        python = Path(found)
    scratch = Path(tempfile.mkdtemp(prefix=f"dcc-bridge-sim-{opts.host}-"))
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if opts.host == "houdini":
        env.update(HOUDINI_PACKAGE_DIR=str(ROOT / "houdini_package"), HOUDINI_USER_PREF_DIR=str(scratch / "prefs"))
        command = [str(python), str(ROOT / "tests" / "hosts" / "houdini_sim.py")] + (["--hython"] if opts.hython else [])
    else:
        env.update(MAYA_MODULE_PATH=str(ROOT / "maya_module"), MAYA_APP_DIR=str(scratch / "maya_app_dir"))
        command = [str(python), str(ROOT / "tests" / "hosts" / "maya_sim.py")] + (["--batch"] if opts.batch else [])
    print(f"build: simulated {opts.host} (preferences in {scratch}); it prints its control port, then serves. "
          f"'python -m bridge_core list' shows its bridge server once started; Ctrl-C quits.", flush=True)
    try:
        return _run_forwarding_signals(command, env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_forwarding_signals(command, env):
    """Run ``command`` until it exits, passing SIGTERM and SIGINT on to it (it quits cleanly on either, as the
    host would); returns its exit status (128 + the signal's number if a signal killed it). The child gets a
    process group of its own, so a terminal's Ctrl-C reaches it once, through here."""
    posix = os.name == "posix"
    proc = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=posix)

    def forward(signum, _frame):
        if proc.poll() is None:
            proc.send_signal(signum if posix else signal.SIGTERM)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        code = proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - code if code < 0 else code


def cmd_bench(args):
    """Benchmark against hrpyc's setup (rpyc 4.1.0), plain rpyc 6 and a raw socket; writes docs/benchmarks.md."""
    python = ensure_venv(REQUIREMENTS / "runtime.txt")
    hrpyc_venv = ROOT / ".venvs" / "hrpyc"
    hrpyc_python = ensure_venv(REQUIREMENTS / "hrpyc.txt", hrpyc_venv)
    return subprocess.call([str(python), str(ROOT / "bench" / "bench.py"), "--hrpyc-python", str(hrpyc_python),
                            *args.rest], cwd=ROOT)


def cmd_dist(args):
    """Build dist/: the Houdini package zip, the Maya module zip (each with a private rpyc), wheel and sdist."""
    python = ensure_venv(REQUIREMENTS / "build.txt")
    full = version()
    vendored = vendor_rpyc(python)
    DIST.mkdir(exist_ok=True)
    built = []
    with tempfile.TemporaryDirectory() as scratch:
        for host, stage in (("houdini", stage_houdini), ("maya", stage_maya)):
            folder = stage(Path(scratch) / host, vendored, full)
            built.append(write_zip(folder, DIST / f"dcc_bridge-{host}-{full}.zip"))
    env = dict(os.environ, SOURCE_DATE_EPOCH="315532800")
    BUILD.mkdir(exist_ok=True)
    done = subprocess.run([str(python), "-m", "build", "--no-isolation", "--wheel", "--sdist", "--outdir",
                           str(DIST), str(ROOT)], cwd=BUILD, env=env, stdout=subprocess.PIPE,  # not ROOT: our
                          # build.py would shadow the "build" package there
                          stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        raise BuildError("building the wheel failed:\n" + done.stdout[-2000:])
    built += sorted(DIST.glob(f"dcc_bridge-{full}*"))  # the wheel and the sdist
    for path in built:
        print(f"  {path.relative_to(ROOT)}  ({path.stat().st_size:,} bytes)")
    return 0


COMMANDS = {
    "demo": cmd_demo,
    "test": cmd_test,
    "sim": cmd_sim,
    "bench": cmd_bench,
    "dist": cmd_dist,
    "install": cmd_install,
    "uninstall": cmd_uninstall,
}


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="build.py",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(f"  {name:10} {fn.__doc__.splitlines()[0]}" for name, fn in COMMANDS.items()),
    )
    parser.add_argument("command", help="one of: " + ", ".join(COMMANDS))
    parser.add_argument("rest", nargs=argparse.REMAINDER, help="arguments for the command")
    args = parser.parse_args(argv)
    if sys.version_info < MIN_PYTHON:
        print(f"build.py: needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]}+, this is {sys.version.split()[0]}",
              file=sys.stderr)
        return 2
    command = COMMANDS.get(args.command)
    if command is None:
        print(f"build.py: unknown command {args.command!r}; choose one of: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    try:
        write_houdini_startup_scripts()  # the working tree's package, as --dev installs and the stand-ins use it
        return command(args)
    except BuildError as exc:
        print(f"build.py {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"build.py {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
