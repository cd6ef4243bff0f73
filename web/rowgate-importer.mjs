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
// Events: `rowgate-dry-run` (detail: the summary) and `rowgate-imported` (detail: the import).
//
// This element holds the shadow root, the state of one pass through the steps (its fields are
// declared once, in importer/state.mjs) and the navigation between the steps. Each step is a
// module of importer/ with its markup, its events and its work:
//   choose-step.mjs   the template, and values fixed for the whole file
//   file-step.mjs     the file: CSV, JSONL or an Excel workbook (sniffed format, encoding and
//                     delimiter with overrides; a workbook's sheet), and its columns' first values
//   map-step.mjs      columns to fields (remembered per header: mapping-memory.mjs)
//   dry-run-step.mjs  the dry run in a worker, on the WebAssembly core: nothing leaves the browser
//   import-step.mjs   uploaded in parts, then followed; a server that cannot be reached
//                     meanwhile (a restart) is waited for, and the same import is picked up
// The steps reach the core through the worker (worker-connection.mjs, which imports
// wasm/rowgate.mjs) and the server through the REST API (api.mjs).

import { ApiError, KEY_STORAGE, RowgateApi } from './api.mjs';
import { ChooseStep } from './importer/choose-step.mjs';
import { DryRunStep } from './importer/dry-run-step.mjs';
import { FileStep } from './importer/file-step.mjs';
import { ImportStep } from './importer/import-step.mjs';
import { MapStep } from './importer/map-step.mjs';
import { newState } from './importer/state.mjs';
import { IMPORTER_STYLE } from './importer/style.mjs';
import { workerConnection } from './worker-connection.mjs';

const STEPS = [ChooseStep, FileStep, MapStep, DryRunStep, ImportStep];

function markup() {
  const labels = STEPS.map((Step, i) => `<li data-step-label="${Step.id}">${i + 1}. ${Step.title}</li>`).join('');
  return `
<div class="widget" role="region" aria-label="Rowgate import">
  <ol class="steps" aria-label="Import steps">${labels}</ol>
  <p class="alert" role="alert" data-ref="alert"></p>
${STEPS.map((Step) => Step.markup()).join('\n')}
</div>`;
}

export class RowgateImporter extends HTMLElement {
  constructor() {
    super();
    this.state = null;
    this.root = this.attachShadow({ mode: 'open' });
    /// The element of the shadow root marked data-ref=`name`.
    this.$ = (name) => this.root.querySelector(`[data-ref="${name}"]`);
    this.render();
  }

  /// Writes the sections afresh and wires a new object per step, so that a new pass starts with
  /// every control as the markup declares it (no file chosen, every "Next" disabled).
  render() {
    this.root.innerHTML = `<style>${IMPORTER_STYLE}</style>${markup()}`;
    /// The steps by id (choose, file, map, dryrun, import); each wires its own section.
    this.steps = Object.fromEntries(STEPS.map((Step) => [Step.id, new Step(this)]));
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
    this.begin('', false);
  }

  /// Starts again from the first step with the same import type ("Import another file").
  startOver() {
    this.begin(this.state?.templateName ?? '', true);
  }

  /// A new pass: a new state and fresh sections, the templates fetched again (the one named
  /// `keep` chosen if still offered) and, with `focus`, the focus on the first step's heading.
  begin(keep, focus) {
    this.state?.run?.cancel();
    this.state = newState();
    this.render();
    const key = () => (typeof this.getApiKey === 'function' ? this.getApiKey() : this.getAttribute('api-key') || sessionStorage.getItem(KEY_STORAGE) || '');
    this.api = new RowgateApi(this.server, key);
    this.go('choose', focus);
    this.steps.choose.loadTemplates(keep);
  }

  /// The connection to the worker of the WebAssembly folder (the `wasm` attribute, or the
  /// server's /wasm/), shared by the widgets of the page.
  worker() {
    return workerConnection(this.wasmBase());
  }

  wasmBase() {
    return new URL(this.getAttribute('wasm') || 'wasm/', this.server).href;
  }

  /// Shows the step `step` (an id of STEPS) alone, marks it current, and moves the focus to its
  /// heading unless `focus` is false.
  go(step, focus = true) {
    this.step = step;
    const index = STEPS.findIndex((Step) => Step.id === step);
    for (const section of this.root.querySelectorAll('section[data-step]')) section.hidden = section.dataset.step !== step;
    STEPS.forEach((Step, i) => {
      const label = this.root.querySelector(`[data-step-label="${Step.id}"]`);
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

  /// What to tell a person about `error`: an API error's own message, or what to do.
  failure(error) {
    if (error instanceof ApiError) return error.message;
    return `Something went wrong: ${error?.message ?? error}. Try again; if it keeps happening, reload the page.`;
  }
}

customElements.define('rowgate-importer', RowgateImporter);
