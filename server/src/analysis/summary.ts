/**
 * Module summaries: what a module defines and imports, extracted from a parse without running
 * rules. The workspace index keeps only these for files it does not check, so they hold no
 * syntax nodes, just names and small dotted-expression references (`ExprRef`) that the resolver
 * evaluates lazily in the defining module. It deliberately ignores anything it cannot express as
 * a dotted name (subscripts, arbitrary expressions): the resolver treats those as unknown.
 */
import type { ParsedFile, SyntaxNode } from './parser';
import { containsYield, decoratorsOf, dottedParts, field, hasToken, named, textOf, walk, stringValue } from './nodes';

/** A dotted name, optionally called: `asyncio.Lock()` is `{ parts: ['asyncio', 'Lock'], call: true }`. */
export interface ExprRef {
  parts: string[];
  call?: boolean;
  /** From a type annotation: names a class whose instance the value is. */
  ann?: boolean;
}

export type ImportBinding = { module: string; name?: string };

/** What a decorator does to the async-ness of the function it wraps. */
export type WrapperEffect = 'keeps' | 'async' | 'sync' | 'unknown';

export interface FuncSummary {
  name: string;
  async: boolean;
  /** Contains `yield` in its own body. */
  generator: boolean;
  /** Decorators, outermost first; null entries are decorators we cannot name. */
  decorators: (ExprRef | null)[];
  returns: ExprRef | null;
  /** Has a `return <value>` statement. */
  returnsValue: boolean;
  /** Body is only a docstring, `pass`, `...` or `raise` (abstract or a stub: result unknown). */
  stub: boolean;
  /** Dotted callees of calls made directly in its body (not nested defs or lambdas). */
  calls: ExprRef[];
  /** When used as `@this`: effect on the wrapped function. */
  asDecorator: WrapperEffect;
  /** When used as `@this(...)`: effect of the decorator it returns. */
  asDecoratorFactory: WrapperEffect;
  /** First parameter's name (for methods: self/cls). */
  params: { name: string; annotation: ExprRef | null }[];
  start: number;
  nameStart: number;
}

export interface ClassSummary {
  name: string;
  /** Base classes; null entries could not be named (the MRO is then unknown). */
  bases: (ExprRef | null)[];
  methods: Map<string, FuncSummary>;
  /** Attribute types: class-level annotations/assignments and `self.x = …` in `__init__`. */
  attrs: Map<string, ExprRef | null>;
  decorators: (ExprRef | null)[];
  start: number;
}

export interface ModuleSummary {
  module: string;
  path: string;
  imports: Map<string, ImportBinding>;
  functions: Map<string, FuncSummary>;
  classes: Map<string, ClassSummary>;
  /** Module-level assignments; null when not a dotted expression or a call of one. */
  assigns: Map<string, ExprRef | null>;
  /** Names bound in more than one way (then unknown). */
  conflicts: Set<string>;
  starImports: string[];
}

/** Turns an expression into an ExprRef: dotted names, calls of dotted names, string annotations. */
export function exprRef(node: SyntaxNode | null, text: string, annotation = false): ExprRef | null {
  if (!node) return null;
  let n = node;
  if (n.type === 'type') n = named(n)[0] ?? n;
  if (n.type === 'call') {
    const parts = dottedParts(field(n, 'function'), text);
    return parts ? { parts, call: true } : null;
  }
  if (annotation) {
    // `X | None`, `Optional[X]`, "X": the non-None part.
    if (n.type === 'binary_operator') {
      const l = field(n, 'left'), r = field(n, 'right');
      if (r && textOf(r, text) === 'None') return exprRef(l, text, true);
      if (l && textOf(l, text) === 'None') return exprRef(r, text, true);
      return null;
    }
    if (n.type === 'generic_type' || n.type === 'subscript') {
      const head = n.type === 'subscript' ? field(n, 'value') : named(n)[0];
      const hp = dottedParts(head, text);
      const last = hp?.[hp.length - 1];
      if (last === 'Optional') {
        const arg = n.type === 'subscript' ? field(n, 'subscript') : named(named(n)[1] ?? n)[0];
        return exprRef(arg ?? null, text, true);
      }
      return hp ? { parts: hp, ann: true } : null;
    }
    const s = stringValue(n, text);
    if (s !== null) return /^[A-Za-z_][\w.]*$/.test(s.trim()) ? { parts: s.trim().split('.'), ann: true } : null;
  }
  const parts = dottedParts(n, text);
  return parts ? (annotation ? { parts, ann: true } : { parts }) : null;
}

/** Absolute module for a relative import of `level` dots from `module` (a package if isPackage). */
export function resolveRelative(module: string, isPackage: boolean, level: number, rest: string): string | null {
  const parts = module ? module.split('.') : [];
  if (!isPackage) parts.pop();
  for (let i = 1; i < level; i++) { if (!parts.length) return null; parts.pop(); }
  if (rest) parts.push(...rest.split('.'));
  return parts.length ? parts.join('.') : null;
}

function importBindings(stmt: SyntaxNode, text: string, module: string, isPackage: boolean, out: Map<string, ImportBinding>, stars: string[]): void {
  if (stmt.type === 'import_statement') {
    for (const c of fields(stmt, 'name')) {
      if (c.type === 'dotted_name') {
        const full = textOf(c, text).replace(/\s+/g, '');
        out.set(full.split('.')[0], { module: full.split('.')[0] });
      } else if (c.type === 'aliased_import') {
        const nm = field(c, 'name'), al = field(c, 'alias');
        if (nm && al) out.set(textOf(al, text), { module: textOf(nm, text).replace(/\s+/g, '') });
      }
    }
    return;
  }
  if (stmt.type !== 'import_from_statement') return;
  const modNode = field(stmt, 'module_name');
  if (!modNode) return;
  let from: string | null;
  if (modNode.type === 'relative_import') {
    const prefix = modNode.children.find((c) => c.type === 'import_prefix');
    const level = prefix ? prefix.end - prefix.start : 0;
    const rest = modNode.children.find((c) => c.type === 'dotted_name');
    from = resolveRelative(module, isPackage, level, rest ? textOf(rest, text).replace(/\s+/g, '') : '');
  } else {
    from = textOf(modNode, text).replace(/\s+/g, '');
  }
  if (!from) return;
  if (stmt.children.some((c) => c.type === 'wildcard_import')) { stars.push(from); return; }
  for (const c of fields(stmt, 'name')) {
    if (c.type === 'dotted_name') out.set(textOf(c, text), { module: from, name: textOf(c, text) });
    else if (c.type === 'aliased_import') {
      const nm = field(c, 'name'), al = field(c, 'alias');
      if (nm && al) out.set(textOf(al, text), { module: from, name: textOf(nm, text) });
    }
  }
}

function fields(node: SyntaxNode, name: string): SyntaxNode[] {
  return node.children.filter((c) => c.field === name);
}

function decoratorRefs(def: SyntaxNode, text: string): (ExprRef | null)[] {
  return decoratorsOf(def).map((d) => exprRef(d, text));
}

/** Statements of a block, flattening module-level if/try/with (not defs or classes). */
export function flatStatements(block: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (n: SyntaxNode) => {
    for (const c of n.children) {
      switch (c.type) {
        case 'if_statement': case 'try_statement': case 'with_statement': case 'else_clause':
        case 'elif_clause': case 'except_clause': case 'finally_clause': case 'block':
        case 'except_group_clause':
          visit(c); break;
        default:
          if (c.named) out.push(c);
      }
    }
  };
  visit(block);
  return out;
}

/** The function or class definition inside a possibly decorated statement. */
export function definitionOf(stmt: SyntaxNode): SyntaxNode | null {
  if (stmt.type === 'function_definition' || stmt.type === 'class_definition') return stmt;
  if (stmt.type === 'decorated_definition') return field(stmt, 'definition');
  return null;
}

function paramList(fn: SyntaxNode, text: string): { name: string; annotation: ExprRef | null }[] {
  const params = field(fn, 'parameters');
  if (!params) return [];
  const out: { name: string; annotation: ExprRef | null }[] = [];
  for (const p of named(params)) {
    if (p.type === 'identifier') out.push({ name: textOf(p, text), annotation: null });
    else if (p.type === 'typed_parameter' || p.type === 'typed_default_parameter') {
      const id = p.type === 'typed_parameter' ? named(p).find((c) => c.type === 'identifier') : field(p, 'name');
      if (id && id.type === 'identifier') out.push({ name: textOf(id, text), annotation: exprRef(field(p, 'type'), text, true) });
      else out.push({ name: '*', annotation: null });
    } else if (p.type === 'default_parameter') {
      const id = field(p, 'name');
      out.push({ name: id ? textOf(id, text) : '*', annotation: null });
    } else out.push({ name: '*', annotation: null });
  }
  return out;
}

/**
 * One walk over a function's own body (not nested functions, lambdas or classes): whether it
 * yields, whether it returns a value, and the dotted callees of its calls (sync functions only).
 */
function bodyFacts(fn: SyntaxNode, text: string, wantCalls: boolean): { generator: boolean; returnsValue: boolean; calls: ExprRef[] } {
  const out = { generator: false, returnsValue: false, calls: [] as ExprRef[] };
  const body = field(fn, 'body');
  if (!body) return out;
  walk(body, (n) => {
    switch (n.type) {
      case 'function_definition': case 'lambda': case 'class_definition': return false;
      case 'yield': out.generator = true; break;
      case 'return_statement': if (named(n).length > 0) out.returnsValue = true; break;
      case 'call':
        if (wantCalls && out.calls.length < 64) {
          const parts = dottedParts(field(n, 'function'), text);
          if (parts) out.calls.push({ parts, call: true });
        }
        break;
    }
  });
  return out;
}

function isStub(fn: SyntaxNode): boolean {
  const body = field(fn, 'body');
  if (!body) return true;
  return named(body).every((st) => {
    if (st.type === 'pass_statement' || st.type === 'raise_statement' || st.type === 'comment') return true;
    if (st.type !== 'expression_statement') return false;
    const e = named(st)[0];
    return !!e && (e.type === 'string' || e.type === 'ellipsis');
  });
}

/**
 * What `fn`, used as a decorator, does to async-ness: returns its argument (`keeps`), an inner
 * `async def` (`async`), an inner `def` that drives the coroutine to completion with
 * `asyncio.run`/`run_until_complete` (`sync`), an inner `functools.wraps` def that returns the
 * wrapped call (`keeps`); anything else is `unknown`.
 */
/** A body's directly nested `def`s by name, and the name its (last) `return <identifier>` gives. */
function returnedInnerDef(body: SyntaxNode, text: string): { inner: Map<string, SyntaxNode>; returned: string | null } {
  const inner = new Map<string, SyntaxNode>();
  let returned: string | null = null;
  for (const stmt of named(body)) {
    const def = definitionOf(stmt);
    if (def && def.type === 'function_definition') {
      const nm = field(def, 'name');
      if (nm) inner.set(textOf(nm, text), def);
    } else if (stmt.type === 'return_statement') {
      const v = named(stmt)[0];
      if (v && v.type === 'identifier') returned = textOf(v, text);
    }
  }
  return { inner, returned };
}

function wrapperEffect(fn: SyntaxNode, text: string, depth = 0): WrapperEffect {
  const body = field(fn, 'body');
  const params = paramList(fn, text);
  if (!body || params.length === 0 || depth > 2) return 'unknown';
  const arg = params[0].name;
  const { inner, returned } = returnedInnerDef(body, text);
  if (!returned) return 'unknown';
  if (returned === arg) return 'keeps';
  const w = inner.get(returned);
  if (!w) return 'unknown';
  if (hasToken(w, 'async')) return containsYield(w) ? 'unknown' : 'async';
  let drives = false, returnsCall = false;
  const wbody = field(w, 'body');
  if (wbody) walk(wbody, (n) => {
    if (n.type === 'function_definition' || n.type === 'lambda') return false;
    if (n.type === 'call') {
      const parts = dottedParts(field(n, 'function'), text);
      const last = parts?.[parts.length - 1];
      if (last === 'run' && parts!.length >= 2 || last === 'run_until_complete') drives = true;
    }
    if (n.type === 'return_statement') {
      const v = named(n)[0];
      if (v && v.type === 'call') {
        const parts = dottedParts(field(v, 'function'), text);
        if (parts && parts.length === 1 && parts[0] === arg) returnsCall = true;
      }
    }
  });
  if (drives) return 'sync';
  const wraps = decoratorsOf(w).some((d) => {
    const r = exprRef(d, text);
    return !!r && r.parts[r.parts.length - 1] === 'wraps';
  });
  if (wraps && returnsCall) return 'keeps';
  return 'unknown';
}

function factoryEffect(fn: SyntaxNode, text: string): WrapperEffect {
  const body = field(fn, 'body');
  if (!body) return 'unknown';
  const { inner, returned } = returnedInnerDef(body, text);
  const d = returned ? inner.get(returned) : undefined;
  return d && !hasToken(d, 'async') ? wrapperEffect(d, text, 1) : 'unknown';
}

export function summarizeFunction(fn: SyntaxNode, text: string): FuncSummary {
  const nameNode = field(fn, 'name');
  const isAsync = hasToken(fn, 'async');
  const facts = bodyFacts(fn, text, !isAsync);
  return {
    name: nameNode ? textOf(nameNode, text) : '',
    async: isAsync,
    generator: facts.generator,
    decorators: decoratorRefs(fn, text),
    returns: exprRef(field(fn, 'return_type'), text, true),
    returnsValue: facts.returnsValue,
    stub: isStub(fn),
    calls: facts.calls,
    asDecorator: isAsync ? 'unknown' : wrapperEffect(fn, text),
    asDecoratorFactory: isAsync ? 'unknown' : factoryEffect(fn, text),
    params: paramList(fn, text),
    start: fn.start,
    nameStart: nameNode?.start ?? fn.start,
  };
}

export function summarizeClass(cls: SyntaxNode, text: string): ClassSummary {
  const nameNode = field(cls, 'name');
  const bases: (ExprRef | null)[] = [];
  const sup = field(cls, 'superclasses');
  if (sup) for (const b of named(sup)) {
    if (b.type === 'keyword_argument') continue;
    if (b.type === 'list_splat' || b.type === 'dictionary_splat') { bases.push(null); continue; }
    const r = exprRef(b, text, true);
    bases.push(r && !r.call ? r : null);
  }
  const methods = new Map<string, FuncSummary>();
  const attrs = new Map<string, ExprRef | null>();
  const body = field(cls, 'body');
  if (body) for (const stmt of flatStatements(body)) {
    const def = definitionOf(stmt);
    if (def?.type === 'function_definition') {
      const f = summarizeFunction(def, text);
      methods.set(f.name, f);
      if (f.name === '__init__' || f.name === '__post_init__' || f.name === 'setUp' || f.name === 'asyncSetUp') collectSelfAttrs(def, text, attrs);
    } else if (stmt.type === 'expression_statement') {
      const a = named(stmt)[0];
      if (a?.type === 'assignment') {
        const left = field(a, 'left');
        if (left?.type === 'identifier') {
          const name = textOf(left, text);
          const type = field(a, 'type');
          const r = type ? exprRef(type, text, true) : exprRef(field(a, 'right'), text);
          setAttr(attrs, name, r);
        }
      }
    }
  }
  return { name: nameNode ? textOf(nameNode, text) : '', bases, methods, attrs, decorators: decoratorRefs(cls, text), start: cls.start };
}

function setAttr(attrs: Map<string, ExprRef | null>, name: string, r: ExprRef | null): void {
  if (attrs.has(name)) {
    const old = attrs.get(name);
    if (!old || !r || old.parts.join('.') !== r.parts.join('.') || !!old.call !== !!r.call) attrs.set(name, null);
  } else attrs.set(name, r);
}

function collectSelfAttrs(fn: SyntaxNode, text: string, attrs: Map<string, ExprRef | null>): void {
  const body = field(fn, 'body');
  const self = paramList(fn, text)[0]?.name;
  if (!body || !self) return;
  // Annotated parameters assigned to attributes: `self.w = writer` with `writer: StreamWriter`.
  const paramTypes = new Map(paramList(fn, text).map((p) => [p.name, p.annotation]));
  walk(body, (n) => {
    if (n.type === 'function_definition' || n.type === 'lambda' || n.type === 'class_definition') return false;
    if (n.type !== 'assignment') return;
    const left = field(n, 'left');
    if (left?.type !== 'attribute') return;
    const obj = field(left, 'object'), attr = field(left, 'attribute');
    if (obj?.type !== 'identifier' || textOf(obj, text) !== self || !attr) return;
    const type = field(n, 'type');
    const right = field(n, 'right');
    let r = type ? exprRef(type, text, true) : exprRef(right, text);
    if (!type && right?.type === 'identifier' && paramTypes.has(textOf(right, text))) r = paramTypes.get(textOf(right, text)) ?? null;
    else if (!type && right?.type === 'identifier') r = null;
    setAttr(attrs, textOf(attr, text), r);
  });
}

/** Module name for a file relative to a root: `pkg/mod.py` → `pkg.mod`, `pkg/__init__.py` → `pkg`. */
export function moduleNameFor(relPath: string): { module: string; isPackage: boolean } {
  const parts = relPath.replace(/\\/g, '/').replace(/\.pyi?$/, '').split('/').filter(Boolean);
  const isPackage = parts[parts.length - 1] === '__init__';
  if (isPackage) parts.pop();
  return { module: parts.join('.'), isPackage };
}

export function summarize(parsed: ParsedFile, module: string, isPackage: boolean, path: string): ModuleSummary {
  const { root, text } = parsed;
  const s: ModuleSummary = {
    module, path, imports: new Map(), functions: new Map(), classes: new Map(), assigns: new Map(),
    conflicts: new Set(), starImports: [],
  };
  const kinds = new Map<string, string>();
  const bind = (name: string, kind: string) => {
    const k = kinds.get(name);
    if (k && k !== kind) s.conflicts.add(name);
    kinds.set(name, kind);
  };
  for (const stmt of flatStatements(root)) {
    if (stmt.type === 'import_statement' || stmt.type === 'import_from_statement') {
      const m = new Map<string, ImportBinding>();
      importBindings(stmt, text, module, isPackage, m, s.starImports);
      for (const [k, v] of m) {
        const prev = s.imports.get(k);
        // `try: import a as x / except ImportError: import b as x`: keep the first, note the clash.
        if (prev && (prev.module !== v.module || prev.name !== v.name)) s.conflicts.add(k);
        if (!prev) s.imports.set(k, v);
        bind(k, 'import');
      }
      continue;
    }
    const def = definitionOf(stmt);
    if (def?.type === 'function_definition') {
      const f = summarizeFunction(def, text);
      const prev = s.functions.get(f.name);
      if (prev && prev.async !== f.async) s.conflicts.add(f.name);
      if (!prev) s.functions.set(f.name, f);
      bind(f.name, 'def');
    } else if (def?.type === 'class_definition') {
      const c = summarizeClass(def, text);
      if (s.classes.has(c.name)) s.conflicts.add(c.name);
      else s.classes.set(c.name, c);
      bind(c.name, 'class');
    } else if (stmt.type === 'expression_statement') {
      const a = named(stmt)[0];
      if (a?.type !== 'assignment') continue;
      const left = field(a, 'left');
      if (left?.type !== 'identifier') continue;
      const name = textOf(left, text);
      const type = field(a, 'type');
      const right = field(a, 'right');
      const r = type ? exprRef(type, text, true) : exprRef(right, text);
      if (s.assigns.has(name)) {
        const old = s.assigns.get(name);
        if (!old || !r || old.parts.join('.') !== r.parts.join('.')) s.assigns.set(name, null);
      } else s.assigns.set(name, r);
      bind(name, 'assign');
    }
  }
  return s;
}
