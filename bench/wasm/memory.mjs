// WebAssembly memory while a big file goes through a dry run (a runner, not a test): the file is
// read from disk in 1 MiB chunks and pushed into a Session, as the worker does with
// File.stream(); every tenth of the file, the size of WebAssembly memory and the bytes malloc has
// handed out are printed. Only the de-duplication set may grow with the file.
//
//   node bench/wasm/memory.mjs FILE [--template NAME] [--context FILE.json] [--no-report]
//   node bench/wasm/memory.mjs build/data/prospects_5000000.csv --context examples/prospects_context.json
//
// --no-report: the session keeps no finding for the final report (the worker's batches only).
import fs from 'node:fs';

import { loadRowgate } from '../../wasm/cli.mjs';

const CHUNK = 1 << 20;
const MiB = 1024 * 1024;

const argv = process.argv.slice(2);
if (argv.length === 0) {
  console.error('usage: node bench/wasm/memory.mjs FILE [--template NAME] [--context FILE.json] [--no-report]');
  process.exit(2);
}
const file = argv[0];
let template = 'prospects';
let context = '';
let report = true;
for (let i = 1; i < argv.length; ++i) {
  if (argv[i] === '--template') template = argv[++i];
  else if (argv[i] === '--context') context = fs.readFileSync(argv[++i], 'utf8');
  else if (argv[i] === '--no-report') report = false;
}

const size = fs.statSync(file).size;
const rowgate = await loadRowgate();
const mib = (n) => (n / MiB).toFixed(1).padStart(7);
const line = (what, counts) => {
  const m = rowgate.memory();
  const rows = counts ? String(counts.rows).padStart(9) : ''.padStart(9);
  console.log(`${what.padEnd(14)} rows ${rows}  wasm memory ${mib(m.heap)} MiB  malloc in use ${mib(m.used)} MiB`);
};

console.log(`${file}: ${(size / 1e6).toFixed(0)} MB, template ${template}, report ${report ? 'kept' : 'not kept'}`);
line('module loaded');
const session = new rowgate.Session(template, context, JSON.stringify({ format: file.endsWith('.jsonl') ? 'jsonl' : 'csv' }), {
  report,
});
line('session made');

const fd = fs.openSync(file, 'r');
const buffer = new Uint8Array(CHUNK);
let fed = 0;
let next = size / 10;
let findings = 0;
let counts;
for (;;) {
  const n = fs.readSync(fd, buffer, 0, CHUNK, null);
  if (n === 0) break;
  counts = session.push(buffer.subarray(0, n));
  if (counts.findingsJson) findings += JSON.parse(counts.findingsJson).length;
  fed += n;
  if (fed >= next) {
    line(`${Math.round((fed * 100) / size)}% fed`, counts);
    next += size / 10;
  }
}
fs.closeSync(fd);
const end = session.finish();
line('finished', end);
console.log(`${findings} findings in the batches; report ${end.report.length} characters`);
session.delete();
line('session deleted');
