/**
 * Name and type resolution for one checked file: what an expression denotes (a module, a
 * function and whether it is async, a class or an instance of one, a coroutine…), following
 * imports and aliases, project modules through the workspace index, methods along base-class
 * chains (self/cls/super()), receiver types from annotations and constructor assignments, and
 * decorators. Library symbols come from the bundled tables.
 *
 * Anything it cannot establish is `null`: rules must treat null as "say nothing". It never
 * compares source text with API names; the only text it reads is identifiers, to look them up.
 * A Resolver lives for one check of one file; its caches die with it.
 */
import type { SyntaxNode, ParsedFile } from './parser';
import { field, named, textOf, hasToken, enclosingScope, decoratorsOf, walk, containsYield } from './nodes';
import { canonical, isStdlibRoot, libClass, libFunction, libModule, type LibraryClass } from './library';
import { exprRef, summarizeClass, summarizeFunction, type ClassSummary, type ExprRef, type FuncSummary, type ImportBinding, type ModuleSummary } from './summary';
import type { Workspace } from './workspace';

export type FuncKind = 'async' | 'asyncgen' | 'sync' | 'unknown';

export interface Func {
  qname: string;
  name: string;
  kind: FuncKind;
  /** Calling it returns an async-only (acm) or sync-only (cm) context manager. */
  acm?: boolean;
  cm?: boolean;
  lib?: string;
  project?: { module: ModuleSummary; fn: FuncSummary; node?: SyntaxNode };
  owner?: Cls;
}

export interface Cls {
  qname: string;
  name: string;
  lib?: LibraryClass;
  project?: { module: ModuleSummary; cls: ClassSummary };
}

export type Value =
  | { k: 'module'; name: string }
  | { k: 'func'; fn: Func; bound?: boolean }
  | { k: 'class'; cls: Cls }
  | { k: 'inst'; cls: Cls }
  | { k: 'coro'; fn: Func }
  | { k: 'aiter'; fn?: Func }
  | { k: 'acm'; fn: Func }
  | { k: 'cm'; fn: Func }
  | { k: 'awaitable' }
  | { k: 'nonawaitable'; what: string }
  | { k: 'super'; cls: Cls; inst: boolean }
  | { k: 'opaque'; qname: string };

export interface Protocols { aenter: boolean; enter: boolean; aiter: boolean; iter: boolean; await: boolean }

/** Decorators that do not change what calling the function returns. */
const KEEPING_DECORATORS = new Set([
  'builtins.staticmethod', 'builtins.classmethod', 'abc.abstractmethod', 'typing.overload', 'typing.final',
  'typing.override', 'typing_extensions.override', 'functools.lru_cache', 'functools.cache', 'functools.wraps',
  'functools.singledispatch', 'unittest.mock.patch', 'unittest.mock.patch.object', 'pytest.mark', 'typing.no_type_check',
  'unittest.case.skip', 'unittest.case.skipIf', 'unittest.case.skipUnless', 'unittest.case.expectedFailure',
]);

interface Scope {
  node: SyntaxNode;
  params: Map<string, { annotation: SyntaxNode | null; index: number }>;
  /** Value nodes bound to a name; null for bindings we cannot evaluate (loops, tuples…). */
  binds: Map<string, (SyntaxNode | null)[]>;
  globals: Set<string>;
  /** Every identifier occurrence by name, nested scopes included (closures read them). */
  uses: Map<string, SyntaxNode[]>;
  imports: Map<string, ImportBinding>;
}

export class Resolver {
  private scopes = new Map<SyntaxNode, Scope>();
  private exprCache = new Map<SyntaxNode, Value | null>();
  private globalCache = new Map<string, Value | null>();
  private inProgress = new Set<string>();
  private localFuncs = new Map<SyntaxNode, Func>();
  private localClasses = new Map<SyntaxNode, Cls>();
  private mroCache = new Map<string, Cls[] | null>();
  private chainCache = new Map<SyntaxNode, SyntaxNode[]>();

  constructor(
    readonly file: string,
    readonly parsed: ParsedFile,
    readonly module: ModuleSummary,
    readonly ws: Workspace,
  ) {}

  get text(): string { return this.parsed.text; }

  // ---- scopes --------------------------------------------------------------------------

  /** Scope information for a function, lambda or the module. */
  scopeOf(node: SyntaxNode): Scope {
    let s = this.scopes.get(node);
    if (s) return s;
    s = { node, params: new Map(), binds: new Map(), globals: new Set(), uses: new Map(), imports: new Map() };
    this.scopes.set(node, s);
    const text = this.text;
    const bind = (name: string, value: SyntaxNode | null) => {
      const list = s!.binds.get(name);
      if (list) list.push(value); else s!.binds.set(name, [value]);
    };
    const bindTarget = (t: SyntaxNode | null, value: SyntaxNode | null) => {
      if (!t) return;
      if (t.type === 'identifier') bind(textOf(t, text), value);
      else if (t.type === 'pattern_list' || t.type === 'tuple_pattern' || t.type === 'list_pattern' || t.type === 'tuple' || t.type === 'list') {
        for (const c of named(t)) bindTarget(c.type === 'list_splat_pattern' ? named(c)[0] ?? null : c, null);
      }
    };
    if (node.type === 'function_definition' || node.type === 'lambda') {
      const params = field(node, 'parameters');
      let i = 0;
      if (params) for (const p of named(params)) {
        let id: SyntaxNode | null = null, ann: SyntaxNode | null = null;
        if (p.type === 'identifier') id = p;
        else if (p.type === 'typed_parameter') { id = named(p).find((c) => c.type === 'identifier') ?? null; ann = field(p, 'type'); }
        else if (p.type === 'typed_default_parameter') { id = field(p, 'name'); ann = field(p, 'type'); }
        else if (p.type === 'default_parameter') id = field(p, 'name');
        else if (p.type === 'list_splat_pattern' || p.type === 'dictionary_splat_pattern') { const c = named(p)[0]; if (c) bind(textOf(c, text), null); }
        if (id?.type === 'identifier') s.params.set(textOf(id, text), { annotation: ann, index: i });
        i++;
      }
    }
    const body = node.type === 'module' ? node : field(node, 'body');
    if (body) walk(body, (n) => {
      if (n.type === 'identifier') {
        const name = textOf(n, text);
        const l = s!.uses.get(name);
        if (l) l.push(n); else s!.uses.set(name, [n]);
        return;
      }
      if (n === body) return;
      const nested = n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda';
      if (n.type === 'function_definition' || n.type === 'class_definition') {
        const nm = field(n, 'name');
        if (nm) bind(textOf(nm, text), n);
      }
      if (nested) {
        // Names used inside nested scopes still count as uses (closures), but not as bindings.
        walk(n, (m) => {
          if (m.type === 'identifier') {
            const name = textOf(m, text);
            const l = s!.uses.get(name);
            if (l) l.push(m); else s!.uses.set(name, [m]);
          }
        });
        return false;
      }
      switch (n.type) {
        case 'assignment': {
          const type = field(n, 'type');
          const left = field(n, 'left');
          const right = field(n, 'right');
          if (left?.type === 'identifier') bind(textOf(left, text), type ? type : right);
          else bindTarget(left, null);
          break;
        }
        case 'augmented_assignment': bindTarget(field(n, 'left'), null); break;
        case 'named_expression': { const nm = field(n, 'name'); if (nm) bind(textOf(nm, text), field(n, 'value')); break; }
        case 'for_statement': case 'for_in_clause': bindTarget(field(n, 'left'), null); break;
        case 'as_pattern': {
          // `with X as y` is bound by its with_item (to what entering X gives).
          if (n.parent?.type === 'with_item') break;
          const t = field(n, 'alias');
          if (t) bindTarget(named(t)[0] ?? t, null);
          break;
        }
        case 'with_item': {
          const v = field(n, 'value');
          if (v?.type !== 'as_pattern') break;
          const t = field(v, 'alias');
          const target = t ? named(t)[0] ?? t : null;
          if (target?.type === 'identifier') bind(textOf(target, text), n);
          else bindTarget(target, null);
          break;
        }
        case 'except_clause': { for (const c of named(n)) if (c.type === 'as_pattern') { const t = field(c, 'alias'); if (t) bindTarget(named(t)[0] ?? t, null); } break; }
        case 'global_statement': case 'nonlocal_statement':
          for (const c of named(n)) if (c.type === 'identifier') s!.globals.add(textOf(c, text));
          break;
        case 'import_statement': case 'import_from_statement':
          if (node.type !== 'module') this.collectLocalImports(n, s!);
          break;
        case 'delete_statement': for (const c of named(n)) bindTarget(c, null); break;
      }
    });
    return s;
  }

  private collectLocalImports(stmt: SyntaxNode, s: Scope): void {
    // Reuse the summary logic through a throwaway one-statement view.
    const text = this.text;
    if (stmt.type === 'import_statement') {
      for (const c of stmt.children.filter((x) => x.field === 'name')) {
        if (c.type === 'dotted_name') { const m = textOf(c, text).split('.')[0]; s.imports.set(m, { module: m }); }
        else if (c.type === 'aliased_import') {
          const nm = field(c, 'name'), al = field(c, 'alias');
          if (nm && al) s.imports.set(textOf(al, text), { module: textOf(nm, text) });
        }
      }
    } else {
      const mn = field(stmt, 'module_name');
      if (!mn || mn.type === 'relative_import') {
        for (const c of stmt.children.filter((x) => x.field === 'name')) {
          const id = c.type === 'aliased_import' ? field(c, 'alias') : c;
          if (id) s.binds.set(textOf(id, text), [null]);
        }
        return;
      }
      const from = textOf(mn, text);
      for (const c of stmt.children.filter((x) => x.field === 'name')) {
        if (c.type === 'dotted_name') s.imports.set(textOf(c, text), { module: from, name: textOf(c, text) });
        else if (c.type === 'aliased_import') {
          const nm = field(c, 'name'), al = field(c, 'alias');
          if (nm && al) s.imports.set(textOf(al, text), { module: from, name: textOf(nm, text) });
        }
      }
    }
  }

  /**
   * The function/lambda/module scopes around a node, innermost first. Class bodies are skipped:
   * names in a class body are not visible to its methods (Python's rule), and class-level names
   * are reached through the class (`self.x`, `cls.x`), not as bare names.
   */
  private scopeChain(node: SyntaxNode): SyntaxNode[] {
    // The chain depends only on the innermost scope around the node, so it is kept per scope
    // (read-only arrays: callers only iterate them).
    const inner = node.parent ? enclosingScope(node) : null;
    if (inner) {
      const hit = this.chainCache.get(inner);
      if (hit) return hit;
    }
    const out: SyntaxNode[] = [];
    let n: SyntaxNode | null = node;
    while (n) {
      const sc = enclosingScope(n);
      if (sc === n) break;
      if (sc.type !== 'class_definition') out.push(sc);
      n = sc;
      if (sc.type === 'module') break;
    }
    if (!out.length || out[out.length - 1].type !== 'module') out.push(this.parsed.root);
    if (inner) this.chainCache.set(inner, out);
    return out;
  }

  // ---- lookups -------------------------------------------------------------------------

  /** What an identifier at `node` refers to. */
  lookupName(name: string, node: SyntaxNode): Value | null {
    for (const sc of this.scopeChain(node)) {
      if (sc.type === 'module') return this.globalLookup(this.module, name);
      const s = this.scopeOf(sc);
      if (s.globals.has(name)) return this.globalLookup(this.module, name);
      const p = s.params.get(name);
      if (p) return this.paramValue(sc, name, p);
      const imp = s.imports.get(name);
      if (imp) return this.importValue(imp, this.module);
      const b = s.binds.get(name);
      if (b) return this.bindingsValue(b, name);
    }
    return null;
  }

  private bindingsValue(nodes: (SyntaxNode | null)[], name: string): Value | null {
    let result: Value | null = null;
    for (const n of nodes) {
      if (!n) return null;
      const key = `local:${n.start}:${name}`;
      if (this.inProgress.has(key)) return null;
      this.inProgress.add(key);
      let v: Value | null;
      try {
        if (n.type === 'function_definition') v = { k: 'func', fn: this.funcFromNode(n) };
        else if (n.type === 'with_item') v = this.enterValue(n);
        else if (n.type === 'class_definition') v = { k: 'class', cls: this.classFromNode(n) };
        else if (n.type === 'type') v = this.annotationValue(n);
        else v = this.evaluate(n);
      } finally { this.inProgress.delete(key); }
      if (!v) return null;
      if (result && !sameValue(result, v)) return null;
      result = v;
    }
    return result;
  }

  private paramValue(fnNode: SyntaxNode, _name: string, p: { annotation: SyntaxNode | null; index: number }): Value | null {
    if (p.annotation) return this.annotationValue(p.annotation);
    if (p.index !== 0 || fnNode.type !== 'function_definition') return null;
    // First parameter of a method: self (or cls for classmethods).
    let owner = fnNode.parent;
    if (owner?.type === 'decorated_definition') owner = owner.parent;
    if (owner?.type !== 'block' || owner.parent?.type !== 'class_definition') return null;
    const decos = decoratorsOf(fnNode).map((d) => this.evaluate(d));
    const cls = this.classFromNode(owner.parent);
    if (decos.some((d) => d?.k === 'class' && d.cls.qname === 'builtins.staticmethod')) return null;
    if (decos.some((d) => d?.k === 'class' && d.cls.qname === 'builtins.classmethod')) return { k: 'class', cls };
    return { k: 'inst', cls };
  }

  /** An annotation names a class; the value is an instance of it. */
  annotationValue(node: SyntaxNode): Value | null {
    const r = exprRef(node, this.text, true);
    if (!r) return null;
    const v = this.evalRefParts(r.parts, (n) => this.lookupName(n, node));
    return v?.k === 'class' ? { k: 'inst', cls: v.cls } : null;
  }

  /** Module-level name in a module summary (imports, defs, classes, assignments, star imports, builtins). */
  globalLookup(mod: ModuleSummary, name: string, builtins = true): Value | null {
    const key = `${mod.path}\u0000${name}\u0000${builtins}`;
    if (this.globalCache.has(key)) return this.globalCache.get(key)!;
    if (this.inProgress.has(key)) return null;
    this.inProgress.add(key);
    let v: Value | null = null;
    try {
      if (mod.conflicts.has(name)) v = null;
      else if (mod.functions.has(name)) v = { k: 'func', fn: this.projectFunc(mod, mod.functions.get(name)!) };
      else if (mod.classes.has(name)) v = { k: 'class', cls: this.projectClass(mod, mod.classes.get(name)!) };
      else if (mod.imports.has(name)) v = this.importValue(mod.imports.get(name)!, mod);
      else if (mod.assigns.has(name)) {
        const r = mod.assigns.get(name);
        v = r ? this.evalRef(mod, r) : null;
      } else {
        let found = false;
        for (const star of mod.starImports) {
          const sv = this.memberOfModule(star, name, mod.path);
          if (sv) { v = sv; found = true; break; }
        }
        if (!found && builtins) {
          const q = libModule('builtins')?.[name];
          v = q ? this.libSymbol(q) : null;
        }
      }
    } finally { this.inProgress.delete(key); }
    this.globalCache.set(key, v);
    return v;
  }

  private importValue(b: ImportBinding, from: ModuleSummary): Value | null {
    if (!b.name) return { k: 'module', name: b.module };
    return this.memberOfModule(b.module, b.name, from.path);
  }

  /** `module.name`: a project module's global, a library symbol, a submodule, or opaque. */
  memberOfModule(module: string, name: string, fromFile?: string): Value | null {
    // Modules the bundled tables describe (the stdlib, known libraries) resolve there first,
    // even when their sources sit in a workspace root (checking the stdlib itself).
    const known = libModule(module);
    if (known?.[name]) return this.libSymbol(known[name]);
    // `import concurrent.futures`: a described submodule of an undescribed package.
    if (libModule(`${module}.${name}`)) return { k: 'module', name: `${module}.${name}` };
    // The standard library is the library even when its sources sit in a root (checking CPython's
    // Lib): what the table lacks is unknown, and nothing is parsed for it. A file inside that
    // very package still sees its siblings.
    const top = module.split('.')[0];
    if (known) return null;
    if (isStdlibRoot(top) && (!fromFile || this.ws.moduleOf(fromFile).module.split('.')[0] !== top)) {
      return { k: 'opaque', qname: `${module}.${name}` };
    }
    const file = this.ws.resolveModule(module, fromFile);
    if (file) {
      const s = this.ws.summaryOf(file);
      if (s) {
        const v = this.globalLookup(s, name, false);
        if (v) return v;
      }
      const sub = this.ws.resolveModule(`${module}.${name}`, fromFile);
      if (sub) return { k: 'module', name: `${module}.${name}` };
      return null;
    }
    const lib = libModule(module);
    if (lib) {
      const q = lib[name];
      if (q) return this.libSymbol(q);
      if (libModule(`${module}.${name}`)) return { k: 'module', name: `${module}.${name}` };
      return null;
    }
    const sub = this.ws.resolveModule(`${module}.${name}`, fromFile);
    if (sub) return { k: 'module', name: `${module}.${name}` };
    // A module nobody describes: keep its name so blocking-call can match `psycopg2.connect`.
    if (this.ws.isNamespacePackage(module)) return null;
    return { k: 'opaque', qname: `${module}.${name}` };
  }

  libSymbol(qname: string): Value | null {
    const f = libFunction(qname);
    if (f) return { k: 'func', fn: libFunc(qname, f) };
    const c = libClass(qname);
    if (c) return { k: 'class', cls: { qname, name: qname.slice(qname.lastIndexOf('.') + 1), lib: c } };
    if (libModule(qname)) return { k: 'module', name: qname };
    return { k: 'opaque', qname };
  }

  /** Evaluates an ExprRef stored in a summary, in its module. */
  evalRef(mod: ModuleSummary, r: ExprRef): Value | null {
    const head = this.evalRefParts(r.parts, (n) => this.globalLookup(mod, n));
    if (!head) return null;
    if (r.ann) return head.k === 'class' ? { k: 'inst', cls: head.cls } : null;
    return r.call ? this.callResult(head, null) : head;
  }

  private evalRefParts(parts: string[], first: (name: string) => Value | null): Value | null {
    let v = first(parts[0]);
    for (const p of parts.slice(1)) {
      if (!v) return null;
      v = this.attribute(v, p);
    }
    return v;
  }

  // ---- project symbols -----------------------------------------------------------------

  private funcCache = new Map<FuncSummary, Func>();

  /**
   * `local`: a function nested in another one. Its qualified name carries its offset, as Python's
   * `<locals>` does, so two same-named local definitions in one module are never taken for one.
   */
  projectFunc(mod: ModuleSummary, fn: FuncSummary, owner?: Cls, node?: SyntaxNode, local = false): Func {
    const cached = this.funcCache.get(fn);
    if (cached) return cached;
    const f: Func = {
      qname: owner ? `${owner.qname}.${fn.name}` : local ? localQname(mod, fn.name, fn.start) : `${mod.module}.${fn.name}`,
      name: fn.name, kind: 'unknown', project: { module: mod, fn, node }, owner,
    };
    this.funcCache.set(fn, f);
    let kind: FuncKind = fn.async ? (fn.generator ? 'asyncgen' : 'async') : 'sync';
    // Decorators apply innermost (last) first.
    for (const d of [...fn.decorators].reverse()) {
      if (!d) { kind = 'unknown'; break; }
      const effect = this.decoratorEffect(mod, d, fn, f);
      if (effect === 'keeps') continue;
      if (effect === 'acm' && kind === 'asyncgen') { kind = 'sync'; f.acm = true; continue; }
      if (effect === 'cm' && kind === 'sync' && fn.generator) { kind = 'sync'; f.cm = true; continue; }
      if (effect === 'async') { kind = 'async'; continue; }
      if (effect === 'sync' && (kind === 'async' || kind === 'sync')) { kind = 'sync'; f.acm = false; continue; }
      kind = 'unknown';
      break;
    }
    f.kind = kind;
    return f;
  }

  private decoratorEffect(mod: ModuleSummary, d: ExprRef, _fn: FuncSummary, _f: Func): 'keeps' | 'acm' | 'cm' | 'async' | 'sync' | 'unknown' {
    const target = this.evalRefParts(d.parts, (n) => this.globalLookup(mod, n));
    if (!target) return 'unknown';
    const q = target.k === 'func' ? target.fn.qname : target.k === 'class' ? target.cls.qname : target.k === 'opaque' ? target.qname : '';
    if (q === 'contextlib.asynccontextmanager') return 'acm';
    if (q === 'contextlib.contextmanager') return 'cm';
    if (KEEPING_DECORATORS.has(q) || [...KEEPING_DECORATORS].some((k) => q.startsWith(k + '.'))) return 'keeps';
    if (target.k === 'func' && target.fn.project) {
      const e = d.call ? target.fn.project.fn.asDecoratorFactory : target.fn.project.fn.asDecorator;
      return e;
    }
    return 'unknown';
  }

  private clsCache = new Map<ClassSummary, Cls>();

  /** `local`: a class nested in a function (named apart, as in `projectFunc`). */
  projectClass(mod: ModuleSummary, cls: ClassSummary, local = false): Cls {
    let c = this.clsCache.get(cls);
    if (!c) {
      c = { qname: local ? localQname(mod, cls.name, cls.start) : `${mod.module}.${cls.name}`, name: cls.name, project: { module: mod, cls } };
      this.clsCache.set(cls, c);
    }
    return c;
  }

  /** A function defined in this file (possibly nested), from its node. */
  funcFromNode(node: SyntaxNode): Func {
    let f = this.localFuncs.get(node);
    if (f) return f;
    const owner = this.ownerClass(node);
    const fs = owner?.project?.cls.methods.get(textOf(field(node, 'name') ?? node, this.text));
    const top = !owner && this.module.functions.get(textOf(field(node, 'name') ?? node, this.text));
    const known = fs && fs.start === node.start ? fs : top && top.start === node.start ? top : null;
    f = this.projectFunc(this.module, known ?? summarizeFunction(node, this.text), owner ?? undefined, node, !known && !owner);
    this.localFuncs.set(node, f);
    return f;
  }

  private ownerClass(fnNode: SyntaxNode): Cls | null {
    let p = fnNode.parent;
    if (p?.type === 'decorated_definition') p = p.parent;
    if (p?.type === 'block' && p.parent?.type === 'class_definition') return this.classFromNode(p.parent);
    return null;
  }

  classFromNode(node: SyntaxNode): Cls {
    let c = this.localClasses.get(node);
    if (c) return c;
    const name = textOf(field(node, 'name') ?? node, this.text);
    const top = this.module.classes.get(name);
    const local = !(top && top.start === node.start);
    c = this.projectClass(this.module, local ? summarizeClass(node, this.text) : top!, local);
    this.localClasses.set(node, c);
    return c;
  }

  // ---- classes -------------------------------------------------------------------------

  /** Bases of a class, or null if any cannot be resolved. */
  bases(cls: Cls): Cls[] | null {
    if (cls.lib) {
      const out: Cls[] = [];
      for (const q of cls.lib.b ?? []) {
        const lc = libClass(q);
        if (lc) out.push({ qname: q, name: q.slice(q.lastIndexOf('.') + 1), lib: lc });
      }
      return out;
    }
    if (!cls.project) return null;
    const out: Cls[] = [];
    for (const b of cls.project.cls.bases) {
      if (!b) return null;
      const v = this.evalRefParts(b.parts, (n) => this.globalLookup(cls.project!.module, n));
      if (v?.k !== 'class') {
        // `Generic[T]`, `Protocol`: no behaviour we care about.
        if (v?.k === 'opaque' && /\.(Generic|Protocol)$/.test(v.qname)) continue;
        if (v?.k === 'func' && /^typing\.|typing_extensions\./.test(v.fn.qname)) continue;
        return null;
      }
      if (v.cls.qname === 'builtins.object' || v.cls.qname === 'typing.Generic' || v.cls.qname === 'typing.Protocol') continue;
      out.push(v.cls);
    }
    return out;
  }

  /** Linearised ancestors (depth-first, de-duplicated), or null if some base is unknown. */
  mro(cls: Cls): Cls[] | null {
    if (this.mroCache.has(cls.qname)) return this.mroCache.get(cls.qname)!;
    this.mroCache.set(cls.qname, null);
    const out: Cls[] = [cls];
    const seen = new Set([cls.qname]);
    let complete = true;
    const visit = (c: Cls, depth: number) => {
      if (depth > 30) { complete = false; return; }
      const bs = this.bases(c);
      if (!bs) { complete = false; return; }
      for (const b of bs) {
        if (seen.has(b.qname)) continue;
        seen.add(b.qname);
        out.push(b);
        visit(b, depth + 1);
      }
    };
    visit(cls, 0);
    const r = complete ? out : null;
    this.mroCache.set(cls.qname, r);
    return r;
  }

  /** Whether `cls` is or derives from a class with this canonical name (null: unknown). */
  derivesFrom(cls: Cls, qname: string): boolean | null {
    const chain = this.mroPartial(cls);
    if (chain.some((c) => c.qname === qname)) return true;
    return this.mro(cls) ? false : null;
  }

  /** Ancestors we can resolve, even if some are unknown. */
  mroPartial(cls: Cls): Cls[] {
    const out: Cls[] = [cls];
    const seen = new Set([cls.qname]);
    const visit = (c: Cls, depth: number) => {
      if (depth > 30) return;
      const bs = c.lib ? this.bases(c) : this.partialBases(c);
      for (const b of bs ?? []) {
        if (seen.has(b.qname)) continue;
        seen.add(b.qname);
        out.push(b);
        visit(b, depth + 1);
      }
    };
    visit(cls, 0);
    return out;
  }

  private partialBases(cls: Cls): Cls[] {
    if (!cls.project) return [];
    const out: Cls[] = [];
    for (const b of cls.project.cls.bases) {
      if (!b) continue;
      const v = this.evalRefParts(b.parts, (n) => this.globalLookup(cls.project!.module, n));
      if (v?.k === 'class') out.push(v.cls);
    }
    return out;
  }

  /** A method along the MRO: the function and the class defining it. */
  method(cls: Cls, name: string, after?: Cls): { fn: Func; owner: Cls } | 'unknown' | null {
    const chain = this.mro(cls);
    const list = chain ?? this.mroPartial(cls);
    let started = !after;
    for (const c of list) {
      if (!started) { if (c.qname === after!.qname) started = true; continue; }
      if (c.project) {
        const m = c.project.cls.methods.get(name);
        if (m) return { fn: this.projectFunc(c.project.module, m, c), owner: c };
        if (c.project.cls.attrs.has(name)) return 'unknown';
      } else if (c.lib) {
        const d = c.lib.m[name];
        if (d) return { fn: libFunc(`${c.qname}.${name}`, d, c), owner: c };
        if (c.lib.a?.[name]) return 'unknown';
      }
    }
    return chain ? null : 'unknown';
  }

  /** Which async/sync protocols instances of a class support, or null if unknown. */
  classProtocols(cls: Cls): Protocols | null {
    const chain = this.mro(cls);
    if (!chain) return null;
    const p: Protocols = { aenter: false, enter: false, aiter: false, iter: false, await: false };
    for (const c of chain) {
      if (c.lib) {
        const f = c.lib.f;
        if (f.includes('A')) p.aenter = true;
        if (f.includes('E')) p.enter = true;
        if (f.includes('I')) p.aiter = true;
        if (f.includes('T')) p.iter = true;
        if (f.includes('W')) p.await = true;
      } else if (c.project) {
        const m = c.project.cls.methods;
        const a = c.project.cls.attrs;
        const has = (n: string) => m.has(n) || a.has(n);
        if (has('__aenter__')) p.aenter = true;
        if (has('__enter__')) p.enter = true;
        if (has('__aiter__')) p.aiter = true;
        if (has('__iter__') || has('__getitem__')) p.iter = true;
        if (has('__await__')) p.await = true;
        if (has('__getattr__') || has('__getattribute__')) return null;
      }
    }
    return p;
  }

  /** Protocols of a value, or null if unknown. */
  protocols(v: Value | null): Protocols | null {
    if (!v) return null;
    const none: Protocols = { aenter: false, enter: false, aiter: false, iter: false, await: false };
    switch (v.k) {
      case 'inst': return this.classProtocols(v.cls);
      case 'coro': return { ...none, await: true };
      case 'aiter': return { ...none, aiter: true };
      case 'acm': return { ...none, aenter: true };
      case 'cm': return { ...none, enter: true };
      case 'func': case 'module': return none;
      default: return null;
    }
  }

  // ---- expressions ---------------------------------------------------------------------

  /** What an expression evaluates to, or null. */
  private depth = 0;

  evaluate(node: SyntaxNode | null): Value | null {
    if (!node) return null;
    if (this.exprCache.has(node)) return this.exprCache.get(node)!;
    this.exprCache.set(node, null);
    // Pathological nesting (`f()()()…` thousands deep) is not worth a stack overflow: unknown.
    if (this.depth > 400) return null;
    this.depth++;
    let v: Value | null;
    try { v = this.evaluateUncached(node); } finally { this.depth--; }
    this.exprCache.set(node, v);
    return v;
  }

  private evaluateUncached(node: SyntaxNode): Value | null {
    switch (node.type) {
      case 'identifier': return this.lookupName(textOf(node, this.text), node);
      case 'parenthesized_expression': { const inner = named(node)[0]; return inner && inner.type !== 'yield' ? this.evaluate(inner) : null; }
      case 'attribute': {
        const obj = this.evaluate(field(node, 'object'));
        const attr = field(node, 'attribute');
        return obj && attr ? this.attribute(obj, textOf(attr, this.text)) : null;
      }
      case 'call': {
        const fn = field(node, 'function');
        if (fn?.type === 'identifier' && textOf(fn, this.text) === 'super') {
          const callee = this.evaluate(fn);
          if (callee?.k === 'class' && callee.cls.qname === 'builtins.super') return this.superValue(node);
        }
        const callee = this.evaluate(fn);
        return callee ? this.callResult(callee, node) : null;
      }
      case 'list': case 'list_comprehension': return { k: 'nonawaitable', what: 'a list' };
      case 'tuple': return { k: 'nonawaitable', what: 'a tuple' };
      case 'dictionary': case 'dictionary_comprehension': return { k: 'nonawaitable', what: 'a dict' };
      case 'set': case 'set_comprehension': return { k: 'nonawaitable', what: 'a set' };
      case 'string': case 'concatenated_string': return { k: 'nonawaitable', what: 'a string' };
      case 'integer': case 'float': return { k: 'nonawaitable', what: 'a number' };
      case 'true': case 'false': return { k: 'nonawaitable', what: 'a bool' };
      case 'none': return { k: 'nonawaitable', what: 'None' };
      case 'lambda': return { k: 'nonawaitable', what: 'a lambda' };
      case 'await': {
        // The result of awaiting: only what a return annotation says.
        const inner = this.evaluate(named(node)[0] ?? null);
        if (inner?.k === 'coro' && inner.fn.project?.fn.returns) return this.evalRef(inner.fn.project.module, { ...inner.fn.project.fn.returns, ann: true });
        if (inner?.k === 'coro' && inner.fn.lib?.startsWith('a>')) return this.libReturn(inner.fn.lib.slice(2));
        return null;
      }
      case 'conditional_expression': {
        const parts = named(node);
        const a = this.evaluate(parts[0] ?? null), b = this.evaluate(parts[2] ?? null);
        return a && b && sameValue(a, b) ? a : null;
      }
      default: return null;
    }
  }

  /** What `with X as y` / `async with X as y` binds to y: the result of entering X. */
  enterValue(item: SyntaxNode): Value | null {
    let expr = field(item, 'value');
    if (expr?.type === 'as_pattern') expr = named(expr)[0] ?? null;
    const cm = this.evaluate(expr);
    if (cm?.k !== 'inst') return null;
    const stmt = item.parent?.parent;
    const isAsync = !!stmt && stmt.type === 'with_statement' && hasToken(stmt, 'async');
    const m = this.method(cm.cls, isAsync ? '__aenter__' : '__enter__');
    if (!m || m === 'unknown') return null;
    const fn = m.fn;
    if (fn.lib !== undefined) {
      if (isAsync) return fn.lib.startsWith('a>') ? this.libReturn(fn.lib.slice(2)) : null;
      return this.libReturn(fn.lib);
    }
    const r = fn.project?.fn.returns;
    return r ? this.evalRef(fn.project!.module, { ...r, ann: true }) : null;
  }

  /** A library object that does nothing until awaited or entered (aiohttp's `session.get()`). */
  isCoroutineWrapper(v: Value | null): boolean {
    return v?.k === 'inst' && !!v.cls.lib?.f.includes('C');
  }

  private superValue(call: SyntaxNode): Value | null {
    let fn: SyntaxNode | null = call;
    while (fn && fn.type !== 'function_definition') fn = fn.parent;
    if (!fn) return null;
    const owner = this.ownerClass(fn);
    if (!owner) return null;
    const args = named(field(call, 'arguments') ?? call).filter((c) => c.type !== 'comment');
    if (args.length === 2) {
      const c = this.evaluate(args[0]);
      if (c?.k !== 'class') return null;
      return { k: 'super', cls: c.cls, inst: true };
    }
    const isClassMethod = decoratorsOf(fn).some((d) => { const v = this.evaluate(d); return v?.k === 'class' && v.cls.qname === 'builtins.classmethod'; });
    return { k: 'super', cls: owner, inst: !isClassMethod };
  }

  /** `value.name`. */
  attribute(v: Value, name: string): Value | null {
    switch (v.k) {
      case 'module': return this.memberOfModule(v.name, name, this.file);
      case 'opaque': return { k: 'opaque', qname: `${v.qname}.${name}` };
      case 'inst': {
        const attr = this.instanceAttr(v.cls, name);
        if (attr !== undefined) return attr;
        const m = this.method(v.cls, name);
        if (!m || m === 'unknown') return null;
        // A decorated method we cannot model (`@property`, `@cached_property`…): the attribute's
        // value is unknown.
        if (m.fn.kind === 'unknown') return null;
        return { k: 'func', fn: m.fn, bound: true };
      }
      case 'class': {
        const m = this.method(v.cls, name);
        if (!m || m === 'unknown') {
          if (v.cls.project) { const a = this.instanceAttr(v.cls, name); if (a) return a; }
          return null;
        }
        return { k: 'func', fn: m.fn, bound: false };
      }
      case 'super': {
        const m = this.method(v.cls, name, v.cls);
        if (!m || m === 'unknown') return null;
        return { k: 'func', fn: m.fn, bound: true };
      }
      default: return null;
    }
  }

  /** Instance attribute type along the MRO; undefined if not an attribute, null if unknown. */
  private instanceAttr(cls: Cls, name: string): Value | null | undefined {
    const chain = this.mro(cls) ?? this.mroPartial(cls);
    for (const c of chain) {
      if (c.project) {
        if (c.project.cls.methods.has(name)) return undefined;
        if (c.project.cls.attrs.has(name)) {
          const r = c.project.cls.attrs.get(name);
          const key = `attr:${c.qname}.${name}`;
          if (!r || this.inProgress.has(key)) return null;
          this.inProgress.add(key);
          try { return this.evalRef(c.project.module, r); } finally { this.inProgress.delete(key); }
        }
      } else if (c.lib) {
        if (c.lib.m[name]) return undefined;
        const a = c.lib.a?.[name];
        if (a?.startsWith('i:')) {
          const lc = libClass(a.slice(2));
          return lc ? { k: 'inst', cls: { qname: a.slice(2), name: a.slice(a.lastIndexOf('.') + 1), lib: lc } } : null;
        }
      }
    }
    return undefined;
  }

  /** What calling `callee` returns. */
  callResult(callee: Value, _call: SyntaxNode | null): Value | null {
    switch (callee.k) {
      case 'func': return this.funcResult(callee.fn);
      case 'class': {
        // Calling a metaclass-driven or builtin type: only classes we model become instances.
        if (callee.cls.qname.startsWith('builtins.')) return null;
        return { k: 'inst', cls: callee.cls };
      }
      default: return null;
    }
  }

  funcResult(fn: Func): Value | null {
    switch (fn.kind) {
      case 'async': return { k: 'coro', fn };
      case 'asyncgen': return { k: 'aiter', fn };
      case 'unknown': return null;
      default: break;
    }
    if (fn.acm) return { k: 'acm', fn };
    if (fn.cm) return { k: 'cm', fn };
    if (fn.lib !== undefined) return this.libReturn(fn.lib);
    const p = fn.project?.fn;
    if (!p) return null;
    if (p.returns) return this.evalRef(fn.project!.module, { ...p.returns, ann: true });
    if (p.stub) return null;
    if (p.generator) return { k: 'nonawaitable', what: 'a generator' };
    if (!p.returnsValue && p.decorators.length === 0) return { k: 'nonawaitable', what: 'None' };
    return null;
  }

  libReturn(desc: string): Value | null {
    if (desc === 'w') return { k: 'awaitable' };
    if (desc === 'ai') return { k: 'aiter' };
    if (desc === 'n') return { k: 'nonawaitable', what: 'a non-awaitable value' };
    if (desc.startsWith('i:')) {
      const q = desc.slice(2);
      const c = libClass(q);
      return c ? { k: 'inst', cls: { qname: q, name: q.slice(q.lastIndexOf('.') + 1), lib: c } } : null;
    }
    return null;
  }

  /** Canonical name of what a call's callee denotes (function, `Class.method`, class), or null. */
  calleeName(call: SyntaxNode): string | null {
    const v = this.evaluate(field(call, 'function'));
    return v ? valueName(v) : null;
  }

  /** Whether the function node is a coroutine function body (async def, not a generator). */
  isAsyncGenerator(fn: SyntaxNode): boolean {
    return hasToken(fn, 'async') && containsYield(fn);
  }
}

export function libFunc(qname: string, desc: string, owner?: Cls): Func {
  const name = qname.slice(qname.lastIndexOf('.') + 1);
  if (desc === 'a' || desc.startsWith('a>')) return { qname, name, kind: 'async', lib: desc, owner };
  return { qname, name, kind: desc === '?' ? 'sync' : 'sync', lib: desc, owner };
}

/** Canonical dotted name of a value (for matching tables). */
export function valueName(v: Value): string | null {
  switch (v.k) {
    case 'func': return v.fn.qname;
    case 'class': return v.cls.qname;
    case 'module': return v.name;
    case 'opaque': return canonical(v.qname);
    default: return null;
  }
}

/** The qualified name of a definition nested in a function: unique per module and offset. */
function localQname(mod: ModuleSummary, name: string, start: number): string {
  return `${mod.module}.<locals>@${start}.${name}`;
}

function sameValue(a: Value, b: Value): boolean {
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'func': return a.fn.qname === (b as typeof a).fn.qname;
    case 'class': case 'inst': return a.cls.qname === (b as typeof a).cls.qname;
    case 'module': return a.name === (b as typeof a).name;
    case 'opaque': return a.qname === (b as typeof a).qname;
    case 'nonawaitable': return true;
    default: return false;
  }
}
