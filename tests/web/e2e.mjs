// End-to-end tests of the import page (<rowgate-importer>) and My Partners, in Debian's
// Chromium driven by playwright-core. tests/web/run.sh starts the server and sets:
//   ROWGATE_URL, ROWGATE_KEY (a tenant with the sample groups), ROWGATE_BIN (rowgate, for
//   `rowgate check` and for a server of a test's own), ROWGATE_WASM (the WebAssembly build that
//   server serves), ROWGATE_FILES (generated files), ROWGATE_SCREENSHOTS, ROWGATE_PROFILE.
// Controls are found by role and label, as a person finds them. The tests run in order and
// build on each other (what one imports, the next finds on My Partners).

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { csvRecords } from '../../web/importer/csv.mjs';

const URL_BASE = process.env.ROWGATE_URL;
const KEY = process.env.ROWGATE_KEY;
const BIN = process.env.ROWGATE_BIN;
const WASM = process.env.ROWGATE_WASM;
const FILES = process.env.ROWGATE_FILES;
const SHOTS = process.env.ROWGATE_SCREENSHOTS;
const PROFILE = process.env.ROWGATE_PROFILE;
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];
const HEADER = 'Partner Name,Contact Email,Media Property,Group Name,Country\n';
const WORKBOOK_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

let context;
let page;
const pageErrors = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  context = await chromium.launchPersistentContext(PROFILE, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: FLAGS,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: URL_BASE });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

after(async () => {
  await context?.close();
});

// ---- Helpers ----------------------------------------------------------------------------------

async function shot(name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

function write(name, text) {
  const path = join(FILES, name);
  writeFileSync(path, text);
  return path;
}

/// A workbook of `sheets` ([{name, rows: [[cell...]...], hidden?, dimension?}], see
/// write_workbook.py) in the files folder; answers its path.
function writeWorkbook(name, sheets) {
  const path = join(FILES, name);
  execFileSync('python3', [join(REPO, 'tests/web/write_workbook.py'), path, JSON.stringify(sheets)]);
  return path;
}

/// Polls `probe` until it answers something truthy (and answers that), or fails after `ms`.
async function until(probe, ms = 15_000, what = 'the condition') {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function openImportPage(key = KEY, base = URL_BASE) {
  await page.goto(`${base}/`);
  await page.getByRole('textbox', { name: 'API key' }).fill(key);
  await page.getByRole('button', { name: 'Use this key' }).click();
}

async function chooseTemplate(title) {
  const select = page.getByRole('combobox', { name: 'Import type' });
  await until(async () => (await select.locator('option').count()) > 1, 10_000, 'the templates');
  await select.selectOption({ label: title });
  const next = page.getByRole('button', { name: 'Next: choose a file' });
  await until(() => next.isEnabled(), 10_000, 'the template to load');
  await next.click();
}

async function pickFile(path) {
  await page.getByLabel('Choose a file').setInputFiles(path);
  const next = page.getByRole('button', { name: 'Next: map the columns' });
  await until(() => next.isEnabled(), 10_000, 'the file preview');
}

/// Drops the file at `path` on the file step's drop zone, as a browser hands a dragged file over.
async function dropFile(path, type) {
  const transfer = await page.evaluateHandle(({ name, base64, type }) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], name, { type }));
    return data;
  }, { name: path.split('/').pop(), base64: readFileSync(path).toString('base64'), type });
  const zone = page.getByText(/^Drag a CSV, JSONL or Excel/);
  await zone.dispatchEvent('dragover', { dataTransfer: transfer });
  await zone.dispatchEvent('drop', { dataTransfer: transfer });
  await transfer.dispose();
  const next = page.getByRole('button', { name: 'Next: map the columns' });
  await until(() => next.isEnabled(), 10_000, 'the file preview');
}

/// A full-page screenshot at a phone's width (390 px), then the usual width again.
async function narrowShot(name) {
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await shot(name);
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
}

/// At a phone's width: the page does not scroll sideways, and no visible element (in shadow
/// roots too) is wider than the viewport or starts or ends outside it. Answers the offenders.
async function sidewaysOverflow() {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out = [];
    if (document.documentElement.scrollWidth > width) out.push(`the page is ${document.documentElement.scrollWidth} px wide`);
    const walk = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) walk(el.shadowRoot);
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height) continue;
        // Content scrolled inside a box of its own (the findings table's body) is not the page's.
        let clipped = false;
        for (let p = el.parentElement ?? el.getRootNode().host; p; p = p.parentElement ?? p.getRootNode().host) {
          const o = getComputedStyle(p).overflowX;
          if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') { clipped = true; break; }
        }
        if (clipped) continue;
        if (r.width > width + 0.5 || r.right > width + 0.5 || r.left < -0.5)
          out.push(`${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''} ${Math.round(r.left)}..${Math.round(r.right)}`);
      }
    };
    walk(document);
    return out.slice(0, 12);
  });
}

/// The body of the next POST /api/v1/imports that `click` makes the page send.
async function importRequestBody(click) {
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/imports'),
    click(),
  ]);
  return request.postDataJSON();
}

/// Clicks "Start the dry run" and waits for the end; answers the counts shown. The dry run runs
/// in the browser: the page sends nothing meanwhile (no file data, no call of the API).
async function dryRun() {
  const sent = [];
  const record = (request) => sent.push(`${request.method()} ${request.url()}`);
  context.on('request', record);
  try {
    await page.getByRole('button', { name: 'Start the dry run' }).click();
    await until(() => page.getByRole('button', { name: 'Choose a corrected file' }).isEnabled(), 60_000, 'the dry run');
  } finally {
    context.off('request', record);
  }
  assert.deepEqual(sent.filter((r) => !r.startsWith('GET ') || r.includes('/api/')), [], 'requests during the dry run');
  return shownCounts();
}

async function shownCounts() {
  const text = await page.getByRole('status', { name: 'Dry run counts' }).innerText();
  const counts = {};
  for (const name of ['Create', 'Update', 'Duplicate', 'Error', 'Warnings']) {
    const match = new RegExp(`${name}\\s+([\\d,]+)`).exec(text);
    counts[name.toLowerCase()] = Number(match[1].replaceAll(',', ''));
  }
  return counts;
}

async function api(path, init = {}) {
  const response = await fetch(`${URL_BASE}${path}`, { ...init, headers: { Authorization: `Bearer ${KEY}`, ...init.headers } });
  return response.json();
}

/// A port no one listens on now.
async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/// `rowgate serve` of a test's own on `port`, with its database and data folder in `dir` (the
/// same each time: a server started again finds what the one before left). Answers the child
/// process once /healthz answers.
async function serve(dir, port) {
  const log = openSync(join(dir, 'server.log'), 'a');
  const child = spawn(BIN, ['serve', '--db', `sqlite:${join(dir, 'rowgate.db')}`, '--data', join(dir, 'data'),
    '--web', join(REPO, 'web'), '--wasm', WASM, '--port', String(port)], { stdio: ['ignore', log, log] });
  closeSync(log);
  const healthy = () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
  await until(async () => (await healthy()) || child.exitCode !== null, 15_000, 'rowgate serve to start');
  assert.equal(child.exitCode, null, `rowgate serve exited: ${readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000)}`);
  return child;
}

async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function download(click) {
  return (await downloadNamed(click)).text;
}

/// The file a click downloads: the name the page gives it and its text.
async function downloadNamed(click) {
  const { name, bytes } = await downloadBytes(click);
  return { name, text: bytes.toString('utf8') };
}

/// The file a click downloads: the name the page gives it and its bytes (a Buffer).
async function downloadBytes(click) {
  const [file] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

/// A server of the test's own, on a fresh SQLite store with one tenant (the sample groups):
/// {dir, key, base, call(path) → JSON, server}. The caller stops `server` and removes `dir`.
async function ownServer(tenant) {
  const dir = mkdtempSync(join(tmpdir(), `rowgate-${tenant.toLowerCase()}-`));
  const db = `sqlite:${join(dir, 'rowgate.db')}`;
  const out = execFileSync(BIN, ['admin', 'create-tenant', tenant, '--groups-from', join(REPO, 'examples/prospects_context.json'), '--db', db]);
  const key = out.toString().trim().split('\n').pop();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const call = async (path) => (await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${key}` } })).json();
  return { dir, port, key, base, call, server: await serve(dir, port) };
}

// ---- Tests ------------------------------------------------------------------------------------

test('a wrong API key says so clearly', async () => {
  await openImportPage('rg_not_a_real_key');
  const alert = page.getByRole('alert').filter({ hasText: 'API key' });
  await until(() => alert.count(), 10_000, 'the key message');
  assert.match(await alert.innerText(), /The API key was not accepted.*Enter a valid key/);
  // Beside the field, no word of a key saved: it was not accepted.
  await until(async () => (await page.getByText('Checking the key…').count()) === 0, 10_000, 'the key check');
  assert.equal(await page.getByText('Key saved for this browser session.').count(), 0);
  await shot('01-wrong-key');
});

test('the dry run of a generated file counts what rowgate check counts', async () => {
  await openImportPage();
  await page.getByRole('status').filter({ hasText: 'Key saved for this browser session.' }).waitFor({ timeout: 10_000 });
  await chooseTemplate('Prospect import');
  const file = join(FILES, 'prospects_3000.csv');
  await pickFile(file);
  const detected = await page.getByText(/detected CSV/).innerText();
  assert.match(detected, /prospects_3000\.csv .*detected CSV, UTF-8, delimiter comma; 8 columns/);
  await shot('02-file-detected');

  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  // Keyboard users land on the step's heading.
  const focused = await page.evaluate(() => document.querySelector('rowgate-importer').shadowRoot.activeElement?.textContent);
  assert.equal(focused, 'Map the columns');
  const emailField = page.getByRole('combobox', { name: 'Field for column Contact Email' });
  assert.equal(await emailField.inputValue(), 'Contact Email');
  const emailRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Contact Email' }) });
  assert.match(await emailRow.innerText(), /@.*exact name, 100% sure/s);
  await shot('03-mapping');

  const shown = await dryRun();
  await shot('04-dry-run');

  // The same file with the same context through the native binary.
  // The server's context (its compact form, less the fields that only describe it).
  const { sets, existing_hash64: existingHash64 } = await api('/api/v1/context?template=prospects');
  const contextFile = write('context.json', JSON.stringify({ sets, existing_hash64: existingHash64 }));
  let out;
  try {
    out = execFileSync(BIN, ['check', file, '--template', 'prospects', '--context', contextFile, '--json'], { maxBuffer: 1 << 28 });
  } catch (error) {
    out = error.stdout; // exit status 1: some rows are not valid
  }
  const { summary } = JSON.parse(out);
  assert.deepEqual(shown, {
    create: summary.create,
    update: summary.update,
    duplicate: summary.duplicate,
    error: summary.invalid - summary.duplicate,
    warnings: summary.warnings,
  });
  assert.ok(summary.invalid > 0, 'the generated file has some bad rows');

  // The problem rows: a table with every finding, filterable by code, downloadable.
  const table = page.getByRole('table', { name: 'Problem rows' });
  const rowCount = Number(await table.getAttribute('aria-rowcount')) - 1;
  assert.ok(rowCount > 0);
  const code = await page.getByRole('combobox', { name: 'Show problems' }).locator('option').nth(1).getAttribute('value');
  await page.getByRole('combobox', { name: 'Show problems' }).selectOption(code);
  await until(async () => Number(await table.getAttribute('aria-rowcount')) - 1 < rowCount, 5000, 'the filter');
  const firstRow = table.getByRole('row').nth(1);
  assert.match(await firstRow.innerText(), new RegExp(code));
  await shot('05-filtered');
  await page.getByRole('combobox', { name: 'Show problems' }).selectOption('');
  // The errors file is the core's: byte for byte what `rowgate check --errors` writes.
  const csv = await download(() => page.getByRole('button', { name: 'Download errors' }).click());
  const nativeErrors = join(FILES, 'native-errors.csv');
  try {
    execFileSync(BIN, ['check', file, '--template', 'prospects', '--context', contextFile, '--errors', nativeErrors]);
  } catch {
    // exit status 1: some rows are not valid
  }
  assert.equal(csv, readFileSync(nativeErrors, 'utf8'));
  const lines = csv.trim().split('\r\n');
  assert.equal(lines[0], 'row,line,column,field,code,severity,message');
  assert.ok(lines.length - 1 >= rowCount, `${lines.length - 1} lines for ${rowCount} findings`);
});

test('fix and retry: problem rows shown, a corrected file passes and is imported', async () => {
  await openImportPage();
  await chooseTemplate('Prospect import');
  const bad = write('shop-bad.csv', `${HEADER}Acme Web Partner,acme@example.com,https://acme.example.com/,Podcasts,US\n`
    + 'Beta Reviews,not-an-email,https://beta.example.com/,Podcasts,GB\n'
    + 'Gamma Deals,gamma@example.com,https://gamma.example.com/,No Such Group,DE\n');
  // From the keyboard: Space and Enter on the file control both open the file chooser.
  const fileControl = page.getByLabel('Choose a file');
  const fileControlFocused = () => page.evaluate(() => document.querySelector('rowgate-importer').shadowRoot.activeElement?.type === 'file');
  for (const key of ['Space', 'Enter']) {
    // The step may still move the focus to its heading as it opens: focus the control until it
    // keeps the focus for a moment, as a person tabbing to it would have it.
    await until(async () => {
      await fileControl.focus();
      await new Promise((resolve) => setTimeout(resolve, 150));
      return fileControlFocused();
    }, 5000, 'the file control to keep the focus');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 5000 }), page.keyboard.press(key)]);
    if (key === 'Enter') await chooser.setFiles(bad);
  }
  await until(() => page.getByRole('button', { name: 'Next: map the columns' }).isEnabled(), 10_000, 'the file preview');
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  assert.deepEqual(await dryRun(), { create: 1, update: 0, duplicate: 0, error: 2, warnings: 0 });
  const table = page.getByRole('table', { name: 'Problem rows' });
  const rows = await table.getByRole('row').allInnerTexts();
  assert.match(rows[1], /^3\s+Contact Email\s+not-an-email\s+invalid_email/);
  assert.match(rows[2], /^4\s+Group Name\s+No Such Group\s+unknown_reference/);
  await shot('06-problems');

  await page.getByRole('button', { name: 'Choose a corrected file' }).click();
  const fixed = write('shop-fixed.csv', `${HEADER}Acme Web Partner,acme@example.com,https://acme.example.com/,Podcasts,US\n`
    + 'Beta Reviews,beta@example.com,https://beta.example.com/,Podcasts,GB\n'
    + 'Gamma Deals,gamma@example.com,https://gamma.example.com/,Mass Media,DE\n');
  await pickFile(fixed);
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  // The header was confirmed once: the mapping is remembered.
  await page.getByText('This header was mapped before').waitFor();
  assert.deepEqual(await dryRun(), { create: 3, update: 0, duplicate: 0, error: 0, warnings: 0 });

  await page.getByRole('button', { name: 'Import 3 valid rows' }).click();
  await page.getByText('The import is done.').waitFor({ timeout: 30_000 });
  const summary = await page.getByLabel('Import summary').innerText();
  assert.match(summary, /Created\s+3/);
  // Only "Import another file" is offered: "Try the import again" is for an import that failed.
  assert.equal(await page.getByRole('button', { name: 'Try the import again' }).isVisible(), false);
  assert.equal(await page.getByRole('button', { name: 'Import another file' }).isVisible(), true);
  assert.equal(await page.getByRole('progressbar', { name: 'Upload' }).getAttribute('aria-valuenow'), '100');
  const results = await downloadNamed(() => page.getByRole('link', { name: 'Download the results file' }).click());
  assert.match(results.text, /acme@example\.com/);
  // Named after the file uploaded, as the dry run's errors file is.
  assert.equal(results.name, 'shop-fixed-results.csv');
  const errors = await downloadNamed(() => page.getByRole('link', { name: 'Download the errors file' }).click());
  assert.equal(errors.name, 'shop-fixed-errors.csv');
  await shot('07-imported');
});

test('Import another file starts over with the same import type, twice in a row without a script error', async () => {
  const errorsBefore = pageErrors.length;
  await openImportPage();
  await chooseTemplate('Prospect import'); // not the first of the list, which a reset would choose
  const files = [
    write('first-import.csv', `${HEADER}Zeta Media,zeta@example.com,https://zeta.example.com/,Podcasts,US\n`),
    write('second-import.csv', `${HEADER}Eta Reviews,eta@example.com,https://eta.example.com/,Podcasts,NL\n`),
  ];
  const next = page.getByRole('button', { name: 'Next: map the columns' });
  for (const [i, file] of files.entries()) {
    // The file goes in as a browser hands it over: "Next" is disabled at once, until its preview.
    const disabledAtOnce = await page.evaluate(async ({ name, text }) => {
      const root = document.querySelector('rowgate-importer').shadowRoot;
      const input = root.querySelector('input[type="file"]');
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], name, { type: 'text/csv' }));
      input.files = transfer.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
      return [...root.querySelectorAll('button')].find((b) => b.textContent === 'Next: map the columns').disabled;
    }, { name: file.split('/').pop(), text: readFileSync(file, 'utf8') });
    assert.equal(disabledAtOnce, true, 'Next before the preview is ready');
    await until(() => next.isEnabled(), 10_000, 'the file preview');
    await next.click();
    assert.equal(await page.getByRole('combobox', { name: 'Field for column Contact Email' }).inputValue(), 'Contact Email');
    assert.deepEqual(await dryRun(), { create: 1, update: 0, duplicate: 0, error: 0, warnings: 0 });
    await page.getByRole('button', { name: 'Import 1 valid row' }).click();
    await page.getByText('The import is done.').waitFor({ timeout: 30_000 });
    assert.match(await page.getByLabel('Import summary').innerText(), /Created\s+1/);
    if (i === 1) break;

    await page.getByRole('button', { name: 'Import another file' }).click();
    // The first step again, with the import type kept and nothing of the file before.
    assert.equal(await page.getByRole('heading', { name: 'Choose what to import' }).isVisible(), true);
    const toFile = page.getByRole('button', { name: 'Next: choose a file' });
    await until(() => toFile.isEnabled(), 10_000, 'the template to load');
    assert.equal(await page.getByRole('combobox', { name: 'Import type' }).inputValue(), 'prospects');
    await toFile.click();
    assert.equal(await page.getByLabel('Choose a file').inputValue(), '');
    assert.equal(await page.getByText(/detected CSV/).count(), 0);
    assert.equal(await next.isDisabled(), true, 'Next without a file');
    await shot('07a-import-another-file');
  }
  assert.deepEqual(pageErrors.slice(errorsBefore), []);
});

test('the generated file is imported and its rows are on My Partners', async () => {
  await openImportPage();
  await chooseTemplate('Prospect import');
  await pickFile(join(FILES, 'prospects_3000.csv'));
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  const counts = await dryRun();
  await page.getByRole('button', { name: /^Import [\d,]+ valid rows$/ }).click();
  await page.getByText('The import is done.').waitFor({ timeout: 60_000 });

  await page.getByRole('link', { name: 'My Partners' }).click();
  const matchCount = page.getByText(/partners? match/);
  await until(async () => /^[\d,]+ partners match/.test(await matchCount.innerText()), 10_000, 'the partners');
  const total = Number((await matchCount.innerText()).match(/^([\d,]+)/)[1].replaceAll(',', ''));
  assert.equal(total, counts.create + 5); // and the 3 + 2 rows imported by the tests before
  await shot('08-partners');

  // Search by name, Partner ID or URL.
  await page.getByRole('searchbox', { name: 'Search name, Partner ID or URL' }).fill('acme web');
  await page.getByRole('button', { name: 'Search' }).click();
  await until(async () => (await matchCount.innerText()).startsWith('1 partner match'), 10_000, 'the search');
  assert.match(await page.getByRole('table', { name: /Partners/ }).innerText(), /Acme Web Partner\s.*acme@example\.com/s);

  // Filter by country and group.
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByRole('textbox', { name: 'Country' }).fill('gb');
  await page.getByRole('combobox', { name: 'Group', exact: true }).selectOption('Podcasts');
  await until(async () => (await matchCount.innerText()).startsWith('1 partner match'), 10_000, 'the filters');
  await shot('09-filtered');

  // Select one row and add a group; then every match of a filter, and remove it again.
  await page.getByRole('checkbox', { name: 'Select Beta Reviews' }).check();
  await page.getByRole('combobox', { name: 'Group to add or remove' }).selectOption('Brand Ambassadors');
  await page.getByRole('button', { name: 'Add to group' }).click();
  await page.getByText('1 partner added to "Brand Ambassadors".').waitFor();
  assert.match(await page.getByRole('table', { name: /Partners/ }).innerText(), /Brand Ambassadors, Podcasts/);

  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByRole('combobox', { name: 'Group', exact: true }).selectOption('Podcasts');
  const podcasts = (await api('/api/v1/partners?group=Podcasts&limit=1')).total;
  await until(async () => (await matchCount.innerText()).startsWith(`${podcasts.toLocaleString('en-US')} partners match`), 10_000, 'the group filter');
  assert.ok(podcasts > 50, `${podcasts} partners in Podcasts: more than one page`);
  await page.getByRole('button', { name: 'Select all matching' }).click();
  assert.equal(await page.getByText(`All ${podcasts.toLocaleString('en-US')} matching partners selected.`).count(), 1);
  await page.getByRole('combobox', { name: 'Group to add or remove' }).selectOption('Strategic Partners');
  await page.getByRole('button', { name: 'Add to group' }).click();
  await page.getByText(`${podcasts.toLocaleString('en-US')} partners added to "Strategic Partners".`).waitFor();
  const strategic = await api('/api/v1/partners?group=Strategic%20Partners&limit=1');
  assert.ok(strategic.total >= podcasts);
  await shot('10-bulk-groups');

  // Paging: the next page starts after the first.
  await page.getByRole('button', { name: 'Next page' }).click();
  await until(async () => (await matchCount.innerText()).includes('showing 51–'), 10_000, 'the next page');

  // Export what matches.
  const csv = await download(() => page.getByRole('button', { name: 'Export CSV' }).click());
  const lines = csv.trim().split('\r\n');
  assert.ok(csv.startsWith('\ufeffPartner ID,'), 'a byte-order mark first, so that Excel shows accents');
  assert.match(lines[0], /^Partner ID,Partner Name,Contact Email/); // (trim() took the mark)
  assert.equal(lines.length - 1, podcasts);
  // The same as an Excel workbook: a ZIP archive (its names are plain in it) with the sheet.
  const workbook = await downloadBytes(() => page.getByRole('button', { name: 'Export Excel' }).click());
  assert.equal(workbook.name, 'partners.xlsx');
  assert.equal(workbook.bytes.subarray(0, 2).toString('latin1'), 'PK');
  assert.ok(workbook.bytes.includes('xl/worksheets/sheet1.xml'), 'the workbook has xl/worksheets/sheet1.xml');

  // The import history lists both imports with their files.
  const history = page.getByRole('table', { name: 'Imports, newest first' });
  await until(async () => (await history.getByRole('row').count()) >= 3, 10_000, 'the history');
  // Each template by its title, as the import page offers it.
  assert.match(await history.getByRole('row').nth(1).innerText(), /Prospect import\s+import\s+done/);
  assert.ok(await history.getByRole('link', { name: /^Errors file/ }).count() >= 2);
});

test('My Partners says it is waiting while a filter loads, and drops an answer to a filter changed since', async () => {
  await page.goto(`${URL_BASE}/partners`);
  const matchCount = page.getByText(/partners? match|Finding the partners/);
  await until(async () => /^[\d,]+ partners match/.test(await matchCount.innerText()), 10_000, 'the partners');
  const table = page.getByRole('table', { name: /Partners/ });
  // The answer for Podcasts is held back 2 s; the one for Mass Media is not.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(/\/api\/v1\/partners\?.*group=Podcasts/, async (route) => {
    await Promise.race([held, new Promise((resolve) => setTimeout(resolve, 2000))]);
    await route.continue();
  });
  try {
    const group = page.getByRole('combobox', { name: 'Group', exact: true });
    await group.selectOption('Podcasts');
    await until(async () => (await matchCount.innerText()) === 'Finding the partners that match…', 5000, 'the waiting text');
    assert.equal(await table.getAttribute('aria-busy'), 'true');
    await shot('10a-partners-waiting');
    await group.selectOption('Mass Media');
    const massMedia = (await api('/api/v1/partners?group=Mass%20Media&limit=1')).total;
    const expected = `${massMedia.toLocaleString('en-US')} partner${massMedia === 1 ? '' : 's'} match`;
    await until(async () => (await matchCount.innerText()).startsWith(expected), 10_000, 'the Mass Media page');
    release();
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the Podcasts answer arrives, late
    assert.ok((await matchCount.innerText()).startsWith(expected), await matchCount.innerText());
    assert.equal(await table.getAttribute('aria-busy'), 'false');
    const rows = await table.getByRole('row').allInnerTexts();
    assert.ok(rows.slice(1).every((row) => row.includes('Mass Media')), 'every row is in Mass Media');
  } finally {
    await page.unroute(/\/api\/v1\/partners\?.*group=Podcasts/);
  }
});

test('bulk edit on My Partners with the partners_update template', async () => {
  const page1 = await api('/api/v1/partners?limit=500');
  const withId = page1.items.find((p) => p.partner_id);
  assert.ok(withId, 'a partner with a Partner ID');
  const file = write('bulk-edit.csv', `Partner ID,Status\n${withId.partner_id},inactive\n999999999,inactive\n`);
  await page.getByRole('button', { name: 'Bulk edit with a file' }).click();
  const dialog = page.getByRole('dialog', { name: 'Bulk edit partners with a file' });
  await dialog.getByRole('button', { name: 'Next: choose a file' }).click();
  await dialog.getByLabel('Choose a file').setInputFiles(file);
  await until(() => dialog.getByRole('button', { name: 'Next: map the columns' }).isEnabled(), 10_000, 'the preview');
  await dialog.getByRole('button', { name: 'Next: map the columns' }).click();
  await dialog.getByRole('button', { name: 'Start the dry run' }).click();
  await until(() => dialog.getByRole('button', { name: 'Choose a corrected file' }).isEnabled(), 30_000, 'the dry run');
  const counts = await dialog.getByRole('status', { name: 'Dry run counts' }).innerText();
  assert.match(counts, /Update\s+1/);
  assert.match(await dialog.getByRole('table', { name: 'Problem rows' }).innerText(), /not_found/);
  await shot('11-bulk-edit');
  await dialog.getByRole('button', { name: 'Import 1 valid row' }).click();
  await dialog.getByText('The import is done.').waitFor({ timeout: 30_000 });
  await dialog.getByRole('button', { name: 'Close' }).click();
  const history = page.getByRole('table', { name: 'Imports, newest first' });
  await until(async () => /Bulk edit of existing partners\s+import\s+done/.test(await history.getByRole('row').nth(1).innerText()),
    10_000, 'the bulk edit in the history');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByRole('searchbox', { name: 'Search name, Partner ID or URL' }).fill(withId.partner_id);
  await page.getByRole('button', { name: 'Search' }).click();
  await until(async () => /inactive/.test(await page.getByRole('table', { name: /Partners/ }).innerText()), 10_000, 'the status change');
});

test('a malformed file says what is wrong and what to do', async () => {
  await openImportPage();
  await chooseTemplate('Prospect import');
  const file = write('wrong-columns.csv', 'Name;Phone\nAcme;123\n');
  await pickFile(file);
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  await page.getByRole('button', { name: 'Start the dry run' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'The file cannot be imported' });
  await alert.waitFor({ timeout: 15_000 });
  assert.match(await alert.innerText(), /no column for Contact Email.*Correct the file and choose it again/s);
  // The page names its own control, never a command-line flag.
  const problems = await page.getByRole('table', { name: 'Problem rows' }).innerText();
  assert.match(problems, /or map one to it in the Map step\./);
  assert.doesNotMatch(problems, /--map|--encoding/);
  assert.equal(await page.getByRole('button', { name: /^Import/ }).isDisabled(), true);
  await shot('12-malformed');

  await page.getByRole('button', { name: 'Choose a corrected file' }).click();
  await pickFile(write('empty.csv', ''));
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  await page.getByRole('button', { name: 'Start the dry run' }).click();
  await until(async () => /The file cannot be imported: The file is empty/.test(await alert.innerText()), 15_000, 'the empty-file message');
});

test('a field chosen for a column sticks, for a repeated header, an empty one and one that is not readable text', async () => {
  await openImportPage();
  await chooseTemplate('Prospect import');
  // "Mail" twice (the second holds web addresses), a column without a header, and a header with
  // bytes that are not UTF-8 (an overlong "/": shown as U+FFFD, not guessed as Windows-1252).
  const file = join(FILES, 'awkward-headers.csv');
  writeFileSync(file, Buffer.concat([
    Buffer.from('Name,Mail,Mail,,Gruppe'), Buffer.from([0xc0, 0xaf]), Buffer.from('\r\n'),
    Buffer.from('Ana,ana-awkward@example.com,https://ana.example.com/,note,Podcasts\r\n'),
    Buffer.from('Bo,bo-awkward@example.com,https://bo.example.com/,note,Mass Media\r\n'),
  ]));
  await pickFile(file);
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  const choose = async (column, field) => {
    const select = () => page.getByRole('combobox', { name: `Field for column ${column}`, exact: true });
    await select().selectOption(field);
    // The preview is read again with the choice; the choice is still there afterwards.
    await until(async () => (await select().inputValue()) === field && await page.getByRole('button', { name: 'Start the dry run' }).isEnabled(),
      10_000, `${column} to stay ${field}`);
  };
  await choose('Mail (column 3)', 'Media Property');
  await choose('4 (no header)', 'Description');
  await choose('Gruppe\uFFFD\uFFFD', 'Group Name');
  // Each choice stayed with its own column, and the other "Mail" kept its match.
  assert.equal(await page.getByRole('combobox', { name: 'Field for column Mail (column 2)', exact: true }).inputValue(), 'Contact Email');
  assert.equal(await page.getByRole('combobox', { name: 'Field for column Mail (column 3)', exact: true }).inputValue(), 'Media Property');
  assert.equal(await page.getByRole('combobox', { name: 'Field for column 4 (no header)', exact: true }).inputValue(), 'Description');
  await shot('28-awkward-headers');
  assert.deepEqual(await dryRun(), { create: 2, update: 0, duplicate: 0, error: 0, warnings: 0 });
});

test('a file without a header row is mapped by choosing a field for each lettered column', async () => {
  await openImportPage();
  await chooseTemplate('Prospect import');
  // E-mail first, then the name: not the template's order, so the positions alone would be wrong.
  await pickFile(write('no-header.csv', 'ana@example.com,Acme Media,https://acme.example.com/\nbo@example.com,Bo Blog,https://bo.example.com/\n'));
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  await page.getByRole('checkbox', { name: /no header row/ }).check();
  const columnA = page.getByRole('combobox', { name: 'Field for column A', exact: true });
  await columnA.waitFor({ timeout: 10_000 });
  await columnA.selectOption('Contact Email');
  await until(async () => (await page.getByRole('combobox', { name: 'Field for column A', exact: true }).inputValue()) === 'Contact Email',
    10_000, 'column A to map to the e-mail');
  await page.getByRole('combobox', { name: 'Field for column B', exact: true }).selectOption('Partner Name');
  const columnC = page.getByRole('combobox', { name: 'Field for column C', exact: true });
  await until(async () => (await columnC.inputValue()) === 'Media Property', 10_000, 'column C to keep its place');
  await shot('13-no-header-mapping');
  const counts = await dryRun();
  assert.deepEqual([counts.create, counts.error], [2, 0]);
});

test('leads: the flow and source the template marks fixed are given once for the whole file', async () => {
  await openImportPage();
  const select = page.getByRole('combobox', { name: 'Import type' });
  await until(async () => (await select.locator('option').count()) > 1, 10_000, 'the templates');
  await select.selectOption({ label: 'Lead batch import' });
  await page.getByRole('textbox', { name: 'Flow for every row' }).fill('f-12');
  await page.getByRole('textbox', { name: 'Source for every row' }).fill('s-7');
  await shot('14-leads-fixed-values');
  await page.getByRole('button', { name: 'Next: choose a file' }).click();
  await pickFile(write('leads.csv', 'Email,First Name\nana@example.com,Ana\nbo@example.com,Bo\nnot-an-email,Cy\n'));
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  const counts = await dryRun();
  assert.deepEqual([counts.create, counts.error], [2, 1]);
});

test('the Map step says what is missing or doubtful before the dry run: a guess by position, a field in the wrong letter case', async () => {
  await openImportPage();
  const select = page.getByRole('combobox', { name: 'Import type' });
  await until(async () => (await select.locator('option').count()) > 1, 10_000, 'the templates');
  // Leads without a header: by position, e-mails would go into flow_id and names into source_id.
  await select.selectOption({ label: 'Lead batch import' });
  await page.getByRole('button', { name: 'Next: choose a file' }).click();
  await pickFile(write('leads-no-header.csv', 'ana@example.com,Ana\nbo@example.com,Bo\ncy@example.com,Cy\n'));
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  await page.getByRole('checkbox', { name: /The file has no header row/ }).check();
  const checks = page.getByRole('status', { name: 'Before the dry run' });
  await until(async () => /Column A: its values look like e-mail addresses, not flow_id\./.test(await checks.innerText().catch(() => '')),
    10_000, 'the doubt about column A');
  assert.match(await checks.innerText(), /Column B: a guess by position only: check the sample values\./);
  const rowA = page.getByRole('row', { name: /^A / });
  assert.match(await rowA.innerText(), /by position, 50% sure/);
  assert.doesNotMatch(await page.getByRole('table', { name: /Columns of the file/ }).innerText(), /100% sure/);
  await shot('30-map-doubts-position');
  // Chosen by the person, the doubts go.
  await page.getByRole('combobox', { name: 'Field for column A', exact: true }).selectOption('email');
  await until(async () => /flow_id is required and no column feeds it/.test(await checks.innerText()), 10_000, 'flow_id missing');
  assert.doesNotMatch(await checks.innerText(), /Column A:/);

  // Participants, whose fields are case-sensitive: "AccountId" is offered as accountId, in one click.
  await openImportPage();
  await until(async () => (await select.locator('option').count()) > 1, 10_000, 'the templates');
  await select.selectOption({ label: 'Referral program participants' });
  await page.getByRole('button', { name: 'Next: choose a file' }).click();
  await pickFile(write('participants-case.csv', 'AccountId,id,email\nacct-1,u1,u1@example.com\n'));
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  await until(async () => /accountId is required and no column feeds it/.test(await checks.innerText().catch(() => '')), 10_000, 'the missing field');
  assert.match(await checks.innerText(), /Column AccountId: did you mean accountId\? Field names are case-sensitive here\./);
  await shot('31-map-did-you-mean');
  await page.getByRole('button', { name: 'Map column AccountId to accountId' }).click();
  await until(async () => (await page.getByRole('combobox', { name: 'Field for column AccountId', exact: true }).inputValue()) === 'accountId',
    10_000, 'the one-click mapping');
  await until(async () => await checks.isHidden(), 10_000, 'nothing left to check');
  assert.deepEqual(await dryRun(), { create: 1, update: 0, duplicate: 0, error: 0, warnings: 0 });
});

test('at 390 px every step and My Partners are usable without sideways scrolling; the findings table shows row and problem first', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    const fits = async (what) => assert.deepEqual(await sidewaysOverflow(), [], what);
    await openImportPage();
    await fits('the choose step');
    await chooseTemplate('Prospect import');
    await fits('the file step');
    await pickFile(write('narrow.csv', `${HEADER}Narrow One,narrow1@example.com,https://narrow1.example.com/,Podcasts,US\n`
      + 'Narrow Two,narrow2(at)example.com,https://narrow2.example.com/,Podcasts,US\n'
      + 'Narrow Three,narrow3@example.com,https://narrow3.example.com/,A group that does not exist at all,US\n'));
    await fits('the file step with its preview');
    await page.getByRole('button', { name: 'Next: map the columns' }).click();
    await fits('the map step');
    await shot('32-narrow-map');
    assert.deepEqual(await dryRun(), { create: 1, update: 0, duplicate: 0, error: 2, warnings: 0 });
    await fits('the dry run step');
    // Row and problem first, both on screen.
    const table = page.getByRole('table', { name: 'Problem rows' });
    const rowHeader = await table.getByRole('columnheader', { name: 'Row' }).boundingBox();
    const problemHeader = await table.getByRole('columnheader', { name: 'Problem' }).boundingBox();
    const valueHeader = await table.getByRole('columnheader', { name: 'Value' }).boundingBox();
    assert.equal(problemHeader.y, rowHeader.y, 'Problem on the first line, beside Row');
    assert.ok(problemHeader.x > rowHeader.x && valueHeader.y > rowHeader.y, `Value on the line under them: ${JSON.stringify([rowHeader, problemHeader, valueHeader])}`);
    // The value can still be corrected where it is shown.
    assert.ok(await page.getByRole('button', { name: 'Correct Contact Email of row 3: narrow2(at)example.com' }).isVisible());
    const problem = table.getByRole('cell').filter({ hasText: /invalid_email/ }).first();
    const box = await problem.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390 && box.width >= 150, `the problem cell at ${JSON.stringify(box)}`);
    await shot('33-narrow-dry-run');
    await page.getByRole('button', { name: 'Import 1 valid row' }).click();
    await page.getByText('The import is done.').waitFor({ timeout: 30_000 });
    await fits('the import step');
    await shot('34-narrow-import');
    await page.getByRole('link', { name: 'My Partners' }).click();
    await page.getByText(/partners? match/).waitFor();
    await fits('My Partners');
    await shot('35-narrow-partners');
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
});

test('a header below title rows is found, can be chosen, and the rows keep their spreadsheet numbers', async () => {
  await openImportPage();
  await chooseTemplate('Prospect import');
  await pickFile(write('titled.csv', 'Prospects export,,,,\nMade 2024-05-01 by Ana,,,,\n'
    + `${HEADER}Titled One,titled1@example.com,https://titled1.example.com/,Podcasts,US\n`
    + 'Titled Two,titled2(at)example.com,https://titled2.example.com/,Podcasts,US\n'));
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  const headerRow = page.getByRole('combobox', { name: 'The header is on row' });
  await until(async () => (await headerRow.inputValue()) === '3', 10_000, 'the header found on row 3');
  assert.match(await page.getByText(/rows 1 to 2 are left out/).innerText(), /Found below the rows above it/);
  assert.equal(await page.getByRole('combobox', { name: 'Field for column Contact Email', exact: true }).inputValue(), 'Contact Email');
  await shot('36-header-below-titles');
  // Row 1 chosen by hand: its title is the only "column"; row 3 again puts things right.
  await headerRow.selectOption('1');
  await until(async () => (await page.getByRole('combobox', { name: 'Field for column Prospects export', exact: true }).count()) === 1,
    10_000, 'the title as a header');
  await headerRow.selectOption('3');
  await until(async () => (await page.getByRole('combobox', { name: 'Field for column Contact Email', exact: true }).count()) === 1,
    10_000, 'the header of row 3');
  assert.deepEqual(await dryRun(), { create: 1, update: 0, duplicate: 0, error: 1, warnings: 0 });
  // The problem is on row 5, where a spreadsheet shows it.
  assert.match(await page.getByRole('table', { name: 'Problem rows' }).innerText(), /5\s+Contact Email\s+titled2\(at\)example\.com/);
  const body = await importRequestBody(() => page.getByRole('button', { name: 'Import 1 valid row' }).click());
  assert.equal(body.options.header_row, 3);
  await page.getByText('The import is done.').waitFor({ timeout: 30_000 });
});

test('a server that cannot be reached, and an upload part the server fails, say what to do; the retry continues the same import', async () => {
  await page.route('**/api/v1/templates', (route) => route.abort('connectionrefused'));
  try {
    await openImportPage();
    const alert = page.getByRole('alert').filter({ hasText: 'cannot be reached' });
    await until(() => alert.count(), 10_000, 'the unreachable message');
    assert.match(await alert.innerText(), /^The Rowgate server at http:\/\/127\.0\.0\.1:\d+ cannot be reached\. Check the connection and try again\.$/);
  } finally {
    await page.unroute('**/api/v1/templates');
  }

  await openImportPage();
  await chooseTemplate('Prospect import');
  await pickFile(write('upload-fails.csv', `${HEADER}Delta Media,delta@example.com,https://delta.example.com/,Podcasts,FR\n`));
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  assert.deepEqual(await dryRun(), { create: 1, update: 0, duplicate: 0, error: 0, warnings: 0 });
  let refused = 0;
  const busy = { error: { code: 'store_unavailable', message: 'The database is busy.' } };
  const broken = { error: { code: 'internal', message: 'The disk failed.' } };
  await page.route('**/api/v1/imports/*/parts/1', (route) => {
    refused += 1;
    // Twice unavailable for now (the page tries again by itself), then a fault no retry mends.
    const [status, body] = refused <= 2 ? [503, busy] : [500, broken];
    return route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
  });
  try {
    await page.getByRole('button', { name: 'Import 1 valid row' }).click();
    await page.getByRole('status').filter({ hasText: /^The server is unavailable for now \(503\); trying again in \d+ s \(attempt \d+\)…$/ })
      .waitFor({ timeout: 10_000 });
    const error = page.getByRole('alert').filter({ hasText: 'The server failed' });
    await error.waitFor({ timeout: 15_000 });
    assert.equal(await error.innerText(), 'The server failed (The disk failed.) Try again in a moment. '
      + '"Try the import again" picks up this import where it stopped; no row is imported twice.');
    assert.equal(await page.getByText('The import did not complete.').count(), 1);
    assert.equal(refused, 3);
    // The one way on: trying again (not a second button that starts over).
    assert.equal(await page.getByRole('button', { name: 'Import another file' }).isVisible(), false);
    await shot('15-upload-failed');
  } finally {
    await page.unroute('**/api/v1/imports/*/parts/1');
  }
  const imports = (await api('/api/v1/imports?limit=500')).items;
  assert.equal(imports[0].status, 'uploading');
  await page.getByRole('button', { name: 'Try the import again' }).click();
  await page.getByText('The import is done.').waitFor({ timeout: 30_000 });
  assert.match(await page.getByLabel('Import summary').innerText(), /Created\s+1/);
  // The import created before is the one done: no second import.
  const after = (await api('/api/v1/imports?limit=500')).items;
  assert.deepEqual([after.length, after[0].id, after[0].status], [imports.length, imports[0].id, 'done']);
});

test('a worker that cannot start says so at the file step', async () => {
  await openImportPage();
  // The embedding page names a WebAssembly folder that does not exist.
  await page.evaluate(() => {
    const importer = document.querySelector('rowgate-importer');
    importer.setAttribute('wasm', '/no-such-folder/');
    importer.reload();
  });
  await chooseTemplate('Prospect import');
  await page.getByLabel('Choose a file').setInputFiles(write('fine.csv', `${HEADER}Echo Media,echo@example.com,https://echo.example.com/,Podcasts,US\n`));
  const alert = page.getByRole('alert').filter({ hasText: 'Rowgate worker failed' });
  await alert.waitFor({ timeout: 15_000 });
  assert.match(await alert.innerText(), /^Something went wrong: The Rowgate worker failed: .*reload the page\.$/);
  assert.equal(await page.getByRole('button', { name: 'Next: map the columns' }).isDisabled(), true);
  await shot('16-worker-failed');
});

test('a damaged Excel workbook is refused with what to do instead', async () => {
  await openImportPage();
  await chooseTemplate('Prospect import');
  // The first bytes of a ZIP archive, as an .xlsx file starts, and nothing of the rest.
  const workbook = Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x06\x00', 'latin1'), Buffer.alloc(200, 0x41)]);
  await pickFile(write('partners.xlsx', workbook));
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  const counts = await dryRun();
  assert.deepEqual(counts, { create: 0, update: 0, duplicate: 0, error: 0, warnings: 0 });
  const alert = page.getByRole('alert').filter({ hasText: 'The file cannot be imported' });
  assert.match(await alert.innerText(), /The workbook's ZIP container is damaged .*save it again\..*Correct the file and choose it again/s);
  assert.equal(await page.getByRole('button', { name: /^Import/ }).isDisabled(), true);
});

test('a workbook dropped on the widget: its first values, the dry run, and its valid rows imported', async () => {
  const file = join(FILES, 'prospects_300.xlsx');
  await openImportPage();
  await chooseTemplate('Prospect import');
  const accepted = (await page.getByLabel('Choose a file').getAttribute('accept')).split(',');
  assert.ok(accepted.includes('.xlsx') && accepted.includes(WORKBOOK_TYPE), accepted.join(','));
  await dropFile(file, WORKBOOK_TYPE);
  assert.match(await page.getByText(/detected Excel workbook/).innerText(),
    /^prospects_300\.xlsx \([\d.]+ kB\): detected Excel workbook, sheet "Prospects"; 8 columns\.$/);
  // The first values of the sheet's columns, as the worker read them.
  const firstValues = page.getByRole('table', { name: 'First values of each column' });
  const emailRow = firstValues.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Contact Email' }) });
  assert.match(await emailRow.innerText(), /^Contact Email\s+\S.* · .*@/);
  // Its two sheets, by rows when the workbook says how many, else by size.
  const sheet = page.getByRole('combobox', { name: 'Sheet' });
  assert.deepEqual(await sheet.locator('option').allInnerTexts(), ['Prospects — 301 rows', 'Notes — 0.3 kB']);
  assert.equal(await sheet.inputValue(), 'Prospects');
  await shot('20-workbook-preview');
  await narrowShot('20a-workbook-preview-390px');

  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  assert.equal(await page.getByRole('combobox', { name: 'Field for column Contact Email' }).inputValue(), 'Contact Email');
  const shown = await dryRun();
  await shot('21-workbook-dry-run');
  // The same workbook with the same context through the native binary.
  const { sets, existing_hash64: existingHash64 } = await api('/api/v1/context?template=prospects');
  const contextFile = write('context-workbook.json', JSON.stringify({ sets, existing_hash64: existingHash64 }));
  let out;
  try {
    out = execFileSync(BIN, ['check', file, '--template', 'prospects', '--context', contextFile, '--json'], { maxBuffer: 1 << 26 });
  } catch (error) {
    out = error.stdout; // exit status 1: some rows are not valid
  }
  const { summary } = JSON.parse(out);
  assert.equal(summary.rows, 300);
  assert.deepEqual(shown, {
    create: summary.create,
    update: summary.update,
    duplicate: summary.duplicate,
    error: summary.invalid - summary.duplicate,
    warnings: summary.warnings,
  });
  assert.ok(shown.create > 250, `${shown.create} rows to create`);

  const partnersBefore = (await api('/api/v1/partners?limit=1')).total;
  const body = await importRequestBody(() => page.getByRole('button', { name: /^Import [\d,]+ valid rows$/ }).click());
  assert.deepEqual(body.options, {}, 'the first sheet, as the core reads by default');
  await page.getByText('The import is done.').waitFor({ timeout: 60_000 });
  const created = Number(/Created\s+([\d,]+)/.exec(await page.getByLabel('Import summary').innerText())[1].replaceAll(',', ''));
  assert.equal(created, shown.create);
  const [job] = (await api('/api/v1/imports?limit=1')).items;
  assert.deepEqual([job.status, job.counts.create, job.counts.update], ['done', shown.create, shown.update]);
  assert.equal((await api('/api/v1/partners?limit=1')).total, partnersBefore + shown.create);
  await shot('22-workbook-imported');
});

test('a workbook with two data sheets: the sheet chosen is the one previewed, dry-run and imported', async () => {
  const header = ['Partner Name', 'Contact Email', 'Media Property', 'Group Name', 'Country'];
  const file = writeWorkbook('two-sheets.xlsx', [
    { name: 'Contacts', rows: [header,
      ['Kappa Sheetone', 'kappa@contacts.example.com', 'https://kappa.example.com/', 'Podcasts', 'US'],
      ['Lambda Sheetone', 'lambda@contacts.example.com', 'https://lambda.example.com/', 'Podcasts', 'US']] },
    // Hidden sheets are not offered.
    { name: 'Lookup', hidden: true, rows: [['Group Name'], ['Podcasts']] },
    // Without a dimension: the picker gives its size.
    { name: 'Suppliers 2024', dimension: false, rows: [header,
      ['Mu Sheettwo', 'mu@suppliers.example.com', 'https://mu.example.com/', 'Mass Media', 'DE'],
      ['Nu Sheettwo', 'not-an-email', 'https://nu.example.com/', 'Mass Media', 'DE'],
      ['Xi Sheettwo', 'xi@suppliers.example.com', 'https://xi.example.com/', 'Podcasts', 'FR'],
      ['Omicron Sheettwo', 'omicron@suppliers.example.com', 'https://omicron.example.com/', 'Mass Media', 'NL']] },
  ]);
  await openImportPage();
  await chooseTemplate('Prospect import');
  await pickFile(file);
  const detected = page.getByText(/detected Excel workbook/);
  assert.match(await detected.innerText(), /detected Excel workbook, sheet "Contacts"; 5 columns\.$/);
  const sheet = page.getByRole('combobox', { name: 'Sheet' });
  const labels = await sheet.locator('option').allInnerTexts();
  assert.equal(labels.length, 2, labels.join(' | '));
  assert.equal(labels[0], 'Contacts — 3 rows');
  assert.match(labels[1], /^Suppliers 2024 — \d\.\d kB$/);
  assert.equal(await sheet.inputValue(), 'Contacts');
  const firstValues = page.getByRole('table', { name: 'First values of each column' });
  assert.match(await firstValues.innerText(), /kappa@contacts\.example\.com/);

  // From the keyboard: the next sheet, and its columns and values are read again.
  await sheet.focus();
  await page.keyboard.press('ArrowDown');
  await until(async () => /sheet "Suppliers 2024"; 5 columns\.$/.test(await detected.innerText()), 10_000, 'the second sheet');
  assert.equal(await sheet.inputValue(), 'Suppliers 2024');
  assert.match(await firstValues.innerText(), /mu@suppliers\.example\.com/);
  assert.doesNotMatch(await firstValues.innerText(), /contacts\.example\.com/);
  assert.equal(await page.getByRole('button', { name: 'Next: map the columns' }).isEnabled(), true);
  await shot('23-workbook-sheet-picker');
  await narrowShot('23a-workbook-sheet-picker-390px');

  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  assert.match(await page.getByRole('table', { name: /Columns of the file/ }).innerText(), /mu@suppliers\.example\.com/);
  assert.deepEqual(await dryRun(), { create: 3, update: 0, duplicate: 0, error: 1, warnings: 0 });
  const problems = await page.getByRole('table', { name: 'Problem rows' }).getByRole('row').allInnerTexts();
  assert.match(problems[1], /^3\s+Contact Email\s+not-an-email\s+invalid_email/);

  const body = await importRequestBody(() => page.getByRole('button', { name: 'Import 3 valid rows' }).click());
  assert.deepEqual(body.options, { sheet: 'Suppliers 2024' });
  await page.getByText('The import is done.').waitFor({ timeout: 30_000 });
  assert.match(await page.getByLabel('Import summary').innerText(), /Created\s+3/);
  const [job] = (await api('/api/v1/imports?limit=1')).items;
  assert.deepEqual([job.status, job.counts.create, job.counts.error], ['done', 3, 1]);
  assert.equal((await api('/api/v1/partners?q=Sheettwo&limit=10')).total, 3);
  assert.equal((await api('/api/v1/partners?q=Sheetone&limit=10')).total, 0);
});

test('the encoding and delimiter choices are hidden for a workbook, and back for a CSV chosen after it', async () => {
  await openImportPage();
  await chooseTemplate('Prospect import');
  const encoding = page.getByRole('combobox', { name: 'Encoding' });
  const delimiter = page.getByRole('combobox', { name: 'Delimiter' });
  await pickFile(writeWorkbook('one-sheet.xlsx', [{ name: 'Partners', rows: [['Partner Name', 'Contact Email'], ['Pi Media', 'pi@example.com']] }]));
  await page.getByText(/detected Excel workbook, sheet "Partners"/).waitFor();
  assert.deepEqual([await encoding.isVisible(), await delimiter.isVisible()], [false, false]);
  assert.equal(await page.getByRole('combobox', { name: 'Format' }).isVisible(), true);
  // One sheet: nothing to choose.
  assert.equal(await page.getByRole('combobox', { name: 'Sheet' }).isVisible(), false);

  await pickFile(write('after-workbook.csv', `${HEADER}Rho Media,rho@example.com,https://rho.example.com/,Podcasts,US\n`));
  await page.getByText(/detected CSV, UTF-8, delimiter comma/).waitFor();
  assert.deepEqual([await encoding.isVisible(), await delimiter.isVisible()], [true, true]);
  assert.equal(await page.getByRole('combobox', { name: 'Sheet' }).isVisible(), false);
  assert.match(await page.getByRole('table', { name: 'First values of each column' }).innerText(), /rho@example\.com/);
  await shot('24-csv-after-workbook');
});

test('bulk edit on My Partners with an Excel workbook', async () => {
  await page.goto(`${URL_BASE}/partners`);
  const partners = (await api('/api/v1/partners?limit=500')).items.filter((p) => p.partner_id && p.status !== 'pending');
  const partner = partners[partners.length - 1];
  assert.ok(partner, 'a partner with a Partner ID');
  const id = /^\d+$/.test(partner.partner_id) ? Number(partner.partner_id) : partner.partner_id;
  const file = writeWorkbook('bulk-edit.xlsx', [{ name: 'Changes', rows: [['Partner ID', 'Status'], [id, 'pending']] }]);
  await page.getByRole('button', { name: 'Bulk edit with a file' }).click();
  const dialog = page.getByRole('dialog', { name: 'Bulk edit partners with a file' });
  assert.match(await dialog.innerText(), /A CSV file or an Excel workbook \(\.xlsx\) with a Partner ID column/);
  await dialog.getByRole('button', { name: 'Next: choose a file' }).click();
  await dialog.getByLabel('Choose a file').setInputFiles(file);
  await until(() => dialog.getByRole('button', { name: 'Next: map the columns' }).isEnabled(), 10_000, 'the preview');
  assert.match(await dialog.getByText(/detected Excel workbook/).innerText(), /sheet "Changes"; 2 columns/);
  await dialog.getByRole('button', { name: 'Next: map the columns' }).click();
  await dialog.getByRole('button', { name: 'Start the dry run' }).click();
  await until(() => dialog.getByRole('button', { name: 'Choose a corrected file' }).isEnabled(), 30_000, 'the dry run');
  assert.match(await dialog.getByRole('status', { name: 'Dry run counts' }).innerText(), /Update\s+1/);
  await shot('25-bulk-edit-workbook');
  await dialog.getByRole('button', { name: 'Import 1 valid row' }).click();
  await dialog.getByText('The import is done.').waitFor({ timeout: 30_000 });
  await dialog.getByRole('button', { name: 'Close' }).click();
  const after = await api(`/api/v1/partners?q=${encodeURIComponent(partner.partner_id)}&limit=10`);
  assert.equal(after.items.find((p) => p.partner_id === partner.partner_id)?.status, 'pending');
});

test('a dry run cancelled half-way goes back to the mapping, and can start again', async () => {
  let text = HEADER;
  const rows = [];
  for (let i = 0; i < 400_000; i++) rows.push(`Partner ${i},p${i}@example.com,https://p${i}.example.com/,Podcasts,US\n`);
  text += rows.join('');
  const file = write('big.csv', text);
  await openImportPage();
  await chooseTemplate('Prospect import');
  await pickFile(file);
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  await page.getByRole('button', { name: 'Start the dry run' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('alert').filter({ hasText: 'The dry run was cancelled.' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.getByRole('heading', { name: 'Map the columns' }).isVisible(), true);
  const counts = await dryRun();
  assert.deepEqual([counts.create, counts.error], [400_000, 0]);
});

test('50,000 findings: only the visible rows are in the page, and it stays responsive', async () => {
  let text = HEADER;
  for (let i = 0; i < 50_000; i++) text += `Partner ${i},bad-email-${i},https://p${i}.example.com/,Podcasts,US\n`;
  const file = write('many-errors.csv', text);
  await openImportPage();
  await chooseTemplate('Prospect import');
  await pickFile(file);
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  await page.evaluate(() => {
    window.longestTask = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.longestTask = Math.max(window.longestTask, entry.duration);
    }).observe({ type: 'longtask' });
  });
  const counts = await dryRun();
  assert.equal(counts.error, 50_000);
  const table = page.getByRole('table', { name: 'Problem rows' });
  assert.equal(await table.getAttribute('aria-rowcount'), '50001');
  const rendered = await table.getByRole('row').count();
  assert.ok(rendered < 80, `${rendered} rows in the DOM`);
  // Scroll to the end with the keyboard: the last finding is shown, still few rows rendered.
  await page.getByRole('rowgroup', { name: 'Problem rows, scrollable' }).focus();
  await page.keyboard.press('End');
  await until(async () => /50001\s+Contact Email\s+bad-email-49999/.test(await table.innerText()), 5000, 'the last row');
  assert.ok((await table.getByRole('row').count()) < 80);
  const longest = await page.evaluate(() => window.longestTask);
  assert.ok(longest < 250, `longest main-thread task ${longest} ms`);
  await shot('13-many-findings');
});

test('a server restarted during an import: the page reconnects and the same import ends, each row stored once', async () => {
  const own = await ownServer('Restart');
  const { dir, port, key, base, call } = own;
  let { server } = own;
  try {
    await openImportPage(key, base);
    await chooseTemplate('Prospect import');
    await pickFile(join(FILES, 'prospects_200000.csv'));
    await page.getByRole('button', { name: 'Next: map the columns' }).click();
    const counts = await dryRun();
    await page.getByRole('button', { name: /^Import [\d,]+ valid rows$/ }).click();

    // Killed while it stores the rows: the page shows them coming, a checkpoint is stored, and
    // rows are left to store.
    await page.getByRole('status').filter({ hasText: /^The server is storing the rows: [1-9][\d,]* so far…$/ })
      .waitFor({ timeout: 60_000 });
    const running = await until(async () => {
      const [job] = (await call('/api/v1/imports?limit=1')).items;
      return job?.status === 'committing' && job.progress.committed_row > 0 && job;
    }, 60_000, 'a checkpoint of the import');
    await stop(server);

    const phase = page.getByRole('status').filter({ hasText: /reconnecting/ });
    await phase.waitFor({ timeout: 10_000 });
    assert.match(await phase.innerText(), /^The server cannot be reached; reconnecting in \d+ s \(attempt \d+\)…$/);
    await shot('17-restart-reconnecting');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(await page.getByRole('button', { name: 'Try the import again' }).isVisible(), false, 'the page gave up');
    assert.equal(await phase.count(), 1, 'the page still says it is reconnecting');

    server = await serve(dir, port);
    // Back to normal once the server answers: the rows stored go on, or the import is done.
    const back = page.getByRole('status').filter({ hasText: /^(The server is storing the rows: [\d,]+ so far…|The import is done\.)$/ });
    await back.waitFor({ timeout: 60_000 });
    await shot('18-restart-back');
    await page.getByText('The import is done.').waitFor({ timeout: 180_000 });
    assert.equal(await page.getByText(/reconnecting/).count(), 0);
    const summary = await page.getByLabel('Import summary').innerText();
    const created = Number(/Created\s+([\d,]+)/.exec(summary)[1].replaceAll(',', ''));
    assert.equal(created, counts.create);
    await shot('19-restart-done');

    const { items } = await call('/api/v1/imports');
    assert.deepEqual(items.map((job) => [job.id, job.status]), [[running.id, 'done']], 'one import, the one running before the restart');
    assert.equal((await call('/api/v1/partners?limit=1')).total, created, 'each valid row stored once');
  } finally {
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Cancel the import while the server stores the rows: it stops, says what stays stored, and offers another file', async () => {
  const { dir, key, base, call, server } = await ownServer('Cancel');
  try {
    await openImportPage(key, base);
    await chooseTemplate('Prospect import');
    await pickFile(join(FILES, 'prospects_200000.csv'));
    await page.getByRole('button', { name: 'Next: map the columns' }).click();
    const counts = await dryRun();
    await page.getByRole('button', { name: /^Import [\d,]+ valid rows$/ }).click();
    const cancel = page.getByRole('button', { name: 'Cancel the import' });
    await cancel.waitFor();
    await page.getByRole('status').filter({ hasText: /^The server is storing the rows: [1-9][\d,]* so far…$/ }).waitFor({ timeout: 60_000 });
    await cancel.click();
    assert.equal(await cancel.isDisabled(), true, 'one cancel');
    await page.getByText('The import was cancelled; rows stored before the cancel stay stored.').waitFor({ timeout: 60_000 });
    await shot('27-import-cancelled');
    assert.equal(await cancel.isVisible(), false);
    assert.equal(await page.getByRole('button', { name: 'Try the import again' }).isVisible(), false);
    await page.getByRole('button', { name: 'Import another file' }).waitFor();

    const { items } = await call('/api/v1/imports');
    assert.deepEqual(items.map((job) => job.status), ['cancelled']);
    const stored = (await call('/api/v1/partners?limit=1')).total;
    assert.ok(stored < counts.create, `${stored} of ${counts.create} rows stored before the cancel`);
    // What the page says was created is what the store holds.
    const created = Number(/Created\s+([\d,]+)/.exec(await page.getByLabel('Import summary').innerText())[1].replaceAll(',', ''));
    assert.equal(created, stored);
  } finally {
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('after the import, the rows not imported with their reasons, filterable by problem', async () => {
  await openImportPage();
  await chooseTemplate('Prospect import');
  await pickFile(write('some-failures.csv', `${HEADER}After One,after1@example.com,https://after1.example.com/,Podcasts,US\n`
    + 'After Two,after2(at)example.com,https://after2.example.com/,Podcasts,US\n' // row 3: invalid_email
    + 'After Three,after3@example.com,https://after3.example.com/,Podcastz,US\n' // row 4: unknown_reference
    + 'After Four,after1@example.com,https://after4.example.com/,Podcasts,US\n' // row 5: duplicate_in_file
    + 'After Five,after5@example.com,ftp://after5.example.com/,Podcasts,US\n')); // row 6: invalid_url
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  assert.deepEqual(await dryRun(), { create: 1, update: 0, duplicate: 1, error: 3, warnings: 0 });
  await page.getByRole('button', { name: 'Import 1 valid row' }).click();
  await page.getByText('The import is done.').waitFor({ timeout: 30_000 });
  const table = page.getByRole('table', { name: 'Problems the server found' });
  await until(async () => (await table.getByRole('row').count()) === 5, 10_000, 'the server\'s findings'); // header + 4
  const text = await table.innerText();
  for (const [row, code] of [[3, 'invalid_email'], [4, 'unknown_reference'], [5, 'duplicate_in_file'], [6, 'invalid_url']])
    assert.match(text, new RegExp(`${row}\\s+\\S[^\\n]*\\s+${code}`), `row ${row}: ${code}`);
  assert.match(text, /did you mean "Podcasts"\?/); // the reason, in full words
  await page.getByRole('combobox', { name: 'Show problems' }).selectOption('unknown_reference');
  await until(async () => (await table.getByRole('row').count()) === 2, 5000, 'the filter');
  assert.match(await table.innerText(), /^Row\s+Column\s+Problem\s+4\s+Group Name\s+unknown_reference/);
  assert.equal(await page.getByText('1 of 4 findings shown').count(), 1);
  await shot('29-import-problems');
});

test('fix in place: values corrected in the table, suggestions accepted, a row skipped, undo and redo, kept over a reload, and imported as edited', async () => {
  await openImportPage();
  await chooseTemplate('Prospect import');
  const file = write('fix-in-place.csv', `${HEADER}Ed One,ed1@example.com,https://ed1.example.com/,Podcasts,US\n`
    + 'Ed Two,ed2(at)example.com,https://ed2.example.com/,Podcasts,US\n' // row 3: corrected by hand
    + 'Ed Three,ed3@example.com,https://ed3.example.com/,Podcast,US\n' // row 4: "did you mean Podcasts?"
    + 'Ed Four,ed4@example.com,https://ed4.example.com/,mass media,US\n' // row 5: "did you mean Mass Media?"
    + 'Ed Five,nope,https://ed5.example.com/,Podcasts,US\n' // row 6: skipped
    + 'Ed Six,ed1@example.com,https://ed6.example.com/,Podcasts,US\n'); // row 7: row 2's e-mail, then its own
  await pickFile(file);
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  assert.deepEqual(await dryRun(), { create: 1, update: 0, duplicate: 1, error: 4, warnings: 0 });
  const counts = (expected, what) => until(async () => {
    if (!(await page.getByRole('button', { name: 'Choose a corrected file' }).isEnabled())) return false; // still checking
    const now = await shownCounts();
    return Object.keys(now).every((k) => now[k] === expected[k]);
  }, 20_000, what);
  const all = { update: 0, warnings: 0 };

  // Escape cancels an edit; Enter saves it, and the row is checked again.
  await page.getByRole('button', { name: 'Correct Contact Email of row 3: ed2(at)example.com' }).click();
  const editor = page.getByRole('textbox', { name: 'New value of Contact Email, row 3' });
  await editor.fill('still wrong');
  await shot('22-fix-in-place-editing');
  await editor.press('Escape');
  assert.equal(await editor.count(), 0);
  await page.getByRole('button', { name: 'Correct Contact Email of row 3: ed2(at)example.com' }).focus();
  await page.keyboard.press('Enter');
  await editor.fill('ed2@example.com');
  await editor.press('Enter');
  await counts({ create: 2, ...all, duplicate: 1, error: 3 }, 'row 3 corrected');

  // Every "did you mean": the button says how many rows it changes before it does.
  const accept = page.getByRole('button', { name: 'Accept every suggestion (2 rows)' });
  await accept.click();
  await counts({ create: 4, ...all, duplicate: 1, error: 1 }, 'the suggestions accepted');
  await page.getByRole('button', { name: 'Skip row 6' }).click();
  await counts({ create: 4, ...all, duplicate: 1, error: 0 }, 'row 6 skipped');
  await page.getByRole('button', { name: 'Correct Contact Email of row 7: ed1@example.com' }).click();
  await page.getByRole('textbox', { name: 'New value of Contact Email, row 7' }).fill('ed6@example.com');
  await page.getByRole('textbox', { name: 'New value of Contact Email, row 7' }).press('Enter');
  await counts({ create: 5, ...all, duplicate: 0, error: 0 }, 'row 7 corrected');
  await page.getByText('No problem rows.').waitFor();

  // Undo and redo, with the buttons and with the keyboard.
  await page.getByRole('button', { name: 'Undo' }).click();
  await counts({ create: 4, ...all, duplicate: 1, error: 0 }, 'the undo');
  await page.getByRole('heading', { name: 'Dry run' }).focus();
  await page.keyboard.press('Control+Shift+Z');
  await counts({ create: 5, ...all, duplicate: 0, error: 0 }, 'the redo');
  assert.match(await page.getByRole('group', { name: 'Edits' }).innerText(),
    /2 values corrected in 2 rows, 1 row skipped, Group Name: 2 values replaced\. The dry run counts 4 edited and 1 skipped rows/);
  await shot('23-fix-in-place');
  const edits = JSON.parse(await download(() => page.getByRole('button', { name: 'Download edits' }).click()));
  assert.deepEqual(edits, {
    edits: { 3: { 'Contact Email': 'ed2@example.com' }, 7: { 'Contact Email': 'ed6@example.com' } },
    skip: [6],
    // Every suggestion is one replace over the column: rows the page does not hold change too.
    columns: [{ column: 'Group Name', replace: { Podcast: 'Podcasts', 'mass media': 'Mass Media' } }],
  });

  // A reload loses nothing: the same file chosen again brings its edits back.
  await openImportPage();
  await chooseTemplate('Prospect import');
  await pickFile(file);
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  assert.deepEqual(await dryRun(), { create: 5, ...all, duplicate: 0, error: 0 });
  await page.getByText('The edits made to this file before were restored.').waitFor();

  // The import takes the edits with it; the server checks the file again with them.
  const body = await importRequestBody(() => page.getByRole('button', { name: 'Import 5 valid rows' }).click());
  assert.deepEqual(body.edits, edits);
  await page.getByText('The import is done.').waitFor({ timeout: 30_000 });
  assert.match(await page.getByLabel('Import summary').innerText(), /Created\s+5.*Rows edited\s+4\s+Rows skipped\s+1/s);
  const byName = {};
  for (const name of ['Ed One', 'Ed Two', 'Ed Three', 'Ed Four', 'Ed Five', 'Ed Six']) {
    const found = await api(`/api/v1/partners?q=${encodeURIComponent(name)}`);
    byName[name] = found.items.find((p) => p.name === name);
  }
  assert.equal(byName['Ed Five'], undefined); // skipped
  assert.equal(byName['Ed One'].email, 'ed1@example.com');
  assert.equal(byName['Ed Two'].email, 'ed2@example.com');
  assert.deepEqual(byName['Ed Three'].groups, ['Podcasts']);
  assert.deepEqual(byName['Ed Four'].groups, ['Mass Media']);
  assert.equal(byName['Ed Six'].email, 'ed6@example.com');
});

test('fix in place on the generated 10,000-row file: three rows by hand, every suggestion, a column lower-cased, and My Partners holds what the widget promised', async () => {
  const partnersNow = async () => new Map(csvRecords(await (await fetch(`${URL_BASE}/api/v1/partners/export.csv`, {
    headers: { Authorization: `Bearer ${KEY}` },
  })).text()).map((p) => [p['Contact Email'], p]));
  const before = await partnersNow();
  await openImportPage();
  await chooseTemplate('Prospect import');
  await pickFile(join(FILES, 'prospects_10000.csv'));
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  const first = await dryRun();
  const checked = (what) => until(async () => {
    if (!(await page.getByRole('button', { name: 'Choose a corrected file' }).isEnabled())) return false;
    return !/checking again/.test(await page.getByRole('group', { name: 'Edits' }).innerText());
  }, 30_000, what);

  // The "did you mean"s, as the core's errors file words them, before anything is edited.
  const errors = csvRecords(await download(() => page.getByRole('button', { name: 'Download errors' }).click()));
  const suggested = new Map(); // row -> suggestion
  for (const e of errors) {
    const m = /did you mean "([^"]+)"\?/.exec(e.message);
    if (m && e.code === 'unknown_reference') suggested.set(Number(e.row), m[1]);
  }
  assert.ok(suggested.size >= 5, `${suggested.size} suggestions in the generated file`);

  // Three invalid e-mails corrected by hand, each checked again as it is saved.
  await page.getByRole('combobox', { name: 'Show problems' }).selectOption('invalid_email');
  const handFixed = new Map();
  for (let i = 0; i < 3; i++) {
    const button = page.getByRole('button', { name: /^Correct Contact Email of row \d+: / }).first();
    const row = Number(/row (\d+):/.exec(await button.getAttribute('aria-label'))[1]);
    const email = `fixed-by-hand-${i}@example.com`;
    await button.click();
    const editor = page.getByRole('textbox', { name: `New value of Contact Email, row ${row}` });
    await editor.fill(email);
    await editor.press('Enter');
    handFixed.set(row, email);
    await checked(`row ${row} corrected`);
  }
  const byHand = await shownCounts();
  assert.equal(byHand.error, first.error - 3);
  assert.equal(byHand.create + byHand.update, first.create + first.update + 3);

  // Every suggestion in one action; the button says how many rows it changes, before it does.
  await page.getByRole('combobox', { name: 'Show problems' }).selectOption('');
  await page.getByRole('button', { name: `Accept every suggestion (${suggested.size.toLocaleString('en-US')} rows)` }).click();
  await checked('the suggestions accepted');
  const accepted = await shownCounts();
  assert.equal(accepted.error, byHand.error - suggested.size);
  assert.equal(accepted.create + accepted.update, byHand.create + byHand.update + suggested.size);

  // A whole column lower-cased: valid rows change too (their e-mails are stored lower-cased).
  await page.getByText('Fix a whole column').click();
  await page.getByRole('combobox', { name: 'Column', exact: true }).selectOption('Contact Email');
  await page.getByRole('combobox', { name: 'Fix', exact: true }).selectOption('lower');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await checked('the column lower-cased');
  const promised = await shownCounts();
  const edited = /The dry run counts ([\d,]+) edited/.exec(await page.getByRole('group', { name: 'Edits' }).innerText());
  assert.ok(Number(edited[1].replaceAll(',', '')) > 3 + suggested.size, 'the lower-casing edits valid rows as well');
  await shot('24-fix-in-place-generated');

  // The import: the server checks the file again with the same edits and says the same counts.
  const [created] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/imports'),
    page.getByRole('button', { name: `Import ${(promised.create + promised.update).toLocaleString('en-US')} valid rows` }).click(),
  ]);
  const { id } = await created.json();
  await page.getByText('The import is done.').waitFor({ timeout: 60_000 });
  const summary = (await api(`/api/v1/imports/${id}`)).summary;
  assert.deepEqual(
    { create: summary.create, update: summary.update, duplicate: summary.duplicate, error: summary.invalid - summary.duplicate, warnings: summary.warnings },
    promised);

  // My Partners holds exactly that: the rows created are new partners, each hand-fixed e-mail is
  // one, each accepted suggestion is the partner's group, and no e-mail has a capital letter.
  const afterImport = await partnersNow();
  assert.equal(afterImport.size - before.size, promised.create);
  for (const email of handFixed.values()) assert.ok(afterImport.has(email), `${email} on My Partners`);
  const file = csvRecords(readFileSync(join(FILES, 'prospects_10000.csv'), 'utf8'));
  for (const [row, group] of suggested) {
    const partner = afterImport.get(file[row - 2]['Contact Email'].toLowerCase());
    assert.ok(partner, `row ${row}'s partner on My Partners`);
    assert.ok(partner.Groups.split('|').includes(group), `row ${row} in "${group}": ${partner.Groups}`);
  }
  const results = csvRecords(await (await fetch(`${URL_BASE}/api/v1/imports/${id}/results.csv`, { headers: { Authorization: `Bearer ${KEY}` } })).text());
  for (const r of results) if (['create', 'update'].includes(r.outcome)) assert.equal(r['Contact Email'], r['Contact Email'].toLowerCase());
  await page.getByRole('link', { name: 'My Partners' }).click();
  const matchCount = page.getByText(/partners? match/);
  await until(async () => (await matchCount.innerText()).startsWith(`${afterImport.size.toLocaleString('en-US')} partners match`), 10_000, 'My Partners\' count');
});

test('fix in Excel and come back: the problem rows downloaded, corrected and uploaded become edits', async () => {
  await openImportPage();
  await chooseTemplate('Prospect import');
  const file = write('round-trip.csv', `${HEADER}Rt One,rt1@example.com,https://rt1.example.com/,Podcasts,US\n`
    + 'Rt Two,rt2 at example.com,https://rt2.example.com/,Podcasts,US\n'
    + 'Rt Three,rt3@example.com,https://rt3.example.com/,Nope,US\n'
    + 'Rt Four,rt4@example.com,-rt4,Podcasts,US\n');
  await pickFile(file);
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  assert.deepEqual(await dryRun(), { create: 1, update: 0, duplicate: 0, error: 3, warnings: 0 });
  const download = await downloadNamed(() => page.getByRole('button', { name: 'Download problem rows' }).click());
  assert.equal(download.name, 'round-trip-problem-rows.csv');
  const lines = download.text.replace(/^\ufeff/, '').trim().split('\r\n');
  assert.match(lines[0], /^Row,Partner Name,Contact Email,Media Property,Group Name,Country,Problems$/);
  assert.equal(lines.length, 4); // the three problem rows
  assert.match(lines[1], /^3,Rt Two,rt2 at example\.com,/);
  assert.match(lines[3], /^5,Rt Four,rt4@example\.com,'-rt4,/); // neutralised for the spreadsheet
  // Corrected "in Excel": two rows fixed, the third left as it was (its ' is not a change).
  const corrected = [lines[0], lines[1].replace('rt2 at example.com', 'rt2@example.com'),
    lines[2].replace(',Nope,', ',Mass Media,'), lines[3]].join('\r\n');
  const back = write('round-trip-problem-rows-corrected.csv', `${corrected}\r\n`);
  await page.getByLabel('Upload corrected problem rows').setInputFiles(back);
  await until(async () => {
    if (!(await page.getByRole('button', { name: 'Choose a corrected file' }).isEnabled())) return false;
    const c = await shownCounts();
    return c.create === 3 && c.error === 1;
  }, 20_000, 'the corrected rows checked again');
  assert.match(await page.getByRole('group', { name: 'Edits' }).innerText(), /2 values corrected in 2 rows/);
  const rows = await page.getByRole('table', { name: 'Problem rows' }).getByRole('row').allInnerTexts();
  assert.equal(rows.length, 2);
  assert.match(rows[1], /^5\s+Media Property\s+-rt4\s+invalid_url/);
  // The errors file of a run after edits is written when asked for, with the edits.
  const errors = await downloadNamed(() => page.getByRole('button', { name: 'Download errors' }).click());
  assert.equal(errors.name, 'round-trip-errors.csv');
  const errorLines = errors.text.trim().split('\r\n');
  assert.equal(errorLines.length, 2, errors.text);
  assert.match(errorLines[1], /^5,5,Media Property,Media Property,invalid_url,error,/);
});

test('a mapping confirmed and imported in one browser is there in a colleague\'s (another profile)', async () => {
  const header = 'Firma,Kontakt,Webseite\n';
  await openImportPage();
  await chooseTemplate('Prospect import');
  await pickFile(write('team-mapping-1.csv', `${header}Team One,team1@example.com,https://team1.example.com/\n`));
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  for (const [column, field] of [['Firma', 'Partner Name'], ['Kontakt', 'Contact Email'], ['Webseite', 'Media Property']]) {
    const select = page.getByRole('combobox', { name: `Field for column ${column}`, exact: true });
    await select.waitFor({ timeout: 10_000 });
    await select.selectOption(field);
    await until(async () => (await page.getByRole('combobox', { name: `Field for column ${column}`, exact: true }).inputValue()) === field,
      10_000, `${column} to map to ${field}`);
  }
  assert.deepEqual(await dryRun(), { create: 1, update: 0, duplicate: 0, error: 0, warnings: 0 });
  await page.getByRole('button', { name: 'Import 1 valid row' }).click();
  await page.getByText('The import is done.').waitFor({ timeout: 30_000 });
  const shared = await until(async () => {
    const answer = await api('/api/v1/mappings?template=prospects');
    return answer.mappings.find((m) => JSON.stringify(m.columns) === '["Firma","Kontakt","Webseite"]');
  }, 10_000, 'the mapping on the server');
  assert.deepEqual(shared.map, { Firma: 'Partner Name', Kontakt: 'Contact Email', Webseite: 'Media Property' });

  // A colleague, in a browser of their own: the same export maps itself.
  const profile = mkdtempSync(join(tmpdir(), 'rowgate-colleague-'));
  const colleague = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
  const other = colleague.pages()[0] ?? (await colleague.newPage());
  other.on('pageerror', (error) => pageErrors.push(error.message));
  try {
    await other.goto(`${URL_BASE}/`);
    await other.getByRole('textbox', { name: 'API key' }).fill(KEY);
    await other.getByRole('button', { name: 'Use this key' }).click();
    const select = other.getByRole('combobox', { name: 'Import type' });
    await until(async () => (await select.locator('option').count()) > 1, 10_000, 'the templates');
    await select.selectOption({ label: 'Prospect import' });
    const next = other.getByRole('button', { name: 'Next: choose a file' });
    await until(() => next.isEnabled(), 10_000, 'the template to load');
    await next.click();
    await other.getByLabel('Choose a file').setInputFiles(write('team-mapping-2.csv', `${header}Team Two,team2@example.com,https://team2.example.com/\n`));
    const toMap = other.getByRole('button', { name: 'Next: map the columns' });
    await until(() => toMap.isEnabled(), 10_000, 'the file preview');
    await toMap.click();
    await other.getByText('This header was mapped before by your team').waitFor({ timeout: 10_000 });
    assert.equal(await other.getByRole('combobox', { name: 'Field for column Kontakt', exact: true }).inputValue(), 'Contact Email');
    assert.equal(await other.getByRole('combobox', { name: 'Field for column Firma', exact: true }).inputValue(), 'Partner Name');
  } finally {
    await colleague.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('participants: the segment chosen once for the file, the rows that would join it, and the import', async () => {
  const made = await fetch(`${URL_BASE}/api/v1/segments`, {
    method: 'POST', headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Spring VIP' }),
  });
  assert.equal(made.status, 201);
  await openImportPage();
  const select = page.getByRole('combobox', { name: 'Import type' });
  await until(async () => (await select.locator('option').count()) > 1, 10_000, 'the templates');
  await select.selectOption({ label: 'Referral program participants' });
  const next = page.getByRole('button', { name: 'Next: choose a file' });
  await until(() => next.isEnabled(), 10_000, 'the template to load');
  // Chosen once for the whole file, as Advocate's import has it.
  await page.getByRole('combobox', { name: 'Segment for every row' }).selectOption('Spring VIP');
  await page.getByRole('combobox', { name: 'Segment action for every row' }).selectOption('add');
  await shot('25-participants-segment-choice');
  await next.click();
  // customFields as Advocate's files carry them, one that only the last line has.
  await pickFile(write('participants-segment.jsonl', '{"accountId":"s1","id":"u1","email":"u1@example.com","customFields":{"tier":"gold"}}\n'
    + '{"accountId":"s1","id":"u2","email":"not an e-mail"}\n{"accountId":"s1","id":"u3","customFields":{"region":"EMEA"}}\n'));
  await page.getByRole('button', { name: 'Next: map the columns' }).click();
  assert.deepEqual(await dryRun(), { create: 2, update: 0, duplicate: 0, error: 1, warnings: 0 });
  await page.getByText('2 valid rows would join the segment "Spring VIP".').waitFor();
  const body = await importRequestBody(() => page.getByRole('button', { name: 'Import 2 valid rows' }).click());
  assert.deepEqual(body.fixed, { segment: 'Spring VIP', segment_action: 'add' });
  await page.getByText('The import is done.').waitFor({ timeout: 30_000 });
  const results = await downloadNamed(() => page.getByRole('link', { name: 'Download the results file' }).click());
  const lines = results.text.trim().split('\r\n');
  const header = lines[0].split(',');
  const at = header.indexOf('segment');
  assert.ok(at > 0, lines[0]);
  assert.equal(header[at + 1], 'segment_action');
  for (const line of lines.slice(1)) assert.match(line, /,Spring VIP,add(,|$)/, line);
  // The customFields.* columns are kept, every line as wide as the header.
  assert.deepEqual(header.slice(-2), ['customFields.tier', 'customFields.region']);
  assert.match(lines[1], /,gold,$/);
  assert.match(lines[3], /,,EMEA$/);
  for (const line of lines.slice(1)) assert.equal(line.split(',').length, header.length, line);
  await shot('26-participants-segment');
});

test('no script error on any page', () => {
  assert.deepEqual(pageErrors, []);
});
