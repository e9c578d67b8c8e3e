/**
 * Merges the safe fixes of one document into a single list of non-overlapping edits, for
 * `source.fixAll.taskscope`. A fix is taken whole or not at all: if any of its edits overlaps an
 * edit already taken, it waits for the next fix-all (as ruff does per pass). Identical edits (two
 * fixes adding the same import) are kept once.
 */
import type { Fix, Position, TextEdit } from '../engine';

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

function overlaps(a: TextEdit, b: TextEdit): boolean {
  // Two insertions at one point do not overlap; a replacement strictly containing a point does.
  return before(a.range.start, b.range.end) && before(b.range.start, a.range.end);
}

function same(a: TextEdit, b: TextEdit): boolean {
  return a.newText === b.newText && a.range.start.line === b.range.start.line && a.range.start.character === b.range.start.character
    && a.range.end.line === b.range.end.line && a.range.end.character === b.range.end.character;
}

export function mergeSafeFixes(fixes: (Fix | null | undefined)[]): { edits: TextEdit[]; applied: number } {
  const taken: TextEdit[] = [];
  let applied = 0;
  for (const fix of fixes) {
    if (!fix || !fix.safe || fix.edits.length === 0) continue;
    const fresh = fix.edits.filter((e) => !taken.some((t) => same(t, e)));
    if (fresh.some((e) => taken.some((t) => overlaps(t, e)))) continue;
    taken.push(...fresh);
    applied++;
  }
  taken.sort((a, b) => (before(a.range.start, b.range.start) ? -1 : before(b.range.start, a.range.start) ? 1 : 0));
  return { edits: taken, applied };
}
