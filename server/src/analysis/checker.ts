/**
 * Runs the rules over one parsed file: a single pre-order walk dispatching each node to the
 * visitors of the enabled rules, then `# noqa` filtering and severity settings. A rule that
 * throws is logged with its name and skipped for the rest of the file; the others still report.
 */
import type { Fix, RuleSetting, Severity, Violation } from '../engine';
import { EditBuilder, type Span } from './edits';
import { enclosingFunction, isAsyncDef } from './nodes';
import type { ParsedFile, SyntaxNode } from './parser';
import { LineIndex } from './positions';
import { valueName, type Resolver } from './resolver';
import type { FixSpec, RuleContext, RuleDefinition, Visitor } from './rule';
import type { FileConfig } from './config';
import type { ModuleSummary } from './summary';

export interface CheckInput {
  file: string;
  parsed: ParsedFile;
  lines: LineIndex;
  module: ModuleSummary;
  resolver: Resolver;
  config: FileConfig;
  pythonVersion: [number, number];
  rules: RuleDefinition[];
  settings: Record<string, RuleSetting>;
  log: (message: string) => void;
}

const NOQA = /#\s*noqa(?::\s*([\w-]+(?:\s*,\s*[\w-]+)*))?/i;

/** Codes listed by `# noqa` comments per line: `true` for a bare `# noqa`. */
function noqaByLine(parsed: ParsedFile, lines: LineIndex): Map<number, true | Set<string>> {
  const out = new Map<number, true | Set<string>>();
  for (const c of parsed.comments) {
    const m = NOQA.exec(parsed.text.slice(c.start, c.end));
    if (!m) continue;
    const line = lines.lineOf(c.start);
    out.set(line, m[1] ? new Set(m[1].split(',').map((s) => s.trim().toLowerCase())) : true);
  }
  return out;
}

const EXPECTS = /^(unittest\.case\.TestCase\.assert(Raises|Warns)(Regex)?|pytest\.(raises|warns)|_pytest\.[\w.]*\.(raises|warns))$/;

/**
 * Code under `with self.assertRaises(…)` / `pytest.raises(…)` is meant to fail: tests of the
 * very misuse a rule flags (awaiting a Lock to check the TypeError) are not findings.
 */
function expectsFailure(node: SyntaxNode, resolver: Resolver): boolean {
  for (let p = node.parent; p && p.type !== 'function_definition' && p.type !== 'module'; p = p.parent) {
    if (p.type !== 'with_statement') continue;
    const clause = p.children.find((c) => c.type === 'with_clause');
    for (const item of clause?.children ?? []) {
      if (item.type !== 'with_item') continue;
      let v = item.children.find((c) => c.field === 'value') ?? null;
      if (v?.type === 'as_pattern') v = v.children.find((c) => c.named) ?? null;
      if (v?.type !== 'call') continue;
      const fnNode = v.children.find((c) => c.field === 'function') ?? null;
      const callee = resolver.evaluate(fnNode);
      const name = callee ? valueName(callee) : null;
      if (name && EXPECTS.test(name)) return true;
      // In a mixin later combined with TestCase, `self.assertRaises` cannot resolve; staying quiet
      // there only ever removes a finding.
      if (!callee && fnNode?.type === 'attribute') {
        const obj = fnNode.children.find((c) => c.field === 'object');
        const attr = fnNode.children.find((c) => c.field === 'attribute');
        if (obj?.type === 'identifier' && attr && resolver.evaluate(obj)?.k === 'inst'
          && /^assert(Raises|Warns)(Regex)?$/.test(resolver.text.slice(attr.start, attr.end))) return true;
      }
    }
  }
  return false;
}

export function runRules(input: CheckInput): Violation[] {
  const { parsed, lines, resolver, rules, settings, log } = input;
  const active = rules.filter((r) => settings[r.name]?.enabled !== false);
  const byType = new Map<string, { rule: RuleDefinition; visit: Visitor }[]>();
  for (const rule of active) {
    for (const [type, visit] of Object.entries(rule.visit)) {
      if (!visit) continue;
      const list = byType.get(type) ?? [];
      list.push({ rule, visit });
      byType.set(type, list);
    }
  }
  const out: Violation[] = [];
  const failed = new Set<string>();
  let current: RuleDefinition | null = null;
  /** The node being visited: where a report given as a bare span sits in the tree. */
  let visiting: SyntaxNode = parsed.root;
  const makeFix = (spec: FixSpec): Fix | null => {
    const e = new EditBuilder(parsed.text, lines, parsed.root, input.module);
    spec.edits(e);
    const edits = e.build();
    return edits.length ? { title: spec.title, safe: spec.safety === 'safe', edits } : null;
  };
  const ctx: RuleContext = {
    file: input.file,
    text: parsed.text,
    parsed,
    lines,
    resolver,
    config: input.config,
    pythonVersion: input.pythonVersion,
    report(at: Span, message: string, fixes?: (FixSpec | null)[]) {
      const rule = current!;
      if (rule.quietWhereRaiseExpected && expectsFailure('parent' in at ? at as SyntaxNode : visiting, resolver)) return;
      const severity: Severity = settings[rule.name]?.severity ?? rule.severity;
      const built = (fixes ?? []).filter((f): f is FixSpec => !!f).map((f) => makeFix(f)).filter((f): f is Fix => !!f);
      const v: Violation = { rule: rule.name, range: lines.rangeOf(at.start, at.end), message, severity, fix: built[0] ?? null };
      if (built.length > 1) v.otherFixes = built.slice(1);
      out.push(v);
    },
    evaluate: (node) => resolver.evaluate(node),
    calleeName: (call) => resolver.calleeName(call),
    enclosingFunction,
    insideAsyncDef: (node) => isAsyncDef(enclosingFunction(node)),
  };
  if (byType.size) {
    const stack: SyntaxNode[] = [parsed.root];
    while (stack.length) {
      const n = stack.pop()!;
      const visitors = byType.get(n.type);
      if (visitors) for (const { rule, visit } of visitors) {
        if (failed.has(rule.name)) continue;
        current = rule;
        visiting = n;
        try {
          visit(n, ctx);
        } catch (e) {
          failed.add(rule.name);
          log(`rule ${rule.name} failed on ${input.file}: ${(e as Error)?.stack ?? e}`);
        }
      }
      // Inside a syntax error the tree is a guess: report nothing there.
      if (n.type === 'ERROR') continue;
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
  }
  // Suppression: `# noqa` on the diagnostic's first line.
  const noqa = noqaByLine(parsed, lines);
  const overlaps = new Map(rules.map((r) => [r.name, new Set([r.name, ...r.overlaps].map((c) => c.toLowerCase()))]));
  const kept = out.filter((v) => {
    const n = noqa.get(v.range.start.line);
    if (!n) return true;
    if (n === true) return false;
    const codes = overlaps.get(v.rule)!;
    for (const c of n) if (codes.has(c)) return false;
    return true;
  });
  kept.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.rule.localeCompare(b.rule));
  return kept;
}
