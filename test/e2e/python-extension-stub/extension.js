// A stand-in for the Python extension (ms-python.python) in the end-to-end tests, which run
// offline: it offers the two parts of that extension's API that Taskscope reads to find the
// selected interpreter (environments.getActiveEnvironmentPath / resolveEnvironment), and
// answers with the `python.defaultInterpreterPath` setting, which the test sets.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an extension's CommonJS entry point: 'vscode' exists only for require
const vscode = require('vscode');

function activate() {
  const selected = () => vscode.workspace.getConfiguration('python').get('defaultInterpreterPath') || 'python';
  return {
    environments: {
      getActiveEnvironmentPath: () => ({ id: selected(), path: selected() }),
      resolveEnvironment: async (env) => {
        const p = typeof env === 'string' ? env : env.path;
        return { id: p, path: p, executable: { uri: vscode.Uri.file(p) } };
      },
    },
  };
}

module.exports = { activate, deactivate() {} };
