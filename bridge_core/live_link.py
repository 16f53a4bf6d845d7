"""The live link's host-free half: pacing updates, watching the peer, and the state that crosses.

One application leads (its time slider and active camera), the other follows. The leading host's callbacks
(Maya's ``timeChanged`` script job, Houdini's playbar events, camera changes) run on its main thread, read
the state there and ``offer`` it to a ``Coalescer``, which never blocks them: a thread of its own hands the
latest value to ``send`` (one bridge call that applies it on the follower's main thread) at most ``rate``
times a second, and always ends on the last value offered, so scrubbing stays smooth on both sides and the
follower stops where the leader stopped. A ``Watch`` tells a follower that the leader went away. Neither ever
raises into the host: they stop, once, and call ``on_stop(reason)`` from their own thread (the host glue
posts the status line to its main thread).

    pacer = Coalescer(send=lambda state: follower.apply(state), alive=lambda: not bridge.closed,
                      on_stop=lambda reason: post(show, describe_stop(reason, "Houdini")))
    pacer.offer(make_state(12.0, camera))      # from the time-changed callback; returns at once
    pacer.stop()                               # the toggle turned off

The state is a plain tuple (it crosses the bridge by value): ``(frame, camera)``, ``camera`` being ``None``
or ``(name, matrix, focal_mm, horizontal_aperture_mm, vertical_aperture_mm)`` with ``matrix`` the 16 numbers
of the camera's world transform, row-major (both hosts' convention). Units: millimetres for focal length and
film aperture (Maya keeps its film aperture in inches: ``INCH_MM``); frames are carried as frame numbers,
the frame rates are left to each scene.
"""
import itertools
import logging
import os
import threading
import time

from .errors import BridgeError

__all__ = ["LiveLink", "Coalescer", "Watch", "RATE", "INCH_MM", "ALIVE_PERIOD", "make_state",
           "houdini_vertical_aperture", "describe_stop", "connection_alive", "LinkStopped"]

log = logging.getLogger("dcc_bridge.live_link")

RATE = 30.0          # updates a second, at most
INCH_MM = 25.4       # Maya's film aperture is in inches, Houdini's in millimetres
ALIVE_PERIOD = 0.25  # how often an idle link checks that the other side is still there (seconds)
_EMPTY = object()


class LinkStopped(BridgeError):
    """The other side ended the live link, or the connection to it was lost."""


def make_state(frame, camera=None):
    """The tuple that crosses the bridge: ``(frame, camera)``; validates the camera's shape."""
    frame = float(frame)
    if camera is not None:
        name, matrix, focal, h_aperture, v_aperture = camera
        matrix = tuple(float(v) for v in matrix)
        if len(matrix) != 16:
            raise ValueError(f"a camera's world matrix has 16 numbers, got {len(matrix)}")
        camera = (str(name), matrix, float(focal), float(h_aperture), float(v_aperture))
    return (frame, camera)


def houdini_vertical_aperture(aperture, resx, resy, pixel_aspect=1.0):
    """Houdini's implied vertical aperture: its ``aperture`` parm is the horizontal one (mm); the vertical
    follows the image's shape, ``aperture * resy / (resx * pixel_aspect)``."""
    return float(aperture) * float(resy) / (float(resx) * float(pixel_aspect))


def describe_stop(reason, peer):
    """The status-bar line for a link that stopped: by the user, or because ``peer`` went away."""
    if reason is None:
        return "DCC Bridge: live link off"
    if isinstance(reason, (ConnectionError, LinkStopped, EOFError)):
        return f"DCC Bridge: live link stopped: {peer} disconnected"
    first = str(reason).splitlines()[0] if str(reason) else type(reason).__name__
    return f"DCC Bridge: live link stopped: {first}"


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
                            raise LinkStopped("the other side went away")
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
    """A follower's watch on its leader: calls ``on_stop(LinkStopped)`` once ``alive()`` turns false (checked
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
                self._stopper(LinkStopped("the other side went away"))
                return


def connection_alive(proxy):
    """For a proxy of the other side's object (a callback it passed us): a function telling whether its
    connection is still open; None for a local object."""
    try:
        conn = object.__getattribute__(proxy, "____conn__")
    except AttributeError:
        return None
    return lambda: not conn.closed


def _in_background(what, fn, *args):
    """Run ``fn`` on a short-lived thread (a courtesy call to the other side that must never hold the host's
    main thread, nor raise into it)."""
    def run():
        try:
            fn(*args)
        except Exception as exc:
            log.debug("%s failed: %s", what, exc)

    thread = threading.Thread(target=run, name=f"dcc-bridge-live-link-{what}", daemon=True)
    thread.start()
    return thread


class LiveLink:
    """One host's end of the live link: it leads (its time and camera go to the other side) or follows (it
    applies the other side's), one direction at a time. Every method runs on the host's main thread; the
    host glue passes a ``host`` object with:

    * ``app``, ``peer_name``: the two applications' names for messages ("Maya", "Houdini");
    * ``post(fn, *args)``: run ``fn`` on the main thread soon (callable from any thread, never blocks);
    * ``read()``: this host's state (``make_state``); ``write(state)``: apply the other side's;
    * ``watch(changed)``: install the host's callbacks (time, camera) that call ``changed()``; returns a
      function that removes them;
    * ``status(text, warning=False)``: one line in the status bar;
    * ``peer()``: ``(module, alive)``: the other side's glue module over the live connection (its ``apply``,
      ``lead_back`` and ``stop_from_peer`` are this class's, there) and a function telling whether that
      connection is open; raises ``NotConnectedError`` saying how to connect.

    Each time a side starts leading, its link gets a new id, sent with every state: a follower that turned
    the link off drops what a busy leader still sends on it, and nobody waits for anybody to stop.
    """

    LEAD, FOLLOW = "lead", "follow"
    _ids = itertools.count(1)

    def __init__(self, host):
        self.host = host
        self.mode = None
        self.pacer = None
        self.link_id = None     # the link this side leads or follows
        self._dropped = None    # the link this side stopped following: what still comes on it is dropped
        self._unwatch = self._watch = self._notify = None

    # ------------------------------------------------------------------------------------ the toggles

    def toggle_lead(self):
        """"Follow <this app>": the other side follows this one; again: off. Returns True when on."""
        if self.mode == self.LEAD:
            self.stop()
            return False
        remote, alive = self.host.peer()
        self.lead(remote.apply, alive)
        return True

    def toggle_follow(self):
        """"Follow <the other app>": this side follows the other; again: off. Returns True when on."""
        if self.mode == self.FOLLOW:
            self.stop()
            return False
        remote, alive = self.host.peer()
        self._teardown()  # no goodbye: the other side learns from lead_back
        link_id = remote.lead_back(self.apply)  # the other side leads, calling our apply on our main thread
        said = self.link_id == link_id  # its first state may have come (and said so) while we waited
        self.mode, self.link_id, self._notify = self.FOLLOW, link_id, remote.stop_from_peer
        watch = None

        def lost(reason):
            self.host.post(self._watch_ended, watch, reason)

        watch = self._watch = Watch(alive, on_stop=lost)
        if not said:
            self._say_on(follower=True)
        return True

    def _say_on(self, follower):
        app, peer = self.host.app, self.host.peer_name
        who, whom = (app, peer) if follower else (peer, app)
        self.host.status(f"DCC Bridge: live link on: {who} follows {whom}'s time and camera")

    # ------------------------------------------------------------------------------------ leading

    def lead(self, send, alive=None):
        """Lead: this host's changes go to ``send(state, link_id)``, paced by a ``Coalescer``; when the user
        turns it off, ``send(None, link_id)`` tells the follower. Returns the new link's id."""
        self._teardown()  # the follower learns from the new link's states
        link_id = f"{self.host.app}-{os.getpid()}-{next(self._ids)}"
        pacer = None

        def ended(reason):
            self.host.post(self._pacer_ended, pacer, reason)

        pacer = Coalescer(lambda state: send(state, link_id), alive=alive, on_stop=ended)
        try:
            self._unwatch = self.host.watch(self.changed)
        except BaseException:
            pacer.stop()
            raise
        self.mode, self.pacer, self.link_id = self.LEAD, pacer, link_id
        self._notify = lambda: send(None, link_id)
        self.changed()  # the follower starts where this side is
        self._say_on(follower=False)
        return link_id

    def lead_back(self, send):
        """The other side asks to follow this one (its ``toggle_follow``): lead, sending to its callback."""
        return self.lead(send, alive=connection_alive(send))

    def changed(self):
        """The host's time or camera changed (its callbacks call this): offer the new state. Never raises."""
        pacer = self.pacer
        if pacer is None:
            return
        try:
            pacer.offer(self.host.read())
        except Exception as exc:  # a bug or an odd scene: stop, say so, never raise into the host's loop
            log.exception("the live link could not read %s's state", self.host.app)
            self._end(reason=exc)

    # ------------------------------------------------------------------------------------ following

    def apply(self, state, link_id=None):
        """The other side's new state on link ``link_id`` (``None``: it stopped leading). Runs on this host's
        main thread."""
        if link_id is not None and link_id == self._dropped:
            return  # this side turned that link off; the leader had not heard yet
        if state is None:
            if link_id == self.link_id and self.mode != self.LEAD:
                self._teardown()
                self.host.status(f"DCC Bridge: live link off ({self.host.peer_name} stopped it)")
            return
        if link_id != self.link_id or self.mode == self.LEAD:  # a new link (the other side took the lead)
            self._teardown()
            self.link_id = link_id
            self._say_on(follower=True)
        self.host.write(state)

    def stop_from_peer(self):
        """The other side (following) turned the link off."""
        if self.mode is not None:
            self._teardown()
            self.host.status(f"DCC Bridge: live link off ({self.host.peer_name} stopped it)")

    # ------------------------------------------------------------------------------------ stopping

    def stop(self, quiet=False):
        """Turn the link off (the user's choice); tells the other side without waiting for it."""
        if self.mode is None:
            return False
        notify, following = self._notify, self.link_id if self.mode == self.FOLLOW else None
        self._teardown()
        self._dropped = following
        if notify is not None:
            _in_background("notify", notify)
        if not quiet:
            self.host.status("DCC Bridge: live link off")
        return True

    def _teardown(self):
        pacer, watch, unwatch = self.pacer, self._watch, self._unwatch
        self.mode = self.pacer = self.link_id = self._watch = self._unwatch = self._notify = None
        if pacer is not None:
            pacer.stop()
        if watch is not None:
            watch.stop()
        if unwatch is not None:
            try:
                unwatch()
            except Exception:
                log.exception("removing the live link's callbacks failed")

    def _end(self, reason):
        self._teardown()
        self.host.status(describe_stop(reason, self.host.peer_name), warning=True)

    def _pacer_ended(self, pacer, reason):
        if pacer is self.pacer and reason is not None:  # still the current link: the other side went away
            self._end(reason)

    def _watch_ended(self, watch, reason):
        if watch is self._watch and reason is not None:
            self._end(reason)
