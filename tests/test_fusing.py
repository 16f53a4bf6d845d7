"""Fused calls (``bridge_core.fusing``): a remote call and the constant-argument methods called on its result
right after it (``hou.node(p).path()``, ``hou.node(p).parm("tx").eval()``) travel as one request, and user code
means exactly what it meant unfused.

Against real servers (a thread of this process and a child process, both serving the Houdini stand-in):

* the same results as the unfused path: plain calls, chains, a chain that stops at a value and goes on
  locally, ``None`` followed by a method (the local ``AttributeError``);
* exceptions raised by a follow-up on the server (a method that raises, a missing method): the same type and
  message as unfused, and the call before the follow-up has run;
* the requests, counted where every request leaves the client (its connection's ``_send``): one for a fused
  call, one per call unfused; values are never stale;
* what is not fused, and still correct: keyword arguments, computed arguments, calls made by C code; every
  follow-up runs exactly once, whatever the shape of the call site (traced by a server-side object);
* two threads making fused calls on one connection each get their own results;
* the bytecode analysis itself (``fusing.reader``/``caller_site``) in every Python 3.9-3.13 found: the steps
  found, and that their offsets cover the follow-up's attribute read (what ``fusing.take`` matches).

Fused call sites are written outside ``assert`` statements: pytest rewrites an assert's expression into
temporaries, which is not a call site that can be fused. Each result test also checks the request was fused.

Three regression tests guard bugs found while writing these: a C-code call through a same-named attribute,
a remote call (a debugger's watch) between a call and its follow-up, and a call with no Python frame above it.
"""
import _thread
import json
import subprocess
import sys
import threading
import types
import uuid

import pytest

import bridge_core
from bridge_core import bulk, fusing, proxies, wire
from bridge_core._rpyc import consts
from support import ROOT, interpreter, wait_until

pytestmark = pytest.mark.timeout(60)

CHAIN = wire.HANDLE_CALLATTR_CHAIN  # a fused call: a call and its follow-ups
CALL = consts.HANDLE_CALLATTR         # one method call
_HOUSEKEEPING = frozenset({consts.HANDLE_PING, consts.HANDLE_DEL, wire.HANDLE_DEL_MANY})


# ------------------------------------------------------------------------------------------------- fixtures

TRACER_CODE = '''
class Thing:
    """A server object whose calls are traced in order, to see how often each one ran."""
    def __init__(self, trace, name):
        self.trace, self.name = trace, name
    def touch(self, times=1):
        self.trace.append(f"{self.name}.touch({times})")
        return self
    def label(self):
        self.trace.append(f"{self.name}.label")
        return self.name
    def boom(self):
        self.trace.append(f"{self.name}.boom")
        raise ValueError(f"{self.name} went boom")
    def size(self, data):
        self.trace.append(f"{self.name}.size({len(data)})")
        return self
    def count(self, value):  # named like list.count: catches a follow-up run on the wrong object
        self.trace.append(f"{self.name}.count({value!r})")
        return -1

class Maker:
    def __init__(self):
        self.trace = []
    def make(self, name="thing"):
        self.trace.append(f"make {name}")
        return Thing(self.trace, name)

maker = Maker()
'''


@pytest.fixture
def bridge(any_server):
    """A client of each kind of server, with ``maker`` (``TRACER_CODE``) in the server's namespace."""
    with bridge_core.connect(port=any_server.port) as connected:
        connected.execute(TRACER_CODE)
        yield connected


@pytest.fixture
def geo(bridge):
    """A fresh geometry node under /obj with a unique name (the thread server's scene is shared); its path."""
    hou = bridge.hou
    node = hou.node("/obj").createNode("geo", f"fused_{uuid.uuid4().hex[:8]}")
    node.parm("tx").eval()  # the node's and the parm's proxy classes are described here, once
    yield node.path()
    try:
        node.destroy()
    except hou.ObjectWasDeleted:
        pass


class SentRequests:
    """The requests a client connection sends, as handler codes, recorded where every request leaves: the
    connection's ``_send``. Housekeeping (releasing dead proxies, pings) is left out."""

    def __init__(self, conn, monkeypatch):
        self._handlers = []
        send = conn._send

        def recording_send(msg, seq, args):
            if msg == consts.MSG_REQUEST and args[0] not in _HOUSEKEEPING:
                self._handlers.append(args[0])
            return send(msg, seq, args)

        monkeypatch.setattr(conn, "_send", recording_send)

    def take(self):
        """Every request sent since the last ``take`` or ``calls``."""
        taken, self._handlers[:] = list(self._handlers), []
        return taken

    def calls(self):
        """The method calls (fused or not) sent since the last ``take`` or ``calls``: what fusing changes."""
        return [handler for handler in self.take() if handler in (CALL, CHAIN)]


@pytest.fixture
def sent(bridge, geo, monkeypatch):
    """The requests ``bridge`` sends from now on (after ``geo`` made its node)."""
    return SentRequests(bridge.conn, monkeypatch)


def server_trace(bridge):
    """The server-side trace of ``maker``'s calls since the last look."""
    return list(bridge.eval("(tuple(maker.trace), maker.trace.clear())[0]"))


# ------------------------------------------------------------------------------------ same results as unfused


def test_a_fused_call_gives_what_the_unfused_calls_give(bridge, sent, geo):
    hou = bridge.hou
    node = hou.node(geo)
    parm = node.parm("tx")
    parm.set(2.5)
    unfused_path, unfused_value = node.path(), parm.eval()
    sent.take()

    fused_path = hou.node(geo).path()
    fused_value = hou.node(geo).parm("tx").eval()
    parent_path = hou.node(geo).parent().path()
    middle = hou.node(geo).parm("tx")  # a proxy at the end of a fused call
    assert sent.calls() == [CHAIN] * 4
    assert fused_path == unfused_path == geo
    assert fused_value == unfused_value == 2.5
    assert parent_path == "/obj"
    assert middle == parm


def test_a_chain_stops_at_a_value_and_goes_on_locally(bridge, sent, geo):
    hou = bridge.hou
    upper = hou.node(geo).path().upper()
    slashes = hou.node(geo).path().count("/")
    assert sent.take() == [CHAIN, CHAIN], "the string methods run locally, without a request"
    assert upper == geo.upper()
    assert slashes == 2


def test_none_then_a_method_raises_the_local_attribute_error(bridge, sent, geo):
    hou = bridge.hou
    with pytest.raises(AttributeError) as fused:
        hou.node("/obj/no_such_node").path()
    assert sent.calls() == [CHAIN]
    assert threading.get_ident() not in fusing.pending, "no follow-up ran: nothing is left waiting"
    missing = hou.node("/obj/no_such_node")
    with pytest.raises(AttributeError) as unfused:
        missing.path()
    assert str(fused.value) == str(unfused.value) == "'NoneType' object has no attribute 'path'"
    assert type(fused.value) is AttributeError, "raised locally, not by the server"

    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'eval'"):
        hou.node(geo).parm("no_such_parm").eval()  # None in the middle of a chain


# ------------------------------------------------------------------------------------------------ exceptions


def _missing_method_fused(hou, path):
    return hou.node(path).noSuchMethod()


def _missing_method_unfused(hou, path):
    node = hou.node(path)
    return node.noSuchMethod()


def _raising_method_fused(hou, path):
    return hou.node(path).evalParm("no_such_parm")


def _raising_method_unfused(hou, path):
    node = hou.node(path)
    return node.evalParm("no_such_parm")


def _raising_middle_step_fused(hou, path):
    return hou.node(path).createNode("no_such_type").path()


def _raising_middle_step_unfused(hou, path):
    node = hou.node(path)
    made = node.createNode("no_such_type")
    return made.path()


@pytest.mark.parametrize("fused_call,unfused_call,raised_by", [
    (_missing_method_fused, _missing_method_unfused, None),
    (_raising_method_fused, _raising_method_unfused, "evalParm"),
    (_raising_middle_step_fused, _raising_middle_step_unfused, "createNode"),
], ids=["missing-method", "method-raises", "middle-step-raises"])
def test_a_follow_up_that_raises_on_the_server_raises_as_unfused(bridge, sent, geo, fused_call, unfused_call,
                                                                 raised_by):
    hou = bridge.hou
    with pytest.raises(Exception) as unfused:
        unfused_call(hou, geo)
    sent.take()
    with pytest.raises(Exception) as fused:
        fused_call(hou, geo)
    assert sent.calls() == [CHAIN]
    assert type(fused.value) is type(unfused.value)
    assert str(fused.value) == str(unfused.value)
    if raised_by is None:
        assert isinstance(fused.value, AttributeError) and "noSuchMethod" in str(fused.value)
    else:  # hou's exception, catchable by its remote class, with the server's traceback through the follow-up
        assert isinstance(fused.value, hou.OperationFailed)
        assert f"in {raised_by}" in fused.value.remote_traceback


def test_a_follow_up_raises_after_the_call_before_it_has_run(bridge, sent, geo):
    hou = bridge.hou
    parent = hou.node(geo)
    name = f"made_{uuid.uuid4().hex[:6]}"
    sent.take()
    with pytest.raises(hou.OperationFailed, match="Invalid parameter name: nope"):
        parent.createNode("null", name).evalParm("nope")  # a SOP null has no parm "nope"
    assert sent.calls() == [CHAIN]
    assert parent.node(name) is not None, "the call before the failing follow-up has run"


# ---------------------------------------------------------------------------- fusing happens; never stale


def test_one_request_for_a_fused_call_and_one_per_call_unfused(bridge, sent, geo):
    hou = bridge.hou
    path = hou.node(geo).path()
    assert sent.take() == [CHAIN]
    assert path == geo

    node = hou.node(geo)
    path = node.path()
    assert sent.take() == [CALL, CALL]
    assert path == geo

    value = hou.node(geo).parm("tx").eval()
    assert sent.take() == [CHAIN]
    assert value == 0.0


@pytest.mark.parametrize("variable, tested, fused", [
    ("0", True, False),    # DCC_BRIDGE_FUSED_CALLS=0: off
    (None, False, False),  # unset, on a Python whose bytecode was not tested: off by itself
    ("1", False, True),    # asked for on such a Python: on
    (None, True, True),    # unset, on a tested Python: on
])
def test_the_switch_and_untested_pythons(thread_server, monkeypatch, variable, tested, fused):
    """``DCC_BRIDGE_FUSED_CALLS`` (read when a connection is made) and ``fusing.TESTED`` decide whether a
    connection fuses; unfused, the same line gives the same result with one request per call."""
    monkeypatch.setattr(fusing, "TESTED", tested)
    if variable is not None:
        monkeypatch.setenv("DCC_BRIDGE_FUSED_CALLS", variable)
    with bridge_core.connect(port=thread_server.port) as connected:
        hou = connected.hou
        node = hou.node("/obj").createNode("geo", f"switch_{uuid.uuid4().hex[:8]}")
        try:
            where = node.path()
            sent = SentRequests(connected.conn, monkeypatch)
            path = hou.node(where).path()
            value = hou.node(where).parm("tx").eval()
            assert (path, value) == (where, 0.0)
            assert connected.conn.fused_calls is fused
            assert sent.calls() == ([CHAIN, CHAIN] if fused else [CALL] * 5)
        finally:
            node.destroy()


def test_the_switch_takes_only_on_and_off():
    from bridge_core import config

    assert config.load({"DCC_BRIDGE_FUSED_CALLS": "off"}).fused_calls is False
    assert config.load({}).fused_calls is None
    with pytest.raises(bridge_core.ConfigError, match="DCC_BRIDGE_FUSED_CALLS"):
        config.load({"DCC_BRIDGE_FUSED_CALLS": "sometimes"})


def test_the_stable_module_of_a_link_fuses_too(bridge, any_server, geo, monkeypatch):
    """``hou`` in Maya's Script Editor is a link's stable module (it forwards each attribute read to the live
    connection): a method read through it counts as read by the user's line, which is fused."""
    from bridge_core.link import Link

    link = Link("houdini")
    link.connect(port=any_server.port)
    try:
        hou = link.module("hou")
        hou.node("/obj")  # the link fetches the module once
        requests = SentRequests(link.bridge.conn, monkeypatch)
        path = hou.node(geo).path()
        assert path == geo
        assert requests.calls() == [CHAIN]
    finally:
        link.disconnect()


def test_values_are_never_stale(bridge, sent, geo):
    hou = bridge.hou
    node = hou.node(geo)
    evaluated = []
    sent.take()
    for value in (1.5, -3.0):  # one fused call site, the parm set in between
        node.parm("tx").set(value)
        evaluated.append(hou.node(geo).parm("tx").eval())
    assert sent.calls() == [CALL, CALL, CHAIN] * 2
    assert evaluated == [1.5, -3.0]

    session_id = node.sessionId()
    new_names = [f"renamed_{uuid.uuid4().hex[:6]}" for _ in range(2)]
    names = []
    sent.take()
    for new_name in new_names:  # one fused call site, the node renamed in between
        node.setName(new_name)
        names.append(hou.nodeBySessionId(session_id).name())
    assert sent.calls() == [CALL, CHAIN] * 2
    assert names == new_names


# ---------------------------------------------------------------------------- not fused, and still correct


def test_keyword_arguments_are_not_fused(bridge, sent, geo):
    hou = bridge.hou
    parent = hou.node(geo)
    name = f"kw_{uuid.uuid4().hex[:6]}"
    sent.take()
    path = parent.createNode("null", node_name=name).path()
    assert sent.calls() == [CALL, CALL], "a call with keyword arguments is sent alone"
    assert path == f"{geo}/{name}"

    hou.node(geo).appendComment(comment="once")  # a follow-up with keyword arguments
    assert sent.calls() == [CALL, CALL]
    assert parent.comment() == "once"


def test_follow_ups_with_computed_arguments_are_not_fused(bridge, sent, geo):
    hou = bridge.hou
    node = hou.node(geo)
    node.parm("ty").set(4.0)
    name, text, value = "ty", "appended once", 7.25

    sent.take()
    parm = hou.node(geo).parm(name)
    assert sent.calls() == [CALL, CALL]
    assert parm.name() == "ty"

    sent.take()
    evaluated = hou.node(geo).parm(name).eval()
    assert sent.calls() == [CALL, CHAIN], "parm(name) sent alone, then fused with the .eval() after it"
    assert evaluated == 4.0

    sent.take()
    hou.node(geo).appendComment(text)
    assert sent.calls() == [CALL, CALL]
    assert node.comment() == text

    sent.take()
    hou.node(geo).parm("tz").set(value)  # fused up to the last constant-argument step
    assert sent.calls() == [CHAIN, CALL]
    assert node.parm("tz").eval() == value


def test_calls_made_by_c_code_are_not_fused(bridge, sent, geo):
    hou = bridge.hou
    missing = f"{geo}_missing"
    count = list(map(hou.node, [geo, missing, geo])).count(None)
    assert sent.calls() == [CALL, CALL, CALL]
    assert count == 1


# Every shape of call site: the user's code, its result, the server's trace, the method calls sent.

def _fused(maker):
    return maker.make("a").touch()


def _fused_chain(maker):
    return maker.make("a").touch().touch(2).label()


def _unfused_statements(maker):
    made = maker.make("a")
    return made.touch()


def _keyword_call(maker):
    return maker.make(name="a").touch()


def _keyword_follow_up(maker):
    return maker.make("a").touch(times=2)


def _computed_argument(maker, times=2):
    return maker.make("a").touch(times)


def _value_goes_on_locally(maker):
    return maker.make("a").label().upper()


def _raising_follow_up(maker):
    return maker.make("a").boom().touch()


def _by_c_code(maker):
    return list(map(maker.make, ["a", "b"])).count(None)


def _by_c_code_through_a_local_iterator(maker):
    made = map(maker.make, ["a", "b"])
    return list(made).count(None)


_BIG = bulk.THRESHOLD + 1
_namespace = {}
exec(f"def _big_constant(maker):\n    return maker.make('a').size({b'x' * _BIG!r})\n", _namespace)  # a literal
_big_constant = _namespace["_big_constant"]  # (b"x" * n in source would not be one: too big to fold)


SHAPES = [
    (_fused, "Thing a", ["make a", "a.touch(1)"], [CHAIN]),
    (_fused_chain, "a", ["make a", "a.touch(1)", "a.touch(2)", "a.label"], [CHAIN]),
    (_unfused_statements, "Thing a", ["make a", "a.touch(1)"], [CALL, CALL]),
    (_keyword_call, "Thing a", ["make a", "a.touch(1)"], [CALL, CALL]),
    (_keyword_follow_up, "Thing a", ["make a", "a.touch(2)"], [CALL, CALL]),
    (_computed_argument, "Thing a", ["make a", "a.touch(2)"], [CALL, CALL]),
    (_value_goes_on_locally, "A", ["make a", "a.label"], [CHAIN]),
    (_raising_follow_up, ValueError("a went boom"), ["make a", "a.boom"], [CHAIN]),
    (_big_constant, "Thing a", ["make a", f"a.size({_BIG})"], [CHAIN]),  # its constant goes as a bulk frame
    (_by_c_code, 0, ["make a", "make b"], [CALL, CALL]),
    (_by_c_code_through_a_local_iterator, 0, ["make a", "make b"], [CALL, CALL]),
]


@pytest.mark.parametrize("shape,result,trace,calls", SHAPES, ids=[shape[0].__name__[1:] for shape in SHAPES])
def test_every_follow_up_runs_exactly_once(bridge, sent, shape, result, trace, calls):
    maker = bridge.namespace["maker"]
    server_trace(bridge)
    sent.take()
    if isinstance(result, Exception):
        with pytest.raises(type(result), match=str(result)):
            shape(maker)
        got = result
    else:
        got = shape(maker)
    assert sent.calls() == calls
    assert server_trace(bridge) == trace
    if isinstance(got, (str, int, Exception)):
        assert got == result
    else:  # a Thing proxy: its name, read once the trace is known
        assert f"Thing {got.name}" == result


def test_a_call_made_by_c_code_through_a_same_named_attribute_is_not_fused(bridge):
    """Regression: a call site is fused only if the remote method was read right there. Here the remote
    ``make`` is called by ``list`` (C code) consuming a ``map``, and ``list`` was reached through a local
    attribute that happens to be named ``make`` too, with one argument; fusing it would run the *list's*
    follow-up ``.count(None)`` on the server on each ``Thing`` the map makes."""
    maker = bridge.namespace["maker"]
    server_trace(bridge)
    helpers = types.SimpleNamespace(make=list)  # a local helper that shares the remote method's name
    made = map(maker.make, ["a", "b"])
    count = helpers.make(made).count(None)
    assert count == 0
    assert server_trace(bridge) == ["make a", "make b"], "Thing.count ran on the server, never asked for"


def test_a_remote_call_between_a_call_and_its_follow_up_does_not_rerun_the_follow_up(bridge, geo):
    """Regression: a remote call made between a fused call and its follow-up by code the user's bytecode does
    not show -- a debugger or trace hook evaluating a watch expression at the return of
    ``RemoteMethod.__call__`` (as here), a ``__del__`` or weakref callback, a signal handler -- must not drop
    the pending follow-up result, or ``createNode`` would run twice."""
    hou = bridge.hou
    call_code = proxies.RemoteMethod.__call__.__code__
    watched = []

    def watch_on_return(frame, event, arg):  # what a debugger's watch window does when a call returns
        if event == "return" and not watched:
            watched.append(hou.node("/obj").path())
        return watch_on_return

    def tracer(frame, event, arg):
        return watch_on_return if frame.f_code is call_code else None

    def create_one_child():
        hou.node(geo).createNode("null")

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        create_one_child()
    finally:
        sys.settrace(previous)
    children = hou.node(geo).children()
    assert watched == ["/obj"]
    assert len(children) == 1, "the fused follow-up createNode ran twice"


def test_a_remote_method_called_with_no_python_code_on_the_stack(bridge, geo, monkeypatch):
    """Regression: a remote method called straight from C with no Python frame above
    ``RemoteMethod.__call__`` -- a thread started by ``_thread.start_new_thread`` here; a host's Qt or UI event
    loop calling a slot or callback -- is simply not fused (no ``ValueError: call stack is not deep enough``)."""
    hou = bridge.hou
    errors = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: errors.append(unraisable.exc_value))
    node = hou.node(geo)
    _thread.start_new_thread(node.appendComment, ("from C",))
    wait_until(lambda: errors or node.comment(), timeout=20, what="the call made from C to finish")
    assert not errors, f"the call failed: {errors[0]!r}"
    assert node.comment() == "from C"


# ---------------------------------------------------------------------------------------------------- threads


def test_threads_sharing_a_connection_get_their_own_results(bridge, sent, geo):
    hou = bridge.hou
    other = hou.node("/obj").createNode("geo", f"fused_other_{uuid.uuid4().hex[:6]}")
    try:
        hou.node(geo).parm("tx").set(1.0)
        other.parm("tx").set(2.0)
        expected = {geo: (geo.rsplit("/", 1)[1], 1.0), other.path(): (other.name(), 2.0)}
        rounds = 200
        start = threading.Barrier(len(expected), timeout=20)
        results = {path: [] for path in expected}
        failures = []

        def work(path):
            try:
                start.wait()
                for _ in range(rounds):
                    results[path].append((hou.node(path).name(), hou.node(path).parm("tx").eval()))
            except BaseException as exc:  # reported by the test's thread
                failures.append(exc)

        threads = [threading.Thread(target=work, args=(path,), daemon=True) for path in expected]
        sent.take()
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)  # threads switch between any two instructions, not only when they wait
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
        finally:
            sys.setswitchinterval(switch_interval)
        assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
        assert not failures, failures
        assert sent.calls() == [CHAIN] * (2 * rounds * len(expected)), "every call was fused"
        for path, (name, value) in expected.items():
            assert results[path] == [(name, value)] * rounds
    finally:
        other.destroy()


# ---------------------------------------------------------------------------- the analysis, per interpreter

ANALYSIS_SCRIPT = r'''
import importlib.util, json, sys

spec = importlib.util.spec_from_file_location("fusing_under_test", sys.argv[1])
fusing = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fusing)  # by path: the bridge_core package needs rpyc, fusing only the stdlib

calls = []  # per call of the stand-in method: {"steps": what follow_ups finds there, as RemoteMethod.__call__
            # asks; "reads": [name, the reading frame's f_lasti] of each attribute read on its results since}


class Result:
    """What the stand-in method returns. A public attribute read is recorded, and calling it gives a Result.
    Like rpyc's proxies it defines __getattr__ too (without it, Python 3.12 inlines __getattribute__ once the
    read is specialised, and f_lasti then points at the instruction's last cache entry)."""

    def __getattribute__(self, name):
        if name.startswith("_"):
            return object.__getattribute__(self, name)
        calls[-1]["reads"].append([name, sys._getframe(1).f_lasti])
        return lambda *args, **kwargs: Result()

    def __getattr__(self, name):
        raise AttributeError(name)


class Method:
    """Stands in for a RemoteMethod: analyses its caller's call site as RemoteMethod.__call__ does."""

    def __init__(self, name, origin):
        self.name, self.origin = name, origin

    def __call__(self, *args, **kwargs):
        _frame, site = fusing.caller_site(self.name, len(args), self.origin)
        calls.append({"steps": [[step, list(constants), list(where)] for step, constants, where in site.steps],
                      "reads": []})
        return Result()


class Obj:
    """Stands in for a module proxy: reading ``node`` records where it was read, as BridgeNetref does."""

    def __getattribute__(self, name):
        if name == "node":
            return Method(name, fusing.reader())
        return object.__getattribute__(self, name)


def plain(obj, p):
    return obj.node(p).path()

def chain(obj, p):
    return obj.node(p).parm("tx").eval()

def keywords(obj, p):
    return obj.node(p, k=1).path()

def keyword_follow_up(obj, p):
    return obj.node(p).path(k=1)

def computed_argument(obj, p, name="tx"):
    return obj.node(p).parm(name).eval()

def computed_later_argument(obj, p, name="tx"):
    return obj.node(p).parm("tx").eval(name)

def attribute_not_called(obj, p):
    return obj.node(p).path

def by_c_code(obj, p):
    return list(map(obj.node, [p, p])).count("a")

def in_a_loop(obj, p):  # the same site again and again, once the interpreter has specialised it
    for _ in range(4):
        obj.node(p).path()

def in_a_comprehension(obj, p):
    return [obj.node(q).path() for q in (p, p)]

def at_module_level(obj, p):  # code typed into a host's script editor
    exec(compile("result = obj.node(p).path()", "<script editor>", "exec"), {"obj": obj, "p": p})


found = {}
for case in (plain, chain, keywords, keyword_follow_up, computed_argument, computed_later_argument,
             attribute_not_called, by_c_code, in_a_loop, in_a_comprehension, at_module_level):
    del calls[:]
    case(Obj(), "/obj/geo1")
    found[case.__name__] = list(calls)
print(json.dumps({"version": "%d.%d" % sys.version_info[:2], "cases": found}))
'''

PATH = [("path", [])]
EXPECTED_STEPS = {  # case -> the steps expected at each call, as (name, constants); [] where nothing is fused
    "plain": [PATH],
    "chain": [[("parm", ["tx"]), ("eval", [])]],
    "keywords": [[]],
    "keyword_follow_up": [[]],
    "computed_argument": [[]],
    "computed_later_argument": [[("parm", ["tx"])]],
    "attribute_not_called": [[]],
    "by_c_code": [[], []],
    "in_a_loop": [PATH] * 4,
    "in_a_comprehension": [PATH] * 2,
    "at_module_level": [PATH],
}


def analyse_in(python):
    """Run ``ANALYSIS_SCRIPT`` in ``python`` (isolated: no site-packages, no PYTHONPATH) and return its report."""
    done = subprocess.run([python, "-I", "-c", ANALYSIS_SCRIPT, str(ROOT / "bridge_core" / "fusing.py")],
                          capture_output=True, text=True, timeout=60, cwd=str(ROOT))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("version", ["running"] + ["%d.%d" % v for v in fusing.TESTED_VERSIONS])
def test_follow_ups_found_in_each_pythons_bytecode(version):
    """Run on every tested Python this machine has (pyenv's or on PATH); fusing is off by itself on others."""
    python = sys.executable if version == "running" else interpreter(version)  # "running": never skipped
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    report = analyse_in(python)
    if version != "running":
        assert report["version"] == version
    for case, expected in EXPECTED_STEPS.items():
        where = f"{case} in Python {report['version']}"
        calls = report["cases"][case]
        steps = [[(name, constants) for name, constants, _offset in call["steps"]] for call in calls]
        assert steps == expected, where
        for call in calls:  # each step's offsets cover where its attribute read happens (what fusing.take matches)
            reads = call["reads"][:len(call["steps"])]
            assert [name for name, _lasti in reads] == [name for name, _c, _w in call["steps"]], where
            for (_name, lasti), (_step, _constants, (start, end)) in zip(reads, call["steps"]):
                assert start <= lasti < end, f"{where}: steps at the wrong offsets"
