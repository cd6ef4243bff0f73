// Step 3 of <rowgate-importer>, map: each column of the file with sample values, the field it
// feeds and how sure the match is; the person's choices, and whether the file has a header row.
// A mapping confirmed by starting the dry run is remembered for the same header (in this
// browser; for the team once the import is sent).

import { recallMapping, rememberMapping } from './mapping-memory.mjs';

const MATCH_NAMES = { exact: 'exact name', normalized: 'same name', alias: 'known alias', fuzzy: 'similar name', position: 'by position', pattern: 'dynamic column' };

export class MapStep {
  static id = 'map';
  static title = 'Map';

  static markup() {
    return `
  <section data-step="map" aria-labelledby="rg-h-map" hidden>
    <h2 id="rg-h-map" tabindex="-1">Map the columns</h2>
    <p class="note" role="status" data-ref="remembered"></p>
    <div class="checks" role="status" aria-label="Before the dry run" data-ref="map-checks" hidden></div>
    <div class="field"><label><input type="checkbox" data-ref="no-header"> The file has no header row (columns are named A, B, C… and feed the fields in order unless you choose)</label></div>
    <div class="field" data-ref="header-row-field"><label for="rg-header-row">The header is on row</label>
      <select id="rg-header-row" data-ref="header-row"></select>
      <span class="muted" data-ref="header-row-note"></span></div>
    <table class="mapping">
      <caption>Columns of the file and the fields they feed</caption>
      <thead><tr><th scope="col">Column</th><th scope="col">Sample values</th><th scope="col">Field</th><th scope="col">Match</th></tr></thead>
      <tbody data-ref="mapping-rows"></tbody>
    </table>
    <div class="actions">
      <button data-ref="back-file">Back</button>
      <button class="primary" data-ref="start-dry-run" disabled>Start the dry run</button>
    </div>
  </section>`;
  }

  /// `widget`: the <rowgate-importer> whose section this step runs.
  constructor(widget) {
    this.widget = widget;
    const { $ } = widget;
    $('back-file').addEventListener('click', () => widget.go('file'));
    $('no-header').addEventListener('change', () => {
      widget.state.options.no_header = $('no-header').checked;
      widget.state.map = {}; // choices were made for the other kind of column names (headers or letters)
      widget.steps.file.refreshPreview();
    });
    $('header-row').addEventListener('change', () => {
      widget.state.options.header_row = Number($('header-row').value);
      widget.state.map = {}; // the columns are those of another row now
      widget.steps.file.refreshPreview();
    });
    $('start-dry-run').addEventListener('click', () => {
      if (!widget.state.preview) return;
      this.remember();
      widget.steps.dryrun.start();
    });
  }

  /// Clears what this step showed about the file before (another file was chosen).
  forget() {
    this.widget.$('no-header').checked = false;
    this.widget.$('remembered').textContent = '';
    this.widget.$('mapping-rows').replaceChildren();
    this.widget.$('map-checks').hidden = true;
    this.setReady(false);
  }

  /// Enables "Start the dry run" once the file's columns are read with the current choices.
  setReady(ready) {
    this.widget.$('start-dry-run').disabled = !ready;
  }

  /// Takes the mapping remembered for the columns of `preview`, if any; answers whether it did.
  recall(preview) {
    const { $, state } = this.widget;
    const saved = recallMapping(state.templateName, preview.mapping.map((m) => m.column), state.teamMappings);
    if (!saved) return false;
    this.recalledFromTeam = Boolean(saved.team);
    state.map = saved.map ?? {};
    state.options.no_header = Boolean(saved.noHeader);
    $('no-header').checked = state.options.no_header;
    return true;
  }

  /// Says that the mapping was taken from memory (once the file was read again with it).
  sayRecalled() {
    this.widget.$('remembered').textContent = this.recalledFromTeam
      ? 'This header was mapped before by your team: the mapping confirmed then is used again.'
      : 'This header was mapped before: your confirmed mapping is used again.';
  }

  remember() {
    const { state } = this.widget;
    const columns = state.preview.mapping.map((m) => m.column);
    rememberMapping(state.templateName, columns, { map: state.map, noHeader: state.options.no_header });
  }

  /// Keeps the mapping of this import for the team, on the server. Called when the import is
  /// sent, not at the dry run: nothing of the file leaves the browser during a dry run. A
  /// failure does not stop the import (the next import tries again).
  shareWithTeam() {
    const { state } = this.widget;
    if (!state.preview) return;
    const columns = state.preview.mapping.map((m) => m.column);
    const shared = { template: state.templateName, columns, map: state.map, no_header: state.options.no_header };
    this.widget.api.putMapping(shared).then(
      () => {
        const others = state.teamMappings.filter((m) => JSON.stringify(m.columns) !== JSON.stringify(columns));
        state.teamMappings = [shared, ...others];
      },
      () => {},
    );
  }

  /// "The header is on row N": the row the core took (found below title rows, or chosen).
  renderHeaderRow() {
    const { $, state } = this.widget;
    const { preview } = state;
    const tabular = preview.input.format === 'csv' || preview.input.format === 'xlsx';
    $('header-row-field').hidden = !tabular || state.options.no_header;
    const row = preview.input.headerRow ?? 1;
    const select = $('header-row');
    const rows = Math.max(10, row);
    if (select.options.length !== rows) select.replaceChildren(...Array.from({ length: rows }, (_, i) => new Option(String(i + 1), String(i + 1))));
    select.value = String(row);
    $('header-row-note').textContent = row > 1
      ? `${state.options.header_row ? 'As you chose' : 'Found below the rows above it'}: ${row === 2 ? 'row 1 is' : `rows 1 to ${row - 1} are`} left out, and rows keep their numbers.`
      : '';
  }

  /// The table of columns, from the latest preview.
  render() {
    const { widget } = this;
    const { preview, template } = widget.state;
    this.renderHeaderRow();
    const body = widget.$('mapping-rows');
    body.replaceChildren();
    const fieldOptions = template.fields.map((f) => [f.key, f.label && f.label !== f.key ? `${f.label} (${f.key})` : f.key]);
    const names = preview.mapping.map((m) => m.column);
    const checks = []; // what to look at before the dry run: [text, button?]
    preview.mapping.forEach((entry, i) => {
      const key = columnKey(names, i);
      const doubt = doubtOf(entry, preview.samples[i] ?? [], template);
      const tr = document.createElement('tr');
      const column = document.createElement('th');
      column.scope = 'row';
      column.textContent = entry.column === '' ? `(no header, column ${i + 1})` : entry.column;
      const samples = document.createElement('td');
      samples.className = 'samples';
      const values = preview.samples[i] ?? [];
      samples.textContent = values.length ? values.slice(0, 3).join(' · ') : '(empty)';
      samples.title = values.join('\n');
      const fieldCell = document.createElement('td');
      const select = document.createElement('select');
      select.setAttribute('aria-label', `Field for column ${columnName(names, i)}`);
      select.append(new Option('Ignore this column', ''));
      for (const [key, title] of fieldOptions) select.append(new Option(title, key));
      if (entry.field && !template.fields.some((f) => f.key === entry.field)) select.append(new Option(entry.field, entry.field));
      select.value = entry.field ?? '';
      select.addEventListener('change', () => {
        widget.state.map[key] = select.value;
        widget.steps.file.refreshPreview();
      });
      fieldCell.append(select);
      const match = document.createElement('td');
      match.textContent = matchText(entry);
      match.className = entry.field ? (entry.confidence >= 90 && !doubt ? 'sure-high' : 'sure-mid') : 'sure-none';
      if (doubt) {
        const note = document.createElement('div');
        note.className = 'doubt';
        note.textContent = doubt.text;
        match.append(note);
        const fix = doubt.field ? () => this.choose(key, doubt.field) : null;
        if (fix) {
          const button = document.createElement('button');
          button.type = 'button';
          button.textContent = `Map it to ${doubt.field}`;
          button.setAttribute('aria-label', `Map column ${columnName(names, i)} to ${doubt.field}`);
          button.addEventListener('click', fix);
          match.append(button);
        }
        checks.push([`Column ${columnName(names, i)}: ${doubt.text}`, fix, doubt.field]);
      }
      tr.append(column, samples, fieldCell, match);
      body.append(tr);
    });
    // Required fields that no column feeds and no value chosen for the file fills.
    const fed = new Set(preview.mapping.map((m) => m.field).filter(Boolean));
    const fixed = widget.state.fixed ?? {};
    for (const f of template.fields) {
      if (f.required && !fed.has(f.key) && (fixed[f.key] ?? '') === '')
        checks.unshift([`${f.key} is required and no column feeds it: choose its column below, or every row will fail.`]);
    }
    this.paintChecks(checks);
  }

  /// The list above the table of what is missing or doubtful, each with its one-click fix.
  paintChecks(checks) {
    const box = this.widget.$('map-checks');
    box.replaceChildren();
    box.hidden = checks.length === 0;
    if (!checks.length) return;
    const title = document.createElement('p');
    title.textContent = 'Check before the dry run:';
    const list = document.createElement('ul');
    for (const [text] of checks) {
      const item = document.createElement('li');
      item.textContent = text;
      list.append(item);
    }
    box.append(title, list);
  }

  /// The person's choice of `field` for the column named `key` (columnKey), as from its list.
  choose(key, field) {
    this.widget.state.map[key] = field;
    this.widget.steps.file.refreshPreview();
  }
}

/// The name a choice of field gives the column at `i` in the mapping (docs/templates.md): its
/// header, or "#N" (its position from 1) for a header that cannot name it: empty, repeated, or
/// not readable text (bytes the encoding could not decode, shown as U+FFFD).
export function columnKey(names, i) {
  const name = names[i];
  const unique = names.indexOf(name) === names.lastIndexOf(name);
  return name !== '' && unique && !name.includes('\uFFFD') && !/^#[1-9][0-9]*$/.test(name) ? name : `#${i + 1}`;
}

/// A column as the page names it to a person: its header, with its position when the header
/// is empty or repeated.
function columnName(names, i) {
  const header = names[i];
  if (header === '') return `${i + 1} (no header)`;
  return names.indexOf(header) === names.lastIndexOf(header) ? header : `${header} (column ${i + 1})`;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const URL_LIKE = /^(https?:\/\/|www\.)\S+$/i;

/// What makes a column's match doubtful, from its sample values and the template: {text,
/// field?} (field: the one-click fix), or null.
function doubtOf(entry, samples, template) {
  const field = template.fields.find((f) => f.key === entry.field);
  if (!entry.field) {
    // A header that differs from a field only in letter case, in a template whose fields are
    // case-sensitive (Advocate's): "AccountId" for "accountId".
    const near = template.fields.find((f) => f.key.toLowerCase() === entry.column.toLowerCase() && f.key !== entry.column);
    if (near) return { text: `did you mean ${near.key}? Field names are case-sensitive here.`, field: near.key };
    return null;
  }
  const values = samples.filter((v) => v !== '');
  const share = (re) => (values.length ? values.filter((v) => re.test(v)).length / values.length : 0);
  if (field && field.type !== 'email' && values.length && share(EMAIL) >= 0.5)
    return { text: `its values look like e-mail addresses, not ${entry.field}.` };
  if (field && field.type === 'email' && values.length && share(EMAIL) === 0) return { text: 'its values do not look like e-mail addresses.' };
  if (field && field.type === 'url' && values.length && share(URL_LIKE) === 0 && share(EMAIL) > 0)
    return { text: 'its values look like e-mail addresses, not web addresses.' };
  if (entry.match === 'position') return { text: 'a guess by position only: check the sample values.' };
  if (entry.match === 'fuzzy') return { text: 'a similar name only: check that it is the right field.' };
  return null;
}

/// How a column was matched to its field, in words.
function matchText(entry) {
  if (entry.match === 'override') return entry.field ? 'chosen by you' : 'ignored by you';
  if (!entry.field) return 'no field matched';
  const how = MATCH_NAMES[entry.match] ?? entry.match;
  return `${how}, ${entry.confidence}% sure`;
}
