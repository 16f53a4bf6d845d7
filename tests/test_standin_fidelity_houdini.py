"""Fidelity of the Houdini stand-in: every public name it defines exists in the real ``hou``, compatibly.

mypy's stubtest compares the stand-in (``tests/hosts/houdini/hou``) with the ``types-houdini`` stubs, which are
generated from Houdini's own ``hou.py``. Its findings fall in two kinds:

* "is not present at runtime": the large part of HOM the stand-in does not model. These are allowlisted by
  pattern in ``tests/hosts/houdini/stubtest-allowlist.txt`` (generated; see below).
* everything else: a name the stand-in invented ("is not present in stub") or a signature that differs from the
  real one. None is allowed, and none can be allowlisted: the allowlist may only name what is absent at runtime,
  which the tests check against the stand-in's actual names.

A second, independent check walks the stand-in's public names (including methods inherited from private helper
bases, which stubtest cannot see) and finds each in the stubs. ``hdefereval`` has no published stubs; its public
names are checked against Houdini's documented three.

After implementing more of ``hou`` (or moving to newer stubs), regenerate the allowlist:

    .venv/bin/python tests/test_standin_fidelity_houdini.py --write-allowlist
"""
import ast
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STANDIN = ROOT / "tests" / "hosts" / "houdini"
ALLOWLIST = STANDIN / "stubtest-allowlist.txt"
MISSING = " is not present at runtime"
NOT_MEMBERS = {"__module__", "__doc__", "__dict__", "__weakref__", "__qualname__", "__slots__", "__annotations__",
               "__firstlineno__", "__static_attributes__", "__init_subclass__", "__subclasshook__"}
HDEFEREVAL_API = {"executeDeferred", "executeInMainThreadWithResult", "executeDeferredAfterWaiting"}


def stub_file():
    import importlib.util

    spec = importlib.util.find_spec("mypy")
    site = Path(spec.origin).parent.parent if spec else None
    path = site / "hou-stubs" / "__init__.pyi" if site else None
    if path is None or not path.is_file():
        pytest.skip("the types-houdini stubs are not installed (python3 build.py test installs them)")
    return path


# stubtest imports hou in a graphical session: hython's hou has no ui attribute, and hou.ui is checked too
GRAPHICAL_STUBTEST = ("import sys, _houdini_sim, mypy.stubtest; _houdini_sim.set_graphical(); "
                      "sys.argv = ['stubtest', 'hou', '--concise']; sys.exit(mypy.stubtest.main())")


def run_stubtest(standin_dir, cwd):
    """stubtest's findings for the ``hou`` found in ``standin_dir``: a list of (object path, message)."""
    result = subprocess.run([sys.executable, "-c", GRAPHICAL_STUBTEST], cwd=str(cwd),
                            env=dict(os.environ, PYTHONPATH=str(standin_dir), PYTHONDONTWRITEBYTECODE="1"),
                            capture_output=True, text=True, timeout=180)
    findings, stray = [], []
    for line in result.stdout.splitlines() + result.stderr.splitlines():
        match = re.match(r"^(hou(?:\.[\w]+)*) (.+)$", line)
        if match:
            findings.append((match.group(1), match.group(2)))
        elif line.strip():
            stray.append(line)
    if stray or (result.returncode != 0 and not findings):
        raise AssertionError("stubtest did not run cleanly:\n" + "\n".join(stray or [result.stderr]))
    return findings


def load_allowlist():
    patterns = []
    for line in ALLOWLIST.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            patterns.append(line)
    return patterns


def runtime_names(module, prefix="hou"):
    """Every public name ``module`` defines: functions, classes and their members (as dotted paths)."""
    names = set()
    for name in dir(module):
        value = getattr(module, name)
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        names.add(f"{prefix}.{name}")
        if isinstance(value, type):
            for attr in dir(value):
                if attr in NOT_MEMBERS or (attr.startswith("_") and not (attr.startswith("__") and attr.endswith("__"))):
                    continue
                owner = next((b for b in value.__mro__ if attr in vars(b)), object)
                if owner.__module__ == "builtins":
                    continue  # inherited from object / Exception, not defined by the stand-in
                names.add(f"{prefix}.{name}.{attr}")
    return names


def stub_names(path):
    """The stubs' public names: module-level names and, per class, its members including inherited ones."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    classes, module = {}, set()

    def targets(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return [node.name]
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            return [node.target.id]
        if isinstance(node, ast.Assign):
            return [t.id for t in node.targets if isinstance(t, ast.Name)]
        return []

    for node in tree.body:
        module.update(targets(node))
        if isinstance(node, ast.ClassDef):
            own = {name for item in node.body for name in targets(item)}
            classes[node.name] = ([ast.unparse(b) for b in node.bases], own)

    def members(name, seen=()):
        bases, own = classes.get(name, ((), set()))
        found = set(own)
        for base in bases:
            if base in classes and base not in seen:
                found |= members(base, seen + (name,))
        return found

    names = {f"hou.{name}" for name in module}
    for name in classes:
        names |= {f"hou.{name}.{member}" for member in members(name)}
    return names


def builtin_dunder(path):
    """Dunders every class (or exception) has, e.g. ``hou.Error.__str__``: overriding them invents nothing."""
    attr = path.rsplit(".", 1)[-1]
    return attr.startswith("__") and attr.endswith("__") and (hasattr(object, attr) or hasattr(Exception, attr))


def classify(findings, patterns):
    """(inventions and signature differences, missing names not allowlisted, patterns matching no finding)."""
    compiled = [(p, re.compile(p)) for p in patterns]
    bad, uncovered, used = [], [], set()
    for path, message in findings:
        if message != MISSING.strip():
            bad.append(f"{path} {message}")
            continue
        matching = {p for p, regex in compiled if regex.fullmatch(path)}
        if matching:
            used |= matching
        else:
            uncovered.append(path)
    return bad, uncovered, [p for p in patterns if p not in used]


def generate_allowlist(findings):
    """Patterns for exactly the names stubtest found missing at runtime: whole names one per line, the missing
    members of classes the stand-in has grouped per class."""
    missing = sorted(path for path, message in findings if message == MISSING.strip())
    whole = [p for p in missing if p.count(".") == 1]
    members = {}
    for path in missing:
        if path.count(".") == 2:
            cls, member = path.rsplit(".", 1)
            members.setdefault(cls, []).append(member)
    lines = [
        "# stubtest allowlist for the Houdini stand-in: the parts of hou it does not model (absent at runtime).",
        "# GENERATED by: .venv/bin/python tests/test_standin_fidelity_houdini.py --write-allowlist",
        "# Only names absent from the stand-in may be listed; tests/test_standin_fidelity_houdini.py checks that",
        "# no pattern matches a name the stand-in defines, so inventions and signature changes cannot hide here.",
        "# Use: python -m mypy.stubtest hou --allowlist tests/hosts/houdini/stubtest-allowlist.txt",
        "",
        "# modules, classes, functions and values of hou with no counterpart in the stand-in",
    ]
    lines += [re.escape(path) for path in whole]
    lines += ["", "# members of classes the stand-in models in part"]
    for cls in sorted(members):
        chunk, prefix = [], re.escape(cls) + r"\."
        for member in members[cls]:
            if chunk and len(prefix) + len("|".join(chunk + [member])) > 100:
                lines.append(f"{prefix}(?:{'|'.join(chunk)})")
                chunk = []
            chunk.append(re.escape(member))
        lines.append(f"{prefix}(?:{'|'.join(chunk)})")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------ tests


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    stub_file()
    return run_stubtest(STANDIN, tmp_path_factory.mktemp("stubtest"))


@pytest.mark.timeout(240)
def test_stand_in_invents_nothing_and_matches_real_signatures(findings):
    bad, _uncovered, _unused = classify(findings, load_allowlist())
    assert bad == [], "the stand-in differs from the real hou (fix it; these can never be allowlisted):\n" + \
        "\n".join(bad)


@pytest.mark.timeout(240)
def test_allowlist_covers_exactly_what_is_missing(findings):
    _bad, uncovered, unused = classify(findings, load_allowlist())
    assert uncovered == [], ("missing at runtime but not allowlisted (regenerate the allowlist: "
                             "tests/test_standin_fidelity_houdini.py --write-allowlist):\n" + "\n".join(uncovered[:50]))
    assert unused == [], "allowlist patterns that match nothing stubtest reports (regenerate):\n" + "\n".join(unused)


def test_allowlist_names_nothing_the_stand_in_defines():
    import hou

    allow = re.compile("|".join(f"(?:{p})" for p in load_allowlist()))
    present = sorted(name for name in runtime_names(hou) if allow.fullmatch(name))
    assert present == [], "allowlist patterns hide names the stand-in defines:\n" + "\n".join(present)


def test_every_public_name_is_in_the_stubs():
    """Independent of stubtest's heuristics: each public name reachable on hou (inherited members included)."""
    import hou

    real = stub_names(stub_file())
    invented = sorted(n for n in runtime_names(hou) if n not in real and not builtin_dunder(n))
    assert invented == [], "names the real hou does not have:\n" + "\n".join(invented)
    assert not hasattr(hou, "__getattr__"), "a module __getattr__ would hide invented names from every check"


def test_hdefereval_has_only_houdinis_documented_functions():
    """No stubs exist for hdefereval; its public functions are the three Houdini documents."""
    source = (STANDIN / "hdefereval.py").read_text(encoding="utf-8")
    defined = {node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)
               and not node.name.startswith("_")}
    assert defined == HDEFEREVAL_API


@pytest.mark.timeout(240)
def test_the_check_catches_an_invented_name(tmp_path):
    """Add hou.inventedThing and hou.Node.inventedMethod to a copy of the stand-in: the check must fail."""
    stub_file()
    copy = tmp_path / "standin"
    shutil.copytree(STANDIN / "hou", copy / "hou", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(STANDIN / "hostloop.py", copy / "hostloop.py")
    shutil.copy(STANDIN / "_houdini_sim.py", copy / "_houdini_sim.py")
    with open(copy / "hou" / "__init__.py", "a", encoding="utf-8") as init:
        init.write("\n\ndef inventedThing():\n    return 1\n\n\nNode.inventedMethod = lambda self: None\n")
    bad, _uncovered, _unused = classify(run_stubtest(copy, tmp_path), load_allowlist())
    flagged = {line.split(" ", 1)[0] for line in bad}
    assert {"hou.inventedThing", "hou.Node.inventedMethod"} <= flagged, bad


def main(argv):
    if argv[1:] != ["--write-allowlist"]:
        print(__doc__)
        return 2
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        found = run_stubtest(STANDIN, scratch)
    bad = [f"{path} {message}" for path, message in found if message != MISSING.strip()]
    ALLOWLIST.write_text(generate_allowlist(found), encoding="utf-8")
    print(f"wrote {ALLOWLIST.relative_to(ROOT)} ({sum(1 for p, m in found if m == MISSING.strip())} missing names)")
    if bad:
        print("not allowlistable, fix the stand-in:\n" + "\n".join(bad))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
