/**
 * Small helpers over the mirrored syntax tree: field access, named children, dotted names,
 * enclosing scopes. Pure functions; nothing here resolves a name.
 */
import type { SyntaxNode } from './parser';

export function field(node: SyntaxNode | null | undefined, name: string): SyntaxNode | null {
  if (!node) return null;
  for (const c of node.children) if (c.field === name) return c;
  return null;
}

export function fields(node: SyntaxNode, name: string): SyntaxNode[] {
  return node.children.filter((c) => c.field === name);
}

export function named(node: SyntaxNode): SyntaxNode[] {
  return node.children.filter((c) => c.named && c.type !== 'comment');
}

export function hasToken(node: SyntaxNode, token: string): boolean {
  for (const c of node.children) if (!c.named && c.type === token) return true;
  return false;
}

export function tokenNode(node: SyntaxNode, token: string): SyntaxNode | null {
  for (const c of node.children) if (!c.named && c.type === token) return c;
  return null;
}

export function textOf(node: SyntaxNode, text: string): string {
  return text.slice(node.start, node.end);
}

/** `a.b.c` for identifier/attribute chains, else null (iterative: chains can be very long). */
export function dottedParts(node: SyntaxNode | null, text: string): string[] | null {
  const parts: string[] = [];
  let n = node;
  while (n && n.type === 'attribute') {
    const attr = field(n, 'attribute');
    if (!attr) return null;
    parts.push(textOf(attr, text));
    n = field(n, 'object');
  }
  if (!n || n.type !== 'identifier') return null;
  parts.push(textOf(n, text));
  return parts.reverse();
}

/** The parent, skipping parenthesized expressions. */
export function logicalParent(node: SyntaxNode): { parent: SyntaxNode | null; child: SyntaxNode } {
  let child = node;
  let p = node.parent;
  while (p && p.type === 'parenthesized_expression') { child = p; p = p.parent; }
  return { parent: p, child };
}

export const SCOPE_TYPES = new Set(['function_definition', 'lambda', 'class_definition', 'module']);

/** Innermost function, lambda, class or module around a node (not the node itself). */
export function enclosingScope(node: SyntaxNode): SyntaxNode {
  let p = node.parent;
  while (p && !SCOPE_TYPES.has(p.type)) p = p.parent;
  return p ?? node;
}

/** Innermost function or lambda around a node, or null at module/class level. */
export function enclosingFunction(node: SyntaxNode): SyntaxNode | null {
  let p = node.parent;
  while (p) {
    if (p.type === 'function_definition' || p.type === 'lambda') return p;
    if (p.type === 'class_definition' || p.type === 'module') return null;
    p = p.parent;
  }
  return null;
}

export function isAsyncDef(node: SyntaxNode | null): boolean {
  return !!node && node.type === 'function_definition' && hasToken(node, 'async');
}

/** The decorators of a function or class definition (outermost first). */
export function decoratorsOf(def: SyntaxNode): SyntaxNode[] {
  const p = def.parent;
  if (!p || p.type !== 'decorated_definition') return [];
  return p.children.filter((c) => c.type === 'decorator').map((d) => named(d)[0]).filter((x): x is SyntaxNode => !!x);
}

/** Walks a subtree in pre-order; return false from `visit` to skip a node's children. */
export function walk(node: SyntaxNode, visit: (n: SyntaxNode) => boolean | void): void {
  const stack: SyntaxNode[] = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (visit(n) === false) continue;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
}

/** True if `node` contains `yield` in its own body (not nested functions/lambdas/classes). */
export function containsYield(fn: SyntaxNode): boolean {
  const body = field(fn, 'body');
  if (!body) return false;
  let found = false;
  walk(body, (n) => {
    if (found) return false;
    if (n.type === 'function_definition' || n.type === 'lambda' || n.type === 'class_definition') return false;
    if (n.type === 'yield') { found = true; return false; }
  });
  return found;
}

/** String literal contents for a plain (non f-string) string node, else null. */
export function stringValue(node: SyntaxNode | null, text: string): string | null {
  if (!node || node.type !== 'string') return null;
  if (node.children.some((c) => c.type === 'interpolation')) return null;
  return node.children.filter((c) => c.type === 'string_content').map((c) => textOf(c, text)).join('');
}
