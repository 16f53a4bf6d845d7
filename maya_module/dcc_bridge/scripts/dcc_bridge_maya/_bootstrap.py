"""Make ``bridge_core`` importable.

Shipped modules carry ``bridge_core`` (with its private rpyc) beside this package in ``scripts/``. In a
development checkout the module folder sits inside the repository, so the repository root is added instead.
"""
import logging
import os
import sys

try:
    import bridge_core  # noqa: F401
except ImportError:
    _checkout = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 4))
    if os.path.isfile(os.path.join(_checkout, "bridge_core", "__init__.py")):
        sys.path.append(_checkout)
        logging.getLogger("dcc_bridge.maya").debug("using bridge_core from the checkout at %s", _checkout)
    import bridge_core  # noqa: F401  (a clear ImportError if the module is incomplete)
