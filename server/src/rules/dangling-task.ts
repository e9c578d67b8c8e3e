/**
 * ## What it does
 * Flags a Task or Future whose only reference is dropped: the result of `asyncio.create_task`,
 * `asyncio.ensure_future`, or an event loop's `create_task`/`run_in_executor` used as a
 * statement, chained (`create_task(…).add_done_callback(…)`), or stored in a local that is
 * never read.
 *
 * ## Why is this bad?
 * The event loop keeps only weak references to tasks. A task nobody references can be
 * garbage-collected before it finishes, and an exception it raises is only logged when that
 * happens, if ever.
 *
 * ## Example
 * ```python
 * import asyncio
 *
 * async def beam_telemetry(rig_id):
 *     ...
 *
 * async def start(rig_id):
 *     asyncio.create_task(beam_telemetry(rig_id))
 * ```
 *
 * ## Use instead
 * ```python
 * import asyncio
 *
 * _background_tasks = set()
 *
 * async def beam_telemetry(rig_id):
 *     ...
 *
 * async def start(rig_id):
 *     beamer = asyncio.create_task(beam_telemetry(rig_id))
 *     _background_tasks.add(beamer)
 *     beamer.add_done_callback(_background_tasks.discard)
 * ```
 *
 * ## Fix safety
 * "Keep a reference" is safe: the task runs exactly as before, it just cannot be collected
 * early. "Await it" is unsafe: the caller now waits for the task.
 */
import { defineRule, type FixSpec, type RuleContext } from '../analysis/rule';
import { canonical } from '../analysis/library';
import { classifyUse } from '../analysis/usage';
import { dottedParts, enclosingFunction, field, isAsyncDef, logicalParent, named } from '../analysis/nodes';
import type { SyntaxNode } from '../analysis/parser';

const TASK_FUNCTIONS = ['asyncio.create_task', 'asyncio.ensure_future'];
const LOOP_CLASSES = ['asyncio.AbstractEventLoop', 'asyncio.BaseEventLoop'];
const LOOP_METHODS = new Set(['create_task', 'run_in_executor']);
let taskFunctions: Set<string> | null = null;
let loopClasses: Set<string> | null = null;

/** What creates the task, for the message; null if this call does not create a loop task. */
function taskCreator(call: SyntaxNode, ctx: RuleContext): string | null {
  taskFunctions ??= new Set(TASK_FUNCTIONS.map(canonical));
  loopClasses ??= new Set(LOOP_CLASSES.map(canonical));
  const callee = ctx.evaluate(field(call, 'function'));
  if (callee?.k !== 'func') return null;
  if (taskFunctions.has(callee.fn.qname)) {
    // ensure_future(<Future or Task>) returns its argument: no new task is dropped.
    if (callee.fn.name === 'ensure_future') {
      const arg = named(field(call, 'arguments') ?? call)[0];
      if (ctx.evaluate(arg ?? null)?.k !== 'coro') return null;
    }
    return `${callee.fn.name}()`;
  }
  const owner = callee.fn.owner;
  if (!owner || !LOOP_METHODS.has(callee.fn.name) || !callee.bound) return null;
  if (!ctx.resolver.mroPartial(owner).some((c) => loopClasses!.has(c.qname))) return null;
  if (callee.fn.name === 'run_in_executor') {
    // An async function or `next` handed to an executor is another rule's finding.
    const args = named(field(call, 'arguments') ?? call);
    const fnArg = ctx.evaluate(args[1] ?? null);
    if (fnArg?.k === 'func' && (fnArg.fn.kind !== 'sync' || fnArg.fn.qname === 'builtins.next')) return null;
  }
  return `loop.${callee.fn.name}()`;
}

/** A name for the kept task: `<coroutine>_task`, unused in the scope. */
function taskName(call: SyntaxNode, ctx: RuleContext): string {
  const first = named(field(call, 'arguments') ?? call)[0];
  let base = 'task';
  if (first?.type === 'call') {
    const parts = dottedParts(field(first, 'function'), ctx.text);
    if (parts) base = `${parts[parts.length - 1].replace(/^_+/, '')}_task`;
  }
  const scope = ctx.resolver.scopeOf(enclosingFunction(call) ?? ctx.parsed.root);
  let name = base;
  for (let i = 2; scope.uses.has(name) || scope.binds.has(name); i++) name = `${base}_${i}`;
  return name;
}

function keepReference(stmt: SyntaxNode, call: SyntaxNode, existing: string | null, ctx: RuleContext): FixSpec {
  return {
    title: 'Keep a reference to the task',
    safety: 'safe',
    edits: (e) => {
      const set = '_background_tasks';
      if (!e.hasTopLevel(set)) e.addTopLevel(`${set} = set()`);
      const indent = e.indentAt(stmt.start);
      const eol = e.eol;
      if (existing) {
        e.insert(stmt.end, `${eol}${indent}${set}.add(${existing})${eol}${indent}${existing}.add_done_callback(${set}.discard)`);
        return;
      }
      const name = taskName(call, ctx);
      const rest = e.source({ start: call.end, end: stmt.end });
      let text = `${name} = ${e.source(call)}${eol}${indent}${set}.add(${name})${eol}${indent}${name}.add_done_callback(${set}.discard)`;
      if (rest.trim()) text += `${eol}${indent}${name}${rest}`;
      e.replace(stmt, text);
    },
  };
}

export default defineRule({
  name: 'dangling-task',
  severity: 'warning',
  summary: 'A task is created and its only reference dropped, so it can be garbage-collected mid-flight.',
  fix: 'always',
  overlaps: ['RUF006', 'reportUnusedCallResult', 'unused-awaitable'],
  quietWhereRaiseExpected: true,
  visit: {
    call(node, ctx) {
      const creator = taskCreator(node, ctx);
      if (!creator) return;
      let stmt: SyntaxNode | null = null;
      let existing: string | null = null;
      const { parent, child } = logicalParent(node);
      if (parent?.type === 'expression_statement') stmt = parent;
      else if (parent?.type === 'attribute' && child.field === 'object') {
        // create_task(…).add_done_callback(…) as a statement: the chain drops the task too.
        const outer = logicalParent(parent);
        if (outer.parent?.type === 'call' && outer.child.field === 'function') {
          const s = logicalParent(outer.parent);
          if (s.parent?.type === 'expression_statement') stmt = s.parent;
        }
      } else if (parent?.type === 'assignment') {
        const use = classifyUse(node, ctx.resolver);
        if (use.kind === 'unused-local' && use.assignment.parent?.type === 'expression_statement') {
          stmt = use.assignment.parent;
          existing = use.name;
        }
      }
      if (!stmt) return;
      const fixes: (FixSpec | null)[] = [keepReference(stmt, node, existing, ctx)];
      if (!existing && stmt.children.length === 1 && named(stmt)[0] === node && isAsyncDef(enclosingFunction(node))) {
        fixes.push({ title: 'Await the task', safety: 'unsafe', edits: (e) => { e.insert(node.start, 'await '); } });
      }
      const message = existing
        ? `Task from \`${creator}\` is stored in \`${existing}\` but never used; it can be garbage-collected before it finishes`
        : `Task from \`${creator}\` is not kept; it can be garbage-collected before it finishes`;
      ctx.report(stmt, message, fixes);
    },
  },
});
