/**
 * Where a rule's documentation lives, as an absolute URL for `codeDescription.href` (LSP) and
 * `helpUri` (SARIF). The engine's `RuleMeta.docs` may be a URL or a path inside the repository.
 * Shared by the CLI and the language server; knows nothing of either protocol.
 */
import type { RuleMeta } from '../engine';

/** The repository's browsable tree, for rule docs given as relative paths. */
export const REPOSITORY_TREE = 'https://github.com/taskscope/taskscope/blob/main/';

export function ruleDocUrl(meta: Pick<RuleMeta, 'name' | 'docs'> | undefined, rule: string): string {
  const docs = meta?.docs || `docs/rules/${rule}.md`;
  if (/^[a-z][a-z0-9+.-]*:/i.test(docs)) return docs;
  return REPOSITORY_TREE + docs.replace(/^\.?\//, '');
}
