#!/usr/bin/env node
// `rowgate check` on Node through rowgate.wasm: the same arguments, the same stdout, the same
// --errors and --results files and the same exit status as the native command
// (server/cli/check_command.cpp). Only the file I/O is here; parsing the arguments, loading the
// template and context, every output byte and the exit status come from the core, through
// CheckRun in wasm/bindings.cpp.
//
//   node wasm/cli.mjs check FILE --template prospects [--json] [--errors E.csv] [--results R.jsonl]
//
// rowgate.js and rowgate.wasm are looked for in $ROWGATE_WASM_DIR, then beside this file, then
// in ../build/wasm/ (where `cmake --preset wasm` puts them).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CHUNK = 1 << 20; // as the native command reads
const PROGRESS_MIN_BYTES = 32 * 1024 * 1024;

// The usage of this program, in the form of server/main.cpp's (whose `rowgate` has more commands).
const PROGRAM_USAGE =
  'usage: rowgate COMMAND ...\n' +
  '  check FILE --template NAME   validate an import file (a dry run); see rowgate check --help\n';

// strerror() texts, so that messages read as the native command's do.
const STRERROR = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EEXIST: 'File exists',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EIO: 'Input/output error',
  EFBIG: 'File too large',
  EINVAL: 'Invalid argument',
  ENXIO: 'No such device or address',
  ETXTBSY: 'Text file busy',
};

function strerror(error) {
  if (STRERROR[error.code]) return STRERROR[error.code];
  // libuv's text, which is strerror's in lower case for most codes.
  const text = String(error.message).replace(/^[A-Z]+: /, '').replace(/, [a-z]+ '.*$/, '');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/// The folder holding rowgate.js and rowgate.wasm.
export function wasmDir() {
  if (process.env.ROWGATE_WASM_DIR) return path.resolve(process.env.ROWGATE_WASM_DIR);
  const here = path.dirname(fileURLToPath(import.meta.url));
  if (fs.existsSync(path.join(here, 'rowgate.wasm'))) return here;
  return path.resolve(here, '..', 'build', 'wasm');
}

/// Loads the module. Debian's Emscripten loader cannot read a file path on Node, so the .wasm
/// bytes are handed to the factory (wasmBinary).
export async function loadRowgate(dir = wasmDir()) {
  const wasmBinary = fs.readFileSync(path.join(dir, 'rowgate.wasm'));
  const { default: createRowgate } = await import(pathToFileURL(path.join(dir, 'rowgate.js')).href);
  return createRowgate({ wasmBinary });
}

// The native command's progress bar: on stderr, when it is a terminal and the file is big.
class Progress {
  constructor(total, stderr) {
    this.total = total;
    this.stderr = stderr;
    this.on = total >= PROGRESS_MIN_BYTES && stderr === writeStderr && Boolean(process.stderr.isTTY);
    this.last = -1;
  }
  update(done, rows) {
    if (!this.on) return;
    const percent = Math.floor((done * 100) / this.total);
    if (percent === this.last) return;
    this.last = percent;
    const bar = '#'.repeat(Math.floor(percent / 4)).padEnd(25);
    this.stderr(`\r[${bar}] ${String(percent).padStart(3)}%  ${rows} rows`);
  }
  done() {
    if (this.on && this.last >= 0) this.stderr(`\r${' '.repeat(60)}\r`);
  }
}

function writeStdout(bytes) {
  process.stdout.write(bytes);
}

function writeStderr(text) {
  process.stderr.write(text);
}

// An output file that remembers a failed write, as a stdio FILE* does, for the check at the end.
class OutputFile {
  constructor(fd) {
    this.fd = fd;
    this.failed = false;
  }
  write(bytes) {
    if (!bytes || this.failed) return;
    try {
      for (let at = 0; at < bytes.length; ) at += fs.writeSync(this.fd, bytes, at, bytes.length - at);
    } catch {
      this.failed = true;
    }
  }
  close() {
    if (this.fd === null) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      this.failed = true;
    }
    this.fd = null;
  }
}

/// The --results CSV through the core's ResultsCsvRewrite, into a file that takes its place.
function rewriteResults(run, file) {
  const fresh = `${file}.rewrite`;
  const input = fs.openSync(file, 'r');
  const output = new OutputFile(fs.openSync(fresh, 'w'));
  const buffer = new Uint8Array(1 << 20);
  try {
    for (;;) {
      const n = fs.readSync(input, buffer, 0, buffer.length, null);
      output.write(run.rewriteResults(buffer.subarray(0, n)));
      if (n === 0) break;
    }
  } finally {
    fs.closeSync(input);
    output.close();
  }
  if (output.failed) throw Object.assign(new Error('write failed'), { code: 'EIO' });
  fs.renameSync(fresh, file);
}

function readSmallFile(file, cwd) {
  try {
    return { bytes: fs.readFileSync(path.resolve(cwd, file)) };
  } catch (error) {
    // std::ifstream opens a directory and then reads nothing: the native command sees "".
    if (error.code === 'EISDIR') return { bytes: new Uint8Array(0) };
    return { error: `cannot open ${file}: ${strerror(error)}` };
  }
}

function readChunk(fd, buffer) {
  for (;;) {
    try {
      return fs.readSync(fd, buffer, 0, buffer.length, null);
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // a non-blocking stdin
    }
  }
}

/// Runs `rowgate check` with the words after `check`; returns the exit status.
/// `cwd` resolves relative file names, `chunkSize` is how many bytes each push feeds.
export function runCheck(rowgate, words, options = {}) {
  const { cwd = process.cwd(), chunkSize = CHUNK, stdout = writeStdout, stderr = writeStderr, stdinFd = 0 } = options;
  const run = new rowgate.CheckRun(words);
  const opened = [];
  try {
    const fail = (message) => {
      stderr(`rowgate check: ${message}\n`);
      return 2;
    };
    const args = run.args();
    if (args.help) {
      stdout(Buffer.from(rowgate.checkUsage()));
      return 0;
    }
    if (!args.ok) {
      stderr(`rowgate check: ${args.message}\n${rowgate.checkUsage()}`);
      return 2;
    }

    let templateText = new Uint8Array(0);
    if (args.templateIsFile) {
      const read = readSmallFile(args.template, cwd);
      if (read.error) return fail(read.error);
      templateText = read.bytes;
    }
    const template = run.loadTemplate(templateText);
    if (!template.ok) {
      if (template.stdout.length) stdout(template.stdout);
      if (template.stderr.length) stderr(template.stderr);
      return 2;
    }
    if (args.context) {
      const read = readSmallFile(args.context, cwd);
      if (read.error) return fail(read.error);
      const context = run.loadContext(read.bytes);
      if (!context.ok) return fail(context.message);
    }
    if (args.edits) {
      const read = readSmallFile(args.edits, cwd);
      if (read.error) return fail(read.error);
      const edits = run.loadEdits(read.bytes);
      if (!edits.ok) return fail(edits.message);
    }

    let input;
    try {
      input = args.file === '-' ? stdinFd : fs.openSync(path.resolve(cwd, args.file), 'r');
    } catch (error) {
      return fail(`cannot open ${args.file}: ${strerror(error)}`);
    }
    if (input !== stdinFd) opened.push({ close: () => fs.closeSync(input) });
    let total = 0;
    try {
      const stat = fs.fstatSync(input);
      if (stat.isFile()) total = stat.size;
    } catch {
      // progress is only a nicety
    }

    const open = (file) => {
      if (!file) return null;
      try {
        const out = new OutputFile(fs.openSync(path.resolve(cwd, file), 'w'));
        opened.push(out);
        return out;
      } catch (error) {
        throw new Error(`cannot write ${file}: ${strerror(error)}`);
      }
    };
    let errorsFile, resultsFile;
    try {
      errorsFile = open(args.errors);
      resultsFile = open(args.results);
    } catch (error) {
      return fail(error.message);
    }
    const writeFiles = (out) => {
      errorsFile?.write(out.errors);
      resultsFile?.write(out.results);
    };

    const started = run.start();
    writeFiles(started);
    if (!started.ok) return fail(started.message);

    const progress = new Progress(total, stderr);
    if (total > 0) {
      // A regular file: the core reads it at any offset it needs (a workbook's directory is at
      // its end), chunkSize bytes a call.
      const file = {
        size: total,
        read(offset, view) {
          let got = 0;
          while (got < view.length) {
            const n = fs.readSync(input, view, got, view.length - got, offset + got);
            if (n === 0) break;
            got += n;
          }
          return got;
        },
      };
      for (;;) {
        let out;
        try {
          out = run.read(file, chunkSize);
        } catch (error) {
          return fail(`cannot read ${args.file}: ${strerror(error)}`);
        }
        writeFiles(out);
        progress.update(out.bytes, out.rows);
        if (out.done) break;
      }
    }
    const buffer = new Uint8Array(total > 0 ? 0 : chunkSize);
    for (; total === 0; ) {
      let n;
      try {
        n = readChunk(input, buffer);
      } catch (error) {
        return fail(`cannot read ${args.file}: ${strerror(error)}`);
      }
      if (n === 0) break;
      const out = run.push(buffer.subarray(0, n));
      writeFiles(out);
      progress.update(out.bytes, out.rows);
    }
    const end = run.finish();
    writeFiles(end);
    progress.done();
    if (resultsFile && end.resultsHeaderGrew) {
      // A dynamic column found after the results CSV's first lines: the file made whole.
      resultsFile.close();
      if (resultsFile.failed) return fail('writing the errors or results file failed');
      try {
        rewriteResults(run, path.resolve(cwd, args.results));
      } catch (error) {
        return fail(`cannot write ${args.results} again: ${strerror(error)}`);
      }
    }
    stdout(end.stdout);

    for (const file of [errorsFile, resultsFile]) file?.close();
    if (errorsFile?.failed || resultsFile?.failed) return fail('writing the errors or results file failed');
    return end.exitStatus;
  } finally {
    for (const file of opened) {
      try {
        file.close();
      } catch {
        // already closed
      }
    }
    run.delete();
  }
}

/// The `rowgate` program: `check` is its one command here.
export async function main(argv) {
  const [command, ...words] = argv;
  if (command === undefined) {
    writeStderr(PROGRAM_USAGE);
    return 2;
  }
  if (command === '--help' || command === 'help') {
    writeStdout(PROGRAM_USAGE);
    return 0;
  }
  if (command !== 'check') {
    writeStderr(`rowgate: unknown command ${command}\n${PROGRAM_USAGE}`);
    return 2;
  }
  let rowgate;
  try {
    rowgate = await loadRowgate();
  } catch (error) {
    writeStderr(`rowgate check: the WebAssembly module cannot be loaded from ${wasmDir()}: ${error.message}\n`);
    return 2;
  }
  return runCheck(rowgate, words);
}

function invokedDirectly() {
  if (!process.argv[1]) return false;
  try {
    return fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  const status = await main(process.argv.slice(2));
  process.exitCode = status;
  // V8 goes on compiling hot WebAssembly functions in the background, and Node waits for that
  // before it exits (some 80 ms): nothing is left to do once stdout is flushed.
  process.stdout.write('', () => process.exit(status));
}
