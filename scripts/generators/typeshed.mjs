// Derives the standard library's async knowledge from the typeshed stubs that the pyright npm
// package ships (node_modules/pyright/dist/typeshed-fallback/stdlib), parsing the .pyi files with
// the same tree-sitter grammar the engine uses, and writes a compact table to
// server/src/analysis/library/typeshed.json (committed; `check: true` fails if it is stale).
//
// Recorded per function/method: 'a' async def (returns a coroutine; 'a>i:<class>' when awaiting
// it gives an instance of a known class), 'w' returns another
// awaitable (Coroutine/Awaitable), 'ai' returns an async iterator, 'n' returns something
// definitely not awaitable, 'i:<qualified class>' returns an instance, '?' unknown (TypeVars,
// unions, conflicting overloads). Per class: bases (emitted ones), methods, attribute types and
// protocol flags over the full MRO (A=__aenter__, E=__enter__, I=__aiter__, T=__iter__,
// W=__await__). Module export maps give the canonical (defining) name of every public name.
// It does not hand-copy anything and does not cover third-party libraries (see thirdParty.ts).
import fs from 'node:fs';
import path from 'node:path';
import { Language, Parser } from 'web-tree-sitter';

const OUT = 'server/src/analysis/library/typeshed.json';

/** Modules whose public API the engine needs (blocking calls, test bases, context managers). */
const INTEREST = [
  'asyncio', 'time', 'subprocess', 'os', 'os.path', 'socket', 'threading', 'queue', 'concurrent.futures',
  'sqlite3', 'smtplib', 'urllib.request', 'http.client', 'pathlib', 'shutil', 'hashlib', 'unittest',
  'unittest.mock', 'contextlib', 'functools', 'ssl', 'select', 'selectors', 'typing', 'collections.abc',
  'types', 'builtins', 'signal', 'atexit', 'multiprocessing', 'io', 'json', 'logging', 'random', 'sys',
];
const NON_AWAITABLE = new Set(['None', 'bool', 'int', 'float', 'complex', 'str', 'bytes', 'bytearray', 'list', 'dict',
  'set', 'frozenset', 'tuple', 'NoReturn', 'Never', 'Literal', 'LiteralString', 'memoryview', 'range', 'type', 'TypeGuard', 'TypeIs']);
const AWAITABLE = new Set(['typing.Coroutine', 'collections.abc.Coroutine', 'typing.Awaitable', 'collections.abc.Awaitable']);
const ASYNC_ITER = new Set(['typing.AsyncIterator', 'collections.abc.AsyncIterator', 'typing.AsyncGenerator',
  'collections.abc.AsyncGenerator', 'typing.AsyncIterable', 'collections.abc.AsyncIterable']);
const SYNC_ITER = new Set(['typing.Iterator', 'collections.abc.Iterator', 'typing.Generator', 'collections.abc.Generator',
  'typing.Iterable', 'collections.abc.Iterable']);
const FLAG_METHODS = { __aenter__: 'A', __enter__: 'E', __aiter__: 'I', __iter__: 'T', __await__: 'W' };

export async function generate({ root, check }) {
  const pyrightDir = path.join(root, 'node_modules', 'pyright');
  const stdlib = path.join(pyrightDir, 'dist', 'typeshed-fallback', 'stdlib');
  if (!fs.existsSync(stdlib)) {
    if (check) throw new Error('typeshed stubs not found: install dev dependencies (pyright)');
    return;
  }
  await Parser.init();
  const lang = await Language.load(fs.readFileSync(path.join(root, 'node_modules', 'tree-sitter-python', 'tree-sitter-python.wasm')));
  const parser = new Parser();
  parser.setLanguage(lang);

  const modules = new Map();
  const fileOf = (mod) => {
    const base = path.join(stdlib, ...mod.split('.'));
    if (fs.existsSync(base + '.pyi')) return base + '.pyi';
    if (fs.existsSync(path.join(base, '__init__.pyi'))) return path.join(base, '__init__.pyi');
    return null;
  };
  const load = (mod) => {
    if (modules.has(mod)) return modules.get(mod);
    const file = fileOf(mod);
    if (!file) { modules.set(mod, null); return null; }
    const text = fs.readFileSync(file, 'utf8');
    const tree = parser.parse(text);
    const m = scanModule(tree.rootNode, mod, file.endsWith('__init__.pyi'));
    tree.delete();
    modules.set(mod, m);
    return m;
  };

  /** Canonical target of `name` looked up in module `mod`: { q, kind } or null. */
  const resolve = (mod, name, seen = new Set()) => {
    const key = mod + ':' + name;
    if (seen.has(key)) return null;
    seen.add(key);
    const m = load(mod);
    if (!m) return null;
    const d = m.defs.get(name);
    if (d) {
      if (d.kind === 'func' || d.kind === 'class') return { q: `${mod}.${name}`, kind: d.kind, mod, name };
      if (d.kind === 'import') {
        if (d.name) return resolve(d.module, d.name, seen) ?? (fileOf(`${d.module}.${d.name}`) ? { q: `${d.module}.${d.name}`, kind: 'module' } : null);
        return fileOf(d.module) ? { q: d.module, kind: 'module' } : null;
      }
      if (d.kind === 'alias') return d.target.length === 1 ? resolve(mod, d.target[0], seen) : resolveDotted(mod, d.target);
      return { q: `${mod}.${name}`, kind: 'other' };
    }
    for (const star of m.stars) {
      const sm = load(star);
      if (!sm) continue;
      if (sm.all ? sm.all.has(name) : (!name.startsWith('_') && (sm.defs.has(name) || sm.stars.length))) {
        const r = resolve(star, name, seen);
        if (r) return r;
      }
    }
    return null;
  };
  const resolveDotted = (mod, parts) => {
    let r = resolve(mod, parts[0]);
    for (const p of parts.slice(1)) {
      if (!r || r.kind !== 'module') return null;
      r = resolve(r.q, p) ?? (fileOf(`${r.q}.${p}`) ? { q: `${r.q}.${p}`, kind: 'module' } : null);
    }
    return r;
  };

  /** Protocol flags of a class over its full MRO. */
  const flagMemo = new Map();
  const classFlags = (q) => {
    if (flagMemo.has(q)) return flagMemo.get(q);
    flagMemo.set(q, '');
    const i = q.lastIndexOf('.');
    const m = load(q.slice(0, i));
    const c = m?.defs.get(q.slice(i + 1));
    let flags = '';
    if (c?.kind === 'class') {
      for (const [meth, f] of Object.entries(FLAG_METHODS)) if (c.methods.has(meth)) flags += f;
      for (const b of c.bases) {
        const r = resolveDotted(q.slice(0, i), b);
        if (r?.kind === 'class') for (const f of classFlags(r.q)) if (!flags.includes(f)) flags += f;
      }
    }
    const sorted = [...flags].sort().join('');
    flagMemo.set(q, sorted);
    return sorted;
  };

  const emittedClasses = new Set();
  const annDesc = (mod, ann, clsQ) => {
    if (!ann) return '?';
    if (ann.kind === 'none') return 'n';
    if (ann.kind === 'union') {
      const ds = ann.items.map((a) => annDesc(mod, a, clsQ)).filter((d) => d !== 'n' || ann.items.length === 1);
      const real = ann.items.filter((a) => a.kind !== 'none');
      if (real.length === 1) return annDesc(mod, real[0], clsQ);
      return ds.every((d) => d === 'n') ? 'n' : '?';
    }
    if (ann.kind !== 'name') return '?';
    const head = ann.parts;
    if (head.length === 1 && head[0] === 'Self') return clsQ ? `i:${clsQ}` : '?';
    if (head.length === 1 && NON_AWAITABLE.has(head[0]) && !load(mod)?.defs.has(head[0])) return 'n';
    const r = resolveDotted(mod, head);
    if (!r) return '?';
    if (r.q.startsWith('builtins.') && NON_AWAITABLE.has(r.q.slice(9))) return 'n';
    if (AWAITABLE.has(r.q)) return 'w';
    if (ASYNC_ITER.has(r.q)) return 'ai';
    if (SYNC_ITER.has(r.q)) return 'n';
    if (r.kind !== 'class' || r.q === 'typing.Any' || r.q === 'builtins.object') return '?';
    return `c:${r.q}`;
  };

  const combine = (descs) => {
    const u = [...new Set(descs)];
    return u.length === 1 ? u[0] : '?';
  };

  // Exports of the modules of interest (every asyncio submodule too).
  const interest = [...INTEREST];
  for (const f of fs.readdirSync(path.join(stdlib, 'asyncio'))) if (f.endsWith('.pyi') && f !== '__init__.pyi') interest.push(`asyncio.${f.slice(0, -4)}`);
  for (const f of fs.readdirSync(path.join(stdlib, 'concurrent', 'futures'))) if (f.endsWith('.pyi') && f !== '__init__.pyi') interest.push(`concurrent.futures.${f.slice(0, -4)}`);
  interest.push('unittest.case', 'unittest.async_case', 'urllib.error', 'sqlite3.dbapi2');
  const out = { generatedBy: 'scripts/generators/typeshed.mjs', pyright: '', typeshedCommit: '', stdlib: [], modules: {}, functions: {}, classes: {} };
  // Top-level standard-library modules (typeshed's VERSIONS): imports of these are library
  // imports, never workspace files, unless the table describes them nothing is known.
  out.stdlib = [...new Set(fs.readFileSync(path.join(stdlib, 'VERSIONS'), 'utf8').split('\n')
    .map((l) => /^([A-Za-z_][\w]*)(\.[\w.]+)?:/.exec(l.trim())?.[1]).filter(Boolean))].sort();
  out.pyright = JSON.parse(fs.readFileSync(path.join(pyrightDir, 'package.json'), 'utf8')).version;
  const commitFile = path.join(pyrightDir, 'dist', 'typeshed-fallback', 'commit.txt');
  out.typeshedCommit = fs.existsSync(commitFile) ? fs.readFileSync(commitFile, 'utf8').trim() : 'unknown';

  const toEmit = [];
  const builtinClasses = new Set();
  for (const mod of interest.sort()) {
    const m = load(mod);
    if (!m) continue;
    const names = new Set();
    for (const n of m.defs.keys()) if (!n.startsWith('_')) names.add(n);
    if (m.all) for (const n of m.all) names.add(n);
    for (const star of m.stars) {
      const sm = load(star);
      if (!sm) continue;
      for (const n of sm.all ?? [...sm.defs.keys()].filter((k) => !k.startsWith('_'))) names.add(n);
    }
    const exports = {};
    for (const n of [...names].sort()) {
      const d = m.defs.get(n);
      // Stub imports are private unless re-exported (`import x as x`, `__all__`, star).
      if (d?.kind === 'import' && !d.reexport && !(m.all?.has(n))) continue;
      const r = resolve(mod, n);
      if (!r || r.kind === 'other') continue;
      exports[n] = r.q;
      // Builtin classes are recorded without methods (names and protocol flags only).
      if (mod === 'builtins' && r.kind === 'class') { builtinClasses.add(r.q); continue; }
      if (r.kind !== 'module') toEmit.push(r);
    }
    out.modules[mod] = exports;
  }
  // Classes referenced as bases of emitted classes are emitted too (method lookup walks them).
  const seenQ = new Set();
  while (toEmit.length) {
    const r = toEmit.pop();
    if (seenQ.has(r.q)) continue;
    seenQ.add(r.q);
    const i = r.q.lastIndexOf('.');
    const mod = r.q.slice(0, i), name = r.q.slice(i + 1);
    const d = load(mod)?.defs.get(name);
    if (!d) continue;
    if (d.kind === 'class') {
      emittedClasses.add(r.q);
      for (const b of d.bases) {
        const br = resolveDotted(mod, b);
        if (br?.kind === 'class' && !br.q.startsWith('builtins.') && !br.q.startsWith('typing.') && !br.q.startsWith('collections.abc.')) toEmit.push(br);
      }
    }
  }
  // `async def` returning an instance: 'a>i:<class>' (what `await` gives), else plain 'a'.
  const asyncDesc = (mod, s, clsQ) => {
    const r = annDesc(mod, s.ret, clsQ);
    return r.startsWith('c:') || r.startsWith('i:') ? `a>${r}` : 'a';
  };
  const finish = (desc) => {
    if (desc.startsWith('a>')) {
      const inner = finish(desc.slice(2));
      return inner.startsWith('i:') ? `a>${inner}` : 'a';
    }
    if (!desc.startsWith('c:')) return desc;
    const q = desc.slice(2);
    if (emittedClasses.has(q)) return `i:${q}`;
    return classFlags(q).includes('W') ? 'w' : 'n';
  };
  for (const q of [...seenQ].sort()) {
    const i = q.lastIndexOf('.');
    const mod = q.slice(0, i), name = q.slice(i + 1);
    const d = load(mod).defs.get(name);
    if (d.kind === 'func') out.functions[q] = finish(combine(d.sigs.map((s) => s.async ? asyncDesc(mod, s, null) : annDesc(mod, s.ret, null))));
    else if (d.kind === 'class') {
      const c = { b: [], m: {}, f: classFlags(q) };
      for (const b of d.bases) {
        const br = resolveDotted(mod, b);
        if (br && emittedClasses.has(br.q)) c.b.push(br.q);
      }
      for (const [mn, sigs] of [...d.methods].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        if (mn.startsWith('_') && !mn.startsWith('__')) continue;
        c.m[mn] = finish(combine(sigs.map((s) => s.async ? asyncDesc(mod, s, q) : annDesc(mod, s.ret, q))));
      }
      const attrs = {};
      for (const [an, ann] of [...d.attrs].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        const desc = finish(annDesc(mod, ann, q));
        if (desc.startsWith('i:')) attrs[an] = desc;
      }
      if (Object.keys(attrs).length) c.a = attrs;
      if (!c.b.length) delete c.b;
      out.classes[q] = c;
    }
  }
  for (const q of [...builtinClasses].sort()) out.classes[q] = { m: {}, f: classFlags(q) };
  const json = JSON.stringify(out, null, 0).replace(/\],"/g, '],\n"').replace(/\},"/g, '},\n"') + '\n';
  const target = path.join(root, OUT);
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
  if (current === json) return;
  if (check) throw new Error(`${OUT} is stale: run \`npm run build\` (scripts/generators/typeshed.mjs)`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, json);
}

// --- stub scanning ------------------------------------------------------------------------

function childByField(node, name) { return node.childForFieldName(name); }

function dotted(node) {
  if (!node) return null;
  if (node.type === 'identifier') return [node.text];
  if (node.type === 'attribute') {
    const o = dotted(childByField(node, 'object'));
    const a = childByField(node, 'attribute');
    return o && a ? [...o, a.text] : null;
  }
  return null;
}

/** A return annotation as data: none, a (possibly generic) name, or a union. */
function annotation(node) {
  if (!node) return null;
  if (node.type === 'type') return annotation(node.namedChildren[0]);
  if (node.type === 'none' || node.text === 'None') return { kind: 'none' };
  if (node.type === 'binary_operator' && node.children.some((c) => c.type === '|')) {
    return { kind: 'union', items: [annotation(childByField(node, 'left')), annotation(childByField(node, 'right'))].flatMap((a) => (a?.kind === 'union' ? a.items : [a])) };
  }
  if (node.type === 'generic_type') return annotation(node.namedChildren[0]);
  if (node.type === 'subscript') return annotation(childByField(node, 'value'));
  const parts = dotted(node);
  return parts ? { kind: 'name', parts } : null;
}

function relative(mod, isPackage, level, rest) {
  const parts = mod.split('.');
  if (!isPackage) parts.pop();
  for (let i = 1; i < level; i++) parts.pop();
  if (rest) parts.push(...rest.split('.'));
  return parts.join('.');
}

/** Statements of a block, entering if/else and try (stubs guard by version and platform). */
function statements(block) {
  const out = [];
  for (const c of block.namedChildren) {
    if (['if_statement', 'else_clause', 'elif_clause', 'try_statement', 'except_clause', 'finally_clause', 'block'].includes(c.type)) out.push(...statements(c));
    else out.push(c);
  }
  return out;
}

function funcSig(def) {
  return { async: def.children.some((c) => c.type === 'async'), ret: annotation(childByField(def, 'return_type')) };
}

function unwrapDecorated(stmt) {
  if (stmt.type !== 'decorated_definition') return { def: stmt, decorators: [] };
  return {
    def: childByField(stmt, 'definition'),
    decorators: stmt.namedChildren.filter((c) => c.type === 'decorator').map((d) => d.namedChildren[0]?.text ?? ''),
  };
}

function scanModule(rootNode, mod, isPackage) {
  const defs = new Map();
  const stars = [];
  let all = null;
  for (const stmt of statements(rootNode)) {
    const { def, decorators } = unwrapDecorated(stmt);
    if (!def) continue;
    if (def.type === 'function_definition') {
      const name = childByField(def, 'name')?.text;
      if (!name) continue;
      const d = defs.get(name)?.kind === 'func' ? defs.get(name) : { kind: 'func', sigs: [] };
      d.sigs.push(funcSig(def));
      defs.set(name, d);
    } else if (def.type === 'class_definition') {
      const name = childByField(def, 'name')?.text;
      if (!name) continue;
      const bases = [];
      const sup = childByField(def, 'superclasses');
      if (sup) for (const b of sup.namedChildren) {
        const head = b.type === 'subscript' ? childByField(b, 'value') : b.type === 'generic_type' ? b.namedChildren[0] : b;
        const parts = dotted(head);
        if (parts && !['Generic', 'Protocol', 'object'].includes(parts[parts.length - 1])) bases.push(parts);
      }
      const methods = new Map(), attrs = new Map();
      const body = childByField(def, 'body');
      if (body) for (const s of statements(body)) {
        const u = unwrapDecorated(s);
        if (u.def?.type === 'function_definition') {
          const mn = childByField(u.def, 'name')?.text;
          if (!mn) continue;
          if (u.decorators.some((x) => x === 'property' || x.endsWith('.setter') || x.endsWith('.deleter'))) {
            if (u.decorators.includes('property')) attrs.set(mn, annotation(childByField(u.def, 'return_type')));
            continue;
          }
          if (!methods.has(mn)) methods.set(mn, []);
          methods.get(mn).push(funcSig(u.def));
        } else if (s.type === 'expression_statement') {
          const a = s.namedChildren[0];
          if (a?.type === 'assignment' && childByField(a, 'left')?.type === 'identifier' && childByField(a, 'type')) {
            attrs.set(childByField(a, 'left').text, annotation(childByField(a, 'type')));
          }
        }
      }
      if (!defs.has(name) || defs.get(name).kind !== 'class') defs.set(name, { kind: 'class', bases, methods, attrs });
      else for (const [k, v] of methods) defs.get(name).methods.set(k, [...(defs.get(name).methods.get(k) ?? []), ...v]);
      void decorators;
    } else if (def.type === 'import_statement') {
      for (const c of def.namedChildren) {
        if (c.type === 'dotted_name') { const first = c.text.split('.')[0]; defs.set(first, { kind: 'import', module: first }); }
        else if (c.type === 'aliased_import') {
          const nm = childByField(c, 'name')?.text, al = childByField(c, 'alias')?.text;
          if (nm && al) defs.set(al, { kind: 'import', module: nm, reexport: nm === al });
        }
      }
    } else if (def.type === 'import_from_statement') {
      const mn = childByField(def, 'module_name');
      if (!mn) continue;
      let from;
      if (mn.type === 'relative_import') {
        const prefix = mn.namedChildren.find((c) => c.type === 'import_prefix');
        const rest = mn.namedChildren.find((c) => c.type === 'dotted_name');
        from = relative(mod, isPackage, prefix ? prefix.text.length : 0, rest?.text ?? '');
      } else from = mn.text;
      if (def.namedChildren.some((c) => c.type === 'wildcard_import')) { stars.push(from); continue; }
      for (const c of def.childrenForFieldName('name')) {
        if (!c) continue;
        if (c.type === 'dotted_name') defs.set(c.text, { kind: 'import', module: from, name: c.text });
        else if (c.type === 'aliased_import') {
          const nm = childByField(c, 'name')?.text, al = childByField(c, 'alias')?.text;
          if (nm && al) defs.set(al, { kind: 'import', module: from, name: nm, reexport: nm === al });
        }
      }
    } else if (def.type === 'expression_statement') {
      const a = def.namedChildren[0];
      if (a?.type === 'augmented_assignment' && childByField(a, 'left')?.text === '__all__') {
        all = all ?? new Set();
        for (const s of childByField(a, 'right')?.descendantsOfType('string_content') ?? []) if (s) all.add(s.text);
        continue;
      }
      if (a?.type !== 'assignment') continue;
      const left = childByField(a, 'left'), right = childByField(a, 'right');
      if (left?.type !== 'identifier') continue;
      if (left.text === '__all__' && right) {
        all = all ?? new Set();
        for (const s of right.descendantsOfType('string_content')) if (s) all.add(s.text);
        continue;
      }
      const target = !childByField(a, 'type') ? dotted(right) : null;
      if (target) { if (!defs.has(left.text)) defs.set(left.text, { kind: 'alias', target }); }
      else if (!defs.has(left.text)) defs.set(left.text, { kind: 'var' });
    }
  }
  return { defs, stars, all };
}
