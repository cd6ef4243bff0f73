// The browser's dry run of a workbook in Debian's Chromium: from the moment a file is selected
// to the final counts, through rowgate.mjs and its worker (the engine of <rowgate-importer>),
// with the module already loaded as the page loads it.
//
//   node bench/xlsx/chromium_dry_run.mjs FILE.xlsx [CONTEXT.json] [RUNS]
//
// Needs the wasm build (build/wasm) and playwright-core (tests/web/run.sh installs it into
// tests/web/node_modules). Prints one line per run: the milliseconds from the input's change
// event to the dry run's done, and the counts.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const require = createRequire(join(root, 'tests/web/package.json'));
const { chromium } = require('playwright-core');

const [file, contextFile = join(root, 'examples/prospects_context.json'), runs = '3'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/xlsx/chromium_dry_run.mjs FILE.xlsx [CONTEXT.json] [RUNS]');
  process.exit(2);
}
const context = readFileSync(contextFile, 'utf8');
const reportFlag = process.env.REPORT === '0' ? 'false' : 'true';
const page = `<!doctype html><meta charset="utf-8"><input type="file" id="file">
<script type="module">
import { Rowgate } from './rowgate.mjs';
const rowgate = new Rowgate(new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' }));
// Loaded as a page loads it, before anything is chosen.
await rowgate.preview(new Blob(['Partner Name\\nx\\n']), { template: 'prospects' });
window.ready = true;
document.getElementById('file').addEventListener('change', async (event) => {
  const start = performance.now();
  const run = rowgate.dryRun(event.target.files[0], { template: 'prospects', context: ${JSON.stringify(context)}, report: ${reportFlag} });
  const done = await run.done;
  window.result = { ms: performance.now() - start, counts: done.counts, summary: done.summary };
});
</script>`;

const types = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const server = createServer((req, res) => {
  const name = req.url.split('?')[0];
  if (name === '/') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(page);
    return;
  }
  try {
    const body = readFileSync(join(root, 'build/wasm', name.replace(/^\/+/, '').replace(/\.\./g, '')));
    res.writeHead(200, { 'content-type': types[extname(name)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404);
    res.end();
  }
}).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
try {
  for (let i = 0; i < Number(runs); i++) {
    const tab = await browser.newPage();
    await tab.goto(url);
    await tab.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
    await tab.setInputFiles('#file', file);
    await tab.waitForFunction(() => window.result !== undefined, null, { timeout: 120_000, polling: 50 });
    const result = await tab.evaluate(() => window.result);
    const c = result.counts;
    console.log(`run ${i + 1}: ${Math.round(result.ms)} ms from selection to final counts: ` +
      `${result.summary.rows} rows, create ${c.create}, duplicate ${c.duplicate}, error ${c.error}`);
    await tab.close();
  }
} finally {
  await browser.close();
  server.close();
}
