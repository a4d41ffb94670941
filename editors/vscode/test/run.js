#!/usr/bin/env node
// The grammar tests, with the tools of vscode-tmgrammar-test:
//
// 1. Snapshot tests (vscode-tmgrammar-snap) over every .campaign and .tests file in the
//    repository's policies/ and policies/examples/. The files are not copied into this folder:
//    vscode-tmgrammar-snap keeps a snapshot beside its file (FILE.snap) and has no option to keep
//    it elsewhere, so each run copies the policies and their snapshots from test/snapshots/ into a
//    temporary folder, runs the tool there, and (with --update) copies the snapshots back.
//    Unlike the bare tool, a file without a snapshot fails here (the tool would write one and
//    pass), and so does a snapshot whose policy file is gone.
// 2. Assertion tests (vscode-tmgrammar-test) in test/cases/: source lines followed by
//    `# ^^^ scope` lines.
//
// Usage: node test/run.js [--update]
// Prints one line per file and closes with `grammar: N passed, M failed`.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const here = path.resolve(__dirname, '..');
const repo = path.resolve(here, '..', '..');
const snapshotsDir = path.join(here, 'test', 'snapshots');
const casesDir = path.join(here, 'test', 'cases');
const tool = path.join(here, 'node_modules', 'vscode-tmgrammar-test', 'dist');
const update = process.argv.includes('--update');

/** The policy folders whose files are snapshot-tested, relative to the repository. */
const POLICY_DIRS = ['policies', 'policies/examples'];
const EXTENSIONS = ['.campaign', '.tests'];

const results = []; // { name, ok, detail }

function listFiles(dir, extensions) {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && extensions.some((x) => e.name.endsWith(x)))
    .map((e) => e.name)
    .sort();
}

function walk(dir) {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

function stripAnsi(text) {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

function runTool(script, args, cwd) {
  const r = spawnSync(process.execPath, [path.join(tool, script), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) {
    throw r.error;
  }
  return { status: r.status, output: stripAnsi((r.stdout || '') + (r.stderr || '')) };
}

/** Which of `files` the tool's output reports as passed (`✓ FILE run successfully.`). */
function passedIn(output, files) {
  const passed = new Set();
  for (const line of output.split(/\r?\n/)) {
    const m = /^\s*[✓√] (.+?) run successful+y\.\s*$/.exec(line);
    if (m) {
      passed.add(path.resolve(m[1]));
    }
  }
  return files.filter((f) => passed.has(path.resolve(f)));
}

// ---------------------------------------------------------------- snapshots

function snapshotTests() {
  const sources = POLICY_DIRS.flatMap((dir) =>
    listFiles(path.join(repo, dir), EXTENSIONS).map((name) => path.posix.join(dir, name)),
  );
  if (sources.length === 0) {
    results.push({ name: 'snapshots', ok: false, detail: `no policy files under ${repo}` });
    return;
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'campaign-grammar-snap-'));
  try {
    const toRun = [];
    for (const rel of sources) {
      const copy = path.join(work, rel);
      fs.mkdirSync(path.dirname(copy), { recursive: true });
      fs.copyFileSync(path.join(repo, rel), copy);
      const snap = path.join(snapshotsDir, rel + '.snap');
      if (fs.existsSync(snap)) {
        fs.copyFileSync(snap, copy + '.snap');
        toRun.push(rel);
      } else if (update) {
        toRun.push(rel);
      } else {
        results.push({
          name: rel,
          ok: false,
          detail: `no snapshot test/snapshots/${rel}.snap: run \`npm run test:update\` and review it`,
        });
      }
    }

    // Snapshots whose policy file is gone.
    const wanted = new Set(sources.map((rel) => path.join(snapshotsDir, rel + '.snap')));
    for (const snap of walk(snapshotsDir).filter((p) => p.endsWith('.snap'))) {
      if (!wanted.has(snap)) {
        const rel = path.relative(snapshotsDir, snap);
        if (update) {
          fs.unlinkSync(snap);
          console.log(`removed stale snapshot test/snapshots/${rel}`);
        } else {
          results.push({ name: rel, ok: false, detail: 'snapshot without a policy file (run `npm run test:update`)' });
        }
      }
    }

    if (toRun.length > 0) {
      const args = ['--config', path.join(here, 'package.json')];
      if (update) {
        args.push('--updateSnapshot');
      }
      const files = toRun.map((rel) => path.join(work, rel));
      const { status, output } = runTool('snapshot.js', [...args, ...files], work);
      const passed = new Set(passedIn(output, files));
      let failures = 0;
      for (const rel of toRun) {
        const ok = update || passed.has(path.join(work, rel));
        failures += ok ? 0 : 1;
        results.push({ name: rel, ok, detail: ok ? '' : 'tokens differ from the snapshot (see above)' });
      }
      if (status !== 0 && failures === 0) {
        // The tool failed without naming a file: count that as a failure too.
        results.push({ name: 'vscode-tmgrammar-snap', ok: false, detail: `exit status ${status}` });
      }
      if (status !== 0 || update) {
        process.stdout.write(output.replaceAll(work + path.sep, ''));
      }
      if (update) {
        for (const rel of toRun) {
          const target = path.join(snapshotsDir, rel + '.snap');
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.copyFileSync(path.join(work, rel + '.snap'), target);
        }
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- assertions

function assertionTests() {
  const cases = listFiles(casesDir, EXTENSIONS).map((name) => path.join(casesDir, name));
  if (cases.length === 0) {
    results.push({ name: 'test/cases', ok: false, detail: 'no assertion test files' });
    return;
  }
  const { status, output } = runTool(
    'unit.js',
    ['--config', path.join(here, 'package.json'), ...cases],
    here,
  );
  const passed = new Set(passedIn(output, cases));
  let failures = 0;
  for (const file of cases) {
    const ok = passed.has(file);
    failures += ok ? 0 : 1;
    results.push({ name: path.relative(here, file), ok, detail: ok ? '' : 'assertions failed (see above)' });
  }
  if (status !== 0) {
    process.stdout.write(output);
    if (failures === 0) {
      results.push({ name: 'vscode-tmgrammar-test', ok: false, detail: `exit status ${status}` });
    }
  }
}

// ---------------------------------------------------------------- report

snapshotTests();
if (!update) {
  assertionTests();
}
for (const r of results) {
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.detail ? `: ${r.detail}` : ''}`);
}
const failed = results.filter((r) => !r.ok).length;
if (update) {
  console.log(`updated ${results.filter((r) => r.ok).length} snapshots under test/snapshots/`);
  process.exit(failed > 0 ? 1 : 0);
}
console.log(`grammar: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
