"""One side of a benchmark run: a server or a client of one flavour, driven over stdin/stdout by ``bench.py``.

    python bench/peer.py serve  FLAVOUR            # prints "port N", serves until stdin closes
    python bench/peer.py client FLAVOUR PORT       # reads "MEASURE REPEATS" lines, prints one JSON line each

Flavours: ``hrpyc`` (rpyc 4.1.0 classic, as Houdini's hrpyc sets it up; run with that rpyc), ``rpyc6`` (plain
rpyc 6 classic), ``bridge`` (this project), ``raw`` (a plain socket: only the ``bulk`` baseline). Servers
serve the Houdini stand-in's ``hou`` (it must be on the server's ``sys.path``). Times are in seconds.
"""
import json
import os
import resource
import socket
import struct
import sys
import threading
import time

POSITIONS_SETUP = """
import hou
geo = hou.Geometry()
count = 1 << 20  # 1,048,576 points: 12 MiB of float32 positions
geo.createPoints([(float(i % 1024), float(i // 1024), 0.0) for i in range(count)])
hou.session.bench_geo = geo
hou.session.bench_bytes = geo.pointFloatAttribValuesAsString("P")  # the same 12 MiB, already made
hou.node("/obj").createNode("geo", "bench_node") if hou.node("/obj/bench_node") is None else None
"""
LOOKUP_PATH = "/obj/bench_node"
LOOKUPS = 2000
LOOP_CALLS = 1000


def lookups(paths):
    import hou

    return [hou.node(path).path() for path in paths]


def timed_lookups(paths):
    """The same lookups, timed where they run: the host's own share of a ``Bridge.call``."""
    import time

    start = time.perf_counter()
    lookups(paths)
    return time.perf_counter() - start


# ------------------------------------------------------------------------------------------ servers


def serve(flavour):
    if flavour == "raw":
        return serve_raw()
    if flavour == "bridge":
        import bridge_core

        server = bridge_core.start_server(port=0, app="houdini")
        print("port", server.port, flush=True)
        sys.stdin.read()
        server.stop()
        return
    import rpyc
    from rpyc.utils.server import ThreadedServer

    config = {"allow_all_attrs": True, "allow_pickle": True}
    server = ThreadedServer(rpyc.SlaveService, hostname="127.0.0.1", port=0, protocol_config=config,
                            auto_register=False)
    server._listen()
    threading.Thread(target=server.start, daemon=True).start()
    print("port", server.port, flush=True)
    sys.stdin.read()
    server.close()


def serve_raw():
    listener = socket.create_server(("127.0.0.1", 0))
    print("port", listener.getsockname()[1], flush=True)
    payload = os.urandom(12 << 20)

    def handle(conn):
        with conn:
            while conn.recv(4):
                conn.sendall(payload)

    def accept():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()
    listener.close()


# ------------------------------------------------------------------------------------------ clients


def peak_rss_mb():
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6


class Client:
    def __init__(self, flavour, port):
        self.flavour, self.port = flavour, port
        self.conn, self.hou = self.connect()

    def connect(self):
        if self.flavour == "bridge":
            import bridge_core

            bridge = bridge_core.connect(port=self.port, timeout=300)
            return bridge, bridge.hou
        if self.flavour == "raw":
            return socket.create_connection(("127.0.0.1", self.port)), None
        import rpyc

        conn = rpyc.classic.connect("127.0.0.1", self.port)
        conn._config["sync_request_timeout"] = 300
        return conn, conn.modules["hou"]

    def close(self, conn=None):
        (conn or self.conn).close()

    def setup(self):
        if self.flavour != "raw":
            self.conn.execute(POSITIONS_SETUP)

    def measure_per_call(self):
        hou = self.hou
        start = time.perf_counter()
        for _ in range(200):
            hou.node(LOOKUP_PATH).path()
        return (time.perf_counter() - start) / 200

    def measure_per_call_loop(self):
        """The mean per call over a loop of 1,000 calls, as a script runs it (with everything the loop costs:
        released proxies, garbage collection, the scheduler)."""
        hou = self.hou
        start = time.perf_counter()
        for _ in range(LOOP_CALLS):
            hou.node(LOOKUP_PATH).path()
        return (time.perf_counter() - start) / LOOP_CALLS

    def measure_chain(self):
        hou = self.hou
        start = time.perf_counter()
        for _ in range(200):
            hou.node(LOOKUP_PATH).parm("tx").eval()
        return (time.perf_counter() - start) / 200

    def measure_lookups_loop(self):
        hou = self.hou
        start = time.perf_counter()
        for _ in range(LOOKUPS):
            hou.node(LOOKUP_PATH).path()
        return time.perf_counter() - start

    def measure_lookups_call(self):
        start = time.perf_counter()
        result = self.conn.call(lookups, [LOOKUP_PATH] * LOOKUPS)
        assert len(result) == LOOKUPS
        return time.perf_counter() - start

    def measure_lookups_inside(self):
        return self.conn.call(timed_lookups, [LOOKUP_PATH] * LOOKUPS)

    def _raw_transfer(self):
        start = time.perf_counter()
        self.conn.sendall(struct.pack("!I", 1))
        data = self.conn.recv(12 << 20, socket.MSG_WAITALL)
        assert len(data) == 12 << 20
        return time.perf_counter() - start

    def measure_transfer(self):
        """12 MiB of bytes that already exist on the server (the transport alone)."""
        if self.flavour == "raw":
            return self._raw_transfer()
        session = self.hou.session
        start = time.perf_counter()
        data = session.bench_bytes
        elapsed = time.perf_counter() - start
        assert len(data) == 12 << 20, len(data)
        return elapsed

    def measure_bulk(self):
        """12 MiB of positions from Houdini's geometry (the stand-in makes them on each call)."""
        if self.flavour == "raw":
            return self._raw_transfer()
        geo = self.hou.session.bench_geo
        start = time.perf_counter()
        data = geo.pointFloatAttribValuesAsString("P")
        elapsed = time.perf_counter() - start
        assert len(data) == 12 << 20, len(data)
        return elapsed

    def measure_connect(self):
        start = time.perf_counter()
        conn, _hou = self.connect()
        elapsed = time.perf_counter() - start
        self.close(conn)
        return elapsed

    def measure_bulk_memory(self):
        """Peak traced memory (bytes) of one 12 MiB transfer on (client, server), over the payload size."""
        import tracemalloc

        remote = self.conn.modules["tracemalloc"] if self.flavour != "raw" else None
        if remote is None:
            return [0.0, 0.0]
        remote.start()
        tracemalloc.start()
        self.measure_bulk()
        client_peak = tracemalloc.get_traced_memory()[1]
        server_peak = remote.get_traced_memory()[1]
        tracemalloc.stop()
        remote.stop()
        return [client_peak / (12 << 20), server_peak / (12 << 20)]

    def measure_idle_cpu(self):
        """CPU seconds this client and its server use while connected and idle for 2 s."""
        remote_os = self.conn.modules["os"] if self.flavour != "raw" else None
        before_client, before_server = os.times(), remote_os.times() if remote_os else None
        time.sleep(2.0)
        after_client, after_server = os.times(), remote_os.times() if remote_os else None
        client_cpu = (after_client.user + after_client.system) - (before_client.user + before_client.system)
        server_cpu = ((after_server[0] + after_server[1]) - (before_server[0] + before_server[1])) if remote_os else 0
        return [client_cpu, server_cpu]


def client(flavour, port):
    peer = Client(flavour, int(port))
    peer.setup()
    print(json.dumps({"ready": True, "rss_mb": peak_rss_mb()}), flush=True)
    for line in sys.stdin:
        name, repeats = line.split()
        measure = getattr(peer, f"measure_{name}")
        samples = [measure() for _ in range(int(repeats))]
        print(json.dumps({"measure": name, "samples": samples}), flush=True)
    peer.close()


if __name__ == "__main__":
    role, flavour = sys.argv[1], sys.argv[2]
    serve(flavour) if role == "serve" else client(flavour, sys.argv[3])
