/**
 * ## What it does
 * Flags a blocking call inside `async def`: `time.sleep`, `requests`/`urllib`/sync `httpx`
 * calls, `subprocess` and `os.system`, `open()` and `pathlib`/`os.path` file I/O, `sqlite3`,
 * `psycopg2`, `smtplib`, `input()`, `queue.Queue.get`, `concurrent.futures.Future.result()`,
 * `hashlib.pbkdf2_hmac`, and project functions (plain `def`) that make such calls.
 *
 * ## Why is this bad?
 * The event loop runs one thing at a time. While a blocking call waits, no other task runs:
 * timeouts fire late, connections stall, and the whole service freezes for that long.
 *
 * ## Example
 * ```python
 * import requests
 *
 * async def poll_kiln(kiln_url):
 *     return requests.get(kiln_url)
 * ```
 *
 * ## Use instead
 * ```python
 * import asyncio
 * import requests
 *
 * async def poll_kiln(kiln_url):
 *     return await asyncio.to_thread(requests.get, kiln_url)
 * ```
 *
 * ## Fix safety
 * Unsafe: `time.sleep` becomes `await asyncio.sleep`, so other tasks run during the pause;
 * other calls move to a worker thread (`asyncio.to_thread`, Python 3.9+), so they run
 * concurrently with the loop.
 */
import { defineRule, type FixSpec, type RuleContext } from '../analysis/rule';
import { blockingInfo, type BlockingInfo, BLOCKING_CODES } from '../analysis/library';
import { field, logicalParent, named, textOf } from '../analysis/nodes';
import type { SyntaxNode } from '../analysis/parser';
import type { Func, Resolver, Value } from '../analysis/resolver';
import type { ModuleSummary } from '../analysis/summary';

interface Hit { name: string; info: BlockingInfo; via?: string }

/** Blocking info for what a value denotes (function, method along the MRO, class, opaque name). */
function blockingOf(v: Value | null, r: Resolver): Hit | null {
  if (!v) return null;
  if (v.k === 'func') {
    const fn = v.fn;
    const direct = blockingInfo(fn.qname);
    if (direct) return { name: fn.qname, info: direct };
    if (fn.owner) for (const c of r.mroPartial(fn.owner)) {
      const info = blockingInfo(`${c.qname}.${fn.name}`);
      if (info) return { name: `${c.qname}.${fn.name}`, info };
    }
    return null;
  }
  if (v.k === 'class' || v.k === 'opaque') {
    const q = v.k === 'class' ? v.cls.qname : v.qname;
    const info = blockingInfo(q);
    return info ? { name: q, info } : null;
  }
  return null;
}

/** Whether a project `def` makes a blocking call directly or through other project defs. */
function helperBlocking(fn: Func, r: Resolver, depth: number, seen: Set<string>): Hit | null {
  const p = fn.project;
  if (!p || fn.kind !== 'sync' || depth > 3 || seen.has(fn.qname)) return null;
  seen.add(fn.qname);
  const mod: ModuleSummary = p.module;
  for (const ref of p.fn.calls) {
    let v = r.globalLookup(mod, ref.parts[0]);
    for (const part of ref.parts.slice(1)) v = v ? r.attribute(v, part) : null;
    const hit = blockingOf(v, r);
    if (hit && !hit.info.blockArg) return { ...hit, via: fn.name };
    if (v?.k === 'func' && v.fn.project) {
      const deeper = helperBlocking(v.fn, r, depth + 1, seen);
      if (deeper) return { ...deeper, via: fn.name };
    }
  }
  return null;
}

/** `q.get(block=False)`, `q.get(False)`, `q.put(x, False)`: not blocking. */
function nonBlockingArgs(call: SyntaxNode, method: string, ctx: RuleContext): boolean {
  const args = named(field(call, 'arguments') ?? call);
  const position = method.endsWith('.put') ? 1 : 0;
  for (const [i, a] of args.entries()) {
    if (a.type === 'keyword_argument') {
      const k = field(a, 'name'), val = field(a, 'value');
      if (k && val && textOf(k, ctx.text) === 'block' && val.type === 'false') return true;
      if (k && val && textOf(k, ctx.text) === 'timeout' && /^0(\.0*)?$/.test(textOf(val, ctx.text))) return true;
    } else if (i === position && a.type === 'false') return true;
  }
  return false;
}

const TIGHT = new Set(['attribute', 'subscript', 'call']);

function fixFor(call: SyntaxNode, hit: Hit, ctx: RuleContext): FixSpec | null {
  const { parent, child } = logicalParent(call);
  if (!parent || parent.type === 'with_item' || parent.type === 'as_pattern') return null;
  for (let p = call.parent; p && p.type !== 'function_definition'; p = p.parent) if (p.type === 'generator_expression' || p.type === 'lambda') return null;
  const tight = TIGHT.has(parent.type) && child === call && child.field !== 'arguments';
  const wrap = (s: string) => (tight ? `(${s})` : s);
  const fnNode = field(call, 'function');
  const argsNode = field(call, 'arguments');
  if (!fnNode || !argsNode || argsNode.type !== 'argument_list') return null;
  if (hit.info.sleep && !hit.via) {
    return {
      title: 'Replace with `await asyncio.sleep()`',
      safety: 'unsafe',
      edits: (e) => {
        const sleep = e.importName('asyncio', 'sleep');
        e.replace(call, wrap(`await ${sleep}${e.source(argsNode)}`));
      },
    };
  }
  if (ctx.pythonVersion[0] === 3 && ctx.pythonVersion[1] < 9) return null;
  return {
    title: 'Run it in a thread with `await asyncio.to_thread()`',
    safety: 'unsafe',
    edits: (e) => {
      const toThread = e.importName('asyncio', 'to_thread');
      const inner = e.source({ start: argsNode.start + 1, end: argsNode.end - 1 }).trim();
      e.replace(call, wrap(`await ${toThread}(${e.source(fnNode)}${inner ? `, ${inner}` : ''})`));
    },
  };
}

export default defineRule({
  name: 'blocking-call',
  severity: 'warning',
  summary: 'A blocking call inside `async def` stalls the event loop.',
  fix: 'sometimes',
  overlaps: BLOCKING_CODES,
  visit: {
    call(node, ctx) {
      if (!ctx.insideAsyncDef(node)) return;
      // `await time.sleep(1)` is await-non-awaitable's finding.
      if (logicalParent(node).parent?.type === 'await') return;
      const callee = ctx.evaluate(field(node, 'function'));
      if (!callee) return;
      let hit = blockingOf(callee, ctx.resolver);
      if (hit?.info.blockArg && nonBlockingArgs(node, hit.name, ctx)) return;
      if (!hit && callee.k === 'func' && callee.fn.project) hit = helperBlocking(callee.fn, ctx.resolver, 0, new Set());
      if (!hit) return;
      const shown = hit.via ? hit.name.replace(/^builtins\./, '') : textOf(field(node, 'function')!, ctx.text);
      const message = hit.via
        ? `\`${hit.via}()\` makes the blocking call \`${shown}()\`; calling it from \`async def\` stalls the event loop`
        : `Blocking call \`${shown}()\` in \`async def\` stalls the event loop`;
      ctx.report(node, message, [fixFor(node, hit, ctx)]);
    },
  },
});
