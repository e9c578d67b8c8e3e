/**
 * How the value of an expression is used: awaited, returned, handed to an API that runs it,
 * stored somewhere we cannot follow, dropped, or used as if it were something else (attribute
 * access, a condition, an f-string…). Locals are followed to their uses in the same scope
 * (flow-insensitive). Unknown situations come back as `escaped` so rules stay silent.
 */
import { canonical } from './library';
import { field, logicalParent, named, textOf, enclosingFunction } from './nodes';
import type { SyntaxNode } from './parser';
import type { Resolver } from './resolver';

export type Use =
  | { kind: 'awaited' | 'returned' | 'consumed' | 'escaped' }
  | { kind: 'discarded' }
  | { kind: 'misused'; how: string }
  | { kind: 'unused-local'; name: string; assignment: SyntaxNode };

/** APIs that run or schedule a coroutine (or awaitables) they are given. */
const CONSUMER_PUBLIC = [
  'asyncio.run', 'asyncio.create_task', 'asyncio.ensure_future', 'asyncio.gather', 'asyncio.wait_for', 'asyncio.shield',
  'asyncio.wait', 'asyncio.as_completed', 'asyncio.run_coroutine_threadsafe', 'asyncio.Runner.run',
  'asyncio.AbstractEventLoop.run_until_complete', 'asyncio.AbstractEventLoop.create_task',
  'asyncio.BaseEventLoop.run_until_complete', 'asyncio.BaseEventLoop.create_task', 'asyncio.TaskGroup.create_task',
  'asyncio.Task', 'asyncio.timeout', 'asyncio.staggered.staggered_race',
];
let consumers: Set<string> | null = null;
export function isConsumer(qname: string | null): boolean {
  if (!qname) return false;
  consumers ??= new Set(CONSUMER_PUBLIC.flatMap((p) => [p, canonical(p)]));
  return consumers.has(qname);
}

/** Attributes of coroutine objects: reading them is using the coroutine as a coroutine. */
const COROUTINE_ATTRS = /^(send|throw|close|__await__|__name__|__qualname__|__class__|cr_\w+)$/;

/** Builtins that use a value as a plain value (a coroutine there is certainly a bug). */
const VALUE_BUILTINS = new Set(['builtins.print', 'builtins.str', 'builtins.bool', 'builtins.len',
  'builtins.format', 'builtins.int', 'builtins.float', 'builtins.list', 'builtins.tuple', 'builtins.sorted', 'builtins.iter']);

export function classifyUse(expr: SyntaxNode, r: Resolver, depth = 0): Use {
  const { parent, child } = logicalParent(expr);
  if (!parent) return { kind: 'escaped' };
  switch (parent.type) {
    case 'await': return { kind: 'awaited' };
    case 'expression_statement': return parent.children.filter((c) => c.named).length === 1 ? { kind: 'discarded' } : { kind: 'escaped' };
    case 'return_statement': return { kind: 'returned' };
    case 'lambda': return child.field === 'body' ? { kind: 'returned' } : { kind: 'escaped' };
    case 'argument_list': case 'keyword_argument': case 'list_splat': {
      let args: SyntaxNode | null = parent;
      while (args && args.type !== 'argument_list') args = args.parent;
      const call = args?.parent;
      if (!call || call.type !== 'call') return { kind: 'escaped' };
      const q = r.calleeName(call);
      if (isConsumer(q)) return { kind: 'consumed' };
      if (q && VALUE_BUILTINS.has(q)) return { kind: 'misused', how: `passed to \`${q.slice(9)}()\`` };
      return { kind: 'escaped' };
    }
    case 'assignment': {
      if (child.field !== 'right') return { kind: 'escaped' };
      const left = field(parent, 'left');
      if (left?.type !== 'identifier') return { kind: 'escaped' };
      if (parent.parent?.type !== 'expression_statement') return { kind: 'escaped' };
      return followLocal(textOf(left, r.text), left, parent, r, depth);
    }
    case 'attribute': {
      if (child.field !== 'object') return { kind: 'escaped' };
      // The coroutine protocol itself (`coro.send(None)`, `coro.close()`, `__await__()`) drives it.
      const attr = field(parent, 'attribute');
      if (attr && COROUTINE_ATTRS.test(textOf(attr, r.text))) return { kind: 'escaped' };
      return { kind: 'misused', how: 'its attribute is read' };
    }
    case 'subscript': return child.field === 'value' ? { kind: 'misused', how: 'it is subscripted' } : { kind: 'escaped' };
    case 'if_statement': case 'while_statement': case 'elif_clause':
      return child.field === 'condition' ? { kind: 'misused', how: 'it is tested in a condition' } : { kind: 'escaped' };
    case 'assert_statement': return { kind: 'misused', how: 'it is asserted' };
    case 'not_operator': case 'boolean_operator': return { kind: 'misused', how: 'it is tested in a condition' };
    case 'comparison_operator': return { kind: 'misused', how: 'it is compared' };
    case 'conditional_expression': {
      const parts = named(parent);
      if (parts[1] === child) return { kind: 'misused', how: 'it is tested in a condition' };
      return depth < 4 ? classifyUse(parent, r, depth + 1) : { kind: 'escaped' };
    }
    case 'interpolation': return { kind: 'misused', how: 'it is formatted in an f-string' };
    case 'binary_operator': case 'unary_operator': return { kind: 'misused', how: 'it is used in arithmetic' };
    case 'for_statement': return child.field === 'right' ? { kind: 'misused', how: 'it is iterated' } : { kind: 'escaped' };
    default: return { kind: 'escaped' };
  }
}

/** Follows a local assigned once at statement level to its uses in the same scope. */
function followLocal(name: string, target: SyntaxNode, assignment: SyntaxNode, r: Resolver, depth: number): Use {
  if (depth > 3) return { kind: 'escaped' };
  const fn = enclosingFunction(assignment);
  const scopeNode = fn ?? r.parsed.root;
  // Module-level names may be read by other modules: not followed.
  if (!fn) return { kind: 'escaped' };
  const scope = r.scopeOf(scopeNode);
  if (scope.globals.has(name)) return { kind: 'escaped' };
  const uses = (scope.uses.get(name) ?? []).filter((u) => u !== target && !isBindingTarget(u));
  if (uses.length === 0) return { kind: 'unused-local', name, assignment };
  let misuse: string | null = null;
  for (const u of uses) {
    const use = classifyUse(u, r, depth + 1);
    if (use.kind === 'misused') { misuse ??= use.how; continue; }
    if (use.kind === 'discarded') { misuse ??= 'it is dropped'; continue; }
    if (use.kind === 'unused-local') { misuse ??= 'it is dropped'; continue; }
    return { kind: 'escaped' };
  }
  return { kind: 'misused', how: misuse ?? 'it is dropped' };
}

/** True if an identifier is the target of an assignment (not a read). */
export function isBindingTarget(id: SyntaxNode): boolean {
  const p = id.parent;
  if (!p) return false;
  if ((p.type === 'assignment' || p.type === 'augmented_assignment') && id.field === 'left') return p.type === 'assignment';
  if (p.type === 'named_expression' && id.field === 'name') return true;
  if ((p.type === 'for_statement' || p.type === 'for_in_clause') && id.field === 'left') return true;
  if (p.type === 'keyword_argument' && id.field === 'name') return true;
  if (p.type === 'function_definition' || p.type === 'class_definition') return id.field === 'name';
  if (p.type === 'parameters' || p.type === 'default_parameter' || p.type === 'typed_parameter' || p.type === 'typed_default_parameter') return id.field !== 'value';
  if (p.type === 'attribute' && id.field === 'attribute') return true;
  return false;
}
