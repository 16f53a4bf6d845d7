"""``build.py install`` / ``uninstall``: install DCC Bridge for this user, and remove exactly what was written.

Install writes the Houdini package JSON into each Houdini preferences folder's ``packages/`` and the Maya
module file into Maya's ``modules/``, pointing at a copy of both (in ``paths.user_data_dir()``, the folder the
session files' ``runtime`` folder is in) or, with ``--dev``, at this working tree. A manifest lists every file
and folder written, so uninstall removes those and nothing else.

    python3 build.py install [--dev] [--houdini-prefs DIR] [--maya-app-dir DIR] [--data-dir DIR]
    python3 build.py uninstall [--data-dir DIR]
"""
import argparse
import importlib.util
import json
import os
import re
import shutil
import sys
from pathlib import Path

from bridge_layout import ROOT, BuildError, _copy_tree, mod_text, package_json, stage_houdini, stage_maya, version


def _load_paths():
    """bridge_core/paths.py, loaded by path (standard library only; the bridge_core package itself needs rpyc)."""
    spec = importlib.util.spec_from_file_location("dcc_bridge_paths", ROOT / "bridge_core" / "paths.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


paths = _load_paths()


_home = paths.home


def data_dir():
    """Where install keeps its copy of the packages and its manifest: the bridge's per-user data folder."""
    return paths.user_data_dir()


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


def install(argv, vendor):
    """Install for this user: the package JSON into Houdini's packages/, the .mod into Maya's modules/.
    ``vendor()`` returns the vendored rpyc folder (``bridge_layout.vendor_rpyc``, run by build.py's Python)."""
    options = argparse.ArgumentParser(prog="build.py install", description=install.__doc__.split("\n")[0])
    options.add_argument("--houdini-prefs", type=Path, action="append",
                         help="Houdini preferences folder (repeatable; default: $HOUDINI_USER_PREF_DIR or every "
                              "~/houdiniX.Y)")
    options.add_argument("--maya-app-dir", type=Path, help="Maya's folder (default: $MAYA_APP_DIR or ~/maya)")
    options.add_argument("--data-dir", type=Path, default=data_dir(),
                         help=f"where the installed files live (default: {data_dir()})")
    options.add_argument("--dev", action="store_true", help="point at this working tree, for live editing")
    opts = options.parse_args(argv)
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
    vendored = vendor()
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
    package = package_json(full, houdini_root)
    for folder in targets:
        (folder / "dcc_bridge.json").write_text(package, encoding="utf-8")
        written.append(str(folder / "dcc_bridge.json"))
    (modules / "dcc_bridge.mod").write_text(mod_text(full, maya_root.as_posix()), encoding="utf-8")
    written.append(str(modules / "dcc_bridge.mod"))
    manifest_path.write_text(json.dumps({"version": full, "dev": opts.dev, "written": written,
                                         "created_folders": [str(p) for p in created]}, indent=1) + "\n")
    for path in written:
        print(f"  wrote {path}")
    print(f"DCC Bridge {full} installed{' (development mode)' if opts.dev else ''}. Restart Houdini and Maya.")
    return 0


def uninstall(argv):
    """Remove exactly what install wrote (listed in its manifest)."""
    options = argparse.ArgumentParser(prog="build.py uninstall", description=uninstall.__doc__)
    options.add_argument("--data-dir", type=Path, default=data_dir(), help="the folder given to install")
    opts = options.parse_args(argv)
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
