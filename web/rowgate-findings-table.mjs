// <rowgate-findings-table>: the dry run's problem rows (row, column, value, message), as a
// table that renders only the rows in view, so that 50,000 findings scroll as fast as 50.
//
//   table.show(rows)   // rows: an array of {row, column, field, value, code, severity, message}
//   table.refresh()    // after rows were appended to that array
//
// With the `editable` attribute, a problem's value can be corrected where it is shown (click it,
// or Enter on it: Enter saves, Escape cancels) and its row skipped; the table does not apply
// either, it tells the page: `rowgate-edit` {finding, value} and `rowgate-skip` {finding}.
//
// `empty` is what it says when there is nothing to show ("No problem rows." by default).
// With the `without-values` attribute it has no Value and Fix columns (the server's findings
// after an import, whose messages quote the value).
//
// It is an ARIA table (role="table", aria-rowcount, aria-rowindex on each rendered row), and
// its scrolling body takes the keyboard focus, so arrows and Page Up/Down scroll it.

const ROW_HEIGHT = 28; // px, fixed: the position of row i is i * rowHeight
const NARROW = 544; // px of the table's own width below which a row takes two lines
const OVERSCAN = 8; // rows rendered above and below the view
// [key, title, grid area]
const COLUMNS = [
  ['row', 'Row'],
  ['column', 'Column'],
  ['value', 'Value'],
  ['message', 'Problem'],
  ['fix', 'Fix'],
];

const STYLE = `
:host { display: block; font-size: 0.875rem; container-type: inline-size; }
.table { border: 1px solid #c7ccd4; border-radius: 4px; }
.head, .row { display: grid; grid-template-columns: 5rem 11rem 13rem 1fr 5.5rem; align-items: center; }
.table.without-values .head, .table.without-values .row { grid-template-columns: 5rem 11rem 1fr; }
.head { background: #eef1f5; font-weight: 600; border-bottom: 1px solid #c7ccd4; }
.cell { padding: 0 0.5rem; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.head .cell { padding: 0.35rem 0.5rem; }
.body { position: relative; overflow-y: auto; height: var(--rowgate-findings-height, 18rem); contain: strict; }
.body:focus-visible { outline: 3px solid #1d5fd1; outline-offset: -3px; }
.body[hidden] { display: none; }
.spacer { width: 1px; }
.rows { position: absolute; top: 0; left: 0; right: 0; }
.row { height: ${ROW_HEIGHT}px; border-bottom: 1px solid #eef1f5; }
.c-row { grid-area: row; } .c-column { grid-area: column; } .c-value { grid-area: value; } .c-message { grid-area: message; } .c-fix { grid-area: fix; }
.head, .row { grid-template-areas: "row column value message fix"; }
.table.without-values .head, .table.without-values .row { grid-template-areas: "row column message"; }
/* A phone's width: row and problem first, on a line of their own; value and fix under them. */
@container (max-width: ${NARROW - 1}px) {
  .head, .row { grid-template-columns: 3.25rem minmax(0, 1fr) 5.5rem; grid-template-areas: "row message message" "value value fix"; }
  .table.without-values .head, .table.without-values .row { grid-template-columns: 3.25rem minmax(0, 1fr); grid-template-areas: "row message" ". column"; }
  .table:not(.without-values) .c-column { display: none; } /* the problem's message names its column */
  .row { height: ${2 * ROW_HEIGHT}px; }
  .row .c-column, .row .c-value, .row .c-fix { align-self: start; }
}
.row.warning .code { color: #7a5200; }
.row.error .code { color: #a61b1b; }
.code { font-family: ui-monospace, monospace; font-size: 0.8em; margin-right: 0.4em; }
.empty { padding: 0.75rem; color: #4a5361; }
.value { all: unset; box-sizing: border-box; display: block; width: 100%; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; cursor: text; padding: 0 0.25rem; border: 1px dashed transparent; border-radius: 3px; min-height: 1.3em; }
.value:hover { border-color: #8a93a3; }
.value:focus-visible { outline: 3px solid #1d5fd1; }
.value.none { color: #6b7280; font-style: italic; }
.editor { width: 100%; box-sizing: border-box; font: inherit; padding: 0.1rem 0.25rem; border: 2px solid #1d5fd1; border-radius: 3px; }
.skip { font: inherit; font-size: 0.8em; padding: 0.1rem 0.45rem; border: 1px solid #8a93a3; border-radius: 3px; background: #fff; cursor: pointer; }
.skip:focus-visible { outline: 3px solid #1d5fd1; }
`;

export class RowgateFindingsTable extends HTMLElement {
  constructor() {
    super();
    this.rows = [];
    this.rendered = { first: -1, last: -1, count: -1 };
    this.editing = null; // {finding, value}: the cell being corrected, kept across re-renders
    this.frame = 0;
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `
      <style>${STYLE}</style>
      <div class="table" role="table" aria-rowcount="1">
        <div role="rowgroup"><div class="head" role="row" aria-rowindex="1">
          ${COLUMNS.map(([key, title]) => `<div class="cell c-${key}" role="columnheader">${title}</div>`).join('')}
        </div></div>
        <div class="body" tabindex="0" role="rowgroup">
          <div class="spacer"></div>
          <div class="rows"></div>
        </div>
        <p class="empty" hidden>No problem rows.</p>
      </div>`;
    this.table = root.querySelector('.table');
    this.body = root.querySelector('.body');
    this.spacer = root.querySelector('.spacer');
    this.list = root.querySelector('.rows');
    this.empty = root.querySelector('.empty');
    this.body.addEventListener('scroll', () => this.schedule(), { passive: true });
    // Two lines a row below NARROW px (the style's container query): the positions follow.
    this.rowHeight = ROW_HEIGHT;
    new ResizeObserver(() => {
      const height = this.clientWidth && this.clientWidth < NARROW ? 2 * ROW_HEIGHT : ROW_HEIGHT;
      if (height === this.rowHeight) return;
      this.rowHeight = height;
      this.rendered = { first: -1, last: -1, count: -1 };
      this.schedule();
    }).observe(this);
  }

  connectedCallback() {
    this.table.setAttribute('aria-label', this.getAttribute('label') ?? 'Problem rows');
    if (this.hasAttribute('empty')) this.empty.textContent = this.getAttribute('empty');
    if (this.withoutValues) {
      this.table.classList.add('without-values');
      for (const header of this.table.querySelectorAll('[role="columnheader"]'))
        if (['Value', 'Fix'].includes(header.textContent)) header.remove();
    }
    this.body.setAttribute('aria-label', `${this.getAttribute('label') ?? 'Problem rows'}, scrollable`);
    this.schedule();
  }

  /// Shows `rows` (kept by reference: append to it, then call refresh()). With `keepScroll`
  /// the view stays where it was (the same problems, checked again after an edit).
  show(rows, { keepScroll = false } = {}) {
    this.rows = rows;
    this.rendered = { first: -1, last: -1, count: -1 };
    this.editing = null;
    if (!keepScroll) this.body.scrollTop = 0;
    this.schedule();
  }

  get editable() {
    return this.hasAttribute('editable');
  }

  get withoutValues() {
    return this.hasAttribute('without-values');
  }

  refresh() {
    this.schedule();
  }

  /// How many rows are in the DOM now (the rest exist only as scroll height).
  get renderedCount() {
    return this.list.childElementCount;
  }

  schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  render() {
    this.frame = 0;
    const count = this.rows.length;
    this.table.setAttribute('aria-rowcount', String(count + 1));
    this.empty.hidden = count > 0;
    this.body.hidden = count === 0;
    const height = this.rowHeight;
    this.spacer.style.height = `${count * height}px`;
    const view = this.body.clientHeight || 300;
    const first = Math.max(0, Math.floor(this.body.scrollTop / height) - OVERSCAN);
    const last = Math.min(count, Math.ceil((this.body.scrollTop + view) / height) + OVERSCAN);
    const same = this.rendered.first === first && this.rendered.last === last;
    // Rows appended below the view change nothing on screen but the scroll height.
    if (same && (this.rendered.count === count || last < count)) return;
    this.rendered = { first, last, count };
    const fragment = document.createDocumentFragment();
    for (let i = first; i < last; i++) fragment.append(this.rowElement(this.rows[i], i));
    this.list.style.transform = `translateY(${first * height}px)`;
    this.list.replaceChildren(fragment);
  }

  rowElement(finding, index) {
    const row = document.createElement('div');
    row.className = `row ${finding.severity}`;
    row.setAttribute('role', 'row');
    row.setAttribute('aria-rowindex', String(index + 2));
    const editable = this.editable && finding.row > 0 && Boolean(finding.column || finding.field);
    const cells = [String(finding.row || ''), finding.column || finding.field || '(whole row)', editable ? 'edit' : finding.value ?? '', null, 'fix'];
    const keys = COLUMNS.map(([key]) => key);
    for (const i of this.withoutValues ? [0, 1, 3] : [0, 1, 2, 3, 4]) {
      const text = cells[i];
      const cell = document.createElement('div');
      cell.className = `cell c-${keys[i]}`;
      cell.setAttribute('role', 'cell');
      if (text === 'edit') {
        cell.append(this.editing?.finding === finding ? this.editor(finding) : this.valueButton(finding));
      } else if (text === 'fix') {
        if (this.editable && finding.row > 0) {
          const skip = document.createElement('button');
          skip.className = 'skip';
          skip.textContent = 'Skip row';
          skip.setAttribute('aria-label', `Skip row ${finding.row}`);
          skip.addEventListener('click', () => this.dispatchEvent(new CustomEvent('rowgate-skip', { detail: { finding } })));
          cell.append(skip);
        }
      } else if (text === null) {
        const code = document.createElement('span');
        code.className = 'code';
        code.textContent = finding.code;
        cell.append(code, finding.message);
        cell.title = finding.message;
      } else {
        cell.textContent = text;
        cell.title = text;
      }
      row.append(cell);
    }
    return row;
  }

  valueButton(finding) {
    const button = document.createElement('button');
    const value = finding.value ?? '';
    button.className = value === '' ? 'value none' : 'value';
    button.textContent = value === '' ? '(empty)' : value;
    button.title = `${value} (click to correct)`;
    button.setAttribute('aria-label', `Correct ${finding.column || finding.field} of row ${finding.row}: ${value === '' ? 'empty' : value}`);
    button.addEventListener('click', () => this.startEditing(finding));
    return button;
  }

  startEditing(finding) {
    this.editing = { finding, value: finding.value ?? '' };
    this.rendered = { first: -1, last: -1, count: -1 };
    this.render();
    this.list.querySelector('.editor')?.focus();
  }

  editor(finding) {
    const input = document.createElement('input');
    input.className = 'editor';
    input.value = this.editing.value;
    input.setAttribute('aria-label', `New value of ${finding.column || finding.field}, row ${finding.row}`);
    input.addEventListener('input', () => (this.editing.value = input.value));
    const end = (save) => {
      if (this.editing?.finding !== finding) return;
      const value = input.value;
      this.editing = null;
      this.rendered = { first: -1, last: -1, count: -1 };
      this.render();
      this.body.focus();
      if (save && value !== (finding.value ?? '')) this.dispatchEvent(new CustomEvent('rowgate-edit', { detail: { finding, value } }));
    };
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        end(true);
      } else if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        end(false);
      }
    });
    input.addEventListener('blur', () => end(false));
    return input;
  }
}

customElements.define('rowgate-findings-table', RowgateFindingsTable);
