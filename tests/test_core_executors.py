"""Main-thread executors: requests run on the host's main thread, and nested calls never deadlock."""
import subprocess
import sys
import threading

import pytest

import bridge_core
from bridge_core import executors
from support import ROOT, clean_env, read_line


class Peer:
    def __init__(self, runtime_dir, app):
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "peers" / "mainloop_peer.py"), app],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=clean_env(runtime_dir), cwd=str(ROOT))
        self.port = int(read_line(self.proc.stdout, 20, "the peer to serve").split()[1])

    def send(self, line, timeout=20):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return read_line(self.proc.stdout, timeout, f"the answer to {line!r}").strip()

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc.stdout.close()
        return self.proc.returncode


@pytest.fixture
def two_peers(runtime_dir):
    first, second = Peer(runtime_dir, "alpha"), Peer(runtime_dir, "beta")
    yield first, second
    assert first.close() == 0
    assert second.close() == 0


def test_requests_run_on_the_servers_main_thread(two_peers):
    alpha, _ = two_peers
    with bridge_core.connect(port=alpha.port) as bridge:
        assert bridge.modules["__main__"].on_main() is True


@pytest.mark.timeout(60)
def test_each_side_calls_the_other_while_the_other_waits(two_peers):
    """alpha's main thread calls beta; beta, on its main thread, calls back into alpha's main thread, which is
    busy waiting for beta's answer. The pump lets alpha serve that call; nothing deadlocks."""
    alpha, beta = two_peers
    assert alpha.send(f"connect {beta.port}") == "connected"
    assert beta.send(f"connect {alpha.port}") == "connected"
    assert alpha.send("run other.modules['__main__'].call_back_home()") == "result (True, True)"
    assert beta.send("run other.modules['__main__'].call_back_home()") == "result (True, True)"


def test_main_thread_executor_runs_inline_on_the_main_thread():
    posted = []
    executor = executors.MainThreadExecutor(posted.append)
    assert executor(lambda: threading.current_thread().name) == threading.main_thread().name
    assert posted == []


def test_main_thread_executor_hands_work_to_a_waiting_main_thread():
    """A host loop that never runs (the main thread is busy waiting on the bridge): the pump serves the job."""
    from bridge_core.transport import drain, wait_readable

    posted = []
    executor = executors.MainThreadExecutor(posted.append)
    wake = executors.PUMP.interrupt_socket()
    outcome = {}

    def worker():
        outcome["value"] = executor(lambda: threading.current_thread() is threading.main_thread())

    thread = threading.Thread(target=worker)
    thread.start()
    assert wait_readable([wake], 10) == [wake], "offering work wakes a main thread polling its sockets"
    drain(wake)
    assert executors.PUMP.run_pending() == 1
    thread.join(5)
    assert outcome["value"] is True
    assert len(posted) == 1
    posted[0]()  # the host loop running it late is a no-op
    assert outcome["value"] is True


def test_main_thread_executor_reraises_the_jobs_exception():
    executor = executors.MainThreadExecutor(lambda job: job())  # a "host" that runs jobs at once, elsewhere
    box = {}

    def worker():
        try:
            executor(lambda: 1 / 0)
        except ZeroDivisionError as exc:
            box["error"] = exc

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(5)
    assert isinstance(box.get("error"), ZeroDivisionError)


@pytest.mark.timeout(60)
def test_a_callback_that_calls_the_server_again_on_the_same_connection(two_peers):
    """The server's main thread runs a request that calls back into the client, and the client's callback
    calls the server again over the same connection: that request runs nested on the server's main thread
    (as plain rpyc would), instead of waiting behind the request it is part of until the timeout."""
    alpha, _ = two_peers
    with bridge_core.connect(port=alpha.port, timeout=20) as bridge:
        bridge.execute("def apply(callback):\n    return callback()")
        apply, remote_main = bridge.namespace["apply"], bridge.modules["__main__"]
        assert apply(lambda: remote_main.on_main()) is True
        assert apply(lambda: apply(lambda: remote_main.on_main())) is True  # two levels deep


class FakeHost:
    """A host thread's queue: ``submit`` appends, ``run_next`` runs the oldest job (as the host's loop would)."""

    def __init__(self):
        self.jobs, self.refusing = [], False

    def submit(self, fn):
        if self.refusing:
            raise RuntimeError("the host is shutting down")
        self.jobs.append(fn)

    def run_next(self):
        self.jobs.pop(0)()


def test_in_order_hands_over_one_request_at_a_time_in_arrival_order():
    host, ran, refused = FakeHost(), [], []
    in_order = executors.InOrder(host.submit)
    for name in "abc":
        in_order.put(lambda name=name: ran.append(name), refused.append)
    assert len(host.jobs) == 1, "the next request is handed over only when the running one ended"
    host.run_next()
    assert ran == ["a"] and len(host.jobs) == 1
    host.run_next()
    host.run_next()
    assert ran == ["a", "b", "c"] and host.jobs == [] and refused == []
    in_order.put(lambda: ran.append("d"), refused.append)  # idle again: handed over at once
    host.run_next()
    assert ran[-1] == "d"


def test_in_order_refuses_what_the_host_will_not_take_and_goes_on():
    host, ran, refused = FakeHost(), [], []
    in_order = executors.InOrder(host.submit)
    in_order.put(lambda: ran.append("a"), refused.append)
    in_order.put(lambda: ran.append("b"), refused.append)
    host.refusing = True
    host.run_next()  # "a" ends; handing over "b" fails: "b" is refused, and the queue is idle again
    assert ran == ["a"] and len(refused) == 1 and "shutting down" in str(refused[0])
    host.refusing = False
    in_order.put(lambda: ran.append("c"), refused.append)
    host.run_next()
    assert ran == ["a", "c"]


def test_in_order_runs_a_request_nested_on_the_thread_running_one():
    host, ran = FakeHost(), []
    in_order = executors.InOrder(host.submit)

    def outer():
        ran.append("outer starts")
        in_order.put(lambda: ran.append("nested"), pytest.fail)  # read while "outer" waits on a nested call
        ran.append("outer ends")

    in_order.put(outer, pytest.fail)
    in_order.put(lambda: ran.append("next"), pytest.fail)
    host.run_next()
    assert ran == ["outer starts", "nested", "outer ends"]
    host.run_next()
    assert ran[-1] == "next"
