"""maya.cmds: Maya's commands as Python functions.

Like Maya's own package, this module starts empty: the commands appear when a session starts
(``maya.standalone.initialize()`` in mayapy, or a graphical session), so calling one before that is an
``AttributeError``, as in real mayapy. The commands are declared in the private modules beside this one
(scene, attributes, time, UI, application) and built by ``_registry.build``, which applies Maya's rules to all.
"""


def _populate():
    from . import _app, _attributes, _dialogs, _registry, _scene_cmds, _time, _ui_cmds, _view  # noqa: F401 (register)

    namespace = globals()
    for name, spec in _registry.REGISTRY.items():
        if name not in namespace:
            namespace[name] = _registry.build(spec)
