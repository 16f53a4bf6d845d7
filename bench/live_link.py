"""The live link's bench (issue 12): Maya's time change seen as Houdini's new frame, and a scrub's coalescing.

Two simulated hosts (real processes, this repository's package and module), Maya connected to Houdini and
leading (Houdini Bridge > Live Link: Follow Maya). Latency: Maya's main thread changes the time, spaced wider
than the link's 1/30 s pacing so each change goes out on its own; Houdini records, from a playbar callback on
its main thread, when its frame changed. Both read ``time.monotonic()`` (one clock for the whole machine on
Linux), so the difference is the whole path: Maya's time-change callback, the coalescer's thread, the bridge
call, Houdini's main-thread executor and ``hou.setFrame``. Coalescing: 100 time changes in one second, then how many updates
Maya sent and whether Houdini ended on the last frame.

    python bench/live_link.py          # prints the figures as JSON
"""
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "hosts"))

LATENCY_SAMPLES = 60
SPACING = 0.06  # seconds between two changes: wider than the pacing (1/30 s), so none is coalesced
MAYA_LINK = "__import__('dcc_bridge_maya.live_link').live_link.LINK"
RECORD_FRAMES = """
import time
bench_frames = []
hou.playbar.addEventCallback(lambda event, frame: bench_frames.append((frame, time.monotonic())))
"""
CHANGES = """
import time
from maya import cmds
bench_changes = []
start = time.monotonic()
for i in range({count}):
    pause = start + {spacing} * i - time.monotonic()
    if pause > 0:
        time.sleep(pause)
    bench_changes.append(({first} + i, time.monotonic()))
    cmds.currentTime({first} + i)
"""


def _wait(predicate, timeout=30.0):
    import threading
    import time

    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("the live link bench timed out waiting for the simulated hosts")
        threading.Event().wait(0.01)


def measure(runtime_dir):
    """{"latency": [seconds ...], "scrub_sent": n, "scrub_offered": n, "scrub_last": frame, "last_frame": f}"""
    from sessions import houdini_session, maya_session

    runtime_dir = Path(runtime_dir)
    env = {"DCC_BRIDGE_AUTOSTART": "1", "DCC_BRIDGE_PORT": "0"}
    with houdini_session(runtime_dir, prefs_dir=runtime_dir.parent / "live_houdini_prefs", env=env) as houdini:
        with maya_session(runtime_dir, app_dir=runtime_dir.parent / "live_maya_app") as maya:
            maya.exec("from dcc_bridge_maya import houdini_link\n"
                      "found = houdini_link.sessions()[0]\n"
                      "houdini_link.connect(found.host, found.port, found.token)")
            maya.menu("Houdini Bridge", "Live Link: Follow Maya")
            _wait(lambda: maya.eval(f"{MAYA_LINK}.pacer.idle(5)"))
            houdini.exec(RECORD_FRAMES)
            maya.exec(CHANGES.format(count=LATENCY_SAMPLES, spacing=SPACING, first=1001))
            last = 1000.0 + LATENCY_SAMPLES
            _wait(lambda: houdini.eval("hou.frame()") == last)
            seen = dict(houdini.eval("bench_frames"))
            latency = [seen[frame] - at for frame, at in maya.eval("bench_changes") if frame in seen]

            before = maya.eval(f"({MAYA_LINK}.pacer.sent, {MAYA_LINK}.pacer.offered)")
            maya.exec(CHANGES.format(count=100, spacing=0.01, first=2001))
            _wait(lambda: houdini.eval("hou.frame()") == 2100.0)
            _wait(lambda: maya.eval(f"{MAYA_LINK}.pacer.idle(5)"))
            after = maya.eval(f"({MAYA_LINK}.pacer.sent, {MAYA_LINK}.pacer.offered)")
            return {"latency": latency, "missed": LATENCY_SAMPLES - len(latency),
                    "scrub_sent": after[0] - before[0], "scrub_offered": after[1] - before[1],
                    "scrub_last": maya.eval(f"{MAYA_LINK}.pacer.last_sent[0]"),
                    "last_frame": houdini.eval("hou.frame()")}


def report(figures):
    """The bench report's section: a table and the two goals."""
    latency = figures["latency"]
    median, mean = statistics.median(latency) * 1000, statistics.fmean(latency) * 1000
    worst = max(latency) * 1000
    sent, offered = figures["scrub_sent"], figures["scrub_offered"]
    ended = figures["last_frame"] == 2100.0 and figures["scrub_last"] == 2100.0
    return f"""## Live link (simulated Maya leading, simulated Houdini following)

| measure | value |
|---|---|
| Maya time change -> Houdini's frame, {len(latency)} changes {SPACING * 1000:.0f} ms apart | median {median:.2f} ms, mean {mean:.2f} ms, best {min(latency) * 1000:.2f} ms, worst {worst:.2f} ms |
| 100 time changes in one second | {offered} offered, {sent} updates sent, Houdini ended on frame {figures['last_frame']:g} |

| goal | measured | met |
|---|---|---|
| Maya's time change seen as Houdini's new frame within 50 ms median | {median:.2f} ms median (mean {mean:.2f} ms) | {'yes' if median <= 50 else '**no**'} |
| 100 time changes in one second give at most 35 updates and end on the last value | {sent} updates, {'ended on the last frame' if ended else '**did not end on the last frame**'} | {'yes' if sent <= 35 and ended else '**no**'} |

The path measured: Maya's time-change callback (`MDGMessage.addTimeChangeCallback`) reads the state on
Maya's main thread and hands it to the coalescer, whose own thread makes one bridge call; Houdini runs it on
its main thread (`hou.setFrame` and the camera's parameters); a playbar callback there notes the time. Both
processes read the same monotonic clock.
"""


def main():
    with tempfile.TemporaryDirectory(prefix="dcc-bridge-live-bench-") as scratch:
        figures = measure(Path(scratch) / "runtime")
    print(json.dumps(figures))
    print(report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
