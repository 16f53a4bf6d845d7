"""The DCC Bridge demo: a simulated Maya drives a simulated Houdini (code, then a live link following a scrub),
then Houdini drives Maya.

Run by ``python3 build.py demo``. Both hosts are the project's stand-ins (``tests/hosts``) running as real
processes with this repository's Houdini package and Maya module installed the way a user installs them;
everything the demo does is what a user would do: click a shelf tool, pick a menu item, type in the Script
Editor or Python Shell. It prints a transcript, exits 0 on success, and leaves no process or session file
behind (its session files live in a temporary folder).
"""
import os
import socket
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "hosts"))

from sessions import houdini_session, maya_session  # noqa: E402



def say(who, text):
    prefix = f"[{who}]".ljust(10)
    lines = str(text).rstrip("\n").splitlines() or [""]
    print(prefix + lines[0])
    for line in lines[1:]:
        print(" " * 10 + line)


def typed(who, session, code):
    """Show code as typed into the host's console, run it there, show what it printed."""
    code = textwrap.dedent(code).strip("\n")
    for i, line in enumerate(code.splitlines()):
        say(who, (">>> " if i == 0 else "... ") + line)
    output = session.exec(code)
    if output.strip():
        say(who, output)
    return output


def houdini_choice(maya):
    """The label the Connect dialog shows for the (only) Houdini session, as the user reads it on screen."""
    return maya.eval("[__import__('dcc_bridge_maya.menu').menu.session_label(s) "
                     "for s in __import__('dcc_bridge_maya.houdini_link').houdini_link.sessions()][0]")


def wait_for(what, predicate, timeout=20.0):
    """Wait until ``predicate()`` is true (the other host catching up), or fail the demo saying what."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.02)


def live_link(houdini, maya):
    """Houdini follows a scrub in Maya: time slider and camera (Live Link: Follow Maya), then off."""
    say("maya", "menu: Houdini Bridge > Live Link: Follow Maya")
    say("maya", maya.menu("Houdini Bridge", "Live Link: Follow Maya"))
    link = "__import__('dcc_bridge_maya.live_link').live_link.LINK.pacer"
    before = maya.eval(f"({link}.offered, {link}.sent)")
    say("maya", "the user scrubs the time slider from frame 1 to 48 in a second, dollying the camera as it goes:")
    maya.exec("import time\nfrom maya import cmds\n"
              "for frame in range(1, 49):\n"
              "    cmds.currentTime(frame)\n"
              "    cmds.setAttr('persp.translateZ', 28 - frame * 0.25)\n"
              "    time.sleep(1 / 48)\n"
              "cmds.setAttr('perspShape.focalLength', 50)")
    wait_for("Houdini to reach frame 48", lambda: houdini.eval("hou.frame()") == 48.0
             and houdini.eval("hou.node('/obj/maya_persp').evalParm('focal')") == 50.0)
    wait_for("the link to settle", lambda: maya.eval(f"{link}.idle(5)"))
    after = maya.eval(f"({link}.offered, {link}.sent)")
    typed("houdini", houdini, """
        cam = hou.node("/obj/maya_persp")
        print("frame", hou.frame(), "| camera", cam.path(), "tz", round(cam.evalParm("tz"), 3),
              "focal", cam.evalParm("focal"), "aperture", round(cam.evalParm("aperture"), 2), "mm")
    """)
    say("maya", f"{after[0] - before[0]} changes (frames, camera moves, the lens) went over as "
                f"{after[1] - before[1]} updates (at most 30 a second, the last one last)")
    say("maya", "menu: Houdini Bridge > Live Link: Follow Maya (again: off)")
    say("maya", maya.menu("Houdini Bridge", "Live Link: Follow Maya"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pipeline_demo(maya, houdini):
    """A mesh from Maya to Houdini, cooked there, and the cooked one back (docs/pipeline.md)."""
    say("maya", "Script Editor: select the cube; menu: Houdini Bridge > Send Selection to Houdini")
    maya.exec("cmds.select('from_houdini')")
    say("maya", maya.menu("Houdini Bridge", "Send Selection to Houdini"))
    say("houdini", "Python Shell: cook it (a Transform SOP after the stash the bridge made)")
    typed("houdini", houdini, """
        obj = hou.node("/obj/from_houdini")
        xform = obj.createNode("xform")
        xform.setFirstInput(obj.node("mesh"))
        xform.parmTuple("s").set((2, 1, 2))
        xform.setDisplayFlag(True)
        print(obj.children(), xform.geometry().pointCount(), "points")
    """)
    say("maya", "Script Editor: bring the cooked one back")
    typed("maya", maya, """
        from dcc_bridge_maya import pipeline
        cooked = pipeline.import_from_houdini("/obj/from_houdini", name="from_houdini_cooked")
        print(cooked, "x of its first points:", pipeline.read_mesh(cooked[0]).points[0:6:3].tolist())
    """)


def main():
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dcc-bridge-demo-") as scratch:
        scratch = Path(scratch)
        runtime = scratch / "runtime"
        env = {"DCC_BRIDGE_PORT": free_port()}  # never the user's real 18811
        print("DCC Bridge demo: Maya drives Houdini, and Houdini drives Maya (both simulated stand-ins)\n")

        say("houdini", "starting a graphical Houdini with the DCC Bridge package installed ...")
        with houdini_session(runtime, env=env, prefs_dir=scratch / "houdini_prefs") as houdini:
            say("houdini", "shelf: DCC Bridge > Start Bridge Server")
            houdini.click("dcc_bridge_start")
            say("houdini", f"status bar: {houdini.shown()['status'][-1]}")

            say("maya", "starting a graphical Maya with the DCC Bridge module installed ...")
            with maya_session(runtime, env=env, app_dir=scratch / "maya_app_dir") as maya:
                choice = houdini_choice(maya)
                say("maya", f"menu: Houdini Bridge > Connect to Houdini...  -> the user picks \"{choice}\"")
                maya.answer(choice)
                maya.menu("Houdini Bridge", "Connect to Houdini...")
                say("maya", "Script Editor (Python tab):")
                typed("maya", maya, """
                    geo = hou.node("/obj").createNode("geo", "from_maya")
                    geo.parm("tx").set(2.5)
                    print(geo.path(), "tx =", geo.parm("tx").eval())
                """)
                typed("maya", maya, """
                    try:
                        hou.node("/obj").createNode("no_such_node_type")
                    except hou.OperationFailed as error:
                        print("caught hou.OperationFailed:", error.instanceMessage())
                """)
                typed("maya", maya, """
                    def child_names(path):
                        import hou
                        return [child.name() for child in hou.node(path).children()]

                    from dcc_bridge_maya import houdini_link
                    print("in one round trip:", houdini_link.link().call(child_names, "/obj"))
                """)
                say("houdini", "Python Shell:")
                typed("houdini", houdini, "print([n.name() for n in hou.node('/obj').children()])")
                live_link(houdini, maya)
                calls = houdini.shown().get("off_main_thread_calls", 0)
                say("houdini", f"hou calls that ran off Houdini's main thread: {calls}")

                say("maya", "menu: Houdini Bridge > Start Maya Server")
                maya.menu("Houdini Bridge", "Start Maya Server")
                say("houdini", "shelf: DCC Bridge > Connect to Maya")
                houdini.click("dcc_bridge_connect_maya")
                typed("houdini", houdini, """
                    cube = hou.session.cmds.polyCube(name="from_houdini")[0]
                    print(cube, hou.session.cmds.xform(cube, query=True, translation=True))
                """)
                typed("maya", maya, "from maya import cmds\nprint(cmds.ls(type='transform'))")
                pipeline_demo(maya, houdini)
                say("maya", "quitting Maya")
            say("houdini", "quitting Houdini")
        leftovers = [*runtime.glob("session-*.json"), *runtime.glob("*.sock")] if runtime.exists() else []
        if leftovers:
            say("demo", f"FAILED: session files or sockets left behind: {leftovers}")
            return 1
    say("demo", f"done in {time.monotonic() - started:.1f} s; no process, session file or socket left behind.")
    return 0


if __name__ == "__main__":
    if os.environ.get("DCC_BRIDGE_DEMO_DEBUG"):
        sys.exit(main())
    try:
        sys.exit(main())
    except Exception as exc:  # one readable line, not a traceback dump
        print(f"\ndemo failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        print("(set DCC_BRIDGE_DEMO_DEBUG=1 for the full traceback)")
        sys.exit(1)
