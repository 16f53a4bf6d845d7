"""DCC Bridge's version, in a module of its own so that any module (and ``build.py``, which reads this file
as text) can have it without importing the package's façade.

    from .version import __version__
"""
__version__ = "0.1.0"
