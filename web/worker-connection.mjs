// The widget's connection to the Rowgate worker (wasm/worker.mjs). A worker script must come
// from the page's own origin: when the widget is embedded in a page of another origin, a small
// same-origin module (a blob) imports the worker from the Rowgate server instead (which then
// needs to allow that origin, CORS).
//
// The client of the worker is imported by a path that holds both in the source tree and on the
// server. In the tree it is wasm/rowgate.mjs, beside web/: the file a reader or an editor opens.
// Served by `rowgate serve --web web --wasm build/wasm`, this module is /worker-connection.mjs,
// the path resolves to /wasm/rowgate.mjs (".." stops at the root), and the server answers it
// from the WebAssembly build folder, where the build copies wasm/rowgate.mjs unchanged beside
// worker.mjs, rowgate.js and rowgate.wasm: the client comes from the same build as the server's
// worker. (This needs web/ served at the root of its origin, as `rowgate serve` does.) The
// worker itself is found at run time, in the folder that the `wasm` attribute names
// (SERVER/wasm/ by default): a page may take the WebAssembly build from elsewhere.

import { Rowgate } from '../wasm/rowgate.mjs';

const connections = new Map(); // worker URL -> Rowgate

function startWorker(workerUrl) {
  if (new URL(workerUrl).origin === location.origin) return new Worker(workerUrl, { type: 'module' });
  const source = `import ${JSON.stringify(workerUrl)};`;
  const blobUrl = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  return new Worker(blobUrl, { type: 'module' });
}

/// The connection to the worker under `wasmBase` (a folder URL), started on first use and
/// shared by every widget of the page.
export function workerConnection(wasmBase) {
  const workerUrl = new URL('worker.mjs', wasmBase).href;
  let connection = connections.get(workerUrl);
  if (!connection || connection.broken) {
    connection = new Rowgate(startWorker(workerUrl));
    connections.set(workerUrl, connection);
  }
  return connection;
}
