"""Unit tests of protocol.py validators, dispatch.py and transport.py over a socket pair."""
import json
import socket
import unittest

from taskscope_agent import dispatch, protocol, transport


class ValidatorTest(unittest.TestCase):
    def check(self, fn, good, bad):
        for m in good:
            self.assertIsNone(fn(m), m)
        for m, why in bad:
            err = fn(m)
            self.assertIsNotNone(err, m)
            self.assertIn(why, err)

    def test_hello(self):
        self.check(protocol.validate_hello,
                   [{'type': 'hello', 'protocol': '1.0', 'secret': 's'},
                    {'type': 'hello', 'protocol': '1.7', 'secret': 's', 'channel': 'faulthandler', 'x': 1}],
                   [({'type': 'hello', 'protocol': '1.0'}, "missing field 'secret'"),
                    ({'type': 'hello', 'protocol': 1, 'secret': 's'}, "'protocol' should be str"),
                    ({'type': 'hello', 'protocol': '1.0', 'secret': 's', 'channel': 'x'}, 'channel')])

    def test_request(self):
        self.check(protocol.validate_request,
                   [{'type': 'request', 'id': 1, 'method': 'tasks.list'},
                    {'type': 'request', 'id': 'a', 'method': 'tasks.get', 'params': {'id': '3'}},
                    {'type': 'request', 'id': 2, 'method': 'not.declared', 'params': {'anything': 1}}],
                   [({'type': 'request', 'method': 'x'}, "missing field 'id'"),
                    ({'type': 'request', 'id': True, 'method': 'x'}, "'id' should be int|str"),
                    ({'type': 'request', 'id': 1, 'method': 'tasks.get', 'params': {}}, "params: missing field 'id'"),
                    ({'type': 'request', 'id': 1, 'method': 'tasks.list', 'params': {'limit': '5'}}, "'limit'")])

    def test_response_event_welcome_refused(self):
        self.assertIsNone(protocol.validate_response(
            {'type': 'response', 'id': 1, 'ok': True, 'result': {'started': True}}, 'run'))
        self.assertIn("missing field 'started'", protocol.validate_response(
            {'type': 'response', 'id': 1, 'ok': True, 'result': {}}, 'run'))
        self.assertIsNone(protocol.validate_response(
            {'type': 'response', 'id': None, 'ok': False, 'error': {'code': 'x', 'message': 'y'}}))
        self.assertIsNotNone(protocol.validate_response({'type': 'response', 'id': 1, 'ok': False}))
        frame = {'path': 'a.py', 'line': 3, 'function': 'f'}
        self.assertIsNone(protocol.validate_event({'type': 'event', 'event': 'loop.blocked', 'body': {
            'loop': 'L1', 'thread': '1', 'durationMs': 300, 'recovered': False, 'task': None,
            'stack': [frame], 'source': 'agent'}}))
        self.assertIn("'stack'", protocol.validate_event({'type': 'event', 'event': 'loop.blocked', 'body': {
            'loop': 'L1', 'thread': '1', 'durationMs': 300, 'recovered': False, 'task': None,
            'stack': [{'path': 'a.py'}], 'source': 'agent'}}))
        self.assertIsNone(protocol.validate_event({'type': 'event', 'event': 'unknown.later', 'body': {}}))
        self.assertIsNone(protocol.validate_welcome({'type': 'welcome', 'protocol': '1.0', 'agent': '0', 'session': 1,
                                                     'pid': 2, 'python': '3', 'features': [], 'waiting': False}))
        self.assertIsNone(protocol.validate_refused({'type': 'refused', 'reason': 'secret', 'message': 'm'}))

    def test_major(self):
        self.assertEqual(protocol.major('1.2'), 1)
        self.assertEqual(protocol.major('2'), 2)
        self.assertIsNone(protocol.major('x.1'))


class DispatchTest(unittest.TestCase):
    def setUp(self):
        protocol.declare_method('test.echo', 'value: int', 'value: int')

        @dispatch.register('test.echo')
        def echo(params, ctx):
            if params['value'] < 0:
                raise dispatch.RequestError('invalid-params', 'negative')
            if params['value'] == 13:
                raise KeyError('bug')
            return {'value': params['value'], 'by': ctx.served_by}

    def handle(self, msg):
        return dispatch.handle(None, msg, 'agent')

    def test_ok(self):
        r = self.handle({'type': 'request', 'id': 7, 'method': 'test.echo', 'params': {'value': 3}})
        self.assertEqual(r, {'type': 'response', 'id': 7, 'ok': True, 'result': {'value': 3, 'by': 'agent'}})

    def test_errors(self):
        cases = [({'type': 'request', 'id': 1, 'method': 'nope'}, 1, 'unknown-method'),
                 ({'type': 'request', 'id': 2, 'method': 'test.echo', 'params': {}}, 2, 'invalid-params'),
                 ({'type': 'request', 'id': 3, 'method': 'test.echo', 'params': {'value': -1}}, 3, 'invalid-params'),
                 ({'type': 'request', 'id': 4, 'method': 'test.echo', 'params': {'value': 13}}, 4, 'internal'),
                 ({'type': 'event', 'id': 5}, 5, 'invalid-message'),
                 ({'type': 'request', 'method': 'test.echo'}, None, 'invalid-message')]
        for msg, rid, code in cases:
            r = self.handle(msg)
            self.assertEqual((r['id'], r['ok'], r['error']['code']), (rid, False, code), msg)
            self.assertIsNone(protocol.validate_response(r))

    def test_emit_never_raises(self):
        dispatch._wakeup[0] = lambda: 1 / 0
        try:
            dispatch.emit('x.y', {'a': 1})
        finally:
            dispatch._wakeup[0] = None
        self.assertEqual(dispatch.events.pop(), (None, 'x.y', {'a': 1}))


class TransportTest(unittest.TestCase):
    def setUp(self):
        a, b = socket.socketpair()
        self.conn = transport.Connection(a)
        self.peer = b
        self.addCleanup(self.conn.close)
        self.addCleanup(b.close)

    def read_all(self):
        import select
        select.select([self.conn.sock], [], [], 5)
        return self.conn.read_messages()

    def test_split_and_batched_lines(self):
        self.peer.sendall(b'{"a": 1}\n{"b"')
        self.assertEqual(self.read_all(), [{'a': 1}])
        self.peer.sendall(b': 2}\n\n{"c": "\xc3\xa9"}\n')
        self.assertEqual(self.read_all(), [{'b': 2}, {'c': 'é'}])

    def test_invalid_json_closes(self):
        self.peer.sendall(b'{"a": \n')
        with self.assertRaises(transport.Closed):
            self.read_all()

    def test_non_object_closes(self):
        self.peer.sendall(b'[1, 2]\n')
        with self.assertRaises(transport.Closed):
            self.read_all()

    def test_eof(self):
        self.peer.close()
        with self.assertRaises(transport.Closed):
            self.read_all()

    def test_send(self):
        self.conn.send({'x': [1, 'é']})
        self.assertEqual(json.loads(self.peer.recv(1000).decode()), {'x': [1, 'é']})

    def test_loopback_only(self):
        with self.assertRaises(ValueError):
            transport.listen_socket('0.0.0.0', 0)
        s = transport.listen_socket('127.0.0.1', 0)
        self.assertEqual(s.getsockname()[0], '127.0.0.1')
        s.close()


if __name__ == '__main__':
    unittest.main()
