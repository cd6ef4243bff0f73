// <rowgate-findings-table>: the dry run's problem rows (row, column, value, message), as a
// table that renders only the rows in view, so that 50,000 findings scroll as fast as 50.
//
//   table.show(rows)   // rows: an array of {row, column, value, code, severity, message}
//   table.refresh()    // after rows were appended to that array
//
// It is an ARIA table (role="table", aria-rowcount, aria-rowindex on each rendered row), and
// its scrolling body takes the keyboard focus, so arrows and Page Up/Down scroll it.

const ROW_HEIGHT = 28; // px, fixed: the position of row i is i * ROW_HEIGHT
const OVERSCAN = 8; // rows rendered above and below the view
const COLUMNS = [
  ['row', 'Row'],
  ['column', 'Column'],
  ['value', 'Value'],
  ['message', 'Problem'],
];

const STYLE = `
:host { display: block; font-size: 0.875rem; }
.table { border: 1px solid #c7ccd4; border-radius: 4px; }
.head, .row { display: grid; grid-template-columns: 5rem 11rem 13rem 1fr; align-items: center; }
.head { background: #eef1f5; font-weight: 600; border-bottom: 1px solid #c7ccd4; }
.cell { padding: 0 0.5rem; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.head .cell { padding: 0.35rem 0.5rem; }
.body { position: relative; overflow-y: auto; height: var(--rowgate-findings-height, 18rem); contain: strict; }
.body:focus-visible { outline: 3px solid #1d5fd1; outline-offset: -3px; }
.body[hidden] { display: none; }
.spacer { width: 1px; }
.rows { position: absolute; top: 0; left: 0; right: 0; }
.row { height: ${ROW_HEIGHT}px; border-bottom: 1px solid #eef1f5; }
.row.warning .code { color: #7a5200; }
.row.error .code { color: #a61b1b; }
.code { font-family: ui-monospace, monospace; font-size: 0.8em; margin-right: 0.4em; }
.empty { padding: 0.75rem; color: #4a5361; }
`;

export class RowgateFindingsTable extends HTMLElement {
  constructor() {
    super();
    this.rows = [];
    this.rendered = { first: -1, last: -1, count: -1 };
    this.frame = 0;
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `
      <style>${STYLE}</style>
      <div class="table" role="table" aria-rowcount="1">
        <div role="rowgroup"><div class="head" role="row" aria-rowindex="1">
          ${COLUMNS.map(([, title]) => `<div class="cell" role="columnheader">${title}</div>`).join('')}
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
  }

  connectedCallback() {
    this.table.setAttribute('aria-label', this.getAttribute('label') ?? 'Problem rows');
    this.body.setAttribute('aria-label', `${this.getAttribute('label') ?? 'Problem rows'}, scrollable`);
    this.schedule();
  }

  /// Shows `rows` (kept by reference: append to it, then call refresh()).
  show(rows) {
    this.rows = rows;
    this.rendered = { first: -1, last: -1, count: -1 };
    this.body.scrollTop = 0;
    this.schedule();
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
    this.spacer.style.height = `${count * ROW_HEIGHT}px`;
    const view = this.body.clientHeight || 300;
    const first = Math.max(0, Math.floor(this.body.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(count, Math.ceil((this.body.scrollTop + view) / ROW_HEIGHT) + OVERSCAN);
    const same = this.rendered.first === first && this.rendered.last === last;
    // Rows appended below the view change nothing on screen but the scroll height.
    if (same && (this.rendered.count === count || last < count)) return;
    this.rendered = { first, last, count };
    const fragment = document.createDocumentFragment();
    for (let i = first; i < last; i++) fragment.append(this.rowElement(this.rows[i], i));
    this.list.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    this.list.replaceChildren(fragment);
  }

  rowElement(finding, index) {
    const row = document.createElement('div');
    row.className = `row ${finding.severity}`;
    row.setAttribute('role', 'row');
    row.setAttribute('aria-rowindex', String(index + 2));
    const cells = [String(finding.row || ''), finding.column || '(whole row)', finding.value ?? '', null];
    for (const text of cells) {
      const cell = document.createElement('div');
      cell.className = 'cell';
      cell.setAttribute('role', 'cell');
      if (text === null) {
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
}

customElements.define('rowgate-findings-table', RowgateFindingsTable);
