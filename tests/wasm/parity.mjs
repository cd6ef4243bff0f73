// Native/WebAssembly parity over the shared vectors (tests/vectors/, see its README): each case
// goes through `rowgate check` on rowgate.wasm (wasm/cli.mjs) exactly as the native tests run
// it (--json, and --results OUT.jsonl, which asks for values), whole and in chunks of 1, 7 and
// 4096 bytes, and must print expected.json and write expected_results.jsonl byte for byte.
// Without --results (no values asked for) it must print the same report. With ROWGATE_NATIVE
// (the native `rowgate` binary), each case also runs without --json, with --errors and a CSV
// --results, through both builds: stdout, stderr, exit status and both files must be the same;
// and so must the answers of both programs to usage errors and unreadable files.
//
//   node --test-reporter=tap tests/wasm/parity.mjs     (ROWGATE_WASM_DIR: where rowgate.wasm is)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadRowgate, runCheck } from '../../wasm/cli.mjs';

const VECTORS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'vectors');
const CHUNKS = [0, 1, 7, 4096]; // 0: the whole input in one push

const rowgate = await loadRowgate();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rowgate-parity-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const names = fs
  .readdirSync(VECTORS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/// The case's `rowgate check` words: the input file, then its args file, one word a line.
function words(dir) {
  const input = fs.readdirSync(dir).find((name) => name.startsWith('input'));
  assert.ok(input, `${dir} has no input file`);
  const args = fs.readFileSync(path.join(dir, 'args'), 'utf8').split('\n').filter((line) => line !== '');
  return { input, words: [input, ...args] };
}

/// Runs one case; returns what it printed and the results file it wrote (with `results`).
function runCase(name, chunk, { results: wantResults = true } = {}) {
  const dir = path.join(VECTORS, name);
  const { input, words: base } = words(dir);
  const results = path.join(scratch, `${name}.${chunk}.jsonl`);
  const size = fs.statSync(path.join(dir, input)).size;
  const printed = [];
  const errors = [];
  const extra = wantResults ? ['--json', '--results', results] : ['--json'];
  const status = runCheck(rowgate, [...base, ...extra], {
    cwd: dir,
    chunkSize: chunk || Math.max(size, 1),
    stdout: (bytes) => printed.push(Buffer.from(bytes)),
    stderr: (text) => errors.push(Buffer.from(text).toString()),
  });
  // A template that cannot be used stops the command before it opens the results file.
  const written = fs.existsSync(results) ? fs.readFileSync(results) : Buffer.alloc(0);
  fs.rmSync(results, { force: true });
  return { status, stdout: Buffer.concat(printed), results: written, stderr: errors.join('') };
}

/// Reports the first differing line, which says more than two long buffers do.
function assertSameBytes(actual, expected, what) {
  if (actual.equals(expected)) return;
  const a = actual.toString().split('\n');
  const e = expected.toString().split('\n');
  let i = 0;
  while (i < a.length && i < e.length && a[i] === e[i]) ++i;
  assert.fail(`${what} differs at line ${i + 1}:\n  wasm:     ${a[i]}\n  expected: ${e[i]}`);
}

for (const chunk of CHUNKS) {
  describe(chunk ? `chunks of ${chunk} bytes` : 'whole input', () => {
    for (const name of names) {
      test(name, () => {
        const dir = path.join(VECTORS, name);
        const got = runCase(name, chunk);
        assert.ok([0, 1, 2].includes(got.status), `exit status ${got.status}: ${got.stderr}`);
        assertSameBytes(got.stdout, fs.readFileSync(path.join(dir, 'expected.json')), 'stdout (--json)');
        assertSameBytes(got.results, fs.readFileSync(path.join(dir, 'expected_results.jsonl')), '--results');
      });
    }
  });
}

describe('whole input, without --results', () => {
  for (const name of names) {
    test(name, () => {
      const got = runCase(name, 0, { results: false });
      assertSameBytes(got.stdout, fs.readFileSync(path.join(VECTORS, name, 'expected.json')), 'stdout (--json)');
    });
  }
});

const NATIVE = process.env.ROWGATE_NATIVE;

/// Reads and removes an output file; null when the command did not write it.
function take(file) {
  if (!fs.existsSync(file)) return null;
  const bytes = fs.readFileSync(file);
  fs.rmSync(file);
  return bytes;
}

describe('the summary, --errors and a CSV --results, against the native binary', { skip: !NATIVE && 'ROWGATE_NATIVE is not set' }, () => {
  for (const name of names) {
    test(name, () => {
      const dir = path.join(VECTORS, name);
      const { words: base } = words(dir);
      const outputs = (build) => ['errors', 'results'].map((kind) => path.join(scratch, `${name}.${build}.${kind}.csv`));
      const [nativeErrors, nativeResults] = outputs('native');
      const native = spawnSync(path.resolve(NATIVE), ['check', ...base, '--errors', nativeErrors, '--results', nativeResults], {
        cwd: dir,
      });
      const [wasmErrors, wasmResults] = outputs('wasm');
      const printed = [];
      const errors = [];
      const status = runCheck(rowgate, [...base, '--errors', wasmErrors, '--results', wasmResults], {
        cwd: dir,
        stdout: (bytes) => printed.push(Buffer.from(bytes)),
        stderr: (text) => errors.push(Buffer.from(text)),
      });
      assert.equal(status, native.status, 'exit status');
      assertSameBytes(Buffer.concat(printed), native.stdout, 'stdout');
      assertSameBytes(Buffer.concat(errors), native.stderr, 'stderr');
      for (const [mine, theirs, what] of [
        [wasmErrors, nativeErrors, '--errors'],
        [wasmResults, nativeResults, '--results (CSV)'],
      ]) {
        const a = take(mine);
        const b = take(theirs);
        assert.equal(a === null, b === null, `${what}: written by one build only`);
        if (a) assertSameBytes(a, b, what);
      }
    });
  }
});

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'wasm', 'cli.mjs');

describe('usage errors and unreadable files, against the native binary', { skip: !NATIVE && 'ROWGATE_NATIVE is not set' }, () => {
  const input = path.join(VECTORS, 'prospects_each_defect', 'input.csv');
  const missing = path.join(scratch, 'missing', 'file');
  // Only `check`: the native program has other commands (serve, admin) and says so in its usage.
  const cases = [
    ['check'],
    ['check', '--help'],
    ['check', input],
    ['check', missing, '--template', 'prospects'],
    ['check', scratch, '--template', 'prospects'],
    ['check', input, '--template', `${missing}.json`],
    ['check', input, '--template', 'no_such_template'],
    ['check', input, '--template', 'no_such_template', '--json'],
    ['check', input, '--template', 'prospects', '--context', `${missing}.json`],
    ['check', input, '--template', 'prospects', '--context', input],
    ['check', input, '--template', 'prospects', '--map', 'Site=no such field'],
    ['check', input, '--template', 'prospects', '--errors', `${missing}.csv`],
    ['check', input, '--template', 'prospects', '--results', `${missing}.jsonl`],
    ['check', input, '--template', 'prospects', '--results', 'results.txt'],
    ['check', input, '--template', 'prospects', '--delimiter', 'x'],
    ['check', input, 'second.csv', '--template', 'prospects'],
    ['check', '-', '--template', 'prospects'],
  ];
  for (const words of cases) {
    test(words.join(' '), () => {
      const stdin = fs.readFileSync(input);
      const native = spawnSync(path.resolve(NATIVE), words, { input: stdin });
      const wasm = spawnSync(process.execPath, [CLI, ...words], { input: stdin });
      assert.equal(wasm.status, native.status, `exit status; stderr: ${wasm.stderr}`);
      assertSameBytes(wasm.stdout, native.stdout, 'stdout');
      assertSameBytes(wasm.stderr, native.stderr, 'stderr');
    });
  }
});
