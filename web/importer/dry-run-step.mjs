// Step 4 of <rowgate-importer>, dry run: the whole file through the core in the worker, on
// the WebAssembly build (nothing leaves the browser), with running counts and the problem rows
// in a table that a code filter narrows; then the errors file to download, another file to
// choose, or the import of the valid rows.

import { saveBlob } from '../api.mjs';
import '../rowgate-findings-table.mjs';
import { megabytes, number, setBar } from './display.mjs';
import { coreOptions, dryRunStart } from './state.mjs';

// The words that complete a finding's message with the control on these pages that fixes it
// (the core names no control; `rowgate check` says "with --map").
const PAGE_HINTS = { map: ' in the Map step', encoding: ' with the Encoding choice in the File step' };

const OUTCOMES = ['create', 'update', 'duplicate', 'error', 'warnings'];
const OUTCOME_TITLES = { create: 'Create', update: 'Update', duplicate: 'Duplicate', error: 'Error', warnings: 'Warnings' };

export class DryRunStep {
  static id = 'dryrun';
  static title = 'Dry run';

  static markup() {
    const counts = OUTCOMES.map((o) => `<div class="${o}"><dt>${OUTCOME_TITLES[o]}</dt><dd data-count="${o}">0</dd></div>`).join('');
    return `
  <section data-step="dryrun" aria-labelledby="rg-h-dryrun" hidden>
    <h2 id="rg-h-dryrun" tabindex="-1">Dry run</h2>
    <div class="progress" role="progressbar" aria-label="Dry run progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0" data-ref="dry-progress"><div></div></div>
    <p class="muted" data-ref="dry-progress-text"></p>
    <dl class="counts" role="status" aria-label="Dry run counts" aria-live="polite" data-ref="counts">${counts}</dl>
    <p class="alert" role="alert" data-ref="file-error"></p>
    <div class="row">
      <div class="field"><label for="rg-code-filter">Show problems</label>
        <select id="rg-code-filter" data-ref="code-filter"><option value="">All problems</option></select></div>
      <p class="muted" data-ref="shown-count"></p>
    </div>
    <rowgate-findings-table data-ref="findings" label="Problem rows"></rowgate-findings-table>
    <div class="actions">
      <button data-ref="cancel-dry-run">Cancel</button>
      <button data-ref="download-errors" disabled>Download errors</button>
      <button data-ref="retry" disabled>Choose a corrected file</button>
      <button class="primary" data-ref="commit" disabled>Import</button>
    </div>
  </section>`;
  }

  /// `widget`: the <rowgate-importer> whose section this step runs.
  constructor(widget) {
    this.widget = widget;
    this.paintFrame = 0; // the animation frame that paints the counts and findings, if one is asked for
    const { $ } = widget;
    $('cancel-dry-run').addEventListener('click', () => widget.state.run?.cancel());
    $('code-filter').addEventListener('change', () => this.applyFilter());
    $('download-errors').addEventListener('click', () => this.downloadErrors());
    $('retry').addEventListener('click', () => widget.steps.file.chooseAgain());
    $('commit').addEventListener('click', () => widget.steps.import.commit());
  }

  start() {
    const { widget } = this;
    const { $ } = widget;
    const state = widget.state;
    if (!state.file || !state.context) return;
    widget.go('dryrun');
    Object.assign(state, dryRunStart());
    $('code-filter').innerHTML = '<option value="">All problems</option>';
    $('findings').show(state.shown);
    for (const name of ['download-errors', 'retry', 'commit']) $(name).disabled = true;
    $('cancel-dry-run').disabled = false;
    $('commit').textContent = 'Import';
    this.paint();

    const run = widget.worker().dryRun(state.file, {
      template: state.templateName,
      context: this.contextText(),
      mapping: state.map,
      options: coreOptions(state.options),
      errorValues: true, // for the Value column, without normalising every row's values
      report: false,
      errors: true, // the core's errors CSV, for "Download errors"
      hints: PAGE_HINTS,
    });
    state.run = run;
    run.onProgress((counts) => {
      if (widget.state.run !== run) return;
      state.counts = counts;
      this.schedulePaint();
    });
    run.onFindings((batch) => {
      if (widget.state.run !== run) return;
      this.takeFindings(batch);
      this.schedulePaint();
    });
    run.done.then(
      (result) => {
        if (widget.state.run !== run) return;
        state.run = null;
        state.result = result;
        state.counts = { ...result.counts, bytes: state.file.size };
        this.finish();
      },
      (error) => {
        if (widget.state.run !== run) return;
        state.run = null;
        if (error.name === 'AbortError') {
          widget.go('map');
          widget.say('The dry run was cancelled.');
          return;
        }
        $('cancel-dry-run').disabled = true;
        $('retry').disabled = false;
        // Kept in the state, not written to the page: a paint still scheduled would wipe it.
        state.runError = error.message;
        this.paint();
      },
    );
  }

  /// The context as the worker takes it: the server's, minus what only describes it (template,
  /// existing_count), plus the values chosen for every row.
  contextText() {
    const { context, fixed } = this.widget.state;
    const out = { sets: context.sets ?? {} };
    if (context.existing_hash64) out.existing_hash64 = context.existing_hash64;
    if (Object.keys(fixed).length) out.fixed = fixed;
    return JSON.stringify(out);
  }

  takeFindings({ findings, records }) {
    const state = this.widget.state;
    const values = new Map();
    for (const record of records) values.set(record.row, record.values);
    for (const f of findings) {
      const value = f.field ? values.get(f.row)?.[f.field] : undefined;
      const finding = { ...f, value: value === undefined || value === null ? '' : String(value) };
      state.findings.push(finding);
      state.codes.set(f.code, (state.codes.get(f.code) ?? 0) + 1);
      if (state.filter && f.code === state.filter) state.shown.push(finding);
    }
  }

  schedulePaint() {
    if (!this.paintFrame) {
      const { state } = this.widget;
      this.paintFrame = requestAnimationFrame(() => {
        this.paintFrame = 0;
        if (this.widget.state === state) this.paint(); // not after the widget started over
      });
    }
  }

  paint() {
    const { $, root, state } = this.widget;
    const { counts, file, findings, shown } = state;
    const percent = state.result ? 100 : (100 * counts.bytes) / (file.size || 1);
    setBar($('dry-progress'), percent, `${number(counts.rows)} rows read`);
    const elapsed = state.elapsed === undefined ? '' : `: done in ${state.elapsed.toFixed(2)} s`;
    $('dry-progress-text').textContent = `${megabytes(counts.bytes)} of ${megabytes(file.size)} read, ${number(counts.rows)} rows${elapsed}`;
    for (const outcome of OUTCOMES) root.querySelector(`[data-count="${outcome}"]`).textContent = number(counts[outcome]);
    $('shown-count').textContent = `${number(shown.length)} of ${number(findings.length)} findings shown`;
    const advice = state.result ? ' Correct the file and choose it again.' : '';
    const { fileErrorText, runError } = state;
    $('file-error').textContent = runError ? `The dry run failed: ${runError}`
      : fileErrorText ? `The file cannot be imported: ${fileErrorText}${advice}` : '';
    this.renderCodeOptions();
    $('findings').refresh();
  }

  renderCodeOptions() {
    const { state } = this.widget;
    const select = this.widget.$('code-filter');
    const codes = [...state.codes.entries()].sort((a, b) => b[1] - a[1]);
    const current = select.value;
    if (select.options.length - 1 !== codes.length) {
      select.replaceChildren(new Option(`All problems`, ''));
      for (const [code] of codes) select.append(new Option(code, code));
      select.value = current;
    }
    select.options[0].textContent = `All problems (${number(state.findings.length)})`;
    for (const option of [...select.options].slice(1)) option.textContent = `${option.value} (${number(state.codes.get(option.value))})`;
  }

  applyFilter() {
    const { $, state } = this.widget;
    state.filter = $('code-filter').value;
    state.shown = state.filter ? state.findings.filter((f) => f.code === state.filter) : state.findings;
    $('findings').show(state.shown);
    this.paint();
  }

  finish() {
    const { widget } = this;
    const { $ } = widget;
    const state = widget.state;
    const { result } = state;
    state.elapsed = (performance.now() - state.startedAt) / 1000;
    this.paint();
    $('cancel-dry-run').disabled = true;
    $('retry').disabled = false;
    $('download-errors').disabled = state.findings.length === 0;
    const valid = (result.summary?.create ?? 0) + (result.summary?.update ?? 0);
    const commit = $('commit');
    commit.disabled = result.fileError || valid === 0;
    commit.textContent = `Import ${number(valid)} valid row${valid === 1 ? '' : 's'}`;
    // Which finding makes the file unusable is the core's to say.
    if (result.fileError && !state.fileErrorText) state.fileErrorText = result.fileErrorMessage || 'the file could not be read';
    if (result.fileError) this.paint();
    widget.dispatchEvent(new CustomEvent('rowgate-dry-run', { detail: { summary: result.summary, counts: result.counts }, bubbles: true, composed: true }));
  }

  /// The errors file as the core wrote it during the dry run: the same bytes as
  /// `rowgate check --errors` and the server's errors.csv for the same file.
  downloadErrors() {
    const { result, file } = this.widget.state;
    const base = file.name.replace(/\.[^.]*$/, '');
    saveBlob(result.errorsFile, `${base}-errors.csv`);
  }
}
