"""DCC Bridge start-up. Maya runs every userSetup.py on sys.path, in __main__, in GUI and batch sessions.

Maya runs them one after another inside a single ``try``: one that raises stops every userSetup.py after it on
sys.path (other studio modules' start-up). So this one never raises: whatever goes wrong (a broken or partial
install included) is written to stderr in one line, and Maya and the other modules start as if it were absent.
It only hands over to dcc_bridge_maya.startup (which defers its work and is safe to run twice) and leaves no
names behind in __main__; it neither needs nor touches any other module's userSetup.py.
"""
try:
    import dcc_bridge_maya.startup as _dcc_bridge_startup

    _dcc_bridge_startup.run()
    del _dcc_bridge_startup
except Exception as _dcc_bridge_error:  # never stop the userSetup.py files after this one
    import sys as _dcc_bridge_sys

    _dcc_bridge_sys.stderr.write(f"DCC Bridge: not started ({type(_dcc_bridge_error).__name__}: "
                                 f"{_dcc_bridge_error}); Maya continues without it. Reinstall the dcc_bridge "
                                 f"module if this persists.\n")
    del _dcc_bridge_sys, _dcc_bridge_error
