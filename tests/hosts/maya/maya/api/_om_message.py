"""Message callbacks of the API: ``MMessage`` (removing callbacks), ``MDGMessage.addTimeChangeCallback`` and
the ``MTime`` it passes. The callbacks' registry and when they run are ``maya/_events.py``'s: right away, on
the main thread, for every change of the current time (not at idle, unlike script jobs).
"""
from .. import _events, _session


class MTime:
    """A time value with its unit (the stand-in's scenes run in film units, 24 frames a second)."""

    kInvalid, kHours, kMinutes, kSeconds, kMilliseconds, kGames, kFilm = 0, 1, 2, 3, 4, 5, 6
    kPALFrame, kNTSCFrame, kShowScan, kPALField, kNTSCField = 7, 8, 9, 10, 11
    _PER_SECOND = {kHours: 1 / 3600.0, kMinutes: 1 / 60.0, kSeconds: 1.0, kMilliseconds: 1000.0, kGames: 15.0,
                   kFilm: 24.0, kPALFrame: 25.0, kNTSCFrame: 30.0, kShowScan: 48.0, kPALField: 50.0,
                   kNTSCField: 60.0}

    def __init__(self, value=0.0, unit=kFilm):
        if unit not in self._PER_SECOND:
            raise RuntimeError("(kInvalidParameter): the stand-in's MTime models the named units only")
        self._value, self._unit = float(value), int(unit)

    @property
    def value(self):
        return self._value

    @value.setter
    def value(self, value):
        self._value = float(value)

    @property
    def unit(self):
        return self._unit

    @unit.setter
    def unit(self, unit):
        self._value = self.asUnits(unit)
        self._unit = int(unit)

    def asUnits(self, unit):
        return self._value / self._PER_SECOND[self._unit] * self._PER_SECOND[unit]

    @staticmethod
    def uiUnit():
        return MTime.kFilm

    def __eq__(self, other):
        return isinstance(other, MTime) and abs(self.asUnits(MTime.kSeconds) - other.asUnits(MTime.kSeconds)) < 1e-9

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        return f"maya.api.OpenMaya.MTime({self._value!r}, {self._unit})"


class MMessage:
    """Base class for message callbacks."""

    @staticmethod
    def removeCallback(id):
        _session.check_started("maya.api.OpenMaya.MMessage.removeCallback")
        _events.remove_callback(id)

    @staticmethod
    def removeCallbacks(ids):
        for number in list(ids):
            MMessage.removeCallback(number)


class MDGMessage(MMessage):
    """Class used to register callbacks for Dependency Graph related messages."""

    @staticmethod
    def addTimeChangeCallback(function, clientData=None):
        """``function(time, clientData)`` on every change of the current time; returns the callback's id."""
        _session.check_started("maya.api.OpenMaya.MDGMessage.addTimeChangeCallback")
        if not callable(function):
            raise TypeError("an MDGMessage callback must be callable")
        return _events.add_time_callback(function, clientData)
