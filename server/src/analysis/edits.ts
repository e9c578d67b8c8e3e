/**
 * Building quick-fix edits against one file: replacements by offset, indentation-aware
 * statement insertion, and names spelled the way the file already imports them (`import asyncio
 * as aio` → `aio.sleep`), adding the import when the file has none. Produces LSP TextEdits.
 * It does not decide what to fix; rules do.
 */
import type { TextEdit } from '../engine';
import type { SyntaxNode } from './parser';
import type { LineIndex } from './positions';
import type { ModuleSummary } from './summary';
import { field, named, textOf } from './nodes';

export interface Span { start: number; end: number }

export class EditBuilder {
  private ops: { start: number; end: number; text: string }[] = [];
  private addedImports = new Map<string, string>();
  private topInsertions: string[] = [];

  constructor(
    readonly text: string,
    readonly lines: LineIndex,
    readonly root: SyntaxNode,
    readonly module: ModuleSummary,
  ) {}

  replace(span: Span, newText: string): this { this.ops.push({ start: span.start, end: span.end, text: newText }); return this; }
  insert(offset: number, newText: string): this { this.ops.push({ start: offset, end: offset, text: newText }); return this; }
  delete(span: Span): this { return this.replace(span, ''); }
  source(span: Span): string { return this.text.slice(span.start, span.end); }

  /** Leading whitespace of the line where `offset` is. */
  indentAt(offset: number): string {
    const line = this.lines.lineOf(offset);
    const lt = this.lines.lineText(line);
    return /^[ \t]*/.exec(lt)![0];
  }

  /** The line break style of the file. */
  get eol(): string { return this.text.includes('\r\n') ? '\r\n' : '\n'; }

  /** Offset of the start of the line holding `offset`. */
  lineStart(offset: number): number { return this.lines.lineStarts[this.lines.lineOf(offset)]; }

  /**
   * Spelling for `module.name` in this file: an existing binding of the name, else through the
   * module's binding (`aio.sleep`), else — if the file imports names from that module
   * (`from unittest import TestCase`) — added to that import, else `import module` is added.
   */
  importName(module: string, name: string): string {
    let fromStyle = false;
    let moduleBound = false;
    for (const [local, b] of this.module.imports) {
      if (this.module.conflicts.has(local)) continue;
      if (b.module === module && b.name === name) return local;
      if (b.module === module && b.name) fromStyle = true;
      if (b.module === module && !b.name) moduleBound = true;
    }
    if (!moduleBound && fromStyle && !this.hasTopLevel(name)) {
      const stmt = this.root.children.find((c) => c.type === 'import_from_statement' && !c.children.some((x) => x.type === 'wildcard_import')
        && field(c, 'module_name')?.type === 'dotted_name' && textOf(field(c, 'module_name')!, this.text).replace(/\s+/g, '') === module);
      const names = stmt ? stmt.children.filter((c) => c.field === 'name') : [];
      const last = names[names.length - 1];
      const key = `${module}:${name}`;
      if (last) {
        if (!this.addedImports.has(key)) {
          this.addedImports.set(key, name);
          this.insert(last.end, `, ${name}`);
        }
        return name;
      }
    }
    return `${this.importModule(module)}.${name}`;
  }

  /** Spelling for a module in this file (`aio` for `import asyncio as aio`), importing it if needed. */
  importModule(module: string): string {
    for (const [local, b] of this.module.imports) {
      if (b.name || this.module.conflicts.has(local)) continue;
      if (b.module === module) return local;
      // `import os.path` binds `os`; `os.path` is then spelled in full.
      if (module.startsWith(b.module + '.') && local === b.module) return module;
    }
    const done = this.addedImports.get(module);
    if (done) return done;
    this.addedImports.set(module, module);
    this.topInsertions.push(`import ${module}`);
    return module;
  }

  /** A `from module import name` line, unless the name is already bound that way. */
  importFrom(module: string, name: string): string {
    for (const [local, b] of this.module.imports) if (b.module === module && b.name === name) return local;
    const key = `${module}:${name}`;
    if (!this.addedImports.has(key)) {
      this.addedImports.set(key, name);
      this.topInsertions.push(`from ${module} import ${name}`);
    }
    return name;
  }

  /** Where new imports go: after the leading docstring, `__future__` imports and import block. */
  private importOffset(): { offset: number; atEnd: boolean } {
    let offset = 0;
    let seenImport = false;
    for (const stmt of this.root.children) {
      if (!stmt.named || stmt.type === 'comment') continue;
      const isDoc = stmt.type === 'expression_statement' && named(stmt)[0]?.type === 'string' && offset === 0 && !seenImport;
      const isImport = stmt.type === 'import_statement' || stmt.type === 'import_from_statement' || stmt.type === 'future_import_statement';
      if (isDoc || isImport) { offset = this.lineEndAfter(stmt.end); if (isImport) seenImport = true; continue; }
      break;
    }
    return { offset, atEnd: offset === this.text.length && !this.text.endsWith('\n') };
  }

  /** Offset just past the line break following `offset`. */
  private lineEndAfter(offset: number): number {
    const line = this.lines.lineOf(offset);
    return line + 1 < this.lines.lineStarts.length ? this.lines.lineStarts[line + 1] : this.text.length;
  }

  /** Adds a module-level statement after the imports (e.g. `_background_tasks = set()`). */
  addTopLevel(statement: string): void {
    if (!this.topInsertions.includes(statement)) this.topInsertions.push(statement);
  }

  /** Whether the module already binds a name at top level. */
  hasTopLevel(name: string): boolean {
    return this.module.assigns.has(name) || this.module.imports.has(name) || this.module.functions.has(name) || this.module.classes.has(name);
  }

  build(): TextEdit[] {
    const ops = [...this.ops];
    if (this.topInsertions.length) {
      const { offset, atEnd } = this.importOffset();
      const eol = this.eol;
      const imports = this.topInsertions.filter((s) => s.startsWith('import ') || s.startsWith('from '));
      const others = this.topInsertions.filter((s) => !imports.includes(s));
      let block = imports.map((s) => s + eol).join('');
      if (others.length) block += (offset > 0 ? eol : '') + others.map((s) => s + eol).join('') + (offset > 0 ? '' : eol);
      ops.push({ start: offset, end: offset, text: (atEnd ? eol : '') + block });
    }
    ops.sort((a, b) => a.start - b.start || a.end - b.end);
    return ops.map((o) => ({ range: this.lines.rangeOf(o.start, o.end), newText: o.text }));
  }
}
