"""The graphical session's user interface: the main window, menus, windows, layouts and controls.

Elements form a tree with Maya's full path names (``MayaWindow|myMenu|menuItem3``); a short name finds an
element too. Names are unique across the UI (Maya requires it among siblings; a clash raises Maya's "Object's
name is not unique"). The current parent (``setParent``) receives new layouts and controls; the current menu
parent receives new menu items (a new menu, a sub-menu item or an option menu becomes it).

Callbacks run as Maya runs them: a callable gets Maya's argument (menu items and buttons pass their checked
state, False for plain items; a text field's change command the text), a string runs as Python in __main__
(MEL when ``sourceType="mel"``); a failing callback prints its traceback and is recorded, never raised.
"""
import itertools

from . import _events, _session

MAIN_WINDOW = "MayaWindow"


class Element:
    def __init__(self, name, kind, parent, props):
        self.name, self.kind, self.parent, self.props = name, kind, parent, props
        self.children = []

    def path(self):
        return self.name if self.parent is None else f"{self.parent.path()}|{self.name}"

    @property
    def label(self):
        return self.props.get("label", self.name)


class UIState:
    def __init__(self):
        self.elements = {}  # short name -> Element
        self.parent = None  # the current layout/window parent
        self.menu_parent = None
        self.last_window = None
        self.counters = {}
        self.prompt_text = ""
        self.progress = None
        self.cancel_after = None  # the simulated user presses Esc after this many more progress updates
        self.dialog_stack = []

    def reset(self, gui):
        self.__init__()
        if gui:
            self.add(MAIN_WINDOW, "window", None, {"title": "Autodesk Maya", "visible": True})

    def auto_name(self, base):
        counter = self.counters.setdefault(base, itertools.count(1))
        while True:
            name = f"{base}{next(counter)}"
            if name not in self.elements:
                return name

    def add(self, name, kind, parent, props):
        if name in self.elements:
            raise RuntimeError(f"Object's name is not unique: {name}")
        element = Element(name, kind, parent, props)
        self.elements[name] = element
        if parent is not None:
            parent.children.append(element)
        return element

    def find(self, name, command, kinds=None):
        element = self.get(name, kinds)
        if element is None:
            raise RuntimeError(f"{command}: Object not found: {name}")
        return element

    def get(self, name, kinds=None):
        if not isinstance(name, str):
            return None
        element = self.elements.get(name.rsplit("|", 1)[-1])
        if element is None or (kinds and element.kind not in kinds):
            return None
        if "|" in name and element.path() != name:
            return None
        return element

    def remove(self, element):
        for child in list(element.children):
            self.remove(child)
        if element.parent is not None:
            element.parent.children.remove(element)
        self.elements.pop(element.name, None)
        _events.kill_for_ui(element.name)
        if self.parent is element:
            self.parent = element.parent
        if self.menu_parent is element:
            self.menu_parent = None

    def describe(self, element):
        """A JSON-able description of an element and its children (for ``_maya_sim.shown()``)."""
        props = {k: (v if isinstance(v, (str, int, float, bool, type(None), list)) else repr(v))
                 for k, v in element.props.items()}
        return dict(props, name=element.name, kind=element.kind, path=element.path(),
                    children=[self.describe(c) for c in element.children])


UI = UIState()


@_session.on_reset
def _reset():
    UI.reset(gui=False)


def start_gui():
    UI.reset(gui=True)


def run_callback(script, where, *args, source_type="python"):
    """Run a UI callback with Maya's arguments; errors are printed and recorded, not raised."""
    def call():
        if callable(script):
            return script(*args)
        if source_type == "mel":
            import maya.mel

            return maya.mel.eval(script)
        import __main__

        exec(compile(script, f"<{where}>", "exec"), __main__.__dict__)
        return None

    return _session.run_safely(call)


def menus():
    """The menus of the main window: [{"name", "label", "items": [...]}] with nested sub-menus."""
    main = UI.elements.get(MAIN_WINDOW)
    if main is None:
        return []

    def items(element):
        found = []
        for child in element.children:
            if child.kind != "menuItem":
                continue
            entry = {"name": child.name, "label": child.props.get("label", ""),
                     "divider": bool(child.props.get("divider")), "optionBox": bool(child.props.get("optionBox")),
                     "enable": child.props.get("enable", True)}
            if child.props.get("subMenu"):
                entry["items"] = items(child)
            found.append(entry)
        return found

    return [{"name": m.name, "label": m.props.get("label", m.name), "items": items(m)}
            for m in main.children if m.kind == "menu"]


def pick_menu_item(*labels, option_box=False):
    """The user picks a menu item by its label path (menu label, [sub-menu labels ...], item label)."""
    main = UI.elements.get(MAIN_WINDOW)
    if main is None:
        raise RuntimeError("there is no main window: this is not a graphical session")
    if len(labels) < 2:
        raise ValueError("give a menu label and an item label at least")
    menu = next((m for m in main.children if m.kind == "menu" and m.props.get("label") == labels[0]), None)
    if menu is None:
        raise LookupError(f"no menu labelled {labels[0]!r} in the main window; menus: "
                          f"{[m.props.get('label') for m in main.children if m.kind == 'menu']}")
    current = menu
    for depth, label in enumerate(labels[1:], 1):
        if current.props.get("postMenuCommand"):
            run_callback(current.props["postMenuCommand"], f"{current.name} postMenuCommand")
        candidates = [c for c in current.children if c.kind == "menuItem" and c.props.get("label") == label
                      and not c.props.get("divider")]
        last = depth == len(labels) - 1
        if last and option_box:
            index = current.children.index(candidates[0]) if candidates else -1
            following = current.children[index + 1] if 0 <= index < len(current.children) - 1 else None
            candidates = [following] if following is not None and following.props.get("optionBox") else []
        if not candidates:
            raise LookupError(f"no item {label!r}{' option box' if option_box and last else ''} under "
                              f"{' > '.join(labels[:depth])}")
        current = candidates[0]
    if current.props.get("subMenu"):
        raise LookupError(f"{' > '.join(labels)} is a sub-menu, not an item")
    if not current.props.get("enable", True):
        raise LookupError(f"{' > '.join(labels)} is disabled")
    _session.record("menuPick", path=list(labels), optionBox=option_box)
    checked = current.props.get("checkBox")
    if checked is not None:
        checked = current.props["checkBox"] = not checked
    command = current.props.get("command")
    if command is not None:
        run_callback(command, f"menuItem {current.name}", bool(checked), source_type=current.props.get(
            "sourceType", "python"))
