"""Main-thread executors: requests run on the host's main thread, and nested calls never deadlock."""
import signal
import subprocess
import sys
import threading

import pytest

import bridge_core
from bridge_core import executors
from support import ROOT, Peer, clean_env, read_line, wait_until


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


ALPHA_CODE = """
import __main__
__main__.flag = []
def wait_on_beta():
    return __main__.other.modules["__main__"].wait_for_alpha()
__main__.wait_on_beta = wait_on_beta
"""
BETA_CODE = """
import __main__
__main__.started = []
def wait_for_alpha():
    __main__.started.append(True)
    alpha = __main__.other.modules["__main__"]
    while not alpha.flag:  # a call to alpha each time, served by alpha's waiting main thread
        pass
    return len(alpha.flag)
__main__.wait_for_alpha = wait_for_alpha
"""


@pytest.mark.timeout(60)
def test_a_request_waiting_on_another_connection_lets_its_own_connection_go_on(two_peers):
    """alpha's main thread runs a request that waits on beta (connection alpha->beta); beta answers only once
    alpha ran a second request, sent over the first request's connection by another client thread. alpha's
    waiting main thread runs it, nested (as it runs other connections' requests), instead of holding it back
    behind the request that waits for it."""
    alpha, beta = two_peers
    assert alpha.send(f"connect {beta.port}") == "connected"
    assert beta.send(f"connect {alpha.port}") == "connected"
    with bridge_core.connect(port=alpha.port, timeout=30) as to_alpha, \
            bridge_core.connect(port=beta.port, timeout=30) as to_beta:
        to_alpha.execute(ALPHA_CODE)
        to_beta.execute(BETA_CODE)
        outcome = {}
        waiting = threading.Thread(target=lambda: outcome.update(value=to_alpha.modules["__main__"].wait_on_beta()))
        waiting.start()
        wait_until(lambda: len(to_beta.modules["__main__"].started), 20, "alpha's request to wait on beta")
        to_alpha.modules["__main__"].flag.append("set by a second request on the same connection")
        waiting.join(30)
        assert outcome.get("value") == 1


STALLED_CLIENT = """
import sys, bridge_core
from bridge_core._rpyc import consts
bridge = bridge_core.connect(port=int(sys.argv[1]), timeout=60)
payload = bridge.eval("lambda: bytes(64 << 20)")
bridge.conn.async_request(consts.HANDLE_CALL, payload, ())  # ask for 64 MiB, don't wait for them
print("asked", flush=True)
sys.stdin.read()
"""


@pytest.mark.timeout(60)
def test_a_client_that_stops_reading_a_big_reply_does_not_freeze_the_main_thread(two_peers, runtime_dir):
    """A client asks for 64 MiB and stops (SIGSTOP) before reading them: the server's main thread still serves
    everyone else, since big replies are written by the connection's writer thread, not the host's thread."""
    alpha, _ = two_peers
    stalled = subprocess.Popen([sys.executable, "-c", STALLED_CLIENT, str(alpha.port)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, env=clean_env(runtime_dir), cwd=str(ROOT))
    try:
        assert read_line(stalled.stdout, 20, "the stalled client's request") == "asked\n"
        stalled.send_signal(signal.SIGSTOP)
        with bridge_core.connect(port=alpha.port, timeout=10) as bridge:
            assert bridge.modules["__main__"].on_main() is True
    finally:
        stalled.send_signal(signal.SIGCONT)
        stalled.kill()
        stalled.wait(10)
        stalled.stdout.close()
        stalled.stdin.close()


def test_replies_of_every_size_from_the_main_thread_arrive_whole_and_in_order(two_peers):
    """Small replies are written by the main thread, big ones (bulk frames) by the writer thread; a small
    reply queued behind a big one waits its turn."""
    alpha, _ = two_peers
    with bridge_core.connect(port=alpha.port, timeout=30) as bridge:
        make = bridge.eval("lambda n: bytes(range(256)) * (n // 256)")
        for size in (256, 64 << 10, 16 << 20, 512):
            assert make(size) == bytes(range(256)) * (size // 256), size
        results = {}
        threads = [threading.Thread(target=lambda n=n: results.update({n: make(n)})) for n in (8 << 20, 1024)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert {n: len(data) for n, data in results.items()} == {8 << 20: 8 << 20, 1024: 1024}


def test_submit_hands_work_over_without_waiting_and_it_runs_once():
    posted, ran = [], []
    executor = executors.MainThreadExecutor(posted.append)
    executor.submit(lambda: ran.append(threading.current_thread().name))
    assert ran == [] and len(posted) == 1, "submit returns at once; the host's loop runs the job later"
    assert executors.PUMP.run_pending() == 1  # a main thread waiting on the bridge gets to it first ...
    posted[0]()                               # ... and the host's loop running it late is a no-op
    assert ran == [threading.main_thread().name]


def test_submitted_work_that_fails_is_logged_not_raised_into_the_loop_that_ran_it(caplog):
    posted = []
    executors.MainThreadExecutor(posted.append).submit(lambda: 1 / 0)
    executors.PUMP.run_pending()  # a main thread waiting on its own call must not get the error
    assert "ZeroDivisionError" in caplog.text and "bridge work on the MainThread thread failed" in caplog.text


def test_submit_raises_what_the_host_raises():
    def closed_host(job):
        raise RuntimeError("the host is shutting down")

    ran = []
    executors.PUMP.run_pending()  # whatever earlier tests left
    with pytest.raises(RuntimeError, match="shutting down"):
        executors.MainThreadExecutor(closed_host).submit(lambda: ran.append(True))
    assert executors.PUMP.run_pending() == 0 and ran == [], "a refused job is not run later either"
