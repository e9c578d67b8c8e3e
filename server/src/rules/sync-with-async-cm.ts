/**
 * ## What it does
 * Flags `with` on an async-only context manager (`asyncio.Lock`, `asyncio.timeout()`,
 * `TaskGroup`, `aiohttp.ClientSession()`, `@asynccontextmanager` functions, project classes with
 * only `__aenter__`), `for` over an async iterator (an async generator, an object with only
 * `__aiter__`), and `async with` on a sync-only one (`threading.Lock`).
 *
 * ## Why is this bad?
 * The protocols differ: `with` calls `__enter__`, `async with` calls `__aenter__`. Using the
 * wrong one fails every time, with `TypeError` or `AttributeError: __enter__`.
 *
 * ## Example
 * ```python
 * import asyncio
 *
 * vault_lock = asyncio.Lock()
 *
 * async def deposit():
 *     with vault_lock:
 *         ...
 * ```
 *
 * ## Use instead
 * ```python
 * import asyncio
 *
 * vault_lock = asyncio.Lock()
 *
 * async def deposit():
 *     async with vault_lock:
 *         ...
 * ```
 *
 * ## Fix safety
 * Unsafe: the body now runs (it used to fail on entry); outside `async def` the function is
 * made `async`, which changes what its callers get.
 */
import { defineRule, type FixSpec, type RuleContext } from '../analysis/rule';
import { enclosingFunction, field, hasToken, isAsyncDef, named, textOf, tokenNode } from '../analysis/nodes';
import type { SyntaxNode } from '../analysis/parser';
import type { Value } from '../analysis/resolver';

function describe(v: Value, node: SyntaxNode, ctx: RuleContext): string {
  // Name it as the code does (`vault_lock`), else by its class (`Lock`).
  if (node.type === 'call') return `\`${textOf(field(node, 'function') ?? node, ctx.text)}()\``;
  if (v.k === 'inst') return node.type === 'identifier' || node.type === 'attribute' ? `\`${textOf(node, ctx.text)}\`` : `\`${v.cls.name}\``;
  if (v.k === 'acm' || v.k === 'aiter') return `\`${v.fn?.name ?? textOf(node, ctx.text)}()\``;
  return `\`${textOf(node, ctx.text)}\``;
}

/** The expressions of a `with` statement's items. */
/** A plain `for` (statement or comprehension clause) over something that is only an async iterator. */
function syncForOverAsyncIterator(node: SyntaxNode, ctx: RuleContext): { keyword: SyntaxNode; right: SyntaxNode; v: Value } | null {
  if (hasToken(node, 'async')) return null;
  const right = field(node, 'right');
  const keyword = tokenNode(node, 'for');
  if (!right || !keyword) return null;
  const v = ctx.evaluate(right);
  const p = ctx.resolver.protocols(v);
  if (!v || !p || !p.aiter || p.iter) return null;
  return { keyword, right, v };
}

function withItems(stmt: SyntaxNode): SyntaxNode[] {
  const clause = stmt.children.find((c) => c.type === 'with_clause');
  if (!clause) return [];
  const out: SyntaxNode[] = [];
  for (const item of named(clause)) {
    if (item.type !== 'with_item') continue;
    let v = field(item, 'value');
    if (v?.type === 'as_pattern') v = named(v)[0] ?? null;
    if (v) out.push(v);
  }
  return out;
}

/** Adds `async` before the keyword, and before `def` when the function is sync. */
function addAsync(stmt: SyntaxNode, keyword: SyntaxNode, ctx: RuleContext, what: string): FixSpec | null {
  const fn = enclosingFunction(stmt);
  if (!fn || fn.type !== 'function_definition') return null;
  const sync = !isAsyncDef(fn);
  const def = tokenNode(fn, 'def');
  const name = field(fn, 'name');
  if (sync && (!def || !name)) return null;
  return {
    title: sync ? `Use \`async ${what}\` and make \`${textOf(name!, ctx.text)}\` async` : `Use \`async ${what}\``,
    safety: 'unsafe',
    edits: (e) => {
      if (sync) e.insert(def!.start, 'async ');
      e.insert(keyword.start, 'async ');
    },
  };
}

export default defineRule({
  name: 'sync-with-async-cm',
  severity: 'error',
  summary: '`with`/`for` on an async-only context manager or iterator (or `async with` on a sync-only one) fails every time.',
  fix: 'sometimes',
  overlaps: ['reportGeneralTypeIssues', 'attr-defined', 'E1129', 'E1701', 'E1133'],
  quietWhereRaiseExpected: true,
  visit: {
    with_statement(node, ctx) {
      const isAsync = hasToken(node, 'async');
      const keyword = tokenNode(node, 'with');
      const clause = node.children.find((c) => c.type === 'with_clause');
      if (!keyword || !clause) return;
      const at = { start: node.start, end: clause.end };
      const items = withItems(node).map((n) => ({ n, v: ctx.evaluate(n) }));
      const protos = items.map(({ v }) => ctx.resolver.protocols(v));
      if (!isAsync) {
        const bad = items.findIndex((_, i) => protos[i]?.aenter && !protos[i]?.enter);
        if (bad < 0) return;
        const mixed = protos.some((p) => p && p.enter && !p.aenter);
        const { n, v } = items[bad];
        ctx.report(at, `${describe(v!, n, ctx)} is an async context manager: use \`async with\``, [mixed ? null : addAsync(node, keyword, ctx, 'with')]);
      } else {
        const bad = items.findIndex((_, i) => protos[i]?.enter && !protos[i]?.aenter);
        if (bad < 0) return;
        const mixed = protos.some((p) => p && p.aenter && !p.enter);
        const asyncTok = tokenNode(node, 'async');
        const { n, v } = items[bad];
        ctx.report(at, `${describe(v!, n, ctx)} is a sync-only context manager: use \`with\``, [mixed || !asyncTok ? null : {
          title: 'Use `with`',
          safety: 'unsafe',
          edits: (e) => { e.delete({ start: asyncTok.start, end: keyword.start }); },
        }]);
      }
    },
    for_in_clause(node, ctx) {
      // `[x for x in agen()]`: a comprehension's `for` needs `async for` too (only valid in async def).
      const found = syncForOverAsyncIterator(node, ctx);
      if (!found) return;
      const { keyword, right, v } = found;
      const fix: FixSpec | null = ctx.insideAsyncDef(node)
        ? { title: 'Use `async for`', safety: 'unsafe', edits: (e) => { e.insert(keyword.start, 'async '); } }
        : null;
      ctx.report({ start: node.start, end: right.end }, `${describe(v, right, ctx)} is an async iterator: use \`async for\``, [fix]);
    },
    for_statement(node, ctx) {
      const found = syncForOverAsyncIterator(node, ctx);
      if (!found) return;
      const { keyword, right, v } = found;
      ctx.report({ start: node.start, end: right.end }, `${describe(v, right, ctx)} is an async iterator: use \`async for\``, [addAsync(node, keyword, ctx, 'for')]);
    },
  },
});
