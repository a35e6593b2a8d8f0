#!/usr/bin/env python3
"""A plain seed-003 Mesh node in Python (no sxtp metadata).

    python3 py_node.py --redis-port P --service py-greeter [--port 0]

Binds 127.0.0.1 (a free port with --port 0), registers in Redis with
metadata {}, prints ``READY <port>`` and serves /channel until SIGTERM/SIGINT
(then deregisters).

Functions:
  greet  {"name": s}  -> {"greeting": "hello, " + s}
  fail                -> failure: status invalid, error type bad-name, "no such name"
  count  {"n": k}     -> k chunk messages (payloads 0..k-1), then {"total": k}
  whoami              -> {"service": <x-service-name>, "session": <x-session-id or null>}
  echo   any          -> the payload                (extra, for the self test)
  slow   {"ms": t}    -> sleeps t ms, {"slept": t}  (extra, for the self test)
  ping   (built in)   -> null, status ok
"""

import argparse
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mesh_peer import (MeshError, MeshNode, Redis, Stream, deregister,  # noqa: E402
                       register)


def _params(payload, what):
    if not isinstance(payload, dict):
        raise MeshError('invalid', 'bad-params', f'{what} takes an object payload')
    return payload


def greet(payload, metadata, headers):
    name = _params(payload, 'greet').get('name')
    if not isinstance(name, str):
        raise MeshError('invalid', 'bad-params', 'greet takes {"name": string}')
    return {'greeting': 'hello, ' + name}


def fail(payload, metadata, headers):
    raise MeshError('invalid', 'bad-name', 'no such name')


def count(payload, metadata, headers):
    n = _params(payload, 'count').get('n')
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 100000:
        raise MeshError('invalid', 'bad-params', 'count takes {"n": 0..100000}')
    return Stream(list(range(n)), {'total': n})


def whoami(payload, metadata, headers):
    return {'service': headers.get('x-service-name'), 'session': headers.get('x-session-id')}


def echo(payload, metadata, headers):
    return payload


def slow(payload, metadata, headers):
    ms = _params(payload, 'slow').get('ms')
    if not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms <= 10000:
        raise MeshError('invalid', 'bad-params', 'slow takes {"ms": 0..10000}')
    time.sleep(ms / 1000.0)
    return {'slept': ms}


FUNCTIONS = {'greet': greet, 'fail': fail, 'count': count, 'whoami': whoami,
             'echo': echo, 'slow': slow}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--redis-port', type=int, required=True)
    ap.add_argument('--redis-host', default='127.0.0.1')
    ap.add_argument('--service', default='py-greeter')
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--ttl', type=int, default=10)
    args = ap.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    node = MeshNode(args.service, FUNCTIONS, host=args.host, port=args.port)
    port = node.start()
    redis = Redis(args.redis_port, args.redis_host)
    reg = register(redis, args.service, args.host, port, {}, ttl=args.ttl)
    try:
        print(f'READY {port}', flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        deregister(redis, reg)
        redis.close()
        node.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
