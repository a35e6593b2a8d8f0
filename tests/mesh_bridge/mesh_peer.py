"""An independent Python implementation of the Mesh protocol (seed 003).

Written from the seed text and the "The Mesh transport" section of
docs/mesh.md only; it is the other side of sxtp's Mesh bridge tests.

- Redis discovery: ``Redis`` (a minimal RESP client), ``register``,
  ``deregister``, ``discover``.
- HTTP/2 ``/channel`` client: ``ChannelClient`` / ``Channel`` (h2c with prior
  knowledge, 4-byte big-endian length-prefixed JSON messages).
- HTTP/2 ``/channel`` server: ``MeshNode`` (threaded).

Only the standard library and ``h2`` (python3-h2, 4.x).
"""

from __future__ import annotations

import collections
import json
import os
import select
import socket
import struct
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

try:  # pragma: no cover - import plumbing
    import h2  # noqa: F401
except ImportError:  # pragma: no cover
    # python3-h2 is a Debian package; an interpreter outside the system one
    # (pyenv, venv) does not see it. It is pure Python: borrow it.
    for _p in ('/usr/lib/python3/dist-packages',):
        if os.path.isdir(os.path.join(_p, 'h2')) and _p not in sys.path:
            sys.path.append(_p)
    import h2  # noqa: F401

import h2.events as h2e
import h2.exceptions as h2x
from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.errors import ErrorCodes
from h2.settings import Settings, SettingCodes

__all__ = [
    'MAX_MESSAGE', 'CHANNEL_CONTENT_TYPE', 'Redis', 'RedisError', 'Registration',
    'register', 'deregister', 'discover', 'discover_entries', 'encode_json',
    'decode_json', 'frame', 'encode_message', 'FrameReader', 'MessageTooLarge',
    'MeshError', 'Answer', 'Stream', 'Event', 'MeshNode', 'ChannelClient',
    'Channel', 'H2ClientConnection', 'ChannelTimeout', 'StreamReset',
    'StreamEnded', 'ConnectionClosed', 'MeshProtocolError', 'is_final',
    'answer_status', 'strict_equal', 'channel_headers', 'error_code_name',
]

MAX_MESSAGE = 1 << 20
CHANNEL_CONTENT_TYPE = 'application/x-mesh-channel'
KEY_PREFIX = 'mesh:service:'


# --------------------------------------------------------------------------
# Redis: a minimal RESP2 client (SET .. EX, GET, DEL, SCAN, PING)
# --------------------------------------------------------------------------

class RedisError(Exception):
    pass


class Redis:
    """A blocking RESP2 client over one socket; thread-safe (one lock)."""

    def __init__(self, port, host='127.0.0.1', timeout=5.0):
        self.host, self.port, self.timeout = host, port, timeout
        self._lock = threading.Lock()
        self._sock = None
        self._rfile = None
        self._connect()

    def _connect(self):
        self._sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        self._sock.settimeout(self.timeout)
        self._rfile = self._sock.makefile('rb')

    def close(self):
        with self._lock:
            for c in (self._rfile, self._sock):
                try:
                    if c is not None:
                        c.close()
                except OSError:
                    pass
            self._sock = self._rfile = None

    @staticmethod
    def _encode(args):
        out = [b'*%d\r\n' % len(args)]
        for a in args:
            if isinstance(a, bytes):
                b = a
            elif isinstance(a, str):
                b = a.encode('utf-8')
            elif isinstance(a, int) and not isinstance(a, bool):
                b = str(a).encode()
            else:
                raise TypeError(f'cannot send {type(a).__name__} to redis')
            out.append(b'$%d\r\n%s\r\n' % (len(b), b))
        return b''.join(out)

    def _readline(self):
        line = self._rfile.readline(1 << 20)
        if not line:
            raise RedisError('redis closed the connection')
        if not line.endswith(b'\r\n'):
            raise RedisError(f'bad RESP line {line[:80]!r}')
        return line[:-2]

    def _read_reply(self):
        line = self._readline()
        kind, rest = line[:1], line[1:]
        if kind == b'+':
            return rest.decode('utf-8', 'replace')
        if kind == b'-':
            return RedisError(rest.decode('utf-8', 'replace'))
        if kind == b':':
            return int(rest)
        if kind == b'$':
            n = int(rest)
            if n < 0:
                return None
            data = self._rfile.read(n + 2)
            if data is None or len(data) != n + 2:
                raise RedisError('short bulk reply')
            return data[:-2]
        if kind == b'*':
            n = int(rest)
            if n < 0:
                return None
            return [self._read_reply() for _ in range(n)]
        raise RedisError(f'unknown RESP type {line[:80]!r}')

    def execute(self, *args):
        with self._lock:
            if self._sock is None:
                self._connect()
            try:
                self._sock.sendall(self._encode(args))
                reply = self._read_reply()
            except (OSError, RedisError):
                # the connection is in an unknown state: drop it
                try:
                    self._sock.close()
                except OSError:
                    pass
                self._sock = self._rfile = None
                raise
        if isinstance(reply, RedisError):
            raise reply
        return reply

    def ping(self):
        return self.execute('PING') == 'PONG'

    def set(self, key, value, ex=None):
        args = ['SET', key, value]
        if ex is not None:
            args += ['EX', int(ex)]
        return self.execute(*args) == 'OK'

    def get(self, key):
        return self.execute('GET', key)

    def delete(self, *keys):
        return self.execute('DEL', *keys) if keys else 0

    def ttl(self, key):
        return self.execute('TTL', key)

    def scan(self, cursor, match=None, count=None):
        args = ['SCAN', str(cursor)]
        if match is not None:
            args += ['MATCH', match]
        if count is not None:
            args += ['COUNT', int(count)]
        reply = self.execute(*args)
        return int(reply[0]), [k.decode('utf-8', 'replace') for k in reply[1]]

    def scan_iter(self, match=None, count=100):
        cursor, seen = 0, set()
        while True:
            cursor, keys = self.scan(cursor, match, count)
            for k in keys:  # SCAN may return a key more than once
                if k not in seen:
                    seen.add(k)
                    yield k
            if cursor == 0:
                return


def _glob_escape(text):
    return ''.join('\\' + c if c in '*?[]\\' else c for c in text)


class Registration:
    def __init__(self, redis, key, record, ttl):
        self.redis_host, self.redis_port = redis.host, redis.port
        self.key, self.record, self.ttl = key, record, ttl
        self.node_id = record['id']
        self.value = json.dumps(record, separators=(',', ':'))
        self.stop_event = threading.Event()
        self.thread = None
        self.errors = 0

    def _heartbeat(self, interval):
        conn = None
        while not self.stop_event.wait(interval):
            try:
                if conn is None:
                    conn = Redis(self.redis_port, self.redis_host)
                conn.set(self.key, self.value, ex=self.ttl)
            except (OSError, RedisError):
                self.errors += 1
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()


def register(redis, service, host, port, metadata=None, ttl=10, interval=2.0):
    """SET mesh:service:{service}:{uuid4} to the seed's JSON value with a TTL,
    and refresh it every ``interval`` seconds on a daemon thread."""
    node_id = str(uuid.uuid4())
    record = {'id': node_id, 'service_name': service, 'host': host,
              'port': int(port), 'metadata': dict(metadata or {})}
    key = f'{KEY_PREFIX}{service}:{node_id}'
    reg = Registration(redis, key, record, ttl)
    redis.set(key, reg.value, ex=ttl)
    reg.thread = threading.Thread(target=reg._heartbeat, args=(interval,), daemon=True,
                                  name=f'heartbeat-{service}')
    reg.thread.start()
    return reg


def deregister(redis, reg):
    reg.stop_event.set()
    if reg.thread is not None:
        reg.thread.join(timeout=5)
    try:
        redis.delete(reg.key)
    except (OSError, RedisError):
        pass


def discover_entries(redis, service):
    """[(key, record)] for every live node of ``service`` (SCAN to the end, GET
    each; records that vanished or do not parse are skipped)."""
    out = []
    for key in redis.scan_iter(f'{KEY_PREFIX}{_glob_escape(service)}:*'):
        raw = redis.get(key)
        if raw is None:
            continue
        try:
            rec = json.loads(raw.decode('utf-8'))
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(rec, dict):
            out.append((key, rec))
    return out


def discover(redis, service):
    return [rec for _, rec in discover_entries(redis, service)]


# --------------------------------------------------------------------------
# JSON, framing, messages
# --------------------------------------------------------------------------

def _reject_constant(name):
    raise ValueError(f'{name} is not JSON')


def decode_json(data):
    """Strict: UTF-8 only, no NaN/Infinity."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data).decode('utf-8')
    return json.loads(data, parse_constant=_reject_constant)


def encode_json(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(',', ':'),
                      allow_nan=False).encode('utf-8')


def frame(body):
    return struct.pack('>I', len(body)) + bytes(body)


def encode_message(function_name, payload=None, metadata=None):
    msg = {'function_name': function_name, 'payload': payload}
    if metadata is not None:
        msg['metadata'] = metadata
    return frame(encode_json(msg))


class MessageTooLarge(Exception):
    def __init__(self, size, limit):
        super().__init__(f'message of {size} bytes exceeds the limit of {limit}')
        self.size, self.limit = size, limit


class FrameReader:
    """Buffers bytes until 4 bytes of length, then N bytes of payload."""

    def __init__(self, max_message=MAX_MESSAGE):
        self.max_message = max_message
        self.buf = bytearray()

    def feed(self, data):
        self.buf += data

    def pending(self):
        return len(self.buf)

    def next(self):
        """One message body (bytes), or None when incomplete."""
        if len(self.buf) < 4:
            return None
        n = struct.unpack_from('>I', self.buf, 0)[0]
        if self.max_message is not None and n > self.max_message:
            raise MessageTooLarge(n, self.max_message)
        if len(self.buf) < 4 + n:
            return None
        body = bytes(self.buf[4:4 + n])
        del self.buf[:4 + n]
        return body

    def clear(self):
        self.buf.clear()


def is_final(msg):
    md = msg.get('metadata') if isinstance(msg, dict) else None
    return isinstance(md, dict) and 'status' in md


def answer_status(msg):
    md = msg.get('metadata') if isinstance(msg, dict) else None
    return md.get('status') if isinstance(md, dict) else None


def strict_equal(a, b):
    """Equality that tells bool from int and int from float (JSON kinds)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    return a == b


# --------------------------------------------------------------------------
# Server side: MeshNode
# --------------------------------------------------------------------------

class MeshError(Exception):
    """Raise from a function to answer the failure form."""

    def __init__(self, status, type, message='', retry=False, path=None, detail=None):
        super().__init__(message)
        self.status, self.type, self.message = status, type, message
        self.retry, self.path, self.detail = retry, path, detail

    def error_object(self):
        err = {'type': self.type, 'message': self.message, 'retry': bool(self.retry),
               'detail': self.detail if self.detail is not None else {}}
        if self.path is not None:
            err['path'] = self.path
        return err


class Answer:
    """A function's result with a status other than ``ok`` (e.g. ``created``)."""

    def __init__(self, payload=None, status='ok'):
        self.payload, self.status = payload, status


class Event:
    def __init__(self, name, body=None):
        self.name, self.body = name, body


class Stream:
    """A streamed answer: one message per item (``Event`` items become event
    messages, anything else a chunk), then the final answer."""

    def __init__(self, items, final=None, status='ok'):
        self.items, self.final, self.status = list(items), final, status


class _Slot:
    __slots__ = ('done', 'data')

    def __init__(self):
        self.done, self.data = False, b''


class _SStream:
    def __init__(self, sid, headers, max_message):
        self.sid = sid
        self.headers = headers
        self.reader = FrameReader(max_message)
        self.slots = collections.deque()
        self.out = bytearray()
        self.rejected = False      # answered 4xx; body ignored
        self.broken = False        # framing lost (message too large); answer then end
        self.remote_ended = False
        self.local_ended = False
        self.reset = False
        self.unacked = 0


class _ServerConn:
    BACKLOG_SLOTS = 64
    BACKLOG_BYTES = 256 * 1024

    def __init__(self, node, sock, addr):
        self.node, self.sock, self.addr = node, sock, addr
        cfg = H2Configuration(client_side=False, header_encoding='utf-8')
        self.h2 = H2Connection(config=cfg)
        self.h2.local_settings = Settings(client=False, initial_values={
            SettingCodes.MAX_CONCURRENT_STREAMS: node.max_streams,
            SettingCodes.MAX_HEADER_LIST_SIZE: 16384,
        })
        self.lock = threading.RLock()
        self.wlock = threading.Lock()
        self.streams = {}
        self.dead = False

    # -- output ---------------------------------------------------------
    def _flush(self):
        with self.wlock:
            with self.lock:
                data = self.h2.data_to_send()
            if data and not self.dead:
                try:
                    self.sock.sendall(data)
                except OSError:
                    self.dead = True

    def _ack(self, st, n):
        if n > 0:
            try:
                self.h2.acknowledge_received_data(n, st.sid if st else 0)
            except (h2x.ProtocolError, ValueError):
                pass

    def _maybe_ack(self, st):
        if st.unacked and (st.reset or st.rejected or st.broken or (
                len(st.slots) <= self.BACKLOG_SLOTS and len(st.out) <= self.BACKLOG_BYTES)):
            n, st.unacked = st.unacked, 0
            self._ack(st, n)

    def _pump(self, st):
        if st.reset or self.dead:
            st.out.clear()
            return
        while st.out:
            try:
                w = min(self.h2.local_flow_control_window(st.sid), self.h2.max_outbound_frame_size)
            except h2x.ProtocolError:
                st.reset = True
                st.out.clear()
                return
            if w <= 0:
                return
            n = min(w, len(st.out))
            try:
                self.h2.send_data(st.sid, bytes(st.out[:n]))
            except h2x.ProtocolError:
                st.reset = True
                st.out.clear()
                return
            del st.out[:n]

    def _maybe_finish(self, st):
        if st.reset or st.local_ended or st.slots or st.out:
            return
        if st.remote_ended or st.broken:
            try:
                self.h2.end_stream(st.sid)
                st.local_ended = True
                if st.broken and not st.remote_ended:
                    # stop the client sending the rest of the oversized message
                    self.h2.reset_stream(st.sid, ErrorCodes.NO_ERROR)
            except h2x.ProtocolError:
                st.reset = True
        if st.local_ended and (st.remote_ended or st.broken):
            self.streams.pop(st.sid, None)

    def _release(self, st):
        """Under the lock: move finished answers, in request order, to output."""
        while st.slots and st.slots[0].done:
            st.out += st.slots.popleft().data
        self._pump(st)
        self._maybe_finish(st)
        self._maybe_ack(st)

    # -- answers ----------------------------------------------------------
    @staticmethod
    def _meta(status, msg_id, error=None):
        md = {'status': status}
        if error is not None:
            md['error'] = error
        if msg_id is not _NO_ID:
            md['id'] = msg_id
        return md

    def _failure(self, fname, msg_id, status, etype, message, detail=None):
        err = MeshError(status, etype, message, detail=detail).error_object()
        return frame(encode_json({'function_name': fname, 'payload': None,
                                  'metadata': self._meta(status, msg_id, err)}))

    def _enqueue_ready(self, st, data):
        slot = _Slot()
        slot.done, slot.data = True, data
        st.slots.append(slot)

    def _dispatch(self, st, body):
        """Under the lock: one complete request message."""
        try:
            msg = decode_json(body) if body else None
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            self._enqueue_ready(st, self._failure(None, _NO_ID, 'invalid', 'bad-message',
                                                  f'the message is not JSON: {e}'))
            return
        if not body:
            self._enqueue_ready(st, self._failure(None, _NO_ID, 'invalid', 'bad-message',
                                                  'empty message (length 0)'))
            return
        if not isinstance(msg, dict):
            self._enqueue_ready(st, self._failure(None, _NO_ID, 'invalid', 'bad-message',
                                                  'a message is a JSON object'))
            return
        fname = msg.get('function_name')
        md = msg.get('metadata')
        msg_id = _NO_ID
        if isinstance(md, dict) and 'id' in md:
            mid = md['id']
            if isinstance(mid, str) or (isinstance(mid, int) and not isinstance(mid, bool)):
                msg_id = mid
        if not isinstance(fname, str):
            self._enqueue_ready(st, self._failure(None, msg_id, 'invalid', 'bad-message',
                                                  'function_name must be a string'))
            return
        if md is not None and not isinstance(md, dict):
            self._enqueue_ready(st, self._failure(fname, msg_id, 'invalid', 'bad-message',
                                                  'metadata must be an object'))
            return
        if isinstance(md, dict) and 'id' in md and msg_id is _NO_ID:
            self._enqueue_ready(st, self._failure(fname, msg_id, 'invalid', 'bad-message',
                                                  'metadata.id must be a string or an integer'))
            return
        func = self.node.functions.get(fname)
        if func is None and fname in self.node.builtins:
            func = self.node.builtins[fname]
        if func is None:
            self._enqueue_ready(st, self._failure(
                fname, msg_id, 'not-found', 'unknown-function',
                f'service {self.node.service} has no function {fname!r}'))
            return
        slot = _Slot()
        st.slots.append(slot)
        payload = msg.get('payload')
        meta = md if isinstance(md, dict) else {}
        try:
            self.node.executor.submit(self._run, st, slot, func, fname, payload, meta, msg_id)
        except RuntimeError:  # executor shut down
            slot.data = self._failure(fname, msg_id, 'unavailable', 'shutting-down',
                                      'the node is stopping')
            slot.done = True

    def _run(self, st, slot, func, fname, payload, meta, msg_id):
        try:
            result = func(payload, meta, dict(st.headers))
            data = self._encode_result(fname, result, msg_id)
        except MeshError as e:
            data = frame(encode_json({'function_name': fname, 'payload': None,
                                      'metadata': self._meta(e.status, msg_id, e.error_object())}))
        except Exception as e:  # noqa: BLE001 - a handler bug is an internal answer
            data = self._failure(fname, msg_id, 'internal', 'exception', f'{type(e).__name__}: {e}')
        with self.lock:
            slot.data, slot.done = data, True
            self._release(st)
        self._flush()

    def _encode_result(self, fname, result, msg_id):
        parts = []
        if isinstance(result, Stream):
            n = 0
            for item in result.items:
                md = {}
                if isinstance(item, Event):
                    md['event'] = item.name
                    body = item.body
                else:
                    md['chunk'] = n
                    n += 1
                    body = item
                if msg_id is not _NO_ID:
                    md['id'] = msg_id
                parts.append(frame(encode_json({'function_name': fname, 'payload': body,
                                                'metadata': md})))
            payload, status = result.final, result.status
        elif isinstance(result, Answer):
            payload, status = result.payload, result.status
        else:
            payload, status = result, 'ok'
        try:
            parts.append(frame(encode_json({'function_name': fname, 'payload': payload,
                                            'metadata': self._meta(status, msg_id)})))
        except (TypeError, ValueError) as e:
            parts = [self._failure(fname, msg_id, 'internal', 'bad-result',
                                   f'the result is not JSON: {e}')]
        return b''.join(parts)

    # -- input ------------------------------------------------------------
    def _on_request(self, e):
        hdrs = {}
        for k, v in e.headers:
            hdrs[k.lower()] = v
        st = _SStream(e.stream_id, hdrs, self.node.max_message)
        self.streams[e.stream_id] = st
        code = None
        if hdrs.get(':path') != '/channel':
            code = 404
        elif hdrs.get(':method') != 'POST':
            code = 405
        elif not hdrs.get('x-service-name'):
            code = 400
        if code is not None:
            st.rejected = True
            self.h2.send_headers(e.stream_id, [(':status', str(code))], end_stream=True)
            st.local_ended = True
            return
        self.h2.send_headers(e.stream_id, [(':status', '200'),
                                           ('content-type', CHANNEL_CONTENT_TYPE)])

    def _on_data(self, e):
        st = self.streams.get(e.stream_id)
        flow = e.flow_controlled_length
        if st is None or st.rejected or st.broken or st.reset:
            if st is not None and st.rejected and st.remote_ended:
                self.streams.pop(e.stream_id, None)
            self._ack(st, flow) if st else self._ack_conn_only(e.stream_id, flow)
            return
        self._ack(st, flow - len(e.data))  # padding
        st.unacked += len(e.data)
        st.reader.feed(e.data)
        while not st.broken:
            try:
                body = st.reader.next()
            except MessageTooLarge as err:
                self._enqueue_ready(st, self._failure(None, _NO_ID, 'invalid', 'message-too-large',
                                                      str(err)))
                st.broken = True
                st.reader.clear()
                break
            if body is None:
                break
            self._dispatch(st, body)
        self._release(st)

    def _ack_conn_only(self, sid, n):
        if n > 0:
            try:
                self.h2.acknowledge_received_data(n, sid)
            except (h2x.ProtocolError, ValueError):
                pass

    def _on_ended(self, e):
        st = self.streams.get(e.stream_id)
        if st is None:
            return
        st.remote_ended = True
        if st.rejected:
            self.streams.pop(e.stream_id, None)
            return
        if not st.broken and st.reader.pending():
            self._enqueue_ready(st, self._failure(None, _NO_ID, 'invalid', 'bad-message',
                                                  'the stream ended inside a message'))
            st.reader.clear()
        self._release(st)

    def _handle(self, e):
        if isinstance(e, h2e.RequestReceived):
            self._on_request(e)
        elif isinstance(e, h2e.DataReceived):
            self._on_data(e)
        elif isinstance(e, h2e.StreamEnded):
            self._on_ended(e)
        elif isinstance(e, h2e.StreamReset):
            st = self.streams.pop(e.stream_id, None)
            if st is not None:
                st.reset = True
                st.out.clear()
        elif isinstance(e, h2e.WindowUpdated):
            for st in list(self.streams.values()):
                if st.out:
                    self._pump(st)
                    self._maybe_finish(st)
                    self._maybe_ack(st)
        elif isinstance(e, h2e.ConnectionTerminated):
            self.dead = True

    def run(self):
        node = self.node
        try:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock.settimeout(10.0)
            with self.lock:
                self.h2.initiate_connection()
            self._flush()
            last = time.monotonic()
            while not node._stopping.is_set() and not self.dead:
                r, _, _ = select.select([self.sock], [], [], 0.5)
                if not r:
                    if time.monotonic() - last > node.idle_timeout:
                        with self.lock:
                            busy = any(s.slots or s.out for s in self.streams.values())
                            if not busy:
                                self.h2.close_connection()
                        if not busy:
                            self._flush()
                            break
                    continue
                data = self.sock.recv(65536)
                if not data:
                    break
                last = time.monotonic()
                with self.lock:
                    try:
                        events = self.h2.receive_data(data)
                    except h2x.ProtocolError:
                        events = None
                    if events is not None:
                        for e in events:
                            self._handle(e)
                self._flush()
                if events is None:
                    break
        except OSError:
            pass
        finally:
            self.dead = True
            with self.lock:
                for st in self.streams.values():
                    st.reset = True
                self.streams.clear()
            try:
                self.sock.close()
            except OSError:
                pass
            node._conn_done(self)


_NO_ID = object()


class MeshNode:
    """A threaded h2c server for ``/channel``.

    ``functions[name](payload, metadata, headers)`` returns the result payload,
    an ``Answer`` (other status), or a ``Stream``; raises ``MeshError`` for the
    failure form.
    """

    def __init__(self, service, functions, host='127.0.0.1', port=0, max_message=MAX_MESSAGE,
                 max_streams=100, workers=32, max_connections=512, idle_timeout=300.0):
        self.service = service
        self.functions = dict(functions)
        self.builtins = {'ping': lambda p, m, h: None}
        self.host, self.port = host, port
        self.max_message, self.max_streams = max_message, max_streams
        self.max_connections, self.idle_timeout = max_connections, idle_timeout
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix='mesh-call')
        self._stopping = threading.Event()
        self._lsock = None
        self._conns = set()
        self._conns_lock = threading.Lock()
        self._thread = None

    def start(self):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((self.host, self.port))
        ls.listen(256)
        ls.settimeout(0.5)
        self._lsock = ls
        self.port = ls.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, daemon=True, name='mesh-accept')
        self._thread.start()
        return self.port

    def _accept_loop(self):
        while not self._stopping.is_set():
            try:
                sock, addr = self._lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                if self._stopping.is_set():
                    return
                time.sleep(0.05)
                continue
            with self._conns_lock:
                if len(self._conns) >= self.max_connections:
                    sock.close()
                    continue
                conn = _ServerConn(self, sock, addr)
                self._conns.add(conn)
            threading.Thread(target=conn.run, daemon=True, name='mesh-conn').start()

    def _conn_done(self, conn):
        with self._conns_lock:
            self._conns.discard(conn)

    def connection_count(self):
        with self._conns_lock:
            return len(self._conns)

    def stop(self):
        self._stopping.set()
        if self._lsock is not None:
            try:
                self._lsock.close()
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=2)
        self.executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self):
        if self._lsock is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


# --------------------------------------------------------------------------
# Client side
# --------------------------------------------------------------------------

class ChannelTimeout(TimeoutError):
    pass


def error_code_name(code):
    try:
        return ErrorCodes(code).name
    except ValueError:
        return str(code)


class StreamReset(Exception):
    def __init__(self, code, message=None):
        name = error_code_name(code)
        super().__init__(message or f'stream reset by the server ({name})')
        self.code, self.code_name = code, name


class StreamEnded(Exception):
    pass


class ConnectionClosed(Exception):
    pass


class MeshProtocolError(Exception):
    """The peer broke the protocol (a malformed answer message, ...)."""


class _H2(H2Connection):
    """H2Connection that can be told to ignore the peer's
    SETTINGS_MAX_CONCURRENT_STREAMS (for hostile tests)."""

    ignore_stream_limit = False

    @property
    def open_outbound_streams(self):
        if self.ignore_stream_limit:
            return 0
        return H2Connection.open_outbound_streams.fget(self)


class H2ClientConnection:
    """One h2c connection (prior knowledge) with a reader thread.

    Received DATA is handed back to the server's flow-control window only as
    the application consumes messages (so a client that does not read applies
    backpressure); the connection window is opened wide at the start so that
    the stream windows are the ones that bind.
    """

    def __init__(self, host, port, connect_timeout=5.0, io_timeout=20.0,
                 connection_window=16 << 20, ignore_stream_limit=False, max_message=64 << 20):
        self.host, self.port = host, port
        self.max_message = max_message
        self.sock = socket.create_connection((host, port), timeout=connect_timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(io_timeout)
        self.h2 = _H2(config=H2Configuration(client_side=True, header_encoding='utf-8'))
        self.h2.ignore_stream_limit = ignore_stream_limit
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.wlock = threading.Lock()
        self.channels = {}
        self.closed = False
        self.close_reason = None
        self.goaway = None            # (error_code, last_stream_id)
        self.settings_received = False
        with self.lock:
            self.h2.initiate_connection()
            if connection_window > 65535:
                self.h2.increment_flow_control_window(connection_window - 65535)
        self.flush()
        self._reader = threading.Thread(target=self._read_loop, daemon=True, name='h2-client-reader')
        self._reader.start()

    # -- plumbing ---------------------------------------------------------
    def flush(self):
        with self.wlock:
            with self.lock:
                data = self.h2.data_to_send()
            if data and not self.closed:
                try:
                    self.sock.sendall(data)
                except OSError as e:
                    self._mark_closed(f'send failed: {e}')

    def _mark_closed(self, reason):
        with self.cond:
            if not self.closed:
                self.closed = True
                self.close_reason = reason
            self.cond.notify_all()

    def _read_loop(self):
        while not self.closed:
            try:
                r, _, _ = select.select([self.sock], [], [], 0.5)
                if not r:
                    continue
                data = self.sock.recv(262144)
            except (OSError, ValueError) as e:
                self._mark_closed(f'connection error: {e}')
                return
            if not data:
                self._mark_closed('connection closed by the server'
                                  + (f' after GOAWAY {self._goaway_text()}' if self.goaway else ''))
                return
            failed = None
            with self.cond:
                try:
                    for e in self.h2.receive_data(data):
                        self._handle(e)
                except h2x.ProtocolError as e:
                    failed = f'HTTP/2 protocol error from the server: {e!r}'
                self.cond.notify_all()
            self.flush()
            if failed:
                self._mark_closed(failed)
                return

    def _goaway_text(self):
        code, last = self.goaway
        return f'({error_code_name(code)}, last stream {last})'

    def _handle(self, e):
        ch = self.channels.get(getattr(e, 'stream_id', None) or -1)
        if isinstance(e, h2e.ResponseReceived):
            if ch is not None:
                ch.response_headers = {k.lower(): v for k, v in e.headers}
        elif isinstance(e, h2e.DataReceived):
            if ch is None:
                self.h2.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
            else:
                pad = e.flow_controlled_length - len(e.data)
                if pad:
                    self.h2.acknowledge_received_data(pad, e.stream_id)
                ch.buf += e.data
                ch.bytes_received += len(e.data)
        elif isinstance(e, h2e.TrailersReceived):
            if ch is not None:
                ch.trailers = {k.lower(): v for k, v in e.headers}
        elif isinstance(e, h2e.StreamEnded):
            if ch is not None:
                ch.remote_ended = True
        elif isinstance(e, h2e.StreamReset):
            if ch is not None:
                ch.reset_code = e.error_code
        elif isinstance(e, h2e.ConnectionTerminated):
            self.goaway = (e.error_code, e.last_stream_id)
            for sid, c in self.channels.items():
                if e.last_stream_id is not None and sid > e.last_stream_id:
                    c.refused = True
        elif isinstance(e, h2e.RemoteSettingsChanged):
            self.settings_received = True

    # -- API --------------------------------------------------------------
    def wait_settings(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not self.settings_received and not self.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ChannelTimeout('no SETTINGS from the server')
                self.cond.wait(min(left, 0.5))
            return self.h2.remote_settings.max_concurrent_streams

    def open_stream(self, headers, end_stream=False, max_message=None):
        with self.cond:
            if self.closed:
                raise ConnectionClosed(self.close_reason)
            if self.goaway is not None:
                raise ConnectionClosed(f'the server sent GOAWAY {self._goaway_text()}')
            sid = self.h2.get_next_available_stream_id()
            ch = Channel(self, sid, max_message or self.max_message)
            self.h2.send_headers(sid, headers, end_stream=end_stream)
            self.channels[sid] = ch
            ch.local_ended = end_stream
        self.flush()
        return ch

    def ping(self, timeout=5.0):
        with self.cond:
            self.h2.ping(b'meshpeer')
        self.flush()

    def close(self):
        if not self.closed:
            try:
                with self.cond:
                    self.h2.close_connection()
                self.flush()
            except (h2x.ProtocolError, OSError):
                pass
        self._mark_closed('closed by the client')
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass


class Channel:
    """One /channel stream: send framed messages, read answers in order."""

    def __init__(self, conn, stream_id, max_message):
        self.conn, self.stream_id, self.max_message = conn, stream_id, max_message
        self.buf = bytearray()
        self.bytes_received = 0
        self.response_headers = None
        self.trailers = None
        self.remote_ended = False
        self.local_ended = False
        self.reset_code = None
        self.refused = False

    # -- state ------------------------------------------------------------
    @property
    def status(self):
        h = self.response_headers
        return int(h[':status']) if h and ':status' in h else None

    def state(self):
        """'reset', 'ended', 'closed', 'refused' or 'open' (snapshot)."""
        if self.reset_code is not None:
            return 'reset'
        if self.remote_ended:
            return 'ended'
        if self.refused:
            return 'refused'
        if self.conn.closed:
            return 'closed'
        return 'open'

    def _raise_if_dead(self, sending=False):
        if self.reset_code is not None:
            raise StreamReset(self.reset_code)
        if self.refused:
            raise ConnectionClosed(f'stream {self.stream_id} refused by GOAWAY')
        if self.conn.closed:
            raise ConnectionClosed(self.conn.close_reason)
        if sending and self.local_ended:
            raise StreamEnded('the channel was already ended by the client')

    def _wait(self, deadline, what):
        left = deadline - time.monotonic()
        if left <= 0:
            raise ChannelTimeout(f'timed out waiting for {what} on stream {self.stream_id}')
        self.conn.cond.wait(min(left, 0.5))

    def wait_response(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        with self.conn.cond:
            while self.response_headers is None:
                self._raise_if_dead()
                if self.remote_ended:
                    raise StreamEnded('stream ended without response headers')
                self._wait(deadline, 'response headers')
            return dict(self.response_headers)

    def wait_closed(self, timeout=5.0):
        """Wait until the stream ends, is reset or the connection closes; the
        outcome string, or 'open' on timeout."""
        deadline = time.monotonic() + timeout
        with self.conn.cond:
            while True:
                s = self.state()
                if s != 'open':
                    return s
                if deadline - time.monotonic() <= 0:
                    return 'open'
                self.conn.cond.wait(min(deadline - time.monotonic(), 0.5))

    # -- sending ----------------------------------------------------------
    def send_raw(self, data, end_stream=False, timeout=5.0):
        deadline = time.monotonic() + timeout
        data = bytes(data)
        off = 0
        h2c = self.conn.h2
        while True:
            with self.conn.cond:
                while True:
                    self._raise_if_dead(sending=True)
                    if off >= len(data):
                        if end_stream:
                            try:
                                h2c.end_stream(self.stream_id)
                            except h2x.StreamClosedError:
                                raise StreamReset(self.reset_code or ErrorCodes.STREAM_CLOSED)
                            self.local_ended = True
                        break
                    try:
                        w = min(h2c.local_flow_control_window(self.stream_id),
                                h2c.max_outbound_frame_size)
                    except h2x.StreamClosedError:
                        raise StreamReset(self.reset_code or ErrorCodes.STREAM_CLOSED)
                    if w > 0:
                        n = min(w, len(data) - off)
                        last = off + n >= len(data)
                        try:
                            h2c.send_data(self.stream_id, data[off:off + n],
                                          end_stream=end_stream and last)
                        except h2x.StreamClosedError:
                            raise StreamReset(self.reset_code or ErrorCodes.STREAM_CLOSED)
                        off += n
                        if end_stream and last:
                            self.local_ended = True
                        break
                    self._wait(deadline, 'the flow-control window')
            self.conn.flush()
            if off >= len(data):
                return

    def send_message(self, msg, timeout=5.0):
        self.send_raw(frame(encode_json(msg)), timeout=timeout)

    def send(self, function_name, payload=None, metadata=None, timeout=5.0, end_stream=False):
        self.send_raw(encode_message(function_name, payload, metadata), end_stream=end_stream,
                      timeout=timeout)

    def end(self):
        """END_STREAM: the client's last request was sent."""
        if not self.local_ended:
            self.send_raw(b'', end_stream=True)

    def reset(self, code=ErrorCodes.CANCEL):
        with self.conn.cond:
            try:
                self.conn.h2.reset_stream(self.stream_id, code)
            except h2x.ProtocolError:
                pass
            self.local_ended = True
        self.conn.flush()

    # -- receiving --------------------------------------------------------
    def recv_raw(self, timeout=5.0):
        """The next message body (bytes)."""
        deadline = time.monotonic() + timeout
        with self.conn.cond:
            while True:
                if len(self.buf) >= 4:
                    n = struct.unpack_from('>I', self.buf, 0)[0]
                    if n > self.max_message:
                        raise MeshProtocolError(f'answer of {n} bytes is over {self.max_message}')
                    if len(self.buf) >= 4 + n:
                        body = bytes(self.buf[4:4 + n])
                        del self.buf[:4 + n]
                        try:
                            self.conn.h2.acknowledge_received_data(4 + n, self.stream_id)
                        except (h2x.ProtocolError, ValueError):
                            pass
                        break
                if self.reset_code is not None:
                    raise StreamReset(self.reset_code)
                if self.remote_ended:
                    if self.buf:
                        raise MeshProtocolError(
                            f'stream ended inside a message ({len(self.buf)} bytes left)')
                    raise StreamEnded('the server ended the stream')
                self._raise_if_dead()
                self._wait(deadline, 'an answer message')
        self.conn.flush()
        return body

    def recv(self, timeout=5.0):
        """The next message (dict)."""
        body = self.recv_raw(timeout)
        if not body:
            raise MeshProtocolError('empty message (length 0) from the server')
        try:
            msg = decode_json(body)
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            raise MeshProtocolError(f'answer is not JSON: {e}: {body[:200]!r}')
        if not isinstance(msg, dict):
            raise MeshProtocolError(f'answer is not a JSON object: {body[:200]!r}')
        if 'metadata' in msg and not isinstance(msg['metadata'], dict):
            raise MeshProtocolError(f'answer metadata is not an object: {body[:200]!r}')
        return msg

    def recv_answer(self, timeout=5.0):
        """(chunk and event messages, final answer) for one request."""
        deadline = time.monotonic() + timeout
        partial = []
        while True:
            msg = self.recv(max(0.0, deadline - time.monotonic()))
            if is_final(msg):
                return partial, msg
            md = msg.get('metadata')
            if not (isinstance(md, dict) and ('chunk' in md or 'event' in md)):
                raise MeshProtocolError(f'message is neither an answer, a chunk nor an event: {msg!r}')
            partial.append(msg)

    def call_all(self, function_name, payload=None, metadata=None, timeout=5.0):
        self.send(function_name, payload, metadata, timeout=timeout)
        partial, final = self.recv_answer(timeout)
        return partial + [final]

    def call(self, function_name, payload=None, metadata=None, timeout=5.0):
        return self.call_all(function_name, payload, metadata, timeout)[-1]


_DEFAULT = object()


def channel_headers(host, port, service_name, session_id=None, path='/channel', method='POST',
                    extra_headers=None, scheme='http'):
    """The request headers opening a channel (seed 003 2.2; ``:authority`` as
    any HTTP/2 client sends it). ``service_name`` None omits x-service-name."""
    hs = [(':method', method), (':scheme', scheme), (':authority', f'{host}:{port}'),
          (':path', path)]
    if service_name is not None:
        hs.append(('x-service-name', service_name))
    if session_id is not None:
        hs.append(('x-session-id', session_id))
    return hs + list(extra_headers or [])


class ChannelClient:
    """A Mesh client to one node: h2c with prior knowledge over a plain
    socket; ``call`` uses one long-lived /channel stream, ``open_channel``
    opens more."""

    def __init__(self, host, port, service_name, session_id=None, timeout=5.0,
                 extra_headers=None, connect_timeout=5.0, **conn_kw):
        self.host, self.port = host, port
        self.service_name, self.session_id = service_name, session_id
        self.timeout = timeout
        self.extra_headers = list(extra_headers or [])
        self.conn = H2ClientConnection(host, port, connect_timeout=connect_timeout, **conn_kw)
        self._chan = None
        self._lock = threading.Lock()
        self.last_partials = []

    def headers(self, path='/channel', method='POST', service_name=_DEFAULT, session_id=_DEFAULT,
                extra_headers=None, scheme='http'):
        service_name = self.service_name if service_name is _DEFAULT else service_name
        session_id = self.session_id if session_id is _DEFAULT else session_id
        return channel_headers(self.host, self.port, service_name, session_id, path, method,
                               self.extra_headers + list(extra_headers or []), scheme)

    def open_channel(self, path='/channel', method='POST', service_name=_DEFAULT,
                     session_id=_DEFAULT, extra_headers=None, end_stream=False):
        return self.conn.open_stream(self.headers(path, method, service_name, session_id,
                                                  extra_headers), end_stream=end_stream)

    def _channel(self):
        if self._chan is None or self._chan.state() != 'open' or self._chan.local_ended:
            self._chan = self.open_channel()
        return self._chan

    def call_all(self, function_name, payload=None, metadata=None, timeout=None):
        timeout = self.timeout if timeout is None else timeout
        with self._lock:
            ch = self._channel()
            try:
                msgs = ch.call_all(function_name, payload, metadata, timeout)
            except (ChannelTimeout, MeshProtocolError):
                # the channel's answer order can no longer be trusted
                ch.reset()
                self._chan = None
                raise
            except (StreamReset, StreamEnded, ConnectionClosed):
                self._chan = None
                raise
        fn = msgs[-1].get('function_name')
        if fn != function_name:
            raise MeshProtocolError(f'answer for {fn!r}, expected {function_name!r}')
        return msgs

    def call(self, function_name, payload=None, metadata=None, timeout=None):
        """Send one message on the client's channel; return the final answer
        message (chunk/event messages before it are in ``last_partials``)."""
        msgs = self.call_all(function_name, payload, metadata, timeout)
        self.last_partials = msgs[:-1]
        return msgs[-1]

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
