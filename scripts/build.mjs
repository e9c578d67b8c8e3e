#!/usr/bin/env node
// The one build script: four esbuild bundles (client, server, debug adapter, CLI) into dist/, plus
// the assets they load at run time (the tree-sitter wasm files and the Python agent).
// Flags: --watch (rebuild on change), --production (minified, no source maps).
// It does not typecheck (that is `npm run typecheck`) and does not package (`npm run package`).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** Bundles: each is one entry file and one output file, CommonJS for Node 20. */
const bundles = [
  { entry: 'client/src/extension.ts', out: 'extension.js', external: ['vscode'] },
  { entry: 'server/src/server.ts', out: 'server.js' },
  { entry: 'debug-adapter/src/main.ts', out: 'debugAdapter.js' },
  { entry: 'server/src/cli.ts', out: 'cli.js', banner: '#!/usr/bin/env node' },
];

/** Generators run before bundling (each a script that writes committed or dist data). */
const generators = fs.existsSync(path.join(root, 'scripts', 'generators'))
  ? fs.readdirSync(path.join(root, 'scripts', 'generators')).filter((f) => f.endsWith('.mjs')).sort()
  : [];

function copyAssets() {
  fs.mkdirSync(dist, { recursive: true });
  for (const [from, to] of [
    ['node_modules/web-tree-sitter/tree-sitter.wasm', 'tree-sitter.wasm'],
    ['node_modules/tree-sitter-python/tree-sitter-python.wasm', 'tree-sitter-python.wasm'],
  ]) fs.copyFileSync(path.join(root, from), path.join(dist, to));
  // The Python agent ships as source; its tests stay behind.
  const agentSrc = path.join(root, 'debug-adapter', 'agent', 'taskscope_agent');
  const agentDst = path.join(dist, 'agent', 'taskscope_agent');
  fs.rmSync(path.join(dist, 'agent'), { recursive: true, force: true });
  if (fs.existsSync(agentSrc)) {
    fs.cpSync(agentSrc, agentDst, { recursive: true, filter: (p) => !p.includes('__pycache__') && !p.endsWith('.pyc') });
  }
}

async function main() {
  for (const g of generators) {
    const mod = await import(path.join(root, 'scripts', 'generators', g));
    if (typeof mod.generate === 'function') await mod.generate({ root, check: false });
  }
  copyAssets();
  const contexts = await Promise.all(bundles.map((b) => esbuild.context({
    entryPoints: [path.join(root, b.entry)],
    outfile: path.join(dist, b.out),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: b.external ?? [],
    banner: b.banner ? { js: b.banner } : undefined,
    minify: production,
    sourcemap: production ? false : 'linked',
    logLevel: 'warning',
    // web-tree-sitter's ESM build reads import.meta.url; its CommonJS build suits a CJS bundle.
    alias: { 'web-tree-sitter': path.join(root, 'node_modules', 'web-tree-sitter', 'tree-sitter.cjs') },
  })));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    console.log('[build] watching for changes…');
    return;
  }
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  fs.chmodSync(path.join(dist, 'cli.js'), 0o755);
  console.log(`[build] ${bundles.length} bundles${production ? ' (production)' : ''} in dist/`);
}

main().catch((e) => { console.error(e); process.exit(1); });
