// The Rowgate worker: dry runs in rowgate.wasm, off the main thread. Start it as a module
// worker (new Worker(url, {type: 'module'})) or, anywhere else, call serve(port) on one end of a
// MessageChannel.
//
// Every request is {messageId, type, data}; every response names its request: {requestId,
// type, data} (as duckdb-wasm's worker dispatcher does). A run is the dryRun request's id.
//   dryRun {file?, template, context, options, settings}
//            → progress* and findings*, then exactly one of done or error.
//            With a file (a Blob or File) the worker reads it itself: file.stream(), or for a
//            workbook (.xlsx) slices at any offset (its directory is at its end, and Excel
//            writes its shared strings after its sheets); without one, the bytes come in push
//            requests and the run ends with an end request (a workbook pushed so is held whole).
//   push   {run, chunk}  → ok once the chunk is fed (the sender waits for it: backpressure)
//   end    {run}         → ok; the run then answers done
//   cancel {run}         → ok; the run then answers error {name: 'AbortError'}
//   load   {}           → ok once the WebAssembly module is loaded (a page warms the worker)
//   preview {file, template, options, sampleRows}
//            → ok {input, mapping, samples, sheets?} from the file's first 64 KiB (what the core
//            sniffs from): the detected format, encoding and delimiter, each column's field with
//            how it matched and how sure, and per column its first values; or error. For a
//            workbook: from the first rows of the sheet the options name (the first one by
//            default), and `sheets`, the workbook's sheets [{name, rows, bytes, hidden}]
// Data of the run's answers:
//   progress {bytes, total, rows, create, update, duplicate, error, warnings}
//   findings {findings: [finding...], records: [{row, line, outcome, key, values}...]}
//            findings as the report has them; records only for error and duplicate rows
//   done     {counts, summary, input, mapping, fileError, fileErrorMessage, report, errorsFile?}
//            errorsFile (with settings.errors): a Blob of the core's errors CSV
//   error    {name, message, code?}

const POST_EVERY_MS = 100;
const POST_FINDINGS_AT = 1000;
// A page's main thread reads each message in one task: findings go out in messages of at most
// this many, and the input is fed in slices of FEED_BYTES so that batches stay small and the
// first findings come early.
const MESSAGE_FINDINGS = 1000;
const FEED_BYTES = 256 * 1024;
const YIELD_EVERY_MS = 50;
const PREVIEW_BYTES = 64 * 1024;
// A workbook is read this many inflated bytes of its sheet at a time.
const WORKBOOK_BYTES = 4 * 1024 * 1024;

/// Bytes of a URL: fetch() in browsers, the file system for file: URLs (Node).
async function fetchBytes(url) {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function loadModule(moduleUrl, wasmUrl) {
  try {
    const [{ default: createRowgate }, wasmBinary] = await Promise.all([import(moduleUrl.href), fetchBytes(wasmUrl)]);
    // The bytes are handed over: Emscripten 3.1.6's own loader cannot fetch from a module
    // worker, and cannot read a file on Node.
    return await createRowgate({ wasmBinary, print: () => {}, printErr: () => {} });
  } catch (cause) {
    const where = `${moduleUrl} with ${wasmUrl}`;
    throw named('ModuleError', `Rowgate's WebAssembly module failed to load (${where}): ${messageOf(cause)}`);
  }
}

/// A file the core reads at any offset ({size, read(offset, view)}): synchronous slices of the
/// File where a worker has FileReaderSync (browsers), else the whole file in memory (Node).
async function randomAccess(file) {
  if (typeof FileReaderSync !== 'undefined') {
    const reader = new FileReaderSync();
    return {
      size: file.size,
      read(offset, view) {
        const bytes = new Uint8Array(reader.readAsArrayBuffer(file.slice(offset, offset + view.length)));
        view.set(bytes);
        return bytes.length;
      },
    };
  }
  const all = new Uint8Array(await file.arrayBuffer());
  return {
    size: all.length,
    read(offset, view) {
      const part = all.subarray(offset, offset + view.length);
      view.set(part);
      return part.length;
    },
  };
}

async function isWorkbook(module, file, options) {
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  return module.readsAsWorkbook(head, options ?? '');
}

function named(name, message, code) {
  const error = new Error(message);
  error.name = name;
  if (code) error.code = code;
  return error;
}

function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

function errorData(error) {
  const data = { name: error?.name ?? 'Error', message: messageOf(error) };
  if (error?.code) data.code = error.code;
  return data;
}

// {findings, records} in parts of at most MESSAGE_FINDINGS findings; a record goes with the
// findings of its row (both arrays are in row order).
function* inMessages(findings, records) {
  let r = 0;
  for (let at = 0; at < findings.length; at += MESSAGE_FINDINGS) {
    const part = findings.slice(at, at + MESSAGE_FINDINGS);
    const last = at + MESSAGE_FINDINGS >= findings.length;
    const lastRow = part[part.length - 1].row;
    const from = r;
    while (r < records.length && (last || records[r].row <= lastRow)) r++;
    yield { findings: part, records: records.slice(from, r) };
  }
  if (r < records.length) yield { findings: [], records: records.slice(r) };
}

// One dry run: a Session of the module, and what it has found and not yet posted.
class Run {
  constructor(id, post) {
    this.id = id;
    this.post = post;
    this.session = null;
    this.total = 0;
    this.counts = null;
    this.findings = [];
    this.records = [];
    this.errorsParts = null; // the errors CSV's bytes as the core writes them (settings.errors)
    this.lastPost = 0;
    this.cancelled = false;
    this.settled = false;
    this.ready = null; // the module loaded and the session made
    this.queue = Promise.resolve(); // pushes and the end, in order
  }

  start(rowgate, data) {
    this.module = rowgate;
    const text = (value) => (value === undefined || value === null ? '' : value);
    this.session = new rowgate.Session(text(data.template), text(data.context), text(data.options), data.settings ?? {});
    if (data.settings?.errors) this.errorsParts = [];
    const status = this.session.status();
    if (!status.ok) throw named('RowgateError', status.message, status.code);
  }

  feed(chunk) {
    for (let at = 0; at < chunk.length; at += FEED_BYTES) {
      this.take(this.session.push(at === 0 && chunk.length <= FEED_BYTES ? chunk : chunk.subarray(at, at + FEED_BYTES)));
      this.postBatch(false);
    }
  }

  finish() {
    const end = this.session.finish();
    this.take(end);
    this.postBatch(true);
    const { summary, input, mapping, fileError, fileErrorMessage, report } = end;
    const done = { counts: this.counts, summary, input, mapping, fileError, fileErrorMessage, report };
    if (this.errorsParts) done.errorsFile = new Blob(this.errorsParts, { type: 'text/csv;charset=utf-8' });
    this.settle('done', done);
  }

  take(out) {
    const { bytes, rows, create, update, duplicate, error, warnings, findingsJson, recordsJson, errors } = out;
    this.counts = { bytes, rows, create, update, duplicate, error, warnings };
    if (errors && this.errorsParts) this.errorsParts.push(errors);
    if (findingsJson) for (const f of JSON.parse(findingsJson)) this.findings.push(f);
    if (recordsJson) for (const r of JSON.parse(recordsJson)) this.records.push(r);
  }

  postBatch(force) {
    const now = Date.now();
    if (!force && now - this.lastPost < POST_EVERY_MS && this.findings.length < POST_FINDINGS_AT) return;
    this.lastPost = now;
    if (this.findings.length || this.records.length) {
      for (const batch of inMessages(this.findings, this.records)) this.post(this.id, 'findings', batch);
      this.findings = [];
      this.records = [];
    }
    this.post(this.id, 'progress', { ...this.counts, total: this.total });
  }

  settle(type, data) {
    if (this.settled) return;
    this.settled = true;
    this.post(this.id, type, data);
    this.dispose();
  }

  fail(error) {
    this.settle('error', errorData(error));
  }

  dispose() {
    if (this.session) this.session.delete();
    this.session = null;
  }
}

/// Answers the protocol above on `port` (a worker's global scope or a MessagePort).
/// `moduleUrl` and `wasmUrl` default to rowgate.js and rowgate.wasm beside this file.
export function serve(port, options = {}) {
  const moduleUrl = new URL(options.moduleUrl ?? new URL('./rowgate.js', import.meta.url));
  const wasmUrl = new URL(options.wasmUrl ?? new URL('./rowgate.wasm', import.meta.url));
  const runs = new Map();
  const post = (requestId, type, data) => port.postMessage({ requestId, type, data });
  let loading = null; // the module, loaded once (again after a failure)
  const rowgate = () => {
    loading ??= loadModule(moduleUrl, wasmUrl).catch((error) => {
      loading = null;
      throw error;
    });
    return loading;
  };

  async function readFile(run, file) {
    const reader = file.stream().getReader();
    let yielded = Date.now();
    for (;;) {
      if (run.cancelled) {
        await reader.cancel();
        return;
      }
      const { done, value } = await reader.read();
      if (done) break;
      if (run.cancelled) continue;
      run.feed(value);
      // Reads of a file in memory settle as microtasks, and would keep a cancel waiting.
      if (Date.now() - yielded >= YIELD_EVERY_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        yielded = Date.now();
      }
    }
    if (!run.cancelled) run.finish();
  }

  // A workbook: the core reads it at the offsets it needs, a chunk of its sheet a call.
  async function readWorkbook(run, file) {
    const source = await randomAccess(file);
    let yielded = Date.now();
    for (;;) {
      if (run.cancelled) return;
      const out = run.session.read(source, WORKBOOK_BYTES);
      run.take(out);
      run.postBatch(false);
      if (out.done) break;
      if (Date.now() - yielded >= YIELD_EVERY_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        yielded = Date.now();
      }
    }
    if (!run.cancelled) run.finish();
  }

  async function dryRun(id, data) {
    const run = new Run(id, post);
    runs.set(id, run);
    run.ready = rowgate().then((module) => {
      if (run.cancelled) return;
      run.total = data.file?.size ?? 0;
      run.start(module, data);
    });
    try {
      await run.ready;
      if (data.file && !run.cancelled && (await isWorkbook(run.module, data.file, data.options)))
        await readWorkbook(run, data.file);
      else if (data.file) await readFile(run, data.file);
    } catch (error) {
      run.fail(error);
    } finally {
      if (data.file || run.settled) runs.delete(id);
    }
  }

  // push and end run once the run is ready, and after the pushes before them.
  function queued(run, requestId, work) {
    run.queue = run.queue
      .then(() => run.ready)
      .then(() => {
        if (!run.cancelled && !run.settled) work();
      })
      .catch((error) => run.fail(error))
      .finally(() => post(requestId, 'ok', null));
  }

  function cancel(run) {
    run.cancelled = true;
    run.settle('error', { name: 'AbortError', message: 'The dry run was cancelled.' });
    runs.delete(run.id);
  }

  async function preview(id, data) {
    try {
      const module = await rowgate();
      const file = data.file;
      const text = (value) => (value === undefined || value === null ? '' : value);
      if (await isWorkbook(module, file, data.options)) {
        const source = await randomAccess(file);
        const listed = module.sheets(source);
        const out = module.previewFile(text(data.template), text(data.options), source, data.sampleRows ?? 5);
        if (!out.ok) throw named('RowgateError', out.message, out.code);
        post(id, 'ok', { input: out.input, mapping: out.mapping, samples: out.samples, sheets: listed.sheets });
        return;
      }
      const head = new Uint8Array(await file.slice(0, PREVIEW_BYTES).arrayBuffer());
      const out = module.preview(text(data.template), text(data.options), head, head.length >= file.size, data.sampleRows ?? 5);
      if (!out.ok) throw named('RowgateError', out.message, out.code);
      post(id, 'ok', { input: out.input, mapping: out.mapping, samples: out.samples });
    } catch (error) {
      post(id, 'error', errorData(error));
    }
  }

  port.onmessage = (event) => {
    const { messageId, type, data } = event.data ?? {};
    if (type === 'dryRun') {
      dryRun(messageId, data ?? {});
      return;
    }
    if (type === 'preview') {
      preview(messageId, data ?? {});
      return;
    }
    if (type === 'load') {
      rowgate().then(
        () => post(messageId, 'ok', null),
        (error) => post(messageId, 'error', errorData(error)),
      );
      return;
    }
    const run = runs.get(data?.run);
    if (!run) {
      post(messageId, 'error', { name: 'Error', message: `No dry run ${data?.run} is going on.` });
      return;
    }
    if (type === 'push') {
      queued(run, messageId, () => run.feed(data.chunk));
    } else if (type === 'end') {
      queued(run, messageId, () => {
        run.finish();
        runs.delete(run.id);
      });
    } else if (type === 'cancel') {
      cancel(run);
      post(messageId, 'ok', null);
    } else {
      post(messageId, 'error', { name: 'Error', message: `Unknown request ${type}.` });
    }
  };
}

// Started as a worker: serve the page that started it.
if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) serve(self);
