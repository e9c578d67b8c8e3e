"""Message shapes of the inspector protocol and their validators.

Every envelope (hello, welcome, refused, request, response, event), every method's params and
result, and every event's body is declared here once, as a field spec string such as
``"id: str, message?: str"``. docs/inspector-protocol.md carries the same strings in its tables and
a test compares the two. This module does no I/O and knows nothing of sockets or asyncio.
"""

PROTOCOL_VERSION = '1.0'

# Reusable shapes referenced by name in field specs.
SHAPES = {
    'Frame': 'path: str, line: int, function: str',
    'TaskInfo': ('id: str, name: str, coroutine: str, state: str, owner: str|null, awaitedBy: str[], '
                 'awaiting: str|null, location: Frame|null, createdAt: Frame|null, loop: str, eager: bool'),
}

# Envelopes: the `type` of a message selects one of these.
MESSAGES = {
    'hello': 'type: str, protocol: str, secret: str, client?: str, channel?: str',
    'welcome': ('type: str, protocol: str, agent: str, session: int, pid: int, python: str, '
                'features: str[], waiting: bool'),
    'refused': 'type: str, reason: str, message: str',
    'request': 'type: str, id: int|str, method: str, params?: object',
    'response': 'type: str, id: int|str|null, ok: bool, result?: any, error?: object',
    'event': 'type: str, event: str, body: object',
}

# Methods: name -> (params spec, result spec). '' means no fields.
METHODS = {
    'run': ('', 'started: bool'),
    'agent.ping': ('', 'servedBy: str, thread: str, time: number'),
    'agent.info': ('', ('pid: int, python: str, protocol: str, argv: str[], state: str, loops: object[], '
                        'features: str[], options: object')),
    'tasks.list': ('includeDone?: bool, offset?: int, limit?: int, loop?: str',
                   'tasks: TaskInfo[], total: int, offset: int, servedBy: str, consistent: bool'),
    'tasks.get': ('id: str', 'task: TaskInfo, frames: Frame[], asyncStack: object[]'),
    'tasks.cancel': ('id: str, message?: str', 'cancelled: bool, queued?: bool'),
    'events.configure': ('taskEvents?: bool, taskEventsIntervalMs?: int, blockedThresholdMs?: int, '
                         'originDepth?: int', 'options: object'),
}
CORE_METHODS = frozenset(METHODS)

# Events: name -> body spec.
EVENTS = {
    'loop.blocked': ('loop: str, thread: str, durationMs: int, recovered: bool, task: str|null, '
                     'stack: Frame[], source: str'),
    'lost.error': ('kind: str, task: str|null, coroutine: str, message: str, createdAt: Frame|null, '
                   'createdStack: Frame[], exception: str|null, traceback: str|null'),
    'tasks.changed': 'created: TaskInfo[], finished: object[], dropped: int',
    'target.started': 'argv: str[]',
    'target.exited': 'exitCode: int, error: str|null',
}
CORE_EVENTS = frozenset(EVENTS)

_parsed = {}


def parse_spec(spec):
    """Parses ``"a: str, b?: int|null"`` into ``[(name, optional, (type, ...)), ...]``."""
    got = _parsed.get(spec)
    if got is not None:
        return got
    fields = []
    for part in spec.split(','):
        part = part.strip()
        if not part:
            continue
        name, _, types = part.partition(':')
        name = name.strip()
        optional = name.endswith('?')
        fields.append((name.rstrip('?'), optional, tuple(t.strip() for t in types.split('|'))))
    _parsed[spec] = fields
    return fields


def _type_ok(value, typ, depth):
    if typ == 'any':
        return True
    if typ == 'null':
        return value is None
    if typ == 'str':
        return isinstance(value, str)
    if typ == 'bool':
        return isinstance(value, bool)
    if typ == 'int':
        return isinstance(value, int) and not isinstance(value, bool)
    if typ == 'number':
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if typ == 'object':
        return isinstance(value, dict)
    if typ == 'array':
        return isinstance(value, list)
    if typ.endswith('[]'):
        return isinstance(value, list) and all(_type_ok(v, typ[:-2], depth) for v in value)
    if typ in SHAPES:
        return isinstance(value, dict) and (depth > 3 or check(SHAPES[typ], value, depth + 1) is None)
    raise ValueError('unknown type in spec: %s' % typ)


def check(spec, obj, depth=0):
    """Returns None when ``obj`` (a dict) matches ``spec``, else a one-line reason. Extra fields are fine."""
    if not isinstance(obj, dict):
        return 'expected an object'
    for name, optional, types in parse_spec(spec):
        if name not in obj:
            if optional:
                continue
            return 'missing field %r' % name
        if not any(_type_ok(obj[name], t, depth) for t in types):
            return 'field %r should be %s' % (name, '|'.join(types))
    return None


# One validator per envelope. Each returns None or the reason the message is not acceptable.

def validate_hello(msg):
    """The client's first line: protocol version, the session secret, optional channel."""
    err = check(MESSAGES['hello'], msg)
    if err is None and msg.get('channel', 'main') not in ('main', 'faulthandler'):
        err = 'field \'channel\' should be main or faulthandler'
    return err


def validate_welcome(msg):
    """The agent's answer to an accepted hello."""
    return check(MESSAGES['welcome'], msg)


def validate_refused(msg):
    """The agent's answer to a rejected hello, just before it closes the connection."""
    return check(MESSAGES['refused'], msg)


def validate_request(msg):
    """A client request: its envelope, then its params against the method's declared shape (if known)."""
    err = check(MESSAGES['request'], msg)
    if err is not None:
        return err
    decl = METHODS.get(msg['method'])
    if decl is not None:
        params = msg.get('params')
        params = {} if params is None else params
        err = check(decl[0], params)
        if err is not None:
            return 'params: ' + err
    return None


def validate_response(msg, method=None):
    """An agent response; when ``method`` is given, its result is checked against the declaration."""
    err = check(MESSAGES['response'], msg)
    if err is None and method in METHODS and msg.get('ok'):
        err = check(METHODS[method][1], msg.get('result'))
    if err is None and not msg.get('ok'):
        err = check('code: str, message: str', msg.get('error'))
    return err


def validate_event(msg):
    """An agent event: its envelope, then its body against the event's declared shape (if known)."""
    err = check(MESSAGES['event'], msg)
    if err is None and msg['event'] in EVENTS:
        err = check(EVENTS[msg['event']], msg['body'])
    return err


def major(version):
    """``'1.3'`` -> ``1``; None for anything unparsable."""
    try:
        return int(str(version).split('.')[0])
    except ValueError:
        return None


def declare_method(name, params='', result=''):
    """Declares an extension method's shape (used by the debugger modules); see the protocol doc."""
    parse_spec(params), parse_spec(result)
    METHODS[name] = (params, result)


def declare_event(name, body=''):
    """Declares an extension event's body shape."""
    parse_spec(body)
    EVENTS[name] = body
