// Step 4 of <rowgate-importer>, dry run: the whole file through the core in the worker, on
// the WebAssembly build (nothing leaves the browser), with running counts and the problem rows
// in a table that a code filter narrows; then the errors file to download, another file to
// choose, or the import of the valid rows.
//
// Problems are fixed where they are shown: a value corrected in the table, a row skipped, a fix
// over a column or every suggestion accepted become edits (./edits.mjs), and the dry run runs
// again with them, in the same core the server runs, so the counts are what the import will do.

import { saveBlob } from '../api.mjs';
import '../rowgate-findings-table.mjs';
import { csvLine } from './csv.mjs';
import { megabytes, number, setBar } from './display.mjs';
import { EditSet } from './edits.mjs';
import { coreOptions, dryRunStart } from './state.mjs';

// The words that complete a finding's message with the control on these pages that fixes it
// (the core names no control; `rowgate check` says "with --map").
const PAGE_HINTS = { map: ' in the Map step', encoding: ' with the Encoding choice in the File step' };

const OUTCOMES = ['create', 'update', 'duplicate', 'error', 'warnings'];
const OUTCOME_TITLES = { create: 'Create', update: 'Update', duplicate: 'Duplicate', error: 'Error', warnings: 'Warnings' };

const PROBLEM_ROW_COLUMN = 'Row';
const PROBLEMS_COLUMN = 'Problems';

/// A value of a record as a cell's text.
function cellText(value) {
  return value === undefined || value === null ? '' : String(value);
}

/// A cell as the person wrote it: the ' that csvLine() puts before =, +, -, @ (so that a
/// spreadsheet does not run it as a formula) is not part of the value.
function unneutralised(text) {
  return /^'[=+\-@\t\r]/.test(text) ? text.slice(1) : text;
}

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
    <div class="edits" role="group" aria-label="Edits">
      <p class="muted" data-ref="edits-summary" aria-live="polite"></p>
      <div class="actions compact">
        <button data-ref="undo" disabled>Undo</button>
        <button data-ref="redo" disabled>Redo</button>
        <button data-ref="skip-shown" disabled>Skip every row shown</button>
        <button data-ref="accept-suggestions" disabled>Accept every suggestion</button>
        <button data-ref="download-edits" disabled>Download edits</button>
        <label class="button upload">Upload edits<input type="file" class="visually-hidden" accept=".json,application/json" data-ref="upload-edits"></label>
        <button data-ref="clear-edits" disabled>Clear edits</button>
        <button data-ref="download-problem-rows" disabled>Download problem rows</button>
        <label class="button upload">Upload corrected problem rows<input type="file" class="visually-hidden" accept=".csv,.xlsx,text/csv" data-ref="upload-problem-rows"></label>
      </div>
      <details data-ref="column-fix">
        <summary>Fix a whole column</summary>
        <div class="row">
          <div class="field"><label for="rg-fix-field">Column</label><select id="rg-fix-field" data-ref="fix-field"></select></div>
          <div class="field"><label for="rg-fix-action">Fix</label>
            <select id="rg-fix-action" data-ref="fix-action">
              <option value="replace">Replace a value</option>
              <option value="trim">Trim spaces</option>
              <option value="lower">Lower-case</option>
            </select></div>
          <div class="field" data-ref="fix-from-field"><label for="rg-fix-from">Value</label><input type="text" id="rg-fix-from" data-ref="fix-from"></div>
          <div class="field" data-ref="fix-to-field"><label for="rg-fix-to">Replace with</label><input type="text" id="rg-fix-to" data-ref="fix-to"></div>
          <div class="field"><button data-ref="fix-apply" disabled>Apply</button></div>
        </div>
        <p class="muted" data-ref="fix-count" aria-live="polite"></p>
      </details>
    </div>
    <rowgate-findings-table data-ref="findings" label="Problem rows" editable></rowgate-findings-table>
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
    const table = $('findings');
    table.addEventListener('rowgate-edit', (event) => {
      const { finding, value } = event.detail;
      this.changeEdits({ set: [{ row: finding.row, column: finding.column || finding.field, value }] },
        `Row ${finding.row}: ${finding.column || finding.field} corrected; checking again…`);
    });
    table.addEventListener('rowgate-skip', (event) => {
      const { finding } = event.detail;
      this.changeEdits({ skip: [finding.row] }, `Row ${finding.row} skipped; checking again…`);
    });
    $('undo').addEventListener('click', () => this.history('undo'));
    $('redo').addEventListener('click', () => this.history('redo'));
    $('skip-shown').addEventListener('click', () => this.skipShown());
    $('accept-suggestions').addEventListener('click', () => this.acceptSuggestions());
    $('download-edits').addEventListener('click', () => this.downloadEdits());
    $('upload-edits').addEventListener('change', (event) => this.uploadEdits(event.target));
    $('clear-edits').addEventListener('click', () => {
      this.widget.state.edits.clear();
      this.rerun('Every edit was taken back; checking again…');
    });
    for (const name of ['fix-field', 'fix-action', 'fix-from', 'fix-to']) {
      $(name).addEventListener('input', () => this.showColumnFix());
      $(name).addEventListener('change', () => this.showColumnFix());
    }
    $('fix-apply').addEventListener('click', () => this.applyColumnFix());
    $('download-problem-rows').addEventListener('click', () => this.downloadProblemRows());
    $('upload-problem-rows').addEventListener('change', (event) => this.uploadProblemRows(event.target));
    // Ctrl+Z / Ctrl+Shift+Z (or Ctrl+Y) on the step, outside a text field.
    widget.root.querySelector('section[data-step="dryrun"]').addEventListener('keydown', (event) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const inText = event.composedPath().some((el) => el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement);
      if (inText) return;
      const key = event.key.toLowerCase();
      if (key === 'z' && !event.shiftKey) this.history('undo');
      else if ((key === 'z' && event.shiftKey) || key === 'y') this.history('redo');
      else return;
      event.preventDefault();
    });
  }

  /// The edits of the chosen file: a new set for another file, with what this browser kept
  /// of an earlier visit.
  async editsFor(file) {
    const state = this.widget.state;
    if (state.edits && state.editsFile === file) return state.edits;
    const edits = new EditSet();
    let restored = false;
    try {
      restored = await edits.attach(file);
    } catch {
      restored = false; // the file cannot be read again: the dry run will say so
    }
    if (this.widget.state !== state) return edits; // started over meanwhile
    state.edits = edits;
    state.editsFile = file;
    state.editsRestored = restored;
    state.exportedRows = null;
    return edits;
  }

  changeEdits(change, message) {
    const changed = this.widget.state.edits.change(change);
    if (changed) this.rerun(message);
  }

  history(which) {
    const { edits } = this.widget.state;
    if (!edits) return;
    if (which === 'undo' ? edits.undo() : edits.redo()) this.rerun(which === 'undo' ? 'Undone; checking again…' : 'Redone; checking again…');
  }

  /// The dry run again, with the edits as they are now: the same filter and place in the table.
  rerun(message) {
    const { widget } = this;
    const state = widget.state;
    const old = state.run;
    state.run = null; // its end, or its cancellation, is not this run's
    old?.cancel();
    if (message) widget.say('');
    this.editsNote = message ?? '';
    this.start({ again: true });
  }

  async start({ again = false } = {}) {
    const { widget } = this;
    const { $ } = widget;
    const state = widget.state;
    if (!state.file || !state.context) return;
    const edits = await this.editsFor(state.file);
    if (widget.state !== state) return;
    if (!again) {
      widget.go('dryrun');
      this.editsNote = state.editsRestored ? 'The edits made to this file before were restored.' : '';
    }
    const filter = again ? state.filter : '';
    Object.assign(state, dryRunStart());
    state.filter = filter;
    state.shown = filter ? [] : state.findings;
    if (!again) $('code-filter').innerHTML = '<option value="">All problems</option>';
    $('findings').show(state.shown, { keepScroll: again });
    for (const name of ['download-errors', 'retry', 'commit']) $(name).disabled = true;
    $('cancel-dry-run').disabled = false;
    $('commit').textContent = 'Import';
    this.paint();

    const run = widget.worker().dryRun(state.file, {
      template: state.templateName,
      context: this.contextText(),
      mapping: state.map,
      options: { ...coreOptions(state.options), ...(edits.document() ?? {}) },
      errorValues: true, // for the Value column, without normalising every row's values
      report: false,
      // The core's errors CSV, for "Download errors"; a run again after an edit leaves it out
      // (it is made when asked for), so that the counts come back sooner.
      errors: !again,
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
    const values = state.rowValues;
    for (const record of records) {
      values.set(record.row, record.values);
      for (const key in record.values ?? {}) state.problemFieldSet.add(key);
    }
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
    this.paintEdits();
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
    const current = state.filter;
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

  // ---- Edits -------------------------------------------------------------------------------

  paintEdits() {
    const { $, state } = this.widget;
    const { edits, result } = state;
    if (!edits) return;
    const cells = edits.cellCount;
    const parts = [];
    if (cells) parts.push(`${number(cells)} value${cells === 1 ? '' : 's'} corrected in ${number(edits.rows.size)} row${edits.rows.size === 1 ? '' : 's'}`);
    if (edits.skip.size) parts.push(`${number(edits.skip.size)} row${edits.skip.size === 1 ? '' : 's'} skipped`);
    for (const fix of edits.columns) parts.push(describeFix(fix));
    let text = parts.length ? `Edits: ${parts.join(', ')}.` : 'No edits: correct a value in the table (click it), or skip a row.';
    const segment = state.fixed?.segment;
    if (result && segment) {
      const s = result.summary ?? {};
      const valid = (s.create ?? 0) + (s.update ?? 0);
      const leave = state.fixed.segment_action === 'remove';
      text = `${number(valid)} valid row${valid === 1 ? '' : 's'} would ${leave ? 'leave' : 'join'} the segment "${segment}". ${text}`;
    }
    if (result && !edits.empty) {
      const s = result.summary ?? {};
      text += ` The dry run counts ${number(s.edited ?? 0)} edited and ${number(s.skipped ?? 0)} skipped rows; the file itself is not changed.`;
    }
    if (this.editsNote && !(result && this.editsNote.endsWith('checking again…'))) text += ` ${this.editsNote}`;
    $('edits-summary').textContent = text;
    $('undo').disabled = !edits.canUndo;
    $('redo').disabled = !edits.canRedo;
    $('clear-edits').disabled = edits.empty;
    $('download-edits').disabled = edits.empty;
    $('download-problem-rows').disabled = state.rowValues.size === 0;
    // What the bulk fixes would change, once the run has found every problem.
    const skippable = new Set(result ? state.shown.filter((f) => f.row > 0).map((f) => f.row) : []);
    $('skip-shown').disabled = !state.filter || skippable.size === 0;
    $('skip-shown').textContent = state.filter ? `Skip every row with ${state.filter} (${number(skippable.size)})` : 'Skip every row shown';
    const suggested = result ? this.suggestions().rows : 0;
    $('accept-suggestions').disabled = suggested === 0;
    $('accept-suggestions').textContent = suggested
      ? `Accept every suggestion (${number(suggested)} row${suggested === 1 ? '' : 's'})`
      : 'Accept every suggestion';
    if (result) this.paintColumnFields();
  }

  /// Every "did you mean" of the dry run, as one replace per field ({column, replace: {value:
  /// suggestion}}), and the rows it changes: every row holding such a value is a problem row
  /// with that finding, so the count is exact for the whole file.
  suggestions() {
    const { state } = this.widget;
    const byField = new Map();
    const rows = new Set();
    for (const f of state.findings) {
      const suggestion = f.details?.suggestion;
      const value = state.rowValues.get(f.row)?.[f.field];
      if (suggestion === undefined || !(f.row > 0) || !f.field || typeof value !== 'string') continue;
      if (!byField.has(f.field)) byField.set(f.field, {});
      byField.get(f.field)[value] = this.suggested(f.field, value, suggestion);
      rows.add(f.row);
    }
    const columns = [...byField].map(([column, replace]) => ({ column, replace }));
    return { columns, rows: rows.size };
  }

  /// The value with its suggestion taken: for a field naming several members ("Mass
  /// Media|Podcastz", a separator in the template), only the first that is no member changes.
  suggested(key, value, suggestion) {
    const { state } = this.widget;
    const field = state.template?.fields?.find((f) => f.key === key);
    if (!field?.separator) return suggestion;
    const members = new Set(state.context?.sets?.[field.ref] ?? []);
    const parts = value.split(field.separator).map((part) => part.trim()).filter((part) => part !== '');
    const unknown = parts.findIndex((part) => !members.has(part));
    if (unknown < 0) return suggestion;
    parts[unknown] = suggestion;
    return parts.join(field.separator);
  }

  acceptSuggestions() {
    const { columns, rows } = this.suggestions();
    if (rows) this.changeEdits({ columns }, `Every suggestion accepted (${number(rows)} row${rows === 1 ? '' : 's'}); checking again…`);
  }

  skipShown() {
    const { state } = this.widget;
    const rows = [...new Set(state.shown.filter((f) => f.row > 0).map((f) => f.row))];
    if (rows.length) this.changeEdits({ skip: rows }, `${number(rows.length)} row${rows.length === 1 ? '' : 's'} with ${state.filter} skipped; checking again…`);
  }

  downloadEdits() {
    const { edits, file } = this.widget.state;
    const doc = edits.document();
    if (!doc) return;
    const base = file.name.replace(/\.[^.]*$/, '');
    saveBlob(new Blob([`${JSON.stringify(doc, null, 1)}\n`], { type: 'application/json' }), `${base}-edits.json`);
  }

  async uploadEdits(input) {
    const chosen = input.files?.[0];
    input.value = '';
    if (!chosen) return;
    try {
      this.widget.state.edits.replace(JSON.parse(await chosen.text()));
    } catch (error) {
      this.widget.say(`These edits cannot be used: ${error.message}. Choose an edits file this page downloaded.`);
      return;
    }
    this.rerun(`The edits of ${chosen.name} replace those made here; checking again…`);
  }

  // ---- Fix in Excel and come back ----------------------------------------------------------

  /// The template's fields that some problem row has a value for.
  problemFields() {
    const { state } = this.widget;
    return (state.template?.fields ?? []).map((f) => f.key).filter((key) => state.problemFieldSet.has(key));
  }

  /// A CSV of the problem rows (error and duplicate), each with its row number and what is
  /// wrong, to correct in a spreadsheet; uploadProblemRows() takes it back.
  downloadProblemRows() {
    const { state } = this.widget;
    const fields = this.problemFields();
    const problems = new Map();
    for (const f of state.findings) if (f.row > 0) problems.set(f.row, [...(problems.get(f.row) ?? []), f.message]);
    const exported = new Map();
    let text = `\ufeff${csvLine([PROBLEM_ROW_COLUMN, ...fields, PROBLEMS_COLUMN])}`;
    for (const row of [...state.rowValues.keys()].sort((a, b) => a - b)) {
      const values = state.rowValues.get(row) ?? {};
      const cells = fields.map((key) => cellText(values[key]));
      exported.set(row, Object.fromEntries(fields.map((key, i) => [key, cells[i]])));
      text += csvLine([row, ...cells, (problems.get(row) ?? []).join(' ')]);
    }
    state.exportedRows = exported;
    const base = state.file.name.replace(/\.[^.]*$/, '');
    saveBlob(new Blob([text], { type: 'text/csv' }), `${base}-problem-rows.csv`);
  }

  /// Reads a corrected problem-rows file (CSV or a workbook, read by the core like any file) and
  /// turns each value that differs from what was downloaded into an edit of that row.
  async uploadProblemRows(input) {
    const { widget } = this;
    const state = widget.state;
    const chosen = input.files?.[0];
    input.value = '';
    if (!chosen) return;
    const fields = (state.template?.fields ?? []).map((f) => f.key).filter((key) => key !== PROBLEM_ROW_COLUMN);
    const template = {
      name: 'problem_rows', key: PROBLEM_ROW_COLUMN, header_case: 'insensitive', unknown_columns: 'ignore',
      fields: [{ key: PROBLEM_ROW_COLUMN, type: 'integer', required: true }, ...fields.map((key) => ({ key, type: 'string' }))],
    };
    const records = [];
    let result;
    try {
      const run = widget.worker().dryRun(chosen, { template: JSON.stringify(template), values: true, allRecords: true, report: false });
      run.onFindings((batch) => records.push(...batch.records));
      result = await run.done;
    } catch (error) {
      widget.say(`${chosen.name} cannot be read: ${error.message}.`);
      return;
    }
    if (widget.state !== state) return;
    if (result.fileError) {
      widget.say(`${chosen.name} cannot be used: ${result.fileErrorMessage || 'it is not a problem-rows file'}. Upload the file "Download problem rows" gave, corrected.`);
      return;
    }
    const set = [];
    let unnumbered = 0;
    for (const record of records) {
      const row = Number(record.values?.[PROBLEM_ROW_COLUMN]);
      if (!Number.isInteger(row) || row < 1) {
        unnumbered++;
        continue;
      }
      const before = state.exportedRows?.get(row) ?? state.rowValues.get(row) ?? {};
      for (const key of fields) {
        if (!(key in (record.values ?? {}))) continue;
        const value = unneutralised(cellText(record.values[key]));
        if (value !== cellText(before[key])) set.push({ row, column: key, value });
      }
    }
    const skipped = unnumbered ? ` ${number(unnumbered)} row${unnumbered === 1 ? '' : 's'} without a row number were left out.` : '';
    if (!set.length) {
      widget.say(`No value in ${chosen.name} differs from the problem rows.${skipped}`);
      return;
    }
    this.changeEdits({ set }, `${number(set.length)} value${set.length === 1 ? '' : 's'} from ${chosen.name} taken as edits; checking again…${skipped}`);
  }

  /// The column-fix choice: the template's fields, those with a problem row's value first.
  paintColumnFields() {
    const { $, state } = this.widget;
    const select = $('fix-field');
    const problems = this.problemFields();
    const others = (state.template?.fields ?? []).map((f) => f.key).filter((key) => !problems.includes(key));
    const known = [...problems, ...others];
    const current = select.value;
    if (select.options.length !== known.length || [...select.options].some((o, i) => o.value !== known[i])) {
      select.replaceChildren(...known.map((key) => new Option(key, key)));
      if (known.includes(current)) select.value = current;
    }
    this.showColumnFix();
  }

  /// The column fix chosen ({column, replace | trim | lower}, as the core takes it, for every
  /// row of the file), or null, and how many of the problem rows shown here it changes.
  columnFix() {
    const { $, state } = this.widget;
    const column = $('fix-field').value;
    const action = $('fix-action').value;
    const from = $('fix-from').value;
    const to = $('fix-to').value;
    if (!column || (action === 'replace' && (from.trim() === '' || from.trim() === to))) return { fix: null, rows: 0 };
    const fix = action === 'replace' ? { column, replace: { [from.trim()]: to } } : { column, [action]: true };
    if (state.edits.columns.some((made) => JSON.stringify(made) === JSON.stringify(fix))) return { fix: null, rows: 0, made: true };
    let rows = 0;
    for (const values of state.rowValues.values()) {
      const value = values?.[column];
      if (typeof value !== 'string') continue;
      // As the core does it: a replace compares the value without the spaces at its ends.
      const next = action === 'replace' ? (value.trim() === from.trim() ? to : value) : action === 'trim' ? value.trim() : asciiLower(value);
      if (next !== value) rows++;
    }
    return { fix, rows };
  }

  showColumnFix() {
    const { $ } = this.widget;
    const replace = $('fix-action').value === 'replace';
    $('fix-from-field').hidden = !replace;
    $('fix-to-field').hidden = !replace;
    const { fix, rows, made } = this.columnFix();
    $('fix-apply').disabled = !fix;
    $('fix-count').textContent = fix
      ? `It changes ${number(rows)} problem row${rows === 1 ? '' : 's'} here, and every other row of the file whose ${fix.column} it applies to; the dry run then counts the rows edited.`
      : made
        ? 'This fix is made already.'
        : 'Choose a column and a fix.';
  }

  applyColumnFix() {
    const { fix } = this.columnFix();
    if (fix) this.changeEdits({ columns: [fix] }, `${describeFix(fix)}; checking again…`);
  }

  /// The errors file as the core wrote it during the dry run: the same bytes as
  /// `rowgate check --errors` and the server's errors.csv for the same file.
  async downloadErrors() {
    const { widget } = this;
    const state = widget.state;
    const { result, file } = state;
    const base = file.name.replace(/\.[^.]*$/, '');
    let errorsFile = result.errorsFile;
    if (!errorsFile) {
      // The last run was one again after an edit: the core writes the file now, with the edits.
      const button = widget.$('download-errors');
      button.disabled = true;
      widget.say('');
      widget.$('edits-summary').textContent = 'Writing the errors file…';
      try {
        const run = widget.worker().dryRun(file, {
          template: state.templateName,
          context: this.contextText(),
          mapping: state.map,
          options: { ...coreOptions(state.options), ...(state.edits?.document() ?? {}) },
          report: false,
          errors: true,
          hints: PAGE_HINTS,
        });
        errorsFile = (await run.done).errorsFile;
        if (widget.state === state && state.result === result) result.errorsFile = errorsFile;
      } catch (error) {
        widget.say(`The errors file could not be written: ${error.message}.`);
        return;
      } finally {
        button.disabled = false;
        this.paintEdits();
      }
    }
    saveBlob(errorsFile, `${base}-errors.csv`);
  }
}

/// A column fix in words: "Group Name: "Podcast" replaced by "Podcasts"", for the edits line.
function describeFix(fix) {
  if (fix.trim) return `${fix.column}: spaces trimmed`;
  if (fix.lower) return `${fix.column}: lower-cased`;
  const pairs = Object.entries(fix.replace);
  if (pairs.length === 1) return `${fix.column}: "${pairs[0][0]}" replaced by "${pairs[0][1]}"`;
  return `${fix.column}: ${number(pairs.length)} values replaced`;
}

/// ASCII letters lower-cased, as the core's "lower" fix does (other letters stay).
function asciiLower(text) {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}
