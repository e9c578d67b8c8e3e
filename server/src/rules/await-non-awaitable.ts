/**
 * ## What it does
 * Flags `await` on something that is not awaitable: the result of a sync call
 * (`await time.sleep(1)`, `await writer.write(data)`, `await event.set()`), a list, a literal,
 * or a function that was not called.
 *
 * ## Why is this bad?
 * `await` needs a coroutine, Task, Future or an object with `__await__`. Anything else raises
 * `TypeError: object … can't be used in 'await' expression`, and only after the sync call has
 * already run (for `time.sleep`, after blocking the loop).
 *
 * ## Example
 * ```python
 * import asyncio
 *
 * async def send(outlet: asyncio.StreamWriter, blob: bytes):
 *     await outlet.write(blob)
 * ```
 *
 * ## Use instead
 * ```python
 * import asyncio
 *
 * async def send(outlet: asyncio.StreamWriter, blob: bytes):
 *     outlet.write(blob)
 *     await outlet.drain()
 * ```
 *
 * ## Fix safety
 * Unsafe: the replacement (`asyncio.sleep`, `drain()`, `wait_closed()`, `gather()`) suspends
 * where the original raised, and "remove `await`" keeps code that may have meant something else.
 */
import { defineRule, type FixSpec, type RuleContext } from '../analysis/rule';
import { canonical } from '../analysis/library';
import { field, named, textOf } from '../analysis/nodes';
import type { SyntaxNode } from '../analysis/parser';
import type { Value } from '../analysis/resolver';

/** Why a value is not awaitable, or null if it may be. */
function notAwaitable(v: Value | null, ctx: RuleContext): string | null {
  if (!v) return null;
  switch (v.k) {
    case 'nonawaitable': return v.what;
    case 'func': return v.fn.kind === 'unknown' ? null : 'a function object (not called)';
    case 'class': return 'a class object';
    case 'module': return 'a module';
    case 'aiter': return 'an async iterator (use `async for`)';
    case 'acm': return 'an async context manager (use `async with`)';
    case 'cm': return 'a context manager';
    case 'inst': {
      const p = ctx.resolver.classProtocols(v.cls);
      if (!p || p.await) return null;
      if (v.cls.qname.startsWith('builtins.')) return null;
      // Protocols and ABCs describe part of an object: the same object may well be awaitable.
      if (/^(typing|typing_extensions|collections\.abc|_typeshed|types|abc)\./.test(v.cls.qname)) return null;
      return `a \`${v.cls.name}\` instance`;
    }
    default: return null;
  }
}

let sleepName: string | null = null;
let writerName: string | null = null;

function twinFix(awaitNode: SyntaxNode, inner: SyntaxNode, ctx: RuleContext): FixSpec | null {
  sleepName ??= canonical('time.sleep');
  writerName ??= canonical('asyncio.StreamWriter');
  if (inner.type === 'list' || inner.type === 'list_comprehension') {
    return {
      title: 'Await them together with `asyncio.gather()`',
      safety: 'unsafe',
      edits: (e) => { e.replace(inner, `${e.importName('asyncio', 'gather')}(*${e.source(inner)})`); },
    };
  }
  if (inner.type !== 'call') return null;
  const fnNode = field(inner, 'function');
  const callee = ctx.evaluate(fnNode);
  if (callee?.k !== 'func' || !fnNode) return null;
  if (callee.fn.qname === sleepName) {
    return {
      title: 'Use `asyncio.sleep()`',
      safety: 'unsafe',
      edits: (e) => { e.replace(fnNode, e.importName('asyncio', 'sleep')); },
    };
  }
  const owner = callee.fn.owner;
  const stmt = awaitNode.parent;
  if (owner?.qname === writerName && fnNode.type === 'attribute' && stmt?.type === 'expression_statement' && named(stmt).length === 1) {
    const twin = callee.fn.name === 'write' || callee.fn.name === 'writelines' ? 'drain' : callee.fn.name === 'close' ? 'wait_closed' : null;
    const receiver = field(fnNode, 'object');
    if (!twin || !receiver) return null;
    return {
      title: `Call \`${callee.fn.name}()\` and \`await ${textOf(receiver, ctx.text)}.${twin}()\``,
      safety: 'unsafe',
      edits: (e) => {
        const indent = e.indentAt(stmt.start);
        e.replace(awaitNode, `${e.source(inner)}${e.eol}${indent}await ${e.source(receiver)}.${twin}()`);
      },
    };
  }
  return null;
}

export default defineRule({
  name: 'await-non-awaitable',
  severity: 'error',
  summary: '`await` on a value that is not awaitable raises TypeError after the call ran.',
  fix: 'always',
  overlaps: ['reportGeneralTypeIssues', 'misc'],
  quietWhereRaiseExpected: true,
  visit: {
    await(node, ctx) {
      const inner = named(node)[0];
      if (!inner) return;
      const v = ctx.evaluate(inner);
      const why = notAwaitable(v, ctx);
      if (!why) return;
      const shown = inner.type === 'call' ? `\`${textOf(field(inner, 'function') ?? inner, ctx.text)}()\` returns ${why}` : `this is ${why}`;
      const remove: FixSpec = {
        title: 'Remove `await`',
        safety: 'unsafe',
        edits: (e) => { e.delete({ start: node.start, end: inner.start }); },
      };
      const twin = twinFix(node, inner, ctx);
      ctx.report(node, `\`await\` on a non-awaitable: ${shown}`, twin ? [twin, remove] : [remove]);
    },
  },
});
