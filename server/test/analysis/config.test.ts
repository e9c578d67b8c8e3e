// Reading project configuration: asyncio_mode from every file pytest reads, addopts, plugin
// presence, python_files, requires-python.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clearConfigCache, configFor, lowerBound, matchesPythonFiles } from '../../src/analysis/config';

function dir(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'taskscope-cfg-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

function cfg(files: Record<string, string>, file = 'tests/test_x.py') {
  clearConfigCache();
  const root = dir(files);
  return configFor(path.join(root, file), [root], []);
}

test('asyncio_mode from pyproject.toml, pytest.ini, setup.cfg and tox.ini', () => {
  assert.equal(cfg({ 'pyproject.toml': '[tool.pytest.ini_options]\nasyncio_mode = "auto"\n' }).pytest.mode, 'auto');
  assert.equal(cfg({ 'pytest.ini': '[pytest]\nasyncio_mode = auto\n' }).pytest.mode, 'auto');
  assert.equal(cfg({ 'setup.cfg': '[metadata]\nname = x\n[tool:pytest]\nasyncio_mode=auto\n' }).pytest.mode, 'auto');
  assert.equal(cfg({ 'tox.ini': '[tox]\nenvlist = py\n[pytest]\nasyncio_mode = auto\n' }).pytest.mode, 'auto');
  const strict = cfg({ 'pytest.ini': '[pytest]\nasyncio_mode = strict\n' }).pytest;
  assert.deepEqual([strict.mode, strict.modeSet, strict.asyncioPlugin], ['strict', true, true]);
});

test('pytest.ini wins over pyproject.toml in the same directory; the nearest directory wins', () => {
  const c = cfg({ 'pytest.ini': '[pytest]\nasyncio_mode = strict\n', 'pyproject.toml': '[tool.pytest.ini_options]\nasyncio_mode = "auto"\n' });
  assert.equal(c.pytest.mode, 'strict');
  const d = cfg({ 'pyproject.toml': '[tool.pytest.ini_options]\nasyncio_mode = "strict"\n', 'tests/pytest.ini': '[pytest]\nasyncio_mode = auto\n' });
  assert.equal(d.pytest.mode, 'auto');
});

test('addopts sets the mode and loads the plugin; unset mode means strict', () => {
  const c = cfg({ 'pytest.ini': '[pytest]\naddopts = -ra\n    --asyncio-mode=auto\n' });
  assert.equal(c.pytest.mode, 'auto');
  const d = cfg({ 'pyproject.toml': '[tool.pytest.ini_options]\naddopts = ["-p", "pytest_asyncio"]\n' });
  assert.deepEqual([d.pytest.mode, d.pytest.asyncioPlugin], ['strict', true]);
});

test('plugin presence from declared dependencies or an installed package', () => {
  assert.equal(cfg({ 'requirements-dev.txt': 'pytest\npytest-asyncio>=0.23\n' }).pytest.asyncioPlugin, true);
  assert.equal(cfg({ 'requirements.txt': 'pytest\n' }).pytest.asyncioPlugin, false);
  assert.equal(cfg({ 'tests/conftest.py': 'pytest_plugins = ["pytest_asyncio"]\n' }).pytest.asyncioPlugin, true);
  assert.equal(cfg({ 'pyproject.toml': '[project]\ndependencies = ["anyio>=4"]\n' }).pytest.anyioPlugin, true);
  assert.equal(cfg({ 'requirements.txt': 'pytest-trio\n' }).pytest.otherPlugin, true);
  assert.equal(cfg({ 'requirements.txt': 'trio\n' }).pytest.otherPlugin, false);
  // A conftest hook that calls test functions itself is a runner of its own.
  assert.equal(cfg({ 'conftest.py': 'def pytest_pyfunc_call(pyfuncitem):\n    pass\n' }).pytest.otherPlugin, true);
  assert.equal(cfg({ 'conftest.py': '# def pytest_pyfunc_call\n' }).pytest.otherPlugin, false);
  // Only a pytest config or a manifest says what the project installs.
  assert.equal(cfg({ 'tests/test_x.py': '' }).pytest.projectSeen, false);
  assert.equal(cfg({ 'tests/conftest.py': '' }).pytest.projectSeen, false);
  assert.equal(cfg({ 'requirements.txt': 'pytest\n' }).pytest.projectSeen, true);
  assert.equal(cfg({ 'tests/pytest.ini': '[pytest]\n' }).pytest.projectSeen, true);
  clearConfigCache();
  const root = dir({ 'sp/pytest_asyncio/__init__.py': '' });
  assert.equal(configFor(path.join(root, 'test_a.py'), [root], [path.join(root, 'sp')]).pytest.asyncioPlugin, true);
});

test('python_files and requires-python', () => {
  const c = cfg({ 'pytest.ini': '[pytest]\npython_files = check_*.py\n', 'pyproject.toml': '[project]\nrequires-python = ">=3.9, <4"\n' });
  assert.deepEqual(c.pytest.pythonFiles, ['check_*.py']);
  assert.deepEqual(c.requiresPython, [3, 9]);
  assert.ok(matchesPythonFiles('/a/check_x.py', ['check_*.py']));
  assert.ok(!matchesPythonFiles('/a/test_x.py', ['check_*.py']));
  assert.deepEqual(lowerBound('~=3.10'), [3, 10]);
  assert.deepEqual(lowerBound('>3.8'), [3, 9]);
  assert.equal(lowerBound('<4'), null);
});
