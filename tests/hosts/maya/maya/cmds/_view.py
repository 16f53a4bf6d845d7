"""The view: ``lookThru``, the camera the active model panel (``modelPanel4``, the perspective view) looks through.

A graphical session's panels only (UI: it fails in batch). ``lookThru(q=True)`` names the camera's transform;
``lookThru("camera1")`` or ``lookThru("modelPanel4", "camera1")`` makes the view look through a camera (its
transform or its shape). Lights and other DAG objects, which Maya also accepts, are not modelled.
"""
from .. import _scene
from ._registry import command

PANEL = "modelPanel4"


@command("query/q:b farClip/fc:f nearClip/nc:f", args=2, ui=True)
def lookThru(args, flags):
    """Query or set the camera the active (or named) model panel looks through."""
    scene = _scene.current()
    if any(not isinstance(a, str) for a in args):
        raise TypeError("lookThru: give the panel and object names as strings")
    if flags.get("query"):
        if args and args[0] != PANEL:
            raise RuntimeError(f"lookThru: Object '{args[0]}' not found.")
        return scene.look_through.name
    if not args:
        raise RuntimeError("lookThru: Not enough objects or values.")
    panel, name = (args[0], args[1]) if len(args) == 2 else (PANEL, args[0])
    if panel != PANEL:
        raise RuntimeError(f"lookThru: Object '{panel}' not found.")
    node = scene.find(name)
    if node is None:
        raise ValueError(f"No object matches name: {name}")
    if node.type == "camera":
        node = node.parent
    if node.type != "transform" or not any(c.type == "camera" for c in node.children):
        raise RuntimeError(f"lookThru: '{name}' is not a camera (the stand-in models cameras only).")
    scene.look_through = node
    return None
