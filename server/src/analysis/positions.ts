/**
 * Position conversion between the parser's coordinates and LSP's, in one place.
 *
 * web-tree-sitter parses JavaScript strings as UTF-16, so node offsets are UTF-16 code-unit
 * offsets; a UTF-8 byte offset (what tree-sitter reports for UTF-8 input) is converted too. LSP
 * positions are 0-based lines and UTF-16 columns, with `\n`, `\r\n` and `\r` as line breaks.
 * This module does not know about nodes or rules: offsets in, positions out.
 */
import type { Position, Range } from '../engine';

export interface Point { row: number; column: number }

export class LineIndex {
  /** UTF-16 offset where each line starts. */
  readonly lineStarts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 10) starts.push(i + 1);
      else if (ch === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.lineStarts = starts;
  }

  /** The line holding a UTF-16 offset. */
  lineOf(offset: number): number {
    const s = this.lineStarts;
    let lo = 0, hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  /** LSP position of a UTF-16 offset (clamped to the text). */
  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    const line = this.lineOf(o);
    return { line, character: o - this.lineStarts[line] };
  }

  rangeOf(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }

  /** UTF-16 offset of an LSP position; characters past the line end clamp to it. */
  offsetAt(pos: Position): number {
    if (pos.line < 0) return 0;
    if (pos.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[pos.line];
    const next = pos.line + 1 < this.lineStarts.length ? this.lineStarts[pos.line + 1] : this.text.length;
    let lineEnd = next;
    // The line break itself is not addressable by a column.
    if (lineEnd > start && this.text.charCodeAt(lineEnd - 1) === 10) lineEnd--;
    if (lineEnd > start && this.text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    return Math.min(start + Math.max(0, pos.character), lineEnd);
  }

  /** Text of one line without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line] ?? this.text.length;
    const end = this.offsetAt({ line, character: Number.MAX_SAFE_INTEGER });
    return this.text.slice(start, end);
  }

  /** The tree-sitter point for an offset: rows count `\n` only; columns are UTF-16 units. */
  pointAt(offset: number): Point {
    let row = 0, lineStart = 0;
    // Rows as tree-sitter counts them differ from LSP lines only when a lone `\r` occurs.
    const line = this.lineOf(offset);
    const approx = this.lineStarts[line];
    if (!this.hasLoneCR) return { row: line, column: offset - approx };
    for (let i = 0; i < offset; i++) if (this.text.charCodeAt(i) === 10) { row++; lineStart = i + 1; }
    return { row, column: offset - lineStart };
  }

  private _hasLoneCR?: boolean;
  private get hasLoneCR(): boolean {
    if (this._hasLoneCR === undefined) this._hasLoneCR = /\r(?!\n)/.test(this.text);
    return this._hasLoneCR;
  }
}

/**
 * Converts a tree-sitter position to an LSP position. `index` is the node's start or end index;
 * `encoding` says how the parser measured it: 'utf16' (web-tree-sitter given a JS string: code
 * units) or 'utf8' (bytes, as native tree-sitter reports). The row/column pair from tree-sitter is
 * not used for the column because its unit depends on the input encoding; the line comes from
 * the LSP line table so `\r\n` and lone `\r` are handled the LSP way.
 */
export function toLspPosition(lines: LineIndex, index: number, encoding: 'utf16' | 'utf8' = 'utf16'): Position {
  return lines.positionAt(encoding === 'utf16' ? index : utf8ToUtf16Offset(lines.text, index));
}

/** Converts a UTF-8 byte offset into a UTF-16 offset of the same text. */
export function utf8ToUtf16Offset(text: string, byteOffset: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    if (bytes >= byteOffset) return i;
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) { bytes += 4; i++; }
    else bytes += 3;
  }
  return text.length;
}
