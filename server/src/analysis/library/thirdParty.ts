/**
 * Maintained knowledge of popular libraries that typeshed does not cover (or covers only as
 * third-party stubs we do not ship): which calls return coroutines, async context managers and
 * async iterators, and which are plain sync. Same shape as the generated typeshed.json, so the
 * resolver treats both alike. Descriptors: 'a' async def ('a>i:<class>': awaiting it gives an instance), 'w' returns an awaitable, 'ai' async
 * iterator, 'n' not awaitable, 'i:<class>' an instance, '?' unknown. Class flags: A=__aenter__,
 * E=__enter__, I=__aiter__, T=__iter__, W=__await__.
 *
 * Only what is listed here is known; anything else from these packages resolves to an opaque
 * symbol (its qualified name, nothing more), so rules stay silent on it.
 */
import type { LibraryTable } from './types';

const verbs = ['get', 'post', 'put', 'delete', 'patch', 'head', 'options', 'request'];
const each = (names: string[], desc: string): Record<string, string> => Object.fromEntries(names.map((n) => [n, desc]));

const redisCommands = ['get', 'set', 'delete', 'exists', 'expire', 'incr', 'decr', 'incrby', 'hget', 'hset', 'hgetall',
  'hdel', 'hincrby', 'lpush', 'rpush', 'lpop', 'rpop', 'blpop', 'brpop', 'lrange', 'llen', 'sadd', 'srem', 'smembers',
  'zadd', 'zrange', 'zrem', 'publish', 'ping', 'keys', 'mget', 'mset', 'setex', 'ttl', 'flushdb', 'flushall', 'eval',
  'xadd', 'xread', 'xreadgroup', 'close', 'aclose', 'execute_command', 'scan', 'getdel', 'setnx'];
const mongoMethods = ['find_one', 'insert_one', 'insert_many', 'update_one', 'update_many', 'replace_one', 'delete_one',
  'delete_many', 'count_documents', 'aggregate_raw_batches', 'create_index', 'drop', 'find_one_and_update',
  'find_one_and_delete', 'find_one_and_replace', 'distinct', 'bulk_write', 'estimated_document_count'];

export const thirdParty: LibraryTable = {
  modules: {
    aiohttp: { ClientSession: 'aiohttp.ClientSession', request: 'aiohttp.request', ClientResponse: 'aiohttp.ClientResponse',
      ClientTimeout: 'aiohttp.ClientTimeout', TCPConnector: 'aiohttp.TCPConnector' },
    httpx: { AsyncClient: 'httpx.AsyncClient', Client: 'httpx.Client', Response: 'httpx.Response', stream: 'httpx.stream',
      ...Object.fromEntries(verbs.map((v) => [v, `httpx.${v}`])) },
    aiofiles: { open: 'aiofiles.open', os: 'aiofiles.os' },
    'aiofiles.os': { remove: 'aiofiles.os.remove', rename: 'aiofiles.os.rename', stat: 'aiofiles.os.stat', mkdir: 'aiofiles.os.mkdir',
      makedirs: 'aiofiles.os.makedirs', listdir: 'aiofiles.os.listdir', unlink: 'aiofiles.os.unlink', path: 'aiofiles.os.path' },
    'aiofiles.os.path': { exists: 'aiofiles.os.path.exists', isfile: 'aiofiles.os.path.isfile', isdir: 'aiofiles.os.path.isdir',
      getsize: 'aiofiles.os.path.getsize' },
    asyncpg: { connect: 'asyncpg.connect', create_pool: 'asyncpg.create_pool', Pool: 'asyncpg.pool.Pool', Connection: 'asyncpg.connection.Connection', pool: 'asyncpg.pool' },
    'asyncpg.pool': { Pool: 'asyncpg.pool.Pool', create_pool: 'asyncpg.create_pool' },
    'redis.asyncio': { Redis: 'redis.asyncio.Redis', StrictRedis: 'redis.asyncio.Redis', from_url: 'redis.asyncio.from_url' },
    'motor.motor_asyncio': { AsyncIOMotorClient: 'motor.motor_asyncio.AsyncIOMotorClient',
      AsyncIOMotorCollection: 'motor.motor_asyncio.AsyncIOMotorCollection', AsyncIOMotorDatabase: 'motor.motor_asyncio.AsyncIOMotorDatabase',
      AsyncIOMotorCursor: 'motor.motor_asyncio.AsyncIOMotorCursor' },
    aiosqlite: { connect: 'aiosqlite.connect', Connection: 'aiosqlite.Connection', Cursor: 'aiosqlite.Cursor' },
    anyio: { sleep: 'anyio.sleep', create_task_group: 'anyio.create_task_group', Lock: 'anyio.Lock', Event: 'anyio.Event',
      Semaphore: 'anyio.Semaphore', open_file: 'anyio.open_file', run: 'anyio.run', move_on_after: 'anyio.move_on_after',
      fail_after: 'anyio.fail_after', open_process: 'anyio.open_process', run_process: 'anyio.run_process',
      connect_tcp: 'anyio.connect_tcp', wait_all_tasks_blocked: 'anyio.wait_all_tasks_blocked', to_thread: 'anyio.to_thread',
      sleep_forever: 'anyio.sleep_forever', CancelScope: 'anyio.CancelScope', Path: 'anyio.Path' },
    'anyio.to_thread': { run_sync: 'anyio.to_thread.run_sync' },
    requests: { Session: 'requests.Session', Response: 'requests.Response', session: 'requests.session',
      ...Object.fromEntries(verbs.map((v) => [v, `requests.${v}`])) },
  },
  functions: {
    'aiohttp.request': 'i:aiohttp._RequestContextManager',
    ...Object.fromEntries(verbs.map((v) => [`httpx.${v}`, 'i:httpx.Response'])),
    'httpx.stream': 'i:httpx._SyncStreamContextManager',
    'aiofiles.open': 'i:aiofiles.AiofilesContextManager',
    ...Object.fromEntries(['remove', 'rename', 'stat', 'mkdir', 'makedirs', 'listdir', 'unlink'].map((n) => [`aiofiles.os.${n}`, 'a'])),
    ...Object.fromEntries(['exists', 'isfile', 'isdir', 'getsize'].map((n) => [`aiofiles.os.path.${n}`, 'a'])),
    'asyncpg.connect': 'a>i:asyncpg.connection.Connection',
    'asyncpg.create_pool': 'i:asyncpg.pool.Pool',
    'redis.asyncio.from_url': 'i:redis.asyncio.Redis',
    'aiosqlite.connect': 'i:aiosqlite.Connection',
    'anyio.sleep': 'a', 'anyio.sleep_forever': 'a', 'anyio.open_file': 'a', 'anyio.open_process': 'a', 'anyio.run_process': 'a',
    'anyio.connect_tcp': 'a', 'anyio.wait_all_tasks_blocked': 'a', 'anyio.to_thread.run_sync': 'a',
    'anyio.create_task_group': 'i:anyio.abc.TaskGroup', 'anyio.run': '?',
    'anyio.move_on_after': 'i:anyio.CancelScope', 'anyio.fail_after': 'i:anyio.CancelScope',
    ...Object.fromEntries(verbs.map((v) => [`requests.${v}`, 'i:requests.Response'])),
    'requests.session': 'i:requests.Session',
  },
  classes: {
    'aiohttp.ClientSession': { m: { ...each(verbs, 'i:aiohttp._RequestContextManager'), ws_connect: 'i:aiohttp._WSRequestContextManager', close: 'a', __aenter__: 'a>i:aiohttp.ClientSession' }, f: 'A' },
    'aiohttp._RequestContextManager': { m: { __aenter__: 'a>i:aiohttp.ClientResponse' }, f: 'AWC' },
    'aiohttp._WSRequestContextManager': { m: {}, f: 'AWC' },
    'aiohttp.ClientResponse': { m: { text: 'a', json: 'a', read: 'a', release: 'n', raise_for_status: 'n' }, f: 'A' },
    'aiohttp.ClientTimeout': { m: {}, f: '' },
    'aiohttp.TCPConnector': { m: { close: 'a' }, f: '' },
    'httpx.AsyncClient': { m: { ...each(verbs, 'a'), send: 'a', aclose: 'a', stream: 'i:httpx._AsyncStreamContextManager', __aenter__: 'a>i:httpx.AsyncClient' }, f: 'A' },
    'httpx.Client': { m: { ...each(verbs, 'i:httpx.Response'), send: 'i:httpx.Response', close: 'n', stream: 'i:httpx._SyncStreamContextManager', __enter__: 'i:httpx.Client' }, f: 'E' },
    'httpx._AsyncStreamContextManager': { m: {}, f: 'A' },
    'httpx._SyncStreamContextManager': { m: {}, f: 'E' },
    'httpx.Response': { m: { json: 'n', read: 'n', aread: 'a', aclose: 'a', close: 'n', raise_for_status: 'n',
      aiter_bytes: 'ai', aiter_text: 'ai', aiter_lines: 'ai', iter_bytes: 'n', iter_text: 'n', iter_lines: 'n' }, f: '' },
    'aiofiles.AiofilesContextManager': { m: {}, f: 'AWC' },
    'asyncpg.pool.Pool': { m: { __aenter__: 'a>i:asyncpg.pool.Pool', acquire: 'i:asyncpg.pool.PoolAcquireContext', release: 'a', close: 'a', execute: 'a', executemany: 'a',
      fetch: 'a', fetchrow: 'a', fetchval: 'a', terminate: 'n' }, f: 'AW' },
    'asyncpg.pool.PoolAcquireContext': { m: { __aenter__: 'a>i:asyncpg.connection.Connection' }, f: 'AWC' },
    'asyncpg.connection.Connection': { m: { execute: 'a', executemany: 'a', fetch: 'a', fetchrow: 'a', fetchval: 'a', close: 'a',
      prepare: 'a', copy_from_table: 'a', copy_to_table: 'a', copy_records_to_table: 'a', transaction: 'i:asyncpg.transaction.Transaction',
      cursor: 'i:asyncpg.cursor.CursorFactory', is_closed: 'n', terminate: 'n' }, f: '' },
    'asyncpg.transaction.Transaction': { m: { start: 'a', commit: 'a', rollback: 'a' }, f: 'A' },
    'asyncpg.cursor.CursorFactory': { m: {}, f: 'IW' },
    'redis.asyncio.Redis': { m: { ...each(redisCommands, 'a'), scan_iter: 'ai', pipeline: 'i:redis.asyncio.client.Pipeline', pubsub: 'i:redis.asyncio.client.PubSub' }, f: 'AW' },
    'redis.asyncio.client.Pipeline': { m: { execute: 'a' }, f: 'A' },
    'redis.asyncio.client.PubSub': { m: { subscribe: 'a', unsubscribe: 'a', psubscribe: 'a', get_message: 'a', listen: 'ai', close: 'a', aclose: 'a' }, f: 'A' },
    'motor.motor_asyncio.AsyncIOMotorClient': { m: { list_database_names: 'a', server_info: 'a', start_session: 'a', close: 'n' }, f: '' },
    'motor.motor_asyncio.AsyncIOMotorDatabase': { m: { list_collection_names: 'a', command: 'a', drop_collection: 'a', create_collection: 'a' }, f: '' },
    'motor.motor_asyncio.AsyncIOMotorCollection': { m: { ...each(mongoMethods, 'a'), find: 'i:motor.motor_asyncio.AsyncIOMotorCursor', aggregate: 'i:motor.motor_asyncio.AsyncIOMotorCursor' }, f: '' },
    'motor.motor_asyncio.AsyncIOMotorCursor': { m: { to_list: 'a', next: 'a' }, f: 'I' },
    'aiosqlite.Connection': { m: { execute: 'i:aiosqlite.context.Result', executemany: 'i:aiosqlite.context.Result', executescript: 'i:aiosqlite.context.Result',
      cursor: 'i:aiosqlite.context.Result', commit: 'a', rollback: 'a', close: 'a', execute_fetchall: 'a' }, f: 'AW' },
    'aiosqlite.context.Result': { m: {}, f: 'AWC' },
    'aiosqlite.Cursor': { m: { execute: 'a', executemany: 'a', fetchone: 'a', fetchall: 'a', fetchmany: 'a', close: 'a' }, f: 'AI' },
    'anyio.abc.TaskGroup': { m: { start_soon: 'n', start: 'a' }, f: 'A' },
    'anyio.Lock': { m: { acquire: 'a', release: 'n', locked: 'n', acquire_nowait: 'n' }, f: 'A' },
    'anyio.Semaphore': { m: { acquire: 'a', release: 'n', acquire_nowait: 'n' }, f: 'A' },
    'anyio.Event': { m: { wait: 'a', set: 'n', is_set: 'n' }, f: '' },
    'anyio.CancelScope': { m: { cancel: 'n' }, f: 'E' },
    'anyio.Path': { m: { read_text: 'a', read_bytes: 'a', write_text: 'a', write_bytes: 'a', exists: 'a', is_file: 'a', is_dir: 'a',
      mkdir: 'a', unlink: 'a', iterdir: 'ai', glob: 'ai', stat: 'a', open: 'a' }, f: '' },
    'requests.Session': { m: { ...each(verbs, 'i:requests.Response'), send: 'i:requests.Response', close: 'n', __enter__: 'i:requests.Session' }, f: 'E' },
    'requests.Response': { m: { json: 'n', raise_for_status: 'n', close: 'n', iter_content: 'n', iter_lines: 'n' }, f: 'E' },
  },
};
