// Fix in place on a big file, in headless Chromium: the time from a correction (Enter in the
// findings table's editor) to the counts of the dry run run again with it, on screen.
//   node bench/web/edit.mjs URL KEY FILE [EDITS]
// (bench/web/run.sh URL KEY ... edit starts the server and makes the files.) The widget is taken
// through its steps once; then EDITS times, the first invalid_email problem is corrected in the
// table, in the page itself (no round trip to this process), and the moments are measured with
// performance.now(): `saved` at the Enter, `done` at the widget's rowgate-dry-run event, whose
// counts must show one error fewer. Long main-thread tasks (PerformanceObserver 'longtask') are
// counted from the Enter to the counts. Prints one JSON line per edit and the medians.

import { chromium } from '../../tests/web/node_modules/playwright-core/index.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, key, file, editsArg] = process.argv.slice(2);
const EDITS = Number(editsArg ?? 5);
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const profile = mkdtempSync(join(tmpdir(), 'rowgate-bench-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', headless: true, args: FLAGS, viewport: { width: 1280, height: 900 },
});
const page = context.pages()[0] ?? (await context.newPage());
await page.goto(`${url}/`);
await page.getByRole('textbox', { name: 'API key' }).fill(key);
await page.getByRole('button', { name: 'Use this key' }).click();
await page.waitForFunction(() => document.querySelector('rowgate-importer').shadowRoot.querySelectorAll('#rg-template option').length > 1);
await page.getByRole('combobox', { name: 'Import type' }).selectOption('prospects');
await page.getByRole('button', { name: 'Next: choose a file' }).click();
await page.getByLabel('Choose a file').setInputFiles(file);
await page.waitForFunction(() => !document.querySelector('rowgate-importer').shadowRoot.querySelector('[data-ref="to-map"]').disabled);
await page.getByRole('button', { name: 'Next: map the columns' }).click();
await page.evaluate(() => {
  const importer = document.querySelector('rowgate-importer');
  window.benchDone = null;
  importer.addEventListener('rowgate-dry-run', (event) => (window.benchDone = { at: performance.now(), counts: event.detail.counts }));
  const marks = { longest: 0, tasks: 0, from: Infinity };
  window.benchTasks = marks;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.startTime + entry.duration < marks.from) continue;
      marks.tasks += 1;
      marks.longest = Math.max(marks.longest, entry.duration);
    }
  }).observe({ type: 'longtask', buffered: false });
});
await page.getByRole('button', { name: 'Start the dry run' }).click();
await page.waitForFunction(() => window.benchDone, null, { timeout: 120_000, polling: 100 });
// Only the invalid e-mails in the table, so that the first row shown is one to correct.
await page.evaluate(() => {
  const root = document.querySelector('rowgate-importer').shadowRoot;
  const select = root.querySelector('[data-ref="code-filter"]');
  select.value = 'invalid_email';
  select.dispatchEvent(new Event('change'));
});

const results = [];
for (let i = 1; i <= EDITS; i++) {
  const before = await page.evaluate(() => window.benchDone.counts);
  await page.waitForFunction(() => {
    const table = document.querySelector('rowgate-importer').shadowRoot.querySelector('rowgate-findings-table');
    return table.shadowRoot.querySelector('.value');
  });
  const m = await page.evaluate((n) => new Promise((resolve) => {
    const table = document.querySelector('rowgate-importer').shadowRoot.querySelector('rowgate-findings-table');
    table.shadowRoot.querySelector('.value').click();
    const editor = table.shadowRoot.querySelector('.editor');
    editor.value = `bench-fix-${n}@example.com`;
    editor.dispatchEvent(new Event('input'));
    window.benchDone = null;
    window.benchTasks.longest = 0;
    window.benchTasks.tasks = 0;
    const saved = performance.now();
    window.benchTasks.from = saved;
    editor.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    const wait = () => {
      if (!window.benchDone) return requestAnimationFrame(wait);
      // The counts are painted in the frame after the event: wait for it.
      requestAnimationFrame(() => resolve({ ms: performance.now() - saved, counts: window.benchDone.counts,
        longest: window.benchTasks.longest, tasks: window.benchTasks.tasks }));
    };
    wait();
  }), i);
  if (m.counts.error !== before.error - 1) throw new Error(`edit ${i}: errors ${before.error} -> ${m.counts.error}, not one fewer`);
  const result = { edit: i, edit_to_counts_ms: Math.round(m.ms), longest_main_thread_task_ms: Math.round(m.longest), long_tasks: m.tasks, errors: m.counts.error };
  console.log(JSON.stringify(result));
  results.push(result);
}
await context.close();
rmSync(profile, { recursive: true, force: true });
console.log(`median of ${EDITS}: ${JSON.stringify({
  edit_to_counts_ms: median(results.map((r) => r.edit_to_counts_ms)),
  longest_main_thread_task_ms: median(results.map((r) => r.longest_main_thread_task_ms)),
})}`);
