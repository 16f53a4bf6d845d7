"""Fused calls: a remote call and the methods its result is asked for next, in one round trip.

With plain proxies ``hou.node(p).path()`` is two requests: call ``hou.node``, then call ``path`` on the node
it returned; ``hou.node(p).parm("tx").eval()`` is three. The later requests are known before the first is
sent: they are the caller's next instructions. ``follow_ups`` reads them from the caller's bytecode. When the
call site is exactly ``<proxy>.<method>(<plain arguments>)`` followed directly by ``.<name>(<constants>)``
(up to ``MAX_STEPS`` times), the client sends the whole chain as one request. The server runs the call, then
each follow-up on the previous result, *while that result is a server object the client receives as a
proxy* (a string, number, tuple or None comes back as a value, and the client's code goes on with it
locally). The client keeps each follow-up's result or exception for the calling thread and hands it out when
that very instruction asks for it: same thread, same frame, same bytecode offset, same proxy, same name.

What user code means does not change:

* the server does for each follow-up what the next instructions would have asked it to do: read the
  attribute, call it with the same constant arguments;
* no code of the user's runs in between: the follow-up is the next instruction and its arguments are
  constants, so nothing the user does could have changed its outcome;
* an exception is raised where the user's code would have raised it, at the follow-up, with the same remote
  traceback; a value that comes back by value stops the chain;
* a call site that is not recognised exactly (another Python's bytecode, keyword arguments, computed
  arguments, a call made by C code such as ``map``) is simply not fused.

Two differences remain, both at the edges: nothing from other clients can run on the server between the call
and its follow-ups (with plain proxies it could); and if the calling thread is interrupted (Ctrl+C) between
the two instructions, the follow-up has run although the user's code never reached it.

| wire                                  | value                                                          |
|---------------------------------------|----------------------------------------------------------------|
| request ``HANDLE_CALLATTR_CHAIN`` (65) | ``(proxy, name, args, kwargs, ((name, constants), ...))``      |
| reply box ``LABEL_FUSED`` (20)        | ``(boxed result, ((failed, boxed value or exception), ...))``  |

    steps = follow_ups(frame.f_code, frame.f_lasti, "node", 1)   # in RemoteMethod.__call__
    steps.wire                                                  # (("path", ()),)
"""
import dis
import sys
import threading

__all__ = ["HANDLE_CALLATTR_CHAIN", "LABEL_FUSED", "MAX_STEPS", "Fused", "Steps", "follow_ups", "deliver",
           "take", "forget", "pending"]

HANDLE_CALLATTR_CHAIN = 65
LABEL_FUSED = 20
MAX_STEPS = 8

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


class Steps(tuple):
    """The follow-ups of one call site: ``(name, constants, offset)`` each; ``wire`` is what is sent."""

    wire = ()


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


_NONE = Steps()
_instructions = {}   # id(code) -> (code, instructions without caches, index by offset)
_sites = {}          # (id(code), lasti, name, argc) -> (code, Steps)
pending = {}         # thread ident -> [(proxy, name, frame id, offset, failed, value), ...]


def _disassemble(code):
    found = _instructions.get(id(code))
    if found is None or found[0] is not code:
        if len(_instructions) > _CACHE_LIMIT:
            _instructions.clear()
        listing = [i for i in dis.get_instructions(code) if i.opname not in _IGNORED]
        found = _instructions[id(code)] = (code, listing, {ins.offset: index for index, ins in enumerate(listing)})
    return found[1:]


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
    """True when the call at ``index`` calls ``<something>.<name>`` with ``argc`` plainly loaded arguments."""
    call = listing[index]
    if call.opname not in _CALLS or call.arg != argc:
        return False
    position, loaded = index - 1, 0
    while loaded < argc and position >= 0:
        pushed = _pushes(listing[position])
        if not pushed:
            return False
        loaded += pushed
        position -= 1
    return loaded == argc and position >= 0 and listing[position].opname in _ATTRIBUTE_LOADS \
        and listing[position].argval == name


def _analyse(code, lasti, name, argc):
    listing, by_offset = _disassemble(code)
    index = by_offset.get(lasti)
    if index is None or not _called_directly(listing, index, name, argc):
        return _NONE
    steps, position = [], index + 1
    while len(steps) < MAX_STEPS and position < len(listing):
        load = listing[position]
        if load.opname not in _ATTRIBUTE_LOADS or not isinstance(load.argval, str) or load.argval.startswith("__"):
            break
        args, position = [], position + 1
        while position < len(listing) and listing[position].opname in _CONSTANT_LOADS:
            args.append(listing[position].argval)
            position += 1
        if position >= len(listing) or listing[position].opname not in _CALLS \
                or listing[position].arg != len(args) or not _plain_constant(tuple(args)):
            break
        steps.append((load.argval, tuple(args), load.offset))
        position += 1
    found = Steps(steps)
    found.wire = tuple((name, args) for name, args, _offset in steps)
    return found


def follow_ups(code, lasti, name, argc):
    """The follow-up calls written right after the call of ``<proxy>.<name>`` (``argc`` positional arguments)
    at offset ``lasti`` of ``code``; empty when the site is not one that can be fused."""
    key = (id(code), lasti, name, argc)  # id: hashing a code object hashes all its constants, every time
    site = _sites.get(key)
    if site is not None and site[0] is code:
        return site[1]
    if len(_sites) > _CACHE_LIMIT:
        _sites.clear()
    try:
        steps = _analyse(code, lasti, name, argc)
    except Exception:  # a bytecode shape this Python's dis describes differently: do not fuse
        steps = _NONE
    _sites[key] = (code, steps)
    return steps


def caller_steps(name, argc, depth=2):
    """``(frame, steps)`` for a call of ``<proxy>.<name>`` made by the frame ``depth`` levels up."""
    if _getframe is None:
        return None, _NONE
    frame = _getframe(depth)
    return frame, follow_ups(frame.f_code, frame.f_lasti, name, argc)


def deliver(reply, frame, steps):
    """The call's result; the follow-ups' results wait for the instructions that ask for them."""
    if type(reply) is not Fused:
        return reply
    proxy, entries = reply.result, []
    for (name, _args, offset), (failed, value) in zip(steps, reply.steps):
        entries.append((proxy, name, id(frame), offset, failed, value))
        proxy = value
    if entries:
        pending[threading.get_ident()] = entries
    return reply.result


def take(proxy, name, frame):
    """The follow-up waiting for ``frame`` to read ``name`` of ``proxy`` here and now, as a callable; else None."""
    ident = threading.get_ident()
    entries = pending.get(ident)
    if not entries:
        return None
    owner, wanted, frame_id, offset, failed, value = entries[0]
    if owner is not proxy or wanted != name or frame_id != id(frame) or frame.f_lasti != offset:
        return None
    del entries[0]
    if not entries:
        pending.pop(ident, None)
    return _Ready(failed, value)


def forget():
    """Drop this thread's unclaimed follow-up results (a new remote call starts)."""
    pending.pop(threading.get_ident(), None)
