/**
 * The language server's state, shared by the handlers: the engine, the open documents (with
 * their versions), the workspace files known from disk, the settings and the last results per
 * document (for fix-all). Plain data plus tiny accessors; handlers own the behaviour.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Connection } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { isExcluded } from '../cli/files';
import type { Engine, RuleMeta, RuleSetting, Violation } from '../engine';

/** Project files that change the analysis (requires-python, pytest-asyncio mode). */
export const CONFIG_FILES = new Set(['pyproject.toml', 'pytest.ini', 'setup.cfg', 'tox.ini']);

export interface Settings {
  rules: Record<string, RuleSetting>;
  pythonVersion?: string;
}

export interface ClientSupport {
  configuration: boolean;
  workDoneProgress: boolean;
  watchedFilesDynamic: boolean;
  documentChanges: boolean;
  workspaceFolders: boolean;
}

export interface Session {
  connection: Connection;
  engine: Engine;
  roots: string[];
  client: ClientSupport;
  settings: Settings;
  rules: Map<string, RuleMeta>;
  /** Open documents by URI: the editor's text is authoritative over the disk's. */
  documents: Map<string, TextDocument>;
  /** Absolute paths of workspace files loaded from disk (open or not). */
  workspaceFiles: Set<string>;
  /** Last check per URI, with the document version it was computed for (null: disk text). */
  results: Map<string, { version: number | null; violations: Violation[] }>;
  /** Pending debounced checks by URI. */
  timers: Map<string, NodeJS.Timeout>;
  debounceMs: number;
  /**
   * Settles once the client's settings are applied; diagnostics for opened documents wait for it
   * so a disabled rule never flashes up at start.
   */
  ready: Promise<void>;
  /** Settles when the running workspace analysis (if any) is over; later ones chain onto it. */
  idle: Promise<void>;
  log(message: string): void;
}

/** The engine's key for a document: an absolute path for file URIs, the URI itself otherwise. */
export function uriToPath(uri: string): string {
  if (uri.startsWith('file:')) {
    try { return path.normalize(fileURLToPath(uri)); } catch { return uri; }
  }
  return uri;
}

export function pathToUri(file: string): string {
  return file.includes(':') && !path.isAbsolute(file) ? file : pathToFileURL(file).href;
}

/** Whether an absolute path is a workspace file: inside a root, outside skipped directories. */
export function inWorkspace(session: Session, file: string): boolean {
  return session.roots.some((root) => file.startsWith(root.endsWith(path.sep) ? root : root + path.sep) && !isExcluded(file, root));
}
