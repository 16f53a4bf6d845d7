"""The Maya stand-in: a small, strict model of Maya's Python packages for DCC Bridge's tests.

Imported plainly this is **mayapy**: ``maya.cmds`` holds no commands until ``maya.standalone.initialize()``
(as in real mayapy), and the session is a batch one (``cmds.about(batch=True)`` is True, UI commands raise).
A simulated graphical session is switched on by the private module ``_maya_sim`` beside this package.

Rules enforced as Maya does (or more strictly where Maya's behaviour is undefined): every ``maya.cmds`` and
``maya.api.OpenMaya`` call must come from the main thread; UI commands fail in batch; commands need a started
session. Everything here is test scaffolding and never ships; see ``tests/hosts/README.md`` (section Maya).
"""
