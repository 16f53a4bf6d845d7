"""How the simulated Houdini reads package files, following SideFX's documented rules.

Houdini reads every ``*.json`` in its package folders (``$HOUDINI_PACKAGE_DIR`` among them), in name order.
For each package it evaluates ``enable``, sets ``$HOUDINI_PACKAGE_PATH`` to the folder holding the file while
it expands variables, applies ``env`` (a list of ``{"VAR": value}`` or ``{"var": ..., "value": ...,
"method": "prepend" | "append"}``, or one object), and puts ``hpath`` (or the older ``path``; a string or a
list) on the Houdini path ahead of the defaults. This module does that and nothing else.

    result = load_packages([Path("packages")], dict(os.environ), houdini_version="20.5.487",
                           python_version="3.11")
    result.environ["PKG_DCC_BRIDGE"], result.houdini_path
"""
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

__all__ = ["PackageError", "LoadedPackages", "load_packages", "expand"]

_VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}")


class PackageError(Exception):
    """A package file Houdini would complain about."""


@dataclass
class LoadedPackages:
    environ: Dict[str, str]
    houdini_path: List[Path] = field(default_factory=list)
    loaded: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)


def expand(text, environ):
    """``$VAR`` / ``${VAR}`` expansion as Houdini does it for package values (unknown names stay as written)."""
    return _VARIABLE.sub(lambda m: environ.get(m.group(1) or m.group(2), m.group(0)), str(text))


def _version_tuple(text):
    return tuple(int(part) for part in re.findall(r"\d+", str(text)))


def _condition_true(condition, variables):
    """One ``enable`` condition such as ``houdini_version >= '19.5'`` or ``houdini_python == 'python3.11'``."""
    match = re.match(r"^\s*(\w+)\s*(==|!=|>=|<=|>|<)\s*'([^']*)'\s*$", condition)
    if not match:
        raise PackageError(f"cannot read the enable condition {condition!r}")
    name, operator, wanted = match.groups()
    if name not in variables:
        raise PackageError(f"unknown variable {name!r} in enable condition {condition!r}")
    actual = variables[name]
    if name == "houdini_version":
        actual, wanted = _version_tuple(actual)[:len(_version_tuple(wanted))], _version_tuple(wanted)
    return {"==": actual == wanted, "!=": actual != wanted, ">=": actual >= wanted, "<=": actual <= wanted,
            ">": actual > wanted, "<": actual < wanted}[operator]


def _enabled(value, variables):
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return all(_condition_true(part, variables) for part in value.split(" and "))
    if isinstance(value, dict):
        return all(_condition_true(cond, variables) == bool(expected) for cond, expected in value.items())
    raise PackageError(f"'enable' must be true/false, a condition or an object, not {value!r}")


def _env_entries(env):
    if isinstance(env, dict):
        env = [env]
    for entry in env:
        if not isinstance(entry, dict):
            raise PackageError(f"an 'env' entry must be an object, not {entry!r}")
        if "var" in entry:
            yield entry["var"], entry.get("value", ""), entry.get("method", "replace")
        else:
            for name, value in entry.items():
                if isinstance(value, dict):
                    yield name, value.get("value", ""), value.get("method", "replace")
                else:
                    yield name, value, "replace"


def _apply(environ, name, value, method):
    values = value if isinstance(value, list) else [value]
    joined = os.pathsep.join(expand(v, environ) for v in values)
    current = environ.get(name)
    if method == "prepend" and current:
        environ[name] = joined + os.pathsep + current
    elif method == "append" and current:
        environ[name] = current + os.pathsep + joined
    else:
        environ[name] = joined


def load_packages(folders, environ, houdini_version, python_version):
    """Read every package file in ``folders`` (in order, files sorted by name) and apply it to ``environ``."""
    environ = dict(environ)
    result = LoadedPackages(environ)
    variables = {"houdini_version": houdini_version, "houdini_python": f"python{python_version}",
                 "houdini_os": {"nt": "windows"}.get(os.name, "linux")}
    for folder in folders:
        for path in sorted(Path(folder).glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise PackageError(f"{path} is not valid JSON: {exc}") from None
            if not isinstance(data, dict):
                raise PackageError(f"{path} must hold a JSON object")
            scope = dict(environ, HOUDINI_PACKAGE_PATH=str(path.parent.resolve()))
            if not _enabled(data.get("enable", True), variables):
                result.skipped.append(path.stem)
                continue
            for name, value, method in _env_entries(data.get("env", [])):
                _apply(scope, name, value, method)
            hpath = data.get("hpath", data.get("path", []))
            for entry in hpath if isinstance(hpath, list) else [hpath]:
                result.houdini_path.append(Path(expand(entry, scope)))
            scope.pop("HOUDINI_PACKAGE_PATH")
            environ.clear()
            environ.update(scope)
            result.loaded.append(data.get("name", path.stem))
    return result
