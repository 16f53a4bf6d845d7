"""Reading a child process's output line by line, with a timeout, without losing lines.

``select`` on a pipe wrapped by a buffered reader misses lines the reader already buffered (two lines written
together: the first ``readline`` buffers both, and ``select`` then waits for a third). A thread that reads
every line into a queue has no such gap.

    lines = LineReader(proc.stdout)
    lines.next(20, "the server to start")   # -> "serving 4242\\n"; AssertionError after 20 s
"""
import queue
import threading

__all__ = ["LineReader"]


class LineReader:
    def __init__(self, stream):
        self._lines = queue.SimpleQueue()
        self.seen = []
        threading.Thread(target=self._pump, args=(stream,), name="line-reader", daemon=True).start()

    def _pump(self, stream):
        try:
            for line in stream:
                self._lines.put(line)
        except (OSError, ValueError):  # the pipe was closed under us
            pass
        self._lines.put(None)

    def next(self, timeout, what="a line"):
        """The next line; AssertionError if none comes within ``timeout`` or the stream ends."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output within {timeout:g} s while waiting for {what}; so far: "
                                 f"{''.join(self.seen)[-2000:]!r}") from None
        if line is None:
            self._lines.put(None)
            raise AssertionError(f"the output ended while waiting for {what}; so far: {''.join(self.seen)[-2000:]!r}")
        self.seen.append(line)
        return line

    def rest(self, timeout=10):
        """Every line still to come until the stream ends (call once the process has exited)."""
        lines = []
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                break
            if line is None:
                self._lines.put(None)
                break
            lines.append(line)
        self.seen.extend(lines)
        return "".join(lines)
