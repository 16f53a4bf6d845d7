"""A stand-in for Houdini's ``hou`` module (HOM), for tests: Houdini cannot run on the test machines.

Importable as ``hou`` when ``tests/hosts/houdini`` is on ``sys.path``. Imported plainly it behaves as hython
(no UI: ``hou.isUIAvailable()`` is False, there is no ``hou.ui`` attribute, ``hdefereval`` cannot be
imported); the private controls in ``_houdini_sim`` (beside this package) turn it into a graphical Houdini, whose
main thread is ``hostloop.LOOP``'s.

What is modelled, one module each: the node tree (``_scene``, ``_nodes``), node types (``_nodetypes``),
parameters (``_parms``), geometry (``_geodata`` storage, ``_geometry``, ``_elements``), SOP cooking
(``_sops``), exceptions (``_errors``), enumerations (``_enums``), vectors and matrices (``_mathtypes``), the
application, time and variables (``_app``), the scene file (``_hipfile``) and the UI (``_ui``). ``_rules`` applies Houdini's threading
rules to every public call; ``_state`` holds the session's mode and records.

Every public name here exists in the real ``hou`` with a compatible signature (checked against the
``types-houdini`` stubs by ``tests/test_standin_fidelity_houdini.py``); names only the simulation uses are
private.
"""
from ._errors import *  # noqa: F401,F403
from ._enums import *  # noqa: F401,F403
from ._mathtypes import *  # noqa: F401,F403
from ._nodetypes import *  # noqa: F401,F403
from ._nodes import *  # noqa: F401,F403
from ._parms import *  # noqa: F401,F403
from ._elements import *  # noqa: F401,F403
from ._geometry import *  # noqa: F401,F403
from ._app import *  # noqa: F401,F403
from ._hipfile import *  # noqa: F401,F403
from ._ui import *  # noqa: F401,F403
from . import _rules

_rules.install(globals())
del ui  # hython's hou has no ui attribute at all; _houdini_sim puts it back when the session becomes graphical
