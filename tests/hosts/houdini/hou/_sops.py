"""Cooking: what each node type computes. SOP geometry generators arrive with the geometry module."""
from ._scene import SCENE

__all__ = []


def cook(node, force=False):
    """Cook ``node`` if it is dirty (or ``force``)."""
    if not (node.dirty or force):
        return
    node.cook_count += 1
    node.dirty = False


def press_button(node, parm_name):
    SCENE.touch(node)
