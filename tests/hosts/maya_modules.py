"""How the simulated Maya reads module (``.mod``) files, following Autodesk's documented syntax.

Maya reads every file in each folder on ``MAYA_MODULE_PATH`` as a module file (any extension). A description starts with a header line
``+ [MAYAVERSION:2025] [PLATFORM:linux] Name Version Path`` (conditions optional; Path absolute or relative
to the .mod file); the lines below it, until the next header, set variables: ``VAR=value``, ``VAR+=value``
(append), ``VAR:=relative`` and ``VAR+:=relative`` (relative to the module root), and ``scripts: path`` style
overrides of the default subfolders. A module's ``scripts/`` folder goes on ``sys.path`` and
``MAYA_SCRIPT_PATH``; ``plug-ins/`` on ``MAYA_PLUG_IN_PATH``; ``icons/`` on ``XBMLANGPATH``.

    modules = load_modules([Path("modules")], environ, maya_version="2025", platform="linux")
    modules[0].scripts     # the folder to put on sys.path
"""
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict

__all__ = ["ModuleError", "MayaModule", "load_modules"]

_HEADER = re.compile(r"^\+\s+(?P<rest>.*)$")
_SUBFOLDERS = {"scripts": "scripts", "plug-ins": "plug-ins", "icons": "icons", "presets": "presets"}


class ModuleError(Exception):
    """A .mod file Maya would not load."""


@dataclass
class MayaModule:
    name: str
    version: str
    root: Path
    mod_file: Path
    variables: Dict[str, str] = field(default_factory=dict)
    folders: Dict[str, Path] = field(default_factory=dict)

    @property
    def scripts(self):
        return self.folders["scripts"]


def _parse_header(rest, mod_file, maya_version, platform):
    tokens = rest.split()
    conditions = {}
    while tokens and ":" in tokens[0]:
        key, _, value = tokens.pop(0).partition(":")
        conditions[key.upper()] = value
    if len(tokens) < 3:
        raise ModuleError(f"{mod_file}: a module line needs '+ Name Version Path', got {rest!r}")
    name, version, path = tokens[0], tokens[1], " ".join(tokens[2:])
    applies = (conditions.get("MAYAVERSION", maya_version) == maya_version
               and conditions.get("PLATFORM", platform) == platform)
    root = Path(path) if os.path.isabs(path) else (mod_file.parent / path)
    return applies, MayaModule(name, version, root.resolve(), mod_file)


def _apply_line(module, line, environ):
    if re.match(r"^[\w-]+\s*:\s", line) and not re.match(r"^\w+\s*\+?:=", line):
        folder, _, path = line.partition(":")
        module.folders[folder.strip()] = (module.root / path.strip()).resolve()
        return
    match = re.match(r"^(\w+)\s*(\+?:?=)\s*(.*)$", line)
    if not match:
        raise ModuleError(f"{module.mod_file}: cannot read the line {line!r}")
    name, operator, value = match.groups()
    if ":" in operator:
        value = str((module.root / value).resolve())
    if operator.startswith("+") and environ.get(name):
        environ[name] = environ[name] + os.pathsep + value
    else:
        environ[name] = value
    module.variables[name] = environ[name]


def load_modules(folders, environ, maya_version, platform):
    """Read every ``.mod`` in ``folders``; apply variable lines to ``environ`` (in place); return the modules."""
    loaded = []
    for folder in folders:
        for mod_file in sorted(p for p in Path(folder).iterdir() if p.is_file()):  # Maya reads every file there
            current = None
            for raw in mod_file.read_text(encoding="utf-8").splitlines():
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                header = _HEADER.match(line)
                if header:
                    applies, module = _parse_header(header.group("rest"), mod_file, maya_version, platform)
                    current = module if applies else None
                    if current is not None:
                        current.folders = {k: (current.root / v) for k, v in _SUBFOLDERS.items()}
                        loaded.append(current)
                    continue
                if current is None:
                    continue
                _apply_line(current, line, environ)
    for module in loaded:
        if not module.root.is_dir():
            raise ModuleError(f"{module.mod_file}: module folder {module.root} does not exist")
    return loaded
