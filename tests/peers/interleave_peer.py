"""A test peer for the interleaving test: a process whose main thread runs a host loop and serves the bridge
with a ``MainThreadExecutor``, with functions that wait a little, call back, and call the other side.

It is ``mainloop_peer`` (its commands: ``connect PORT`` to the test's own server, kept as ``mainloop_peer.other``,
``quit``) with the functions below, which the test reaches as ``bridge.modules["__main__"]``.
"""
import gc
import random
import threading
import weakref

import mainloop_peer as peer
_things = weakref.WeakSet()
_storm = {"threads": [], "done": [], "wrong": [], "errors": []}


def _pause(seconds):
    threading.Event().wait(seconds)  # a host's work taking a moment: the jitter the test is about


class Thing:
    """A server object the test holds proxies of, and drops."""

    def __init__(self, token):
        self.token = token

    def get(self):
        return self.token


def echo(token, delay):
    _pause(delay)
    if not peer.on_main():
        raise AssertionError(f"echo({token}) ran off the main thread")
    return token


def bounce(token, callback, depth, delay):
    """On the main thread: maybe call the test's own server (the other connection), then call ``callback`` back
    (which calls bounce again, one level less deep) until ``depth`` is 0; returns ``token`` from the bottom."""
    _pause(delay)
    if not peer.on_main():
        raise AssertionError(f"bounce({token}) ran off the main thread")
    if peer.other is not None and token % 3 == 0:
        if peer.other.modules["bridge_core.executors"].is_main_thread() is not True:
            raise AssertionError("the test's server ran a request off its main thread")
    if depth == 0:
        return token
    return callback(token, depth - 1)


def make(token, count):
    things = tuple(Thing(token) for _ in range(count))
    _things.update(things)
    return things


def alive():
    """How many ``Thing``s are still referenced (by the test's proxies, through the bridge)."""
    gc.collect()
    return len(_things)


def _storm_thread(seed, calls):
    rng = random.Random(seed)
    for number in range(calls):
        token = seed * 1000 + number
        try:
            if rng.random() < 0.5:
                got = peer.other.eval(repr(token))  # runs on the test's main thread
            else:
                got = token if peer.other.modules["bridge_core.executors"].is_main_thread() else -1
            (_storm["done"] if got == token else _storm["wrong"]).append((token, got))
        except Exception as exc:
            _storm["errors"].append(f"{token}: {type(exc).__name__}: {exc}")
        _pause(rng.uniform(0, 0.003))


def storm(seed, threads, calls):
    """Start ``threads`` threads here that each make ``calls`` calls to the test's server, at random."""
    for number in range(threads):
        thread = threading.Thread(target=_storm_thread, args=(seed + number, calls), daemon=True)
        _storm["threads"].append(thread)
        thread.start()


def storm_result(timeout):
    """``(calls answered with their own token, wrong answers, errors, threads still running)``."""
    for thread in _storm["threads"]:
        thread.join(timeout)
    running = sum(thread.is_alive() for thread in _storm["threads"])
    return len(_storm["done"]), tuple(_storm["wrong"]), tuple(_storm["errors"]), running


if __name__ == "__main__":
    peer.main("interleave")
