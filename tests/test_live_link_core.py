"""The live link's host-free half (bridge_core.pacing, bridge_core.live_link): coalescing, last value wins,
stopping, leading and following with fake hosts (issue 12)."""
import threading
import time

import pytest

from bridge_core import ConnectionLostError
from bridge_core.live_link import describe_stop, houdini_vertical_aperture, make_state
from bridge_core.pacing import Coalescer, Watch

pytestmark = pytest.mark.timeout(30)


class Recorder:
    def __init__(self, fail=None):
        self.values = []
        self.fail = fail  # fail(value, count) -> exception to raise, or None
        self.stops = []
        self.stopped = threading.Event()

    def send(self, value):
        if self.fail is not None:
            exc = self.fail(value, len(self.values))
            if exc is not None:
                self.values.append(("failed", value))
                raise exc
        self.values.append(value)

    def on_stop(self, reason):
        self.stops.append(reason)
        self.stopped.set()

    @property
    def delivered(self):
        return [v for v in self.values if not (isinstance(v, tuple) and v[:1] == ("failed",))]


def _offer_over(pacer, count, seconds):
    """``count`` values spread over ``seconds`` (a user scrubbing), each at its own moment."""
    start = time.monotonic()
    for i in range(count):
        pause = start + seconds * i / count - time.monotonic()
        if pause > 0:
            time.sleep(pause)  # the input's own pace, not a wait for the code under test
        pacer.offer(i)


def test_a_hundred_changes_in_a_second_make_at_most_35_updates_ending_on_the_last():
    rec = Recorder()
    pacer = Coalescer(rec.send, on_stop=rec.on_stop)
    _offer_over(pacer, 100, 1.0)
    assert pacer.idle(timeout=10)
    assert pacer.offered == 100
    assert 2 <= len(rec.values) <= 35, rec.values
    assert rec.values[-1] == 99, "the last value always arrives"
    assert rec.values == sorted(rec.values), "never an older value after a newer one"
    pacer.stop()
    assert rec.stops == [None]


def test_a_burst_sends_the_first_at_once_and_then_only_the_last():
    rec = Recorder()
    gate = threading.Event()
    first_sent = threading.Event()

    def send(value):
        rec.send(value)
        first_sent.set()
        gate.wait(10)  # hold the first call while the burst arrives

    pacer = Coalescer(send)
    pacer.offer("first")
    assert first_sent.wait(5)
    for i in range(100):
        pacer.offer(i)
    gate.set()
    assert pacer.idle(timeout=10)
    assert rec.values == ["first", 99]
    pacer.stop()


def test_a_connection_error_stops_it_once_and_later_offers_are_refused():
    rec = Recorder(fail=lambda value, n: ConnectionLostError("gone") if value == 2 else None)
    pacer = Coalescer(rec.send, rate=1000, on_stop=rec.on_stop)
    for i in range(3):
        pacer.offer(i)
        pacer.idle(timeout=5)
    assert rec.stopped.wait(5)
    assert len(rec.stops) == 1 and isinstance(rec.stops[0], ConnectionLostError)
    assert not pacer.running and pacer.offer(3) is False
    assert pacer.stop() is False, "stopping again does nothing"
    assert rec.stops == [rec.stops[0]]
    assert describe_stop(rec.stops[0], "Houdini") == "DCC Bridge: live link stopped: Houdini disconnected"


def test_a_timeout_keeps_the_link_and_sends_the_value_again():
    rec = Recorder(fail=lambda value, n: TimeoutError("busy") if n == 0 else None)
    pacer = Coalescer(rec.send, rate=1000, on_stop=rec.on_stop)
    pacer.offer("only")
    assert pacer.idle(timeout=5)
    assert rec.values == [("failed", "only"), "only"]
    assert pacer.running and rec.stops == []
    pacer.stop()


def test_a_peer_that_goes_away_stops_an_idle_link():
    alive = threading.Event()
    alive.set()
    rec = Recorder()
    pacer = Coalescer(rec.send, alive=alive.is_set, on_stop=rec.on_stop)
    pacer.offer(1)
    assert pacer.idle(timeout=5)
    alive.clear()
    assert rec.stopped.wait(5)
    assert isinstance(rec.stops[0], ConnectionLostError)
    assert describe_stop(rec.stops[0], "Maya") == "DCC Bridge: live link stopped: Maya disconnected"


def test_stop_sends_nothing_more():
    rec = Recorder()
    pacer = Coalescer(rec.send, on_stop=rec.on_stop)
    pacer.stop()
    assert pacer.offer(1) is False
    assert pacer.join(5)
    assert rec.values == [] and rec.stops == [None]
    assert describe_stop(None, "Maya") == "DCC Bridge: live link off"


def test_a_failing_stop_handler_is_logged_not_raised(caplog):
    def on_stop(reason):
        raise RuntimeError("handler bug")

    pacer = Coalescer(lambda v: None, on_stop=on_stop)
    assert pacer.stop() is True
    assert "stop handler failed" in caplog.text


def test_watch_reports_a_lost_leader_or_a_stop():
    alive = threading.Event()
    alive.set()
    rec = Recorder()
    watch = Watch(alive.is_set, on_stop=rec.on_stop, period=0.01)
    alive.clear()
    assert rec.stopped.wait(5) and isinstance(rec.stops[0], ConnectionLostError)
    assert watch.stop() is False and len(rec.stops) == 1
    rec2 = Recorder()
    watch2 = Watch(lambda: True, on_stop=rec2.on_stop, period=0.01)
    assert watch2.stop() is True and rec2.stops == [None]


def test_state_and_units():
    camera = ("persp", range(16), 35, 36.0, 24.0)
    frame, (name, matrix, focal, h, v) = make_state(12, camera)
    assert frame == 12.0 and name == "persp" and matrix == tuple(float(i) for i in range(16)) and focal == 35.0
    assert make_state(3) == (3.0, None)
    with pytest.raises(ValueError, match="16 numbers"):
        make_state(1, ("cam", (1.0,) * 9, 35, 36, 24))
    assert houdini_vertical_aperture(41.4214, 1280, 720) == pytest.approx(41.4214 * 720 / 1280)
    with pytest.raises(ValueError, match="rate"):
        Coalescer(lambda v: None, rate=0)


class FakeHost:
    """A host for LiveLink without a host: state in a dict, the other side a plain object (no bridge)."""

    def __init__(self, app, peer_name):
        self.app, self.peer_name = app, peer_name
        self.frame, self.written, self.lines, self.callbacks = 1.0, [], [], []
        self.other = None
        self.alive = threading.Event()
        self.alive.set()

    def post(self, fn, *args):
        fn(*args)  # the test's thread plays the main thread

    def read(self):
        return make_state(self.frame)

    def write(self, state):
        self.written.append(state)

    def watch(self, changed):
        self.callbacks.append(changed)
        return lambda: self.callbacks.remove(changed)

    def status(self, text, warning=False):
        self.lines.append(text)

    def peer(self):
        return self.other, self.alive.is_set

    def scrub(self, frame):
        self.frame = frame
        for callback in list(self.callbacks):
            callback()


def _pair():
    from bridge_core.live_link import LiveLink

    maya_host, houdini_host = FakeHost("Maya", "Houdini"), FakeHost("Houdini", "Maya")
    maya, houdini = LiveLink(maya_host), LiveLink(houdini_host)
    maya_host.other, houdini_host.other = houdini, maya
    return maya, houdini


def test_live_link_leads_follows_and_stops_in_either_direction():
    from support import wait_until

    maya, houdini = _pair()
    assert maya.toggle_lead() is True and maya.mode == "lead"
    maya.host.scrub(5.0)
    wait_until(lambda: houdini.host.written and houdini.host.written[-1] == (5.0, None), what="Houdini on 5")
    assert houdini.host.lines == ["DCC Bridge: live link on: Houdini follows Maya's time and camera"]
    assert maya.toggle_lead() is False and maya.mode is None and maya.host.callbacks == []
    wait_until(lambda: houdini.host.lines[-1] == "DCC Bridge: live link off (Maya stopped it)", what="notice")
    assert maya.host.lines[-1] == "DCC Bridge: live link off"

    assert maya.toggle_follow() is True  # Houdini leads now, sending to Maya's apply
    assert (maya.mode, houdini.mode) == ("follow", "lead")
    houdini.host.scrub(9.0)
    wait_until(lambda: maya.host.written and maya.host.written[-1] == (9.0, None), what="Maya on 9")
    maya.host.alive.clear()  # the connection to Houdini goes
    wait_until(lambda: maya.mode is None, what="Maya's watch to notice")
    assert maya.host.lines[-1] == "DCC Bridge: live link stopped: Houdini disconnected"


def test_a_failing_read_stops_the_link_with_a_line_not_an_exception():
    maya, houdini = _pair()
    maya.toggle_lead()

    def broken():
        raise RuntimeError("camera without a shape")

    maya.host.read = broken
    maya.host.scrub(3.0)  # the host's callback: must not raise
    assert maya.mode is None and maya.host.callbacks == []
    assert maya.host.lines[-1] == "DCC Bridge: live link stopped: camera without a shape"


def test_a_follower_that_stopped_drops_late_states_of_that_link_only():
    from support import wait_until

    maya, houdini = _pair()
    maya.toggle_follow()
    old_link = houdini.link_id
    wait_until(lambda: maya.host.written, what="the first state")
    assert maya.stop() is True
    wait_until(lambda: houdini.mode is None, what="Houdini told to stop leading")
    count = len(maya.host.written)
    maya.apply((7.0, None), old_link)  # a busy leader's late update on the link Maya turned off
    assert len(maya.host.written) == count
    houdini.toggle_lead()  # a new link: followed again
    houdini.host.scrub(8.0)
    wait_until(lambda: maya.host.written[-1] == (8.0, None), what="the new link's state")
    assert maya.host.lines[-1] == "DCC Bridge: live link on: Maya follows Houdini's time and camera"


def test_a_follower_that_never_asked_follows_and_its_own_toggle_turns_the_link_off():
    from support import wait_until

    maya, houdini = _pair()
    maya.toggle_lead()  # Houdini never asked
    wait_until(lambda: houdini.mode == "follow", what="Houdini to follow")
    assert houdini.link_id == maya.link_id
    assert houdini.toggle_follow() is False, "the same toggle turns it off, it does not start another link"
    wait_until(lambda: maya.mode is None, what="Maya told to stop leading")
    assert maya.host.lines[-1] == "DCC Bridge: live link off (Houdini stopped it)"
    assert houdini.host.lines[-1] == "DCC Bridge: live link off" and maya.host.callbacks == []
