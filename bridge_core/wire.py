"""Every number, label and header on DCC Bridge's wire, in one place (standard library only).

A connection carries, in order: the handshake (``handshake``), then framed messages (``transport``) whose body
is a one-byte message type and a marshal-encoded ``(seq, args)`` (``protocol``), where every value is a
``(label, value)`` box (``boxing``). The numbers below rpyc's own (messages 1-3, labels 1-4, handlers 1-20)
are rpyc 6's and must stay equal to them: rpyc's code that the bridge still runs (its request handlers, its
netrefs' ``syncreq``) uses rpyc's ``consts``, and ``tests/test_rpyc_seam.py`` checks that they agree. The rest
are the bridge's. The modules that implement a number import it from here; this module imports nothing of
the bridge, and nothing here depends on rpyc.

| layer       | name                        | value            | meaning (implemented in)                                          |
|-------------|-----------------------------|------------------|-------------------------------------------------------------------|
| handshake   | ``HANDSHAKE_MAGIC``         | ``b"DCCB"``      | starts every handshake frame (``handshake``)                      |
| handshake   | ``HANDSHAKE_HEADER``        | ``!4sI``         | magic, body length (big-endian), then a UTF-8 JSON body           |
| handshake   | ``HANDSHAKE_MAX_BODY``      | 8192             | longest handshake body accepted                                   |
| handshake   | ``VERSION``                 | 3                | the bridge's wire version, the handshake's ``protocol`` key: both ends must send the same |
| frame       | ``FRAME_HEADER``            | ``!LB``          | payload length (big-endian), flags (rpyc's layout; ``transport``) |
| frame       | ``FLAG_PLAIN``              | 0                | the payload is one message                                        |
| frame       | ``FLAG_COMPRESSED``         | 1                | rpyc's zlib-compressed payload: never sent, refused on receive  |
| frame       | ``FLAG_BULK``               | 2                | ``BULK_COUNT`` then the message; that many bulk frames follow     |
| frame       | ``FLUSHER``                 | ``b"\\n"``       | after each payload (rpyc's)                                       |
| frame       | ``BULK_COUNT``              | ``!I``           | number of bulk frames after the message                           |
| frame       | ``BULK_LENGTH``             | ``!Q``           | starts each bulk frame: its length, then the raw bytes            |
| message     | ``MARSHAL_VERSION``         | 4                | body = message type byte + ``marshal.dumps((seq, args), 4)`` (``protocol``) |
| message     | ``MSG_REQUEST``             | 1                | args = ``(handler, boxed argument tuple)``                        |
| message     | ``MSG_REPLY``               | 2                | args = the boxed result                                           |
| message     | ``MSG_EXCEPTION``           | 3                | args = a raised exception (``EXCEPTION_MARKER`` tuple)            |
| message     | ``MSG_KEEPALIVE``           | 4                | seq 0, args = the sender's keepalive window in seconds (float, 0.0: off); no reply. Each end sends one at least every third of the smaller window (``keepalive``) |
| handler     | ``HANDLE_PING`` ... ``HANDLE_INSTANCECHECK`` | 1-20 | rpyc's requests (``RPYC_HANDLERS``; run by rpyc's handlers, some overridden in ``protocol``) |
| handler     | ``HANDLE_DEL_MANY``         | 64               | release many proxies' references: ``((id_pack, count), ...)`` (``protocol``) |
| handler     | ``HANDLE_CALLATTR_CHAIN``   | 65               | a call and its follow-ups: ``(obj, name, args, kwargs, ((name, constants), ...))`` (``fusing``) |
| box label   | ``LABEL_VALUE``             | 1                | the value itself: str, int, float, bool, None, tuples of them     |
| box label   | ``LABEL_TUPLE``             | 2                | a tuple of boxes                                                  |
| box label   | ``LABEL_LOCAL_REF``         | 3                | an id_pack: the receiver's own object, coming back                |
| box label   | ``LABEL_REMOTE_REF``        | 4                | ``(class name, class id, object id)``: the sender's object, a proxy at the receiver |
| box label   | ``LABEL_EXCEPTION_CLASS``   | 16               | an exception class description (``remote_errors``)               |
| box label   | ``LABEL_COPY``              | 17               | ``(kind, meta, bytes)``: a small bytes-like value (``bulk``)      |
| box label   | ``LABEL_BULK``              | 18               | ``(index, kind, meta)``: a big one, in bulk frame ``index`` (``bulk``) |
| box label   | ``LABEL_SPECIAL``           | 19               | ``(None,)`` ``NotImplemented``, ``(start, stop, step)`` a slice (``boxing``) |
| box label   | ``LABEL_FUSED``             | 20               | ``(result box, ((failed, box), ...))``: a fused call's reply (``fusing``) |
| exception   | ``EXCEPTION_MARKER``        | ``"dcc-bridge-exception/2"`` | first item of a raised exception (``remote_errors``)  |

``Bridge.call``'s copied values travel inside these boxes as tuples tagged with one letter (``values``).
A change to anything in this table that an older peer would misread is a new ``VERSION``.

    from .wire import LABEL_VALUE, MSG_REPLY
    data = bytes((MSG_REPLY,)) + marshal.dumps((seq, (LABEL_VALUE, 42)), MARSHAL_VERSION)
"""
import struct

__all__ = [
    "VERSION", "HANDSHAKE_MAGIC", "HANDSHAKE_HEADER", "HANDSHAKE_MAX_BODY",
    "FRAME_HEADER", "FLUSHER", "FLAG_PLAIN", "FLAG_COMPRESSED", "FLAG_BULK", "BULK_COUNT", "BULK_LENGTH",
    "MARSHAL_VERSION", "MSG_REQUEST", "MSG_REPLY", "MSG_EXCEPTION", "MSG_KEEPALIVE",
    "LABEL_VALUE", "LABEL_TUPLE", "LABEL_LOCAL_REF", "LABEL_REMOTE_REF", "LABEL_EXCEPTION_CLASS", "LABEL_COPY",
    "LABEL_BULK", "LABEL_SPECIAL", "LABEL_FUSED", "RPYC_HANDLERS", "HANDLE_DEL_MANY", "HANDLE_CALLATTR_CHAIN",
    "EXCEPTION_MARKER",
]

# ------------------------------------------------------------------------------------------- handshake
VERSION = 3  # 2: exceptions' arguments boxed by value (EXCEPTION_MARKER /2)
#             3: handshake proofs bound to the server and the dialled address, the server proves first (13b);
#                MSG_KEEPALIVE (13d)
HANDSHAKE_MAGIC = b"DCCB"
HANDSHAKE_HEADER = struct.Struct("!4sI")
HANDSHAKE_MAX_BODY = 8192

# ------------------------------------------------------------------------------------------- frames
FRAME_HEADER = struct.Struct("!LB")
FLUSHER = b"\n"
FLAG_PLAIN = 0
FLAG_COMPRESSED = 1
FLAG_BULK = 2
BULK_COUNT = struct.Struct("!I")
BULK_LENGTH = struct.Struct("!Q")

# ------------------------------------------------------------------------------------------- messages
MARSHAL_VERSION = 4  # C speed; format 4 is read alike by every Python from 3.4 on
MSG_REQUEST = 1
MSG_REPLY = 2
MSG_EXCEPTION = 3
# 13d liveness: a one-way heartbeat; an older peer would close on it (an unknown message type), hence VERSION 3
MSG_KEEPALIVE = 4

# ------------------------------------------------------------------------------------------- handlers
HANDLE_PING = 1
HANDLE_CLOSE = 2
HANDLE_GETROOT = 3
HANDLE_GETATTR = 4
HANDLE_DELATTR = 5
HANDLE_SETATTR = 6
HANDLE_CALL = 7
HANDLE_CALLATTR = 8
HANDLE_REPR = 9
HANDLE_STR = 10
HANDLE_CMP = 11
HANDLE_HASH = 12
HANDLE_DIR = 13
HANDLE_PICKLE = 14
HANDLE_DEL = 15
HANDLE_INSPECT = 16
HANDLE_BUFFITER = 17
HANDLE_OLDSLICING = 18
HANDLE_CTXEXIT = 19
HANDLE_INSTANCECHECK = 20
RPYC_HANDLERS = {name: value for name, value in globals().items() if name.startswith("HANDLE_")}
HANDLE_DEL_MANY = 64        # ours: many proxies released in one message (rpyc sends one HANDLE_DEL per proxy)
HANDLE_CALLATTR_CHAIN = 65  # ours: a fused call

# ------------------------------------------------------------------------------------------- box labels
LABEL_VALUE = 1
LABEL_TUPLE = 2
LABEL_LOCAL_REF = 3
LABEL_REMOTE_REF = 4
LABEL_EXCEPTION_CLASS = 16
LABEL_COPY = 17
LABEL_BULK = 18
LABEL_SPECIAL = 19
LABEL_FUSED = 20

# ------------------------------------------------------------------------------------------- exceptions
EXCEPTION_MARKER = "dcc-bridge-exception/2"  # /2: arguments boxed by value (was brine-dumpable values)
