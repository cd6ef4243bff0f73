// WebAssembly benchmark (a runner, not a timed test): a generated file through rowgate.wasm in
// Node, reporting MB/s and the WebAssembly memory it took. Figures are kept by hand in
// bench/results/wasm.md, with the command that made them.
//
//   node bench/wasm/run.mjs FILE [rowgate check arguments...]
//   node bench/wasm/run.mjs build/data/prospects_500000.csv --template prospects --context examples/prospects_context.json
//
// Three measures:
//   process   `node wasm/cli.mjs check FILE ARGS` as a user runs it: wall time of the whole
//             process (start-up, module compile, reading the file, the summary), best of --runs
//   check     the same command in this process, file read from disk in 1 MiB chunks
//   dry run   the browser's path: a Session fed the file in 1 MiB chunks from memory, findings
//             batches parsed as the worker does, report at the end (file read beforehand)
// Memory: WebAssembly memory never shrinks, so its size after a run is the run's peak; each
// in-process measure runs in a fresh module instance.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadRowgate, runCheck } from '../../wasm/cli.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHUNK = 1 << 20;
const MiB = 1024 * 1024;

function usage() {
  console.error('usage: node bench/wasm/run.mjs FILE [--runs N] [rowgate check arguments...]');
  process.exit(2);
}

const argv = process.argv.slice(2);
if (argv.length === 0) usage();
const file = argv[0];
let runs = 3;
const words = [];
for (let i = 1; i < argv.length; ++i) {
  if (argv[i] === '--runs') runs = Number(argv[++i]);
  else words.push(argv[i]);
}
const size = fs.statSync(file).size;
const mb = (seconds) => (size / 1e6 / seconds).toFixed(0);

function best(times) {
  return Math.min(...times);
}

// ---- process ---------------------------------------------------------------------------------
const processTimes = [];
for (let r = 0; r < runs; ++r) {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [path.join(ROOT, 'wasm', 'cli.mjs'), 'check', file, ...words], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  processTimes.push(Number(process.hrtime.bigint() - start) / 1e9);
  if (child.status !== 0 && child.status !== 1) throw new Error(`rowgate check exited with ${child.status}`);
}

// ---- check, in process --------------------------------------------------------------------------
const checkTimes = [];
let checkMemory;
for (let r = 0; r < runs; ++r) {
  const rowgate = await loadRowgate();
  const start = process.hrtime.bigint();
  runCheck(rowgate, [file, ...words], { stdout: () => {} });
  checkTimes.push(Number(process.hrtime.bigint() - start) / 1e9);
  checkMemory = rowgate.memory();
}

// ---- dry run, in process ----------------------------------------------------------------------
const args = (await loadRowgate()).parseCheckArgs([file, ...words]);
const template = args.templateIsFile ? fs.readFileSync(args.template, 'utf8') : args.template;
const context = args.context ? fs.readFileSync(args.context, 'utf8') : '';
const format = file.endsWith('.jsonl') ? 'jsonl' : 'csv';
const bytes = fs.readFileSync(file);
const dryTimes = [];
let dryMemory;
let findings = 0;
for (let r = 0; r < runs; ++r) {
  const rowgate = await loadRowgate();
  const session = new rowgate.Session(template, context, JSON.stringify({ format }), {});
  findings = 0;
  const take = (out) => {
    if (out.findingsJson) findings += JSON.parse(out.findingsJson).length;
    if (out.recordsJson) JSON.parse(out.recordsJson);
  };
  const start = process.hrtime.bigint();
  for (let at = 0; at < bytes.length; at += CHUNK) take(session.push(bytes.subarray(at, at + CHUNK)));
  const end = session.finish();
  take(end);
  dryTimes.push(Number(process.hrtime.bigint() - start) / 1e9);
  session.delete();
  dryMemory = rowgate.memory();
}

const show = (name, times, memory) => {
  const t = best(times);
  let line = `${name.padEnd(10)} best ${t.toFixed(3)} s of ${times.length} = ${mb(t)} MB/s`;
  if (memory) line += `; peak wasm memory ${(memory.heap / MiB).toFixed(1)} MiB`;
  console.log(line);
};
console.log(`${path.basename(file)}: ${(size / 1e6).toFixed(1)} MB; rowgate check ${words.join(' ')}`);
show('process', processTimes);
show('check', checkTimes, checkMemory);
show('dry run', dryTimes, dryMemory);
console.log(`dry run: ${findings} findings parsed from the batches`);
