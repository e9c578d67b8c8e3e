/**
 * Command-line parsing for `taskscope`: turns argv into a plain request, or a usage error.
 * It does no I/O: `cli.ts` prints help, version and errors.
 */

export type Format = 'text' | 'json' | 'sarif';
export const FORMATS: readonly Format[] = ['text', 'json', 'sarif'];

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'check'; paths: string[]; format: Format; pythonVersion?: string; quiet: boolean };

export class UsageError extends Error {}

export const HELP = `Usage: taskscope check [paths...] [options]

Finds asyncio misuse in Python files. Directories are walked, skipping .git,
virtual environments, node_modules, caches and build output (build, dist).
With no paths, checks the current directory.

Options:
  --format <text|json|sarif>  output format (default: text)
  --python-version <X.Y>      target Python version (default: requires-python, if any)
  -q, --quiet                 text format: print findings only, no summary
  -h, --help                  show this help
  -V, --version               show the version

Positions are 1-based lines and 1-based columns in UTF-16 code units (as LSP and SARIF).
Exit status: 0 no findings, 1 findings, 2 usage or internal error.
Files that are not UTF-8 or cannot be read are reported on stderr and skipped.
`;

/** Parses argv (without `node` and the script). Throws UsageError. */
export function parseArgs(argv: string[]): Command {
  if (argv.includes('-h') || argv.includes('--help') || argv[0] === 'help') return { kind: 'help' };
  if (argv.includes('-V') || argv.includes('--version')) return { kind: 'version' };
  if (argv.length === 0) throw new UsageError('missing command (try `taskscope check .`)');
  const [command, ...rest] = argv;
  if (command !== 'check') throw new UsageError(`unknown command '${command}' (the only command is 'check')`);
  const paths: string[] = [];
  let format: Format = 'text';
  let pythonVersion: string | undefined;
  let quiet = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? rest[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--format') {
      const v = value();
      if (!(FORMATS as readonly string[]).includes(v)) throw new UsageError(`unknown format '${v}' (expected ${FORMATS.join(', ')})`);
      format = v as Format;
    } else if (flag === '--python-version') {
      const v = value();
      if (!/^3\.\d+$/.test(v)) throw new UsageError(`--python-version expects 3.X, got '${v}'`);
      pythonVersion = v;
    } else if (flag === '-q' || flag === '--quiet') {
      quiet = true;
    } else if (arg === '--') {
      paths.push(...rest.slice(i + 1));
      break;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option '${arg}'`);
    } else {
      paths.push(arg);
    }
  }
  return { kind: 'check', paths: paths.length ? paths : ['.'], format, pythonVersion, quiet };
}
