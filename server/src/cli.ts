/**
 * `taskscope`, the command-line face of the engine for CI and pre-commit (bundled to dist/cli.js).
 * It parses arguments, runs the check, prints one format on stdout and problems on stderr, and
 * sets the exit status: 0 no findings, 1 findings, 2 usage or internal error. The work itself is in
 * cli/check.ts; this file does not analyse anything.
 */
import { version } from '../../package.json';
import { HELP, parseArgs, UsageError } from './cli/args';
import { runCheck } from './cli/check';
import { displayPath, formatJson } from './cli/format/json';
import { formatSarif } from './cli/format/sarif';
import { formatText } from './cli/format/text';

async function main(argv: string[]): Promise<number> {
  let command;
  try {
    command = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`taskscope: ${e.message}\n\n${HELP}`);
    return 2;
  }
  if (command.kind === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (command.kind === 'version') {
    process.stdout.write(`taskscope ${version}\n`);
    return 0;
  }
  const cwd = process.cwd();
  const report = await runCheck({
    paths: command.paths,
    cwd,
    pythonVersion: command.pythonVersion,
    log: (m) => process.stderr.write(`taskscope: ${m}\n`),
  });
  const stderr = report.missing.map((p) => `taskscope: ${displayPath(p, cwd)}: no such file or directory\n`).join('') + [...report.problems, ...report.internalErrors].map((p) => `${displayPath(p.path, cwd)}: ${p.message}\n`).join('');
  if (stderr) process.stderr.write(stderr);
  const out = command.format === 'json' ? formatJson(report.findings, cwd)
    : command.format === 'sarif' ? formatSarif(report, cwd, version)
      : formatText(report, cwd, { colour: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR, quiet: command.quiet });
  process.stdout.write(out);
  if (report.internalErrors.length || report.missing.length) return 2;
  return report.findings.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`taskscope: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
  },
);
