"""The bridge's rpyc connection: who reads the socket, where requests run, how callers wait.

``BridgeConnection`` is an rpyc ``Connection`` with four rules added:

1. **A reader for idle times, the caller for its own reply.** A dedicated thread (the server's per-client
   thread, or the client's reader thread) serves the socket while nobody waits on it, so callbacks arrive
   at any time. A thread that sends a request becomes the *leader*: it interrupts the reader (a wake-up
   socket), which parks, and reads the socket itself until its reply arrives, serving whatever else arrives
   meanwhile (rpyc's way). One thread wake-up per round trip instead of two. On the main thread the same
   poll also watches the pump's wake-up socket, so main-thread work from other connections runs while it
   waits (``executors``).
2. **Requests run through the executor.** The reader unboxes each incoming request in order and hands it on:
   straight to the host's main thread when the executor can ``submit`` (the main thread runs it and sends
   the reply if the socket takes it at once, else the writer thread sends it: the main thread never waits on
   a socket write; requests run in arrival order, and one waiting on a bridge call lets the ones behind it run,
   nested, as in plain rpyc), else to a per-connection dispatcher thread, which runs it through the executor
   and sends the reply. Housekeeping (ping, reference release, close, root) runs on the reader. With the
   ``direct`` executor everything runs on the reader, as in plain rpyc.
3. **Released proxies are batched.** rpyc sends one message per proxy that dies (every temporary
   ``hou.node(p)``); here they are collected and sent as one message every ``DEL_BATCH`` proxies, or
   ``DEL_DELAY`` after the first of them died (with the next call, or by the reader when no call comes), and
   at once on ``close()``: the server is not kept busy between a reply and the next call, and an object the
   client dropped (a remote file, an object with a ``__del__``) is released within about a second.
4. **Errors are ours.** A call past the timeout raises ``BridgeTimeoutError`` and leaves the connection
   usable; a connection that dies wakes every waiter with ``ConnectionLostError`` (or the error the config's
   ``bridge_lost`` makes from the message: a ``Link``'s says how to reconnect), and so does one whose peer was
   silent for the keepalive window (``keepalive``: heartbeats, ``lose``); exceptions and exception
   classes travel as described in ``remote_errors``.

Messages are marshal-encoded rpyc envelopes (message type, sequence number, boxed arguments; every number in
``wire``); how values are boxed is ``boxing``'s job, the frames ``transport``'s. Every rpyc method overridden
here and every private rpyc field used is listed, with why, in ``_rpyc.SEAM``; docs/threading.md draws the
threads and the locks (and what each may wait on).

    conn = BridgeConnection(service, BridgeChannel(BridgeStream(sock)), {"bridge_executor": executor})
    conn.start_reader("dcc-bridge-reader")
"""
import collections
import inspect
import logging
import marshal
import queue
import socket
import sys
import threading
import time

from . import bulk, fusing, keepalive, proxies, wire
from .boxing import Boxed, Boxing
from ._rpyc import Connection
from .errors import BridgeError, BridgeTimeoutError, ConnectionLostError, TransferTooLargeError
from .executors import PUMP, direct
from .transport import drain, wait_readable
from .wire import HANDLE_CALLATTR_CHAIN, HANDLE_DEL_MANY, LABEL_FUSED, MARSHAL_VERSION

log = logging.getLogger("dcc_bridge.protocol")

__all__ = ["BridgeConnection", "INLINE_HANDLERS"]

READER_GRACE = 0.02     # the reader stays parked this long after the last call (a callback waits at most this)
LEADER_SLICE = 0.05     # the main thread, waiting behind another reader, re-checks main-thread work this often
INLINE_HANDLERS = frozenset({wire.HANDLE_PING, wire.HANDLE_DEL, HANDLE_DEL_MANY, wire.HANDLE_CLOSE,
                             wire.HANDLE_GETROOT})
DEL_BATCH = 64         # release references once this many proxies died ...
DEL_DELAY = 0.5        # ... or once the oldest waited this long (seconds): at the next call, else by the reader
HOST_WRITE_LIMIT = bulk.THRESHOLD  # a reply the host's thread may write itself; bigger ones go to the writer thread
_DONTWAIT = getattr(socket, "MSG_DONTWAIT", None)  # not on Windows: there every host reply goes to the writer


_MALFORMED = (ValueError, TypeError, LookupError)  # what unboxing a malformed reply or exception raises
_MESSAGE_TYPES = frozenset({wire.MSG_REQUEST, wire.MSG_REPLY, wire.MSG_EXCEPTION, wire.MSG_KEEPALIVE})


def _release(lock, conn):
    """Release a lock this thread holds, unless the connection closed meanwhile and rpyc's cleanup (which frees
    both locks for whoever waits on them, even under a nested call of this very thread) already did."""
    try:
        lock.release()
    except RuntimeError:
        if not conn._closed:
            raise


class _Waiter:
    """A caller's pending reply (the callback rpyc calls with it)."""

    __slots__ = ("ready", "failed", "value")

    def __init__(self):
        self.ready = self.failed = False
        self.value = None

    def __call__(self, failed, value):
        self.failed, self.value, self.ready = failed, value, True


class BridgeConnection(Boxing, Connection):
    """An rpyc connection with a single reader thread, an executor, and the bridge's errors."""

    def __init__(self, root, channel, config={}):  # noqa: B006 (rpyc's signature)
        self._reader = None
        self._leaders = 0
        self._last_leader = 0.0
        self._reader_polling = False
        self._leader_lock = threading.Lock()  # callers take the bare lock (no Python-level Condition methods)
        self._leader_cond = threading.Condition(self._leader_lock)
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_w.setblocking(False)
        self._dispatch_queue = None
        self._writer_jobs = None
        self._cleanup_lock = threading.Lock()
        self._cleaned = False
        # allow_exposed_attrs off: rpyc would otherwise look for an "exposed_" twin of every attribute read
        super().__init__(root, channel, dict({"allow_exposed_attrs": False}, **config, bind_threads=False))
        channel.stream.interrupts = (PUMP.interrupt_socket,)  # a main thread waiting here also serves the pump
        self._proxy_cache, self._local_objects = proxies.ProxyCache(), proxies.LocalObjects()
        self._proxy_refs, self._local_slots = self._proxy_cache.refs, self._local_objects.slots  # hot reads
        self._proxy_classes = {}
        self._dead_proxies = collections.deque()  # (id_pack, count) waiting for a HANDLE_DEL_MANY
        self._oldest_dead = 0.0
        self._bulk_boxed = 0      # Pending buffers boxed and not yet written
        self._bulk_incoming = []  # a stack: the bulk buffers of each message being dispatched
        self._executor = self._config.get("bridge_executor") or direct
        self._submit = getattr(self._executor, "submit", None)
        self._peer_name = self._config.get("bridge_peer") or "the other side"
        self.fused_calls = fusing.enabled(self._config.get("bridge_fused_calls"))  # read by this side's proxies
        self._lost = self._config.get("bridge_lost") or ConnectionLostError  # message -> the error to raise
        self._lost_message = None  # why the peer counts as gone (keepalive), for the errors of pending calls
        self.last_heard = time.monotonic()  # when the last message arrived (keepalive)
        self.peer_keepalive = 0.0  # the peer's keepalive window, from its heartbeats (0: none announced)

    # ------------------------------------------------------------------------------------ reading

    def start_reader(self, name):
        """Serve this connection from a new daemon thread; returns the thread."""
        thread = threading.Thread(target=self.run_reader, name=name, daemon=True)
        self._reader = thread
        thread.start()
        return thread

    def run_reader(self):
        """Serve this connection on the calling thread until it closes.

        The reader waits for data without holding the receive lock, so a leader never waits for it. It parks
        while a leader is active, and for ``READER_GRACE`` after the last one, so that during a burst of calls
        only the callers wake for their replies (a leader interrupts a reader already waiting on the socket).
        """
        self._reader = threading.current_thread()
        stream = self._channel.stream
        sock = stream.sock
        keepalive.watch(self, self._config.get("bridge_keepalive"))
        try:
            while not self._closed:
                if self._leaders or time.monotonic() - self._last_leader < READER_GRACE:
                    self._park()
                else:  # nobody called lately (always so on a server that makes no calls): no lock to take
                    self._reader_polling = True
                try:  # bytes already inside TLS do not make the socket readable
                    ready = [sock] if stream.pending() else wait_readable([sock, self._wake_r], self._release_due())
                finally:
                    self._reader_polling = False
                if self._wake_r in ready:
                    drain(self._wake_r)
                if sock in ready and not self._leaders:
                    self._serve_ready()  # one message, unless a leader got the socket first
                elif self._dead_proxies and self._release_due() == 0:
                    self._release_dead_proxies()  # nobody called since they died: the reader sends them
        except (EOFError, OSError, ValueError):
            pass
        except Exception:
            log.debug("connection to %s ended with an error", self._peer_name, exc_info=True)
        finally:
            self.close()

    def _release_due(self):
        """Seconds until the waiting released proxies are due (0: now), or None when none wait."""
        if not self._dead_proxies:
            return None
        return max(self._oldest_dead + DEL_DELAY - time.monotonic(), 0)

    def _park(self):
        """Wait while callers read the socket themselves, and ``READER_GRACE`` after the last one; then mark the
        reader as polling (a caller starting later interrupts it)."""
        with self._leader_cond:
            while not self._closed:
                if self._leaders:  # leaders don't wake us when they finish (a thread switch per call)
                    self._leader_cond.wait(READER_GRACE)
                    continue
                quiet = time.monotonic() - self._last_leader
                if quiet >= READER_GRACE:
                    break
                self._leader_cond.wait(READER_GRACE - quiet)
            self._reader_polling = True

    def _serve_ready(self):
        """Read and dispatch one message the socket already has (the reader polled it), without rpyc's second
        poll; False when a leader holds the receive lock."""
        if not self._recvlock.acquire(False):
            return False
        self._read_locked(None, polled=True)
        return True

    def _read_locked(self, timeout, polled=False):
        """With the receive lock held: read one message and dispatch it; the lock is released either way.
        The socket is polled for ``timeout`` seconds first (None: no limit), unless ``polled`` says the caller
        already saw it readable."""
        try:
            data = (polled or self._channel.stream.poll(timeout)) and self._channel.recv()
        except BaseException as exc:
            _release(self._recvlock, self)
            if isinstance(exc, EOFError):
                self.close()
            raise
        if not data:
            self._recvlock.release()
            return
        try:
            self._dispatch(data)  # releases the receive lock
        finally:
            self._notify_readers()

    def _notify_readers(self):
        """As rpyc's ``serve``: threads waiting for the receive lock look again. (The condition's own
        ``acquire``/``release``, not ``with``: no Python-level calls around the lock.)"""
        event = self._recv_event
        event.acquire()
        try:
            event.notify_all()
        finally:
            event.release()

    def _interrupt_reader(self):
        try:
            self._wake_w.send(b"\0")
        except OSError:  # full (a wake-up is pending) or closed
            pass

    @property
    def timeout(self):
        """Seconds a call may take before ``BridgeTimeoutError`` (None: no limit); settable."""
        return self._config["sync_request_timeout"]

    @timeout.setter
    def timeout(self, seconds):
        self._config["sync_request_timeout"] = seconds

    # ------------------------------------------------------------------------------------ closing

    def close(self):
        """Close the socket; every pending call fails with ``ConnectionLostError``. Safe to call twice. Proxies
        released and not yet reported are reported first (the server drops them now, not at its own cleanup)."""
        if "_dead_proxies" not in vars(self):  # __init__ failed (no file left for the wake-up sockets ...)
            return
        if not self._closed and self._dead_proxies:
            self._release_dead_proxies()
        self._closed = True
        self._cleanup()

    def lose(self, message):
        """The peer is gone (``keepalive``): close without sending anything more (nothing would arrive, and a
        write could block), waking every thread that reads or writes the socket; pending calls fail with
        ``message``. As on any close, work of the peer queued for the host and not yet started is dropped."""
        self._lost_message = message
        self._closed = True
        log.warning("%s", message)
        sock = self.socket
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # a thread blocked in recv() or send() on it returns now
            except OSError:
                pass
        self._cleanup()

    @property
    def socket(self):
        """The connection's socket, or None once closed."""
        sock = self._channel.stream.sock
        return sock if isinstance(sock, socket.socket) else None

    @property
    def peer_name(self):
        """How logs and errors name the other end ("client 127.0.0.1:50312", "the houdini server at ...")."""
        return self._peer_name

    def _cleanup(self, _anyway=True):
        with self._cleanup_lock:
            if self._cleaned:
                return
            self._cleaned = True
        self._closed = True
        callbacks = getattr(self, "_request_callbacks", {})  # absent if __init__ failed half-way
        pending = list(callbacks.values())
        callbacks.clear()
        try:
            super()._cleanup(_anyway)
        except Exception:
            log.debug("cleanup of the connection to %s failed", self._peer_name, exc_info=True)
        lost = self._lost(self._lost_message or f"the connection to {self._peer_name} was closed")
        for callback in pending:
            callback(True, lost)
        if self._dispatch_queue is not None:
            self._dispatch_queue.put(None)
        if self._writer_jobs is not None:
            self._writer_jobs.put(None)
        with self._leader_cond:
            self._leader_cond.notify_all()
        if getattr(self, "_recv_event", None) is not None:  # callers waiting for another thread's read
            self._notify_readers()
        self._interrupt_reader()

    # ------------------------------------------------------------------------------------ requests out

    def async_request(self, handler, *args, **kwargs):
        if handler == wire.HANDLE_DEL:  # rpyc's release of a proxy: batched as ours
            return self.proxy_released(object.__getattribute__(args[0], "____id_pack__"), args[1])
        return super().async_request(handler, *args, **kwargs)

    def proxy_released(self, id_pack, count):
        """A proxy died (its ``__del__``): the server's reference is released with the next batch."""
        if self._closed:
            return
        first = not self._dead_proxies
        if first:
            self._oldest_dead = time.monotonic()
        self._dead_proxies.append((id_pack, count))
        if len(self._dead_proxies) >= DEL_BATCH:
            self._release_dead_proxies()
        elif first and self._reader_polling:
            self._interrupt_reader()  # it waits with no time limit: it re-polls with the batch's due time

    def _release_dead_proxies(self):
        batch = []
        while self._dead_proxies:
            try:
                batch.append(self._dead_proxies.popleft())
            except IndexError:  # another thread emptied it
                break
        if batch:
            try:
                self._async_request(HANDLE_DEL_MANY, (tuple(batch),))
            except Exception:  # the connection is closing: the server drops everything anyway
                pass

    def sync_request(self, handler, *args):
        timeout = self._config["sync_request_timeout"]
        if self._closed:
            raise self._lost(f"the connection to {self._peer_name} is closed; connect again")
        if self._dead_proxies and time.monotonic() - self._oldest_dead > DEL_DELAY:
            self._release_dead_proxies()
        current = threading.current_thread()
        if current is self._reader:
            try:  # the reader itself (a nested call while serving): it reads, as in rpyc
                return super().sync_request(handler, *args)
            except TimeoutError:
                raise self._timeout_error(timeout) from None
        waiter = _Waiter()
        deadline = None if timeout is None else time.monotonic() + timeout
        main = current is threading.main_thread()
        with self._leader_lock:
            self._leaders += 1
            if self._reader_polling:
                self._interrupt_reader()  # it parks instead of waking for our reply, which this thread reads
        seq = next(self._seqcounter)  # rpyc's _get_seq_id, inline
        try:
            self._request_callbacks[seq] = waiter
            self._send(wire.MSG_REQUEST, seq, (handler, (wire.LABEL_TUPLE, tuple([self._box(a) for a in args]))))
            while not waiter.ready and not self._closed:
                if main:
                    PUMP.run_pending()  # main-thread work from other connections
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                if main and remaining is None or main and remaining > LEADER_SLICE:
                    remaining = LEADER_SLICE  # bounded, in case another thread holds the socket
                self._lead(waiter, remaining)
        except EOFError:  # the peer is gone (a send to a closed socket, or the read): every caller learns it
            self.close()
        finally:
            with self._leader_lock:
                self._leaders -= 1
                self._last_leader = time.monotonic()
            if not waiter.ready:
                self._request_callbacks.pop(seq, None)  # a late reply is dropped
        if waiter.ready:
            if waiter.failed:
                raise waiter.value
            return waiter.value
        if self._closed:
            raise self._lost(self._lost_message or f"the connection to {self._peer_name} closed before it answered")
        raise self._timeout_error(timeout)

    def _lead(self, waiter, timeout):
        """Read one message for a waiting caller, or wait while another thread reads one (rpyc's ``serve``,
        without its per-call objects)."""
        event = self._recv_event
        event.acquire()
        try:
            if not self._recvlock.acquire(False):
                event.wait(timeout)  # the thread reading may deliver our reply
                return
        finally:
            event.release()
        if waiter.ready:  # delivered while we took the lock
            self._recvlock.release()
            self._notify_readers()
            return
        self._read_locked(timeout)

    def _timeout_error(self, timeout):
        return BridgeTimeoutError(
            f"{self._peer_name} did not answer within {timeout:g} s (it may still be working on it). The bridge "
            f"is still usable; raise the timeout (connect(timeout=...) or DCC_BRIDGE_TIMEOUT) for long calls.")

    # ------------------------------------------------------------------------------------ requests in

    def _dispatch_request(self, seq, raw_args):
        try:
            handler, args = raw_args
            args = self._unbox(args)
        except Exception:
            self._send(wire.MSG_EXCEPTION, seq, self._box_exc(*sys.exc_info()))
            return
        if handler in INLINE_HANDLERS or getattr(self._executor, "inline", False):
            self._send_reply(self._reply(seq, handler, args))
            return
        if self._submit is not None:  # straight to the host's thread, which replies itself
            try:
                self._submit(lambda: self._reply_from_host(seq, handler, args))
            except BaseException as exc:  # the host would not take it (shutting down ...)
                self._refuse(seq, exc)
            return
        if self._dispatch_queue is None:
            self._dispatch_queue = queue.SimpleQueue()
            threading.Thread(target=self._dispatch_loop, args=(self._dispatch_queue,),
                             name=f"dcc-bridge-dispatch-{self._config['connid']}", daemon=True).start()
        self._dispatch_queue.put((seq, handler, args))

    def _reply(self, seq, handler, args):
        """Run one request; returns the ``_send`` arguments of its reply."""
        try:
            result = self._HANDLERS[handler](self, *args)
            if type(result) is Boxed:
                return wire.MSG_REPLY, seq, result.package
            return wire.MSG_REPLY, seq, self._box(result)
        except BaseException:
            typ, value, tb = sys.exc_info()
            if typ is KeyboardInterrupt and self._config["propagate_KeyboardInterrupt_locally"]:
                raise
            log.debug("request %s raised", handler, exc_info=True)
            return wire.MSG_EXCEPTION, seq, self._box_exc(typ, value, tb)

    def _reply_from_host(self, seq, handler, args):
        if self._closed:  # the peer is gone: nobody waits for this any more (and rpyc's cleanup took the handlers)
            return
        self._send_reply_quietly(self._reply(seq, handler, args), from_host=True)

    def _refuse(self, seq, exc):
        """The executor would not take or run a request (host shutting down ...): its caller gets the error."""
        self._send_reply_quietly((wire.MSG_EXCEPTION, seq, self._box_exc(type(exc), exc, exc.__traceback__)))

    def _dispatch_loop(self, jobs):
        executor = self._executor
        while True:
            job = jobs.get()
            if job is None:
                return
            seq, handler, args = job
            if self._closed:  # the peer is gone: nobody waits for the rest
                continue
            try:
                reply = executor(lambda: self._reply(seq, handler, args))
            except BaseException as exc:  # the executor itself failed
                self._refuse(seq, exc)
                continue
            self._send_reply_quietly(reply)

    def _send_reply(self, reply, from_host=False):
        """Send a reply; one too large for the cap becomes a ``TransferTooLargeError`` for the caller."""
        try:
            self._send(*reply, from_host=from_host)
        except TransferTooLargeError:
            self._send(wire.MSG_EXCEPTION, reply[1], self._box_exc(*sys.exc_info()), from_host=from_host)
        except ValueError as exc:  # marshal could not encode it (nothing was queued): the caller still gets an answer
            failure = ValueError(f"DCC Bridge could not encode the reply ({exc}); please report this as a bug")
            self._send(wire.MSG_EXCEPTION, reply[1], self._box_exc(ValueError, failure, None), from_host=from_host)

    def _send_reply_quietly(self, reply, from_host=False):
        """``_send_reply`` from a thread that has nobody to tell when the connection is gone: logged."""
        try:
            self._send_reply(reply, from_host)
        except Exception:
            log.debug("could not send a reply to %s (connection closed)", self._peer_name)

    # ------------------------------------------------------------------------------------ framing

    def _send(self, msg, seq, args, from_host=False):
        """rpyc's ``_send`` (a queue drained by whichever thread holds the send lock, so a ``__del__`` that
        fires mid-send cannot deadlock), plus the bulk buffers the message refers to. ``from_host``: a reply
        sent by the host's thread, which must not wait on a slow reader: what it cannot write at once goes to
        the writer thread."""
        buffers = []
        if self._bulk_boxed:
            args = bulk.collect(args, buffers)
            self._bulk_boxed = max(self._bulk_boxed - len(buffers), 0)
        data = bytes((msg,)) + marshal.dumps((seq, args), MARSHAL_VERSION)
        self._channel.check_size(len(data), "a message")  # here, so the caller's thread gets the error
        for buffer in buffers:
            self._channel.check_size(memoryview(buffer).nbytes, "a buffer")
        self._send_queue.append((data, buffers))
        if from_host:  # never block the host's thread: what cannot be written at once goes to the writer thread
            if buffers or len(data) > HOST_WRITE_LIMIT or len(self._send_queue) > 1 or not self._write_at_once():
                self._writer().put(True)
            return
        self._write_queued()

    def _write_at_once(self):
        """The host's thread: send the one queued message without waiting on the socket. What the socket does
        not take at once is handed to the writer thread, with the send lock (so nothing else is written in
        between). False when that cannot be tried (another thread is writing, more is queued, no
        ``MSG_DONTWAIT`` on this OS, TLS): the writer thread sends it all."""
        if _DONTWAIT is None or self._channel.stream.tls or not self._sendlock.acquire(False):
            return False
        handed_over = False
        try:
            if len(self._send_queue) != 1:
                return False
            frame = self._channel.frame(self._send_queue.pop(0)[0])
            try:
                sent = self._channel.stream.sock.send(frame, _DONTWAIT)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError as exc:
                self._channel.stream.close()
                raise EOFError(exc) from None
            if sent < len(frame):
                self._writer().put(memoryview(frame)[sent:])
                handed_over = True
            return True
        finally:
            if not handed_over:
                _release(self._sendlock, self)
                if self._send_queue:  # queued by another thread while we held the lock: it left them to us
                    self._writer().put(True)

    def send_keepalive(self, window):
        """Queue a heartbeat (``wire.MSG_KEEPALIVE`` with this end's window) and send it without waiting on the
        socket: when another thread is writing, it sends it after its own message; what the socket does not
        take at once goes to the writer thread (``keepalive``'s thread serves every connection)."""
        if self._closed:
            return
        self._send_queue.append((bytes((wire.MSG_KEEPALIVE,)) + marshal.dumps((0, window), MARSHAL_VERSION), ()))
        if not self._write_at_once() and (_DONTWAIT is None or self._channel.stream.tls):
            self._writer().put(True)  # a TLS socket cannot be written without waiting: the writer thread sends it

    def _write_queued(self):
        """Write the queued messages, unless another thread is writing (it writes ours too)."""
        while self._send_queue:
            if not self._sendlock.acquire(False):
                return  # the holder sends ours too
            try:
                if self._send_queue:
                    data, buffers = self._send_queue.pop(0)
                    self._channel.send(data, buffers)
            finally:
                _release(self._sendlock, self)

    def _writer(self):
        """The connection's writer thread (started on first use): it writes what the host's thread queued."""
        if self._writer_jobs is None:  # the host's thread and the keepalive thread get here
            with self._cleanup_lock:
                if self._writer_jobs is None:
                    jobs = queue.SimpleQueue()
                    threading.Thread(target=self._write_loop, args=(jobs,),
                                     name=f"dcc-bridge-writer-{self._config['connid']}", daemon=True).start()
                    self._writer_jobs = jobs
        return self._writer_jobs

    def _write_loop(self, jobs):
        while True:
            job = jobs.get()
            if job is None:
                return
            try:
                if job is not True:  # the rest of a message the host's thread began; it handed us the send lock
                    try:
                        self._channel.stream.write(job)
                    finally:
                        _release(self._sendlock, self)
                self._write_queued()
            except Exception:
                log.debug("could not send a reply to %s (connection closed)", self._peer_name)

    def _dispatch(self, data):
        """One received message. As rpyc's, it releases the receive lock taken by ``serve`` exactly once:
        before running a request (which may wait on nested replies), after delivering a reply."""
        self.last_heard = time.monotonic()
        self._bulk_incoming.append(self._channel.take_bulks())
        try:
            try:
                msg = data[0]
                seq, args = marshal.loads(memoryview(data)[1:])
                if msg not in _MESSAGE_TYPES:
                    raise ValueError(f"message type {msg}")
            except (ValueError, TypeError, EOFError, IndexError) as exc:  # the peer broke the protocol
                _release(self._recvlock, self)
                raise self._malformed(exc) from None
            if msg == wire.MSG_REQUEST:
                self._recvlock.release()
                self._dispatch_request(seq, args)
            elif msg == wire.MSG_REPLY:
                try:  # deliver before releasing, as rpyc does (a waiter checks its result under the lock)
                    try:
                        value = self._unbox(args)
                    except _MALFORMED as exc:
                        if isinstance(exc, BridgeError):  # the connection's own errors (lost during a lookup)
                            raise
                        broken = exc
                    else:
                        broken = None
                        self._seq_request_callback(msg, seq, False, value)
                finally:  # unboxing may look a class up (a nested call): the connection may be gone by now
                    _release(self._recvlock, self)
                if broken is not None:
                    raise self._malformed(broken)
            elif msg == wire.MSG_KEEPALIVE:
                self._recvlock.release()
                if args != self.peer_keepalive and type(args) is float and args >= 0:
                    self.peer_keepalive = args
                    keepalive.peer_window_changed()
            else:
                self._recvlock.release()
                try:
                    value = self._unbox_exc(args)
                except _MALFORMED as exc:
                    if isinstance(exc, BridgeError):
                        raise
                    raise self._malformed(exc) from None
                self._seq_request_callback(msg, seq, True, value)
        finally:
            self._bulk_incoming.pop()

    def _malformed(self, exc):
        """The peer broke the protocol: close the connection (every pending call fails saying so) and return the
        EOFError to raise."""
        self._lost_message = f"{self._peer_name} sent a malformed message ({str(exc)[:200]}); connection closed"
        self.close()
        return EOFError(self._lost_message)

    # ------------------------------------------------------------------------------------ handlers

    @classmethod
    def _request_handlers(cls):
        handlers = super()._request_handlers()
        handlers[HANDLE_DEL_MANY] = cls._handle_del_batch
        handlers[HANDLE_CALLATTR_CHAIN] = cls._handle_callattr_chain
        return handlers

    def _handle_del_batch(self, released):
        for id_pack, count in released:
            try:
                self._local_objects.decref(id_pack, count)
            except KeyError:  # already gone
                pass

    def _handle_getattr(self, obj, name):
        config = self._config
        if (type(name) is str and config["allow_all_attrs"] and config["allow_getattr"]
                and not config["allow_exposed_attrs"] and getattr(type(obj), "_rpyc_getattr", None) is None):
            return getattr(obj, name)  # what rpyc's checks come to when everything is allowed
        return super()._handle_getattr(obj, name)

    def _handle_callattr(self, obj, name, args, kwargs=()):
        return self._handle_getattr(obj, name)(*args, **dict(kwargs))  # rpyc's, one call shorter

    def _handle_callattr_chain(self, obj, name, args, kwargs, steps):
        """A call, then each follow-up on the previous result while that result is proxied (``fusing``)."""
        result = self._handle_callattr(obj, name, args, kwargs)
        first = boxed = self._box(result)
        done = []
        for step_name, step_args in steps:
            if boxed[0] != wire.LABEL_REMOTE_REF:
                break  # the client gets a value and goes on locally
            try:
                result = self._handle_callattr(result, step_name, step_args)
            except Exception:
                done.append((True, self._box_exc(*sys.exc_info())))
                break
            boxed = self._box(result)
            done.append((False, boxed))
        return Boxed((LABEL_FUSED, (first, tuple(done))))

    def _handle_inspect(self, id_pack):
        methods = super()._handle_inspect(id_pack)
        obj = self._local_objects[id_pack]
        if inspect.ismodule(obj):  # a module's functions are attributes of the instance, not of its class
            methods = tuple(methods) + proxies.module_functions(obj)
        return methods
