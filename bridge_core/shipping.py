"""``Bridge.call``: run a function written on this side on the server, in one round trip, by its source.

Walking a Houdini scene through proxies costs a round trip per attribute. ``bridge.call(fn, *args)`` instead
sends ``fn``'s *source* (never bytecode, so Maya on Python 3.10 can drive Houdini on 3.11), runs it there
through the server's executor (the main thread in a graphical host), and copies the result back by value
(``values``). Inside the function ``import hou`` works, and so do the modules the function's own module had
imported (``hou``, ``os`` ...), simple module-level constants, and other plain functions of the same module,
which are shipped along.

Finding the source: ``inspect.getsource`` reads the function's file. Code typed into Maya's Script Editor or
an interactive console has no file, so once ``remember_interactive_sources()`` has run (``connect`` calls it)
the bridge records the source of every code block compiled from a ``<...>`` pseudo-file (a Python audit hook
on ``compile``/``exec``; it keeps those sources only as long as their code objects live).

What cannot ship, with ``ShippingError`` saying what to do: closures over local variables, globals that are
neither modules, constants nor plain functions, results that are not plain data.

    hou = bridge.hou                   # a module proxy: shipped as "the module hou" and imported there

    def count_children(path):
        return [c.name() for c in hou.node(path).children()]

    names = bridge.call(count_children, "/obj")
"""
import ast
import builtins
import dis
import inspect
import sys
import textwrap
import threading
import types
import weakref

from . import proxies, values
from .errors import ShippingError

__all__ = ["Shipment", "prepare", "run_shipment", "remember_interactive_sources"]

_GLOBAL_OPS = {"LOAD_GLOBAL", "LOAD_NAME", "STORE_GLOBAL", "DELETE_GLOBAL"}

# --------------------------------------------------------------------------- sources typed interactively

_interactive = weakref.WeakKeyDictionary()   # code object -> the full text it was compiled from
_last_compiled = threading.local()
_hook_installed = False
_hook_lock = threading.Lock()


def _audit(event, args):
    if event == "compile":
        source, filename = args[0], args[1]
        if isinstance(filename, str) and filename.startswith("<") and source is not None:
            _last_compiled.value = (source, filename)
    elif event == "exec":
        pending = getattr(_last_compiled, "value", None)
        code = args[0]
        if pending is not None and isinstance(code, types.CodeType) and code.co_filename == pending[1]:
            _last_compiled.value = None
            text = pending[0].decode("utf-8", "replace") if isinstance(pending[0], bytes) else str(pending[0])
            _remember(code, text)


def _remember(code, text):
    _interactive[code] = text
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _remember(const, text)


def remember_interactive_sources():
    """From now on, record the source of code typed into consoles (Maya's Script Editor, ``shell``)."""
    global _hook_installed
    with _hook_lock:
        if not _hook_installed:
            sys.addaudithook(_audit)
            _hook_installed = True


# --------------------------------------------------------------------------- preparing a function


class Shipment:
    """What crosses the wire for one function: its source (helpers first), name, imports and constants."""

    __slots__ = ("source", "name", "imports", "constants", "__weakref__")

    def __init__(self, source, name, imports, constants):
        self.source, self.name, self.imports, self.constants = source, name, imports, constants


def _raw_source(func):
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        pass
    text = _interactive.get(func.__code__)
    if text is None:
        raise ShippingError(
            f"cannot find the source of {func.__qualname__} (it was defined in {func.__code__.co_filename}, "
            f"which has no file to read). Define it in a .py file, or in the Script Editor / console after "
            f"connecting (the bridge records typed code from then on), or pass its source text to call().")
    lines = text.splitlines(True)[func.__code__.co_firstlineno - 1:]
    return "".join(inspect.getblock(lines))


def _definition(func, source):
    """Source defining ``func`` under its own name, decorators removed (they may not exist remotely)."""
    name = func.__name__
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        raise ShippingError(f"cannot parse the source of {func.__qualname__}; write it as a plain def") from None
    if name == "<lambda>":
        lambdas = [node for node in ast.walk(tree) if isinstance(node, ast.Lambda)]
        if len(lambdas) != 1:
            raise ShippingError("cannot tell which lambda on that line to ship; write the function as a def")
        return f"__bridge_lambda__ = {ast.unparse(lambdas[0])}\n", "__bridge_lambda__"
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            node.decorator_list = []
            return ast.unparse(node) + "\n", name
    raise ShippingError(f"the source found for {func.__qualname__} does not define it; write it as a plain def")


def _global_names(code):
    names = {i.argval for i in dis.get_instructions(code) if i.opname in _GLOBAL_OPS}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _module_name(value):
    if issubclass(type(value), types.ModuleType):  # type(), so a proxy is not asked for its remote class
        return value.__name__
    return proxies.remote_module_name(value)  # a proxy of a remote module, or a link's stable module


def _check_plain_function(func, what):
    if type(func) is not types.FunctionType:
        raise ShippingError(f"{what} must be a plain function (def or lambda), not a {type(func).__name__}")
    if func.__closure__:
        names = ", ".join(func.__code__.co_freevars)
        raise ShippingError(f"{func.__qualname__} uses {names} from the function it was defined in; a shipped "
                            f"function can only use its arguments, imports, module constants and module "
                            f"functions. Pass {names} as arguments.")


def prepare(func):
    """The ``Shipment`` for ``func`` (a function, or source text defining exactly one function)."""
    if isinstance(func, str):
        return _prepare_text(func)
    _check_plain_function(func, "call()'s first argument")
    sources, imports, constants = [], {}, {}
    seen = set()

    def add(function):
        if function in seen:
            return
        seen.add(function)
        source, name = _definition(function, _raw_source(function))
        for global_name in sorted(_global_names(function.__code__)):
            if global_name not in function.__globals__:
                continue  # a builtin, or a name the function defines itself
            value = function.__globals__[global_name]
            module = _module_name(value)
            if module is not None:
                imports[global_name] = module
            elif type(value) is types.FunctionType and value.__module__ == function.__module__:
                _check_plain_function(value, global_name)
                add(value)
            elif not hasattr(builtins, global_name):
                try:
                    constants[global_name] = values.encode(value, f"the global {global_name!r}")
                except ShippingError:
                    raise ShippingError(
                        f"{function.__qualname__} uses the global {global_name!r} (a {type(value).__name__}), "
                        f"which cannot be sent; pass it as an argument, or import it inside the function."
                    ) from None
        sources.append(source)
        return name

    name = add(func)
    return Shipment("".join(sources), name, tuple(imports.items()), tuple(constants.items()))


def _prepare_text(text):
    try:
        tree = ast.parse(textwrap.dedent(text))
    except SyntaxError as exc:
        raise ShippingError(f"the source text given to call() does not parse: {exc}") from None
    functions = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not functions:
        raise ShippingError("the source text given to call() defines no function")
    return Shipment(textwrap.dedent(text), functions[-1], (), ())


# --------------------------------------------------------------------------- running it (server side)

_compiled = {}
_compiled_lock = threading.Lock()
_CACHE_SIZE = 256


def _compile(source, name):
    code = _compiled.get(source)
    if code is None:
        filename = f"<bridge call {name}>"
        code = compile(source, filename, "exec")
        import linecache

        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        with _compiled_lock:
            if len(_compiled) >= _CACHE_SIZE:
                _compiled.clear()
            _compiled[source] = code
    return code


def run_shipment(source, name, imports, constants, args, kwargs):
    """Define the shipped function in a fresh namespace and call it; returns its encoded result."""
    import importlib

    namespace = {"__name__": "__bridge_call__", "__builtins__": builtins}
    for global_name, module in imports:
        namespace[global_name] = importlib.import_module(module)
    for global_name, value in constants:
        namespace[global_name] = values.decode(value)
    exec(_compile(source, name), namespace)
    result = namespace[name](*values.decode(args), **values.decode(kwargs))
    return values.encode(result, f"the result of {name}()")
