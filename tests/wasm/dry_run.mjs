// The worker (wasm/worker.mjs) and its API (wasm/rowgate.mjs), in Node: the worker is served on
// one end of a MessageChannel, so every request and answer is a real, cloned message.
// Each shared vector goes through rowgate.dryRun() and must give the report of expected.json;
// the findings batches must add up to the report's findings, and the records to the error and
// duplicate lines of expected_results.jsonl. Then: bytes posted in chunks, cancel, and a module
// that fails to load.
//
//   node --test-reporter=tap tests/wasm/dry_run.mjs    (ROWGATE_WASM_DIR: where rowgate.wasm is)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { loadRowgate, runCheck, wasmDir } from '../../wasm/cli.mjs';
import { Rowgate } from '../../wasm/rowgate.mjs';
import { serve } from '../../wasm/worker.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VECTORS = path.resolve(HERE, '..', 'vectors');
const DIR = wasmDir();
const MODULE = pathToFileURL(path.join(DIR, 'rowgate.js'));
const WASM = pathToFileURL(path.join(DIR, 'rowgate.wasm'));

/// A Rowgate connected to a worker served in this process.
function connect(moduleUrl = MODULE, wasmUrl = WASM) {
  const { port1, port2 } = new MessageChannel();
  serve(port2, { moduleUrl, wasmUrl });
  const rowgate = new Rowgate(port1);
  return { rowgate, close: () => (port1.close(), port2.close()) };
}

/// Fails instead of hanging when a promise never settles.
function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/// The dryRun() arguments that say what the case's `rowgate check` arguments say.
function caseRun(name) {
  const dir = path.join(VECTORS, name);
  const input = fs.readdirSync(dir).find((file) => file.startsWith('input'));
  const words = fs.readFileSync(path.join(dir, 'args'), 'utf8').split('\n').filter((line) => line !== '');
  // rowgate check's words for the controls that fix a finding (" with --map"), as the vectors'
  // expected reports were written by it.
  const run = { options: {}, mapping: undefined, hints: 'command-line' };
  for (let i = 0; i < words.length; ++i) {
    const word = words[i];
    const value = () => words[++i];
    if (word === '--template') {
      const t = value();
      run.template = t.endsWith('.json') ? fs.readFileSync(path.join(dir, t), 'utf8') : t;
    } else if (word === '--context') run.context = fs.readFileSync(path.join(dir, value()), 'utf8');
    else if (word === '--encoding') run.options.encoding = value();
    else if (word === '--format') run.options.format = value();
    else if (word === '--delimiter') run.options.delimiter = value();
    else if (word === '--no-header') run.options.no_header = true;
    else if (word === '--header-row') {
      const row = value();
      run.options.header_row = row === 'auto' ? 0 : Number(row);
    }
    else if (word === '--sheet') run.options.sheet = value();
    // A page passes a person's edits with the options: {edits: {...}, skip: [...]}.
    else if (word === '--edits') Object.assign(run.options, JSON.parse(fs.readFileSync(path.join(dir, value()), 'utf8')));
    else if (word === '--map') {
      const m = value();
      const eq = m.lastIndexOf('=');
      run.mapping = { ...run.mapping, [m.slice(0, eq)]: m.slice(eq + 1) };
    } else throw new Error(`${name}: no dryRun option for ${word}`);
  }
  // rowgate check takes the format from the file name; a dry run is told it.
  run.options.format ??= input.endsWith('.jsonl') ? 'jsonl' : input.endsWith('.xlsx') ? 'xlsx' : 'csv';
  const bytes = fs.readFileSync(path.join(dir, input));
  return { dir, input, bytes, run };
}

async function collect(run) {
  const findings = [];
  const records = [];
  const progress = [];
  run.onFindings((batch) => {
    findings.push(...batch.findings);
    records.push(...batch.records);
  });
  run.onProgress((p) => progress.push(p));
  const result = await within(run.done, 20000, 'dry run');
  return { result, findings, records, progress };
}

function expectedRecords(dir) {
  return fs
    .readFileSync(path.join(dir, 'expected_results.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line))
    .filter((r) => r.outcome === 'error' || r.outcome === 'duplicate')
    .map(({ row, line, outcome, key }) => ({ row, line, outcome, key }));
}

const names = fs
  .readdirSync(VECTORS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe('rowgate.dryRun over the shared vectors', () => {
  const { rowgate, close } = connect();
  for (const name of names) {
    test(name, async () => {
      const { dir, input, bytes, run } = caseRun(name);
      const started = rowgate.dryRun(new File([bytes], input), run);
      const expected = fs.readFileSync(path.join(dir, 'expected.json'), 'utf8');
      if (JSON.parse(expected).findings.some((f) => f.code === 'invalid_template')) {
        await assert.rejects(started.done, (error) => error.code === 'invalid_template');
        return;
      }
      const { result, findings, records, progress } = await collect(started);
      assert.equal(result.report, expected);
      assert.deepEqual(findings, JSON.parse(result.report).findings);
      assert.deepEqual(
        records.map(({ row, line, outcome, key }) => ({ row, line, outcome, key })),
        expectedRecords(dir),
      );
      assert.deepEqual(result.summary, JSON.parse(expected).summary);
      assert.ok(progress.length > 0, 'no progress');
      assert.equal(progress.at(-1).bytes, bytes.length);
      assert.equal(progress.at(-1).rows, result.summary.rows);
      const keys = ['bytes', 'create', 'duplicate', 'error', 'rows', 'total', 'update', 'warnings'];
      assert.deepEqual(Object.keys(progress.at(-1)).sort(), keys);
      assert.deepEqual({ ...result.counts, total: bytes.length }, progress.at(-1));
    });
  }
  test('close', () => close());
});

// The widget's "Download errors" is the dry run's errorsFile: it must be the very bytes that
// `rowgate check --errors` writes (here through wasm/cli.mjs, which parity.mjs holds to the
// native binary's bytes).
describe('the dry run\'s errors file is rowgate check --errors', () => {
  const { rowgate, close } = connect();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rowgate-errors-'));
  let module;
  for (const name of names) {
    test(name, async () => {
      const { dir, input, bytes, run } = caseRun(name);
      if (JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')).findings.some((f) => f.code === 'invalid_template')) return;
      const { result } = await collect(rowgate.dryRun(new File([bytes], input), { ...run, errors: true }));
      module ??= await loadRowgate();
      const errorsFile = path.join(scratch, `${name}.csv`);
      const args = fs.readFileSync(path.join(dir, 'args'), 'utf8').split('\n').filter((line) => line !== '');
      runCheck(module, [input, ...args, '--errors', errorsFile], { cwd: dir, stdout: () => {}, stderr: () => {} });
      assert.ok(result.errorsFile instanceof Blob, 'errorsFile is a Blob');
      assert.deepEqual(Buffer.from(await result.errorsFile.arrayBuffer()), fs.readFileSync(errorsFile));
    });
  }
  test('close', () => {
    close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });
});

// The setup errors of tests/setup_errors/cases.json: the worker rejects with the core's code,
// the code the REST API answers for the same input (tests/server/api_test.cpp runs the table).
describe('what the core cannot use is rejected with the core\'s code', () => {
  const cases = JSON.parse(fs.readFileSync(path.resolve(HERE, '..', 'setup_errors', 'cases.json'), 'utf8'));
  const { rowgate, close } = connect();
  for (const c of cases) {
    test(c.name, async () => {
      const run = rowgate.dryRun(new File(['Partner Name,Contact Email,Site\n'], 'a.csv'), {
        template: c.template,
        options: c.options,
        mapping: c.mapping,
        context: c.fixed ? { fixed: c.fixed } : undefined,
      });
      await assert.rejects(within(run.done, 20000, 'dry run'), (error) => error.code === c.code);
    });
  }
  test('close', () => close());
});

describe('findings are worded with the adapter\'s controls', () => {
  const { rowgate, close } = connect();
  const file = () => new File(['Partner Name,Email,Email Address\nAcme,a@example.com,a@example.com\n'], 'h.csv');
  test('the command line says --map', async () => {
    const { result } = await collect(rowgate.dryRun(file(), { template: 'prospects', hints: 'command-line' }));
    const [finding] = JSON.parse(result.report).findings.filter((f) => f.code === 'duplicate_column');
    assert.match(finding.message, /; remove one, or map it elsewhere with --map\.$/);
  });
  test('a page says where its own control is', async () => {
    const hints = { map: ' in the Map step', encoding: ' under Encoding in the File step' };
    const { result, findings } = await collect(rowgate.dryRun(file(), { template: 'prospects', hints }));
    const [finding] = JSON.parse(result.report).findings.filter((f) => f.code === 'duplicate_column');
    assert.match(finding.message, /; remove one, or map it elsewhere in the Map step\.$/);
    assert.ok(findings.every((f) => !f.message.includes('--')), 'no command-line flag in a page\'s findings');
  });
  test('no words: the core\'s sentence alone', async () => {
    const { result } = await collect(rowgate.dryRun(file(), { template: 'prospects' }));
    const [finding] = JSON.parse(result.report).findings.filter((f) => f.code === 'duplicate_column');
    assert.match(finding.message, /; remove one, or map it elsewhere\.$/);
  });
  test('close', () => close());
});

describe('Session', () => {
  test('memory does not grow with the file beyond the de-duplication set', async () => {
    const { loadRowgate } = await import('../../wasm/cli.mjs');
    const rowgate = await loadRowgate();
    const session = new rowgate.Session('prospects', '', '', { report: false });
    const encoder = new TextEncoder();
    session.push(encoder.encode('Partner Name,Contact Email,Media Property\n'));
    const rows = 20000;
    const chunks = 20;
    let usedAfterFirst = 0;
    for (let c = 0; c < chunks; ++c) {
      let text = '';
      for (let i = 0; i < rows; ++i) text += `P${c}.${i},p${c}.${i}@example.com,https://p${c}-${i}.example.com\n`;
      const out = session.push(encoder.encode(text));
      if (out.findingsJson) JSON.parse(out.findingsJson);
      if (c === 0) usedAfterFirst = rowgate.memory().used;
    }
    const used = rowgate.memory().used;
    session.finish();
    session.delete();
    // The key table (12 bytes a slot, at most 80% full) grows from 2^15 slots after 20,000 keys
    // to 2^19 after 400,000; everything else is bounded by the chunk and the record, and a leak
    // of one byte a row would show.
    const tableGrowth = ((1 << 19) - (1 << 15)) * 12;
    const grew = used - usedAfterFirst;
    assert.ok(grew <= tableGrowth + 64 * 1024, `malloc in use grew by ${grew} bytes; the key table by ${tableGrowth}`);
  });
});

describe('rowgate.dryRun', () => {
  test('bytes posted in chunks give the same report as the file', async () => {
    const { rowgate, close } = connect();
    try {
      const { dir, bytes, run } = caseRun('prospects_each_defect');
      async function* sevens() {
        for (let at = 0; at < bytes.length; at += 7) yield bytes.subarray(at, at + 7);
      }
      const { result } = await collect(rowgate.dryRun(sevens(), run));
      assert.equal(result.report, fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
      const whole = await collect(rowgate.dryRun(bytes, run));
      assert.equal(whole.result.report, result.report);
    } finally {
      close();
    }
  });

  test('errorValues: values come with error and duplicate records only, in messages of at most 1,000 findings', async () => {
    const { rowgate, close } = connect();
    try {
      const bad = 2500;
      let text = 'Partner Name,Contact Email,Media Property\n';
      for (let i = 0; i < bad; ++i) text += `P${i},bad${i},https://p.example.com/\n`;
      text += 'Ok,ok@example.com,https://ok.example.com/\nAgain,OK@example.com,https://ok.example.com/\n';
      const bytes = new TextEncoder().encode(text);
      for (const errorValues of [true, false]) {
        const sizes = [];
        const records = [];
        const run = rowgate.dryRun(bytes, { template: 'prospects', errorValues, report: false });
        run.onFindings((batch) => {
          sizes.push(batch.findings.length);
          records.push(...batch.records);
        });
        const result = await within(run.done, 20000, 'dry run');
        assert.equal(result.summary.invalid, bad + 1);
        assert.ok(Math.max(...sizes) <= 1000, `a message of ${Math.max(...sizes)} findings`);
        assert.equal(sizes.reduce((a, b) => a + b, 0), bad + 1);
        assert.deepEqual(records.map((r) => r.outcome), [...Array(bad).fill('error'), 'duplicate']);
        if (errorValues) {
          assert.deepEqual(records[7].values, { 'Partner Name': 'P7', 'Contact Email': 'bad7', 'Media Property': 'https://p.example.com/' });
          assert.equal(records.at(-1).values['Contact Email'], 'OK@example.com');
        } else {
          for (const r of records) assert.deepEqual(r.values, {});
        }
      }
    } finally {
      close();
    }
  });

  test('preview of a workbook: its sheets with their sizes, and the first rows of the sheet asked for', async () => {
    const { rowgate, close } = connect();
    try {
      const bytes = fs.readFileSync(path.join(VECTORS, 'xlsx_sheet_by_name', 'input.xlsx'));
      const file = new File([bytes], 'contacts.xlsx');
      const first = await within(rowgate.preview(file, { template: 'prospects', sampleRows: 2 }), 20000, 'preview');
      assert.equal(first.input.format, 'xlsx');
      assert.equal(first.input.sheet, 'Summary');
      assert.deepEqual(first.sheets.map((s) => s.name), ['Summary', 'Contacts']);
      for (const sheet of first.sheets) {
        assert.ok(sheet.bytes > 0, JSON.stringify(sheet));
        assert.equal(sheet.hidden, false);
      }
      const contacts = await within(
        rowgate.preview(file, { template: 'prospects', options: { sheet: 'Contacts' }, sampleRows: 2 }),
        20000,
        'preview',
      );
      assert.equal(contacts.input.sheet, 'Contacts');
      const email = contacts.mapping.findIndex((m) => m.field === 'Contact Email');
      assert.ok(email >= 0, JSON.stringify(contacts.mapping));
      assert.equal(contacts.samples[email].length, 2);
      const bySecond = await within(
        rowgate.preview(file, { template: 'prospects', options: { sheet: 2 }, sampleRows: 1 }),
        20000,
        'preview',
      );
      assert.equal(bySecond.input.sheet, 'Contacts');
    } finally {
      close();
    }
  });

  test('preview: the format, mapping and first values of each column from the first bytes', async () => {
    const { rowgate, close } = connect();
    try {
      // No column for Media Property, which is required: the columns left to map still show values.
      const text = 'Partner Name;E-mail;Shoe Size\n Acme ;ana@example.com;\nBeta;bo@example.com;10\nGamma;cy@example.com;11\n';
      const file = new File([text], 'partners.csv');
      const head = await within(rowgate.preview(file, { template: 'prospects', sampleRows: 2 }), 20000, 'preview');
      assert.equal(head.input.format, 'csv');
      assert.equal(head.input.delimiter, ';');
      assert.deepEqual(head.mapping.map((m) => m.column), ['Partner Name', 'E-mail', 'Shoe Size']);
      assert.equal(head.mapping[1].field, 'Contact Email');
      assert.deepEqual(head.samples, [['Acme', 'Beta'], ['ana@example.com', 'bo@example.com'], ['10']]);

      // More than the first 64 KiB: the preview reads only those, and the file's end is not seen.
      const big = new File([text + `x;y;z\n`.repeat(20000)], 'big.csv');
      const bigHead = await within(rowgate.preview(big, { template: 'prospects', sampleRows: 1 }), 20000, 'preview');
      assert.deepEqual(bigHead.samples, [['Acme'], ['ana@example.com'], []]);

      const cases = [
        [{ template: 'no_such_template' }, 'invalid_template'],
        [{ template: 'prospects', options: { format: 'xls' } }, 'invalid_options'],
        [{ template: 'prospects', mapping: { Site: 'no such field' } }, 'invalid_mapping'],
      ];
      for (const [options, code] of cases) {
        await assert.rejects(within(rowgate.preview(file, options), 20000, code), (error) => {
          assert.equal(error.code, code);
          assert.match(error.message, /\S/);
          return true;
        });
      }
    } finally {
      close();
    }
  });

  test('cancel stops a file being read and rejects with an AbortError', async () => {
    const { rowgate, close } = connect();
    try {
      const rows = ['Partner Name,Contact Email,Media Property\n'];
      for (let i = 0; i < 400000; ++i) rows.push(`Ann ${i},ann${i}@example.com,https://ann${i}.example.com\n`);
      const big = new File(rows, 'big.csv');
      const run = rowgate.dryRun(big, { template: 'prospects' });
      let bytes = 0;
      run.onProgress((p) => {
        bytes = p.bytes;
        run.cancel();
      });
      await assert.rejects(within(run.done, 20000, 'cancel'), { name: 'AbortError' });
      assert.ok(bytes < big.size, 'the whole file was read before the cancel took');
    } finally {
      close();
    }
  });

  test('cancel stops bytes being posted', async () => {
    const { rowgate, close } = connect();
    try {
      let pushed = 0;
      async function* endless() {
        yield new TextEncoder().encode('Partner Name,Contact Email,Media Property\n');
        for (;;) {
          pushed += 1;
          let rows = '';
          for (let i = 0; i < 1000; ++i) rows += `Ann,ann${pushed}.${i}@example.com,https://ann.example.com\n`;
          yield new TextEncoder().encode(rows);
        }
      }
      const run = rowgate.dryRun(endless(), { template: 'prospects' });
      run.onProgress(() => run.cancel());
      await assert.rejects(within(run.done, 20000, 'cancel'), { name: 'AbortError' });
      const after = pushed;
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(pushed <= after + 1, 'bytes were still posted after the cancel');
    } finally {
      close();
    }
  });

  test('a bad template, context or option rejects with its code', async () => {
    const { rowgate, close } = connect();
    try {
      const cases = [
        [{ template: 'no_such_template' }, 'invalid_template'],
        [{ template: 'prospects', context: '{"sets": 3}' }, 'invalid_context'],
        [{ template: 'prospects', options: { format: 'xls' } }, 'invalid_options'],
        [{ template: 'prospects', mapping: { Site: 'no such field' } }, 'invalid_mapping'],
      ];
      for (const [options, code] of cases) {
        await assert.rejects(within(rowgate.dryRun(new Uint8Array(1), options).done, 20000, code), (error) => {
          assert.equal(error.code, code);
          assert.match(error.message, /\S/);
          return true;
        });
      }
    } finally {
      close();
    }
  });

  test('a module that is missing rejects with a clear error', async () => {
    const { rowgate, close } = connect(new URL('file:///nonexistent/rowgate.js'), WASM);
    try {
      await assert.rejects(within(rowgate.dryRun(new Uint8Array(1), { template: 'prospects' }).done, 20000, 'load'), {
        name: 'ModuleError',
        message: /failed to load \(file:\/\/\/nonexistent\/rowgate\.js with /,
      });
    } finally {
      close();
    }
  });

  test('a .wasm that is not WebAssembly rejects with a clear error', async () => {
    const { rowgate, close } = connect(MODULE, pathToFileURL(path.join(VECTORS, 'README.md')));
    try {
      await assert.rejects(within(rowgate.dryRun(new Uint8Array(1), { template: 'prospects' }).done, 20000, 'load'), {
        name: 'ModuleError',
      });
    } finally {
      close();
    }
  });

  test('a worker that fails rejects its runs, and the runs after', async () => {
    const worker = { postMessage() {}, onerror: null, onmessage: null };
    const rowgate = new Rowgate(worker);
    const run = rowgate.dryRun(new Uint8Array(1), { template: 'prospects' });
    worker.onerror({ message: 'worker.mjs: 404' });
    await assert.rejects(run.done, { name: 'WorkerError', message: /404/ });
    await assert.rejects(rowgate.dryRun(new Uint8Array(1), { template: 'prospects' }).done, { name: 'WorkerError' });
  });
});
