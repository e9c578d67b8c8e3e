/**
 * Call-stack frames as plain data: the agent's frames (a paused thread's stack or a task's await
 * chain) converted to DAP stack frames. An await boundary between tasks becomes a frame with
 * `presentationHint: 'label'`; a library frame shown only because no user frame exists is
 * `subtle`. Frame ids are given by the caller (the session owns them). No I/O.
 */
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DebugFrame } from '../protocol/inspector';

/** A frame as the session needs to remember it: the agent's id, or none for a label. */
export interface FrameRef { agentFrameId: number | null }

export function frameToDap(f: DebugFrame, id: number): DebugProtocol.StackFrame {
  if (f.label) {
    return { id, name: `── ${f.name} ──`, line: 0, column: 0, presentationHint: 'label' };
  }
  const frame: DebugProtocol.StackFrame = { id, name: f.name, line: f.line ?? 0, column: 1 };
  if (f.path) {
    const isFile = !f.path.startsWith('<');
    frame.source = isFile ? { name: path.basename(f.path), path: f.path } : { name: f.path, presentationHint: 'deemphasize' };
  }
  if (f.user === false) frame.presentationHint = 'subtle';
  return frame;
}

/** Labels a task's frames with the await boundaries in between; used for task entries. */
export function framesToDap(frames: readonly DebugFrame[], idFor: (f: DebugFrame) => number): DebugProtocol.StackFrame[] {
  return frames.map((f) => frameToDap(f, idFor(f)));
}
