"""``hou.hipFile``: the current scene file's name, saving, loading and clearing.

A new session's scene is ``untitled.hip`` in the start-up directory, as in Houdini. ``save`` writes the scene
as JSON (node tree, parameters, flags, wiring, stashed geometry) in a file with the name asked for: a stand-in
"hip file" that only the stand-in's ``load`` reads back. In a graphical session ``clear`` and ``load`` ask
whether to save unsaved changes first (buttons Save / Don't Save / Cancel, answered by the simulated user);
hython never asks and always reports unsaved changes, as its documentation says.

``hou.session`` belongs to the scene: SideFX, hou.session: "The contents of this module are saved into the .hip
file" (its source, as edited in Windows > Python Source Editor). So ``clear`` and ``load`` rebuild it from the
new scene's session source, and names a script assigned to it at run time (``hou.session.cmds = ...``) are gone;
the stand-in's scene files carry no session source (``hou.sessionModuleSource`` is not modelled), so the module
starts empty. Callbacks registered with ``hou.hipFile.addEventCallback(callback)`` are called with a
``hou.hipFileEventType`` before and after each clear, load and save (Before/AfterClear, ...Load, ...Save), on
the calling thread; one that raises is printed and the others still run.
"""
import json
import os
import sys
import traceback
import types

from . import _app, _scene
from ._enums import hipFileEventType
from ._errors import OperationFailed
from ._state import GUI, SESSION

__all__ = ["hipFile"]

FORMAT = "dcc-bridge simulated hip 1"


class _Hip:
    def __init__(self):
        self.start_dir = os.getcwd()
        self.reset()

    def reset(self):
        self.path = os.path.join(self.start_dir, "untitled.hip")
        self.new = True


HIP = _Hip()


def new_session_module(source=""):
    """A new ``hou.session`` built from ``source`` (the scene's session module source), in place of the old."""
    module = types.ModuleType("hou.session", _app.session.__doc__)
    if source:
        exec(compile(source, "hou.session", "exec"), vars(module))
    _app.session = module
    sys.modules["hou.session"] = module
    hou = sys.modules.get("hou")
    if hou is not None:
        hou.session = module
    return module


def _fire(event):
    for callback in list(SESSION.event_callbacks):
        try:
            callback(event)
        except Exception:  # Houdini prints a failing callback's traceback and carries on
            traceback.print_exc()


def hip_path():
    return HIP.path


def _no_constructor(self, *args, **kwargs):
    raise AttributeError("No constructor defined")


def _node_json(node):
    values = {}
    for name, value in node.values.items():
        values[name] = value.to_json() if hasattr(value, "to_json") else value
    return {
        "name": node.name, "category": node.typedef.category, "type": node.typedef.name, "values": values,
        "flags": dict(node.flags), "comment": node.comment, "user_data": dict(node.user_data),
        "inputs": [None if c is None else [c[0].name, c[1]] for c in node.inputs],
        "children": [_node_json(child) for child in node.children.values()],
    }


def _restore(parent, description):
    from ._nodetypes import CATEGORIES

    typedef = CATEGORIES[description["category"]].types[description["type"]]
    node = _scene.SCENE._new(description["name"], typedef, parent)
    for name, value in description["values"].items():
        if isinstance(value, dict):  # stashed geometry
            from ._geometry import GeoData

            value = GeoData.from_json(value)
        node.values[name] = value
    node.flags.update(description["flags"])
    node.comment, node.user_data = description["comment"], dict(description["user_data"])
    for child in description["children"]:
        _restore(node, child)
    return node


def _wire(node, description):
    for index, connection in enumerate(description["inputs"]):
        if connection is not None:
            node.inputs.append((node.parent.children[connection[0]], connection[1]))
        else:
            node.inputs.append(None)
    for child in description["children"]:
        _wire(node.children[child["name"]], child)


def _may_discard_changes():
    """In a graphical session with unsaved changes, ask to save first; False when the user cancels."""
    if SESSION.mode != GUI or not _scene.SCENE.unsaved:
        return True
    from ._ui import ui

    choice = ui.displayMessage(f"Save changes to {os.path.basename(HIP.path)}?",
                               buttons=("Save", "Don't Save", "Cancel"), default_choice=0, close_choice=2,
                               title="Unsaved Changes")
    if choice == 0:
        hipFile.save()
    return choice != 2


class hipFile:
    __init__ = _no_constructor

    @staticmethod
    def path():
        return HIP.path.replace(os.sep, "/")

    @staticmethod
    def basename():
        return os.path.basename(HIP.path)

    @staticmethod
    def name():
        try:
            relative = os.path.relpath(HIP.path)
        except ValueError:
            return HIP.path
        return HIP.path if relative.startswith("..") else relative

    @staticmethod
    def setName(file_name):
        HIP.path = os.path.abspath(os.path.expanduser(file_name))

    @staticmethod
    def save(file_name=None, save_to_recent_files=True):
        if file_name is not None:
            hipFile.setName(file_name)
        scene = {"format": FORMAT, "children": [_node_json(m) for m in _scene.SCENE.root.children.values()]}
        _fire(hipFileEventType.BeforeSave)
        try:
            with open(HIP.path, "w", encoding="utf-8") as handle:
                json.dump(scene, handle, indent=1)
        except OSError as exc:
            raise OperationFailed(f"Could not save {HIP.path}: {exc}") from None
        _scene.SCENE.unsaved = False
        HIP.new = False
        _fire(hipFileEventType.AfterSave)

    @staticmethod
    def clear(suppress_save_prompt=False):
        if not suppress_save_prompt and not _may_discard_changes():
            return False
        _fire(hipFileEventType.BeforeClear)
        _scene.SCENE.reset()
        HIP.reset()
        new_session_module()
        _fire(hipFileEventType.AfterClear)
        return True

    @staticmethod
    def load(file_name, suppress_save_prompt=False, ignore_load_warnings=False):
        path = os.path.abspath(os.path.expanduser(file_name))
        try:
            with open(path, encoding="utf-8") as handle:
                scene = json.load(handle)
        except (OSError, ValueError) as exc:
            raise OperationFailed(f"Could not load {file_name}: {exc}") from None
        if not isinstance(scene, dict) or scene.get("format") != FORMAT:
            raise OperationFailed(f"Could not load {file_name}: the stand-in only reads scenes it saved")
        if not suppress_save_prompt and not _may_discard_changes():
            return
        _fire(hipFileEventType.BeforeLoad)
        _scene.SCENE.reset()
        new_session_module(scene.get("session_source", ""))
        root = _scene.SCENE.root
        for manager in scene["children"]:
            target = root.children[manager["name"]]
            for child in manager["children"]:
                _restore(target, child)
            for child in manager["children"]:
                _wire(target.children[child["name"]], child)
        HIP.path, HIP.new = path, False
        _scene.SCENE.unsaved = False
        _fire(hipFileEventType.AfterLoad)

    @staticmethod
    def addEventCallback(callback):
        if not callable(callback):
            raise TypeError("addEventCallback() needs a callable")
        SESSION.event_callbacks.append(callback)

    @staticmethod
    def removeEventCallback(callback):
        if callback not in SESSION.event_callbacks:
            raise OperationFailed("The specified callback is not registered")
        SESSION.event_callbacks.remove(callback)

    @staticmethod
    def eventCallbacks():
        return tuple(SESSION.event_callbacks)

    @staticmethod
    def clearEventCallbacks():
        SESSION.event_callbacks.clear()

    @staticmethod
    def isNewFile():
        return HIP.new

    @staticmethod
    def hasUnsavedChanges():
        return _scene.SCENE.unsaved if SESSION.graphical else True

    @staticmethod
    def isLoadingHipFile():
        return False

    @staticmethod
    def isShuttingDown():
        return False
