"""Time and event commands: currentTime, playbackOptions, scriptJob (events, attribute changes), evalDeferred.

Changing the current time fires ``timeChanged`` script jobs (synchronously, on the main thread); changing the
playback range fires ``playbackRangeChanged``. ``evalDeferred`` queues a callable or a Python string (run in
``__main__``) for when Maya is idle: in a graphical session the event loop runs it, in batch only
``maya.utils.processIdleEvents()`` does (mayapy has no idle events).
"""
from .. import _events, _scene, _session
from ._registry import command


@command("query/q:b edit/e:b update/u:b", args=1)
def currentTime(args, flags):
    """Query or set the current time (frames); setting returns the new time."""
    scene = _scene.current()
    if flags.get("query"):
        return float(scene.time)
    if not args:
        raise RuntimeError("currentTime: Not enough objects or values.")
    value = args[0]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"currentTime: the time must be a number, got {type(value).__name__}")
    scene.set_time(value)
    return float(scene.time)


_PLAYBACK = ("minTime", "maxTime", "animationStartTime", "animationEndTime", "by", "playbackSpeed",
             "framesPerSecond", "loop")


@command("query/q:b edit/e:b minTime/min:f? maxTime/max:f? animationStartTime/ast:f? animationEndTime/aet:f? "
         "by/by:f? playbackSpeed/ps:f? framesPerSecond/fps:f? loop/l:s?", args=0)
def playbackOptions(args, flags):
    """Query or set the playback range (min/max) and animation range (start/end) and friends."""
    playback = _scene.current().playback
    if flags.get("query"):
        wanted = [f for f in _PLAYBACK if flags.get(f)]
        if len(wanted) != 1:
            raise RuntimeError("playbackOptions: query exactly one flag.")
        return playback[wanted[0]]
    changed = False
    for name in _PLAYBACK:
        if name in flags:
            if name == "loop" and flags[name] not in ("once", "oscillate", "continuous"):
                raise RuntimeError(f"playbackOptions: Invalid loop value: {flags[name]}")
            playback[name] = flags[name]
            changed = True
    # Maya keeps the ranges consistent: the animation range always holds the playback range
    playback["maxTime"] = max(playback["maxTime"], playback["minTime"])
    playback["animationStartTime"] = min(playback["animationStartTime"], playback["minTime"])
    playback["animationEndTime"] = max(playback["animationEndTime"], playback["maxTime"])
    if changed:
        _scene.current().modified = True
        _events.fire("playbackRangeChanged")
    return None


@command("event/e:x idleEvent/ie:c timeChange/tc:c kill/k:i killAll/ka:b exists/ex:i listJobs/lj:b "
         "listEvents/le:b force/f:b protected/pro:b runOnce/ro:b parent/p:s replacePrevious/rp:b "
         "permanent/per:b attributeChange/ac:x", args=0)
def scriptJob(args, flags):
    """Run a callback on an event (``event=["timeChanged", fn]``), when an attribute changes
    (``attributeChange=["persp.translate", fn]``; the job dies with its node) or when idle; returns its number."""
    if "exists" in flags:
        return flags["exists"] in _events.JOBS.jobs
    if "kill" in flags:
        _events.kill(flags["kill"], flags.get("force", False))
        return None
    if flags.get("killAll"):
        for number, job in list(_events.JOBS.jobs.items()):
            if flags.get("force") or not job.protected:
                _events.kill(number, force=True)
        return None
    if flags.get("listEvents"):
        return list(_events.EVENTS)
    if flags.get("listJobs"):
        return [f"{n}: \"-event\" \"{j.event}\" {j.callback!r}" for n, j in _events.JOBS.jobs.items()]
    if "event" in flags:
        event = flags["event"]
        if not (isinstance(event, (list, tuple)) and len(event) == 2 and isinstance(event[0], str)
                and (isinstance(event[1], str) or callable(event[1]))):
            raise TypeError("Invalid arguments for flag 'event'.  Expected (string, script)")
        name, script = event
    elif "timeChange" in flags:
        name, script = "timeChanged", flags["timeChange"]
    elif "idleEvent" in flags:
        name, script = "idle", flags["idleEvent"]
    elif "attributeChange" in flags:
        plug = flags["attributeChange"]
        if not (isinstance(plug, (list, tuple)) and len(plug) == 2 and isinstance(plug[0], str)
                and (isinstance(plug[1], str) or callable(plug[1]))):
            raise TypeError("Invalid arguments for flag 'attributeChange'.  Expected (string, script)")
        node, attr = _scene.current().plug(plug[0])  # ValueError "No object matches name" as Maya
        return _events.add("attributeChange", plug[1], run_once=flags.get("runOnce", False),
                           protected=flags.get("protected", False) or flags.get("permanent", False),
                           plug=(node, attr.long))
    else:
        raise RuntimeError("scriptJob: give an event, idleEvent or timeChange (or kill, exists, killAll).")
    if name not in _events.EVENTS:
        raise RuntimeError(f"scriptJob: Invalid event name: {name}")
    parent = flags.get("parent")
    if parent is not None:
        from .. import _ui

        _ui.UI.find(parent, "scriptJob")
    return _events.add(name, script, run_once=flags.get("runOnce", False),
                       protected=flags.get("protected", False) or flags.get("permanent", False), parent=parent)


@command("lowestPriority/lp:b lowPriority/low:b evaluateNext/en:b", args=1)
def evalDeferred(args, flags):
    """Run a callable or a Python string (in __main__) when Maya is next idle."""
    if not args or not (isinstance(args[0], str) or callable(args[0])):
        raise RuntimeError("evalDeferred: give a callable or a string of Python code.")
    script = args[0]
    _session.defer(lambda: _events.run_script(script, "evalDeferred"),
                   low=flags.get("lowestPriority", False) or flags.get("lowPriority", False))
    return []
