"""maya.mel: evaluate MEL. The stand-in understands only a handful of statements DCC tools use:

* reading Maya's UI globals: ``$gMainWindow`` ("MayaWindow" once a graphical session's UI is up, "" in batch
  and before the UI exists),
  ``$gMainProgressBar``, ``$gShelfTopLevel``, alone or assigned (``"$tmp = $gMainWindow;"``);
* ``getenv "NAME"`` / ``getenv("NAME")``.

Anything else raises RuntimeError ("Error occurred during execution of MEL script", as Maya words it).
"""
import os as _os
import re as _re

from . import _session

_GLOBALS = {
    "gMainWindow": "MayaWindow",
    "gMainProgressBar": "MainHelpLineLayout|helpLineFrame|formLayout16|mainProgressBar",
    "gShelfTopLevel": "MayaWindow|toolBar2|MainShelfLayout|formLayout14|ShelfLayout",
}
_GLOBAL = _re.compile(r"^(?:(?:string\s+)?\$\w+\s*=\s*)?\$(\w+)\s*;?$")
_GETENV = _re.compile(r"""^(?:(?:string\s+)?\$\w+\s*=\s*)?`?getenv\s*\(?\s*"([^"]*)"\s*\)?`?\s*;?$""")


def eval(*args, **kwargs):
    """Evaluate one of the MEL statements the stand-in knows; returns its value."""
    _session.check_call("maya.mel.eval")
    if len(args) != 1 or kwargs or not isinstance(args[0], str):
        raise TypeError("maya.mel.eval() takes one string of MEL")
    statement = args[0].strip()
    match = _GLOBAL.match(statement)
    if match and match.group(1) in _GLOBALS:
        return _GLOBALS[match.group(1)] if _session.ui_up() else ""
    match = _GETENV.match(statement)
    if match:
        return _os.environ.get(match.group(1), "")
    raise RuntimeError(f"Error occurred during execution of MEL script\n(the Maya stand-in cannot evaluate "
                       f"{statement!r}; it knows $gMainWindow, $gMainProgressBar, $gShelfTopLevel and getenv)")
