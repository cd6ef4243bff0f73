// The widget on a big file in headless Chromium: from the file's selection to the final counts.
//   node bench/web/run.mjs URL KEY FILE [RUNS]
// (bench/web/run.sh starts the server and makes the file.) Measured in the page itself, with
// performance.now(): `selected` when the file input changes; the widget's steps are clicked by a
// script in the page as soon as they are enabled (no round trip to this process), so the times
// are the widget's own. Prints one JSON line per run and a summary with the medians.

import { chromium } from '../../tests/web/node_modules/playwright-core/index.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, key, file, runsArg] = process.argv.slice(2);
const RUNS = Number(runsArg ?? 3);
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

// Runs in the page: marks the moments and clicks through the steps.
function instrument() {
  const importer = document.querySelector('rowgate-importer');
  const root = importer.shadowRoot;
  const ref = (name) => root.querySelector(`[data-ref="${name}"]`);
  const marks = { longest: 0, tasks: 0 };
  window.benchMarks = marks;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!marks.selected || entry.startTime < marks.selected) continue;
      marks.tasks += 1;
      marks.longest = Math.max(marks.longest, entry.duration);
    }
  }).observe({ type: 'longtask', buffered: false });
  const whenEnabled = (name, then) => {
    const check = () => (ref(name).disabled || ref(name).offsetParent === null ? requestAnimationFrame(check) : then());
    check();
  };
  ref('file-input').addEventListener('change', () => {
    marks.selected = performance.now();
    whenEnabled('to-map', () => {
      marks.previewed = performance.now();
      ref('to-map').click();
      ref('start-dry-run').click();
      marks.started = performance.now();
    });
  });
  // The first problem row on screen: the findings table's first rendered row.
  const table = root.querySelector('rowgate-findings-table');
  new MutationObserver(() => {
    if (!marks.firstFinding && marks.started && table.renderedCount > 0) {
      marks.firstFinding = performance.now();
    }
  }).observe(table.shadowRoot.querySelector('.rows'), { childList: true });
  importer.addEventListener('rowgate-dry-run', (event) => {
    marks.done = performance.now();
    marks.counts = event.detail.counts;
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const results = [];
for (let run = 1; run <= RUNS; run++) {
  const profile = mkdtempSync(join(tmpdir(), 'rowgate-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, args: FLAGS, viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${url}/`);
  await page.getByRole('textbox', { name: 'API key' }).fill(key);
  await page.getByRole('button', { name: 'Use this key' }).click();
  const select = page.getByRole('combobox', { name: 'Import type' });
  await page.waitForFunction(() => document.querySelector('rowgate-importer').shadowRoot.querySelectorAll('#rg-template option').length > 1);
  await select.selectOption('prospects');
  const next = page.getByRole('button', { name: 'Next: choose a file' });
  await page.waitForFunction(() => !document.querySelector('rowgate-importer').shadowRoot.querySelector('[data-ref="to-file"]').disabled);
  await next.click();
  await page.waitForTimeout(500); // the worker warms up while a person would look for the file
  await page.evaluate(instrument);
  await page.getByLabel('Choose a file').setInputFiles(file);
  await page.waitForFunction(() => window.benchMarks.done, null, { timeout: 120_000, polling: 100 });
  const m = await page.evaluate(() => window.benchMarks);
  const result = {
    run,
    selection_to_counts_ms: Math.round(m.done - m.selected),
    preview_ms: Math.round(m.previewed - m.selected),
    dry_run_ms: Math.round(m.done - m.started),
    first_finding_after_start_ms: Math.round(m.firstFinding - m.started),
    first_finding_after_selection_ms: Math.round(m.firstFinding - m.selected),
    longest_main_thread_task_ms: Math.round(m.longest),
    long_tasks: m.tasks,
    counts: m.counts,
  };
  console.log(JSON.stringify(result));
  results.push(result);
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

const summary = {};
for (const name of ['selection_to_counts_ms', 'preview_ms', 'dry_run_ms', 'first_finding_after_start_ms',
  'first_finding_after_selection_ms', 'longest_main_thread_task_ms']) {
  summary[name] = median(results.map((r) => r[name]));
}
console.log(`median of ${RUNS}: ${JSON.stringify(summary)}`);
