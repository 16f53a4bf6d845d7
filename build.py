#!/usr/bin/env python3
"""DCC Bridge's build script: standard library only, so it runs on a fresh machine before any venv exists.

    python3 build.py demo        # set up .venv, run the main job on the Houdini and Maya stand-ins
    python3 build.py test        # set up .venv with the test dependencies, run the whole suite
    python3 build.py dist        # dist/: the Houdini package zip, the Maya module zip, a wheel and an sdist
    python3 build.py install     # install for this user (--dev: point at this working tree)
    python3 build.py uninstall   # remove exactly what install wrote

Every subcommand is a function ``cmd_<name>`` with a docstring; ``python3 build.py --help`` lists them.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements"
DIST = ROOT / "dist"
BUILD = ROOT / "build"
MIN_PYTHON = (3, 9)
EPOCH = (1980, 1, 1, 0, 0, 0)  # zip timestamps: builds are byte-for-byte reproducible
SKIP = ("__pycache__", ".pyc", ".pyo", ".DS_Store")


class BuildError(Exception):
    """A failure to report as one line and exit non-zero."""


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


# ------------------------------------------------------------------------------------------ version


def version():
    """``bridge_core.__version__``, read from the source (this script imports nothing of the project)."""
    text = (ROOT / "bridge_core" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE).group(1)


def short_version(full):
    """The form SideFX's hpackage wants: trailing ".0" parts dropped, but at least major.minor."""
    parts = full.split(".")
    while len(parts) > 2 and parts[-1] == "0":
        parts.pop()
    return ".".join(parts)


# ------------------------------------------------------------------------------------------ staging


def vendor_rpyc(python):
    """Run pip's ``vendoring`` tool (configured in packaging/vendor/pyproject.toml): build/vendor/rpyc."""
    env = dict(os.environ, PATH=str(python.parent) + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run([str(python.parent / "vendoring"), "sync"], cwd=ROOT / "packaging" / "vendor", env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    vendored = BUILD / "vendor" / "rpyc"
    if done.returncode != 0 or not (vendored / "__init__.py").exists():
        raise BuildError("vendoring rpyc failed:\n" + done.stdout[-2000:])
    return vendored


def _copy_tree(source, target):
    shutil.copytree(source, target, ignore=lambda folder, names: [n for n in names if n.endswith(SKIP)])


def stage_bridge_core(target, vendored):
    """bridge_core with its private rpyc (bridge_core/_vendor/rpyc) into ``target``/bridge_core."""
    _copy_tree(ROOT / "bridge_core", target / "bridge_core")
    vendor = target / "bridge_core" / "_vendor"
    if vendor.exists():  # a developer's --dev install leaves one in the working tree; use the fresh one
        shutil.rmtree(vendor)
    vendor.mkdir()
    (vendor / "__init__.py").write_text('"""Third-party code vendored by build.py dist (generated; do not edit)."""\n')
    _copy_tree(vendored, vendor / "rpyc")


def stage_houdini(target, vendored, full_version):
    """The Houdini package as hpackage lays one out: dcc_bridge.json beside dcc_bridge/."""
    _copy_tree(ROOT / "houdini_package" / "dcc_bridge", target / "dcc_bridge")
    stage_bridge_core(target / "dcc_bridge" / "houdini" / "scripts" / "python", vendored)
    package = json.loads((ROOT / "houdini_package" / "dcc_bridge.json").read_text(encoding="utf-8"))
    package["hpackage"]["version"] = short_version(full_version)
    (target / "dcc_bridge.json").write_text(json.dumps(package, indent=4) + "\n", encoding="utf-8")
    return target


def mod_text(full_version, path):
    return f"+ dcc_bridge {full_version} {path}\n"


def stage_maya(target, vendored, full_version):
    """The Maya module: dcc_bridge.mod beside dcc_bridge/ (relative path, so it works wherever unpacked)."""
    _copy_tree(ROOT / "maya_module" / "dcc_bridge", target / "dcc_bridge")
    stage_bridge_core(target / "dcc_bridge" / "scripts", vendored)
    shutil.copy2(ROOT / "maya_module" / "README.md", target / "dcc_bridge" / "README.md")
    (target / "dcc_bridge.mod").write_text(mod_text(full_version, "./dcc_bridge"), encoding="utf-8")
    return target


def write_zip(folder, zip_path):
    """Zip ``folder``'s contents reproducibly: sorted entries, fixed timestamps and permissions."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    entries = sorted(p for p in folder.rglob("*") if not any(part.endswith(SKIP) for part in p.parts))
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in entries:
            name = path.relative_to(folder).as_posix() + ("/" if path.is_dir() else "")
            info = zipfile.ZipInfo(name, EPOCH)
            info.create_system = 3  # unix, so the permissions below are honoured
            if path.is_dir():
                info.external_attr = (stat.S_IFDIR | 0o755) << 16
                archive.writestr(info, b"")
            else:
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes(), compresslevel=9)
    return zip_path


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


def _home():
    return Path(os.environ.get("HOME") or os.environ.get("USERPROFILE") or Path.home())


def data_dir():
    """Where install keeps its copy of the packages and its manifest (per user, like the runtime folder)."""
    if sys.platform.startswith("win"):
        base = Path(os.environ["APPDATA"]) if os.environ.get("APPDATA") else _home() / "AppData" / "Roaming"
    elif sys.platform == "darwin":
        base = _home() / "Library" / "Application Support"
    else:
        base = Path(os.environ["XDG_DATA_HOME"]) if os.environ.get("XDG_DATA_HOME") else _home() / ".local" / "share"
    return base / "dcc_bridge"


def houdini_pref_dirs():
    """Houdini's per-user preference folders (``$HOUDINI_USER_PREF_DIR``, else every ``houdiniX.Y`` >= 19.5)."""
    if os.environ.get("HOUDINI_USER_PREF_DIR"):
        return [Path(os.environ["HOUDINI_USER_PREF_DIR"])]
    if sys.platform == "darwin":
        base, pattern = _home() / "Library" / "Preferences" / "houdini", re.compile(r"^(\d+)\.(\d+)$")
    else:
        base = _home() / "Documents" if sys.platform.startswith("win") else _home()
        pattern = re.compile(r"^houdini(\d+)\.(\d+)$")
    found = []
    if base.is_dir():
        for folder in sorted(base.iterdir()):
            match = pattern.match(folder.name)
            if match and folder.is_dir() and (int(match.group(1)), int(match.group(2))) >= (19, 5):
                found.append(folder)
    return found


def maya_app_dir():
    """Maya's per-user folder (``$MAYA_APP_DIR``, else the platform default)."""
    if os.environ.get("MAYA_APP_DIR"):
        return Path(os.environ["MAYA_APP_DIR"])
    if sys.platform == "darwin":
        return _home() / "Library" / "Preferences" / "Autodesk" / "maya"
    return _home() / "Documents" / "maya" if sys.platform.startswith("win") else _home() / "maya"


def _writable(folder, flag, created):
    """Make sure ``folder`` exists and is writable; folders it had to create are appended to ``created``."""
    missing = [p for p in [folder, *folder.parents] if not p.exists()]
    created.extend(reversed(missing))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".dcc_bridge_write_test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise BuildError(f"cannot write to {folder} ({exc.strerror or exc}); choose another folder with {flag}")
    return folder


def cmd_install(args):
    """Install for this user: the package JSON into Houdini's packages/, the .mod into Maya's modules/."""
    options = argparse.ArgumentParser(prog="build.py install", description=cmd_install.__doc__)
    options.add_argument("--houdini-prefs", type=Path, action="append",
                         help="Houdini preferences folder (repeatable; default: $HOUDINI_USER_PREF_DIR or every "
                              "~/houdiniX.Y)")
    options.add_argument("--maya-app-dir", type=Path, help="Maya's folder (default: $MAYA_APP_DIR or ~/maya)")
    options.add_argument("--data-dir", type=Path, default=data_dir(),
                         help=f"where the installed files live (default: {data_dir()})")
    options.add_argument("--dev", action="store_true", help="point at this working tree, for live editing")
    opts = options.parse_args(args.rest)
    manifest_path = opts.data_dir / "install-manifest.json"
    if manifest_path.exists():
        raise BuildError(f"DCC Bridge is already installed (see {manifest_path}); run 'python3 build.py "
                         f"uninstall' first")
    houdini_prefs = opts.houdini_prefs or houdini_pref_dirs()
    if not houdini_prefs:
        raise BuildError("no Houdini preferences folder found (looked for $HOUDINI_USER_PREF_DIR and ~/houdiniX.Y); "
                         "start Houdini once, or pass --houdini-prefs DIR")
    maya_dir = opts.maya_app_dir or maya_app_dir()
    created = []
    targets = [_writable(p / "packages", "--houdini-prefs", created) for p in houdini_prefs]
    modules = _writable(maya_dir / "modules", "--maya-app-dir", created)
    _writable(opts.data_dir, "--data-dir", created)
    full = version()
    python = ensure_venv(REQUIREMENTS / "build.txt")
    vendored = vendor_rpyc(python)
    written = []
    if opts.dev:
        houdini_root = ROOT / "houdini_package" / "dcc_bridge"
        maya_root = ROOT / "maya_module" / "dcc_bridge"
        vendor = ROOT / "bridge_core" / "_vendor"  # git-ignored; gives Houdini's Python our rpyc, not its own
        if vendor.exists():
            shutil.rmtree(vendor)
        vendor.mkdir()
        (vendor / "__init__.py").write_text('"""Vendored by build.py install --dev (generated)."""\n')
        _copy_tree(vendored, vendor / "rpyc")
        written.append(str(vendor))
    else:
        payload = opts.data_dir / full
        if payload.exists():
            shutil.rmtree(payload)
        houdini_root = stage_houdini(payload / "houdini", vendored, full) / "dcc_bridge"
        maya_root = stage_maya(payload / "maya", vendored, full) / "dcc_bridge"
        written.append(str(payload))
    package = json.loads((ROOT / "houdini_package" / "dcc_bridge.json").read_text(encoding="utf-8"))
    package["hpackage"]["version"] = short_version(full)
    package["hpath"] = (houdini_root / "houdini").as_posix()
    package["env"] = [{"PKG_DCC_BRIDGE": houdini_root.as_posix()}]
    for folder in targets:
        (folder / "dcc_bridge.json").write_text(json.dumps(package, indent=4) + "\n", encoding="utf-8")
        written.append(str(folder / "dcc_bridge.json"))
    (modules / "dcc_bridge.mod").write_text(mod_text(full, maya_root.as_posix()), encoding="utf-8")
    written.append(str(modules / "dcc_bridge.mod"))
    manifest_path.write_text(json.dumps({"version": full, "dev": opts.dev, "written": written,
                                         "created_folders": [str(p) for p in created]}, indent=1) + "\n")
    for path in written:
        print(f"  wrote {path}")
    print(f"DCC Bridge {full} installed{' (development mode)' if opts.dev else ''}. Restart Houdini and Maya.")
    return 0


def cmd_uninstall(args):
    """Remove exactly what install wrote (listed in its manifest)."""
    options = argparse.ArgumentParser(prog="build.py uninstall", description=cmd_uninstall.__doc__)
    options.add_argument("--data-dir", type=Path, default=data_dir(), help="the folder given to install")
    opts = options.parse_args(args.rest)
    manifest_path = opts.data_dir / "install-manifest.json"
    if not manifest_path.exists():
        raise BuildError(f"DCC Bridge is not installed for this user (no {manifest_path}); nothing changed")
    manifest = json.loads(manifest_path.read_text())
    for entry in reversed(manifest["written"]):
        path = Path(entry)
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        print(f"  removed {path}")
    manifest_path.unlink()
    for folder in map(Path, reversed(manifest.get("created_folders", []))):
        if folder.is_dir() and not any(folder.iterdir()):  # only if still empty: never a user's files
            folder.rmdir()
            print(f"  removed {folder}")
    print(f"DCC Bridge {manifest['version']} uninstalled.")
    return 0


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
        return command(args)
    except BuildError as exc:
        print(f"build.py {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"build.py {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
