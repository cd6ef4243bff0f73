// <rowgate-importer>: the embeddable upload widget. One script tag and one element:
//
//   <script type="module" src="https://rowgate.example.com/rowgate-importer.mjs"></script>
//   <rowgate-importer template="prospects"></rowgate-importer>
//
// Attributes: `server` (the Rowgate server's URL; default: where this script came from),
// `template` (chosen already), `templates` (a comma list of the templates to offer), `api-key`,
// `wasm` (the WebAssembly build folder; default SERVER/wasm/). The API key is, in this order:
// what `element.getApiKey()` answers (set it to a function to hand out tokens), the `api-key`
// attribute, or the key the page kept in sessionStorage under "rowgate.apiKey".
//
// Steps: choose (template, values fixed for the file) → file (sniffed format, encoding and
// delimiter, with overrides) → map (columns to fields) → dry run (in a worker, on the
// WebAssembly core: nothing leaves the browser) → import (uploaded in parts, then followed).
// A server that cannot be reached during the import (a restart) is waited for, and the same
// import is picked up again: never a second one.
// Events: `rowgate-dry-run` (detail: the summary) and `rowgate-imported` (detail: the import).

import { ApiError, KEY_STORAGE, RowgateApi, saveBlob } from './api.mjs';
import { IMPORTER_STYLE } from './importer-style.mjs';
import { recallMapping, rememberMapping } from './mapping-memory.mjs';
import { sampleCsv, templateColumns } from './template-samples.mjs';
import { workerConnection } from './worker-connection.mjs';
import './rowgate-findings-table.mjs';

const PART_BYTES = 8 * 1024 * 1024; // the API's largest part
const POLL_MS = 400;
// A step of the import that fails for want of the server (a restart, a gateway) is tried again
// after 0.5 s, then twice as long each time up to 10 s apart, for up to 5 minutes in a row.
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;
const RETRY_FOR_MS = 5 * 60_000;
const STEPS = [
  ['choose', 'Choose'],
  ['file', 'File'],
  ['map', 'Map'],
  ['dryrun', 'Dry run'],
  ['import', 'Import'],
];
const OUTCOMES = ['create', 'update', 'duplicate', 'error', 'warnings'];
const OUTCOME_TITLES = { create: 'Create', update: 'Update', duplicate: 'Duplicate', error: 'Error', warnings: 'Warnings' };
const FINISHED = ['done', 'failed', 'cancelled']; // an import's statuses that do not change again
const DELIMITER_NAMES = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

const number = (n) => Number(n ?? 0).toLocaleString('en-US');

function megabytes(bytes) {
  if (bytes < 1e6) return `${(bytes / 1e3).toLocaleString('en-US', { maximumFractionDigits: 1 })} kB`;
  return `${(bytes / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;
}

const alreadyStarted = (error) => error instanceof ApiError && error.status === 409 && error.code === 'already_started';

/// Thrown to end the following of an import that the widget has left (reloaded or started again).
class Superseded extends Error {}

function newIdempotencyKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  return `rg-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export class RowgateImporter extends HTMLElement {
  constructor() {
    super();
    this.state = null;
    this.root = this.attachShadow({ mode: 'open' });
    this.root.innerHTML = `<style>${IMPORTER_STYLE}</style>${this.markup()}`;
    this.$ = (name) => this.root.querySelector(`[data-ref="${name}"]`);
    this.wire();
  }

  connectedCallback() {
    if (!this.state) this.reload();
  }

  /// The Rowgate server's base URL.
  get server() {
    return new URL(this.getAttribute('server') || '/', new URL('.', import.meta.url)).href;
  }

  /// Starts again from the first step (after the API key changed, for instance).
  reload() {
    this.run?.cancel();
    this.following = null;
    this.state = {
      templateName: '',
      template: null,
      context: null,
      fixed: {},
      file: null,
      options: { format: 'auto', encoding: 'auto', delimiter: '', no_header: false },
      map: {},
      preview: null,
      result: null,
      findings: [],
    };
    const key = () => (typeof this.getApiKey === 'function' ? this.getApiKey() : this.getAttribute('api-key') || sessionStorage.getItem(KEY_STORAGE) || '');
    this.api = new RowgateApi(this.server, key);
    this.go('choose', false);
    this.loadTemplates();
  }

  // ---- Markup -------------------------------------------------------------------------------

  markup() {
    const steps = STEPS.map(([id, title], i) => `<li data-step-label="${id}">${i + 1}. ${title}</li>`).join('');
    const counts = OUTCOMES.map((o) => `<div class="${o}"><dt>${OUTCOME_TITLES[o]}</dt><dd data-count="${o}">0</dd></div>`).join('');
    return `
<div class="widget" role="region" aria-label="Rowgate import">
  <ol class="steps" aria-label="Import steps">${steps}</ol>
  <p class="alert" role="alert" data-ref="alert"></p>

  <section data-step="choose" aria-labelledby="rg-h-choose">
    <h2 id="rg-h-choose" tabindex="-1">Choose what to import</h2>
    <div class="field"><label for="rg-template">Import type</label>
      <select id="rg-template" data-ref="template"></select></div>
    <p class="description" data-ref="template-description"></p>
    <div data-ref="fixed"></div>
    <div class="actions"><button class="primary" data-ref="to-file" disabled>Next: choose a file</button></div>
  </section>

  <section data-step="file" aria-labelledby="rg-h-file" hidden>
    <h2 id="rg-h-file" tabindex="-1">Choose the file</h2>
    <div class="drop" data-ref="drop">
      <span>Drag a CSV or JSONL file here, or</span>
      <label class="button" for="rg-file">Choose a file</label>
      <input id="rg-file" type="file" data-ref="file-input" accept=".csv,.tsv,.txt,.jsonl,.ndjson,.json,text/csv">
    </div>
    <div class="actions">
      <button data-ref="sample">Download a sample file</button>
      <button data-ref="copy-columns">Copy columns to clipboard</button>
      <span role="status" class="note" data-ref="copy-status"></span>
    </div>
    <div class="detected" data-ref="detected" hidden>
      <p data-ref="detected-text" role="status"></p>
      <div class="row">
        <div class="field"><label for="rg-format">Format</label>
          <select id="rg-format" data-ref="format"><option value="auto">Detect</option><option value="csv">CSV</option><option value="jsonl">JSONL</option></select></div>
        <div class="field"><label for="rg-encoding">Encoding</label>
          <select id="rg-encoding" data-ref="encoding"><option value="auto">Detect</option><option value="utf-8">UTF-8</option>
            <option value="windows-1252">Windows-1252</option><option value="utf-16le">UTF-16 LE</option><option value="utf-16be">UTF-16 BE</option></select></div>
        <div class="field"><label for="rg-delimiter">Delimiter</label>
          <select id="rg-delimiter" data-ref="delimiter"><option value="">Detect</option><option value=",">Comma</option>
            <option value=";">Semicolon</option><option value="tab">Tab</option><option value="|">Pipe</option></select></div>
      </div>
    </div>
    <div class="actions">
      <button data-ref="back-choose">Back</button>
      <button class="primary" data-ref="to-map" disabled>Next: map the columns</button>
    </div>
  </section>

  <section data-step="map" aria-labelledby="rg-h-map" hidden>
    <h2 id="rg-h-map" tabindex="-1">Map the columns</h2>
    <p class="note" role="status" data-ref="remembered"></p>
    <div class="field"><label><input type="checkbox" data-ref="no-header"> The file has no header row (columns are named A, B, C… and feed the fields in order unless you choose)</label></div>
    <table class="mapping">
      <caption>Columns of the file and the fields they feed</caption>
      <thead><tr><th scope="col">Column</th><th scope="col">Sample values</th><th scope="col">Field</th><th scope="col">Match</th></tr></thead>
      <tbody data-ref="mapping-rows"></tbody>
    </table>
    <div class="actions">
      <button data-ref="back-file">Back</button>
      <button class="primary" data-ref="start-dry-run">Start the dry run</button>
    </div>
  </section>

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
  </section>

  <section data-step="import" aria-labelledby="rg-h-import" hidden>
    <h2 id="rg-h-import" tabindex="-1">Import</h2>
    <p role="status" data-ref="import-phase"></p>
    <p class="muted" id="rg-upload-label">Upload</p>
    <div class="progress" role="progressbar" aria-labelledby="rg-upload-label" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0" data-ref="upload-progress"><div></div></div>
    <p class="muted" id="rg-server-label">Validation and commit on the server</p>
    <div class="progress" role="progressbar" aria-labelledby="rg-server-label" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0" data-ref="server-progress"><div></div></div>
    <p class="alert" role="alert" data-ref="import-error"></p>
    <div data-ref="import-summary" hidden>
      <h3>Summary</h3>
      <dl class="counts" aria-label="Import summary" data-ref="import-counts"></dl>
      <p class="links" data-ref="import-links"></p>
    </div>
    <div class="actions">
      <button data-ref="retry-import" hidden>Try the import again</button>
      <button class="primary" data-ref="again" hidden>Import another file</button>
    </div>
  </section>
</div>`;
  }

  wire() {
    const on = (name, type, handler) => this.$(name).addEventListener(type, handler);
    on('template', 'change', () => this.chooseTemplate(this.$('template').value));
    on('to-file', 'click', () => this.go('file'));
    on('back-choose', 'click', () => this.go('choose'));
    on('file-input', 'change', () => {
      const file = this.$('file-input').files[0];
      if (file) this.chooseFile(file);
    });
    const drop = this.$('drop');
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
    on('sample', 'click', () => this.downloadSample());
    on('copy-columns', 'click', () => this.copyColumns());
    for (const name of ['format', 'encoding', 'delimiter']) {
      on(name, 'change', () => {
        this.state.options[name] = this.$(name).value;
        this.refreshPreview();
      });
    }
    on('to-map', 'click', () => this.go('map'));
    on('back-file', 'click', () => this.go('file'));
    on('no-header', 'change', () => {
      this.state.options.no_header = this.$('no-header').checked;
      this.state.map = {};  // choices were made for the other kind of column names (headers or letters)
      this.refreshPreview();
    });
    on('start-dry-run', 'click', () => this.startDryRun());
    on('cancel-dry-run', 'click', () => this.run?.cancel());
    on('code-filter', 'change', () => this.applyFilter());
    on('download-errors', 'click', () => this.downloadErrors());
    on('retry', 'click', () => {
      this.$('file-input').value = '';
      this.go('file');
    });
    on('commit', 'click', () => this.commit());
    on('retry-import', 'click', () => this.commit());
    on('again', 'click', () => this.reload());
  }

  // ---- Navigation and messages ----------------------------------------------------------------

  go(step, focus = true) {
    this.step = step;
    const index = STEPS.findIndex(([id]) => id === step);
    for (const section of this.root.querySelectorAll('section[data-step]')) section.hidden = section.dataset.step !== step;
    STEPS.forEach(([id], i) => {
      const label = this.root.querySelector(`[data-step-label="${id}"]`);
      if (i === index) label.setAttribute('aria-current', 'step');
      else label.removeAttribute('aria-current');
      label.classList.toggle('done', i < index);
    });
    this.say('');
    if (focus) this.root.querySelector(`section[data-step="${step}"] h2`).focus();
  }

  /// Shows `message` in the widget's alert ("" clears it).
  say(message) {
    this.$('alert').textContent = message;
  }

  failure(error) {
    if (error instanceof ApiError) return error.message;
    return `Something went wrong: ${error?.message ?? error}. Try again; if it keeps happening, reload the page.`;
  }

  // ---- Step 1: choose -------------------------------------------------------------------------

  async loadTemplates() {
    const select = this.$('template');
    select.replaceChildren(new Option('Loading…', ''));
    try {
      const { items } = await this.api.templates();
      const offered = (this.getAttribute('templates') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const templates = offered.length ? items.filter((t) => offered.includes(t.name)) : items;
      select.replaceChildren(...templates.map((t) => new Option(t.title, t.name)));
      const wanted = this.getAttribute('template');
      const chosen = templates.some((t) => t.name === wanted) ? wanted : templates[0]?.name;
      select.value = chosen ?? '';
      if (chosen) await this.chooseTemplate(chosen);
    } catch (error) {
      select.replaceChildren(new Option('(not available)', ''));
      this.say(this.failure(error));
    }
  }

  async chooseTemplate(name) {
    const state = this.state;
    state.templateName = name;
    state.template = null;
    state.context = null;
    state.fixed = {};
    state.map = {};
    this.$('to-file').disabled = true;
    try {
      // The context (groups, existing keys) is fetched now so the dry run can start at once.
      const [template, context] = await Promise.all([this.api.template(name), this.api.context(name)]);
      if (state.templateName !== name) return;
      state.template = template;
      state.context = context;
      this.$('template-description').textContent = template.description ?? '';
      this.renderFixed();
      this.$('to-file').disabled = false;
      this.say('');
      // Warm the worker and its WebAssembly module while the person picks a file.
      workerConnection(this.wasmBase()).request('load', {}).catch(() => {});
    } catch (error) {
      this.say(this.failure(error));
    }
  }

  wasmBase() {
    return new URL(this.getAttribute('wasm') || 'wasm/', this.server).href;
  }

  /// The fields to offer a value for the whole file: reference fields (a group for every row)
  /// and those the template marks `fixed` (LeadConduit's flow and source).
  fixedFields() {
    return this.state.template.fields.filter((f) => f.type === 'reference' || f.fixed === true);
  }

  renderFixed() {
    const holder = this.$('fixed');
    holder.replaceChildren();
    const fields = this.fixedFields();
    if (!fields.length) return;
    const heading = document.createElement('h3');
    heading.textContent = 'Values for every row (optional)';
    holder.append(heading);
    fields.forEach((field, i) => {
      const id = `rg-fixed-${i}`;
      const wrap = document.createElement('div');
      wrap.className = 'field';
      const label = document.createElement('label');
      label.htmlFor = id;
      label.textContent = `${field.label ?? field.key} for every row`;
      let control;
      if (field.type === 'reference') {
        control = document.createElement('select');
        const set = this.state.context?.sets?.[field.ref] ?? [];
        control.append(new Option('None: use the file\'s column', ''));
        for (const name of set) control.append(new Option(name, name));
      } else {
        control = document.createElement('input');
        control.type = 'text';
        control.autocomplete = 'off';
      }
      control.id = id;
      control.addEventListener('change', () => {
        if (control.value.trim()) this.state.fixed[field.key] = control.value.trim();
        else delete this.state.fixed[field.key];
      });
      const hint = document.createElement('span');
      hint.className = 'muted';
      hint.textContent = field.required ? 'Required on every row unless given here.' : 'Fills rows that leave it empty.';
      wrap.append(label, control, hint);
      holder.append(wrap);
    });
  }

  // ---- Step 2: file -------------------------------------------------------------------------

  downloadSample() {
    const { template, context, templateName } = this.state;
    if (!template) return;
    saveBlob(new Blob([sampleCsv(template, context)], { type: 'text/csv' }), `${templateName}-sample.csv`);
  }

  async copyColumns() {
    const { template } = this.state;
    if (!template) return;
    const text = templateColumns(template).join('\t');
    try {
      await navigator.clipboard.writeText(text);
      this.$('copy-status').textContent = 'Columns copied: paste them into the first row of a spreadsheet.';
    } catch {
      this.$('copy-status').textContent = `The clipboard is not available; the columns are: ${templateColumns(template).join(', ')}`;
    }
  }

  async chooseFile(file) {
    const state = this.state;
    state.file = file;
    state.map = {};
    state.options = { format: 'auto', encoding: 'auto', delimiter: '', no_header: false };
    for (const name of ['format', 'encoding', 'delimiter']) this.$(name).value = state.options[name];
    this.$('no-header').checked = false;
    this.$('remembered').textContent = '';
    await this.refreshPreview(true);
  }

  /// Reads the file's start again with the current options and shows what was detected.
  async refreshPreview(recall = false) {
    const state = this.state;
    if (!state.file) return;
    this.$('to-map').disabled = true;
    try {
      let preview = await this.preview();
      if (recall) {
        const saved = recallMapping(state.templateName, preview.mapping.map((m) => m.column));
        if (saved) {
          state.map = saved.map ?? {};
          state.options.no_header = Boolean(saved.noHeader);
          this.$('no-header').checked = state.options.no_header;
          preview = await this.preview();
          this.$('remembered').textContent = 'This header was mapped before: your confirmed mapping is used again.';
        }
      }
      state.preview = preview;
      this.showDetected();
      this.renderMapping();
      this.$('to-map').disabled = false;
      this.say('');
    } catch (error) {
      this.$('detected').hidden = true;
      // A worker or module that failed to start is no fault of the file.
      const engine = error.name === 'WorkerError' || error.name === 'ModuleError';
      this.say(engine ? this.failure(error) : `The file cannot be read: ${error.message}`);
    }
  }

  preview() {
    const { file, templateName, options, map } = this.state;
    return workerConnection(this.wasmBase()).preview(file, { template: templateName, options: this.fileOptions(options), mapping: map });
  }

  fileOptions(options) {
    const out = {};
    if (options.format !== 'auto') out.format = options.format;
    if (options.encoding !== 'auto') out.encoding = options.encoding;
    if (options.delimiter) out.delimiter = options.delimiter;
    if (options.no_header) out.no_header = true;
    return out;
  }

  showDetected() {
    const { file, preview } = this.state;
    const input = preview.input;
    const parts = [(input.format || 'unknown').toUpperCase(), (input.encoding || 'unknown').toUpperCase()];
    if (input.bom) parts[1] += ' with BOM';
    if (input.format === 'csv') parts.push(`delimiter ${DELIMITER_NAMES[input.delimiter] ?? JSON.stringify(input.delimiter)}`);
    const columns = preview.mapping.length;
    this.$('detected-text').textContent =
      `${file.name} (${megabytes(file.size)}): detected ${parts.join(', ')}; ${columns} column${columns === 1 ? '' : 's'}.`;
    this.$('detected').hidden = false;
  }

  // ---- Step 3: map --------------------------------------------------------------------------

  renderMapping() {
    const { preview, template } = this.state;
    const body = this.$('mapping-rows');
    body.replaceChildren();
    const fieldOptions = template.fields.map((f) => [f.key, f.label && f.label !== f.key ? `${f.label} (${f.key})` : f.key]);
    preview.mapping.forEach((entry, i) => {
      const tr = document.createElement('tr');
      const column = document.createElement('th');
      column.scope = 'row';
      column.textContent = entry.column;
      const samples = document.createElement('td');
      samples.className = 'samples';
      const values = preview.samples[i] ?? [];
      samples.textContent = values.length ? values.slice(0, 3).join(' · ') : '(empty)';
      samples.title = values.join('\n');
      const fieldCell = document.createElement('td');
      const select = document.createElement('select');
      select.setAttribute('aria-label', `Field for column ${entry.column}`);
      select.append(new Option('Ignore this column', ''));
      for (const [key, title] of fieldOptions) select.append(new Option(title, key));
      if (entry.field && !template.fields.some((f) => f.key === entry.field)) select.append(new Option(entry.field, entry.field));
      select.value = entry.field ?? '';
      select.addEventListener('change', () => {
        this.state.map[entry.column] = select.value;
        this.refreshPreview();
      });
      fieldCell.append(select);
      const match = document.createElement('td');
      match.textContent = this.matchText(entry);
      match.className = entry.field ? (entry.confidence >= 90 ? 'sure-high' : 'sure-mid') : 'sure-none';
      tr.append(column, samples, fieldCell, match);
      body.append(tr);
    });
  }

  matchText(entry) {
    if (entry.match === 'override') return entry.field ? 'chosen by you' : 'ignored by you';
    if (!entry.field) return 'no field matched';
    const how = { exact: 'exact name', normalized: 'same name', alias: 'known alias', fuzzy: 'similar name', position: 'by position', pattern: 'dynamic column' }[entry.match] ?? entry.match;
    return `${how}, ${entry.confidence}% sure`;
  }

  // ---- Step 4: dry run ----------------------------------------------------------------------

  contextText() {
    const { context, fixed } = this.state;
    // The server's context minus what only describes it (template, existing_count).
    const out = { sets: context.sets ?? {} };
    if (context.existing_hash64) out.existing_hash64 = context.existing_hash64;
    if (Object.keys(fixed).length) out.fixed = fixed;
    return JSON.stringify(out);
  }

  startDryRun() {
    const state = this.state;
    const columns = state.preview.mapping.map((m) => m.column);
    rememberMapping(state.templateName, columns, { map: state.map, noHeader: state.options.no_header });
    this.go('dryrun');
    state.findings = [];
    state.result = null;
    state.codes = new Map();
    state.filter = '';
    state.shown = state.findings;
    state.counts = { bytes: 0, rows: 0, create: 0, update: 0, duplicate: 0, error: 0, warnings: 0 };
    state.fileErrorText = '';
    state.runError = '';
    state.startedAt = performance.now();
    state.elapsed = undefined;
    this.$('code-filter').innerHTML = '<option value="">All problems</option>';
    this.$('findings').show(state.shown);
    for (const name of ['download-errors', 'retry', 'commit']) this.$(name).disabled = true;
    this.$('cancel-dry-run').disabled = false;
    this.$('commit').textContent = 'Import';
    this.paintDryRun();

    const run = workerConnection(this.wasmBase()).dryRun(state.file, {
      template: state.templateName,
      context: this.contextText(),
      mapping: state.map,
      options: this.fileOptions(state.options),
      errorValues: true, // for the Value column, without normalising every row's values
      report: false,
      errors: true, // the core's errors CSV, for "Download errors"
    });
    this.run = run;
    run.onProgress((counts) => {
      if (this.run !== run) return;
      state.counts = counts;
      this.schedulePaint();
    });
    run.onFindings((batch) => {
      if (this.run !== run) return;
      this.takeFindings(batch);
      this.schedulePaint();
    });
    run.done.then(
      (result) => {
        if (this.run !== run) return;
        this.run = null;
        state.result = result;
        state.counts = { ...result.counts, bytes: state.file.size };
        this.finishDryRun();
      },
      (error) => {
        if (this.run !== run) return;
        this.run = null;
        if (error.name === 'AbortError') {
          this.go('map');
          this.say('The dry run was cancelled.');
          return;
        }
        this.$('cancel-dry-run').disabled = true;
        this.$('retry').disabled = false;
        // Kept in the state, not written to the page: a paint still scheduled would wipe it.
        state.runError = error.message;
        this.paintDryRun();
      },
    );
  }

  takeFindings({ findings, records }) {
    const state = this.state;
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
      this.paintFrame = requestAnimationFrame(() => {
        this.paintFrame = 0;
        this.paintDryRun();
      });
    }
  }

  paintDryRun() {
    const { counts, file, findings, shown } = this.state;
    const percent = this.state.result ? 100 : (100 * counts.bytes) / (file.size || 1);
    this.setBar('dry-progress', percent, `${number(counts.rows)} rows read`);
    const elapsed = this.state.elapsed === undefined ? '' : `: done in ${this.state.elapsed.toFixed(2)} s`;
    this.$('dry-progress-text').textContent = `${megabytes(counts.bytes)} of ${megabytes(file.size)} read, ${number(counts.rows)} rows${elapsed}`;
    for (const outcome of OUTCOMES) this.root.querySelector(`[data-count="${outcome}"]`).textContent = number(counts[outcome]);
    this.$('shown-count').textContent = `${number(shown.length)} of ${number(findings.length)} findings shown`;
    const advice = this.state.result ? ' Correct the file and choose it again.' : '';
    const { fileErrorText, runError } = this.state;
    this.$('file-error').textContent = runError ? `The dry run failed: ${runError}`
      : fileErrorText ? `The file cannot be imported: ${fileErrorText}${advice}` : '';
    this.renderCodeOptions();
    this.$('findings').refresh();
  }

  renderCodeOptions() {
    const select = this.$('code-filter');
    const codes = [...this.state.codes.entries()].sort((a, b) => b[1] - a[1]);
    const current = select.value;
    if (select.options.length - 1 !== codes.length) {
      select.replaceChildren(new Option(`All problems`, ''));
      for (const [code] of codes) select.append(new Option(code, code));
      select.value = current;
    }
    select.options[0].textContent = `All problems (${number(this.state.findings.length)})`;
    for (const option of [...select.options].slice(1)) option.textContent = `${option.value} (${number(this.state.codes.get(option.value))})`;
  }

  applyFilter() {
    const state = this.state;
    state.filter = this.$('code-filter').value;
    state.shown = state.filter ? state.findings.filter((f) => f.code === state.filter) : state.findings;
    this.$('findings').show(state.shown);
    this.paintDryRun();
  }

  finishDryRun() {
    const state = this.state;
    const { result } = state;
    state.elapsed = (performance.now() - state.startedAt) / 1000;
    this.paintDryRun();
    this.$('cancel-dry-run').disabled = true;
    this.$('retry').disabled = false;
    this.$('download-errors').disabled = state.findings.length === 0;
    const valid = (result.summary?.create ?? 0) + (result.summary?.update ?? 0);
    const commit = this.$('commit');
    commit.disabled = result.fileError || valid === 0;
    commit.textContent = `Import ${number(valid)} valid row${valid === 1 ? '' : 's'}`;
    // Which finding makes the file unusable is the core's to say.
    if (result.fileError && !state.fileErrorText) state.fileErrorText = result.fileErrorMessage || 'the file could not be read';
    if (result.fileError) this.paintDryRun();
    this.dispatchEvent(new CustomEvent('rowgate-dry-run', { detail: { summary: result.summary, counts: result.counts }, bubbles: true, composed: true }));
  }

  /// The errors file as the core wrote it during the dry run: the same bytes as
  /// `rowgate check --errors` and the server's errors.csv for the same file.
  downloadErrors() {
    const { result, file } = this.state;
    const base = file.name.replace(/\.[^.]*$/, '');
    saveBlob(result.errorsFile, `${base}-errors.csv`);
  }

  // ---- Step 5: import -----------------------------------------------------------------------

  /// Imports the file on the server. Called again ("Try the import again"), it picks up the same
  /// import where it stopped: one attempt per import, so that neither a retry nor a restart of
  /// the server makes a second import.
  async commit() {
    const state = this.state;
    // The attempt: its Idempotency-Key (a create sent again after a lost answer replays the
    // first one), the import's id once known, the parts the server confirmed, whether it started.
    state.attempt ??= { idempotencyKey: newIdempotencyKey(), id: '', uploaded: new Set(), started: false };
    const attempt = state.attempt;
    const follow = {};
    this.following = follow;
    this.go('import');
    this.$('import-error').textContent = '';
    this.$('import-summary').hidden = true;
    this.$('retry-import').hidden = true;
    this.$('again').hidden = true;
    this.setBar('upload-progress', 0, 'not started');
    this.setBar('server-progress', 0, 'waiting for the upload');
    const phase = this.$('import-phase');
    phase.classList.remove('waiting');
    try {
      let job = null;
      if (attempt.id) {
        phase.textContent = 'Looking up the import…';
        job = await this.retrying(follow, () => this.api.importStatus(attempt.id));
        if (job.status === 'uploading') job = null;
        else attempt.started = true;
      } else {
        const body = { template: state.templateName, dry_run: false, options: this.fileOptions(state.options) };
        if (Object.keys(state.map).length) body.mapping = state.map;
        if (Object.keys(state.fixed).length) body.fixed = state.fixed;
        phase.textContent = 'Creating the import…';
        attempt.id = (await this.retrying(follow, () => this.api.createImport(body, attempt.idempotencyKey))).id;
      }
      if (!attempt.started) await this.upload(follow, attempt);
      if (!attempt.started) {
        phase.textContent = 'Uploaded; starting the import…';
        try {
          job = await this.retrying(follow, () => this.api.startImport(attempt.id));
        } catch (error) {
          if (!alreadyStarted(error)) throw error;
        }
        attempt.started = true;
      }
      this.setBar('upload-progress', 100, 'uploaded');
      for (;;) {
        if (job) {
          this.showServerProgress(job);
          if (FINISHED.includes(job.status)) break;
          await this.pause(follow, POLL_MS);
        }
        job = await this.retrying(follow, () => this.api.importStatus(attempt.id));
      }
      this.showImportResult(job);
    } catch (error) {
      if (error instanceof Superseded) return;
      phase.classList.remove('waiting');
      phase.textContent = 'The import did not complete.';
      this.$('import-error').textContent =
        `${this.failure(error)} "Try the import again" picks up this import where it stopped; no row is imported twice.`;
      this.$('retry-import').hidden = false;
      this.$('retry-import').focus();
    }
  }

  /// Uploads the parts the server has not confirmed yet. Stops, the import marked started, when
  /// the server says it has started already (a start whose answer was lost).
  async upload(follow, attempt) {
    const { file } = this.state;
    const parts = Math.max(1, Math.ceil(file.size / PART_BYTES));
    const slice = (n) => file.slice((n - 1) * PART_BYTES, Math.min(file.size, n * PART_BYTES));
    const show = (bytes) => this.setBar('upload-progress', file.size ? (100 * bytes) / file.size : 100, `${megabytes(bytes)} of ${megabytes(file.size)}`);
    let sent = 0;
    for (const n of attempt.uploaded) sent += slice(n).size;
    show(sent);
    for (let n = 1; n <= parts; n++) {
      if (attempt.uploaded.has(n)) continue;
      const blob = slice(n);
      this.$('import-phase').textContent = `Uploading part ${n} of ${parts}…`;
      try {
        await this.retrying(follow, () => this.api.putPart(attempt.id, n, blob, (loaded) => show(sent + loaded)));
      } catch (error) {
        if (!alreadyStarted(error)) throw error;
        attempt.started = true;
        return;
      }
      attempt.uploaded.add(n);
      sent += blob.size;
      show(sent);
    }
  }

  /// Answers what `call()` answers, calling it again (as the RETRY_ constants say) while it fails
  /// in a way that may pass, with a countdown in the phase line; other failures are thrown at once.
  async retrying(follow, call) {
    const phase = this.$('import-phase');
    let failingSince = 0;
    let before = '';
    for (let tries = 1; ; tries++) {
      try {
        const value = await call();
        if (this.following !== follow) throw new Superseded();
        if (failingSince) {
          phase.classList.remove('waiting');
          phase.textContent = before;
        }
        return value;
      } catch (error) {
        if (this.following !== follow) throw new Superseded();
        if (!(error instanceof ApiError) || !error.transient) throw error;
        if (!failingSince) {
          failingSince = Date.now();
          before = phase.textContent;
        }
        if (Date.now() - failingSince > RETRY_FOR_MS) throw error;
        const what = error.status === 0 ? 'The server cannot be reached; reconnecting'
          : error.code === 'idempotency_in_progress' ? 'The server is still creating the import; asking again'
            : `The server is unavailable for now (${error.status}); trying again`;
        await this.countDown(follow, Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (tries - 1)),
          (seconds) => `${what} in ${seconds} s (attempt ${tries + 1})…`);
      }
    }
  }

  /// Waits `ms`, showing `text(seconds left)` in the phase line, marked as waiting.
  async countDown(follow, ms, text) {
    const phase = this.$('import-phase');
    phase.classList.add('waiting');
    const end = performance.now() + ms;
    for (let left = ms; left > 0; left = end - performance.now()) {
      const seconds = Math.ceil(left / 1000);
      phase.textContent = text(seconds);
      await this.pause(follow, left - (seconds - 1) * 1000);
    }
  }

  /// Waits `ms`; throws Superseded if meanwhile the widget moved on to another import.
  async pause(follow, ms) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (this.following !== follow) throw new Superseded();
  }

  setBar(name, percent, text) {
    const bar = this.$(name);
    const value = Math.max(0, Math.min(100, Math.round(percent)));
    bar.setAttribute('aria-valuenow', String(value));
    bar.setAttribute('aria-valuetext', `${value}%, ${text}`);
    bar.firstElementChild.style.width = `${value}%`;
  }

  showServerProgress(job) {
    const { bytes = 0, bytes_total: total = 0, rows = 0 } = job.progress ?? {};
    const done = FINISHED.includes(job.status);
    const percent = done ? 100 : total ? (100 * bytes) / total : 0;
    this.setBar('server-progress', percent, `${job.status}, ${number(rows)} rows`);
    if (done) return;
    const phase = this.$('import-phase');
    if (job.status === 'queued') phase.textContent = 'The import is queued; the server starts it shortly…';
    else if (job.status === 'validating' || job.status === 'committing') {
      phase.textContent = `The server is ${job.status === 'committing' ? 'storing' : 'validating'} the rows: ${number(rows)} so far…`;
    } else phase.textContent = `The import is ${job.status}…`;
  }

  showImportResult(job) {
    const phase = this.$('import-phase');
    if (job.status === 'done') phase.textContent = 'The import is done.';
    else if (job.status === 'cancelled') phase.textContent = 'The import was cancelled; rows stored before the cancel stay stored.';
    else {
      phase.textContent = 'The import failed.';
      this.$('import-error').textContent = `${job.error || 'The server could not read the file.'} Correct the file and import it again.`;
    }
    const summary = job.summary;
    if (summary) {
      const items = [
        ['create', 'Created', summary.create],
        ['update', 'Updated', summary.update],
        ['duplicate', 'Duplicates skipped', summary.duplicate],
        ['error', 'Errors (not imported)', summary.invalid - summary.duplicate],
        ['warnings', 'Warnings', summary.warnings],
      ];
      this.$('import-counts').innerHTML = items
        .map(([cls, title, n]) => `<div class="${cls}"><dt>${title}</dt><dd>${number(n)}</dd></div>`)
        .join('');
    }
    const links = this.$('import-links');
    links.replaceChildren();
    if (job.files) {
      for (const [which, title] of [['errors', 'Download the errors file'], ['results', 'Download the results file']]) {
        const link = document.createElement('a');
        link.href = new URL(job.files[which], this.server).href;
        link.textContent = title;
        link.addEventListener('click', (event) => {
          event.preventDefault();
          this.api.download(job.files[which], `${job.id}-${which}.csv`).catch((error) => {
            this.$('import-error').textContent = this.failure(error);
          });
        });
        links.append(link);
      }
    }
    this.$('import-summary').hidden = !summary && !job.files;
    this.$('again').hidden = false;
    this.$('again').focus();
    this.dispatchEvent(new CustomEvent('rowgate-imported', { detail: job, bubbles: true, composed: true }));
  }
}

customElements.define('rowgate-importer', RowgateImporter);
