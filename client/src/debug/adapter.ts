/**
 * Registers the `taskscope` debug adapter and its configuration provider. The adapter runs as its
 * own Node process (`dist/debugAdapter.js`, speaking DAP on stdio), not inside the extension host:
 * a crash or a hang in it cannot take the editor's extensions down, and it is the very same
 * program the DAP tests drive. VS Code's Node is reused (`ELECTRON_RUN_AS_NODE` on desktop).
 */
import * as vscode from 'vscode';
import { DEBUG_TYPE, TaskscopeConfigurationProvider } from './configuration';

export function registerDebugger(context: vscode.ExtensionContext, log: (msg: string) => void): void {
  const adapterScript = context.asAbsolutePath('dist/debugAdapter.js');
  const factory: vscode.DebugAdapterDescriptorFactory = {
    createDebugAdapterDescriptor: () => new vscode.DebugAdapterExecutable(process.execPath, [adapterScript], {
      env: { ELECTRON_RUN_AS_NODE: '1' },
    }),
  };
  const provider = new TaskscopeConfigurationProvider(log);
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, factory),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, provider),
    // The Run and Debug dropdown's dynamic list: provide only (a second resolver would run twice).
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, {
      provideDebugConfigurations: (folder) => folder ? provider.provideDebugConfigurations() : [],
    }, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
  );
}
