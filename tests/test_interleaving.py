"""Randomized interleaving (fixed seed): many threads on both sides, nested callbacks both ways, main-thread
executors on both sides, small random delays, and dropped proxies; every reply must reach its own caller.

Two processes, each a host whose main thread runs a loop and serves the bridge with a ``MainThreadExecutor``
(docs/threading.md): this test's process ("T", a fresh ``MainLoop`` on pytest's main thread) and a child
(``peers/interleave_peer.py``, "P"). T connects to P, and P connects back to T's own server, so there are
two connections, each with callbacks in both directions. Then, all at once:

* ``WORKERS`` threads of T each make ``OPERATIONS`` randomly chosen calls to P: a plain call; a call that
  bounces back and forth (P calls T's callback, which runs on T's main thread and calls P again, 0-3 levels
  deep; on the way P sometimes calls T's server over the other connection); objects made and dropped (their
  release batched); and the same calls made from T's main thread (handed over through T's executor, so the
  main thread waits on replies while callbacks and other work for it arrive);
* ``P_THREADS`` threads of P call T's server, which runs each call on T's main thread.

Each call carries a unique token and must get that token back; callbacks must run on their main thread; every
object dropped must be released on P; nothing may time out. The random choices come from ``SEED``, so a
failure replays the same schedule of operations (thread timing still varies from run to run).
"""
import random
import threading

import pytest

import bridge_core
from bridge_core.executors import MainThreadExecutor
from hostloop import MainLoop
from support import Peer, wait_until

pytestmark = pytest.mark.timeout(120, method="thread")  # a deadlock: every thread's stack, then exit

SEED = 16
WORKERS = 8
OPERATIONS = 40
P_THREADS = 4
P_CALLS = 40
MAX_DELAY = 0.004  # seconds: each operation's random pause, on either side


class Run:
    """What the workers found: tokens answered correctly, anything else, and where callbacks ran."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answered, self.wrong, self.errors, self.off_main = [], [], [], []

    def check(self, token, got):
        with self.lock:
            (self.answered if got == token else self.wrong).append((token, got))

    def failed(self, token, exc):
        with self.lock:
            self.errors.append(f"{token}: {type(exc).__name__}: {exc}")


def _while_serving(loop, fn):
    """Run ``fn`` on another thread while this (main) thread serves ``loop`` (this process's main-thread work);
    returns what ``fn`` returned, or raises what it raised."""
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the main thread
            box["error"] = exc
        finally:
            loop.stop()

    threading.Thread(target=run, daemon=True).start()
    loop.run()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _operations(worker):
    """The worker's schedule: (token, kind, depth, delay), from the fixed seed."""
    rng = random.Random(SEED * 100 + worker)
    kinds = ("plain", "bounce", "objects", "main plain", "main bounce")
    return [(worker * 1000 + number, rng.choice(kinds), rng.randint(0, 3), rng.uniform(0, MAX_DELAY))
            for number in range(OPERATIONS)]


def test_every_reply_reaches_its_caller_under_random_interleaving(runtime_dir):
    loop = MainLoop()  # this process's host loop, on pytest's main thread
    executor = MainThreadExecutor(loop.post, name="test main thread")
    own_server = bridge_core.start_server(port=0, executor=executor, app="interleave-test")
    peer = Peer(runtime_dir, script="interleave_peer.py")
    run = Run()
    try:
        bridge = bridge_core.connect(port=peer.port, executor=executor, timeout=20)
        remote = bridge.modules["__main__"]
        assert _while_serving(loop, lambda: peer.send(f"connect {own_server.port}")) == "connected"

        def callback(token, depth):  # P calls it; it runs on this process's main thread and calls P again
            if threading.current_thread() is not threading.main_thread():
                run.off_main.append(token)
            return remote.bounce(token, callback, depth, (token % 5) / 1000)

        def operate(token, kind, depth, delay):
            if kind.endswith("plain"):
                return remote.echo(token, delay)
            if kind.endswith("bounce"):
                return remote.bounce(token, callback, depth, delay)
            things = remote.make(token, depth + 1)
            got = things[-1].get()
            del things  # dropped: P must be told (in a batch) and release them
            return got

        def worker(number):
            for token, kind, depth, delay in _operations(number):
                try:
                    if kind.startswith("main"):  # handed to the main thread, which waits on the reply there
                        got = executor(lambda: operate(token, kind, depth, delay))
                    else:
                        got = operate(token, kind, depth, delay)
                    run.check(token, got)
                except Exception as exc:
                    run.failed(token, exc)

        def all_workers():
            threads = [threading.Thread(target=worker, args=(number,), name=f"interleave-{number}", daemon=True)
                       for number in range(WORKERS)]
            remote.storm(SEED, P_THREADS, P_CALLS)
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            return remote.storm_result(60)  # P's threads may still need this main thread for their last calls

        done, wrong, errors, running = _while_serving(loop, all_workers)

        assert not run.errors, run.errors
        assert not run.wrong, f"replies that reached the wrong caller: {run.wrong}"
        assert len(run.answered) == WORKERS * OPERATIONS
        assert not run.off_main, f"callbacks that ran off the main thread: {run.off_main}"
        assert (wrong, errors, running) == ((), (), 0)
        assert done == P_THREADS * P_CALLS
        wait_until(lambda: remote.alive() == 0, 20, "P to release every object the test dropped")
        bridge.close()
    finally:
        assert _while_serving(loop, peer.close) == 0
        own_server.stop()
