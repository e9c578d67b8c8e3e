/**
 * The "Disable <rule> for this line" edit: appends `# noqa: <rule>` to the diagnostic's first
 * line, or adds the rule to a `# noqa: …` list already there. Finding the comment needs only a
 * small scan that skips string literals on that line; a line that starts inside a multi-line
 * string is treated as code (the comment then goes at its end, which Python also accepts).
 */
import type { TextEdit } from 'vscode-languageserver/node';

/** Offset of the `#` starting the line's comment, or -1. */
export function commentStart(line: string): number {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (line.startsWith(quote, i)) { i += quote.length - 1; quote = null; }
    } else if (c === '#') {
      return i;
    } else if (c === '"' || c === "'") {
      quote = line.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length - 1;
    }
  }
  return -1;
}

const NOQA = /#\s*noqa(?::[ \t]*([\w-]+(?:[ \t]*,[ \t]*[\w-]+)*))?/i;

/** The edit that silences `rule` on line `lineNo` of `lineText`, or null if already silenced. */
export function noqaEdit(lineText: string, lineNo: number, rule: string): TextEdit | null {
  const text = lineText.replace(/\r?\n$/, '');
  const hash = commentStart(text);
  const comment = hash >= 0 ? text.slice(hash) : '';
  const m = NOQA.exec(comment);
  if (m) {
    if (!m[1]) return null; // bare `# noqa` silences every rule already
    const codes = m[1].split(',').map((s) => s.trim());
    if (codes.includes(rule)) return null;
    const at = hash + m.index + m[0].length;
    return { range: { start: { line: lineNo, character: at }, end: { line: lineNo, character: at } }, newText: `, ${rule}` };
  }
  const code = text.replace(/\s+$/, '');
  // After a line continuation a comment is a syntax error: offer nothing there.
  if (code.endsWith('\\')) return null;
  const end = code.length;
  return { range: { start: { line: lineNo, character: end }, end: { line: lineNo, character: text.length } }, newText: `  # noqa: ${rule}` };
}
