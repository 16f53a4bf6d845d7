"""The wire's numbers live in one module (``bridge_core.wire``): its table documents each one, no two labels or
handler ids share a value, rpyc's numbers match rpyc's own, and no other module defines a wire number."""
import re

import pytest

from bridge_core import _rpyc, wire
from support import ROOT

pytestmark = pytest.mark.timeout(30)


def _named(prefix):
    return {name: value for name, value in vars(wire).items() if name.startswith(prefix)}


@pytest.mark.parametrize("prefix", ["LABEL_", "MSG_"])
def test_no_two_numbers_of_a_kind_share_a_value(prefix):
    named = _named(prefix)
    assert len(set(named.values())) == len(named), named


def test_handler_ids_are_unique_and_rpycs_match_rpyc():
    handlers = {name: value for name, value in _named("HANDLE_").items()}
    assert len(set(handlers.values())) == len(handlers), handlers
    assert wire.RPYC_HANDLERS == {name: getattr(_rpyc.consts, name) for name in dir(_rpyc.consts)
                                  if name.startswith("HANDLE_")}
    for name in ("MSG_REQUEST", "MSG_REPLY", "MSG_EXCEPTION", "LABEL_VALUE", "LABEL_TUPLE", "LABEL_LOCAL_REF",
                 "LABEL_REMOTE_REF"):
        assert getattr(wire, name) == getattr(_rpyc.consts, name), name
    assert min(wire.HANDLE_DEL_MANY, wire.HANDLE_CALLATTR_CHAIN) > max(wire.RPYC_HANDLERS.values())


def test_every_name_is_in_the_table():
    doc = wire.__doc__
    for name in wire.__all__:
        if name == "RPYC_HANDLERS":
            continue
        assert f"``{name}``" in doc, f"{name} is missing from wire's table"
    for name in wire.RPYC_HANDLERS:  # rpyc's handlers: one row for the range
        assert 1 <= wire.RPYC_HANDLERS[name] <= 20


def test_no_other_module_defines_a_wire_number():
    pattern = re.compile(r"^(LABEL_|HANDLE_|MSG_)\w+\s*=\s*\d", re.MULTILINE)
    for path in sorted((ROOT / "bridge_core").glob("*.py")):
        if path.name != "wire.py":
            assert not pattern.findall(path.read_text(encoding="utf-8")), f"{path.name} defines a wire number"
