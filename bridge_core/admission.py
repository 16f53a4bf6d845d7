"""Who may start a handshake, how long a failing address waits, and how often a failure is logged.

A server keeps connections that have not authenticated yet to a few: ``Admission`` caps them in total and per
peer address (as OpenSSH's ``MaxStartups`` / ``PerSourceMaxStartups``); one past either cap is closed at once,
before a thread or a byte is spent on it. The total is also held under a quarter of the process's open-file
limit, so a flood of idle connections can never use up the descriptors the server needs for the clients that
do authenticate. An IPv6 peer counts by its /64 (one machine may hold the whole prefix).

Failed handshakes slow down per address: after *n* failures from an address in a row, its next connection's
handshake is held ``min(BACKOFF_FIRST * 2 ** (n - 1), backoff_max)`` seconds before the server proves itself
(``penalty``), and a wrong proof's reject as long again (``failed``); the connection keeps its slot meanwhile,
so one address has at most ``per_address`` guesses in flight. The server speaks first, so it cannot tell a
good client from a guesser before that point: a good client from a failing address waits too (as OpenSSH's
``PerSourcePenalties``), at most ``backoff_max``, and clients of this machine have the Unix socket, counted
apart. An address is forgiven after ``FORGIVE`` seconds without a failure.

``FailureLog`` turns a flood into one log line per kind of failure per minute, followed by a count of how
many more there were.

    admission = Admission(total=64, per_address=16, backoff_max=3.0)
    key = admission.key("10.0.0.7")
    if admission.admit(key) is None:     # else: a sentence saying which cap is full; close the socket
        ...                              # handshake; on a wrong token: stopped.wait(admission.failed(key))
        admission.release(key)
    failures = FailureLog(logging.getLogger("dcc_bridge.server"))
    failures("token", "refused %s: wrong token", peer)   # logged once a minute, the rest counted
"""
import collections
import ipaddress
import threading
import time

__all__ = ["Admission", "FailureLog", "file_limit", "BACKOFF_FIRST", "FORGIVE", "INTERVAL"]

BACKOFF_FIRST = 0.05   # seconds the first failure's reject is held; doubled for each failure after it
FORGIVE = 60.0         # an address's failures are forgotten after this long without one
INTERVAL = 60.0        # FailureLog: one line per kind of failure per this many seconds
_REMEMBERED = 4096     # addresses whose failures are remembered (the oldest are forgotten first)


def file_limit():
    """The process's soft open-file limit, or None where unknown (Windows) or unlimited."""
    try:
        import resource
    except ImportError:
        return None
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return None if soft == resource.RLIM_INFINITY else soft


class Admission:
    """Caps on unauthenticated connections (total, per address) and the back-off of failing addresses.
    Thread-safe."""

    def __init__(self, total, per_address, backoff_max, clock=time.monotonic):
        limit = file_limit()
        self.total = max(1, min(total, limit // 4)) if limit else total
        self.per_address = per_address
        self.backoff_max = backoff_max
        self._clock = clock
        self._lock = threading.Lock()
        self._pending = collections.Counter()     # key -> connections in their handshake
        self._count = 0
        self._failures = collections.OrderedDict()  # key -> (failures in a row, time of the last)

    @staticmethod
    def key(host):
        """What a peer counts as: its address; an IPv6 one by its /64; any other name as it is."""
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return host
        if address.version == 6:
            if address.ipv4_mapped is not None:
                return str(address.ipv4_mapped)
            return str(ipaddress.ip_network(f"{address}/64", strict=False))
        return str(address)

    def admit(self, key):
        """Take a slot for a new connection of ``key``: None, or a sentence saying which cap is full."""
        with self._lock:
            if self._count >= self.total:
                return f"{self._count} connections are already in their handshake (the cap is {self.total})"
            if self._pending[key] >= self.per_address:
                return (f"{self._pending[key]} connections from {key} are already in their handshake "
                        f"(the cap per address is {self.per_address})")
            self._pending[key] += 1
            self._count += 1
            return None

    def release(self, key):
        """Give back the slot ``admit`` took (the handshake ended, either way)."""
        with self._lock:
            self._count -= 1
            self._pending[key] -= 1
            if self._pending[key] <= 0:
                del self._pending[key]

    def penalty(self, key):
        """The seconds a new handshake of ``key`` is held before the server proves itself (0: no recent
        failures)."""
        with self._lock:
            count, last = self._failures.get(key, (0, 0.0))
        if not count or self._clock() - last > FORGIVE:
            return 0.0
        return min(BACKOFF_FIRST * 2 ** min(count - 1, 32), self.backoff_max)

    def failed(self, key):
        """Count a failed handshake of ``key``; returns the seconds its reject is to be held."""
        now = self._clock()
        with self._lock:
            count, last = self._failures.pop(key, (0, now))
            count = 1 if now - last > FORGIVE else count + 1
            self._failures[key] = (count, now)
            while len(self._failures) > _REMEMBERED:
                self._failures.popitem(last=False)
        return min(BACKOFF_FIRST * 2 ** min(count - 1, 32), self.backoff_max)

    @property
    def pending(self):
        """Connections in their handshake now."""
        return self._count


class FailureLog:
    """Log one line per kind of failure per ``interval``; the next line of a kind says how many were left out.

    ``kind`` must come from a small fixed set (never from what a peer sent): it keys the count."""

    def __init__(self, logger, interval=INTERVAL, clock=time.monotonic):
        self._logger = logger
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._kinds = {}  # kind -> [time logged last, left out since]

    def __call__(self, kind, message, *args):
        now = self._clock()
        with self._lock:
            state = self._kinds.get(kind)
            if state is not None and now - state[0] < self._interval:
                state[1] += 1
                return
            left_out = state[1] if state is not None else 0
            self._kinds[kind] = [now, 0]
        if left_out:
            message += " (and %d more like it since the last such line)"
            args += (left_out,)
        self._logger.warning(message, *args)
