"""Fused calls: a remote call and the methods its result is asked for next, in one round trip.

With plain proxies ``hou.node(p).path()`` is two requests: call ``hou.node``, then call ``path`` on the node
it returned; ``hou.node(p).parm("tx").eval()`` is three. The later requests are known before the first is
sent: they are the caller's next instructions. ``follow_ups`` reads them from the caller's bytecode. When the
call site is exactly ``<proxy>.<method>(<plain arguments>)`` -- the method read from the proxy right there
(``reader`` notes where each method is read; forwarders such as a link's stable module are declared
``transparent``) -- followed directly by ``.<name>(<constants>)`` (up to ``MAX_STEPS`` times), the client
sends the whole chain as one request. The server runs the call, then
each follow-up on the previous result, *while that result is a server object the client receives as a
proxy* (a string, number, tuple or None comes back as a value, and the client's code goes on with it
locally). The client keeps each follow-up's result or exception for the calling thread and hands it out when
that very instruction asks for it: same thread, same frame, same bytecode offset, same proxy, same name. A
remote call in between (a debugger's watch, a ``__del__``) neither takes nor drops it.

What user code means does not change:

* the server does for each follow-up what the next instructions would have asked it to do: read the
  attribute, call it with the same constant arguments;
* no code of the user's runs in between: the follow-up is the next instruction and its arguments are
  constants, so nothing the user does could have changed its outcome;
* an exception is raised where the user's code would have raised it, at the follow-up, with the same remote
  traceback; a value that comes back by value stops the chain;
* a call site that is not recognised exactly (another Python's bytecode, keyword arguments, computed
  arguments, a call made by C code such as ``map``, a method called with no Python frame above it, a
  follow-up that is also a jump target) is simply not fused.

Two differences remain, both at the edges: nothing from other clients can run on the server between the call
and its follow-ups (with plain proxies it could); and if the calling thread is interrupted (Ctrl+C) between
the two instructions, the follow-up has run although the user's code never reached it.

``DCC_BRIDGE_FUSED_CALLS=0`` turns fused calls off (each connection reads it when it is made: its proxies
then make plain calls). On a Python not in ``TESTED_VERSIONS`` (3.14's opcodes are written for but have never
run here) they are off unless that variable is ``1``.

On the wire (``wire``): the request ``HANDLE_CALLATTR_CHAIN``, ``(proxy, name, args, kwargs, ((name,
constants), ...))``; its reply, boxed ``LABEL_FUSED``, ``(boxed result, ((failed, boxed value or exception),
...))``. This module imports only the standard library (the tests load it alone in each Python).

    origin = reader()                                  # in the proxy's __getattribute__, for "node"
    frame, site = caller_site("node", 1, origin)        # in RemoteMethod.__call__
    site.wire.value                                     # (("path", ()),)
"""
import bisect
import dis
import sys
import threading

__all__ = ["TESTED_VERSIONS", "TESTED", "enabled", "MAX_STEPS", "Constants", "Fused", "Site", "follow_ups",
           "transparent", "reader", "caller_site", "deliver", "take", "pending"]

MAX_STEPS = 8
# the Pythons whose bytecode tests/test_fusing.py checks; on any other, fused calls are off unless asked for
TESTED_VERSIONS = ((3, 9), (3, 10), (3, 11), (3, 12), (3, 13))
TESTED = sys.version_info[:2] in TESTED_VERSIONS

_CALLS = frozenset({"CALL", "CALL_METHOD", "CALL_FUNCTION"})
_ATTRIBUTE_LOADS = frozenset({"LOAD_METHOD", "LOAD_ATTR"})
_PLAIN_LOADS = {"LOAD_FAST": 1, "LOAD_CONST": 1, "LOAD_DEREF": 1, "LOAD_NAME": 1, "LOAD_GLOBAL": 1,
                "LOAD_FAST_CHECK": 1, "LOAD_FAST_BORROW": 1, "LOAD_SMALL_INT": 1, "LOAD_FAST_LOAD_FAST": 2,
                "LOAD_FAST_BORROW_LOAD_FAST_BORROW": 2}
_CONSTANT_LOADS = frozenset({"LOAD_CONST", "LOAD_SMALL_INT"})
_CONSTANT_TYPES = frozenset({str, int, float, bool, bytes, type(None)})
_IGNORED = frozenset({"CACHE", "PRECALL", "NOP"})  # PRECALL (3.11) always precedes its CALL with the same count
_CACHE_LIMIT = 4096
_getframe = getattr(sys, "_getframe", None)


def enabled(choice=None):
    """Whether a connection fuses calls: ``choice`` (``DCC_BRIDGE_FUSED_CALLS``: True/False), or, when
    unset (None), whether this Python's bytecode was tested."""
    return TESTED if choice is None else bool(choice)


class Constants:
    """A site's follow-ups as sent (``value``: ``((name, constants), ...)``); the connection boxes it once and
    keeps the box in ``boxed``, since it never changes."""

    __slots__ = ("value", "boxed")

    def __init__(self, value):
        self.value, self.boxed = value, None


class Site:
    """What the analysis found at one call site: where the method was read (``read``: a ``(start, end)``
    offset range) and the follow-ups (``steps``: ``(name, constants, (start, end))`` each; ``wire``, the
    ``Constants`` sent)."""

    __slots__ = ("read", "steps", "wire")

    def __init__(self, read=None, steps=()):
        self.read, self.steps = read, tuple(steps)
        self.wire = Constants(tuple((name, args) for name, args, _where in self.steps))


class Fused:
    """A fused reply, unboxed: the call's result and, per follow-up run, ``(failed, value or exception)``."""

    __slots__ = ("result", "steps")

    def __init__(self, result, steps):
        self.result, self.steps = result, steps


class _Ready:
    """What the follow-up's attribute read returns: calling it gives the value (or raises) the server got."""

    __slots__ = ("failed", "value")

    def __init__(self, failed, value):
        self.failed, self.value = failed, value

    def __call__(self, *args, **kwargs):
        if self.failed:
            raise self.value
        return self.value


_NONE = Site()
_instructions = {}   # id(code) -> (code, instructions without caches, their offsets)
_sites = {}          # (id(code), lasti, name, argc) -> (code, Site)
pending = {}         # thread ident -> [(proxy, name, frame id, (start, end), failed, value), ...]
_PENDING_LIMIT = 32  # unclaimed results kept per thread (a claim can only be missed by an interrupt)
_transparent = {}    # id(code) -> code of our own forwarding functions (a stable module's __getattr__)


def _disassemble(code):
    found = _instructions.get(id(code))
    if found is None or found[0] is not code:
        if len(_instructions) > _CACHE_LIMIT:
            _instructions.clear()
        listing = [i for i in dis.get_instructions(code) if i.opname not in _IGNORED]
        found = _instructions[id(code)] = (code, listing, [ins.offset for ins in listing])
    return found[1:]


def _span(listing, offsets, position):
    """The offsets an instruction covers, its inline caches included (``f_lasti`` may point at one)."""
    following = offsets[position + 1] if position + 1 < len(offsets) else offsets[position] + 2
    return offsets[position], following


def _plain_constant(value):
    kind = type(value)
    if kind is tuple:
        return all(_plain_constant(item) for item in value)
    return kind in _CONSTANT_TYPES


def _pushes(ins):
    """How many values a plain load pushes (0: not a plain load)."""
    count = _PLAIN_LOADS.get(ins.opname, 0)
    if ins.opname == "LOAD_GLOBAL" and ins.argrepr.startswith("NULL"):
        return 0  # pushes a NULL as well: it loads a callable, not an argument
    return count


def _called_directly(listing, index, name, argc):
    """The position of the ``<something>.<name>`` read that the call at ``index`` calls with ``argc`` plainly
    loaded arguments; None when the call is anything else."""
    call = listing[index]
    if call.opname not in _CALLS or call.arg != argc:
        return None
    position, loaded = index - 1, 0
    while loaded < argc and position >= 0:
        pushed = _pushes(listing[position])
        if not pushed:
            return None
        loaded += pushed
        position -= 1
    if loaded == argc and position >= 0 and listing[position].opname in _ATTRIBUTE_LOADS \
            and listing[position].argval == name:
        return position
    return None


def _analyse(code, lasti, name, argc):
    listing, offsets = _disassemble(code)
    index = bisect.bisect_right(offsets, lasti) - 1
    if index < 0 or offsets[index] != lasti:
        return _NONE
    read = _called_directly(listing, index, name, argc)
    if read is None:
        return _NONE
    steps, position = [], index + 1
    while len(steps) < MAX_STEPS and position < len(listing):
        load = listing[position]
        if load.opname not in _ATTRIBUTE_LOADS or not isinstance(load.argval, str) or load.argval.startswith("__") \
                or load.is_jump_target:  # reachable without our call: another value may be read there
            break
        where, args, position = _span(listing, offsets, position), [], position + 1
        while position < len(listing) and listing[position].opname in _CONSTANT_LOADS:
            args.append(listing[position].argval)
            position += 1
        if position >= len(listing) or listing[position].opname not in _CALLS \
                or listing[position].arg != len(args) or not _plain_constant(tuple(args)):
            break
        steps.append((load.argval, tuple(args), where))
        position += 1
    return Site(_span(listing, offsets, read), steps)


def follow_ups(code, lasti, name, argc):
    """What can be fused at the call of ``<proxy>.<name>`` (``argc`` positional arguments) at offset
    ``lasti`` of ``code``: a ``Site`` whose ``steps`` are empty when nothing can."""
    key = (id(code), lasti, name, argc)  # id: hashing a code object hashes all its constants, every time
    site = _sites.get(key)
    if site is not None and site[0] is code:
        return site[1]
    if len(_sites) > _CACHE_LIMIT:
        _sites.clear()
    try:
        found = _analyse(code, lasti, name, argc)
    except Exception:  # a bytecode shape this Python's dis describes differently: do not fuse
        found = _NONE
    _sites[key] = (code, found)
    return found


def transparent(function):
    """Declare ``function`` a forwarder: a method read through it counts as read by its caller."""
    _transparent[id(function.__code__)] = function.__code__
    return function


def reader(depth=2):
    """``(frame id, f_lasti)`` of the user's frame reading a method now (our forwarding frames skipped), for
    ``caller_site`` to check that the method is called right where it was read; None without a frame."""
    try:
        frame = _getframe(depth)
        while id(frame.f_code) in _transparent:  # by id: hashing a code object walks all its constants
            frame = frame.f_back
        return id(frame), frame.f_lasti
    except (ValueError, AttributeError, TypeError):  # no Python frame up there (called from C)
        return None


def caller_site(name, argc, origin, depth=2):
    """``(frame, site)`` for a call of ``<proxy>.<name>`` read at ``origin`` (see ``reader``), made by the frame
    ``depth`` levels up; ``(None, empty site)`` unless that frame calls it right where it read it."""
    try:
        frame = _getframe(depth)
    except (ValueError, TypeError):  # called from C with no Python frame
        return None, _NONE
    if origin is None or origin[0] != id(frame):
        return None, _NONE
    site = follow_ups(frame.f_code, frame.f_lasti, name, argc)
    if not site.steps or not site.read[0] <= origin[1] < site.read[1]:
        return None, _NONE
    return frame, site


def deliver(reply, frame, site):
    """The call's result; the follow-ups' results wait for the instructions that ask for them."""
    if type(reply) is not Fused:
        return reply
    frame_id, ident = id(frame), threading.get_ident()
    # this frame's old entries are dropped (a claim can only have been missed by an interrupt)
    entries = [entry for entry in pending.get(ident, ()) if entry[2] != frame_id][-_PENDING_LIMIT:]
    proxy = reply.result
    for (name, _args, where), (failed, value) in zip(site.steps, reply.steps):
        entries.append((proxy, name, frame_id, where, failed, value))
        proxy = value
    if entries:
        pending[ident] = entries
    else:  # no follow-up ran (the result came by value): proxies' attribute reads stay on their fast path
        pending.pop(ident, None)
    return reply.result


def take(proxy, name, frame):
    """The follow-up waiting for ``frame`` to read ``name`` of ``proxy`` here and now, as a callable; else None."""
    ident = threading.get_ident()
    entries = pending.get(ident)
    if not entries:
        return None
    frame_id, lasti = id(frame), frame.f_lasti
    for position in range(len(entries) - 1, -1, -1):
        owner, wanted, owner_frame, (start, end), failed, value = entries[position]
        if owner is proxy and wanted == name and owner_frame == frame_id and start <= lasti < end:
            del entries[position]
            if not entries:
                pending.pop(ident, None)
            return _Ready(failed, value)
    return None
