"""One end of a bridge for the liveness fault tests, driven by lines on its standard input; it may run inside
a network namespace (``ip netns exec``), where the test process cannot reach it but through its pipes.

    python liveness_peer.py serve HOST          # prints "serving PORT"; then "clients" -> the number of clients
    python liveness_peer.py connect HOST PORT   # a Link; prints "connected"; then
        add A B   -> "ok A+B" or "error Type: first line"   (one call through the Link: reconnects when lost)
        hold      -> starts a call that waits on the server; prints "lost Type: first line" when it fails

Settings come from the environment (DCC_BRIDGE_KEEPALIVE, DCC_BRIDGE_TOKEN, DCC_BRIDGE_TIMEOUT, ...).
"""
import sys
import threading

import bridge_core
from bridge_core.link import Link

_out = threading.Lock()


def say(*words):
    with _out:
        print(*words, flush=True)


def failure(exc):
    return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"


def serve(host):
    server = bridge_core.start_server(host=host, port=0, app="houdini")
    say("serving", server.port)
    for line in sys.stdin:
        if line.strip() == "clients":
            say(len(server.clients))
    server.stop()


def hold(link):
    try:
        link.module("time").sleep(600)
        say("held")
    except Exception as exc:
        say("lost", failure(exc))


def connect(host, port):
    link = Link("houdini", how_to_connect="(liveness peer)")
    link.connect(host, int(port))
    say("connected")
    for line in sys.stdin:
        words = line.split()
        if words[:1] == ["add"]:
            try:
                say("ok", link.module("operator").add(int(words[1]), int(words[2])))
            except Exception as exc:
                say("error", failure(exc))
        elif words == ["hold"]:
            threading.Thread(target=hold, args=(link,), daemon=True).start()
    link.disconnect()


if __name__ == "__main__":
    {"serve": serve, "connect": connect}[sys.argv[1]](*sys.argv[2:])
