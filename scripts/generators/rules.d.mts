// Types for rules.mjs, so TypeScript tests can import it.
export interface RuleSource { name: string; severity: string; summary: string; fix: string | null; markdown: string }
export function readRule(source: string, file?: string): RuleSource;
export function docSections(markdown: string): Record<string, string>;
export function codeBlock(section: string | undefined): string | null;
export function ruleFiles(root: string): string[];
export function generate(options: { root: string; check: boolean }): Promise<string[]>;
