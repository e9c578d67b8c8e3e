/**
 * The default `--format text`, shaped like ruff's concise output so editors and terminals link
 * the locations: `path:line:col: code message`, then one summary line. Colour only on a TTY
 * (and never with NO_COLOR).
 */
import type { Severity } from '../../engine';
import type { CheckReport } from '../check';
import { displayPath } from './json';

const SEVERITY_COLOUR: Record<Severity, string> = { error: '31', warning: '33', information: '36', hint: '36' };
const PLURAL: Record<Severity, [string, string]> = {
  error: ['error', 'errors'],
  warning: ['warning', 'warnings'],
  information: ['information', 'information'],
  hint: ['hint', 'hints'],
};

export function formatText(report: CheckReport, cwd: string, options: { colour: boolean; quiet: boolean }): string {
  const paint = (code: string, s: string): string => (options.colour ? `\x1b[${code}m${s}\x1b[0m` : s);
  const lines: string[] = [];
  const counts: Record<Severity, number> = { error: 0, warning: 0, information: 0, hint: 0 };
  const files = new Set<string>();
  let safe = 0;
  for (const { file, violation: v } of report.findings) {
    counts[v.severity]++;
    files.add(file);
    if (v.fix?.safe) safe++;
    const where = `${displayPath(file, cwd)}:${v.range.start.line + 1}:${v.range.start.character + 1}:`;
    lines.push(`${paint('1', where)} ${paint(SEVERITY_COLOUR[v.severity], v.rule)} ${v.message}`);
  }
  if (!options.quiet) {
    const n = report.findings.length;
    if (n === 0) {
      lines.push(`All checks passed! (${report.files} ${report.files === 1 ? 'file' : 'files'})`);
    } else {
      const bySeverity = (Object.keys(counts) as Severity[]).filter((s) => counts[s]).map((s) => `${counts[s]} ${PLURAL[s][counts[s] === 1 ? 0 : 1]}`);
      if (lines.length) lines.push('');
      lines.push(`Found ${n} ${n === 1 ? 'problem' : 'problems'} (${bySeverity.join(', ')}) in ${files.size} of ${report.files} ${report.files === 1 ? 'file' : 'files'}.`);
      if (safe) lines.push(`${safe} ${safe === 1 ? 'has a safe fix' : 'have safe fixes'} (Fix All in the editor applies them).`);
    }
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
