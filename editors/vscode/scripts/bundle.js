#!/usr/bin/env node
// Bundles src/extension.ts and vscode-languageclient into one file, out/extension.js, so that the
// .vsix holds no node_modules (it is packaged with `vsce package --no-dependencies`).
// Type checking is `tsc --noEmit` (npm run compile); esbuild only strips the types.
//
// Usage: node scripts/bundle.js [--production] [--watch]
'use strict';

const path = require('path');
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const options = {
  entryPoints: [path.join(__dirname, '..', 'src', 'extension.ts')],
  outfile: path.join(__dirname, '..', 'out', 'extension.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // VS Code 1.82, the oldest this extension supports, runs extensions on Node.js 18.
  target: 'node18',
  external: ['vscode'],
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'info',
};

async function main() {
  if (watch) {
    const context = await esbuild.context(options);
    await context.watch();
    return;
  }
  await esbuild.build(options);
}

main().catch(() => process.exit(1));
