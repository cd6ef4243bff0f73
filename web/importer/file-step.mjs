// Step 2 of <rowgate-importer>, file: the file picked or dropped (CSV, JSONL or an Excel
// workbook), what the worker detects at its start (format, encoding, delimiter, columns and
// their first values; for a workbook, its sheets) with overrides, and for a person who has no
// file yet, a sample file and the template's columns for the clipboard. Reading the file's
// start again ("the preview") also feeds the map step, whenever an option, the sheet or a
// choice of field changes.

import { saveBlob } from '../api.mjs';
import { sampleCsv, templateColumns } from './template-samples.mjs';
import { megabytes, number } from './display.mjs';
import { coreOptions, defaultOptions } from './state.mjs';

const OPTION_NAMES = ['format', 'encoding', 'delimiter'];
const DELIMITER_NAMES = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };
const WORKBOOK_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ACCEPT = ['.csv', '.tsv', '.txt', '.jsonl', '.ndjson', '.json', '.xlsx', 'text/csv', WORKBOOK_TYPE].join(',');
const FIRST_VALUES = 3; // of each column, in the preview

/// A sheet as the sheet picker lists it: its name and its rows, or its size when the workbook
/// does not say how many rows it has.
function sheetLabel(sheet) {
  const size = sheet.rows > 0 ? `${number(sheet.rows)} row${sheet.rows === 1 ? '' : 's'}` : megabytes(sheet.bytes ?? 0);
  return `${sheet.name} — ${size}`;
}

export class FileStep {
  static id = 'file';
  static title = 'File';

  static markup() {
    return `
  <section data-step="file" aria-labelledby="rg-h-file" hidden>
    <h2 id="rg-h-file" tabindex="-1">Choose the file</h2>
    <div class="drop" data-ref="drop">
      <span>Drag a CSV, JSONL or Excel (.xlsx) file here, or</span>
      <label class="button" for="rg-file">Choose a file</label>
      <input id="rg-file" type="file" data-ref="file-input" accept="${ACCEPT}">
    </div>
    <div class="actions">
      <button data-ref="sample">Download a sample file</button>
      <button data-ref="copy-columns">Copy columns to clipboard</button>
      <span role="status" class="note" data-ref="copy-status"></span>
    </div>
    <div class="detected" data-ref="detected" hidden>
      <p data-ref="detected-text" role="status"></p>
      <div class="row">
        <div class="field" data-ref="sheet-field" hidden><label for="rg-sheet">Sheet</label>
          <select id="rg-sheet" data-ref="sheet"></select></div>
        <div class="field"><label for="rg-format">Format</label>
          <select id="rg-format" data-ref="format"><option value="auto">Detect</option><option value="csv">CSV</option><option value="jsonl">JSONL</option>
            <option value="xlsx">Excel workbook</option></select></div>
        <div class="field" data-ref="encoding-field"><label for="rg-encoding">Encoding</label>
          <select id="rg-encoding" data-ref="encoding"><option value="auto">Detect</option><option value="utf-8">UTF-8</option>
            <option value="windows-1252">Windows-1252</option><option value="utf-16le">UTF-16 LE</option><option value="utf-16be">UTF-16 BE</option></select></div>
        <div class="field" data-ref="delimiter-field"><label for="rg-delimiter">Delimiter</label>
          <select id="rg-delimiter" data-ref="delimiter"><option value="">Detect</option><option value=",">Comma</option>
            <option value=";">Semicolon</option><option value="tab">Tab</option><option value="|">Pipe</option></select></div>
      </div>
      <div class="preview" data-ref="first-values-holder" role="region" aria-labelledby="rg-first-values" tabindex="0">
        <table class="mapping">
          <caption id="rg-first-values">First values of each column</caption>
          <thead><tr><th scope="col">Column</th><th scope="col">First values</th></tr></thead>
          <tbody data-ref="first-values"></tbody>
        </table>
      </div>
    </div>
    <div class="actions">
      <button data-ref="back-choose">Back</button>
      <button class="primary" data-ref="to-map" disabled>Next: map the columns</button>
    </div>
  </section>`;
  }

  /// `widget`: the <rowgate-importer> whose section this step runs.
  constructor(widget) {
    this.widget = widget;
    const { $ } = widget;
    $('back-choose').addEventListener('click', () => widget.go('choose'));
    $('file-input').addEventListener('change', () => {
      const file = $('file-input').files[0];
      if (file) this.chooseFile(file);
    });
    // A file control opens its chooser on Space only; a person at the keyboard tries Enter too.
    $('file-input').addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      $('file-input').showPicker();
    });
    const drop = $('drop');
    drop.addEventListener('dragover', (event) => {
      event.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (event) => {
      event.preventDefault();
      drop.classList.remove('over');
      const file = event.dataTransfer?.files?.[0];
      if (file) this.chooseFile(file);
    });
    $('sample').addEventListener('click', () => this.downloadSample());
    $('copy-columns').addEventListener('click', () => this.copyColumns());
    for (const name of OPTION_NAMES) {
      $(name).addEventListener('change', () => {
        widget.state.options[name] = $(name).value;
        this.refreshPreview();
      });
    }
    $('sheet').addEventListener('change', () => this.chooseSheet($('sheet').value));
    $('to-map').addEventListener('click', () => widget.go('map'));
  }

  /// Back to this step to choose another file (after a dry run): the file before is let go, so
  /// that "Next" waits for the new one.
  chooseAgain() {
    const { $, state } = this.widget;
    Object.assign(state, { file: null, preview: null, map: {}, options: defaultOptions() });
    $('file-input').value = '';
    $('detected').hidden = true;
    $('to-map').disabled = true;
    this.widget.steps.map.forget();
    this.widget.go('file');
  }

  downloadSample() {
    const { template, context, templateName } = this.widget.state;
    if (!template) return;
    saveBlob(new Blob([sampleCsv(template, context)], { type: 'text/csv' }), `${templateName}-sample.csv`);
  }

  async copyColumns() {
    const { template } = this.widget.state;
    if (!template) return;
    const status = this.widget.$('copy-status');
    const text = templateColumns(template).join('\t');
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = 'Columns copied: paste them into the first row of a spreadsheet.';
    } catch {
      status.textContent = `The clipboard is not available; the columns are: ${templateColumns(template).join(', ')}`;
    }
  }

  async chooseFile(file) {
    const { widget } = this;
    const state = widget.state;
    Object.assign(state, { file, preview: null, map: {}, options: defaultOptions() });
    for (const name of OPTION_NAMES) widget.$(name).value = state.options[name];
    widget.steps.map.forget();
    await this.refreshPreview(true);
  }

  /// Reads the workbook's sheet `name` instead: another table, whose columns are mapped afresh
  /// (or as confirmed before for the same header). The dry run and the import read it too.
  async chooseSheet(name) {
    const { widget } = this;
    const state = widget.state;
    state.options.sheet = name;
    state.options.no_header = false;
    state.map = {};
    widget.steps.map.forget();
    await this.refreshPreview(true);
  }

  /// Reads the file's start again with the current options and mapping, and shows what was
  /// detected here and the columns in the map step. With `recall`, a mapping confirmed before
  /// for the same header is used again.
  async refreshPreview(recall = false) {
    const { widget } = this;
    const state = widget.state;
    const map = widget.steps.map;
    if (!state.file) return;
    // Only the latest reading of the latest pass is shown: an earlier one may end after it.
    const reading = {};
    this.reading = reading;
    const latest = () => this.reading === reading && widget.state === state;
    // Neither step goes on until the columns of this reading are known.
    widget.$('to-map').disabled = true;
    map.setReady(false);
    try {
      let preview = await this.preview();
      if (!latest()) return;
      if (recall && map.recall(preview)) {
        preview = await this.preview();
        if (!latest()) return;
        map.sayRecalled();
      }
      state.preview = preview;
      this.showDetected();
      map.render();
      widget.$('to-map').disabled = false;
      map.setReady(true);
      widget.say('');
    } catch (error) {
      if (!latest()) return;
      widget.$('detected').hidden = true;
      // A worker or module that failed to start is no fault of the file.
      const engine = error.name === 'WorkerError' || error.name === 'ModuleError';
      widget.say(engine ? widget.failure(error) : `The file cannot be read: ${error.message}`);
    }
  }

  preview() {
    const { file, templateName, options, map } = this.widget.state;
    return this.widget.worker().preview(file, { template: templateName, options: coreOptions(options), mapping: map });
  }

  showDetected() {
    const { $, state } = this.widget;
    const { file, preview } = state;
    const input = preview.input;
    // A workbook has no encoding or delimiter to choose: its cells are text already.
    const workbook = input.format === 'xlsx';
    let parts;
    if (workbook) {
      parts = ['Excel workbook'];
      if (input.sheet) parts.push(`sheet "${input.sheet}"`);
    } else {
      parts = [(input.format || 'unknown').toUpperCase(), (input.encoding || 'unknown').toUpperCase()];
      if (input.bom) parts[1] += ' with BOM';
      if (input.format === 'csv') parts.push(`delimiter ${DELIMITER_NAMES[input.delimiter] ?? JSON.stringify(input.delimiter)}`);
    }
    const columns = preview.mapping.length;
    $('detected-text').textContent =
      `${file.name} (${megabytes(file.size)}): detected ${parts.join(', ')}; ${columns} column${columns === 1 ? '' : 's'}.`;
    $('encoding-field').hidden = workbook;
    $('delimiter-field').hidden = workbook;
    this.showSheets(workbook ? preview.sheets ?? [] : [], input.sheet);
    this.showFirstValues();
    $('detected').hidden = false;
  }

  /// The sheet picker, when the workbook has more than one sheet to choose from (its hidden
  /// sheets are left out, unless it is the one read): `current` is the sheet the preview read.
  showSheets(sheets, current) {
    const { $ } = this.widget;
    const offered = sheets.filter((sheet) => !sheet.hidden || sheet.name === current);
    const select = $('sheet');
    $('sheet-field').hidden = offered.length < 2;
    select.replaceChildren(...offered.map((sheet) => new Option(sheetLabel(sheet), sheet.name)));
    select.value = current ?? '';
  }

  /// Each column of the preview with its first values (empty cells are left out).
  showFirstValues() {
    const { $, state } = this.widget;
    const { mapping, samples } = state.preview;
    const body = $('first-values');
    body.replaceChildren(...mapping.map((entry, i) => {
      const tr = document.createElement('tr');
      const column = document.createElement('th');
      column.scope = 'row';
      column.textContent = entry.column;
      const values = document.createElement('td');
      values.className = 'samples';
      const first = (samples[i] ?? []).slice(0, FIRST_VALUES);
      values.textContent = first.length ? first.join(' · ') : '(empty)';
      values.title = first.join('\n');
      tr.append(column, values);
      return tr;
    }));
    $('first-values-holder').hidden = mapping.length === 0;
  }
}
