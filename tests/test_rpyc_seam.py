"""The seam with rpyc (``bridge_core._rpyc.SEAM``) is complete and still true of the rpyc in use.

* the rpyc in use is the pinned one (``_rpyc.PINNED``, requirements/runtime.txt);
* every entry still exists in rpyc with the shape the bridge relies on: a method's signature, an attribute's
  type (on a live rpyc connection), a configuration key's default type, a class's slots;
* nothing is missing: every rpyc method the bridge's subclasses override is listed, and every private rpyc
  name the bridge's modules use (``._name`` or a netref's ``"____name__"``) is listed.

After an rpyc upgrade this test names exactly the entries to review.
"""
import ast
import importlib
import inspect
import re
import socket

import pytest

from bridge_core import _rpyc, protocol, proxies, registry, server, service, transport
from bridge_core.boxing import Boxing
from support import ROOT

pytestmark = pytest.mark.timeout(30)

SHAPED = [entry for entry in _rpyc.SEAM]
# private names of rpyc classes that the bridge uses for something of its own, not rpyc's
OURS = {"_conn": "Bridge._conn (client.py), the Bridge's own attribute; SlaveService's _conn is not touched",
        "_connect": "Link._connect (link.py), the link's own method; rpyc's Service._connect is not used"}
# the bridge's subclasses of rpyc's classes (the connection's methods live in two classes)
SUBCLASSES = [
    ((protocol.BridgeConnection, Boxing), _rpyc.Connection),
    ((proxies.BridgeNetref,), _rpyc.netref.BaseNetref),
    ((server._Listener,), _rpyc.ThreadedServer),
    ((transport.BridgeStream,), _rpyc.SocketStream),
    ((service.BridgeService,), _rpyc.SlaveService),
    ((service.ClientService,), _rpyc.Service),
    ((registry.RegistryServer,), _rpyc.TCPRegistryServer),
    ((registry.RegistryClient,), _rpyc.TCPRegistryClient),
]
_NOT_METHODS = {"__module__", "__doc__", "__qualname__", "__slots__", "__dict__", "__weakref__", "__annotations__",
                "__firstlineno__", "__static_attributes__"}


def _resolve(where):
    """``(parent, name, value)`` for a dotted rpyc path; ``value`` is ``_MISSING`` when absent."""
    parts = where.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(f"{_rpyc.ROOT}.{'.'.join(parts[:cut])}")
        except ImportError:
            continue
        parent, name = obj, parts[cut - 1]
        for part in parts[cut:]:
            parent, name = obj, part
            obj = obj.get(part, _MISSING) if isinstance(obj, dict) else inspect.getattr_static(obj, part, _MISSING)
            if obj is _MISSING:
                break
        return parent, name, obj
    raise AssertionError(f"no rpyc module in {where}")


_MISSING = object()


@pytest.fixture(scope="module")
def live():
    """A plain rpyc connection (rpyc's own channel and service): where the instance attributes are."""
    ours, theirs = socket.socketpair()
    conn = _rpyc.Connection(_rpyc.Service(), importlib.import_module(_rpyc.ROOT + ".core.channel").Channel(
        _rpyc.SocketStream(ours)), {})
    yield conn
    ours.close()
    theirs.close()


def _signature(obj):
    if isinstance(obj, (classmethod, staticmethod)):
        obj = obj.__func__
        text = str(inspect.signature(obj))
        return re.sub(r"^\(cls,? ?", "(", text)
    if isinstance(obj, type):
        obj = obj.__init__
    if isinstance(obj, property):
        return "property"
    text = str(inspect.signature(getattr(obj, "__func__", obj)))
    return re.sub(r"<function [\w.]*<lambda> at 0x[0-9a-f]+>", "<lambda>", text)


def test_the_rpyc_in_use_is_the_pinned_one():
    pins = (ROOT / "requirements" / "runtime.txt").read_text()
    assert re.search(rf"^rpyc=={re.escape(_rpyc.PINNED)}\s*$", pins, re.MULTILINE), pins
    assert _rpyc.RPYC_VERSION == _rpyc.PINNED


@pytest.mark.parametrize("where, use, shape, why", SHAPED, ids=[entry[0] for entry in SHAPED])
def test_each_internal_still_has_the_shape_relied_on(live, where, use, shape, why):
    assert why and use in {"overridden", "extended", "called", "read", "written", "replaced", "config",
                           "subclassed", "re-exported"}, "an entry says how and why the bridge uses it"
    parent, name, value = _resolve(where)
    if use == "config":
        assert value is not _MISSING, f"rpyc's DEFAULT_CONFIG has no {name!r} any more"
        assert type(value).__name__ == shape, f"{where}: default is now {value!r}"
        return
    if value is _MISSING and isinstance(parent, type) and issubclass(parent, _rpyc.Connection):
        value = getattr(live, name, _MISSING)  # an instance attribute, set by Connection.__init__
        assert value is not _MISSING, f"rpyc's Connection has no {name} any more"
        assert not shape or type(value).__name__ == shape, f"{where} is now a {type(value).__name__}"
        return
    if value is _MISSING and isinstance(parent, type) and issubclass(_rpyc.TCPRegistryServer, parent):
        server = registry.RegistryServer("127.0.0.1", 0)  # an instance attribute, set by rpyc's __init__
        server.sock.close()
        value = getattr(server, name, _MISSING)
        assert value is not _MISSING, f"rpyc's registry server has no {name} any more"
        assert not shape or type(value).__name__ == shape, f"{where} is now a {type(value).__name__}"
        return
    assert value is not _MISSING, f"{where} is gone"
    if use == "subclassed":
        slots = set(getattr(value, "__slots__", ()))
        assert set(shape.split()) <= slots, f"{where}'s slots are now {sorted(slots)}"
    elif shape.startswith("("):
        assert _signature(value) == shape, f"{where}'s signature changed"
    elif shape:
        assert type(value).__name__ == shape, f"{where} is now a {type(value).__name__}"


def test_builtin_proxy_classes_still_know_their_local_type():
    cache = _rpyc.netref.builtin_classes_cache
    assert cache, "rpyc no longer builds proxy classes of builtin types up front"
    for cls in cache.values():
        assert isinstance(cls.__dict__["__class__"].instance, type)


def test_every_override_is_listed():
    listed = {where.rpartition(".")[2] for where, use, _shape, _why in _rpyc.SEAM if use in ("overridden", "extended")}
    missing = []
    for ours, theirs in SUBCLASSES:
        for cls in ours:
            for name in vars(cls):
                if name not in _NOT_METHODS and hasattr(theirs, name) and name not in listed:
                    missing.append(f"{cls.__name__}.{name} overrides {theirs.__name__}.{name}")
    assert not missing, "add these to _rpyc.SEAM (with why): " + "; ".join(missing)


def _rpyc_private_names(live):
    names = set(vars(live))
    for cls in (_rpyc.Connection, _rpyc.ThreadedServer, _rpyc.SocketStream, _rpyc.netref.BaseNetref,
                _rpyc.Service, _rpyc.SlaveService, _rpyc.ModuleNamespace, _rpyc.TCPRegistryServer,
                _rpyc.TCPRegistryClient):
        names |= set(dir(cls))
    return {name for name in names if name.startswith("_") and not re.match(r"^__\w+__$", name)} | {
        name for name in getattr(_rpyc.netref.BaseNetref, "__slots__", ()) if name.startswith("____")}


def test_every_private_rpyc_name_the_bridge_uses_is_listed(live):
    listed = {where.rpartition(".")[2] for where, _use, _shape, _why in _rpyc.SEAM}
    listed |= {name for _where, use, shape, _why in _rpyc.SEAM if use == "subclassed" for name in shape.split()}
    private = _rpyc_private_names(live)
    unlisted = {}
    for path in sorted((ROOT / "bridge_core").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):  # code only, not docstrings
            if isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("____"):
                name = node.value
            else:
                continue
            if name in private and name not in listed and name not in OURS:
                unlisted.setdefault(name, set()).add(path.name)
    assert not unlisted, f"rpyc internals used but not in _rpyc.SEAM: {unlisted}"
