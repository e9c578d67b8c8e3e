/**
 * Turns model nodes into VS Code `TreeItem`s: label, description, state icon, tooltip, click
 * command and `contextValue` (which drives the context menu in package.json). Presentation only:
 * no state, no requests.
 */
import * as vscode from 'vscode';
import type { SourceLocation } from '../../../debug-adapter/src/protocol/dap';
import { baseName, formatDuration, formatLocation, isFinished, type RowState, type TaskTreeModel, type TreeNode } from './model';

/** Codicon and colour per row state (theme-aware, light and dark). */
const ICONS: Record<RowState, [string, string | undefined]> = {
  pending: ['watch', undefined],
  running: ['play-circle', 'charts.green'],
  done: ['pass', 'testing.iconPassed'],
  cancelled: ['circle-slash', 'disabledForeground'],
  failed: ['error', 'testing.iconFailed'],
  blocked: ['warning', 'problemsWarningIcon.foreground'],
};

export function stateIcon(state: RowState): vscode.ThemeIcon {
  const [id, color] = ICONS[state];
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

/**
 * `idPrefix` changes whenever the whole tree is rebuilt (another grouping or filter, another
 * session): VS Code keys rows by id, and reusing `o:1` for a different element after a rebuild
 * left stale rows drawn over fresh ones in VS Code 1.100 (seen in the e2e runs).
 */
export function treeItem(model: TaskTreeModel, node: TreeNode, now: number, idPrefix = ''): vscode.TreeItem {
  if (node.kind === 'group') return groupItem(node, idPrefix);
  const e = model.entry(node.id);
  const item = new vscode.TreeItem(e?.info.name ?? node.id,
    model.hasChildren(node) ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
  item.id = idPrefix + node.key;
  if (!e) return item;
  const { info } = e;
  const state = model.rowState(node.id) ?? info.state;
  const age = formatDuration(model.ageMs(node.id, now));
  const what = state === 'pending' && info.awaiting ? `awaiting ${info.awaiting}` : state;
  item.description = `${info.coroutine} · ${what} · ${age}${node.cycle ? ' · await cycle' : ''}`;
  item.iconPath = stateIcon(state);
  item.accessibilityInformation = { label: `${info.name}, ${info.coroutine}, ${what}, age ${age}` };
  if (info.location) {
    item.command = { command: 'taskscope.tasks.openLocation', title: 'Open Suspension Point', arguments: [node] };
  }
  item.contextValue = ['task', isFinished(info) ? 'finished' : 'live', info.createdAt ? 'created' : '', info.location ? 'located' : '']
    .filter(Boolean).join('.');
  return item;
}

/** The tooltip, built only when the row is hovered (VS Code's resolveTreeItem). */
export function resolveTooltip(model: TaskTreeModel, node: TreeNode, item: vscode.TreeItem, now: number): vscode.TreeItem {
  if (node.kind === 'task' && model.entry(node.id)) item.tooltip = tooltip(model, node.id, now);
  return item;
}

function groupItem(node: Extract<TreeNode, { kind: 'group' }>, idPrefix: string): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = idPrefix + node.key;
  item.contextValue = `group.${node.group}`;
  item.accessibilityInformation = { label: node.group === 'coroutine' ? `${node.label}, ${node.ids.length} tasks` : node.label };
  switch (node.group) {
    case 'orphans':
      item.iconPath = new vscode.ThemeIcon('debug-disconnect');
      item.tooltip = 'Tasks whose creating task has finished: nobody owns them any more.';
      item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
      break;
    case 'cycles':
      item.iconPath = new vscode.ThemeIcon('sync', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      item.tooltip = 'Tasks that await each other in a cycle (a deadlock), or wait on such tasks.';
      item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
      break;
    case 'coroutine':
      item.iconPath = new vscode.ThemeIcon('symbol-method');
      item.description = `× ${node.ids.length.toLocaleString('en-US')}`;
      item.tooltip = `${node.ids.length} tasks running ${node.label}()`;
      break;
    case 'range':
      item.iconPath = new vscode.ThemeIcon('list-flat');
      break;
  }
  return item;
}

function tooltip(model: TaskTreeModel, id: string, now: number): vscode.MarkdownString {
  const { info } = model.entry(id)!;
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${esc(info.name)}** — ${code(`${info.coroutine}()`)}  \n`);
  md.appendMarkdown(`State: ${model.rowState(id)}${info.awaiting ? `, awaiting ${code(info.awaiting)}` : ''}  \n`);
  md.appendMarkdown(`Age: ${formatDuration(model.ageMs(id, now))}`);
  const waited = model.waitingMs(id, now);
  if (waited > 0) md.appendMarkdown(`, waiting here for ${formatDuration(waited)}`);
  md.appendMarkdown('  \n');
  if (info.location) md.appendMarkdown(`Now at: ${loc(info.location)}  \n`);
  if (info.createdAt) md.appendMarkdown(`Created at: ${loc(info.createdAt)}  \n`);
  const owner = info.owner ? model.entry(info.owner)?.info : undefined;
  if (info.owner) md.appendMarkdown(`Owner: ${esc(owner?.name ?? info.owner)}${!owner || isFinished(owner) ? ' (finished)' : ''}  \n`);
  if (info.awaitedBy?.length) {
    md.appendMarkdown(`Awaited by: ${info.awaitedBy.map((a) => esc(model.entry(a)?.info.name ?? a)).join(', ')}  \n`);
  }
  return md;
}

function loc(l: SourceLocation): string {
  return `${code(l.function || '<module>')} in ${esc(baseName(l.path))}:${l.line}`;
}

/** Markdown text with its special characters escaped. */
const esc = (s: string): string => s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
/** A code span: backslash escapes do not work inside one, so widen the fence instead. */
const code = (s: string): string => (s.includes('`') ? `\`\` ${s} \`\`` : `\`${s}\``);

export { formatLocation };
