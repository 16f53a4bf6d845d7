"""``python -m bridge_core``: serve, list sessions, run code against a server, or open a shell.

    python -m bridge_core serve --port 18811 --app houdini   # e.g. in hython; Ctrl-C stops
    python -m bridge_core list                                # the servers running on this machine
    python -m bridge_core exec -c "print(hou.node('/obj').children())"   # the one session running here
    python -m bridge_core exec script.py --app houdini       # the newest Houdini session
    python -m bridge_core shell                               # an interactive console with hou bound
    python -m bridge_core send-mesh --from maya pCube1 --to houdini [--name NAME]   # maya:18812 picks a port
    python -m bridge_core serve --host 0.0.0.0 --tls-cert srv.pem --tls-key srv.key --registry reg-host
    python -m bridge_core exec --host ws-042 --port 18811 --tls-ca studio-ca.pem -c "print(hou.applicationVersion())"
    python -m bridge_core registry [--host 0.0.0.0 --port 18810]   # sessions across machines (rpyc's registry)
    python -m bridge_core list --registry reg-host            # this machine's sessions and the registry's

Exit status: 0 on success, 1 when the code run by ``exec`` raised (its traceback, remote part included, is
printed), 2 when the bridge itself failed (one line on stderr saying what to do).
"""
import argparse
import code
import json
import signal
import sys
import traceback

from . import config, discovery, registry, trust
from .client import connect
from .errors import BridgeError
from .server import start_server
from .version import __version__

__all__ = ["main"]


def _add_target(parser):
    parser.add_argument("--host", help="server address (DCC_BRIDGE_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="server port (DCC_BRIDGE_PORT; else the one session running on "
                                                 "this machine; else 18811)")
    parser.add_argument("--app", help="connect to the newest session of this app on this machine (houdini, maya)")
    parser.add_argument("--timeout", type=float, help="seconds a remote call may take (DCC_BRIDGE_TIMEOUT or 30)")
    _add_tls_ca(parser)


def _add_tls_ca(parser):
    parser.add_argument("--tls-ca", help="connect over TLS, trusting this CA certificate (PEM; DCC_BRIDGE_TLS_CA)")


def _the_one_session(settings, host):
    """The session to use when neither --port, --app nor DCC_BRIDGE_PORT says: the only one running on this
    machine; None when there is none (the default port is tried); an error listing them when there are several."""
    if settings.port_set or (host and host not in discovery.LOOPBACK_NAMES):
        return None
    sessions = discovery.list_sessions(settings.runtime_dir)
    if len(sessions) <= 1:
        return sessions[0] if sessions else None
    listed = ", ".join(f"{s.app} on port {s.port} (pid {s.pid})" for s in sessions)
    apps = "|".join(sorted({s.app for s in sessions}))
    raise BridgeError(f"{len(sessions)} DCC Bridge sessions are running on this machine: {listed}. Pick one with "
                      f"--port PORT, or --app {apps} for the newest of an app ('python -m bridge_core list' shows "
                      f"them)")


def _connect(args, settings):
    port, host = args.port, args.host
    if args.app and port is None:
        session = discovery.find_session(settings.runtime_dir, app=args.app)
        if session is None:
            raise BridgeError(f"no running {args.app} session on this machine (looked in {settings.runtime_dir}); "
                              f"start the bridge server in {args.app} first, or give --port")
        port, host = session.port, host or session.host
    elif port is None:
        session = _the_one_session(settings, host)
        if session is not None:
            port, host = session.port, host or session.host
    return connect(host, port, timeout=args.timeout, settings=settings, tls_ca=args.tls_ca)


def _namespace(bridge):
    names = {"bridge": bridge, "__name__": "__main__"}
    try:
        names["hou"] = bridge.modules["hou"]
    except ImportError:  # the server has no hou (a plain Python or Maya server)
        pass
    if bridge.app == "maya":
        try:
            names["cmds"] = bridge.modules["maya.cmds"]
        except ImportError:
            pass
    return names


def cmd_serve(args, settings):
    def ready(server):
        signal.signal(signal.SIGTERM, lambda *_: server.stop())
        print(f"DCC Bridge {__version__} serving {args.app} on {server.host}:{server.port}")
        print(f"session file: {server.session_file}")
        print("Press Ctrl-C to stop.", flush=True)

    # requests run on this (main) thread: hython's hou and mayapy's maya.cmds are not thread-safe
    start_server(args.port, use_thread=False, quiet=args.quiet, host=args.host, app=args.app, settings=settings,
                 on_ready=ready, tls_cert=args.tls_cert, tls_key=args.tls_key, registry=args.registry)
    print("stopped")
    return 0


def cmd_list(args, settings):
    sessions = discovery.list_sessions(settings.runtime_dir)
    where = args.registry or settings.registry
    try:
        remote = registry.sessions(where) if where else []
    except BridgeError as exc:
        if args.registry:  # asked for on the command line: the command failed
            raise
        print(f"dcc-bridge list: DCC_BRIDGE_REGISTRY: {str(exc).splitlines()[0]}", file=sys.stderr)
        where, remote = None, []
    if args.json:
        print(json.dumps([dict(app=s.app, pid=s.pid, host=s.host, port=s.port, bridge=s.bridge,
                               started=s.started, scene=s.scene, local_socket=s.local_socket) for s in sessions] +
                         [dict(app=s.app, host=s.host, port=s.port, registry=s.registry) for s in remote], indent=1))
        return 0
    if not sessions:
        print(f"no DCC Bridge sessions running on this machine (looked in {settings.runtime_dir})")
        problem = settings.runtime_dir.is_dir() and trust.folder_problem(settings.runtime_dir)
        if problem:  # its files are ignored, not missing: say why
            print(f"that folder is ignored: {problem}. See docs/security.md, 'Session files'.")
    for s in sessions:
        age = s.age_seconds()
        age_text = "?" if age is None else _duration(age)
        scene = f"  {s.scene}" if s.scene else ""
        print(f"{s.app:<10} pid {s.pid:<7} {s.address:<21} up {age_text:<8} bridge {s.bridge}{scene}")
    if where:
        address = "%s:%d" % registry.parse_address(where)
        print(f"{len(remote)} session(s) in the registry at {address}" + (":" if remote else ""))
        for s in remote:
            print(f"{s.app:<10} {s.address}")
    return 0


def cmd_registry(args, settings):
    server = registry.RegistryServer(args.host, args.port, expire=args.expire)
    signal.signal(signal.SIGTERM, lambda *_: server.close())
    print(f"DCC Bridge registry (rpyc's registry protocol) on {args.host}:{server.port}; registrations expire "
          f"after {args.expire:g} s without a refresh. Press Ctrl-C to stop.", flush=True)
    server.start()  # until Ctrl-C (rpyc's start returns on KeyboardInterrupt) or SIGTERM
    print("stopped")
    return 0


def _duration(seconds):
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m"


def cmd_exec(args, settings):
    if args.code is None and args.file is None:
        raise BridgeError("give the code to run: -c CODE, a file name, or - for standard input")
    if args.code is not None:
        source, filename = args.code, "<string>"
    elif args.file == "-":
        source, filename = sys.stdin.read(), "<stdin>"
    else:
        try:
            with open(args.file, encoding="utf-8") as handle:
                source, filename = handle.read(), args.file
        except OSError as exc:
            raise BridgeError(f"cannot read {args.file}: {exc.strerror}") from None
    with _connect(args, settings) as bridge:
        namespace = _namespace(bridge)
        try:
            exec(compile(source, filename, "exec"), namespace)
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else 1
        except BridgeError as exc:
            if not hasattr(exc, "remote_traceback"):
                raise
            traceback.print_exc()
            return 1
        except Exception:
            traceback.print_exc()
            return 1
    return 0


def _session_bridge(target, settings, tls_ca=None):
    """``app`` or ``app:port`` -> a Bridge to that session on this machine (found as ``list`` finds it); an
    error listing them when ``app`` alone matches several."""
    app, _, port = target.partition(":")
    try:
        number = int(port) if port else None
    except ValueError:
        raise BridgeError(f"{target!r} is not a session: write an app (maya, houdini) or app:port") from None
    found = [s for s in discovery.list_sessions(settings.runtime_dir)
             if s.app == app and (number is None or s.port == number)]
    if not found:
        at = f" on port {number}" if number else ""
        raise BridgeError(f"no running {app} session{at} on this machine (looked in {settings.runtime_dir}); "
                          f"'python -m bridge_core list' shows the sessions")
    if len(found) > 1:  # never guess which scene a mesh comes from or goes into
        listed = ", ".join(f"{app}:{s.port} (pid {s.pid}{', ' + s.scene if s.scene else ''})" for s in found)
        raise BridgeError(f"{len(found)} {app} sessions are running on this machine: {listed}. Pick one with "
                          f"{app}:PORT")
    session = found[0]
    return connect(session.host, session.port, settings=settings, tls_ca=tls_ca)  # token, local socket: its file


def cmd_send_mesh(args, settings):
    from .pipeline import send_mesh

    with _session_bridge(args.source, settings, args.tls_ca) as source, \
            _session_bridge(args.target, settings, args.tls_ca) as target:
        result = send_mesh(source, args.node, target, name=args.name)
        if result["warning"]:
            print(f"warning: {result['warning']}", file=sys.stderr)
        print(result["summary"])
    return 0


def cmd_shell(args, settings):
    with _connect(args, settings) as bridge:
        namespace = _namespace(bridge)
        bound = ", ".join(sorted(k for k in namespace if not k.startswith("_")))
        banner = (f"DCC Bridge {__version__} shell: connected to {bridge.app or 'server'} at "
                  f"{bridge.host}:{bridge.port}.\nBound: {bound}. Ctrl-D to leave.")
        code.InteractiveConsole(namespace).interact(banner=banner, exitmsg="disconnected")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m bridge_core",
                                     description="DCC Bridge: serve, find and drive Houdini / Maya sessions.")
    parser.add_argument("--version", action="version", version=f"DCC Bridge {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    serve = commands.add_parser("serve", help="run a bridge server here until Ctrl-C")
    serve.add_argument("--host", help="address to listen on (DCC_BRIDGE_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (DCC_BRIDGE_PORT or 18811; 0 for any free port)")
    serve.add_argument("--app", default="python", help="name shown in session lists (default: python)")
    serve.add_argument("-q", "--quiet", action="store_true", help="no log lines on stderr")
    serve.add_argument("--tls-cert", help="serve TLS with this certificate (PEM; DCC_BRIDGE_TLS_CERT)")
    serve.add_argument("--tls-key", help="the certificate's private key (PEM; DCC_BRIDGE_TLS_KEY)")
    serve.add_argument("--registry", metavar="HOST[:PORT]", help="register with this registry (DCC_BRIDGE_REGISTRY)")
    serve.set_defaults(run=cmd_serve)

    listing = commands.add_parser("list", help="list the bridge sessions running on this machine")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.add_argument("--registry", metavar="HOST[:PORT]",
                         help="also list the sessions this registry knows, on every machine (DCC_BRIDGE_REGISTRY)")
    listing.set_defaults(run=cmd_list)

    execute = commands.add_parser("exec", help="run Python code here with hou bound to a server's hou")
    _add_target(execute)
    execute.add_argument("-c", dest="code", help="the code to run")
    execute.add_argument("file", nargs="?", help="a file of code to run (- for standard input)")
    execute.set_defaults(run=cmd_exec)

    shell = commands.add_parser("shell", help="an interactive console with hou bound to a server's hou")
    _add_target(shell)
    shell.set_defaults(run=cmd_shell)

    send = commands.add_parser("send-mesh", help="move a mesh from one running session to another")
    send.add_argument("node", help="the object to send (a Maya transform, a Houdini SOP or geo object path)")
    send.add_argument("--from", dest="source", required=True,
                      help="the session it is in: app, or app:port when several of that app run")
    send.add_argument("--to", dest="target", required=True,
                      help="the session to write it into: app, or app:port when several of that app run")
    send.add_argument("--name", help="the name to give it there (default: its own, sanitised)")
    _add_tls_ca(send)
    send.set_defaults(run=cmd_send_mesh)

    reg = commands.add_parser("registry", help="run a registry: servers on any machine register, list finds them")
    reg.add_argument("--host", default="0.0.0.0", help="address to listen on (default: 0.0.0.0, every interface)")
    reg.add_argument("--port", type=int, default=registry.DEFAULT_PORT,
                     help=f"port (default: {registry.DEFAULT_PORT})")
    reg.add_argument("--expire", type=float, default=registry.EXPIRE,
                     help=f"seconds a registration lives without a refresh (default: {registry.EXPIRE:g})")
    reg.set_defaults(run=cmd_registry)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.run(args, config.load())
    except BridgeError as exc:
        print(f"dcc-bridge {args.command}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
