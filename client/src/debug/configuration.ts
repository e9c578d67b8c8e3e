/**
 * Launch configurations for the `taskscope` debug type: F5 on a Python file with no launch.json
 * debugs that file, the "create a launch.json" flow offers our configurations, and a missing
 * `python` is filled in from the Python extension's selected interpreter (else `python3`).
 * It does not validate the configuration: the debug adapter answers a bad one with a clear error.
 */
import * as vscode from 'vscode';
import { selectedPython } from './python';

export const DEBUG_TYPE = 'taskscope';

export class TaskscopeConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly log: (msg: string) => void) {}

  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [
      { type: DEBUG_TYPE, request: 'launch', name: 'Taskscope: current file', program: '${file}', console: 'integratedTerminal' },
      { type: DEBUG_TYPE, request: 'launch', name: 'Taskscope: module', module: '${fileBasenameNoExtension}', cwd: '${workspaceFolder}' },
    ];
  }

  /**
   * F5 with no launch.json hands us an empty configuration: debug the active Python file.
   * Returning undefined cancels the launch (with a message saying why).
   */
  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
    if (!config.type && !config.request && !config.name) {
      const editor = vscode.window.activeTextEditor;
      if (!editor || editor.document.languageId !== 'python') {
        void vscode.window.showInformationMessage('Taskscope: open a Python file to debug it, or add a launch configuration.');
        return undefined;
      }
      return { type: DEBUG_TYPE, request: 'launch', name: 'Taskscope: current file', program: editor.document.uri.fsPath };
    }
    if (config.request === 'launch' && !config.program && !config.module && !config.code) {
      const editor = vscode.window.activeTextEditor;
      if (editor?.document.languageId === 'python') config.program = editor.document.uri.fsPath;
    }
    return config;
  }

  async resolveDebugConfigurationWithSubstitutedVariables(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration> {
    if (config.request === 'launch' && !config.python) {
      const resource = typeof config.program === 'string' && config.program ? vscode.Uri.file(config.program) : folder?.uri;
      config.python = await selectedPython(resource, this.log);
    }
    const threshold = vscode.workspace.getConfiguration('taskscope', folder).get<number>('debug.loopBlockedThresholdMs');
    if (config.request === 'launch' && config.loopBlockedThresholdMs === undefined && typeof threshold === 'number') {
      config.loopBlockedThresholdMs = threshold;
    }
    return config;
  }
}
