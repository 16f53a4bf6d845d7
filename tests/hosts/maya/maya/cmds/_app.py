"""Application commands: about, optionVar, warning, error, commandPort (batch and graphical sessions).

``optionVar`` values live in memory and are written to ``<prefs>/userPrefs.mel`` (Maya's own file and MEL form)
when a graphical session quits (``_maya_sim.save_prefs``); a session started with ``_maya_sim.load_prefs``
reads them back, which is how tests show a setting remembered across sessions. ``commandPort`` is refused (and
recorded): the stand-in never opens Maya's unauthenticated command port.
"""
import datetime
import os

from .. import _session
from .._session import SESSION
from ._registry import command, objects


@command("batch/b:b version/v:b apiVersion/api:b majorVersion/mjv:b minorVersion/mnv:b patchVersion/pv:b "
         "operatingSystem/os:b operatingSystemVersion/osv:b linux/li:b linux64/l64:b windows/win:b win64/w64:b "
         "ntOS/nt:b macOS/mac:b application/a:b product/p:b is64/x64:b qtVersion/qt:b cutIdentifier/c:b "
         "uiLanguage/uil:b codeset/cs:b currentDate/cd:b currentTime/ct:b date/d:b preferences/pd:b "
         "environmentFile/env:b installedVersion/iv:b evalVersion/ev:b", args=0)
def about(args, flags):
    """Facts about this Maya: batch or not, version, API version, operating system, Qt ..."""
    version = SESSION.version
    major, _, minor = version.partition(".")
    python, qt = _session.VERSIONS.get(major, ("3.11", "6.5.3"))
    app_dir = os.environ.get("MAYA_APP_DIR", os.path.join(os.path.expanduser("~"), "maya"))
    now = datetime.datetime.now()
    platform = _session.PLATFORM
    answers = {
        "batch": not _session.is_gui(), "version": major, "apiVersion": int(major) * 10000 + int(minor or 0) * 100,
        "majorVersion": major, "minorVersion": minor or "0", "patchVersion": "0",
        "operatingSystem": platform, "operatingSystemVersion": platform, "linux": platform == "linux",
        "linux64": platform == "linux", "windows": platform == "win64", "win64": platform == "win64",
        "ntOS": platform == "win64", "macOS": platform == "mac", "application": "maya",
        "product": f"Maya {major}", "is64": True, "qtVersion": qt, "cutIdentifier": f"{major}0101-standin",
        "uiLanguage": "en_US", "codeset": "UTF-8", "currentDate": now.strftime("%Y/%m/%d"),
        "currentTime": now.strftime("%H:%M:%S"), "date": now.strftime("%Y/%m/%d"),
        "preferences": os.path.join(app_dir, major, "prefs").replace("\\", "/"),
        "environmentFile": os.path.join(app_dir, major, "Maya.env").replace("\\", "/"),
        "installedVersion": f"Autodesk Maya {version}", "evalVersion": False,
    }
    wanted = [name for name, on in flags.items() if on]
    if not wanted:
        raise RuntimeError("about: No flag was given.")
    return answers[wanted[0]]


# --------------------------------------------------------------------------------------------- optionVar

_KINDS = {"intValue": int, "floatValue": float, "stringValue": str}


def _fits(value, kind):
    if kind is str:
        return isinstance(value, str)
    if kind is int:
        return isinstance(value, int)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _pairs(flag, value, kind):
    """(name, value) pairs from one pair or a list of pairs (the flag is multi-use)."""
    if not value:
        return
    single = isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], str)
    for pair in [value] if single else value:
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and isinstance(pair[0], str)
                and _fits(pair[1], kind)):
            raise TypeError(f"Invalid arguments for flag '{flag}'.  Expected (string, {kind.__name__}), "
                            f"got {pair!r}")
        yield pair[0], kind(pair[1])


@command("query/q:s exists/ex:s remove/rm:x intValue/iv:x floatValue/fv:x stringValue/sv:x intValueAppend/iva:x "
         "floatValueAppend/fva:x stringValueAppend/sva:x list/l:b arraySize/as:s clearArray/ca:x", args=0)
def optionVar(args, flags):
    """Maya's persistent preferences: set (iv/fv/sv, their *Append forms), query, exists, remove, list."""
    store = SESSION.option_vars
    if "exists" in flags:
        return flags["exists"] in store
    if "query" in flags:
        kind, value = store.get(flags["query"], ("int", 0))
        return list(value) if isinstance(value, list) else value
    if "arraySize" in flags:
        value = store.get(flags["arraySize"], ("int", 0))[1]
        return len(value) if isinstance(value, list) else 0
    if flags.get("list"):
        return sorted(store)
    for name in objects([flags.get("remove", [])]):
        store.pop(name, None)
    for name in objects([flags.get("clearArray", [])]):
        if name in store:
            store[name] = (store[name][0], [])
    for flag, kind in _KINDS.items():
        for name, value in _pairs(flag, flags.get(flag, []), kind):
            store[name] = (kind.__name__.replace("str", "string"), value)
        for name, value in _pairs(flag + "Append", flags.get(flag + "Append", []), kind):
            old = store.get(name)
            items = old[1] if old and isinstance(old[1], list) else ([old[1]] if old else [])
            store[name] = (kind.__name__.replace("str", "string"), items + [value])
    return None


# ------------------------------------------------------------------------------------------ messages


def _text(args):
    return " ".join(str(a) for a in args)


@command("noContext/n:b showLineNumber/sl:b")
def warning(args, flags):
    """Show a warning in the Script Editor and the command line (recorded)."""
    text = _text(args)
    _session.record("warning", text=text)
    _session.echo("Warning", text)
    return None


@command("noContext/n:b showLineNumber/sl:b")
def error(args, flags):
    """Show an error, then raise RuntimeError with it (as Maya's error command does)."""
    text = _text(args)
    _session.record("error", text=text)
    _session.echo("Error", text)
    raise RuntimeError(text)


@command("query/q:b name/n:s sourceType/stp:s close/cl:b listPorts/lp:b echoOutput/eo:b noreturn/nr:b "
         "returnNumCommands/rnc:b bufferSize/bs:i prefix/pre:s securityWarning/sw:b pickleOutput/po:b", args=1)
def commandPort(args, flags):
    """Refused: the stand-in opens no command port (the attempt is recorded); queries report none open."""
    name = flags.get("name") or (args[0] if args else None)
    if flags.get("query"):
        return [] if flags.get("listPorts") else False
    if flags.get("close"):
        raise RuntimeError(f"commandPort: No command port named '{name}' is open.")
    _session.record("commandPort", name=name, sourceType=flags.get("sourceType", "mel"), refused=True)
    raise RuntimeError(f"commandPort: the Maya stand-in does not open command ports (asked for {name!r}); "
                       "Maya's command port is unauthenticated and DCC Bridge replaces it")


# --------------------------------------------------------------------------------------- userPrefs.mel

_FLAG_OF = {"int": "iv", "float": "fv", "string": "sv"}


def _mel_value(kind, value):
    if kind == "string":
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return repr(float(value)) if kind == "float" else str(int(value))


def prefs_text():
    lines = [f"//Maya Preference {SESSION.version} (written by the DCC Bridge Maya stand-in)", "//", ""]
    for name in sorted(SESSION.option_vars):
        kind, value = SESSION.option_vars[name]
        quoted = _mel_value("string", name)
        if isinstance(value, list):
            lines.append(f"optionVar -ca {quoted};")
            lines += [f"optionVar -{_FLAG_OF[kind]}a {quoted} {_mel_value(kind, v)};" for v in value]
        else:
            lines.append(f"optionVar -{_FLAG_OF[kind]} {quoted} {_mel_value(kind, value)};")
    return "\n".join(lines) + "\n"


def read_prefs(text):
    import shlex

    store = {}
    kinds = {"iv": ("int", int), "fv": ("float", float), "sv": ("string", str)}
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("optionVar "):
            continue
        words = shlex.split(line.rstrip(";").replace("\\n", "\n"), posix=True)
        flag, name = words[1].lstrip("-"), words[2]
        if flag == "ca":
            store[name] = (store.get(name, ("int", []))[0], [])
        elif flag in kinds:
            kind, convert = kinds[flag]
            store[name] = (kind, convert(words[3]))
        elif flag[:-1] in kinds and flag.endswith("a"):
            kind, convert = kinds[flag[:-1]]
            old = store.get(name, (kind, []))[1]
            store[name] = (kind, (old if isinstance(old, list) else []) + [convert(words[3])])
    return store
