"""The Maya stand-in matches the real Maya API as published in maya-stubs, and invents nothing.

mypy's stubtest compares the stand-in's ``maya`` package (run as mayapy: ``maya.cmds`` fills up only once
``maya.standalone.initialize()`` ran) with the stubs: every name the stand-in defines must exist in Maya, with a
compatible signature (for ``maya.cmds``: the positional shape and every long flag name). What the stand-in
deliberately lacks is excused by ``tests/hosts/maya/stubtest-allowlist.txt``, whose entries name the kind of
difference they excuse; "missing" entries cannot excuse an invented name, which stubtest reports as a different
error ("is not present in stub"). stubtest does not check names a module imports from elsewhere, so a second,
simpler check compares every public name and public module of the stand-in with the stubs directly.
"""
import ast
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import MAYA_STANDIN

ALLOWLIST = MAYA_STANDIN / "stubtest-allowlist.txt"
MYPY_CONFIG = MAYA_STANDIN / "stubtest-mypy.ini"
KINDS = ("missing", "read-only")

STUBTEST = """
import sys
import maya.standalone
maya.standalone.initialize(name="python")  # maya.cmds has its commands only once Maya runs, as in mayapy
from mypy.stubtest import main
sys.argv = ["stubtest", "maya", "--concise", "--mypy-config-file", sys.argv[1]]
sys.exit(main())
"""

PUBLIC_NAMES = """
import importlib, json, pkgutil, sys, types
import maya, maya.standalone
maya.standalone.initialize(name="python")
found, modules = {}, ["maya"]
for info in pkgutil.walk_packages(maya.__path__, "maya."):
    if not any(part.startswith("_") for part in info.name.split(".")):
        modules.append(info.name)
for name in modules:
    module = importlib.import_module(name)
    found[name] = sorted(n for n, v in vars(module).items()
                         if not n.startswith("_") and not isinstance(v, types.ModuleType))
print(json.dumps(found))
"""


def stubs_dir():
    try:
        distribution = importlib.metadata.distribution("maya-stubs")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("maya-stubs is not installed (requirements/test.txt pins it; run python3 build.py test)")
    return Path(distribution.locate_file("maya-stubs"))


def run(code, standin, workdir, *args):
    return subprocess.run([sys.executable, "-c", code, *args], cwd=workdir, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(standin)), timeout=120)


def stubtest_errors(standin, workdir):
    """[(name, message)] for every difference stubtest reports."""
    done = run(STUBTEST, standin, workdir, str(MYPY_CONFIG))
    errors = []
    for line in done.stdout.splitlines():
        name, _, message = line.partition(" ")
        if not name.startswith("maya"):
            pytest.fail(f"unexpected stubtest output: {line!r}\n{done.stderr[-3000:]}")
        errors.append((name, message))
    if done.returncode not in (0, 1) or (done.returncode == 1 and not errors):
        pytest.fail(f"stubtest failed to run (exit {done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return errors


def kind_of(name, message):
    """The only kinds of difference an allowlist entry may excuse; None for all others."""
    if message == "is not present at runtime":
        return "missing"
    if message.startswith("failed to import") and f"No module named '{name}'" in message:
        return "missing"
    if message == "is read-only at runtime but not in the stub":
        return "read-only"
    return None


def load_allowlist(path=ALLOWLIST):
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if line:
            kind, _, pattern = line.partition(" ")
            assert kind in KINDS and pattern.strip(), f"{path.name}:{number}: want '<{'|'.join(KINDS)}> <regex>'"
            entries.append((kind, re.compile(pattern.strip()), number))
    return entries


def sort_errors(errors, entries):
    """(errors no entry excuses, line numbers of the entries used)."""
    unexcused, used = [], set()
    for name, message in errors:
        kind = kind_of(name, message)
        entry = next((e for e in entries if e[0] == kind and e[1].fullmatch(name)), None) if kind else None
        if entry is None:
            unexcused.append(f"{name} {message}")
        else:
            used.add(entry[2])
    return unexcused, used


def stub_module_names(stubs):
    """{module: top-level names} of every module in the stubs package."""
    found = {}
    for path in stubs.rglob("*.pyi"):
        parts = list(path.relative_to(stubs).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
        found[".".join(["maya"] + parts)] = names
    return found


def public_names(standin, workdir):
    """{module: public names} of the stand-in's public modules, in a started mayapy."""
    done = run(PUBLIC_NAMES, standin, workdir)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def invented_names(standin, workdir, stubs):
    """Public modules and module-level names of the stand-in that the real API does not have."""
    real = stub_module_names(stubs)
    invented = []
    for module, names in public_names(standin, workdir).items():
        if module not in real:
            invented.append(f"module {module}")
        else:
            invented += [f"{module}.{name}" for name in names if name not in real[module]]
    return invented


def copy_standin(target):
    shutil.copytree(MAYA_STANDIN, target, ignore=shutil.ignore_patterns("__pycache__"))  # hostloop: the file
    return target


# ---------------------------------------------------------------------------------------------------- tests


@pytest.mark.timeout(60)
def test_the_stand_in_matches_the_real_maya_api(tmp_path):
    entries = load_allowlist()
    errors = stubtest_errors(MAYA_STANDIN, tmp_path)
    unexcused, used = sort_errors(errors, entries)
    assert not unexcused, "the stand-in differs from Maya's API (maya-stubs):\n" + "\n".join(unexcused)
    stale = [number for kind, _, number in entries if number not in used]
    assert not stale, f"allowlist entries that excuse nothing any more (lines {stale}): remove them"
    # and what the stand-in implements is not among what it is excused for lacking
    missing = {name for name, message in errors if kind_of(name, message) == "missing"}
    implemented = {f"{module}.{name}" for module, names in public_names(MAYA_STANDIN, tmp_path).items()
                   for name in names}
    assert len([n for n in implemented if n.startswith("maya.cmds.")]) > 40 and not implemented & missing
    assert {"maya.api.OpenMaya.MFnMesh", "maya.utils.executeDeferred", "maya.mel.eval"} <= implemented


@pytest.mark.timeout(30)
def test_the_stand_in_defines_no_public_name_maya_lacks(tmp_path):
    assert invented_names(MAYA_STANDIN, tmp_path, stubs_dir()) == []


@pytest.mark.timeout(90)
def test_the_checks_catch_invented_commands_flags_methods_and_names(tmp_path):
    standin = copy_standin(tmp_path / "standin")
    app = standin / "maya" / "cmds" / "_app.py"
    app.write_text(app.read_text() + '\n\n@command("strength/s:i")\ndef makeCoffee(args, flags):\n'
                   '    """Not a Maya command."""\n')
    scene = standin / "maya" / "cmds" / "_scene_cmds.py"
    scene.write_text(scene.read_text().replace('@command("selection/sl:b', '@command("sparkle/spk:b selection/sl:b'))
    fn = standin / "maya" / "api" / "_om_fn.py"
    fn.write_text(fn.read_text().replace("    def updateSurface(self):",
                                         "    def getEverything(self):\n        return 42\n\n"
                                         "    def updateSurface(self):"))
    om = standin / "maya" / "api" / "OpenMaya.py"
    om.write_text(om.read_text() + "\nfrom ._om_math import MPoint as MInventedPoint  # noqa: E402\n")
    (standin / "maya" / "extras.py").write_text('"""Not a Maya module."""\n')

    unexcused, _ = sort_errors(stubtest_errors(standin, tmp_path), load_allowlist())
    assert "maya.cmds.makeCoffee is not present in stub" in unexcused
    assert 'maya.cmds.ls is inconsistent, stub does not have parameter "sparkle"' in unexcused
    assert "maya.api.OpenMaya.MFnMesh.getEverything is not present in stub" in unexcused
    invented = invented_names(standin, tmp_path, stubs_dir())
    assert {"maya.api.OpenMaya.MInventedPoint", "maya.cmds.makeCoffee", "module maya.extras"} <= set(invented)


@pytest.mark.timeout(10)
def test_an_allowlist_entry_excuses_only_its_kind():
    entries = [("missing", re.compile(r"maya\.cmds\..+"), 1)]
    errors = [("maya.cmds.polyCylinder", "is not present at runtime"),
              ("maya.cmds.makeCoffee", "is not present in stub"),
              ("maya.cmds.ls", 'is inconsistent, stub does not have parameter "sparkle"'),
              ("maya.cmds", "failed to import, ImportError: cannot import name 'x'")]
    unexcused, used = sort_errors(errors, entries)
    assert used == {1} and len(unexcused) == 3


@pytest.mark.timeout(10)
def test_every_command_s_short_flag_names_are_distinct():
    sys.path.insert(0, str(MAYA_STANDIN))
    try:
        from maya.cmds import _registry
        from maya.cmds import _app, _attributes, _dialogs, _scene_cmds, _time, _ui_cmds  # noqa: F401 (they register)
    finally:
        sys.path.remove(str(MAYA_STANDIN))
    for name, spec in _registry.REGISTRY.items():
        spellings = [f.long for f in spec.flags.values()] + [f.short for f in spec.flags.values() if f.short != f.long]
        assert len(spellings) == len(set(spellings)), f"{name}: a short flag name clashes: {sorted(spellings)}"
