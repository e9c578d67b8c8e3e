/**
 * Parsing: loads web-tree-sitter and the Python grammar once, parses (error-tolerant) and
 * re-parses incrementally, and mirrors the tree into plain JavaScript objects (`SyntaxNode`).
 *
 * Why a mirror: every property read on a web-tree-sitter node crosses into WebAssembly; rules
 * and the resolver read nodes many times, so one cursor walk per parse that copies types, fields
 * and offsets is cheaper than touching wasm nodes later. The mirror is immutable; a re-parse
 * builds a new one. This module does not resolve names or know rules.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Language, Parser, type Edit, type Tree } from 'web-tree-sitter';

export interface SyntaxNode {
  type: string;
  /** Named node (not punctuation or a keyword token). */
  named: boolean;
  /** UTF-16 offsets into the source text. */
  start: number;
  end: number;
  /** Field name in the parent (`function`, `arguments`, `body`…), or null. Anonymous tokens
   * (keywords, operators) carry none: find them by type. */
  field: string | null;
  parent: SyntaxNode | null;
  children: SyntaxNode[];
  /** A zero-width node the parser inserted to recover from an error. */
  missing?: boolean;
}

export interface ParsedFile {
  text: string;
  root: SyntaxNode;
  /** Comment nodes, in source order (for `# noqa`). */
  comments: SyntaxNode[];
  nodeCount: number;
}

let loading: Promise<void> | null = null;
let language: Language | null = null;
let parser: Parser | null = null;
/**
 * The Emscripten module web-tree-sitter builds on the options object given to `Parser.init`
 * (it gains the wasm exports), and the address of its transfer buffer. The mirror drives the
 * cursor through these directly: the public cursor API copies the cursor state into and out of
 * the transfer buffer around every single read, which was a third of the mirror's time.
 */
interface WasmCursorApi {
  _ts_init(): number;
  _ts_tree_cursor_goto_first_child_wasm(tree: number): number;
  _ts_tree_cursor_goto_next_sibling_wasm(tree: number): number;
  _ts_tree_cursor_goto_parent_wasm(tree: number): number;
  _ts_tree_cursor_current_node_type_id_wasm(tree: number): number;
  _ts_tree_cursor_current_node_is_named_wasm(tree: number): number;
  _ts_tree_cursor_current_node_is_missing_wasm(tree: number): number;
  _ts_tree_cursor_current_field_id_wasm(tree: number): number;
  _ts_tree_cursor_start_index_wasm(tree: number): number;
  _ts_tree_cursor_end_index_wasm(tree: number): number;
  getValue(ptr: number, type: string): number;
}
let wasm: WasmCursorApi | null = null;
let transferBuffer = 0;

/** Candidate directories holding tree-sitter.wasm and tree-sitter-python.wasm. */
function wasmCandidates(wasmDir?: string): { core: string; python: string }[] {
  const out: { core: string; python: string }[] = [];
  if (wasmDir) out.push({ core: path.join(wasmDir, 'tree-sitter.wasm'), python: path.join(wasmDir, 'tree-sitter-python.wasm') });
  // Bundled: dist/ holds both files next to the bundle.
  if (typeof __dirname === 'string') out.push({ core: path.join(__dirname, 'tree-sitter.wasm'), python: path.join(__dirname, 'tree-sitter-python.wasm') });
  // From source (tests under tsx): the npm packages.
  for (const base of [process.cwd(), path.resolve(__dirname ?? '.', '..', '..', '..')]) {
    out.push({
      core: path.join(base, 'node_modules', 'web-tree-sitter', 'tree-sitter.wasm'),
      python: path.join(base, 'node_modules', 'tree-sitter-python', 'tree-sitter-python.wasm'),
    });
  }
  return out;
}

/** Loads the parser once per process. */
export function initParser(wasmDir?: string): Promise<void> {
  if (!loading) {
    loading = (async () => {
      const found = wasmCandidates(wasmDir).find((c) => fs.existsSync(c.core) && fs.existsSync(c.python));
      if (!found) throw new Error(`tree-sitter wasm files not found (looked in ${wasmCandidates(wasmDir).map((c) => path.dirname(c.core)).join(', ')})`);
      const moduleOptions: Record<string, unknown> = { locateFile: () => found.core, wasmBinary: fs.readFileSync(found.core) };
      await Parser.init(moduleOptions as never);
      const api = moduleOptions as unknown as WasmCursorApi;
      const needed: (keyof WasmCursorApi)[] = ['_ts_init', '_ts_tree_cursor_goto_first_child_wasm', '_ts_tree_cursor_goto_next_sibling_wasm',
        '_ts_tree_cursor_goto_parent_wasm', '_ts_tree_cursor_current_node_type_id_wasm', '_ts_tree_cursor_current_node_is_named_wasm',
        '_ts_tree_cursor_current_node_is_missing_wasm', '_ts_tree_cursor_current_field_id_wasm', '_ts_tree_cursor_start_index_wasm',
        '_ts_tree_cursor_end_index_wasm', 'getValue'];
      // Only if this web-tree-sitter build exposes them; otherwise the mirror uses the public API.
      if (needed.every((k) => typeof api[k] === 'function')) {
        // ts_init rewrites two version words into the (idle) buffer and returns its address.
        transferBuffer = api._ts_init();
        wasm = api;
      }
      language = await Language.load(fs.readFileSync(found.python));
      parser = new Parser();
      parser.setLanguage(language);
    })();
    loading.catch(() => { loading = null; });
  }
  return loading;
}

function theParser(): Parser {
  if (!parser) throw new Error('parser not initialised: await initParser() first');
  return parser;
}

/** Parses text; `old` is a previous tree already adjusted with `tree.edit()`. */
export function parseTree(text: string, old?: Tree | null): Tree {
  const tree = theParser().parse(text, old ?? null);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

export type { Edit, Tree };

const typeNames: string[] = [];
const typeNamed: boolean[] = [];
let fieldNames: (string | null)[] = [];
/** Shared by every leaf; never mutated (`add` replaces it). */
const NO_CHILDREN: SyntaxNode[] = [];

function loadTypeTables(lang: Language): void {
  if (typeNames.length !== 0) return;
  for (let i = 0; i < lang.nodeTypeCount; i++) {
    typeNames.push(lang.nodeTypeForId(i) ?? '');
    typeNamed.push(lang.nodeTypeIsNamed(i));
  }
  fieldNames = [null];
  for (let i = 1; i <= lang.fieldCount; i++) fieldNames.push(lang.fieldNameForId(i));
}

/** Copies a tree into plain objects with one cursor walk (linear in the node count). */
export function mirror(tree: Tree, text: string): ParsedFile {
  const lang = language!;
  loadTypeTables(lang);
  return wasm ? mirrorDirect(tree, text, lang, wasm) : mirrorPublic(tree, text, lang);
}

/**
 * The mirror over the raw wasm cursor calls. The cursor state lives in the transfer buffer for
 * the whole walk: each call reads it from there and the moves write it back, so nothing is
 * copied in between. No other tree-sitter call may happen during the walk (there is none: this
 * is synchronous). At the end the final state is copied back into the cursor object so that
 * `delete()` frees the cursor's current stack.
 */
function mirrorDirect(tree: Tree, text: string, lang: Language, w: WasmCursorApi): ParsedFile {
  const hasErrors = tree.rootNode.hasError;
  const c = tree.walk();
  const t = (tree as unknown as { [0]: number })[0];
  void c.startIndex; // loads this cursor's state into the transfer buffer
  const comments: SyntaxNode[] = [];
  let count = 0;
  const make = (parent: SyntaxNode | null): SyntaxNode => {
    const typeId = w._ts_tree_cursor_current_node_type_id_wasm(t);
    const start = w._ts_tree_cursor_start_index_wasm(t);
    const known = typeId < typeNames.length;
    const type = known ? typeNames[typeId] : (lang.types[typeId] || 'ERROR');
    const isNamed = known ? typeNamed[typeId] : w._ts_tree_cursor_current_node_is_named_wasm(t) === 1;
    const end = isNamed || hasErrors ? w._ts_tree_cursor_end_index_wasm(t) : start + type.length;
    const node: SyntaxNode = {
      type,
      named: isNamed,
      start, end,
      field: isNamed ? fieldNames[w._ts_tree_cursor_current_field_id_wasm(t)] ?? null : null,
      parent,
      children: NO_CHILDREN,
    };
    if (start === end && (isNamed || hasErrors) && w._ts_tree_cursor_current_node_is_missing_wasm(t) === 1) node.missing = true;
    count++;
    return node;
  };
  const root = make(null);
  let current = root;
  try {
    for (;;) {
      if (w._ts_tree_cursor_goto_first_child_wasm(t) === 1) {
        const n = make(current);
        if (current.children === NO_CHILDREN) current.children = [n]; else current.children.push(n);
        if (n.type === 'comment') comments.push(n);
        current = n;
        continue;
      }
      let climbed = false;
      while (w._ts_tree_cursor_goto_next_sibling_wasm(t) !== 1) {
        if (w._ts_tree_cursor_goto_parent_wasm(t) !== 1) { climbed = true; break; }
        current = current.parent!;
      }
      if (climbed) break;
      const parent = current.parent!;
      const n = make(parent);
      if (parent.children === NO_CHILDREN) parent.children = [n]; else parent.children.push(n);
      if (n.type === 'comment') comments.push(n);
      current = n;
    }
  } finally {
    const cur = c as unknown as number[];
    for (let i = 0; i < 4; i++) cur[i] = w.getValue(transferBuffer + 4 * i, 'i32');
    c.delete();
  }
  return { text, root, comments, nodeCount: count };
}

/** The same walk over the public cursor API (a web-tree-sitter build without the raw exports). */
function mirrorPublic(tree: Tree, text: string, lang: Language): ParsedFile {
  void lang;
  const hasErrors = tree.rootNode.hasError;
  const c = tree.walk();
  const comments: SyntaxNode[] = [];
  let count = 0;
  // Every cursor read crosses into wasm, so each fact is read once and derived when possible:
  // namedness from the type; an anonymous token's end from its text, which is its type name
  // (keywords and punctuation) unless the tree has errors, and anonymous tokens carry no field. Leaves share one empty
  // children array until a child is added (fewer allocations for the collector).
  const make = (parent: SyntaxNode | null): SyntaxNode => {
    const typeId = c.nodeTypeId;
    const start = c.startIndex;
    const known = typeId < typeNames.length;
    const type = known ? typeNames[typeId] : c.nodeType;
    const isNamed = known ? typeNamed[typeId] : c.nodeIsNamed;
    // With syntax errors a token may be MISSING (zero width): then read the real end.
    const end = isNamed || hasErrors ? c.endIndex : start + type.length;
    const node: SyntaxNode = {
      type,
      named: isNamed,
      start, end,
      field: isNamed ? fieldNames[c.currentFieldId] ?? null : null,
      parent,
      children: NO_CHILDREN,
    };
    if (start === end && (isNamed || hasErrors) && c.nodeIsMissing) node.missing = true;
    count++;
    return node;
  };
  const add = (parent: SyntaxNode, child: SyntaxNode) => {
    if (parent.children === NO_CHILDREN) parent.children = [child];
    else parent.children.push(child);
  };
  const root = make(null);
  let current = root;
  // Iterative pre-order walk: descend, else next sibling, else climb.
  for (;;) {
    if (c.gotoFirstChild()) {
      const n = make(current);
      add(current, n);
      if (n.type === 'comment') comments.push(n);
      current = n;
      continue;
    }
    let climbed = false;
    while (!c.gotoNextSibling()) {
      if (!c.gotoParent()) { climbed = true; break; }
      current = current.parent!;
    }
    if (climbed) break;
    const n = make(current.parent);
    add(current.parent!, n);
    if (n.type === 'comment') comments.push(n);
    current = n;
  }
  c.delete();
  return { text, root, comments, nodeCount: count };
}

/** Parses and mirrors text without keeping the wasm tree. */
export function parseText(text: string): ParsedFile {
  const tree = parseTree(text);
  try { return mirror(tree, text); } finally { tree.delete(); }
}
