#!/usr/bin/env python3
"""A Tornado app that keeps its sessions the way Python's redis_session
(the seed) does, for the Go interop tests of hashcodec/seed.

It is not the seed itself (that library no longer imports on current
Werkzeug and is not packaged), but does what the seed does on the wire:

- the session ID is two uuid4 strings (72 characters); the cookie holds it
  signed with Tornado's set_secure_cookie, or bare when unsigned;
- the session is the hash <prefix>:sessions:<id>, written with redis-py,
  one HSET and then one EXPIRE <expire> per value;
- values are read with the seed's accessor rules (class Result).

Usage: seedapp.py --redis-port P --secret S --prefix X --expire SECONDS
It listens on a free loopback port and prints one line
"READY <port> tornado <version> redis-py <version>" when it serves. It
exits when its standard input closes, so it never outlives the Go test.
"""

import argparse
import asyncio
import json
import os
import sys
import threading
import uuid

import redis
import tornado
import tornado.httpserver
import tornado.netutil
import tornado.web


class Result:
    """The seed's RedisResult: one HGET reply (bytes, or None if missing)."""

    def __init__(self, raw):
        self.raw = raw

    @property
    def none(self):
        return self.raw is None

    @property
    def str(self):
        if self.raw is None:
            return ''
        return self.raw.decode('utf-8')  # strict: invalid UTF-8 raises

    @property
    def int(self):
        try:
            return int(self.raw)
        except Exception:
            return 0

    @property
    def bool(self):
        return self.str == 'True'

    @property
    def json(self):
        try:
            return json.loads(self.raw)
        except Exception:
            return {}


def report(result):
    """Every accessor of result, as Python reprs, or 'raises <Error>'."""
    out = {}
    for name in ('raw', 'none', 'str', 'int', 'bool', 'json'):
        try:
            out[name] = repr(getattr(result, name))
        except Exception as e:  # .str and .bool raise on invalid UTF-8
            out[name] = 'raises ' + type(e).__name__
    return out


# What the seed's handlers store, as redis-py turns them into bytes. The
# bool is written as redis-py 2.x wrote True (3.x and later refuse bools).
SEED_VALUES = [
    ('name', 'stefan'),
    ('greeting', 'Grüße'),
    ('count', 42),
    ('padded', ' 42 '),
    ('separated', '4_2'),
    ('flag', 'True'),
    ('off', 'False'),
    ('profile', json.dumps({'roles': ['admin'], 'age': 36})),
    ('big', 99999999999999999999),
    ('ratio', 1.5),
]


class Base(tornado.web.RequestHandler):
    def initialize(self, opts, rdb):
        self.opts = opts
        self.rdb = rdb

    def key(self, sid):
        return '%s:sessions:%s' % (self.opts.prefix, sid)

    def cookie_name(self):
        kind = self.get_query_argument('kind', 'signed')
        if kind not in ('signed', 'raw'):
            raise tornado.web.HTTPError(400)
        return kind, self.opts.cookie_name if kind == 'signed' else self.opts.raw_cookie_name

    def session_id(self):
        """The seed's SessionHandler.sessionId, without creating one."""
        kind, name = self.cookie_name()
        if kind == 'signed':
            sid = self.get_secure_cookie(name)
            return sid.decode() if sid else None
        return self.get_cookie(name) or None

    def expire(self, key):
        try:
            self.rdb.expire(key, int(self.opts.expire))
        except Exception:  # the seed swallows every error here
            pass

    def reply(self, obj):
        self.set_header('Content-Type', 'application/json')
        self.finish(json.dumps(obj))


class Login(Base):
    """Creates a session the way the seed does and stores SEED_VALUES."""

    def get(self):
        kind, name = self.cookie_name()
        sid = str(uuid.uuid4()) + str(uuid.uuid4())
        if kind == 'signed':
            self.set_secure_cookie(name, sid, httponly=True, path='/')
        else:
            self.set_cookie(name, sid, httponly=True, path='/')
        key = self.key(sid)
        self.expire(key)  # the seed's EXPIRE when a Session is built: a no-op on a new key
        for field, value in SEED_VALUES:
            self.rdb.hset(key, field, value)
            self.expire(key)
        self.reply({'id': sid, 'key': key})


class Session(Base):
    """Reads every field of the cookie's session through the seed's accessors."""

    def get(self):
        sid = self.session_id()
        if sid is None:
            self.set_status(401)
            return self.reply({'error': 'no session'})
        key = self.key(sid)
        fields = {f.decode(): report(Result(self.rdb.hget(key, f))) for f in self.rdb.hkeys(key)}
        fields['missing'] = report(Result(self.rdb.hget(key, 'missing')))
        self.reply({'id': sid, 'ttl_ms': self.rdb.pttl(key), 'fields': fields})


class Inspect(Base):
    """Reads every field of any hash through the seed's accessors."""

    def get(self):
        key = self.get_query_argument('key')
        self.reply({f.decode('utf-8', 'backslashreplace'): report(Result(self.rdb.hget(key, f)))
                    for f in self.rdb.hkeys(key)})


class Sign(Base):
    """Tornado's own create_signed_value, at a given time and version."""

    def get(self):
        unix = float(self.get_query_argument('unix'))
        version = int(self.get_query_argument('version', '2'))
        value = tornado.web.create_signed_value(
            self.opts.secret, self.get_query_argument('name'), self.get_query_argument('value'),
            version=version, clock=lambda: unix)
        self.reply({'signed': value.decode()})


class Verify(Base):
    """Tornado's own decode_signed_value, as get_secure_cookie calls it."""

    def get(self):
        value = tornado.web.decode_signed_value(
            self.opts.secret, self.get_query_argument('name'), self.get_query_argument('value'))
        self.reply({'value': value.decode('utf-8', 'backslashreplace') if value is not None else None})


def exit_when_stdin_closes():
    sys.stdin.buffer.read()
    os._exit(0)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument('--redis-port', type=int, required=True)
    p.add_argument('--secret', required=True)
    p.add_argument('--prefix', default='redis')
    p.add_argument('--expire', type=int, required=True)
    p.add_argument('--cookie-name', default='session-id')
    p.add_argument('--raw-cookie-name', default='session-raw')
    opts = p.parse_args()

    rdb = redis.StrictRedis(host='127.0.0.1', port=opts.redis_port)  # no decode_responses, as the seed
    args = dict(opts=opts, rdb=rdb)
    app = tornado.web.Application([
        (r'/login', Login, args),
        (r'/session', Session, args),
        (r'/inspect', Inspect, args),
        (r'/sign', Sign, args),
        (r'/verify', Verify, args),
    ], cookie_secret=opts.secret)
    sockets = tornado.netutil.bind_sockets(0, '127.0.0.1')
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    print('READY %d tornado %s redis-py %s' % (sockets[0].getsockname()[1], tornado.version, redis.__version__),
          flush=True)
    await asyncio.Event().wait()


if __name__ == '__main__':
    asyncio.run(main())
