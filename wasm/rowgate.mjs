// Rowgate in the browser: dry runs in a worker (worker.mjs) that runs rowgate.wasm.
//
//   import * as rowgate from './rowgate.mjs';
//   const run = rowgate.dryRun(file, {template: 'prospects', context, mapping, options});
//   run.onProgress((p) => ...);   // {bytes, total, rows, create, update, duplicate, error, warnings}
//   run.onFindings((b) => ...);   // {findings: [...], records: [...]} as they come
//   const result = await run.done; // {counts, summary, input, mapping, fileError,
//                                  //  fileErrorMessage, report, errorsFile?}
//   run.cancel();                 // done then rejects with an AbortError
//
//   const head = await rowgate.preview(file, {template, options});
//   // {input: {format, encoding, delimiter, header, bom}, mapping: [{column, field, match,
//   //  confidence}...], samples: [[first values of column 0], ...]} from the first 64 KiB
//
// `file` is a Blob or File (the worker reads file.stream()), or the bytes themselves: a
// Uint8Array, an ArrayBuffer, a ReadableStream or an async iterable of Uint8Array, which are
// posted to the worker chunk by chunk. With `errors: true`, done also gives `errorsFile`: a
// Blob of the errors CSV, the very bytes `rowgate check --errors` writes for the same input.
// `hints` completes messages with the control that fixes them: 'command-line' (" with --map",
// as rowgate check says it) or the page's own words {map: ' in the Map step', encoding: '...'}.

const CHUNK = 1 << 20;

function named(name, message, code) {
  const error = new Error(message);
  error.name = name;
  if (code) error.code = code;
  return error;
}

function jsonText(value) {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// The bytes of `file` in chunks of at most CHUNK bytes, for the push requests.
async function* chunksOf(file) {
  if (file instanceof ArrayBuffer) file = new Uint8Array(file);
  if (file instanceof Uint8Array) {
    for (let at = 0; at < file.length; at += CHUNK) yield file.subarray(at, at + CHUNK);
    return;
  }
  if (typeof file === 'string') throw new TypeError('rowgate.dryRun needs bytes, not a string (encode it first)');
  if (typeof file?.getReader === 'function') {
    const reader = file.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  if (typeof file?.[Symbol.asyncIterator] === 'function' || typeof file?.[Symbol.iterator] === 'function') {
    for await (const chunk of file) yield chunk;
    return;
  }
  throw new TypeError('rowgate.dryRun needs a Blob, a File, bytes, a ReadableStream or an async iterable of bytes');
}

/// One dry run, as dryRun() returns it.
class DryRun {
  constructor(id, connection) {
    this.id = id;
    this.connection = connection;
    this.progressListeners = [];
    this.findingsListeners = [];
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.finished = false;
  }

  /// Calls `listener` with the running counts, a few times a second.
  onProgress(listener) {
    this.progressListeners.push(listener);
    return this;
  }

  /// Calls `listener` with each batch of findings and of error and duplicate records (of every
  /// record with `allRecords`).
  onFindings(listener) {
    this.findingsListeners.push(listener);
    return this;
  }

  /// Stops the run; `done` rejects with an AbortError.
  cancel() {
    if (!this.finished) this.connection.request('cancel', { run: this.id }).catch(() => {});
  }

  answer(type, data) {
    if (type === 'progress') for (const listener of this.progressListeners) listener(data);
    else if (type === 'findings') for (const listener of this.findingsListeners) listener(data);
    else if (type === 'done') this.settle(() => this.resolve(data));
    else if (type === 'error') this.settle(() => this.reject(named(data.name, data.message, data.code)));
  }

  settle(how) {
    if (this.finished) return;
    this.finished = true;
    this.connection.runs.delete(this.id);
    how();
  }
}

/// A connection to one worker (a Worker, or a MessagePort served by worker.mjs's serve()).
export class Rowgate {
  constructor(worker) {
    this.worker = worker;
    this.nextId = 1;
    this.runs = new Map(); // run id -> DryRun
    this.requests = new Map(); // request id -> {resolve, reject}
    this.broken = null; // the error of a worker that failed
    worker.onmessage = (event) => this.receive(event.data);
    // A worker that cannot start (a missing or broken script) says so here, once: every run
    // and request fails with that error rather than waiting for an answer that never comes.
    if ('onerror' in worker) worker.onerror = (event) => this.failAll(event);
    if ('onmessageerror' in worker) worker.onmessageerror = () => this.failAll(new Error('a message could not be read'));
  }

  /// Starts a dry run of `file`; see the top of this file.
  dryRun(file, { template, context, mapping, options, values = false, errorValues = false, allRecords = false, report = true, errors = false, hints } = {}) {
    const id = this.nextId++;
    const run = new DryRun(id, this);
    if (this.broken) {
      run.settle(() => run.reject(this.broken));
      return run;
    }
    this.runs.set(id, run);
    const opts = { ...(options ?? {}) };
    if (mapping) opts.map = mapping;
    const data = {
      template: jsonText(template),
      context: jsonText(context),
      options: Object.keys(opts).length ? JSON.stringify(opts) : '',
      settings: { values, errorValues, allRecords, report, errors, hints, findings: true },
    };
    const isBlob = typeof file?.stream === 'function' && typeof file?.size === 'number';
    if (isBlob) data.file = file;
    this.post(id, 'dryRun', data);
    if (!isBlob) this.pushAll(run, file);
    return run;
  }

  /// What the start of `file` (a Blob or File) looks like read with `template` and `options`.
  preview(file, { template, options, mapping, sampleRows = 5 } = {}) {
    const opts = { ...(options ?? {}) };
    if (mapping) opts.map = mapping;
    return this.request('preview', {
      file,
      template: jsonText(template),
      options: Object.keys(opts).length ? JSON.stringify(opts) : '',
      sampleRows,
    });
  }

  /// Stops the worker; runs still going reject.
  terminate() {
    this.failAll(new Error('the worker was terminated'));
    if (typeof this.worker.terminate === 'function') this.worker.terminate();
    else if (typeof this.worker.close === 'function') this.worker.close();
  }

  async pushAll(run, file) {
    try {
      for await (const chunk of chunksOf(file)) {
        if (run.finished) return;
        // A view posts its whole buffer: post only the bytes it shows.
        const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
        await this.request('push', { run: run.id, chunk: whole ? chunk : chunk.slice() });
      }
      if (!run.finished) await this.request('end', { run: run.id });
    } catch (error) {
      // The run itself answers with the reason (a module that failed to load, a cancel); an
      // input that cannot be read is reported here.
      if (!run.finished) {
        this.request('cancel', { run: run.id }).catch(() => {});
        run.settle(() => run.reject(error));
      }
    }
  }

  request(type, data) {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    const answer = new Promise((resolve, reject) => this.requests.set(id, { resolve, reject }));
    this.post(id, type, data);
    return answer;
  }

  post(messageId, type, data) {
    this.worker.postMessage({ messageId, type, data });
  }

  receive(message) {
    const { requestId, type, data } = message ?? {};
    const run = this.runs.get(requestId);
    if (run) {
      run.answer(type, data);
      return;
    }
    const request = this.requests.get(requestId);
    if (!request) return;
    this.requests.delete(requestId);
    if (type === 'error') request.reject(named(data.name, data.message, data.code));
    else request.resolve(data);
  }

  failAll(event) {
    const message = event?.message || 'unknown error';
    const error = named('WorkerError', `The Rowgate worker failed: ${message}`);
    this.broken = error;
    for (const run of [...this.runs.values()]) run.settle(() => run.reject(error));
    for (const request of this.requests.values()) request.reject(error);
    this.requests.clear();
  }
}

let shared = null;

/// The shared worker (worker.mjs beside this file), started on first use.
function sharedConnection() {
  shared ??= new Rowgate(new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' }));
  return shared;
}

/// Starts a dry run in the shared worker.
export function dryRun(file, options) {
  return sharedConnection().dryRun(file, options);
}

/// The preview of `file` (see Rowgate.preview) from the shared worker.
export function preview(file, options) {
  return sharedConnection().preview(file, options);
}
