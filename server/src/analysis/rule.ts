/**
 * The rule framework: what a rule file exports (`defineRule`) and the context its visitors get.
 * A rule visits node types; it reports a node with a message and optional fixes whose edits are
 * built lazily with an EditBuilder. Rules never see LSP types beyond the engine's plain ones.
 */
import type { Severity } from '../engine';
import type { EditBuilder, Span } from './edits';
import type { SyntaxNode, ParsedFile } from './parser';
import type { Resolver, Value } from './resolver';
import type { FileConfig } from './config';
import type { LineIndex } from './positions';

export interface FixSpec {
  title: string;
  safety: 'safe' | 'unsafe';
  edits: (e: EditBuilder) => void;
}

export interface RuleContext {
  readonly file: string;
  readonly text: string;
  readonly parsed: ParsedFile;
  readonly lines: LineIndex;
  readonly resolver: Resolver;
  readonly config: FileConfig;
  /** Reports a problem at a node or span; the first fix is the preferred one. */
  report(at: Span, message: string, fixes?: (FixSpec | null)[]): void;
  evaluate(node: SyntaxNode | null): Value | null;
  /** Canonical name of what a call invokes, or null if unresolved. */
  calleeName(call: SyntaxNode): string | null;
  /** The innermost function or lambda around a node, or null. */
  enclosingFunction(node: SyntaxNode): SyntaxNode | null;
  /** True if the innermost function around the node is an `async def` (not a lambda or def). */
  insideAsyncDef(node: SyntaxNode): boolean;
  /** Target Python version as [major, minor]. */
  readonly pythonVersion: [number, number];
}

export type Visitor = (node: SyntaxNode, ctx: RuleContext) => void;

export interface RuleDefinition {
  name: string;
  severity: Severity;
  /** One line for settings and docs. */
  summary: string;
  fix: 'always' | 'sometimes' | 'none';
  /** Other tools' codes that `# noqa: CODE` treats as this rule. */
  overlaps: string[];
  visit: Partial<Record<string, Visitor>>;
  /**
   * Findings that raise at run time are deliberate under `with self.assertRaises(…)` or
   * `pytest.raises(…)` (tests of the misuse itself): set to stay quiet there.
   */
  quietWhereRaiseExpected?: boolean;
}

export function defineRule(def: RuleDefinition): RuleDefinition {
  return def;
}
