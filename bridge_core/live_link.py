"""The live link's host-free half: one host leads (its time slider and active camera), the other follows.

``LiveLink`` is one host's end: the toggles ("Follow Maya" / "Follow Houdini"), leading (the host's callbacks
offer its state to a ``pacing.Coalescer``, at most 30 updates a second, ending on the last one), following
(``apply`` on the host's main thread), and stopping cleanly on either side, with one status line and never an
exception into the host's event loop. The host glue (``dcc_bridge_maya.live_link``,
``dcc_bridge_houdini.live_link``) gives it the host's reads, writes, callbacks and status bar.

    link = LiveLink(host)          # host: see LiveLink
    link.toggle_lead()             # the other side follows this one (again: off)
    link.toggle_follow()           # this side follows the other one

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

from .pacing import ALIVE_PERIOD, RATE, Coalescer, Watch

__all__ = ["LiveLink", "Coalescer", "Watch", "RATE", "INCH_MM", "ALIVE_PERIOD", "make_state",
           "houdini_vertical_aperture", "describe_stop", "connection_alive"]

log = logging.getLogger("dcc_bridge.live_link")

INCH_MM = 25.4       # Maya's film aperture is in inches, Houdini's in millimetres


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
    if isinstance(reason, (ConnectionError, EOFError)):
        return f"DCC Bridge: live link stopped: {peer} disconnected"
    first = str(reason).splitlines()[0] if str(reason) else type(reason).__name__
    return f"DCC Bridge: live link stopped: {first}"


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
        if self._watch is not None:  # that first state's watch: this connection's watch replaces it
            self._watch.stop()
        self.mode, self.link_id, self._notify = self.FOLLOW, link_id, lambda: remote.stop_from_peer(link_id)
        self._watch_leader(alive)
        if not said:
            self._say_on(follower=True)
        return True

    def _say_on(self, follower):
        app, peer = self.host.app, self.host.peer_name
        who, whom = (app, peer) if follower else (peer, app)
        self.host.status(f"DCC Bridge: live link on: {who} follows {whom}'s time and camera")

    # ------------------------------------------------------------------------------------ leading

    def lead(self, send, alive=None):
        """Lead: this host's changes go to ``send(state, link_id, stop_from_peer)``, paced by a ``Coalescer``;
        when the user turns it off, ``send(None, link_id)`` tells the follower. Returns the new link's id."""
        self._teardown()  # the follower learns from the new link's states
        link_id = f"{self.host.app}-{os.getpid()}-{next(self._ids)}"
        pacer = None

        def ended(reason):
            self.host.post(self._pacer_ended, pacer, reason)

        # every state carries this side's stop_from_peer: a follower that never asked (the link was started
        # here) can turn the link off from its side, and watch this side's connection to notice it go
        stop_here = self.stop_from_peer
        pacer = Coalescer(lambda state: send(state, link_id, stop_here), alive=alive, on_stop=ended)
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

    def apply(self, state, link_id=None, stop_leader=None):
        """The other side's new state on link ``link_id`` (``None``: it stopped leading); ``stop_leader(link_id)``
        turns the link off on the leader's side. Runs on this host's main thread."""
        if link_id is not None and link_id == self._dropped:
            return  # this side turned that link off; the leader had not heard yet
        if state is None:
            if link_id == self.link_id and self.mode != self.LEAD:
                self._teardown()
                self.host.status(f"DCC Bridge: live link off ({self.host.peer_name} stopped it)")
            return
        if link_id != self.link_id or self.mode == self.LEAD:  # a new link (the other side took the lead)
            self._teardown()
            self.mode, self.link_id = self.FOLLOW, link_id
            if stop_leader is not None:
                self._notify = lambda: stop_leader(link_id)
                self._watch_leader(connection_alive(stop_leader))
            self._say_on(follower=True)
        self.host.write(state)

    def _watch_leader(self, alive):
        """Notice the leader's connection going (``alive()`` turning false): stop with one status line."""
        if alive is None:  # a leader in this process: nothing to watch
            return
        watch = None

        def lost(reason):
            self.host.post(self._watch_ended, watch, reason)

        watch = self._watch = Watch(alive, on_stop=lost)

    def stop_from_peer(self, link_id=None):
        """The other side (following) turned the link off (link ``link_id``; None: whichever is on)."""
        if link_id is not None and link_id != self.link_id:
            return  # a link this side already left
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
