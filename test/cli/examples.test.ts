/**
 * The bundled examples/ project shows every rule the engine has: each line marked
 * `# taskscope: <rule>` must be reported with that rule (when the engine has it), and nothing
 * unmarked may be reported. Runs the built CLI (examples/live, the debugger demo, is not ours).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ensureBuilt, ROOT } from '../lsp/ensureBuilt';

const EXAMPLES = path.join(ROOT, 'examples');
const CHECKED = ['greenhouse', 'tests'];
const MARKER = /# taskscope: ([\w-]+)/;

function markers(): Set<string> {
  const out = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.py')) {
        fs.readFileSync(p, 'utf8').split('\n').forEach((line, i) => {
          const m = MARKER.exec(line);
          if (m) out.add(`${path.relative(EXAMPLES, p).split(path.sep).join('/')}:${i + 1}:${m[1]}`);
        });
      }
    }
  };
  for (const d of CHECKED) walk(path.join(EXAMPLES, d));
  return out;
}

test('examples: every marked finding is reported, and only those', () => {
  const cli = ensureBuilt('cli.js');
  const r = spawnSync(process.execPath, [cli, 'check', ...CHECKED, '--format', 'json'], { cwd: EXAMPLES, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  const found = new Set((JSON.parse(r.stdout) as { file: string; line: number; code: string }[]).map((f) => `${f.file}:${f.line}:${f.code}`));
  const sarif = spawnSync(process.execPath, [cli, 'check', 'tests', '--format', 'sarif'], { cwd: EXAMPLES, encoding: 'utf8', timeout: 60_000 });
  const engineRules = new Set<string>(JSON.parse(sarif.stdout).runs[0].tool.driver.rules.map((x: { id: string }) => x.id));
  const expected = [...markers()].filter((m) => engineRules.has(m.split(':')[2]));
  assert.deepEqual([...found].sort(), expected.sort());
  // Every rule of the engine appears at least once.
  const shown = new Set(expected.map((m) => m.split(':')[2]));
  assert.deepEqual([...engineRules].filter((rule) => !shown.has(rule)), [], 'rules without an example');
});
