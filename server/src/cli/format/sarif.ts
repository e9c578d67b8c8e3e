/**
 * `--format sarif`: a SARIF 2.1.0 log (one run) for code-scanning uploads. Locations are relative
 * to %SRCROOT% (the current directory); columns are UTF-16 code units, SARIF's default
 * `columnKind`. The preferred fix goes into `fixes` with its safety in `properties`.
 */
import { pathToFileURL } from 'node:url';
// Types generated from the SARIF 2.1.0 JSON schema (DefinitelyTyped): the log is checked at build time.
import type { Fix as SarifFix, Log, Result } from 'sarif';
import type { Fix, Severity } from '../../engine';
import type { CheckReport } from '../check';
import { ruleDocUrl } from '../ruleDocs';
import { displayPath } from './json';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

interface Region { startLine: number; startColumn: number; endLine: number; endColumn: number }

function region(r: { start: { line: number; character: number }; end: { line: number; character: number } }): Region {
  return { startLine: r.start.line + 1, startColumn: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 };
}

function artifact(file: string, cwd: string) {
  return { uri: encodeURI(displayPath(file, cwd)), uriBaseId: '%SRCROOT%' };
}

function toSarifFix(fix: Fix, file: string, cwd: string): SarifFix {
  return {
    description: { text: fix.title },
    artifactChanges: [{
      artifactLocation: artifact(file, cwd),
      replacements: fix.edits.map((e) => ({ deletedRegion: region(e.range), insertedContent: { text: e.newText } })),
    }],
    properties: { safe: fix.safe },
  };
}

export function formatSarif(report: CheckReport, cwd: string, version: string): string {
  const rules = [...report.rules].sort((a, b) => (a.name < b.name ? -1 : 1));
  const ruleIndex = new Map(rules.map((r, i) => [r.name, i]));
  const results: Result[] = report.findings.map(({ file, violation: v }) => ({
    ruleId: v.rule,
    ...(ruleIndex.has(v.rule) ? { ruleIndex: ruleIndex.get(v.rule) } : {}),
    level: LEVEL[v.severity],
    message: { text: v.message },
    locations: [{ physicalLocation: { artifactLocation: artifact(file, cwd), region: region(v.range) } }],
    ...(v.fix ? { fixes: [toSarifFix(v.fix, file, cwd)] } : {}),
    properties: { severity: v.severity },
  }));
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'taskscope',
          version,
          informationUri: 'https://github.com/taskscope/taskscope',
          rules: rules.map((r) => ({
            id: r.name,
            name: r.name,
            shortDescription: { text: r.summary || r.name },
            helpUri: ruleDocUrl(r, r.name),
            defaultConfiguration: { level: LEVEL[r.severity] },
          })),
        },
      },
      originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(cwd).href.replace(/\/?$/, '/') } },
      invocations: [{
        executionSuccessful: report.internalErrors.length === 0,
        toolExecutionNotifications: [...report.problems, ...report.internalErrors].map((p) => ({
          level: 'warning' as const,
          message: { text: p.message },
          locations: [{ physicalLocation: { artifactLocation: artifact(p.path, cwd) } }],
        })),
      }],
      columnKind: 'utf16CodeUnits',
      results,
    }],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
