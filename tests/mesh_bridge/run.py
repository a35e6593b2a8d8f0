#!/usr/bin/env python3
"""CTest driver for the Mesh bridge tests (seed 003 <-> sxtp).

    python3 run.py CASE --redis-server PATH [--node-bin PATH] [--call-bin PATH]

CASE: selftest | peer | sxtp-calls-py | demo | hostile

Starts a private redis-server on a free port and the processes the case
needs, prints one line per check (PASS / FAIL / WARN / NOTE), always stops
its children, and exits 0 when every check passed (1 on a failed check, 2 on
a usage or setup error, 3 when the case ran out of time).

Contract of the C++ programs (see README.md):
  NODE_BIN --redis-port P --role inventory|orders [--service NAME] [--max-message BYTES]
      announces itself in Redis, prints "READY <sxtp_port> <h2_port> <pid>",
      serves until SIGTERM.
  CALL_BIN --redis-port P --service py-greeter
      calls the Python node over the Mesh transport, exits 0 when its own
      checks pass.
"""

import argparse
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from mesh_peer import (ChannelClient, ChannelTimeout, ConnectionClosed,  # noqa: E402
                       H2ClientConnection, MeshProtocolError, Redis, RedisError,
                       StreamEnded, StreamReset, answer_status, channel_headers,
                       discover_entries, encode_json, error_code_name, frame, strict_equal)
from h2.errors import ErrorCodes  # noqa: E402
import h2.exceptions as h2x  # noqa: E402

PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
EMPTY_SETTINGS = b'\x00\x00\x00\x04\x00\x00\x00\x00\x00'
DEFAULT_BUDGET = 58.0


# --------------------------------------------------------------------------
# reporting
# --------------------------------------------------------------------------

class CheckFailed(Exception):
    pass


class SetupError(Exception):
    pass


class CaseTimeout(BaseException):
    pass


def expect(cond, message):
    if not cond:
        raise CheckFailed(message)


def short(obj, n=300):
    s = repr(obj)
    return s if len(s) <= n else s[:n] + '...'


class Report:
    def __init__(self):
        self.failures = []
        self.lock = threading.Lock()

    def line(self, kind, name, detail=''):
        with self.lock:
            print(f'{kind:4} {name}' + (f' -- {detail}' if detail else ''), flush=True)

    def passed(self, name, detail=''):
        self.line('PASS', name, detail)

    def fail(self, name, detail):
        self.failures.append(name)
        self.line('FAIL', name, detail)

    def warn(self, name, detail):
        self.line('WARN', name, detail)

    def note(self, name, detail):
        self.line('NOTE', name, detail)

    def check(self, name, fn, *a, **kw):
        """Run one check: fn returns a detail string (or None) or raises."""
        t0 = time.monotonic()
        try:
            detail = fn(*a, **kw)
        except CheckFailed as e:
            self.fail(name, str(e))
            return False
        except (ChannelTimeout, StreamReset, StreamEnded, ConnectionClosed, MeshProtocolError,
                OSError, RedisError, h2x.ProtocolError, ValueError, KeyError, TypeError) as e:
            self.fail(name, f'{type(e).__name__}: {e}')
            return False
        dt = time.monotonic() - t0
        self.passed(name, (detail + ' ' if detail else '') + f'({dt:.2f}s)')
        return True


# --------------------------------------------------------------------------
# child processes
# --------------------------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Child:
    """A child process; its stdout is read on a thread (READY lines are kept,
    the rest echoed with a prefix); stderr goes to ours."""

    def __init__(self, name, argv, quiet=False):
        self.name, self.argv, self.quiet = name, argv, quiet
        self.held = []
        # Under AddressSanitizer freed memory sits in a quarantine (256 MiB by
        # default) that VmRSS would count as the node's: keep it small, as the
        # SXTP hostile suite does (tests/hostile/peer.hpp).
        env = dict(os.environ)
        asan = env.get('ASAN_OPTIONS', 'detect_leaks=1')
        env['ASAN_OPTIONS'] = (asan + ':' if asan else '') + 'quarantine_size_mb=16:allocator_release_to_os_interval_ms=100'
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=None, text=True, bufsize=1, env=env)
        except OSError as e:
            raise SetupError(f'cannot start {name} ({argv[0]}): {e}')
        self.ready = queue.Queue()
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self):
        try:
            for line in self.proc.stdout:
                line = line.rstrip('\n')
                if line.startswith('READY'):
                    self.ready.put(line)
                elif self.quiet:
                    self.held = (self.held + [line])[-50:]
                else:
                    print(f'[{self.name}] {line}', flush=True)
        except (OSError, ValueError):
            pass

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.ready.get(timeout=0.1).split()[1:]
            except queue.Empty:
                pass
            rc = self.proc.poll()
            if rc is not None:
                raise SetupError(f'{self.name} exited with status {rc} before READY: '
                                 f'{" ".join(self.argv)}')
            if time.monotonic() > deadline:
                raise SetupError(f'{self.name} printed no READY line within {timeout:.0f}s: '
                                 f'{" ".join(self.argv)}')

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=5.0):
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                print(f'NOTE {self.name} ignored SIGTERM for {timeout:.0f}s; killing it', flush=True)
                self.proc.kill()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            except OSError:
                pass
        return self.proc.returncode


class NodeInfo:
    def __init__(self, child, sxtp_port, h2_port, pid):
        self.child, self.sxtp_port, self.h2_port, self.pid = child, sxtp_port, h2_port, pid


class Env:
    def __init__(self, args):
        self.args = args
        self.children = []
        self.redis_port = None
        self.redis = None

    def spawn(self, name, argv, quiet=False):
        c = Child(name, argv, quiet)
        self.children.append(c)
        return c

    def start_redis(self):
        last = None
        for _ in range(3):
            port = free_port()
            c = self.spawn('redis', [self.args.redis_server, '--port', str(port),
                                     '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
                                     '--loglevel', 'warning'], quiet=True)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and c.alive():
                try:
                    r = Redis(port, timeout=2)
                    if r.ping():
                        self.redis_port, self.redis = port, r
                        return r
                    r.close()
                except (OSError, RedisError) as e:
                    last = e
                time.sleep(0.05)
            last = last or f'exit status {c.proc.poll()}'
            c.stop()
            for line in c.held:
                print(f'[redis] {line}', flush=True)
        raise SetupError(f'redis-server did not start: {last}')

    def start_py_node(self, service='py-greeter'):
        c = self.spawn(f'py-node:{service}', [sys.executable, os.path.join(HERE, 'py_node.py'),
                                              '--redis-port', str(self.redis_port),
                                              '--service', service, '--port', '0'])
        fields = c.wait_ready(15)
        if len(fields) < 1 or not fields[0].isdigit():
            raise SetupError(f'py_node.py printed a bad READY line: {fields}')
        return c, int(fields[0])

    def start_node(self, role, service=None, max_message=None):
        nb = self.args.node_bin
        if not nb:
            raise SetupError('this case needs --node-bin')
        if not os.path.exists(nb):
            raise SetupError(f'node binary not found: {nb}')
        argv = [nb, '--redis-port', str(self.redis_port), '--role', role]
        if service:
            argv += ['--service', service]
        if max_message:
            argv += ['--max-message', str(max_message)]
        c = self.spawn(f'node:{service or role}', argv)
        fields = c.wait_ready(20)
        if len(fields) < 3 or not all(f.isdigit() for f in fields[:3]):
            raise SetupError(f'{nb} printed a bad READY line (want READY <sxtp_port> <h2_port> '
                             f'<pid>): {fields}')
        return NodeInfo(c, int(fields[0]), int(fields[1]), int(fields[2]))

    def cleanup(self):
        for c in reversed(self.children):
            c.stop()
        if self.redis is not None:
            self.redis.close()


def find_record(redis, service, pred=lambda rec: True, timeout=5.0):
    deadline = time.monotonic() + timeout
    entries = []
    while True:
        entries = discover_entries(redis, service)
        for key, rec in entries:
            if pred(rec):
                return key, rec
        if time.monotonic() > deadline:
            raise CheckFailed(f'no matching record for service {service!r} in Redis '
                              f'(found {short(entries)})')
        time.sleep(0.1)


def rss_kib(pid):
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def meta(msg):
    md = msg.get('metadata')
    return md if isinstance(md, dict) else {}


def expect_ok(msg, what, status='ok'):
    expect(answer_status(msg) == status, f'{what}: want status {status!r}, got {short(msg)}')


def expect_failure(msg, what, status, etype=None):
    md = meta(msg)
    expect(md.get('status') == status, f'{what}: want status {status!r}, got {short(msg)}')
    err = md.get('error')
    expect(isinstance(err, dict), f'{what}: failure answer without an error object: {short(msg)}')
    expect(isinstance(err.get('type'), str) and isinstance(err.get('message'), str),
           f'{what}: error object needs string type and message: {short(msg)}')
    if etype is not None:
        expect(err.get('type') == etype, f'{what}: want error type {etype!r}, got {short(msg)}')
    expect(msg.get('payload') is None, f'{what}: failure payload must be null: {short(msg)}')


# --------------------------------------------------------------------------
# checks shared by several cases
# --------------------------------------------------------------------------

def check_channel_headers(client):
    ch = client.open_channel()
    h = ch.wait_response(5)
    expect(h.get(':status') == '200', f'/channel answered {h}')
    ct = h.get('content-type')
    expect(ct == 'application/x-mesh-channel', f'content-type is {ct!r}')
    ch.reset()
    return 'status 200, content-type application/x-mesh-channel'


def check_channel_rejects(client):
    out = []
    for path, method, svc, want in (('/nope', 'POST', 'py-peer', '404'),
                                    ('/channel', 'GET', 'py-peer', '405'),
                                    ('/channel', 'POST', None, '400')):
        ch = client.open_channel(path=path, method=method, service_name=svc,
                                 end_stream=(method == 'GET'))
        h = ch.wait_response(5)
        expect(h.get(':status') == want, f'{method} {path} x-service-name={svc}: want :status '
                                         f'{want}, got {h}')
        st = ch.wait_closed(5)
        expect(st in ('ended', 'reset'), f'{method} {path}: stream still {st} after {want}')
        expect(ch.bytes_received == 0, f'{method} {path}: {want} with a body of '
                                       f'{ch.bytes_received} bytes')
        out.append(f'{method} {path}{"" if svc else " (no x-service-name)"} -> {want}')
    return '; '.join(out)


def check_pipeline(client, first, first_payload, second, payloads, check_answer, check_first):
    ch = client.open_channel()
    t0 = time.monotonic()
    ch.send(first, first_payload, {'id': 1})
    for i, p in enumerate(payloads, start=2):
        ch.send(second, p, {'id': i})
    ch.end()
    got = []
    for _ in range(1 + len(payloads)):
        _, ans = ch.recv_answer(10)
        got.append((time.monotonic() - t0, ans))
    ids = [meta(a).get('id') for _, a in got]
    expect(ids == list(range(1, 2 + len(payloads))), f'answers out of order: ids {ids}')
    check_first(got[0][1])
    for (_, a), p in zip(got[1:], payloads):
        check_answer(a, p)
    try:
        extra = ch.recv(5)
        raise CheckFailed(f'an extra message after the last answer: {short(extra)}')
    except StreamEnded:
        pass
    return f'ids {ids} in order; first answer after {got[0][0]:.2f}s; server ended the stream'


def check_concurrent_channels(client, n_channels, n_calls):
    errors = []
    lock = threading.Lock()

    def worker(k):
        try:
            ch = client.open_channel()
            for j in range(n_calls):
                a, b = k * 1000 + j, j
                ans = ch.call('add', {'a': a, 'b': b}, {'id': f'{k}-{j}'}, timeout=15)
                if answer_status(ans) != 'ok' or not strict_equal(ans.get('payload'), {'sum': a + b}) \
                        or meta(ans).get('id') != f'{k}-{j}':
                    raise CheckFailed(f'channel {k} call {j}: {short(ans)}')
            ch.end()
        except Exception as e:  # noqa: BLE001 - collected and reported
            with lock:
                errors.append(f'channel {k}: {type(e).__name__}: {e}')

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(n_channels)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in threads):
        errors.append('some channels did not finish within 30s')
    expect(not errors, f'{len(errors)} failures: {short(errors, 600)}')
    return f'{n_channels} channels x {n_calls} calls on one connection'


# --------------------------------------------------------------------------
# case: selftest (the Python peer against itself; no C++)
# --------------------------------------------------------------------------

def case_selftest(env, rep):
    redis = env.start_redis()
    child, port = env.start_py_node('py-greeter')
    state = {}

    def record():
        key, rec = find_record(redis, 'py-greeter', lambda r: r.get('port') == port)
        expect(key == f'mesh:service:py-greeter:{rec.get("id")}', f'key {key} vs id {rec.get("id")}')
        expect(uuid.UUID(rec['id']).version == 4, f'id {rec["id"]} is not a UUID v4')
        expect(rec.get('metadata') == {} and rec.get('service_name') == 'py-greeter',
               f'record {rec}')
        ttl = redis.ttl(key)
        expect(0 < ttl <= 10, f'TTL {ttl}')
        state['rec'] = rec
        return f'{key} ttl {ttl}s'

    if not rep.check('record', record):
        return
    rec = state['rec']
    client = ChannelClient(rec['host'], rec['port'], 'selftest', session_id='sess-1')
    try:
        rep.check('channel headers', check_channel_headers, client)
        rep.check('channel rejects', check_channel_rejects, client)

        def greet():
            a = client.call('greet', {'name': 'ada'}, {'id': 'g1'})
            expect_ok(a, 'greet')
            expect(a['payload'] == {'greeting': 'hello, ada'} and meta(a).get('id') == 'g1', short(a))
        rep.check('greet', greet)

        def fail():
            a = client.call('fail', {'name': 'x'})
            expect_failure(a, 'fail', 'invalid', 'bad-name')
            expect(meta(a)['error']['message'] == 'no such name', short(a))
        rep.check('fail', fail)

        def count():
            a = client.call('count', {'n': 4}, {'id': 7})
            expect_ok(a, 'count')
            chunks = client.last_partials
            expect([c['payload'] for c in chunks] == [0, 1, 2, 3], short(chunks))
            expect([meta(c).get('chunk') for c in chunks] == [0, 1, 2, 3], short(chunks))
            expect(all(meta(c).get('id') == 7 for c in chunks), short(chunks))
            expect(a['payload'] == {'total': 4}, short(a))
        rep.check('count (stream)', count)

        def whoami():
            a = client.call('whoami', None)
            expect(a['payload'] == {'service': 'selftest', 'session': 'sess-1'}, short(a))
            with ChannelClient(rec['host'], rec['port'], 'other') as c2:
                b = c2.call('whoami', None)
            expect(b['payload'] == {'service': 'other', 'session': None}, short(b))
        rep.check('whoami', whoami)

        def unknown():
            expect_failure(client.call('no-such-function', {}), 'unknown', 'not-found',
                           'unknown-function')
        rep.check('unknown function', unknown)

        def first_slow(a):
            expect_ok(a, 'slow')

        def greet_answer(a, p):
            expect(a['payload'] == {'greeting': 'hello, ' + p['name']}, short(a))
        rep.check('pipeline on one stream', check_pipeline, client, 'slow', {'ms': 300}, 'greet',
                  [{'name': 'b'}, {'name': 'c'}], greet_answer, first_slow)

        def malformed():
            ch = client.open_channel()
            for raw in (b'', b'{bad', b'[1]', b'{"payload":1}'):
                ch.send_raw(frame(raw))
                expect_failure(ch.recv(5), f'{raw!r}', 'invalid')
            expect_ok(ch.call('greet', {'name': 'z'}), 'greet after malformed messages')
            ch.send_raw(b'\xff\xff\xff\xff')
            expect_failure(ch.recv(5), 'oversized', 'invalid', 'message-too-large')
        rep.check('malformed messages', malformed)
        rep.check('concurrent channels', check_concurrent_channels_py, client)
    finally:
        client.close()

    def deregisters():
        child.stop()
        entries = discover_entries(redis, 'py-greeter')
        expect(not entries, f'records left after SIGTERM: {entries}')
        return 'record deleted on SIGTERM'
    rep.check('deregister', deregisters)


def check_concurrent_channels_py(client):
    errors = []

    def worker(k):
        try:
            ch = client.open_channel()
            for j in range(10):
                a = ch.call('greet', {'name': f'{k}.{j}'}, timeout=15)
                if a.get('payload') != {'greeting': f'hello, {k}.{j}'}:
                    errors.append(short(a))
        except Exception as e:  # noqa: BLE001
            errors.append(f'{type(e).__name__}: {e}')
    ts = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(20)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    expect(not errors and not any(t.is_alive() for t in ts), short(errors))
    return '20 channels x 10 calls'


# --------------------------------------------------------------------------
# case: peer (Python client -> C++ inventory node)
# --------------------------------------------------------------------------

def case_peer(env, rep):
    redis = env.start_redis()
    node = env.start_node('inventory')
    state = {}

    def record():
        key, rec = find_record(redis, 'inventory', lambda r: r.get('port') == node.h2_port)
        expect(key == f'mesh:service:inventory:{rec.get("id")}',
               f'key {key} does not end with the record id {rec.get("id")}')
        try:
            expect(uuid.UUID(str(rec['id'])).version == 4, f'id {rec["id"]} is not a UUID v4')
        except ValueError:
            raise CheckFailed(f'id {rec.get("id")!r} is not a UUID')
        expect(rec.get('service_name') == 'inventory', f'service_name in {rec}')
        expect(isinstance(rec.get('host'), str) and rec['host'], f'host in {rec}')
        md = rec.get('metadata')
        expect(isinstance(md, dict), f'metadata in {rec}')
        tr = md.get('transports')
        expect(isinstance(tr, dict), f'metadata.transports missing: {rec}')
        mh = tr.get('mesh-h2')
        expect(isinstance(mh, dict) and mh.get('port') == node.h2_port,
               f'transports.mesh-h2.port should be the h2 port {node.h2_port}: {tr}')
        sx = tr.get('sxtp')
        expect(isinstance(sx, dict) and sx.get('port') == node.sxtp_port,
               f'transports.sxtp.port should be the sxtp port {node.sxtp_port}: {tr}')
        expect(md.get('protocol') == 'sxtp', f'metadata.protocol: {md}')
        expect(mh.get('tls') in (False, None), f'mesh-h2 tls: {mh}')
        ttl = redis.ttl(key)
        expect(isinstance(ttl, int) and ttl > 0, f'key {key} has no TTL ({ttl})')
        state['rec'] = rec
        return f'{key} port {rec["port"]} transports {tr}'

    if not rep.check('discover inventory', record):
        return
    rec = state['rec']
    client = ChannelClient(rec['host'], rec['port'], 'py-peer', session_id='peer-session')
    try:
        rep.check('channel headers', check_channel_headers, client)
        rep.check('channel rejects', check_channel_rejects, client)

        def add():
            a = client.call('add', {'a': 2, 'b': 40}, {'id': 'req-1'})
            expect_ok(a, 'add')
            expect(strict_equal(a.get('payload'), {'sum': 42}), f'payload {short(a)}')
            expect(meta(a).get('id') == 'req-1', f'id not echoed: {short(a)}')
            b = client.call('add', {'a': 1, 'b': 1}, {'id': 99})
            expect(meta(b).get('id') == 99 and strict_equal(b.get('payload'), {'sum': 2}), short(b))
            c = client.call('add', {'a': 3, 'b': 4})
            expect(strict_equal(c.get('payload'), {'sum': 7}) and meta(c).get('id') is None,
                   f'no id sent: {short(c)}')
            return 'sum 42, ids "req-1" and 99 echoed'
        rep.check('add', add)

        def fetch():
            a = client.call('fetch /items/{id}', {'id': 7})
            expect_ok(a, 'fetch 7')
            p = a.get('payload')
            expect(isinstance(p, dict), f'payload {short(a)}')
            expect(strict_equal(p.get('id'), 7), f'id: {short(p)}')
            expect(p.get('kind') == 'gadget', f'kind: {short(p)}')
            expect(type(p.get('price')) is float, f'price must be a JSON float: {short(p)}')
            expect(isinstance(p.get('tags'), list), f'tags must be a list: {short(p)}')
            return short(p, 200)
        rep.check('fetch /items/{id} 7', fetch)

        def fetch_missing():
            a = client.call('fetch /items/{id}', {'id': 404})
            expect_failure(a, 'fetch 404', 'not-found', 'item-missing')
            return short(meta(a)['error'], 200)
        rep.check('fetch /items/{id} 404', fetch_missing)

        def echo():
            p = {'a': [1, 2.5, 'x', None, True]}
            a = client.call('echo', p)
            expect_ok(a, 'echo')
            expect(strict_equal(a.get('payload'), p), f'echo changed the payload: {short(a)}')
        rep.check('echo round trip', echo)

        def create():
            a = client.call('create-item', {'id': 1, 'name': 'n', 'kind': 'tool', 'price': 1.0,
                                            'tags': []})
            expect_ok(a, 'create-item', 'created')
            return f'payload {short(a.get("payload"), 120)}'
        rep.check('create-item', create)

        def unknown():
            a = client.call('no-such-function', {'x': 1}, {'id': 5})
            expect_failure(a, 'unknown function', 'not-found', 'unknown-function')
            expect(meta(a).get('id') == 5, f'id not echoed on failure: {short(a)}')
        rep.check('unknown function', unknown)

        def bad_params():
            a = client.call('add', {'a': 'x'})
            expect_failure(a, 'add bad params', 'invalid')
            return short(meta(a)['error'], 200)
        rep.check('add bad params', bad_params)

        def first_slow(a):
            expect_ok(a, 'slow')

        def add_answer(a, p):
            expect_ok(a, 'add')
            expect(strict_equal(a.get('payload'), {'sum': p['a'] + p['b']}), short(a))
        rep.check('pipeline on one stream', check_pipeline, client, 'slow', {'ms': 300}, 'add',
                  [{'a': 1, 'b': 2}, {'a': 3, 'b': 4}], add_answer, first_slow)
        rep.check('20 concurrent channels', check_concurrent_channels, client, 20, 10)

        def streaming():
            # a streaming endpoint: one message per chunk, one per event, then the final answer
            ch = client.open_channel()
            ch.send('tick', {'n': 3}, {'id': 'st'})
            partial, final = ch.recv_answer(10)
            chunks = [m for m in partial if 'chunk' in m['metadata']]
            events = [m for m in partial if 'event' in m['metadata']]
            expect([m['metadata']['chunk'] for m in chunks] == [0, 1, 2], short(partial))
            expect([m['payload']['id'] for m in chunks] == [0, 1, 2] and chunks[0]['payload']['kind'] == 'gadget', short(chunks))
            expect(all(m['metadata'].get('id') == 'st' for m in partial), 'ids not echoed on stream messages')
            expect(len(events) == 1 and events[0]['metadata']['event'] == 'restocked' and
                   events[0]['payload'] == {'id': 3, 'kind': 'gadget'}, short(events))
            expect_ok(final, 'tick final')
            expect(strict_equal(final.get('payload'), {'total': 3}), short(final))
            ch.end()
            return f'{len(chunks)} chunks, {len(events)} event, final {short(final.get("payload"))}'
        rep.check('stream answer', streaming)

        def ping():
            a = client.call('ping', None)
            expect_ok(a, 'ping')
        rep.check('ping', ping)

        def health():
            a = client.call('health', None)
            expect_ok(a, 'health')
            return f'payload {short(a.get("payload"), 120)}'
        rep.check('health', health)

        def session_two_clients():
            # two independent connections at once, each with its own channel
            with ChannelClient(rec['host'], rec['port'], 'py-peer-2') as c2:
                a = c2.call('add', {'a': 5, 'b': 5})
                b = client.call('add', {'a': 6, 'b': 6})
            expect(strict_equal(a.get('payload'), {'sum': 10}) and
                   strict_equal(b.get('payload'), {'sum': 12}), f'{short(a)} {short(b)}')
        rep.check('second connection', session_two_clients)
    finally:
        client.close()
    expect_alive(rep, node)


def expect_alive(rep, node):
    if node.child.alive():
        rep.passed('node still running')
    else:
        rep.fail('node still running', f'node exited with status {node.child.proc.returncode}')


# --------------------------------------------------------------------------
# case: sxtp-calls-py (C++ client -> Python node)
# --------------------------------------------------------------------------

def case_sxtp_calls_py(env, rep):
    cb = env.args.call_bin
    if not cb:
        raise SetupError('this case needs --call-bin')
    if not os.path.exists(cb):
        raise SetupError(f'call binary not found: {cb}')
    redis = env.start_redis()
    _, port = env.start_py_node('py-greeter')
    rep.check('py-greeter registered', lambda: short(find_record(
        redis, 'py-greeter', lambda r: r.get('port') == port)[1], 200))
    argv = [cb, '--redis-port', str(env.redis_port), '--service', 'py-greeter']
    print(f'NOTE running {" ".join(argv)}', flush=True)
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    try:
        rc = proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        rep.fail('call binary', f'{cb} did not finish within 40s (killed)')
        return
    finally:
        if proc.poll() is None:
            proc.kill()
    if rc == 0:
        rep.passed('call binary', f'exit 0 ({time.monotonic() - t0:.2f}s)')
    else:
        rep.fail('call binary', f'{cb} exited with status {rc}')


# --------------------------------------------------------------------------
# case: demo (three services)
# --------------------------------------------------------------------------

def case_demo(env, rep):
    redis = env.start_redis()
    _, py_port = env.start_py_node('py-greeter')
    inv = env.start_node('inventory')
    orders = env.start_node('orders')
    state = {}

    def discover_orders():
        key, rec = find_record(redis, 'orders', lambda r: r.get('port') == orders.h2_port)
        state['rec'] = rec
        return f'{key} -> {rec["host"]}:{rec["port"]}'
    if not rep.check('discover orders', discover_orders):
        return
    rec = state['rec']
    with ChannelClient(rec['host'], rec['port'], 'py-demo') as client:
        def place():
            a = client.call('place', {'item': 7, 'customer': 'ada'}, {'id': 'order-1'}, timeout=15)
            expect_ok(a, 'place')
            p = a.get('payload')
            expect(isinstance(p, dict), f'payload {short(a)}')
            expect(p.get('greeting') == 'hello, ada', f'greeting from py-greeter: {short(p)}')
            item = p.get('item')
            expect(isinstance(item, dict) and strict_equal(item.get('id'), 7),
                   f'item from inventory: {short(p)}')
            expect(meta(a).get('id') == 'order-1', f'id not echoed: {short(a)}')
            return short(p, 240)
        rep.check('orders place (py -> orders -> inventory + py-greeter)', place)
    for n in (inv, orders):
        expect_alive(rep, n)


# --------------------------------------------------------------------------
# case: hostile
# --------------------------------------------------------------------------

class IdleProbe(threading.Thread):
    """(e) a connection that sends the preface (+ empty SETTINGS) then nothing."""

    def __init__(self, host, port, budget):
        super().__init__(daemon=True)
        self.host, self.port, self.budget = host, port, budget
        self.result = None        # (outcome, seconds)
        self.stop_flag = threading.Event()

    def run(self):
        t0 = time.monotonic()
        try:
            s = socket.create_connection((self.host, self.port), timeout=5)
            s.sendall(PREFACE + EMPTY_SETTINGS)
            s.settimeout(0.5)
            got = 0
            while time.monotonic() - t0 < self.budget and not self.stop_flag.is_set():
                try:
                    d = s.recv(65536)
                except socket.timeout:
                    continue
                except OSError as e:
                    self.result = (f'closed ({type(e).__name__}) after {got} bytes',
                                   time.monotonic() - t0)
                    break
                if not d:
                    self.result = (f'closed after {got} bytes from the server', time.monotonic() - t0)
                    break
                got += len(d)
            else:
                self.result = ('open', time.monotonic() - t0)
            s.close()
        except OSError as e:
            self.result = (f'error {e}', time.monotonic() - t0)


class TrickleProbe(threading.Thread):
    """(d) a message sent one byte every 200 ms."""

    def __init__(self, host, port, budget):
        super().__init__(daemon=True)
        self.host, self.port, self.budget = host, port, budget
        self.result = None
        self.stop_flag = threading.Event()

    def run(self):
        t0 = time.monotonic()
        sent = 0
        try:
            c = ChannelClient(self.host, self.port, 'trickle')
        except OSError as e:
            self.result = (f'error {e}', 0.0, 0, None)
            return
        try:
            ch = c.open_channel()
            ch.wait_response(5)
            msg = frame(encode_json({'function_name': 'echo', 'payload': {'pad': 'x' * 2000}}))
            t0 = time.monotonic()
            outcome = 'open'
            for i in range(len(msg)):
                if time.monotonic() - t0 > self.budget or self.stop_flag.is_set():
                    break
                try:
                    ch.send_raw(msg[i:i + 1], timeout=2)
                    sent += 1
                except (StreamReset, StreamEnded, ConnectionClosed, ChannelTimeout) as e:
                    outcome = f'send refused: {type(e).__name__}: {e}'
                    break
                st = ch.wait_closed(0.2)
                if st != 'open':
                    outcome = st
                    break
            answer = None
            if ch.buf:
                try:
                    answer = ch.recv(0.5)
                except Exception as e:  # noqa: BLE001
                    answer = f'{type(e).__name__}: {e}'
            if outcome == 'open' and ch.state() != 'open':
                outcome = ch.state()
            if ch.conn.closed and 'closed' not in outcome:
                outcome += ' (connection closed)'
            self.result = (outcome, time.monotonic() - t0, sent, answer)
        finally:
            c.close()


def case_hostile(env, rep):
    redis = env.start_redis()
    node = env.start_node('inventory', max_message=65536)
    case_t0 = time.monotonic()
    try:
        _, rec = find_record(redis, 'inventory', lambda r: r.get('port') == node.h2_port)
        host = rec['host']
    except CheckFailed as e:
        rep.note('record', f'{e}; using 127.0.0.1')
        host = '127.0.0.1'
    port = node.h2_port

    def fresh_add(tag):
        try:
            with ChannelClient(host, port, 'hostile-check', connect_timeout=10) as c:
                a = c.call('add', {'a': 20, 'b': 22}, timeout=10)
            ok = answer_status(a) == 'ok' and strict_equal(a.get('payload'), {'sum': 42})
            why = short(a)
        except Exception as e:  # noqa: BLE001
            ok, why = False, f'{type(e).__name__}: {e}'
        if not node.child.alive():
            ok, why = False, f'node exited with status {node.child.proc.returncode}'
        if ok:
            rep.passed(f'{tag}: fresh client add still works')
        else:
            rep.fail(f'{tag}: fresh client add still works', why)

    # warm up, then the baseline RSS
    with ChannelClient(host, port, 'hostile-warmup') as c:
        for i in range(50):
            c.call('add', {'a': i, 'b': i})
    rss0 = rss_kib(node.pid)
    rep.note('baseline', f'node pid {node.pid} VmRSS {rss0} KiB')

    idle = IdleProbe(host, port, budget=42.0)
    idle.start()
    trickle = TrickleProbe(host, port, budget=25.0)
    trickle.start()

    # (a) sizes -----------------------------------------------------------
    c = ChannelClient(host, port, 'hostile-a')
    try:
        def near_limit():
            p = {'s': 'x' * 60000}
            a = c.open_channel().call('echo', p, timeout=10)
            expect_ok(a, 'echo of a 60 kB message')
            expect(a.get('payload') == p, 'payload changed')
            return 'a 60 kB message under --max-message 65536 is served'
        rep.check('(a) message under the limit', near_limit)

        def too_large_answer(ch, what):
            try:
                a = ch.recv(5)
            except StreamReset as e:
                return f'stream reset ({e.code_name})'
            except ConnectionClosed as e:
                raise CheckFailed(f'{what}: the whole connection was closed ({e}); want an answer '
                                  f'or a stream reset')
            except StreamEnded:
                raise CheckFailed(f'{what}: stream ended without an answer')
            expect_failure(a, what, 'invalid')
            st = ch.wait_closed(2)
            return f'answer {meta(a)["error"].get("type")}, then stream {st}'

        def over_limit():
            ch = c.open_channel()
            msg = frame(encode_json({'function_name': 'echo', 'payload': {'s': 'x' * 70000}}))
            note = ''
            try:
                ch.send_raw(msg, timeout=5)
            except StreamReset as e:
                note = f'stream reset while sending ({e.code_name}); '
            except ChannelTimeout:
                note = 'flow control closed while sending; '
            return note + too_large_answer(ch, '70 kB message')
        rep.check('(a) message over the limit', over_limit)

        def length_4g():
            ch = c.open_channel()
            ch.send_raw(b'\xff\xff\xff\xff' + b'{"function_name":"add"' + b' ' * 100)
            detail = too_large_answer(ch, 'length prefix 4 GiB-1')
            # the connection itself keeps working
            a = c.open_channel().call('add', {'a': 1, 'b': 2})
            expect(strict_equal(a.get('payload'), {'sum': 3}), f'same connection: {short(a)}')
            return detail + '; same connection still serves'
        rep.check('(a) length prefix 4 GiB-1', length_4g)
    finally:
        c.close()
    fresh_add('(a)')

    # (b) malformed messages ------------------------------------------------
    c = ChannelClient(host, port, 'hostile-b')
    try:
        ch = c.open_channel()
        deep = '[' * 100 + ']' * 100
        bad = [
            ('bad JSON', b'{not json'),
            ('JSON array', b'[1,2,3]'),
            ('JSON string', b'"just a string"'),
            ('JSON number', b'42'),
            ('function_name missing', b'{"payload":{"a":1,"b":2}}'),
            ('function_name a number', b'{"function_name":5,"payload":{}}'),
            ('function_name null', b'{"function_name":null,"payload":{}}'),
            ('invalid UTF-8', b'{"function_name":"add","payload":"\xff\xfe"}'),
            ('NaN', b'{"function_name":"echo","payload":NaN}'),
            ('truncated JSON', b'{"function_name":"add","payload":{"a":1,"b":2}'),
            ('trailing garbage', b'{"function_name":"add","payload":{"a":1,"b":2}} x'),
        ]
        usable = True
        for name, body in bad:
            def one(body=body, name=name):
                ch.send_raw(frame(body))
                a = ch.recv(5)
                expect_failure(a, name, 'invalid')
                return f'{meta(a)["error"].get("type")}'
            if not rep.check(f'(b) {name}', one):
                if ch.state() != 'open':
                    usable = False
                    break

        def big_int():
            # 2^64-1: an integer JSON holds exactly but SX (int64) cannot (docs/mesh.md;
            # integers beyond 2^64 are read as floats by the JSON parser, as documented)
            ch.send_raw(frame(b'{"function_name":"echo","payload":{"a":18446744073709551615}}'))
            a = ch.recv(5)
            expect(answer_status(a) not in (None, 'ok'), f'integer beyond int64 accepted: {short(a)}')
            return f'status {answer_status(a)}'
        if usable:
            rep.check('(b) integer beyond int64 (refused)', big_int)

        def nesting():
            ch.send_raw(frame(('{"function_name":"echo","payload":' + deep + '}').encode()))
            a = ch.recv(5)
            expect(answer_status(a) not in (None, 'ok'), f'100-level nesting accepted: {short(a)}')
            return f'status {answer_status(a)}'
        if usable:
            rep.check('(b) nesting 100 levels (limit 64)', nesting)

        def still_usable():
            expect(ch.state() == 'open', f'channel is {ch.state()}')
            a = ch.call('add', {'a': 40, 'b': 2}, {'id': 'after-bad'})
            expect_ok(a, 'add after malformed messages')
            expect(strict_equal(a.get('payload'), {'sum': 42}) and meta(a).get('id') == 'after-bad',
                   short(a))
            return 'the same stream serves the next good message'
        rep.check('(b) stream still usable', still_usable)

        def zero_length():
            ch2 = c.open_channel()
            ch2.send_raw(b'\x00\x00\x00\x00')
            try:
                a = ch2.recv(5)
            except StreamReset as e:
                return f'stream reset ({e.code_name})'
            expect_failure(a, 'N = 0', 'invalid')
            b = ch2.call('add', {'a': 1, 'b': 1})
            expect(strict_equal(b.get('payload'), {'sum': 2}), short(b))
            return 'answer invalid, stream still usable'
        rep.check('(b) zero-length message', zero_length)
    finally:
        c.close()
    fresh_add('(b)')

    # (c) many streams ------------------------------------------------------
    def honest_streams():
        conn = H2ClientConnection(host, port)
        try:
            limit = conn.wait_settings(5)
            hdrs = channel_headers(host, port, 'hostile-c')
            chans, refused_by_h2 = [], None
            for i in range(300):
                try:
                    chans.append(conn.open_stream(hdrs))
                except h2x.TooManyStreamsError as e:
                    refused_by_h2 = str(e)
                    break
            time.sleep(1.0)
            accepted = sum(1 for ch in chans if ch.status == 200 and ch.state() == 'open')
            reset = sum(1 for ch in chans if ch.state() == 'reset')
            expect(accepted <= limit, f'{accepted} open streams, over the announced limit {limit}')
            if limit >= 300:
                rep.warn('(c) SETTINGS_MAX_CONCURRENT_STREAMS',
                         f'the node announces {limit}: 300 idle streams were all accepted')
            else:
                expect(refused_by_h2 is not None or reset > 0,
                       f'announced limit {limit}, opened {len(chans)} without refusal')
            # free one slot, the same connection serves again
            chans[0].reset()
            time.sleep(0.2)
            ch = conn.open_stream(hdrs)
            r = ch.call('add', {'a': 2, 'b': 2})
            expect(strict_equal(r.get('payload'), {'sum': 4}), short(r))
            return (f'limit {limit}; h2 refused stream {len(chans) + 1}; {accepted} idle streams '
                    f'open, {reset} reset by the server; after a reset the same connection serves')
        finally:
            conn.close()
    rep.check('(c) 300 streams, honest client', honest_streams)

    def forced_streams():
        conn = H2ClientConnection(host, port, ignore_stream_limit=True)
        try:
            limit = conn.wait_settings(5)
            if limit >= 300:
                return f'skipped: the node allows {limit} streams'
            hdrs = channel_headers(host, port, 'hostile-c')
            chans = []
            for i in range(300):
                try:
                    chans.append(conn.open_stream(hdrs))
                except ConnectionClosed:
                    break
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                if all(ch.state() != 'open' or ch.status is not None for ch in chans):
                    break
                time.sleep(0.1)
            accepted = [ch for ch in chans if ch.status == 200 and ch.state() in ('open', 'closed')]
            reset = [ch for ch in chans if ch.state() == 'reset']
            refused = [ch for ch in chans if ch.state() == 'refused']
            codes = sorted({error_code_name(ch.reset_code) for ch in reset})
            goaway = conn.goaway
            expect(len(accepted) <= limit,
                   f'{len(accepted)} streams accepted beyond SETTINGS_MAX_CONCURRENT_STREAMS {limit}')
            if goaway is None and not conn.closed:
                expect(len(accepted) + len(reset) + len(refused) == len(chans),
                       f'{len(chans) - len(accepted) - len(reset)} streams neither accepted nor '
                       f'refused')
            return (f'{len(chans)} HEADERS sent (limit {limit}): {len(accepted)} answered 200, '
                    f'{len(reset)} reset {codes}, {len(refused)} refused by GOAWAY'
                    + (f', GOAWAY {goaway}' if goaway else '')
                    + (', connection closed' if conn.closed else ''))
        finally:
            conn.close()
    rep.check('(c) 300 streams, client ignoring the limit', forced_streams)
    fresh_add('(c)')

    # (f) garbage instead of the preface -------------------------------------
    def garbage(name, data):
        s = socket.create_connection((host, port), timeout=5)
        t0 = time.monotonic()
        try:
            try:
                s.sendall(data)
            except OSError:
                return 'closed while sending'
            s.settimeout(0.5)
            got = 0
            while time.monotonic() - t0 < 5:
                try:
                    d = s.recv(65536)
                except socket.timeout:
                    continue
                except OSError as e:
                    return f'connection reset ({type(e).__name__}) after {time.monotonic() - t0:.2f}s'
                if not d:
                    return f'closed after {time.monotonic() - t0:.2f}s ({got} bytes from the server)'
                got += len(d)
            raise CheckFailed(f'{name}: connection still open after 5s')
        finally:
            s.close()
    rng = random.Random(3)
    rep.check('(f) HTTP/1.1 request instead of the preface', garbage, 'http/1.1',
              b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    rep.check('(f) random bytes instead of the preface', garbage, 'random',
              bytes(rng.getrandbits(8) for _ in range(65536)))
    rep.check('(f) preface then a malformed SETTINGS frame', garbage, 'bad frame',
              PREFACE + b'\x00\x00\x05\x04\x00\x00\x00\x00\x00' + b'\x00' * 5)
    fresh_add('(f)')

    # (g) 2000 pipelined requests, answers read late ---------------------------
    def pipeline_2000():
        n = 2000
        with ChannelClient(host, port, 'hostile-g') as c:
            ch = c.open_channel()
            ch.wait_response(5)
            progress = {'sent': 0, 'error': None}

            def sender():
                try:
                    for i in range(n):
                        ch.send('add', {'a': i, 'b': 1}, {'id': i}, timeout=20)
                        progress['sent'] = i + 1
                    ch.end()
                except Exception as e:  # noqa: BLE001
                    progress['error'] = f'{type(e).__name__}: {e}'
            t = threading.Thread(target=sender, daemon=True)
            t.start()
            time.sleep(3.0)
            sent_before = progress['sent']
            deadline = time.monotonic() + 30
            for i in range(n):
                try:
                    a = ch.recv(max(0.1, min(10.0, deadline - time.monotonic())))
                except (ChannelTimeout, StreamReset, StreamEnded, ConnectionClosed) as e:
                    raise CheckFailed(f'answer {i}: {type(e).__name__}: {e} '
                                      f'(sent {progress["sent"]}, sender {progress["error"]})')
                if meta(a).get('id') != i or answer_status(a) != 'ok' or \
                        not strict_equal(a.get('payload'), {'sum': i + 1}):
                    raise CheckFailed(f'answer {i} out of order or wrong: {short(a)}')
            t.join(5)
            expect(progress['error'] is None, f'sender: {progress["error"]}')
            try:
                extra = ch.recv(5)
                raise CheckFailed(f'extra message: {short(extra)}')
            except StreamEnded:
                pass
            return (f'{n} answers in order; {sent_before} requests had been sent when reading '
                    f'began' + (' (backpressure)' if sent_before < n else ''))
    rep.check('(g) 2000 pipelined requests read after 3s', pipeline_2000)
    fresh_add('(g)')

    # (h) 200 connections at once ----------------------------------------------
    def many_connections():
        n = 200
        results = [None] * n
        barrier = threading.Barrier(n, timeout=15)

        def one(i):
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
            c = None
            try:
                c = ChannelClient(host, port, f'hostile-h{i}', connect_timeout=10)
                a = c.call('add', {'a': i, 'b': 1}, timeout=20)
                if answer_status(a) == 'ok' and strict_equal(a.get('payload'), {'sum': i + 1}):
                    results[i] = 'ok'
                elif answer_status(a) == 'unavailable':
                    results[i] = 'refused'
                else:
                    results[i] = f'wrong: {short(a)}'
            except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError,
                    ConnectionClosed) as e:
                results[i] = 'refused'
                del e
            except StreamReset as e:
                results[i] = 'refused' if e.code == ErrorCodes.REFUSED_STREAM else f'reset {e.code_name}'
            except (ChannelTimeout, socket.timeout) as e:
                results[i] = f'timeout: {e}'
            except Exception as e:  # noqa: BLE001
                results[i] = f'error {type(e).__name__}: {e}'
            finally:
                if c is not None:
                    c.close()
        ts = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
        for t in ts:
            t.start()
        deadline = time.monotonic() + 40
        for t in ts:
            t.join(max(0.0, deadline - time.monotonic()))
        hung = sum(1 for t in ts if t.is_alive())
        ok = results.count('ok')
        refused = results.count('refused')
        bad = [r for r in results if r not in ('ok', 'refused', None)]
        expect(hung == 0, f'{hung} connections still running after 40s')
        expect(not bad, f'{len(bad)} neither served nor cleanly refused: {short(bad[:5], 500)}')
        expect(ok > 0, 'no connection was served')
        return f'{ok} served, {refused} refused'
    rep.check('(h) 200 connections at once', many_connections)
    fresh_add('(h)')

    # (i) a stream answer far larger than the budget, to a client that does not read ---
    def unread_stream():
        c = ChannelClient(host, port, 'hostile-unread', connect_timeout=10)
        ch = c.open_channel()
        ch.send('tick', {'n': 100000})  # ~9 MB of chunk messages; the server holds at most its budget
        time.sleep(3)
        grown = rss_kib(node.pid)
        c.close()  # the call must be cancelled, its stream let go
        return f'VmRSS {grown} KiB while unread; connection closed'
    rep.check('(i) 100000-chunk stream never read', unread_stream)
    fresh_add('(i)')

    # Regressions found by an attacker review (docs/mesh.md, "Limits") ----------
    from h2.settings import SettingCodes

    def wide_client(name):
        c = ChannelClient(host, port, name, connect_timeout=10)
        with c.conn.cond:
            c.conn.h2.update_settings({SettingCodes.INITIAL_WINDOW_SIZE: 16 << 20})
        c.conn.flush()
        time.sleep(0.1)
        return c

    def descending_keys():
        # An object with its keys in descending order was once quadratic to
        # convert (each key inserted at the front of a sorted array): it must
        # cost about what the same keys in ascending order cost. Timing on a
        # busy machine: measured again (three times) before it fails.
        def echo_time(keys):
            obj = '{' + ','.join(f'"{k}":0' for k in keys) + '}'
            c = wide_client('hostile-keys')
            try:
                ch = c.open_channel()
                t0 = time.monotonic()
                ch.send_raw(frame(('{"function_name":"echo","payload":%s}' % obj).encode()), timeout=30)
                a = ch.recv(60)
                expect_ok(a, 'echo of 5000 keys')
                return time.monotonic() - t0
            finally:
                c.close()
        keys = [f'k{i:05d}' for i in range(5000)]
        for attempt in range(3):
            asc, desc = echo_time(keys), echo_time(keys[::-1])
            if desc <= 4 * asc + 0.1:
                return f'descending {desc:.3f}s, ascending {asc:.3f}s'
        raise CheckFailed(f'descending keys {desc:.3f}s vs ascending {asc:.3f}s (3 measurements)')
    rep.check('(j) 5000 keys in descending order', descending_keys)

    def reset_while_paused():
        # 256 slow calls (the connection stops reading at max_calls), their stream
        # reset in the same write: the connection must read again once they end
        c = wide_client('hostile-paused')
        try:
            keep = c.open_channel()
            keep.send('add', {'a': 1, 'b': 1})
            keep.recv_answer(10)
            b = c.open_channel()
            b.send('add', {'a': 1, 'b': 1})
            b.recv_answer(10)
            one = frame(encode_json({'function_name': 'slow', 'payload': {'ms': 2000}}))
            with c.conn.cond:
                c.conn.h2.send_data(b.stream_id, one * 256)
                c.conn.h2.reset_stream(b.stream_id, 8)
            c.conn.flush()
            time.sleep(2.5)
            t0 = time.monotonic()
            a = c.open_channel().call('add', {'a': 1, 'b': 2}, timeout=10)
            expect(strict_equal(a.get('payload'), {'sum': 3}), short(a))
            return f'the same connection answered after {time.monotonic() - t0:.2f}s'
        finally:
            c.close()
    rep.check('(k) a stream reset while its connection is paused', reset_while_paused)

    def overflowing_add():
        with ChannelClient(host, port, 'hostile-overflow', connect_timeout=10) as c:
            a = c.call('add', {'a': 9223372036854775807, 'b': 1}, timeout=10)
        expect_failure(a, 'add beyond int64', 'invalid')
        expect(node.child.alive(), 'the node died')
        return f'{meta(a)["error"].get("type")}'
    rep.check('(l) add beyond int64 is refused, not overflowed', overflowing_add)

    def deadline_status():
        with ChannelClient(host, port, 'hostile-deadline', connect_timeout=10) as c:
            t0 = time.monotonic()
            a = c.call('slow', {'ms': 2000}, {'timeout-ms': 100}, timeout=10)
        expect(meta(a).get('status') == 'error' and meta(a).get('error', {}).get('type') == 'deadline-exceeded', short(a))
        expect(time.monotonic() - t0 < 1.5, 'the deadline was not kept')
        return 'deadline-exceeded at the deadline'
    rep.check('(m) timeout-ms answers deadline-exceeded', deadline_status)
    fresh_add('(j-m)')

    # (d) trickle ----------------------------------------------------------------
    trickle.join(max(0.0, 28 - (time.monotonic() - case_t0)) + 2)
    r = trickle.result
    if r is None:
        trickle.stop_flag.set()
        rep.fail('(d) 1 byte / 200 ms trickle', 'probe did not finish')
    else:
        outcome, secs, sent, answer = r
        detail = f'{outcome} after {secs:.1f}s, {sent} bytes sent' + \
            (f', answer {short(answer, 200)}' if answer is not None else '')
        if outcome == 'open':
            rep.fail('(d) 1 byte / 200 ms trickle', f'stream still open: {detail}')
        elif isinstance(answer, dict) and answer_status(answer) == 'ok':
            rep.fail('(d) 1 byte / 200 ms trickle', f'incomplete message answered ok: {detail}')
        else:
            rep.passed('(d) 1 byte / 200 ms trickle', detail)
    fresh_add('(d)')

    # (e) silent connection --------------------------------------------------------
    idle.join(max(0.0, 45 - (time.monotonic() - case_t0)))
    r = idle.result
    if r is None:
        idle.stop_flag.set()
        idle.join(1)
        r = idle.result or ('open', time.monotonic() - case_t0)
    outcome, secs = r
    if outcome == 'open':
        rep.warn('(e) silent connection', f'still open after {secs:.1f}s (budget 42s): no idle '
                                          f'timeout observed within the test budget')
    elif outcome.startswith('error'):
        rep.fail('(e) silent connection', outcome)
    else:
        rep.passed('(e) silent connection', f'{outcome} after {secs:.1f}s')

    # memory ----------------------------------------------------------------------
    rss1 = rss_kib(node.pid)
    if rss0 is None or rss1 is None:
        rep.warn('memory', f'cannot read VmRSS of pid {node.pid} ({rss0}, {rss1})')
    elif rss1 <= rss0 + 64 * 1024:
        rep.passed('memory', f'VmRSS {rss0} -> {rss1} KiB (bound +65536)')
    else:
        rep.fail('memory', f'VmRSS grew from {rss0} to {rss1} KiB (bound +65536)')
    fresh_add('final')
    expect_alive(rep, node)


# --------------------------------------------------------------------------

CASES = {
    'selftest': case_selftest,
    'peer': case_peer,
    'sxtp-calls-py': case_sxtp_calls_py,
    'demo': case_demo,
    'hostile': case_hostile,
}


def main(argv=None):
    ap = argparse.ArgumentParser(description='Mesh bridge test driver')
    ap.add_argument('case', choices=sorted(CASES))
    ap.add_argument('--redis-server', required=True)
    ap.add_argument('--node-bin')
    ap.add_argument('--call-bin')
    ap.add_argument('--budget', type=float, default=DEFAULT_BUDGET,
                    help='seconds for the whole case (default %(default)s)')
    args = ap.parse_args(argv)

    def on_alarm(signum, frm):
        raise CaseTimeout()

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_alarm)  # ctest killing us: still clean up
    env = Env(args)
    rep = Report()
    t0 = time.monotonic()
    rc = 0
    signal.setitimer(signal.ITIMER_REAL, args.budget)
    try:
        CASES[args.case](env, rep)
    except CaseTimeout:
        print(f'FAIL {args.case}: the case ran out of its {args.budget:.0f}s budget', flush=True)
        rc = 3
    except SetupError as e:
        print(f'FAIL {args.case}: setup: {e}', flush=True)
        rc = 2
    except CheckFailed as e:
        print(f'FAIL {args.case}: {e}', flush=True)
        rc = 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        env.cleanup()
    if rc == 0 and rep.failures:
        rc = 1
    dt = time.monotonic() - t0
    if rc == 0:
        print(f'OK   {args.case} ({dt:.1f}s)', flush=True)
    else:
        print(f'FAILED {args.case} ({dt:.1f}s): {len(rep.failures)} failed checks '
              f'{rep.failures}', flush=True)
    return rc


if __name__ == '__main__':
    sys.exit(main())
