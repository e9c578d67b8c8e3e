/**
 * The extension's commands (ids as in package.json "contributes.commands"): the Async Tasks view's
 * title-bar toggles and context menu, "Debug Python File", the blocked-line jump and the output.
 * Each command is a thin call into the view, the signals or VS Code; no state lives here.
 */
import * as vscode from 'vscode';
import { CustomRequests, type CancelTaskArguments } from '../../debug-adapter/src/protocol/dap';
import { DEBUG_TYPE } from './debug/configuration';
import { type LoopBlockedSignals, openLocation } from './signals/loopBlocked';
import type { TreeNode } from './taskTree/model';
import type { TaskTreeView } from './taskTree/view';

/** Shown when a task command gets no task: its row was redrawn as its menu opened (live tree). */
export const NO_TASK = 'Taskscope: that row was redrawn as its menu opened, so no task was chosen. Right-click the task again.';

export function registerCommands(context: vscode.ExtensionContext, deps: {
  view: TaskTreeView; loop: LoopBlockedSignals; output: vscode.OutputChannel; log: (msg: string) => void;
}): void {
  const { view, loop, output, log } = deps;
  /** The task a context-menu or click command is about (the selected row when run from elsewhere). */
  const taskOf = (node?: TreeNode): string | undefined => {
    // VS Code passes the row's element; when the row was refreshed while its menu was open the
    // element can be gone: fall back to the selected or focused row, and say so in the log.
    const n = node?.kind === 'task' ? node : view.selectedTask();
    const id = n?.kind === 'task' ? n.id : undefined;
    if (!node) log(`no task passed to the command; using ${id ? `the selected row (${id})` : 'nothing'}`);
    // Without this the command would do nothing, or say something untrue of a task it never had
    // ("no suspension point", "creation site unknown").
    if (!id) void vscode.window.showInformationMessage(NO_TASK);
    return id;
  };
  const reg = (id: string, fn: (...args: any[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  };

  reg('taskscope.tasks.groupByOwner', () => view.setGrouping('owner'));
  reg('taskscope.tasks.groupByAwaiter', () => view.setGrouping('awaiter'));
  reg('taskscope.tasks.hideDone', () => view.setHideDone(true));
  reg('taskscope.tasks.showDone', () => view.setHideDone(false));
  reg('taskscope.tasks.refresh', () => view.requestSnapshot());
  reg('taskscope.tasks.filterWaiting', async () => {
    const value = await vscode.window.showInputBox({
      title: 'Show only tasks waiting at least N seconds',
      prompt: 'Seconds (0 shows every task)',
      value: String(vscode.workspace.getConfiguration('taskscope.tasks').get<number>('waitingFilterSeconds', 5)),
      validateInput: (v) => (/^\d+(\.\d+)?$/.test(v.trim()) ? undefined : 'A number of seconds, e.g. 5'),
    });
    if (value !== undefined) view.setMinWait(Number(value.trim()));
  });
  reg('taskscope.tasks.clearFilter', () => view.setMinWait(0));

  reg('taskscope.tasks.openLocation', async (node?: TreeNode) => {
    const id = taskOf(node);
    if (!id) return;
    const loc = view.model.entry(id)?.info.location;
    if (loc) await openLocation(loc);
    else void vscode.window.showInformationMessage('Taskscope: this task has no suspension point in Python code.');
  });
  reg('taskscope.tasks.goToCreation', async (node?: TreeNode) => {
    const id = taskOf(node);
    if (!id) return;
    const loc = view.model.entry(id)?.info.createdAt;
    if (loc) await openLocation(loc, false);
    else void vscode.window.showInformationMessage('Taskscope: the creation site of this task is unknown.');
  });
  reg('taskscope.tasks.copyStack', async (node?: TreeNode) => {
    const id = taskOf(node);
    if (id) await vscode.env.clipboard.writeText(view.model.stackText(id));
  });
  reg('taskscope.tasks.cancelTask', async (node?: TreeNode) => {
    const id = taskOf(node);
    const session = view.session;
    if (!id || !session) return;
    const args: CancelTaskArguments = { id };
    const name = view.model.entry(id)?.info.name ?? id;
    try {
      await session.customRequest(CustomRequests.cancelTask, args);
      log(`cancelled ${name} (id ${id})`);
      await view.requestSnapshot();
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      log(`could not cancel ${name}: ${why}`);
      void vscode.window.showErrorMessage(`Taskscope: could not cancel ${name}: ${why}`);
    }
  });

  reg('taskscope.goToBlockedLine', () => loop.goToBlockedLine());
  reg('taskscope.showOutput', () => output.show(true));
  reg('taskscope.debugFile', async (uri?: vscode.Uri) => {
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!target) return;
    await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(target), {
      type: DEBUG_TYPE, request: 'launch', name: `Taskscope: ${target.path.split('/').pop()}`, program: target.fsPath,
    });
  });
}
