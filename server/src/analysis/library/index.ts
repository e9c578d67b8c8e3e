/**
 * Library knowledge in one lookup: the generated stdlib table (typeshed.json), the maintained
 * third-party table, and the blocking-API table. Names are canonical (where a symbol is defined,
 * e.g. `asyncio.Lock` is `asyncio.locks.Lock`); `canonical()` maps a public name to it.
 * This module answers questions about names; it never looks at source text.
 */
import typeshed from './typeshed.json';
import { thirdParty } from './thirdParty';
import type { LibraryClass, LibraryTable } from './types';

export type { LibraryClass, LibraryTable };

const stdlib = typeshed as unknown as LibraryTable & { pyright: string; typeshedCommit: string; stdlib: string[] };
const stdlibRoots = new Set(stdlib.stdlib);

/** A top-level standard-library module name (typeshed's VERSIONS list). */
export function isStdlibRoot(name: string): boolean {
  return stdlibRoots.has(name);
}

export const libraryVersion = { pyright: stdlib.pyright, typeshedCommit: stdlib.typeshedCommit };

const tables: LibraryTable[] = [thirdParty, stdlib];

export function libModule(name: string): Record<string, string> | null {
  for (const t of tables) { const m = t.modules[name]; if (m) return m; }
  return null;
}

export function libFunction(qname: string): string | null {
  for (const t of tables) { const f = t.functions[qname]; if (f) return f; }
  return null;
}

export function libClass(qname: string): LibraryClass | null {
  for (const t of tables) { const c = t.classes[qname]; if (c) return c; }
  return null;
}

/** Top-level packages the tables describe (an import of these never needs the file system). */
export function isKnownLibraryRoot(name: string): boolean {
  if (stdlibRoots.has(name)) return true;
  return tables.some((t) => Object.keys(t.modules).some((m) => m === name || m.startsWith(name + '.')));
}

/** Canonical name for a public dotted name (`asyncio.Lock` → `asyncio.locks.Lock`). */
export function canonical(publicName: string): string {
  const parts = publicName.split('.');
  for (let i = parts.length - 1; i >= 1; i--) {
    const mod = parts.slice(0, i).join('.');
    const m = libModule(mod);
    if (!m) continue;
    const target = m[parts[i]];
    if (!target) continue;
    const rest = parts.slice(i + 1);
    if (rest.length && libModule(target)) return canonical([target, ...rest].join('.'));
    return [target, ...rest].join('.');
  }
  return publicName;
}

/** What a blocking call is, for messages and fixes. */
export interface BlockingInfo {
  /** Overlapping flake8-async code (for `# noqa`). */
  code: string;
  /** `time.sleep` has an async twin; everything else goes to a thread. */
  sleep?: boolean;
  /** Only when called without `block=False`/`timeout=0` (queue.Queue.get). */
  blockArg?: boolean;
}

const BLOCKING_PUBLIC: Record<string, BlockingInfo> = {
  'time.sleep': { code: 'ASYNC251', sleep: true },
  'urllib.request.urlopen': { code: 'ASYNC210' },
  'http.client.HTTPConnection.request': { code: 'ASYNC210' },
  'http.client.HTTPConnection.getresponse': { code: 'ASYNC210' },
  'subprocess.run': { code: 'ASYNC221' }, 'subprocess.call': { code: 'ASYNC221' },
  'subprocess.check_call': { code: 'ASYNC221' }, 'subprocess.check_output': { code: 'ASYNC221' },
  'subprocess.getoutput': { code: 'ASYNC221' }, 'subprocess.getstatusoutput': { code: 'ASYNC221' },
  'subprocess.Popen': { code: 'ASYNC220' }, 'subprocess.Popen.wait': { code: 'ASYNC222' },
  'subprocess.Popen.communicate': { code: 'ASYNC222' },
  'os.system': { code: 'ASYNC221' }, 'os.popen': { code: 'ASYNC220' }, 'os.wait': { code: 'ASYNC222' },
  'os.waitpid': { code: 'ASYNC222' }, 'os.posix_spawn': { code: 'ASYNC220' }, 'os.spawnl': { code: 'ASYNC221' },
  'builtins.open': { code: 'ASYNC230' }, 'io.open': { code: 'ASYNC230' },
  'builtins.input': { code: 'ASYNC250' },
  'sqlite3.connect': { code: 'ASYNC' }, 'sqlite3.Connection.execute': { code: 'ASYNC' },
  'sqlite3.Connection.executemany': { code: 'ASYNC' }, 'sqlite3.Connection.executescript': { code: 'ASYNC' },
  'sqlite3.Connection.commit': { code: 'ASYNC' }, 'sqlite3.Cursor.execute': { code: 'ASYNC' },
  'sqlite3.Cursor.fetchall': { code: 'ASYNC' }, 'sqlite3.Cursor.fetchone': { code: 'ASYNC' },
  'psycopg2.connect': { code: 'ASYNC' },
  'smtplib.SMTP': { code: 'ASYNC' }, 'smtplib.SMTP_SSL': { code: 'ASYNC' },
  'smtplib.SMTP.sendmail': { code: 'ASYNC' }, 'smtplib.SMTP.send_message': { code: 'ASYNC' },
  'smtplib.SMTP.login': { code: 'ASYNC' },
  'queue.Queue.get': { code: 'ASYNC', blockArg: true }, 'queue.Queue.put': { code: 'ASYNC', blockArg: true },
  'queue.Queue.join': { code: 'ASYNC' },
  'concurrent.futures.Future.result': { code: 'ASYNC' },
  'hashlib.pbkdf2_hmac': { code: 'ASYNC' }, 'hashlib.scrypt': { code: 'ASYNC' },
};
for (const fn of ['exists', 'isfile', 'isdir', 'islink', 'ismount', 'lexists', 'getsize', 'getmtime', 'getatime', 'getctime', 'samefile']) {
  BLOCKING_PUBLIC[`os.path.${fn}`] = { code: 'ASYNC240' };
}
for (const m of ['read_text', 'read_bytes', 'write_text', 'write_bytes', 'open', 'exists', 'is_file', 'is_dir', 'mkdir',
  'unlink', 'rmdir', 'iterdir', 'glob', 'rglob', 'stat', 'touch', 'rename', 'replace']) {
  BLOCKING_PUBLIC[`pathlib.Path.${m}`] = { code: 'ASYNC240' };
}
for (const v of ['get', 'post', 'put', 'delete', 'patch', 'head', 'options', 'request']) {
  BLOCKING_PUBLIC[`requests.${v}`] = { code: 'ASYNC210' };
  BLOCKING_PUBLIC[`requests.Session.${v}`] = { code: 'ASYNC210' };
  BLOCKING_PUBLIC[`httpx.${v}`] = { code: 'ASYNC210' };
  BLOCKING_PUBLIC[`httpx.Client.${v}`] = { code: 'ASYNC212' };
}
BLOCKING_PUBLIC['httpx.Client.send'] = { code: 'ASYNC212' };
BLOCKING_PUBLIC['requests.Session.send'] = { code: 'ASYNC210' };

let blockingCanonical: Map<string, BlockingInfo> | null = null;

/** Blocking info for a canonical function or `Class.method` name. */
export function blockingInfo(qname: string): BlockingInfo | null {
  if (!blockingCanonical) {
    blockingCanonical = new Map();
    for (const [pub, info] of Object.entries(BLOCKING_PUBLIC)) {
      blockingCanonical.set(canonical(pub), info);
      blockingCanonical.set(pub, info);
    }
  }
  return blockingCanonical.get(qname) ?? null;
}

/** Overlapping codes of blocking-call, for `# noqa`. */
export const BLOCKING_CODES = ['ASYNC210', 'ASYNC212', 'ASYNC220', 'ASYNC221', 'ASYNC222', 'ASYNC230', 'ASYNC240', 'ASYNC250', 'ASYNC251'];
