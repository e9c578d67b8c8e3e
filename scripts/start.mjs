#!/usr/bin/env node
// `npm start`, the main job. Until the in-editor demo exists: build, then run the CLI over the
// bundled examples/ project, which shows every rule.
import { spawnSync } from 'node:child_process';
const build = spawnSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status) process.exit(build.status);
const r = spawnSync('node', ['dist/cli.js', 'check', 'examples'], { stdio: 'inherit' });
process.exit(r.status === 1 ? 0 : r.status ?? 1);
