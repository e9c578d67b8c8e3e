/**
 * ## What it does
 * Flags an async test, hook or fixture that its runner never awaits: `async def test_*` in a
 * `unittest.TestCase` that is not an `IsolatedAsyncioTestCase`; `async def setUp`/`tearDown`
 * (even there: the async hooks are `asyncSetUp`/`asyncTearDown`); pytest async tests when no
 * async plugin is configured; and, in pytest-asyncio's strict mode, unmarked async tests and
 * async fixtures declared with `@pytest.fixture`. "No plugin" is only said when the project's
 * files (a pytest config or a dependency manifest) are there to tell, and never when a
 * `conftest.py` runs test functions itself (`pytest_pyfunc_call`).
 *
 * ## Why is this bad?
 * The runner calls the function, gets a coroutine, and drops it: the test "passes" without
 * running (unittest prints OK with a DeprecationWarning; pytest skips it, or fails it since 8.4).
 *
 * ## Example
 * ```python
 * import unittest
 *
 * class KilnTests(unittest.TestCase):
 *     async def test_reaches_setpoint(self):
 *         ...
 * ```
 *
 * ## Use instead
 * ```python
 * import unittest
 *
 * class KilnTests(unittest.IsolatedAsyncioTestCase):
 *     async def test_reaches_setpoint(self):
 *         ...
 * ```
 *
 * ## Fix safety
 * Unsafe: the test now runs, and may fail.
 */
import { defineRule, type FixSpec, type RuleContext } from '../analysis/rule';
import { canonical } from '../analysis/library';
import { matchesPythonFiles } from '../analysis/config';
import { decoratorsOf, dottedParts, field, hasToken, named, textOf, tokenNode } from '../analysis/nodes';
import type { SyntaxNode } from '../analysis/parser';
import type { Value } from '../analysis/resolver';
import path from 'node:path';

let testCaseQ: string | null = null;
let isolatedQ: string | null = null;

/** `pytest.mark.asyncio` → 'pytest.mark.asyncio', following how the file imports pytest. */
function pytestName(expr: SyntaxNode | null, ctx: RuleContext): string | null {
  if (!expr) return null;
  const target = expr.type === 'call' ? field(expr, 'function') : expr;
  const parts = dottedParts(target, ctx.text);
  if (!parts) return null;
  const head: Value | null = ctx.resolver.lookupName(parts[0], expr);
  let base: string | null = null;
  if (head?.k === 'module') base = head.name;
  else if (head?.k === 'opaque') base = head.qname;
  if (!base || !/^(pytest|_pytest|pytest_asyncio)(\.|$)/.test(base)) return null;
  return [base, ...parts.slice(1)].join('.');
}

interface Marks { asyncio: boolean; anyio: boolean; unknown: boolean; fixture: SyntaxNode | null }

function marksOf(def: SyntaxNode, ctx: RuleContext): Marks {
  const m: Marks = { asyncio: false, anyio: false, unknown: false, fixture: null };
  for (const d of decoratorsOf(def)) {
    const n = pytestName(d, ctx);
    if (!n) { m.unknown = true; continue; }
    if (/^pytest\.mark\.asyncio$/.test(n)) m.asyncio = true;
    else if (/^pytest\.mark\.(anyio|trio)$/.test(n)) m.anyio = true;
    else if (n === 'pytest.fixture' || n === '_pytest.fixtures.fixture') m.fixture = d;
    else if (n === 'pytest_asyncio.fixture') m.asyncio = true;
  }
  return m;
}

/** Markers from a `pytestmark = …` value (one mark or a list of them). */
function pytestmarkValue(value: SyntaxNode | null, ctx: RuleContext, m: Marks): void {
  if (!value) return;
  const items = value.type === 'list' || value.type === 'tuple' ? named(value) : [value];
  for (const it of items) {
    const n = pytestName(it, ctx);
    if (n === 'pytest.mark.asyncio') m.asyncio = true;
    if (n && /^pytest\.mark\.(anyio|trio)$/.test(n)) m.anyio = true;
  }
}

function blockMarks(block: SyntaxNode | null, ctx: RuleContext, m: Marks): void {
  if (!block) return;
  for (const stmt of named(block)) {
    if (stmt.type !== 'expression_statement') continue;
    const a = named(stmt)[0];
    if (a?.type !== 'assignment') continue;
    const left = field(a, 'left');
    if (left?.type === 'identifier' && textOf(left, ctx.text) === 'pytestmark') pytestmarkValue(field(a, 'right'), ctx, m);
  }
}

/** The file uses pytest-asyncio or its marker somewhere (then the plugin is evidently in use). */
function fileUsesAsyncioPlugin(ctx: RuleContext): boolean {
  for (const b of ctx.resolver.module.imports.values()) if (b.module === 'pytest_asyncio' || b.module.startsWith('pytest_asyncio.')) return true;
  return false;
}

/** Inserts `@pytest.mark.<mark>` above the function (and its decorators). */
function markFix(def: SyntaxNode, mark: 'asyncio' | 'anyio'): FixSpec {
  return {
    title: `Add \`@pytest.mark.${mark}\``,
    safety: 'unsafe',
    edits: (e) => {
      const top = def.parent?.type === 'decorated_definition' ? def.parent : def;
      e.insert(top.start, `@${e.importModule('pytest')}.mark.${mark}${e.eol}${e.indentAt(top.start)}`);
    },
  };
}

function unittestCheck(def: SyntaxNode, classNode: SyntaxNode, name: string, ctx: RuleContext, at: { start: number; end: number }): boolean {
  testCaseQ ??= canonical('unittest.TestCase');
  isolatedQ ??= canonical('unittest.IsolatedAsyncioTestCase');
  const cls = ctx.resolver.classFromNode(classNode);
  const isTestCase = ctx.resolver.derivesFrom(cls, testCaseQ);
  if (isTestCase !== true) return isTestCase === null;
  const isolated = ctx.resolver.derivesFrom(cls, isolatedQ);
  // A decorator that runs the coroutine itself (or one we do not know) makes it not our case.
  if (ctx.resolver.funcFromNode(def).kind !== 'async') return true;
  const hook = name === 'setUp' || name === 'tearDown';
  if (!hook && (!name.startsWith('test') || isolated !== false)) return true;
  // The base to rewrite: a direct base resolving to unittest.TestCase.
  const sup = field(classNode, 'superclasses');
  const baseNode = sup ? named(sup).find((b) => { const v = ctx.evaluate(b); return v?.k === 'class' && v.cls.qname === testCaseQ; }) : undefined;
  const rebase = (e: Parameters<FixSpec['edits']>[0]) => { if (baseNode && isolated === false) e.replace(baseNode, e.importName('unittest', 'IsolatedAsyncioTestCase')); };
  const fixes: (FixSpec | null)[] = [];
  if (hook) {
    const nameNode = field(def, 'name')!;
    const asyncName = name === 'setUp' ? 'asyncSetUp' : 'asyncTearDown';
    if (isolated !== false || baseNode) {
      fixes.push({ title: `Rename to \`${asyncName}\`${isolated === false ? ' in an `IsolatedAsyncioTestCase`' : ''}`, safety: 'unsafe', edits: (e) => { e.replace(nameNode, asyncName); rebase(e); } });
    }
    ctx.report(at, `\`async def ${name}\` is never awaited by unittest; use \`${asyncName}\`${isolated === false ? ' in an `IsolatedAsyncioTestCase`' : ''}`, fixes);
    return true;
  }
  if (baseNode) {
    fixes.push({
      title: 'Derive from `unittest.IsolatedAsyncioTestCase`',
      safety: 'unsafe',
      edits: (e) => {
        rebase(e);
        // Async hooks of the class must be renamed with it.
        const body = field(classNode, 'body');
        for (const stmt of body ? named(body) : []) {
          const d = stmt.type === 'decorated_definition' ? field(stmt, 'definition') : stmt;
          if (d?.type !== 'function_definition' || !hasToken(d, 'async')) continue;
          const nn = field(d, 'name');
          const n = nn ? textOf(nn, ctx.text) : '';
          if (nn && (n === 'setUp' || n === 'tearDown')) e.replace(nn, n === 'setUp' ? 'asyncSetUp' : 'asyncTearDown');
        }
      },
    });
  }
  ctx.report(at, `Async test \`${name}\` in a \`unittest.TestCase\` is never awaited: it passes without running`, fixes);
  return true;
}

export default defineRule({
  name: 'async-test-never-run',
  severity: 'error',
  summary: 'An async test, hook or fixture is never awaited by its runner, so it passes without running.',
  fix: 'sometimes',
  overlaps: ['reportIncompatibleMethodOverride', 'override'],
  visit: {
    function_definition(node, ctx) {
      const asyncTok = tokenNode(node, 'async');
      const nameNode = field(node, 'name');
      if (!asyncTok || !nameNode) return;
      const name = textOf(nameNode, ctx.text);
      const at = { start: asyncTok.start, end: nameNode.end };
      let owner = node.parent;
      if (owner?.type === 'decorated_definition') owner = owner.parent;
      const classNode = owner?.type === 'block' && owner.parent?.type === 'class_definition' ? owner.parent : null;
      if (classNode && unittestCheck(node, classNode, name, ctx, at)) return;
      if (!classNode && owner?.type !== 'module') return;
      // pytest: test files (python_files) and conftest.py.
      const pytest = ctx.config.pytest;
      const isConftest = path.basename(ctx.file) === 'conftest.py';
      if (!isConftest && !matchesPythonFiles(ctx.file, pytest.pythonFiles)) return;
      if (classNode && !/^Test/.test(textOf(field(classNode, 'name') ?? classNode, ctx.text))) return;
      // A runner plugin we do not model decides for itself.
      if (pytest.otherPlugin) return;
      const marks = marksOf(node, ctx);
      if (marks.unknown) return;
      const scopeMarks: Marks = { asyncio: false, anyio: false, unknown: false, fixture: null };
      blockMarks(ctx.parsed.root, ctx, scopeMarks);
      if (classNode) {
        const cm = marksOf(classNode, ctx);
        if (cm.unknown) return;
        scopeMarks.asyncio ||= cm.asyncio; scopeMarks.anyio ||= cm.anyio;
        blockMarks(field(classNode, 'body'), ctx, scopeMarks);
      }
      const asyncioPlugin = pytest.asyncioPlugin || fileUsesAsyncioPlugin(ctx) || marks.asyncio || scopeMarks.asyncio;
      const anyioPlugin = pytest.anyioPlugin || marks.anyio || scopeMarks.anyio;
      const isTest = name.startsWith('test') && !marks.fixture;
      if (!isTest && !marks.fixture) return;
      // Without the project's files (an installed package's tests) a plugin's absence is unknown.
      if (!asyncioPlugin && !anyioPlugin && !pytest.projectSeen) return;
      if (marks.fixture) {
        if (asyncioPlugin && pytest.mode === 'auto') return;
        if (!asyncioPlugin && anyioPlugin) return;
        const fixtureNode = marks.fixture;
        const target = fixtureNode.type === 'call' ? field(fixtureNode, 'function')! : fixtureNode;
        ctx.report(at, asyncioPlugin
          ? `Async fixture \`${name}\` uses \`@pytest.fixture\`; in pytest-asyncio strict mode it must be \`@pytest_asyncio.fixture\``
          : `Async fixture \`${name}\` needs an async plugin (pytest-asyncio or anyio); none is configured`,
        [asyncioPlugin ? { title: 'Use `@pytest_asyncio.fixture`', safety: 'unsafe', edits: (e) => { e.replace(target, `${e.importModule('pytest_asyncio')}.fixture`); } } : null]);
        return;
      }
      if (marks.asyncio || marks.anyio || scopeMarks.asyncio || scopeMarks.anyio) return;
      if (asyncioPlugin) {
        if (pytest.mode === 'auto') return;
        ctx.report(at, `Async test \`${name}\` has no \`@pytest.mark.asyncio\`; pytest-asyncio's strict mode does not run it`, [markFix(node, 'asyncio')]);
        return;
      }
      if (anyioPlugin) {
        ctx.report(at, `Async test \`${name}\` has no \`@pytest.mark.anyio\`; the anyio plugin does not run it`, [markFix(node, 'anyio')]);
        return;
      }
      ctx.report(at, `Async test \`${name}\` needs an async plugin (pytest-asyncio or anyio); none is configured, so pytest does not run it`, []);
    },
  },
});
