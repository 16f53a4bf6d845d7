"""Scene commands: poly primitives, ls, select, delete, objExists, listRelatives, rename, group, parent,
nodeType, createNode, file, undoInfo.

Return values follow Maya: creation commands return ``[transform, historyNode]``; ``ls`` always returns a list
while ``listRelatives`` returns None when it finds nothing; names are short unless ``long``/``fullPath``.
Newly created objects become the selection, as in Maya.
"""
from .. import _events, _scene, _session
from ._registry import command, objects, one_mode

_POLY_COMMON = "query/q:b edit/e:b axis/ax:x? createUVs/cuv:i? constructionHistory/ch:b name/n:s object/o:b " \
               "texture/tx:i? caching/cch:b nodeState/nds:i?"
# flag -> the primitive's attribute (subdivisionsX is Maya's other name for subdivisionsWidth, and so on)
_POLY_ATTRS = {
    "polyCube": {"width": "width", "height": "height", "depth": "depth", "subdivisionsWidth": "subdivisionsWidth",
                 "subdivisionsX": "subdivisionsWidth", "subdivisionsHeight": "subdivisionsHeight",
                 "subdivisionsY": "subdivisionsHeight", "subdivisionsDepth": "subdivisionsDepth",
                 "subdivisionsZ": "subdivisionsDepth"},
    "polySphere": {"radius": "radius", "subdivisionsAxis": "subdivisionsAxis", "subdivisionsX": "subdivisionsAxis",
                   "subdivisionsHeight": "subdivisionsHeight", "subdivisionsY": "subdivisionsHeight"},
    "polyPlane": {"width": "width", "height": "height", "subdivisionsWidth": "subdivisionsWidth",
                  "subdivisionsX": "subdivisionsWidth", "subdivisionsHeight": "subdivisionsHeight",
                  "subdivisionsY": "subdivisionsHeight"},
}


def _primitive(kind, args, flags):
    scene = _scene.current()
    mode = one_mode(flags, kind)
    attrs = {flag: attr for flag, attr in _POLY_ATTRS[kind].items() if flag in flags}
    if mode != "create":
        names = objects(args)
        if not names:
            raise RuntimeError(f"{kind}: No object was specified to {mode}.")
        node = _history(scene.resolve(names[0]), kind)
        if mode == "query":
            wanted = [attr for flag, attr in attrs.items() if flags[flag]]
            if len(wanted) != 1:
                raise RuntimeError(f"{kind}: query exactly one flag.")
            return node.values[wanted[0]]
        for flag, attr in attrs.items():
            scene.set_value(node, attr, flags[flag])
        return None
    if "axis" in flags and tuple(flags["axis"]) != (0, 1, 0):
        raise RuntimeError(f"{kind}: the Maya stand-in builds primitives along the Y axis only")
    if flags.get("object", True) is False:
        raise RuntimeError(f"{kind}: object=False (history node only) is not modelled by the Maya stand-in")
    values = {attr: flags[flag] for flag, attr in attrs.items()}
    for attr, value in values.items():
        if attr.startswith("subdivisions") and (int(value) != value or value < 1):
            raise RuntimeError(f"{kind}: {attr} must be a whole number of at least 1")
        if not attr.startswith("subdivisions") and value <= 0:
            raise RuntimeError(f"{kind}: {attr} must be positive")
    transform, creator = _scene.make_primitive(scene, kind, values, flags.get("name"),
                                              history=flags.get("constructionHistory", True))
    scene.select([transform])
    return [transform.name] + ([creator.name] if creator is not None else [])


def _history(node, kind):
    """The primitive node behind ``node`` (itself, or the creator of a transform's or shape's mesh)."""
    if node.type == kind:
        return node
    shapes = [node] if node.type == "mesh" else [c for c in node.children if c.type == "mesh"]
    for shape in shapes:
        if shape.creator is not None and shape.creator.type == kind:
            return shape.creator
    raise RuntimeError(f"{kind}: Object '{node.name}' has no {kind} history.")


@command(_POLY_COMMON + " width/w:f? height/h:f? depth/d:f? subdivisionsX/sx:i? subdivisionsY/sy:i? "
         "subdivisionsZ/sz:i? subdivisionsWidth/sw:i? subdivisionsHeight/sh:i? subdivisionsDepth/sd:i?")
def polyCube(args, flags):
    """Create a polygon cube: returns [transform, polyCube node] (just [transform] without history)."""
    return _primitive("polyCube", args, flags)


@command(_POLY_COMMON + " radius/r:f? subdivisionsAxis/sa:i? subdivisionsHeight/sh:i? subdivisionsX/sx:i? "
         "subdivisionsY/sy:i?")
def polySphere(args, flags):
    """Create a polygon sphere: returns [transform, polySphere node]."""
    return _primitive("polySphere", args, flags)


@command(_POLY_COMMON + " width/w:f? height/h:f? subdivisionsX/sx:i? subdivisionsY/sy:i? "
         "subdivisionsWidth/sw:i? subdivisionsHeight/sh:i?")
def polyPlane(args, flags):
    """Create a polygon plane facing +Y: returns [transform, polyPlane node]."""
    return _primitive("polyPlane", args, flags)


# ------------------------------------------------------------------------------------------------ listing


def _name(node, long):
    return node.path() if long else node.name


def _types(value):
    return [value] if isinstance(value, str) else list(value)


def _check_types(types):
    known = set(_scene.CONCRETE_TYPES) | set(_scene.TYPE_PARENTS.values()) | {"node"}
    for node_type in types:
        if node_type not in known:
            raise RuntimeError(f"Unknown object type: {node_type}")


def _descendants(node):
    found = []
    for child in reversed(node.children):
        found += _descendants(child)
        found.append(child)
    return found


@command("selection/sl:b orderedSelection/os:b type/typ:s* exactType/et:s* long/l:b shortNames/sn:b "
         "transforms/tr:b shapes/s:b dagObjects/dag:b geometry/g:b cameras/ca:b assemblies:b showType/st:b "
         "noIntermediate/ni:b intermediateObjects/io:b visible/v:b flatten/fl:b objectsOnly/o:b head/hd:i "
         "tail/tl:i")
def ls(args, flags):
    """List nodes by name (wildcards allowed), type and selection; always returns a list."""
    scene = _scene.current()
    patterns = objects(args)
    if flags.get("selection") or flags.get("orderedSelection"):
        nodes = list(scene.selection)
        if patterns:
            nodes = [n for n in nodes if any(n in scene.match(p) for p in patterns)]
    elif patterns:
        nodes = []
        for pattern in patterns:
            nodes += [n for n in scene.match(pattern) if n not in nodes]
    else:
        nodes = list(scene.nodes)
    if flags.get("dagObjects") and (patterns or flags.get("selection")):
        expanded = []
        for node in nodes:
            for found in [node] + list(reversed(_descendants(node))):
                if found not in expanded:
                    expanded.append(found)
        nodes = expanded
    filters = []
    if "type" in flags:
        types = _types(flags["type"])
        _check_types(types)
        filters.append(lambda n: any(_scene.is_a(n.type, t) for t in types))
    if "exactType" in flags:
        types = _types(flags["exactType"])
        _check_types(types)
        filters.append(lambda n: n.type in types)
    for flag, test in (("transforms", lambda n: n.type == "transform"), ("shapes", lambda n: n.is_shape),
                       ("dagObjects", lambda n: n.is_dag), ("geometry", lambda n: n.type == "mesh"),
                       ("cameras", lambda n: n.type == "camera"),
                       ("assemblies", lambda n: n.is_dag and n.parent is None),
                       ("noIntermediate", lambda n: not n.values.get("intermediateObject", False)),
                       ("intermediateObjects", lambda n: n.values.get("intermediateObject", False)),
                       ("visible", lambda n: n.values.get("visibility", True))):
        if flags.get(flag):
            filters.append(test)
    nodes = [n for n in nodes if all(f(n) for f in filters)]
    if "head" in flags:
        nodes = nodes[:flags["head"]]
    if "tail" in flags:
        nodes = nodes[-flags["tail"]:] if flags["tail"] else []
    long = flags.get("long", False)
    if flags.get("showType"):
        return [item for n in nodes for item in (_name(n, long), n.type)]
    return [_name(n, long) for n in nodes]


@command("add:b addFirst/af:b deselect/d:b toggle/tgl:b clear/cl:b replace/r:b noExpand/ne:b "
         "hierarchy/hi:b allDagObjects/ado:b all:b visible/vis:b")
def select(args, flags):
    """Replace, add to, remove from or toggle the selection (no objects and no flag: clear it)."""
    scene = _scene.current()
    if flags.get("clear"):
        scene.select([], "replace")
        return None
    if flags.get("all") or flags.get("allDagObjects"):
        nodes = [n for n in scene.nodes if n.is_dag and n.parent is None] if flags.get("allDagObjects") \
            else [n for n in scene.nodes if not n.startup]
    else:
        nodes = []
        for name in objects(args):
            matches = scene.match(name)
            if not matches:
                raise ValueError(f"No object matches name: {name}")
            nodes += [m for m in matches if m not in nodes]
    if flags.get("hierarchy"):
        nodes = [found for n in nodes for found in [n] + list(reversed(_descendants(n)))]
    mode = ("deselect" if flags.get("deselect") else "toggle" if flags.get("toggle")
            else "add" if flags.get("add") or flags.get("addFirst") else "replace")
    scene.select(nodes, mode)
    return None


@command("all:b constructionHistory/ch:b")
def delete(args, flags):
    """Delete objects (or the selection); with constructionHistory, delete only their history."""
    scene = _scene.current()
    names = objects(args)
    nodes = [scene.resolve(name) for name in names] if names else list(scene.selection)
    if flags.get("all"):
        nodes = [n for n in scene.nodes if not n.startup and (n.parent is None)]
    if not nodes:
        raise RuntimeError("Not enough objects or values.")
    for node in nodes:
        if not node.alive:
            continue
        if flags.get("constructionHistory"):
            for shape in [node] + node.children:
                if shape.creator is not None and shape.creator.alive:
                    scene.delete(shape.creator)
                    shape.creator = None
        else:
            scene.delete(node)
    return None


@command("query/q:b edit/e:b forceElement/fe:s addElement/add:s remove/rm:s", args="*")
def sets(args, flags):
    """Shading groups (``shadingEngine`` sets) only: query members, or edit: ``forceElement`` (moves objects out
    of their other shading group), ``addElement``, ``remove``. A transform stands for its shapes, as in Maya."""
    scene = _scene.current()
    edits = [k for k in ("forceElement", "addElement", "remove") if k in flags]
    if flags.get("query"):
        target = scene.resolve(objects(args)[0]) if objects(args) else None
        if target is None or target.type != "shadingEngine":
            raise RuntimeError("sets: the stand-in models queries of shading groups' members only.")
        return [m.name for m in target.members if m.alive] or None
    if not flags.get("edit") or len(edits) != 1:
        raise RuntimeError("sets: the stand-in models -edit with one of -forceElement, -addElement, -remove.")
    target = scene.resolve(flags[edits[0]])
    if target.type != "shadingEngine":
        raise RuntimeError(f"sets: {target.name} is not a shading group (the stand-in models only those).")
    names = objects(args)
    nodes = [scene.resolve(name) for name in names] if names else list(scene.selection)
    shapes = []
    for node in nodes:
        found = [c for c in node.children if c.is_shape] if node.type == "transform" else [node]
        if not found or any(s.type != "mesh" for s in found):
            raise RuntimeError(f"sets: {node.name} has no mesh shape to shade.")
        shapes += found
    for shape in shapes:
        if edits[0] == "remove":
            if shape in target.members:
                target.members.remove(shape)
            continue
        if edits[0] == "forceElement":
            for other in scene.nodes:
                if other.type == "shadingEngine" and shape in other.members:
                    other.members.remove(shape)
        if shape not in target.members:
            target.members.append(shape)
    scene.modified = True
    return None


@command(args=1)
def objExists(args, flags):
    """True if a node (or a "node.attribute") of that name exists."""
    scene = _scene.current()
    name = args[0] if args else ""
    if not isinstance(name, str):
        raise TypeError(f"Object {name!r} is invalid")
    if "." in name:
        try:
            scene.plug(name)
            return True
        except ValueError:
            return False
    return scene.find(name) is not None


@command("shapes/s:b children/c:b parent/p:b allParents/ap:b allDescendents/ad:b fullPath/f:b path/pa:b "
         "type/typ:s* noIntermediate/ni:b")
def listRelatives(args, flags):
    """Children (default), shapes, parents or descendants of objects (or the selection); None if none."""
    scene = _scene.current()
    names = objects(args)
    nodes = [scene.resolve(name) for name in names] if names else list(scene.selection)
    found = []
    for node in nodes:
        if flags.get("parent") or flags.get("allParents"):
            related, parent = [], node.parent
            while parent is not None:
                related.append(parent)
                parent = parent.parent if flags.get("allParents") else None
        elif flags.get("allDescendents"):
            related = _descendants(node)
        else:
            related = list(node.children)
        if flags.get("shapes"):
            related = [n for n in related if n.is_shape]
        if "type" in flags:
            types = _types(flags["type"])
            _check_types(types)
            related = [n for n in related if any(_scene.is_a(n.type, t) for t in types)]
        if flags.get("noIntermediate"):
            related = [n for n in related if not n.values.get("intermediateObject", False)]
        found += [n for n in related if n not in found]
    return [_name(n, flags.get("fullPath", False)) for n in found] or None


@command("ignoreShape/is:b", args=2)
def rename(args, flags):
    """Rename an object (or the first selected one); returns the new, unique name."""
    scene = _scene.current()
    if len(args) == 2:
        node, new_name = scene.resolve(args[0]), args[1]
    elif len(args) == 1 and scene.selection:
        node, new_name = scene.selection[0], args[0]
    else:
        raise RuntimeError("Not enough objects or values.")
    if not isinstance(new_name, str) or not new_name.strip("_#"):
        raise RuntimeError("New name has no legitimate characters.")
    old_shape_name = _scene.shape_name_for(node.name)
    result = scene.rename(node, new_name)
    if node.type == "transform" and not flags.get("ignoreShape"):
        for child in node.children:
            if child.is_shape and child.name == old_shape_name:
                scene.rename(child, _scene.shape_name_for(result))
    return result


@command("empty/em:b name/n:s parent/p:s world/w:b absolute/a:b relative/r:b")
def group(args, flags):
    """Group objects (or the selection) under a new transform; returns the group's name."""
    scene = _scene.current()
    names = objects(args)
    nodes = [] if flags.get("empty") else ([scene.resolve(n) for n in names] if names else list(scene.selection))
    if not nodes and not flags.get("empty"):
        raise RuntimeError("Not enough objects or values.")
    if "parent" in flags:
        parent = scene.resolve(flags["parent"])
    elif flags.get("world") or not nodes:
        parent = None
    else:
        parents = {id(n.parent) for n in nodes}
        parent = nodes[0].parent if len(parents) == 1 else None
    grp = scene.create("transform", flags.get("name", "group#"), parent=parent)
    for node in nodes:
        scene.reparent(node, grp, keep_world=not flags.get("relative"))
    scene.select([grp])
    _events.fire("DagObjectCreated")
    return grp.name


@command("world/w:b relative/r:b absolute/a:b shape/s:b")
def parent(args, flags):
    """Parent objects under the last one named (or under the world); returns the objects' names."""
    scene = _scene.current()
    names = objects(args)
    if flags.get("world"):
        children, new_parent = names or [n.name for n in scene.selection], None
    else:
        names = names or [n.name for n in scene.selection]
        if len(names) < 2:
            raise RuntimeError("Not enough objects or values.")
        children, new_parent = names[:-1], scene.resolve(names[-1])
    result = []
    for name in children:
        node = scene.resolve(name)
        if node.is_shape and not flags.get("shape"):
            raise RuntimeError(f"Cannot parent shape '{node.name}' without the shape flag (the Maya stand-in "
                               "does not model shape parenting).")
        if node.parent is new_parent:
            where = new_parent.name if new_parent is not None else "the world"
            _session.record("warning", text=f"Object, '{node.name}', skipped. It is already a child of {where}.")
            _session.echo("Warning", f"Object, '{node.name}', skipped. It is already a child of {where}.")
        else:
            scene.reparent(node, new_parent, keep_world=not flags.get("relative"))
        result.append(node.name)
    return result


@command("apiType/api:b inherited/i:b", args=1)
def nodeType(args, flags):
    """A node's type name (or its API type name, or the types it inherits from)."""
    node = _scene.current().resolve(args[0]) if args else None
    if node is None:
        raise RuntimeError("nodeType: Not enough objects or values.")
    if flags.get("apiType"):
        return _scene.API_TYPES[node.type][0]
    if flags.get("inherited"):
        return _scene.inherited(node.type)
    return node.type


@command("name/n:s parent/p:s shared/s:b skipSelect/ss:b", args=1)
def createNode(args, flags):
    """Create a node of a given type; a shape without a parent gets a new transform. Returns its name."""
    scene = _scene.current()
    node_type = args[0] if args else None
    if node_type not in _scene.CONCRETE_TYPES:
        raise RuntimeError(f"Unknown object type: {node_type}")
    if flags.get("shared") and "name" in flags and scene.find(flags["name"]) is not None:
        return flags["name"]
    parent = scene.resolve(flags["parent"]) if "parent" in flags else None
    if _scene.is_a(node_type, "shape") and parent is None:
        base = {"mesh": "polySurface"}.get(node_type, node_type)
        parent = scene.create("transform", base + "#")
        node = scene.create(node_type, flags.get("name") or _scene.shape_name_for(parent.name), parent=parent)
    else:
        node = scene.create(node_type, flags.get("name", node_type + "#"), parent=parent)
    if node_type == "mesh":
        from .._geometry import MeshData

        node.mesh = MeshData([], [], [])
    if not flags.get("skipSelect"):
        scene.select([node])
    if node.is_dag:
        _events.fire("DagObjectCreated")
    return node.name


@command("query/q:b edit/e:b newFile/new:b force/f:b sceneName/sn:b rename/rn:s modified/mf:b shortName/shn:b "
         "save/s:b open/o:b prompt/pmt:b", args=1)
def file(args, flags):
    """New scenes and the scene's name; saving and opening scene files is not modelled."""
    scene = _scene.current()
    if flags.get("query"):
        if flags.get("sceneName"):
            name = scene.scene_name
            return name.replace("\\", "/").rsplit("/", 1)[-1] if flags.get("shortName") else name
        if flags.get("modified"):
            return scene.modified
        raise RuntimeError("file: the Maya stand-in answers query with sceneName or modified only")
    if flags.get("newFile"):
        if scene.modified and not flags.get("force"):
            raise RuntimeError("Unsaved changes.")
        _scene.new_scene()
        return ""
    if "rename" in flags:
        scene.scene_name = flags["rename"]
        return scene.scene_name
    if flags.get("save") or flags.get("open") or args:
        raise RuntimeError("file: saving and opening scene files is not modelled by the Maya stand-in")
    raise RuntimeError("file: the Maya stand-in models newFile, rename and query sceneName/modified only")


_UNDO = {"chunks": 0}


@command("query/q:b openChunk/ock:b closeChunk/cck:b chunkName/cn:s state/st:b? stateWithoutFlush/swf:b? "
         "infinity/infinity:b? length/l:i? undoQueueEmpty/uqe:b redoQueueEmpty/rqe:b", args=0)
def undoInfo(args, flags):
    """Undo chunks are accepted and counted (the stand-in keeps no undo queue); undo is always on."""
    if flags.get("query"):
        if flags.get("undoQueueEmpty") or flags.get("redoQueueEmpty"):
            return True
        return True if (flags.get("state") or flags.get("stateWithoutFlush") or flags.get("infinity")) else 0
    if flags.get("openChunk"):
        _UNDO["chunks"] += 1
    if flags.get("closeChunk"):
        _UNDO["chunks"] = max(0, _UNDO["chunks"] - 1)
    return None


@_session.on_reset
def _reset_undo():
    _UNDO["chunks"] = 0
