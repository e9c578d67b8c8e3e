/** Unit tests of the CLI's argument parsing (no process), one table row per case. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs, UsageError } from '../../server/src/cli/args';

const ok: [argv: string[], expected: ReturnType<typeof parseArgs>][] = [
  [['check'], { kind: 'check', paths: ['.'], format: 'text', pythonVersion: undefined, quiet: false }],
  [['check', 'a', 'b.py', '--format', 'json'], { kind: 'check', paths: ['a', 'b.py'], format: 'json', pythonVersion: undefined, quiet: false }],
  [['check', '--format=sarif', '-q', '--python-version', '3.10', 'src'], { kind: 'check', paths: ['src'], format: 'sarif', pythonVersion: '3.10', quiet: true }],
  [['check', '--', '--odd-name.py'], { kind: 'check', paths: ['--odd-name.py'], format: 'text', pythonVersion: undefined, quiet: false }],
  [['--help'], { kind: 'help' }],
  [['check', '-h'], { kind: 'help' }],
  [['-V'], { kind: 'version' }],
];

const bad: [argv: string[], message: RegExp][] = [
  [[], /missing command/],
  [['lint'], /unknown command 'lint'/],
  [['check', '--format'], /--format needs a value/],
  [['check', '--format', 'xml'], /unknown format 'xml'/],
  [['check', '--python-version', '2.7'], /expects 3\.X/],
  [['check', '--fix'], /unknown option '--fix'/],
];

for (const [argv, expected] of ok) test(`parses ${argv.join(' ') || '(nothing)'}`, () => assert.deepEqual(parseArgs(argv), expected));
for (const [argv, message] of bad) {
  test(`rejects ${argv.join(' ') || '(nothing)'}`, () => assert.throws(() => parseArgs(argv), (e: unknown) => e instanceof UsageError && message.test(e.message)));
}
