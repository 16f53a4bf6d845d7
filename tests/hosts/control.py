"""The control channel of a simulated host session: how tests and the demo act as the user.

A simulated Houdini or Maya process listens on a loopback port and prints ``control <port>`` on its standard
output. The test side connects and sends one JSON object per line; the session runs each request on its main
thread (as the user's clicks and Script Editor input would run) and answers with one JSON line:

| request                                   | what the session does                                   | answer ``result`` |
|-------------------------------------------|---------------------------------------------------------|-------------------|
| ``{"op": "exec", "code": "..."}``         | exec in ``__main__`` (Script Editor / Python Shell)     | captured stdout   |
| ``{"op": "eval", "expr": "..."}``         | eval in ``__main__``                                    | the value (JSON, else its repr) |
| ``{"op": "click", "tool": "name"}``       | Houdini: run a shelf tool's script                      | captured stdout   |
| ``{"op": "menu", "path": ["A", "B"]}``    | Maya: pick a menu item by its label path                | captured stdout   |
| ``{"op": "answer", "value": "OK"}``       | queue the user's answer to the next dialog (*)          | null              |
| ``{"op": "stall", "seconds": 2}``         | the user holds the mouse for 2 s: no idle work runs (*) | null              |
| ``{"op": "stall", "release": true}``      | end a stall (``"seconds": null``: until released) (*)   | null              |
| ``{"op": "modal", "on": true}``           | dialogs wait for the user's answer instead of Enter     | null              |
| ``{"op": "waiting"}``                     | the open dialog waiting for an answer, or null (*)      | a dict or null    |
| ``{"op": "shown"}``                       | what the host showed (messages, status bar, menus ...)  | a dict            |
| ``{"op": "quit"}``                        | leave the event loop; the process exits                 | null              |

(*) handled on the control channel's own thread, so they work while the main thread is held (a stall, an open
modal dialog); everything else waits its turn on the main thread. A handler says where it runs with a
``runner`` attribute (``anywhere``, or a function like ``LOOP.call``: Houdini's Python Shell has its own).

Every answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "Type: message", "traceback": "..."}``.
This is test scaffolding on 127.0.0.1 only, never shipped.

    channel = ControlServer(handlers)          # in the session; handlers: {"exec": fn(request) -> result}
    client = ControlClient(port)               # in the test
    client.request("eval", expr="hou.node('/obj').path()")
"""
import contextlib
import io
import json
import socket
import threading
import traceback

from hostloop import LOOP

__all__ = ["ControlServer", "ControlClient", "ControlError", "capture_stdout", "serve_session", "standard_handlers",
           "anywhere"]


def anywhere(handler):
    """Mark a handler to run on the control channel's thread (not the host's main thread, which may be held)."""
    handler.runner = lambda fn, *args: fn(*args)
    return handler


class ControlError(Exception):
    """The session answered a request with an error."""

    def __init__(self, error, remote_traceback=""):
        super().__init__(error)
        self.remote_traceback = remote_traceback


@contextlib.contextmanager
def capture_stdout():
    """Collect what the code prints (the Script Editor's output pane)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        yield buffer


def _jsonable(value):
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


class ControlServer:
    """Accepts control connections on 127.0.0.1 and runs each request on the main thread via ``LOOP``."""

    def __init__(self, handlers):
        self._handlers = handlers
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, name="sim-control", daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), name="sim-control-client", daemon=True).start()

    def _serve(self, conn):
        with conn, conn.makefile("rwb") as stream:
            for line in stream:
                try:
                    request = json.loads(line)
                    runner = getattr(self._handlers.get(request.get("op")), "runner", LOOP.call)
                    answer = runner(self._run, request)
                except Exception as exc:  # a malformed request
                    answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": ""}
                try:
                    stream.write(json.dumps(answer).encode() + b"\n")
                    stream.flush()
                except OSError:
                    return

    def _run(self, request):
        handler = self._handlers.get(request.get("op"))
        if handler is None:
            return {"ok": False, "error": f"unknown op {request.get('op')!r}", "traceback": ""}
        try:
            return {"ok": True, "result": _jsonable(handler(request))}
        except BaseException as exc:  # report everything, including SystemExit from user code
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                    "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))}

    def close(self):
        self._listener.close()


def _stall(request):
    if request.get("release"):
        LOOP.release()
    elif request.get("seconds") is None:
        LOOP.hold()
    else:
        LOOP.stall(request["seconds"])


def standard_handlers(console, user, shown):
    """The requests both simulated hosts answer alike: code in ``__main__`` compiled as ``console`` (the name
    the host's console compiles typed code under), the user's dialog answers (``user``: the stand-in's private
    controls, with ``queue_answer``, ``modal_dialogs`` and ``waiting_dialog``), stalls, what was shown, quit."""
    import __main__

    def run_code(request):
        with capture_stdout() as output:
            exec(compile(request["code"], console, "exec"), __main__.__dict__)
        return output.getvalue()

    return {
        "exec": run_code,
        "eval": lambda r: eval(compile(r["expr"], console, "eval"), __main__.__dict__),
        "answer": anywhere(lambda r: user.queue_answer(r["value"])),
        "stall": anywhere(_stall),
        "modal": lambda r: user.modal_dialogs(bool(r.get("on", True))),
        "waiting": anywhere(lambda r: user.waiting_dialog()),
        "shown": lambda r: shown(),
        "quit": anywhere(lambda r: LOOP.stop()),  # stop() is thread-safe and ends a stall
    }


def serve_session(handlers):
    """The end of a simulated host's start-up: announce the control port, run the main loop until ``quit``,
    SIGTERM or SIGINT (each of which leaves the loop, as closing the application would)."""
    import faulthandler
    import signal

    if hasattr(signal, "SIGUSR1"):  # a hung session dumps every thread's stack when the harness asks
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    control = ControlServer(handlers)
    # the handler only stops the loop; the loop's wake-up socket is the signal wake-up descriptor, so the main
    # thread wakes (and runs the handler) whichever thread the kernel delivered the signal to
    LOOP.stop_on_signals(signal.SIGTERM, signal.SIGINT)
    # announced from the loop, after the work start-up deferred to it (menus, autostart): the test sees a
    # host that has finished starting, as a user would
    LOOP.post(lambda: print("control", control.port, flush=True))
    LOOP.run()
    control.close()


class ControlClient:
    """The test's end of the control channel."""

    def __init__(self, port, timeout=30.0):
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self._stream = self._sock.makefile("rwb")

    def request(self, op, **fields):
        """Send one request; returns its result or raises ``ControlError`` with the session's traceback."""
        fields["op"] = op
        self._stream.write(json.dumps(fields).encode() + b"\n")
        self._stream.flush()
        line = self._stream.readline()
        if not line:
            raise ControlError("the session closed the control channel")
        answer = json.loads(line)
        if not answer["ok"]:
            raise ControlError(answer["error"], answer.get("traceback", ""))
        return answer["result"]

    def close(self):
        for closer in (self._stream.close, self._sock.close):
            try:
                closer()
            except OSError:
                pass
