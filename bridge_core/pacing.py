"""Pacing a stream of changes across the bridge: at most N updates a second, always ending on the last value.

A host's callbacks (a time slider being scrubbed fires dozens a second) run on its main thread and must never
wait for the network. They ``offer`` each new value to a ``Coalescer``, which returns at once; a thread of its
own hands the newest value to ``send`` (one bridge call), at most ``rate`` times a second: the first change
after a quiet spell goes at once, later ones wait for their slot and are replaced by newer ones meanwhile, so
the receiver ends where the sender ended. ``Watch`` tells a receiver that the sender's connection went away.
Neither raises into the host: each stops once and calls ``on_stop(reason)`` from its own thread (``None``: the
user stopped it; else the exception or ``ConnectionLostError``).

    pacer = Coalescer(send=remote.apply, alive=lambda: not bridge.closed, on_stop=post_status_line)
    pacer.offer(state)           # from the host's callback; returns at once
    pacer.stop()                 # never waits for a call in flight
"""
import logging
import threading
import time

from .errors import ConnectionLostError

__all__ = ["Coalescer", "Watch", "RATE", "ALIVE_PERIOD"]

log = logging.getLogger("dcc_bridge.pacing")

RATE = 30.0          # updates a second, at most
ALIVE_PERIOD = 0.25  # how often an idle pacer or a watch checks that the other side is still there (seconds)
_EMPTY = object()


def _gone():
    return ConnectionLostError("the other side of the live link went away")


class _Stopper:
    """Run ``on_stop(reason)`` exactly once, never letting its error escape."""

    def __init__(self, on_stop):
        self._on_stop = on_stop
        self._lock = threading.Lock()
        self.done = False
        self.reason = None

    def __call__(self, reason):
        with self._lock:
            if self.done:
                return False
            self.done, self.reason = True, reason
        if self._on_stop is not None:
            try:
                self._on_stop(reason)
            except Exception:
                log.exception("the live link's stop handler failed")
        return True


class Coalescer:
    """Hands the latest offered value to ``send`` at most ``rate`` times a second, on a thread of its own.

    ``offer(value)`` never blocks: a value not yet sent is replaced by a newer one. The first change after a
    quiet spell goes out at once; later ones wait for their slot, so 100 changes in a second make at most
    ``rate + 1`` calls of ``send``, the last with the last value. ``send`` raising ``TimeoutError`` (the
    follower is busy) keeps the link: the value is sent again unless a newer one came. Any other error, or
    ``alive()`` turning false, stops it and calls ``on_stop(reason)`` once; ``stop()`` (the user) calls
    ``on_stop(None)``. ``sent`` counts the calls of ``send``, ``offered`` the values offered.
    """

    def __init__(self, send, rate=RATE, alive=None, on_stop=None, name="dcc-bridge-live-link",
                 clock=time.monotonic):
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate!r}")
        self._send, self._interval, self._alive, self._clock = send, 1.0 / rate, alive, clock
        self._stopper = _Stopper(on_stop)
        self._cond = threading.Condition()
        self._pending = _EMPTY
        self._stopping = False
        self._next_at = float("-inf")
        self._taken, self._in_flight = None, False
        self.sent = self.offered = 0
        self.last_sent = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def running(self):
        return not self._stopper.done

    @property
    def stop_reason(self):
        return self._stopper.reason

    def offer(self, value):
        """The newest state; returns at once (False once the link has stopped)."""
        with self._cond:
            if self._stopping or self._stopper.done:
                return False
            self._pending = value
            self.offered += 1
            self._cond.notify()
        return True

    def stop(self):
        """Stop (the user's choice): nothing more is sent; a call in flight finishes on the worker thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        return self._stopper(None)  # never waits for the worker: this is usually the host's main thread

    def idle(self, timeout=None):
        """Wait until nothing is pending or in flight (for tests and the bench); True if so."""
        deadline = None if timeout is None else self._clock() + timeout
        with self._cond:
            while self._pending is not _EMPTY or self._in_flight:
                remaining = None if deadline is None else deadline - self._clock()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def join(self, timeout=None):
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # ------------------------------------------------------------------------------------ the worker

    def _next_value(self):
        """Wait for a value and its slot (put in ``self._taken``); False when stopping."""
        with self._cond:
            while True:
                if self._stopping or self._stopper.done:
                    return False
                if self._pending is _EMPTY:
                    if not self._cond.wait(ALIVE_PERIOD if self._alive is not None else None):
                        if self._alive is not None and not self._peer_alive():
                            raise _gone()
                    continue
                wait = self._next_at - self._clock()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                self._taken, self._pending = self._pending, _EMPTY
                self._in_flight = True
                return True

    def _peer_alive(self):
        try:
            return bool(self._alive())
        except Exception:
            return False

    def _run(self):
        reason = None
        try:
            while self._next_value():
                value, self._taken = self._taken, None
                started = self._clock()
                try:
                    self._send(value)
                    self.sent += 1
                    self.last_sent = value
                except TimeoutError:
                    log.warning("the live link's follower did not answer in time; sending the latest state again")
                    with self._cond:
                        if self._pending is _EMPTY:
                            self._pending = value
                finally:
                    with self._cond:
                        self._in_flight = False
                        self._next_at = started + self._interval
                        self._cond.notify_all()
        except Exception as exc:  # the connection went, the follower refused: the link ends here
            reason = exc
            log.info("live link stopped: %s", exc)
        finally:
            with self._cond:
                self._in_flight = False
                self._pending = _EMPTY
                self._cond.notify_all()
        self._stopper(reason)


class Watch:
    """A receiver's watch on its sender: calls ``on_stop(ConnectionLostError)`` once ``alive()`` turns false (checked
    every ``period`` seconds on a thread of its own), or ``on_stop(None)`` after ``stop()``."""

    def __init__(self, alive, on_stop=None, period=ALIVE_PERIOD, name="dcc-bridge-live-link-watch"):
        self._alive, self._period = alive, period
        self._stopper = _Stopper(on_stop)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def running(self):
        return not self._stopper.done

    def stop(self):
        self._stopped.set()
        return self._stopper(None)

    def _run(self):
        while not self._stopped.wait(self._period):
            try:
                alive = bool(self._alive())
            except Exception:
                alive = False
            if not alive:
                self._stopper(_gone())
                return
