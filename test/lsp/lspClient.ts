/**
 * A small LSP client for tests: starts the BUILT server (dist/server.js --stdio), answers the
 * server's requests (workspace/configuration from `settings`, progress creation, capability
 * registration), records every notification, and waits on diagnostics by URI and version.
 * It knows nothing of our rules; test files describe cases and snapshot what comes back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { WorkDoneProgress, type CodeAction, type Diagnostic, type PublishDiagnosticsParams, type TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol';
import { ensureBuilt } from './ensureBuilt';

export interface StartOptions {
  /** Absolute path of the workspace folder. */
  workspace: string;
  /** The `taskscope` settings section served through workspace/configuration. */
  settings?: Record<string, unknown>;
  initializationOptions?: Record<string, unknown>;
  /** Called with the token of each window/workDoneProgress/create request. */
  onProgressCreate?: (token: string | number) => void;
  /** Called for each $/progress notification. */
  onProgress?: (token: string | number, value: { kind: string }) => void;
}

export interface Notification { method: string; params: any }

const TIMEOUT_MS = 10_000;

export class LspClient {
  readonly notifications: Notification[] = [];
  readonly stderr: string[] = [];
  private waiters: (() => void)[] = [];
  private versions = new Map<string, number>();
  private texts = new Map<string, string>();
  settings: Record<string, unknown>;
  exited: number | null = null;

  private constructor(readonly workspace: string, private proc: ChildProcess, readonly connection: MessageConnection, settings: Record<string, unknown>) {
    this.settings = settings;
  }

  static async start(options: StartOptions): Promise<LspClient> {
    const server = ensureBuilt('server.js');
    const proc = spawn(process.execPath, [server, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const client = new LspClient(options.workspace, proc, connection, options.settings ?? {});
    proc.stderr!.on('data', (d: Buffer) => client.stderr.push(d.toString()));
    proc.on('exit', (code) => { client.exited = code ?? -1; client.wake(); });
    connection.onNotification((method: string, params: unknown) => {
      client.notifications.push({ method, params });
      client.wake();
    });
    connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) => params.items.map((i) => (i.section === 'taskscope' ? client.settings : null)));
    connection.onRequest('window/workDoneProgress/create', (params: { token: string | number }) => {
      // vscode-jsonrpc routes $/progress to per-token handlers, never to the catch-all above.
      connection.onProgress(WorkDoneProgress.type, params.token, (value) => {
        client.notifications.push({ method: '$/progress', params: { token: params.token, value } });
        options.onProgress?.(params.token, value);
        client.wake();
      });
      options.onProgressCreate?.(params.token);
      return null;
    });
    connection.onRequest('client/registerCapability', () => null);
    connection.listen();
    const uri = pathToFileURL(options.workspace).href;
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: uri,
      workspaceFolders: [{ uri, name: path.basename(options.workspace) }],
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: true }, workspaceEdit: { documentChanges: true }, didChangeConfiguration: { dynamicRegistration: true } },
        window: { workDoneProgress: true },
        textDocument: { publishDiagnostics: { versionSupport: true }, codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } }, isPreferredSupport: true, dataSupport: true } },
      },
      initializationOptions: { debounceMs: 30, scanWorkspace: false, ...options.initializationOptions },
    });
    void connection.sendNotification('initialized', {});
    return client;
  }

  uri(rel: string): string {
    return pathToFileURL(path.join(this.workspace, rel)).href;
  }

  text(rel: string): string {
    return this.texts.get(this.uri(rel)) ?? fs.readFileSync(path.join(this.workspace, rel), 'utf8');
  }

  version(rel: string): number {
    return this.versions.get(this.uri(rel)) ?? 0;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves with the first value `probe` returns that is not undefined, re-probing on each message. */
  async until<T>(what: string, probe: () => T | undefined, timeoutMs = TIMEOUT_MS): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined) return v;
      if (this.exited !== null) throw new Error(`server exited (${this.exited}) while waiting for ${what}; stderr: ${this.stderr.join('')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** All diagnostics publications for a file, oldest first. */
  published(rel: string): PublishDiagnosticsParams[] {
    const uri = this.uri(rel);
    return this.notifications.filter((n) => n.method === 'textDocument/publishDiagnostics' && n.params.uri === uri).map((n) => n.params);
  }

  /** Waits for diagnostics of the file at its current version (or any, for a file not open), after `after` publications. */
  async diagnostics(rel: string, after = 0): Promise<Diagnostic[]> {
    const version = this.versions.get(this.uri(rel));
    return this.until(`diagnostics of ${rel} v${version}`, () => {
      const list = this.published(rel).slice(after);
      const hit = list.reverse().find((p) => version === undefined || p.version === version);
      return hit?.diagnostics;
    });
  }

  async open(rel: string, text = fs.readFileSync(path.join(this.workspace, rel), 'utf8')): Promise<Diagnostic[]> {
    const uri = this.uri(rel);
    this.versions.set(uri, 1);
    this.texts.set(uri, text);
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
    return this.diagnostics(rel);
  }

  /** Sends one incremental didChange; the local copy of the text is updated the same way. */
  async change(rel: string, changes: TextDocumentContentChangeEvent[]): Promise<number> {
    const uri = this.uri(rel);
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    let text = this.texts.get(uri) ?? '';
    for (const c of changes) text = 'range' in c ? applyEdits(text, [{ range: c.range, newText: c.text }]) : c.text;
    this.texts.set(uri, text);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  async close(rel: string): Promise<void> {
    const uri = this.uri(rel);
    this.versions.delete(uri);
    this.texts.delete(uri);
    await this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  codeActions(rel: string, range: Diagnostic['range'], diagnostics: Diagnostic[], only?: string[]): Promise<CodeAction[]> {
    return this.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri: this.uri(rel) },
      range,
      context: { diagnostics, ...(only ? { only } : {}) },
    });
  }

  async stop(): Promise<void> {
    if (this.exited === null) {
      try {
        await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
        await this.connection.sendNotification('exit');
      } catch { /* the process may be gone already */ }
      await Promise.race([new Promise((r) => this.proc.once('exit', r)), new Promise((r) => setTimeout(r, 2000))]);
    }
    if (this.exited === null) this.proc.kill();
    this.connection.dispose();
  }
}

export interface Edit { range: Diagnostic['range']; newText: string }

/** Applies LSP edits (non-overlapping, as one batch) to a text. */
export function applyEdits(text: string, edits: Edit[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const offset = (p: { line: number; character: number }): number => {
    if (p.line >= lineStarts.length) return text.length;
    return Math.min(lineStarts[p.line] + p.character, p.line + 1 < lineStarts.length ? lineStarts[p.line + 1] : text.length);
  };
  const sorted = edits.map((e, i) => ({ e, i, start: offset(e.range.start), end: offset(e.range.end) }))
    .sort((a, b) => a.start - b.start || a.i - b.i);
  let out = '';
  let at = 0;
  for (const { e, start, end } of sorted) {
    if (start < at) throw new Error(`overlapping edits at offset ${start}`);
    out += text.slice(at, start) + e.newText;
    at = end;
  }
  return out + text.slice(at);
}

/** The edits of a workspace edit for one URI (documentChanges or changes). */
export function editsFor(action: CodeAction, uri: string): { edits: Edit[]; version?: number | null } {
  const edit = action.edit;
  if (!edit) return { edits: [] };
  for (const dc of edit.documentChanges ?? []) {
    if ('textDocument' in dc && dc.textDocument.uri === uri) return { edits: dc.edits as Edit[], version: dc.textDocument.version };
  }
  return { edits: (edit.changes?.[uri] ?? []) as Edit[] };
}
