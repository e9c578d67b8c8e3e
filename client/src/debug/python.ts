/**
 * Finds the Python interpreter a launch configuration should use when it names none: the one
 * selected in the Python extension (ms-python.python) when that is installed, else `python3`.
 * The Python extension is optional: nothing here requires it, and any failure of its API falls
 * back to `python3`. It does not check the version; the debug adapter reports a too-old Python.
 */
import * as vscode from 'vscode';

/** The parts of the Python extension's API we use (both its newer and its older shape). */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(env: { path: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
  settings?: { getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] } };
}

export const FALLBACK_PYTHON = 'python3';

export async function selectedPython(resource: vscode.Uri | undefined, log?: (msg: string) => void): Promise<string> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (!ext) return FALLBACK_PYTHON;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    if (api?.environments) {
      const active = api.environments.getActiveEnvironmentPath(resource);
      const env = await api.environments.resolveEnvironment(active);
      const exe = env?.executable?.uri?.fsPath ?? active?.path;
      if (exe) return exe;
    }
    const cmd = api?.settings?.getExecutionDetails?.(resource)?.execCommand;
    if (cmd && cmd.length === 1 && cmd[0]) return cmd[0];
  } catch (e) {
    log?.(`Python extension API failed, using ${FALLBACK_PYTHON}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return FALLBACK_PYTHON;
}
