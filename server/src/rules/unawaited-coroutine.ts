/**
 * ## What it does
 * Flags a coroutine that is never awaited: the result of calling an `async def` (or a known
 * async API such as `asyncio.sleep`, `Queue.put`, `Event.wait`) that is dropped, used as if it
 * were the result (attribute access, a condition, an f-string), or stored and never awaited.
 *
 * ## Why is this bad?
 * Calling a coroutine function only creates the coroutine; nothing in its body runs until it is
 * awaited or scheduled. The program silently skips the work, and Python only reports
 * `RuntimeWarning: coroutine '…' was never awaited` when the object is garbage-collected.
 *
 * ## Example
 * ```python
 * async def fetch_hive(hive_id):
 *     ...
 *
 * async def report(hive_id):
 *     hive = fetch_hive(hive_id)
 *     print(f"{hive}")
 * ```
 *
 * ## Use instead
 * ```python
 * async def fetch_hive(hive_id):
 *     ...
 *
 * async def report(hive_id):
 *     hive = await fetch_hive(hive_id)
 *     print(f"{hive}")
 * ```
 *
 * ## Fix safety
 * Unsafe: the call now runs (and can suspend or raise) where it used to do nothing. In a plain
 * `def` the fix makes the function `async`, which changes what its callers receive.
 */
import { defineRule, type RuleContext, type FixSpec } from '../analysis/rule';
import { classifyUse } from '../analysis/usage';
import { enclosingFunction, field, isAsyncDef, logicalParent, named, textOf, tokenNode } from '../analysis/nodes';
import type { SyntaxNode } from '../analysis/parser';

/** Parents that bind tighter than `await`, so `await x` must be parenthesised there. */
const TIGHT = new Set(['attribute', 'subscript', 'call']);

function awaitFix(call: SyntaxNode, ctx: RuleContext): FixSpec | null {
  const fn = enclosingFunction(call);
  const { parent, child } = logicalParent(call);
  const needParens = !!parent && TIGHT.has(parent.type) && (child.field === 'object' || child.field === 'value' || child.field === 'function') && child === call;
  if (isAsyncDef(fn)) {
    return {
      title: 'Add `await`',
      safety: 'unsafe',
      edits: (e) => {
        if (needParens) e.insert(call.start, '(await ').insert(call.end, ')');
        else e.insert(call.start, 'await ');
      },
    };
  }
  if (fn?.type === 'function_definition') {
    const def = tokenNode(fn, 'def');
    const name = field(fn, 'name');
    if (!def || !name) return null;
    return {
      title: `Make \`${textOf(name, ctx.text)}\` async and await the call`,
      safety: 'unsafe',
      edits: (e) => {
        e.insert(def.start, 'async ');
        if (needParens) e.insert(call.start, '(await ').insert(call.end, ')');
        else e.insert(call.start, 'await ');
      },
    };
  }
  if (!fn && parent?.type === 'expression_statement' && inMainBlock(call, ctx)) {
    return {
      title: 'Run it with `asyncio.run()`',
      safety: 'unsafe',
      edits: (e) => {
        const run = e.importName('asyncio', 'run');
        e.insert(call.start, `${run}(`).insert(call.end, ')');
      },
    };
  }
  return null;
}

/** Inside `if __name__ == "__main__":` at module level. */
function inMainBlock(node: SyntaxNode, ctx: RuleContext): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type !== 'if_statement') continue;
    const cond = field(p, 'condition');
    if (cond?.type !== 'comparison_operator') continue;
    const sides = named(cond);
    const name = sides.find((s) => s.type === 'identifier');
    const str = sides.find((s) => s.type === 'string');
    if (!name || !str) continue;
    const v = ctx.resolver.lookupName(textOf(name, ctx.text), name);
    // `__name__` is a module global no import defines; only then is the comparison the idiom.
    if (v === null && textOf(name, ctx.text) === '__name__' && /^['"]__main__['"]$/.test(textOf(str, ctx.text))) return true;
  }
  return false;
}

export default defineRule({
  name: 'unawaited-coroutine',
  severity: 'error',
  summary: 'A coroutine is created but never awaited, so its body never runs.',
  fix: 'sometimes',
  overlaps: ['reportUnusedCoroutine', 'unused-coroutine', 'unused-awaitable', 'PyAsyncCall'],
  quietWhereRaiseExpected: true,
  visit: {
    call(node, ctx) {
      const v = ctx.evaluate(node);
      if (v?.k !== 'coro' && !ctx.resolver.isCoroutineWrapper(v)) return;
      const use = classifyUse(node, ctx.resolver);
      // Name the call as the code spells it (`aclient.get()`), shortened if long.
      const spelled = textOf(field(node, 'function') ?? node, ctx.text).replace(/\s+/g, '');
      const what = `\`${spelled.length > 60 ? (v!.k === 'coro' ? v!.fn.name : v!.k === 'inst' ? v!.cls.name : '…') : spelled}()\``;
      let message: string;
      switch (use.kind) {
        case 'discarded': message = `Coroutine ${what} is never awaited; its body never runs`; break;
        case 'unused-local': message = `Coroutine ${what} is stored in \`${use.name}\` but never awaited`; break;
        case 'misused': message = `Coroutine ${what} is not awaited but ${use.how}, as if it were the result`; break;
        default: return;
      }
      ctx.report(node, message, [awaitFix(node, ctx)]);
    },
  },
});
