// The widget's connection to the Rowgate worker (wasm/worker.mjs, served from the WebAssembly
// build folder). A worker script must come from the page's own origin: when the widget is
// embedded in a page of another origin, a small same-origin module (a blob) imports the worker
// from the Rowgate server instead (which then needs to allow that origin, CORS).

import { Rowgate } from './wasm/rowgate.mjs';

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
