"""The live link between a simulated Maya and a simulated Houdini, real processes (issue 12, point 4).

Each test starts both hosts with this repository's package and module installed, connects them as a user does
(Houdini: shelf > Start Bridge Server; Maya: menu > Connect to Houdini...), turns the link on from the Maya
menu or the Houdini shelf, and scrubs. Waits are bounded waits on conditions; nothing is timed here (the
bench measures).
"""
import contextlib

import pytest

from sessions import houdini_session, maya_session
from support import wait_until

pytestmark = pytest.mark.timeout(120)

MAYA_LINK = "__import__('dcc_bridge_maya.live_link').live_link.LINK"
HOUDINI_LINK = "__import__('dcc_bridge_houdini.live_link').live_link.LINK"
SCRUB = """
import time
from maya import cmds
start = time.monotonic()
for i in range({count}):
    pause = start + {seconds} * i / {count} - time.monotonic()
    if pause > 0:
        time.sleep(pause)  # the user's hand on the time slider
    cmds.currentTime({first} + i)
"""


def connect_from_maya(maya):
    """Houdini Bridge > Connect to Houdini..., picking the one Houdini listed."""
    choice = maya.eval("[__import__('dcc_bridge_maya.menu').menu.session_label(s) for s in "
                       "__import__('dcc_bridge_maya.houdini_link').houdini_link.sessions()][0]")
    maya.answer(choice)
    maya.menu("Houdini Bridge", "Connect to Houdini...")


@contextlib.contextmanager
def linked_hosts(runtime_dir, tmp_path):
    """A graphical Houdini serving, and a graphical Maya connected to it from its menu."""
    with houdini_session(runtime_dir, prefs_dir=tmp_path / "houdini_prefs") as houdini:
        houdini.click("dcc_bridge_start")
        with maya_session(runtime_dir, app_dir=tmp_path / "maya_app") as maya:
            connect_from_maya(maya)
            yield houdini, maya


def _no_trouble(houdini, maya):
    shown_h, shown_m = houdini.shown(), maya.shown()
    assert shown_h["crashes"] == [] and shown_h["off_main_thread_calls"] == 0
    assert [r for r in shown_h["records"] if r["kind"] == "callback_error"] == []
    assert shown_m["errors"] == [], shown_m["errors"]


def test_houdini_follows_a_maya_scrub_coalesced_and_ending_on_the_last_frame(runtime_dir, tmp_path):
    with linked_hosts(runtime_dir, tmp_path) as (houdini, maya):
        maya.menu("Houdini Bridge", "Live Link: Follow Maya")
        assert maya.eval(f"{MAYA_LINK}.mode") == "lead"
        wait_until(lambda: houdini.eval("hou.node('/obj/maya_persp') is not None"), what="Maya's camera in Houdini")
        assert maya.eval(f"{MAYA_LINK}.pacer.idle(10)") is True
        before = maya.eval(f"({MAYA_LINK}.pacer.sent, {MAYA_LINK}.pacer.offered)")
        maya.exec(SCRUB.format(count=100, seconds=1.0, first=101))
        wait_until(lambda: houdini.eval("hou.frame()") == 200.0, what="Houdini on Maya's last frame")
        assert maya.eval(f"{MAYA_LINK}.pacer.idle(10)") is True
        after = maya.eval(f"({MAYA_LINK}.pacer.sent, {MAYA_LINK}.pacer.offered)")
        sent, offered = after[0] - before[0], after[1] - before[1]
        assert offered == 100 and 2 <= sent <= 35, (sent, offered)
        assert maya.eval(f"{MAYA_LINK}.pacer.last_sent[0]") == 200.0
        _no_trouble(houdini, maya)


def test_the_camera_follows_with_its_units_converted(runtime_dir, tmp_path):
    with linked_hosts(runtime_dir, tmp_path) as (houdini, maya):
        maya.menu("Houdini Bridge", "Live Link: Follow Maya")
        maya.exec("from maya import cmds\n"
                  "cmds.xform('persp', worldSpace=True, translation=(1, 2, 3), rotation=(-20, 30, 0))\n"
                  "cmds.setAttr('perspShape.focalLength', 50)\n"
                  "cmds.setAttr('perspShape.verticalFilmAperture', 0.7087)")
        expected = maya.eval("cmds.xform('persp', query=True, worldSpace=True, matrix=True)")
        wait_until(lambda: houdini.eval("hou.node('/obj/maya_persp').evalParm('focal')") == 50.0
                   and abs(houdini.eval("hou.node('/obj/maya_persp').evalParm('resy')") - 640) <= 1,
                   what="Houdini's camera to take Maya's lens")
        got = houdini.eval("hou.node('/obj/maya_persp').worldTransform().asTuple()")
        assert got == pytest.approx(expected, abs=1e-6)
        assert houdini.eval("hou.node('/obj/maya_persp').evalParm('aperture')") == pytest.approx(1.41732 * 25.4)
        _no_trouble(houdini, maya)


def test_maya_follows_houdini_and_toggling_off_stops_both_sides(runtime_dir, tmp_path):
    with linked_hosts(runtime_dir, tmp_path) as (houdini, maya):
        houdini.exec("cam = hou.node('/obj').createNode('cam', 'shotcam')\n"
                     "cam.parmTuple('t').set((0, 1, 10))\n"
                     "hou.ui.paneTabOfType(hou.paneTabType.SceneViewer).curViewport().setCamera(cam)")
        maya.menu("Houdini Bridge", "Live Link: Follow Houdini")
        assert houdini.eval(f"{HOUDINI_LINK}.mode") == "lead" and maya.eval(f"{MAYA_LINK}.mode") == "follow"
        houdini.exec("for f in range(2, 60):\n    hou.setFrame(f)\ncam.parm('focal').set(85)")
        wait_until(lambda: maya.eval("__import__('maya.cmds').cmds.currentTime(query=True)") == 59.0,
                   what="Maya on Houdini's last frame")
        wait_until(lambda: maya.eval("__import__('maya.cmds').cmds.getAttr('houdini_shotcamShape.focalLength')")
                   == 85.0, what="Maya's camera to take Houdini's focal length")
        assert maya.eval("__import__('maya.cmds').cmds.xform('houdini_shotcam', q=True, ws=True, t=True)") == \
            pytest.approx([0, 1, 10])
        maya.menu("Houdini Bridge", "Live Link: Follow Houdini")  # again: off
        assert maya.eval(f"{MAYA_LINK}.mode") is None
        wait_until(lambda: houdini.eval(f"{HOUDINI_LINK}.mode") is None, what="Houdini to stop leading")
        assert houdini.eval("len(hou.playbar.eventCallbacks())") == 0
        assert houdini.eval("len(hou.node('/obj/shotcam').eventCallbacks())") == 0
        assert maya.shown()["warnings"] == []
        _no_trouble(houdini, maya)


def test_follow_maya_from_the_houdini_shelf_and_maya_quitting_stops_it(runtime_dir, tmp_path):
    with houdini_session(runtime_dir, prefs_dir=tmp_path / "houdini_prefs") as houdini:
        maya = maya_session(runtime_dir, app_dir=tmp_path / "maya_app")
        try:
            maya.menu("Houdini Bridge", "Start Maya Server")
            houdini.click("dcc_bridge_connect_maya")
            houdini.click("dcc_bridge_live_follow_maya")
            assert houdini.eval(f"{HOUDINI_LINK}.mode") == "follow"
            assert maya.eval(f"{MAYA_LINK}.mode") == "lead"
            maya.exec(SCRUB.format(count=20, seconds=0.2, first=10))
            wait_until(lambda: houdini.eval("hou.frame()") == 29.0, what="Houdini on Maya's last frame")
            _no_trouble(houdini, maya)
        finally:
            assert maya.quit() == 0, maya.errors
        wait_until(lambda: houdini.eval(f"{HOUDINI_LINK}.mode") is None, what="Houdini to notice Maya quit")
        status = houdini.shown()["status"]
        assert status[-1] in ("DCC Bridge: live link stopped: Maya disconnected",
                              "DCC Bridge: live link off (Maya stopped it)"), status
        assert [r for r in houdini.shown()["records"] if r["kind"] == "callback_error"] == []
        assert houdini.shown()["crashes"] == []


@pytest.mark.parametrize("item,mode", [("Live Link: Follow Maya", "lead"), ("Live Link: Follow Houdini", "follow")])
def test_houdini_quitting_stops_the_link_in_maya(runtime_dir, tmp_path, item, mode):
    houdini = houdini_session(runtime_dir, prefs_dir=tmp_path / "houdini_prefs")
    try:
        houdini.click("dcc_bridge_start")
        with maya_session(runtime_dir, app_dir=tmp_path / "maya_app") as maya:
            connect_from_maya(maya)
            maya.menu("Houdini Bridge", item)
            assert maya.eval(f"{MAYA_LINK}.mode") == mode
            assert houdini.quit() == 0, houdini.errors
            wait_until(lambda: maya.eval(f"{MAYA_LINK}.mode") is None, what="Maya to notice Houdini quit")
            shown = maya.shown()
            assert shown["warnings"][-1] == "DCC Bridge: live link stopped: Houdini disconnected", shown["warnings"]
            assert shown["errors"] == []
            maya.exec("from maya import cmds\ncmds.currentTime(42)")  # scrubbing on is quiet
            assert maya.shown()["errors"] == []
            assert maya.eval("[j for j in __import__('maya.cmds').cmds.scriptJob(listJobs=True) "
                             "if 'live_link' in j]") == [], "the link's script jobs are gone"
            assert maya.eval("len(__import__('maya._events', fromlist=['JOBS']).JOBS.time_callbacks)") == 0, \
                "and its time callback"
    finally:
        houdini.kill()


def test_leading_needs_a_connection_and_says_so(runtime_dir, tmp_path):
    with maya_session(runtime_dir, app_dir=tmp_path / "maya_app") as maya:
        maya.menu("Houdini Bridge", "Live Link: Follow Maya")
        shown = maya.shown()
        assert "not connected to houdini" in shown["warnings"][-1] and shown["dialogs"], shown
        assert maya.eval(f"{MAYA_LINK}.mode") is None


def test_hython_follows_but_cannot_lead(runtime_dir, tmp_path):
    with houdini_session(runtime_dir, hython=True, prefs_dir=tmp_path / "houdini_prefs") as hython:
        hython.exec("import dcc_bridge_houdini.server\ndcc_bridge_houdini.server.SERVER.start()")
        with maya_session(runtime_dir, app_dir=tmp_path / "maya_app") as maya:
            connect_from_maya(maya)
            maya.menu("Houdini Bridge", "Live Link: Follow Houdini")
            shown = maya.shown()
            assert "hython does not have" in shown["warnings"][-1], shown["warnings"]
            assert maya.eval(f"{MAYA_LINK}.mode") is None and hython.eval(f"{HOUDINI_LINK}.mode") is None
            maya.menu("Houdini Bridge", "Live Link: Follow Maya")
            maya.exec(SCRUB.format(count=10, seconds=0.1, first=5))
            wait_until(lambda: hython.eval("hou.frame()") == 14.0, what="hython on Maya's last frame")
            assert hython.eval("hou.node('/obj/maya_persp').evalParm('focal')") == 35.0
            assert maya.shown()["errors"] == []


def test_a_stalled_follower_never_wedges_the_leader_and_the_link_catches_up(runtime_dir, tmp_path):
    """Maya follows Houdini; the Maya user holds the mouse (no idle work runs there): Houdini keeps scrubbing
    with its main thread free, Maya catches up to the last frame when released, and turning the link off in
    Houdini during a second stall takes effect at once on Houdini's side and on Maya's when it is free."""
    with linked_hosts(runtime_dir, tmp_path) as (houdini, maya):
        maya.menu("Houdini Bridge", "Live Link: Follow Houdini")
        maya.stall()  # until released
        houdini.exec("for f in range(2, 41):\n    hou.setFrame(f)")
        assert houdini.shown()["crashes"] == []  # Houdini's main thread answers while Maya is held
        maya.release()
        wait_until(lambda: maya.eval("__import__('maya.cmds').cmds.currentTime(query=True)") == 40.0,
                   what="Maya on Houdini's last frame after the stall")
        maya.stall()
        houdini.click("dcc_bridge_live_follow_houdini")  # off, while Maya is held
        assert houdini.eval(f"{HOUDINI_LINK}.mode") is None
        houdini.exec("hou.setFrame(99)")
        maya.release()
        wait_until(lambda: maya.eval(f"{MAYA_LINK}.mode") is None, what="Maya to hear the link is off")
        assert maya.eval("__import__('maya.cmds').cmds.currentTime(query=True)") != 99.0
        _no_trouble(houdini, maya)


def test_a_stalled_houdini_never_wedges_maya(runtime_dir, tmp_path):
    with linked_hosts(runtime_dir, tmp_path) as (houdini, maya):
        maya.menu("Houdini Bridge", "Live Link: Follow Maya")
        houdini.stall()
        maya.exec(SCRUB.format(count=30, seconds=0.3, first=300))
        maya.menu("Houdini Bridge", "Live Link: Follow Maya")  # off, while Houdini is held
        assert maya.eval(f"{MAYA_LINK}.mode") is None
        houdini.release()
        wait_until(lambda: houdini.shown()["status"][-1] == "DCC Bridge: live link off (Maya stopped it)",
                   what="Houdini to hear the link is off")
        _no_trouble(houdini, maya)


def test_the_side_that_follows_can_turn_off_a_link_the_other_side_started(runtime_dir, tmp_path):
    """Maya's menu starts "Follow Maya": Houdini follows without having asked; its own "Follow Maya" shelf tool
    then says the link is on, and clicking it turns the link off on both sides (it does not start another)."""
    with linked_hosts(runtime_dir, tmp_path) as (houdini, maya):
        maya.menu("Houdini Bridge", "Live Link: Follow Maya")
        wait_until(lambda: houdini.eval(f"{HOUDINI_LINK}.mode") == "follow", what="Houdini to be following")
        link = maya.eval(f"{MAYA_LINK}.link_id")
        houdini.click("dcc_bridge_live_follow_maya")  # again: off
        assert houdini.eval(f"{HOUDINI_LINK}.mode") is None
        assert houdini.shown()["status"][-1] == "DCC Bridge: live link off"
        wait_until(lambda: maya.eval(f"{MAYA_LINK}.mode") is None, what="Maya to hear the link is off")
        assert maya.eval(f"{MAYA_LINK}.link_id") is None and link is not None
        _no_trouble(houdini, maya)


@pytest.mark.parametrize("leader", ["maya", "houdini"])
def test_a_leader_quitting_stops_a_link_it_started_with_a_line_on_the_follower(runtime_dir, tmp_path, leader):
    """The link is started from the leader's own menu or shelf (the follower never asked); the leader quits:
    the follower stops following with one status line and no error."""
    houdini = houdini_session(runtime_dir, prefs_dir=tmp_path / "houdini_prefs")
    try:
        houdini.click("dcc_bridge_start")
        maya = maya_session(runtime_dir, app_dir=tmp_path / "maya_app")
        try:
            if leader == "maya":
                connect_from_maya(maya)
                maya.menu("Houdini Bridge", "Live Link: Follow Maya")
                follower, follower_link, quitting = houdini, HOUDINI_LINK, maya
            else:
                maya.menu("Houdini Bridge", "Start Maya Server")
                houdini.click("dcc_bridge_connect_maya")
                houdini.click("dcc_bridge_live_follow_houdini")
                follower, follower_link, quitting = maya, MAYA_LINK, houdini
            wait_until(lambda: follower.eval(f"{follower_link}.mode") == "follow", what="the follower to follow")
            assert quitting.quit() == 0, quitting.errors
            wait_until(lambda: follower.eval(f"{follower_link}.mode") is None, what="the follower to notice")
            other = "Maya" if leader == "maya" else "Houdini"
            if follower is houdini:
                shown = houdini.shown()
                assert shown["status"][-1] == f"DCC Bridge: live link stopped: {other} disconnected", shown["status"]
                assert [r for r in shown["records"] if r["kind"] == "callback_error"] == [] and not shown["crashes"]
            else:
                shown = maya.shown()
                assert shown["warnings"][-1] == f"DCC Bridge: live link stopped: {other} disconnected", shown
                assert shown["errors"] == []
        finally:
            maya.kill()
    finally:
        houdini.kill()
