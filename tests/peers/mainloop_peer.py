"""A test peer: a process whose main thread runs an event loop, like a graphical Houdini or Maya.

It serves the bridge with a ``MainThreadExecutor`` and reads commands on standard input (one per line):
``connect PORT`` (a client to another peer, with the same executor, kept as ``other``), ``run EXPR`` (evaluated
on the main thread; prints ``result <repr>``), ``quit``. Prints ``serving PORT`` when ready. Other peers
import it and call ``main`` (their functions then live in their own ``__main__``; ``other`` stays here).
"""
import sys
import threading

import bridge_core
from bridge_core.executors import MainThreadExecutor
from hostloop import LOOP

executor = MainThreadExecutor(LOOP.post, name="peer")
other = None


def on_main():
    """True when called on this process's main thread."""
    return threading.current_thread() is threading.main_thread()


def call_back_home():
    """Called by the other peer; calls back into it while it is waiting for this very call."""
    return on_main(), other.modules["__main__"].on_main()


def command(line):
    global other
    verb, _, rest = line.strip().partition(" ")
    if verb == "connect":
        other = bridge_core.connect(port=int(rest), executor=executor, timeout=20)
        print("connected", flush=True)
    elif verb == "run":
        try:
            print("result", repr(eval(rest)), flush=True)
        except Exception as exc:
            print("error", type(exc).__name__, str(exc).splitlines()[0], flush=True)
    elif verb == "quit":
        if other is not None:
            other.close()
        LOOP.stop()


def read_commands():
    for line in sys.stdin:
        LOOP.post(command, line)
    LOOP.post(command, "quit")


def main(app):
    """Serve the bridge on this main thread's loop and follow the commands on standard input until ``quit``."""
    server = bridge_core.start_server(port=0, executor=executor, app=app)
    print("serving", server.port, flush=True)
    threading.Thread(target=read_commands, daemon=True).start()
    LOOP.run()
    server.stop()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "peer")
