"""UI commands: menus, windows, layouts, controls, dialogs, progress and messages (graphical sessions only).

Every command here fails in batch, as Maya's UI commands do. Controls keep their flags as properties that
``query``/``edit`` read and change. Dialogs are modal: ``confirmDialog``, ``promptDialog`` and ``layoutDialog``
take the simulated user's next queued answer (``_maya_sim.queue_answer``) or, with none queued, behave as if the
user pressed Enter (the default button; the dismiss string when there is none). Each shown dialog, message,
window and progress state is recorded for tests (``_maya_sim.shown()``).
"""
from .. import _session
from .._ui import MAIN_WINDOW, UI, run_callback
from ._registry import command, one_mode

_META = {"query", "edit", "exists", "parent"}


def _generic(name, kind, base, args, flags, kinds=None, defaults=None, container=False, special=None):
    """Create, query or edit an element whose flags are plain properties; returns what Maya returns."""
    kinds = kinds or (kind,)
    element_name = args[0] if args else None
    if flags.get("exists"):
        return UI.get(element_name, kinds) is not None
    mode = one_mode(flags, name)
    if mode != "create":
        if element_name is None:
            raise RuntimeError(f"{name}: No object was specified to {mode}.")
        element = UI.find(element_name, name, kinds)
        if mode == "query":
            wanted = [k for k, v in flags.items() if k not in _META and v is True]
            if len(wanted) != 1:
                raise RuntimeError(f"{name}: query exactly one flag.")
            if special and wanted[0] in special:
                return special[wanted[0]](element)
            return element.props.get(wanted[0], (defaults or {}).get(wanted[0]))
        for key, value in flags.items():
            if key not in _META:
                if special and key in special:
                    special[key](element, value)
                else:
                    element.props[key] = value
        return None
    parent = UI.find(flags["parent"], name) if "parent" in flags else _default_parent(name, kind)
    props = dict(defaults or {})
    props.update((k, v) for k, v in flags.items() if k not in _META)
    element = UI.add(element_name or UI.auto_name(base), kind, parent, props)
    if container:
        UI.parent = element
    return element.path()


def _default_parent(name, kind):
    if kind == "window":
        return None
    if UI.parent is None:
        raise RuntimeError(f"{name}: No window or layout to hold the new {kind}; create a window first.")
    return UI.parent


# ---------------------------------------------------------------------------------------------------- menus


def _items(element):
    return [c for c in element.children if c.kind == "menuItem"]


@command("query/q:b edit/e:b label/l:s? parent/p:s tearOff/to:b exists/ex:b itemArray/ia:b? numberOfItems/ni:b? "
         "deleteAllItems/dai:b enable/en:b? visible/vis:b? postMenuCommand/pmc:c? postMenuCommandOnce/pmo:b? "
         "allowOptionBoxes/aob:b? helpMenu/hm:b? mnemonic/mn:s? familyImage/fi:s? docTag/dtg:s? "
         "scrollable/srb:b?", args=1, ui=True)
def menu(args, flags):
    """A menu in a window's menu bar (``parent="MayaWindow"`` for Maya's main menu bar)."""
    def delete_all(element, value):
        if value:
            for item in _items(element):
                UI.remove(item)

    special = {"itemArray": lambda e: [i.name for i in _items(e)] or None,
               "numberOfItems": lambda e: len(_items(e)), "deleteAllItems": delete_all}
    mode = "query" if flags.get("query") else "edit" if flags.get("edit") else "create"
    if mode == "create" and not flags.get("exists") and "parent" not in flags:
        window = UI.get(UI.parent.path().split("|")[0]) if UI.parent is not None else UI.get(MAIN_WINDOW)
        flags = dict(flags, parent=window.name if window is not None else MAIN_WINDOW)
    result = _generic("menu", "menu", "menu", args, flags, defaults={"enable": True, "visible": True},
                      special=special)
    if mode == "create" and not flags.get("exists"):
        UI.menu_parent = UI.get(result)
    return result


@command("query/q:b edit/e:b label/l:s? command/c:c? divider/d:b? dividerLabel/dl:s? subMenu/sm:b? tearOff/to:b "
         "parent/p:s optionBox/ob:b? checkBox/cb:b? radioButton/rb:b? enable/en:b? visible/vis:b? "
         "annotation/ann:s? image/i:s? sourceType/stp:s? insertAfter/ia:s boldFont/bld:b italicized/itl:b "
         "data/da:i? echoCommand/ec:b exists/ex:b isOptionBox/iob:b isCheckBox/icb:b isRadioButton/irb:b "
         "allowOptionBoxes/aob:b? familyImage/fi:s? postMenuCommand/pmc:c? docTag/dtg:s? "
         "longDivider/ld:b", args=1, ui=True)
def menuItem(args, flags):
    """An item of the current menu parent (a divider, a sub-menu, an option box, a check box or a command)."""
    special = {"isOptionBox": lambda e: bool(e.props.get("optionBox")),
               "isCheckBox": lambda e: e.props.get("checkBox") is not None,
               "isRadioButton": lambda e: e.props.get("radioButton") is not None}
    mode = "query" if flags.get("query") else "edit" if flags.get("edit") else "create"
    if mode == "create" and not flags.get("exists"):
        if "parent" not in flags:
            if UI.menu_parent is None:
                raise RuntimeError("menuItem: No menu to add the item to; create a menu first.")
            flags = dict(flags, parent=UI.menu_parent.path())
        if flags.get("sourceType", "python") not in ("python", "mel"):
            raise RuntimeError(f"menuItem: Invalid sourceType: {flags['sourceType']}")
    result = _generic("menuItem", "menuItem", "menuItem", args, flags, defaults={"enable": True, "label": ""},
                      special=special)
    if mode == "create" and not flags.get("exists") and flags.get("subMenu"):
        UI.menu_parent = UI.get(result)
    return result


@command("query/q:b menu/m:b topLevel/top:b upLevel/u:b defineTemplate/dt:s useTemplate/ut:s", args=1, ui=True)
def setParent(args, flags):
    """Set (or query) the current layout parent, or with ``menu=True`` the current menu parent."""
    menu_mode = flags.get("menu", False)
    if flags.get("query"):
        current = UI.menu_parent if menu_mode else UI.parent
        return current.path() if current is not None else "NONE"
    target = args[0] if args else (".." if flags.get("upLevel") else None)
    current = UI.menu_parent if menu_mode else UI.parent
    if flags.get("topLevel"):
        element = None
    elif target == "..":
        element = current.parent if current is not None else None
        if menu_mode and element is not None and element.kind not in ("menu", "menuItem"):
            element = None
    elif target is not None:
        element = UI.find(target, "setParent")
    else:
        raise RuntimeError("setParent: Not enough objects or values.")
    if menu_mode:
        UI.menu_parent = element
    else:
        UI.parent = element
    return element.path() if element is not None else ""


@command("menu/m:b menuItem/mi:b window/wnd:b control/ctl:b layout/lay:b panel/pnl:b editor/ed:b "
         "collection/cl:b uiTemplate/uit:b", ui=True)
def deleteUI(args, flags):
    """Delete UI elements by name; a type flag restricts which kind of element the names may be."""
    kinds = [kind for flag, kind in (("menu", "menu"), ("menuItem", "menuItem"), ("window", "window"),
                                     ("control", "control"), ("layout", "layout")) if flags.get(flag)]
    names = [a for arg in args for a in (arg if isinstance(arg, (list, tuple)) else [arg])]
    if not names:
        raise RuntimeError("deleteUI: Not enough objects or values.")
    for name in names:
        element = UI.get(name, kinds or None)
        if element is None:
            raise RuntimeError(f"Object not found: {name}")
        if element.name == MAIN_WINDOW:
            raise RuntimeError(f"deleteUI: '{MAIN_WINDOW}' is Maya's main window and cannot be deleted.")
        UI.remove(element)
    return None


# ---------------------------------------------------------------------------------------- windows & controls


@command("query/q:b edit/e:b title/t:s? widthHeight/wh:x? width/w:i? height/h:i? exists/ex:b sizeable/s:b? "
         "resizeToFitChildren/rtf:b? closeCommand/cc:c? visible/vis:b? menuBar/mb:b? minimizeButton/mnb:b? "
         "maximizeButton/mxb:b? topLeftCorner/tlc:x? retain/ret:b", args=1, ui=True)
def window(args, flags):
    """A window (shown by showWindow); it becomes the current parent."""
    result = _generic("window", "window", "window", args, flags, defaults={"visible": False}, container=True)
    if not flags.get("query") and not flags.get("edit") and not flags.get("exists"):
        UI.last_window = UI.get(result)
        UI.menu_parent = None
    return result


@command(args=1, ui=True)
def showWindow(args, flags):
    """Show a window (the last one created when no name is given)."""
    element = UI.find(args[0], "showWindow", ("window",)) if args else UI.last_window
    if element is None:
        raise RuntimeError("showWindow: No window to show.")
    element.props["visible"] = True
    _session.record("window", name=element.name, title=element.props.get("title", element.name),
                    layout=UI.describe(element))
    return None


_LAYOUT_FLAGS = "query/q:b edit/e:b parent/p:s exists/ex:b width/w:i? height/h:i? visible/vis:b? enable/en:b? " \
                "annotation/ann:s? backgroundColor/bgc:x?"


@command(_LAYOUT_FLAGS + " adjustableColumn/adj:b? rowSpacing/rs:i? columnAttach/cat:x? columnWidth/cw:i? "
         "columnAlign/cal:s? columnOffset/co:x?", args=1, ui=True)
def columnLayout(args, flags):
    """A layout stacking its children in a column; it becomes the current parent."""
    return _generic("columnLayout", "layout", "columnLayout", args, flags, container=True)


@command(_LAYOUT_FLAGS + " numberOfColumns/nc:i? columnWidth/cw:x? adjustableColumn/adj:i? "
         "columnAttach/cat:x? columnAlign/cal:x?", args=1, ui=True)
def rowLayout(args, flags):
    """A layout placing its children in a row; it becomes the current parent."""
    return _generic("rowLayout", "layout", "rowLayout", args, flags, container=True)


@command(_LAYOUT_FLAGS + " attachForm/af:x? attachControl/ac:x? attachPosition/ap:x? attachNone/an:x? "
         "numberOfDivisions/nd:i?", args=1, ui=True)
def formLayout(args, flags):
    """A layout whose children are attached to its edges or to each other; it becomes the current parent."""
    return _generic("formLayout", "layout", "formLayout", args, flags, container=True)


_CONTROL_FLAGS = "query/q:b edit/e:b parent/p:s exists/ex:b width/w:i? height/h:i? enable/en:b? visible/vis:b? " \
                 "annotation/ann:s? backgroundColor/bgc:x?"


@command(_CONTROL_FLAGS + " label/l:s? command/c:c? align/al:s?", args=1, ui=True)
def button(args, flags):
    """A push button; its command gets Maya's argument (False)."""
    result = _generic("button", "control", "button", args, flags, defaults={"enable": True})
    _default_label(result, flags)
    return result


@command(_CONTROL_FLAGS + " label/l:s? align/al:s? font/fn:s? wordWrap/ww:b?", args=1, ui=True)
def text(args, flags):
    """A static text label."""
    result = _generic("text", "control", "text", args, flags)
    _default_label(result, flags)
    return result


@command(_CONTROL_FLAGS + " text/tx:s? placeholderText/pht:s? editable/ed:b? changeCommand/cc:c? "
         "enterCommand/ec:c? textChangedCommand/tcc:c? alwaysInvokeEnterCommandOnReturn/aie:b? "
         "insertText/it:s font/fn:s?", args=1, ui=True)
def textField(args, flags):
    """A one-line text field; ``textField(name, q=True, text=True)`` reads what the user typed."""
    return _generic("textField", "control", "textField", args, flags, defaults={"text": "", "enable": True})


@command(_CONTROL_FLAGS + " label/l:s? changeCommand/cc:c? value/v:s? select/sl:i? numberOfItems/ni:b? "
         "itemListLong/ill:b? itemListShort/ils:b?", args=1, ui=True)
def optionMenu(args, flags):
    """A drop-down list whose items are menuItems created after it; it becomes the current menu parent."""
    def items(element):
        return _items(element)

    def select(element, value):
        if not 1 <= value <= len(items(element)):
            raise RuntimeError(f"optionMenu: Item index {value} is out of range.")
        element.props["selected"] = value

    def set_value(element, value):
        labels = [i.props.get("label") for i in items(element)]
        if value not in labels:
            raise RuntimeError(f"optionMenu: Item '{value}' not found.")
        element.props["selected"] = labels.index(value) + 1

    def value(element):
        found = items(element)
        return found[element.props.get("selected", 1) - 1].props.get("label") if found else None

    special = {"value": value, "select": lambda e: e.props.get("selected", 1) if items(e) else 0,
               "numberOfItems": lambda e: len(items(e)),
               "itemListLong": lambda e: [i.path() for i in items(e)] or None,
               "itemListShort": lambda e: [i.name for i in items(e)] or None}
    mode = "query" if flags.get("query") else "edit" if flags.get("edit") else "create"
    if mode == "edit":
        special.update(select=select, value=set_value)
    result = _generic("optionMenu", "control", "optionMenu", args, flags, defaults={"enable": True},
                      special=special)
    if mode == "create" and not flags.get("exists"):
        UI.menu_parent = UI.get(result)
    return result


def _default_label(path, flags):
    element = UI.get(path) if isinstance(path, str) and "|" in path else None
    if element is not None and "label" not in element.props:
        element.props["label"] = element.name
