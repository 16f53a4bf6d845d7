"""How the stand-in declares a Maya command, and the one wrapper every command goes through.

A command is a function ``impl(args, flags)`` registered with its flags as Maya documents them::

    @command("query/q:b width/w:f? name/n:s type/typ:s*", args="*")
    def polyCube(args, flags): ...

Each flag is ``long/short:kind`` with kind ``b`` (boolean), ``s`` (string), ``i`` (int), ``f`` (float; ints
accepted), ``c`` (a script: callable or string) or ``x`` (anything; the command checks it); ``*`` marks a
multi-use flag (a list is accepted), ``?`` a queryable one (in query mode it takes True instead of its value).
``args`` is the positional shape of the real command (as the maya-stubs declare it): ``"*"`` any number of
objects, ``1`` or ``2`` at most that many, ``0`` none. ``ui=True`` marks a UI command (it fails in batch).

``build`` makes the public function: it checks the rules (main thread, a started session, UI only in a graphical
session), turns short flag names into long ones, rejects unknown flags and badly typed values with Maya's
``TypeError``s, then calls ``impl``. The function's ``__signature__`` lists the long flag names, so mypy's
stubtest can check every flag the stand-in accepts against the real command's stub.
"""
import inspect

from .. import _session

REGISTRY = {}
_KIND_NAMES = {"s": "string", "i": "int", "f": "float", "c": "script"}


class Flag:
    def __init__(self, spec):
        names, _, kind = spec.partition(":")
        self.long, _, self.short = names.partition("/")
        self.short = self.short or self.long
        self.multi = "*" in kind
        self.queryable = "?" in kind
        self.kind = kind.strip("*?") or "b"


class Command:
    def __init__(self, name, impl, flags, args, ui):
        self.name, self.impl, self.args, self.ui = name, impl, args, ui
        self.flags = {}
        self.names = {}
        for spec in flags.split():
            flag = Flag(spec)
            self.flags[flag.long] = flag
            self.names[flag.long] = self.names[flag.short] = flag

    def parse(self, args, kwargs):
        if self.args != "*" and len(args) > self.args:
            raise TypeError(f"{self.name}() takes at most {self.args} positional argument"
                            f"{'s' if self.args != 1 else ''} ({len(args)} given)")
        query = any(self.names.get(k) is not None and self.names[k].long == "query"
                    and self.names[k].kind == "b" and v for k, v in kwargs.items())
        flags = {}
        for given, value in kwargs.items():
            flag = self.names.get(given)
            if flag is None:
                raise TypeError(f"Invalid flag '{given}'")
            if query and flag.queryable and isinstance(value, int):  # q=True, label=True (or 1)
                value = bool(value)
            else:
                value = _check(flag, given, value)
            flags[flag.long] = value
        return flags

    def signature(self):
        params = []
        if self.args == "*":
            params.append(inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL))
        else:
            params += [inspect.Parameter(f"arg{i}", inspect.Parameter.POSITIONAL_ONLY, default=...)
                       for i in range(self.args)]
        params += [inspect.Parameter(long, inspect.Parameter.KEYWORD_ONLY, default=...) for long in self.flags]
        params.append(inspect.Parameter("flags", inspect.Parameter.VAR_KEYWORD))  # the short names
        return inspect.Signature(params)


def _check(flag, given, value):
    if flag.multi and isinstance(value, (list, tuple)) and flag.kind in "sif":
        return [_check_one(flag, given, v) for v in value]
    return _check_one(flag, given, value)


def _check_one(flag, given, value):
    kind = flag.kind
    if kind == "b":
        if not isinstance(value, (bool, int)):
            raise TypeError(f"Flag '{given}' must be passed a boolean argument")
        return bool(value)
    if kind == "x":
        return value
    ok = {"s": isinstance(value, str),
          "i": isinstance(value, int) and not isinstance(value, bool),
          "f": isinstance(value, (int, float)) and not isinstance(value, bool),
          "c": isinstance(value, str) or callable(value)}[kind]
    if not ok:
        raise TypeError(f"Invalid arguments for flag '{given}'.  Expected {_KIND_NAMES[kind]}, "
                        f"got {type(value).__name__}")
    return float(value) if kind == "f" else value


def command(flags="", args="*", ui=False, name=None):
    """Register the decorated ``impl(args, flags)`` as the Maya command of its name (or ``name``)."""
    def register(impl):
        command_name = name or impl.__name__
        REGISTRY[command_name] = Command(command_name, impl, flags, args, ui)
        return impl

    return register


def build(spec):
    """The public ``maya.cmds`` function of a registered command."""
    def maya_command(*args, **kwargs):
        _session.check_call(spec.name, ui=False)
        flags = spec.parse(args, kwargs)
        if spec.ui and not _session.ui_up():
            _session.check_call(spec.name, ui=True)
        return spec.impl(args, flags)

    maya_command.__name__ = maya_command.__qualname__ = spec.name
    maya_command.__module__ = "maya.cmds"
    maya_command.__doc__ = (spec.impl.__doc__ or f"Maya's {spec.name} command.").strip()
    maya_command.__signature__ = spec.signature()
    return maya_command


# ------------------------------------------------------------------------------------ helpers for commands


def objects(args):
    """Positional object names, with lists and tuples flattened (``cmds.select(["a", "b"])``)."""
    names = []
    for arg in args:
        if isinstance(arg, (list, tuple)):
            names.extend(objects(arg))
        elif isinstance(arg, str):
            names.append(arg)
        else:
            raise TypeError(f"Object {arg!r} is invalid")
    return names


def one_mode(flags, command_name):
    """'query', 'edit' or 'create' (Maya refuses query and edit together)."""
    if flags.get("query") and flags.get("edit"):
        raise RuntimeError(f"{command_name}: the query and edit flags cannot be used together.")
    return "query" if flags.get("query") else "edit" if flags.get("edit") else "create"
