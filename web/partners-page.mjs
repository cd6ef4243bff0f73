// The My Partners page (partners.html): the tenant's partners with search, filters, keyset
// pages, selection (rows, a page, or everything that matches), bulk group changes, CSV and Excel
// export, bulk edit through the widget (template partners_update), and the import history.

import { apiKeyField } from './api-key-field.mjs';
import { ApiError, KEY_STORAGE, RowgateApi } from './api.mjs';

const $ = (id) => document.getElementById(id);
const number = (n) => Number(n ?? 0).toLocaleString('en-US');

const api = new RowgateApi('/', () => sessionStorage.getItem(KEY_STORAGE) ?? '');

const state = {
  filter: {},
  cursors: [undefined], // cursors[i] opens page i
  page: 0,
  nextCursor: null,
  total: 0,
  items: [],
  selected: new Set(), // partner ids
  allMatching: false, // every partner matching `filter`, whatever the page
};

function say(message) {
  $('alert').textContent = message;
}

function failure(error) {
  return error instanceof ApiError ? error.message : `Something went wrong: ${error.message}. Reload the page and try again.`;
}

// ---- Partners -------------------------------------------------------------------------------

function readFilter() {
  const form = $('filters');
  const filter = {};
  for (const name of ['q', 'group', 'country', 'status']) {
    const value = form.elements[name].value.trim();
    if (value) filter[name] = name === 'country' ? value.toUpperCase() : value;
  }
  return filter;
}

// Each request for a page gets a number; an answer that comes after a newer request was sent
// (the filter changed meanwhile) is dropped, so the table never shows rows of an old filter
// under the new one. While a request is out the table says it is waiting.
let latestRequest = 0;

function showWaiting(waiting) {
  $('partners-table').setAttribute('aria-busy', String(waiting));
  $('partners-table').classList.toggle('loading', waiting);
  if (waiting) $('match-count').textContent = 'Finding the partners that match…';
}

async function loadPage() {
  const request = ++latestRequest;
  showWaiting(true);
  try {
    const limit = Number($('page-size').value);
    const page = await api.partners(state.filter, state.cursors[state.page], limit);
    if (request !== latestRequest) return;
    state.items = page.items;
    state.total = page.total;
    state.nextCursor = page.next_cursor;
    showWaiting(false);
    renderPartners();
    say('');
  } catch (error) {
    if (request !== latestRequest) return;
    showWaiting(false);
    $('match-count').textContent = '';
    say(failure(error));
  }
}

function search() {
  state.filter = readFilter();
  state.cursors = [undefined];
  state.page = 0;
  clearSelection();
  return loadPage();
}

/// Gives each cell of `table`'s body its column's name (data-label), which the page shows
/// beside the value where the table's rows are cards (a phone's width).
function labelCells(table) {
  const names = [...table.tHead.rows[0].cells].map((th) => th.textContent.trim());
  for (const tr of table.tBodies[0].rows) {
    if (tr.cells.length !== names.length) continue; // a row saying there is nothing
    [...tr.cells].forEach((td, i) => {
      if (names[i]) td.dataset.label = names[i];
    });
  }
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function renderPartners() {
  const body = $('partners-rows');
  body.replaceChildren();
  for (const p of state.items) {
    const tr = document.createElement('tr');
    const pick = document.createElement('td');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.setAttribute('aria-label', `Select ${p.name || p.email}`);
    box.checked = state.allMatching || state.selected.has(p.id);
    box.disabled = state.allMatching;
    box.addEventListener('change', () => {
      if (box.checked) state.selected.add(p.id);
      else state.selected.delete(p.id);
      renderSelection();
    });
    pick.append(box);
    tr.append(pick, cell(p.name), cell(p.partner_id), cell(p.email), cell(p.url, 'url'), cell(p.groups.join(', ')),
      cell(p.country), cell(p.status));
    body.append(tr);
  }
  if (!state.items.length) {
    const tr = document.createElement('tr');
    const td = cell('No partner matches.');
    td.colSpan = 8;
    tr.append(td);
    body.append(tr);
  }
  labelCells($('partners-table'));
  const first = state.items.length ? state.page * Number($('page-size').value) + 1 : 0;
  const last = first ? first + state.items.length - 1 : 0;
  $('match-count').textContent = `${number(state.total)} partner${state.total === 1 ? '' : 's'} match; showing ${number(first)}–${number(last)}.`;
  $('page-number').textContent = String(state.page + 1);
  $('previous-page').disabled = state.page === 0;
  $('next-page').disabled = !state.nextCursor;
  renderSelection();
}

// ---- Selection and bulk actions -------------------------------------------------------------

function selectionCount() {
  return state.allMatching ? state.total : state.selected.size;
}

function renderSelection() {
  const n = selectionCount();
  $('selection-status').textContent = state.allMatching
    ? `All ${number(n)} matching partners selected.`
    : n ? `${number(n)} partner${n === 1 ? '' : 's'} selected.` : 'No partner selected.';
  const pageBox = $('select-page');
  const onPage = state.items.filter((p) => state.selected.has(p.id)).length;
  pageBox.checked = state.allMatching || (state.items.length > 0 && onPage === state.items.length);
  pageBox.indeterminate = !state.allMatching && onPage > 0 && onPage < state.items.length;
  pageBox.disabled = state.allMatching;
  $('clear-selection').disabled = n === 0;
  $('select-matching').disabled = state.allMatching || state.total === 0;
  const canChange = n > 0 && $('bulk-group').value !== '';
  $('add-group').disabled = !canChange;
  $('remove-group').disabled = !canChange;
}

function clearSelection() {
  state.selected.clear();
  state.allMatching = false;
}

async function changeGroups(which) {
  const group = $('bulk-group').value;
  const body = { [which]: [group] };
  if (state.allMatching) body.filter = state.filter;
  else body.ids = [...state.selected];
  try {
    const { changed } = await api.changeGroups(body);
    const verb = which === 'add' ? `added to "${group}"` : `removed from "${group}"`;
    clearSelection();
    await loadPage();
    $('selection-status').textContent = `${number(changed)} partner${changed === 1 ? '' : 's'} ${verb}.`;
  } catch (error) {
    say(failure(error));
  }
}

async function loadGroups() {
  try {
    const { items } = await api.groups();
    const filterGroup = $('filter-group');
    const chosen = filterGroup.value;
    filterGroup.replaceChildren(new Option('Any group', ''), ...items.map((g) => new Option(g, g)));
    filterGroup.value = chosen;
    $('bulk-group').replaceChildren(new Option('Choose a group', ''), ...items.map((g) => new Option(g, g)));
  } catch (error) {
    say(failure(error));
  }
}

// ---- Import history -------------------------------------------------------------------------

function fileLink(job, which) {
  const link = document.createElement('a');
  link.href = job.files[which];
  link.textContent = which === 'errors' ? 'Errors' : 'Results';
  link.setAttribute('aria-label', `${which === 'errors' ? 'Errors' : 'Results'} file of the import of ${new Date(job.created_at * 1000).toLocaleString()}`);
  link.addEventListener('click', (event) => {
    event.preventDefault();
    api.download(job.files[which], `${job.id}-${which}.csv`).catch((error) => say(failure(error)));
  });
  return link;
}

/// The templates' titles by name, for the history; a name the server does not list stays as is.
async function templateTitles() {
  try {
    const { items } = await api.templates();
    return new Map(items.map((t) => [t.name, t.title || t.name]));
  } catch {
    return new Map();
  }
}

// The history names each import's template by its title. The API does not keep the uploaded
// file's name, so the history cannot show it, and its files are named after the import's id.
async function loadHistory() {
  try {
    const [{ items }, titles] = await Promise.all([api.imports(50), templateTitles()]);
    const body = $('history-rows');
    body.replaceChildren();
    for (const job of items) {
      const s = job.summary;
      const tr = document.createElement('tr');
      const files = document.createElement('td');
      if (job.files) files.append(fileLink(job, 'errors'), ' ', fileLink(job, 'results'));
      tr.append(
        cell(new Date(job.created_at * 1000).toLocaleString()),
        cell(titles.get(job.template) ?? job.template),
        cell(job.dry_run ? 'dry run' : 'import'),
        cell(job.error ? `${job.status}: ${job.error}` : job.status),
        cell(s ? number(s.rows) : '–'),
        cell(s ? number(s.create) : '–'),
        cell(s ? number(s.update) : '–'),
        cell(s ? number(s.duplicate) : '–'),
        cell(job.counts ? number(job.counts.error) : '–'),
        files,
      );
      body.append(tr);
    }
    if (!items.length) {
      const tr = document.createElement('tr');
      const td = cell('No import yet.');
      td.colSpan = 10;
      tr.append(td);
      body.append(tr);
    }
    labelCells($('history-table'));
  } catch (error) {
    say(failure(error));
  }
}

// ---- Wiring ---------------------------------------------------------------------------------

function refreshAll() {
  loadGroups();
  search();
  loadHistory();
}

$('filters').addEventListener('submit', (event) => {
  event.preventDefault();
  search();
});
$('filters').addEventListener('reset', () => setTimeout(search));
for (const id of ['filter-group', 'filter-status']) $(id).addEventListener('change', search);
$('page-size').addEventListener('change', search);
$('next-page').addEventListener('click', () => {
  state.cursors[state.page + 1] = state.nextCursor;
  state.page += 1;
  loadPage();
});
$('previous-page').addEventListener('click', () => {
  state.page -= 1;
  loadPage();
});
$('select-page').addEventListener('change', (event) => {
  for (const p of state.items) {
    if (event.target.checked) state.selected.add(p.id);
    else state.selected.delete(p.id);
  }
  renderPartners();
});
$('select-matching').addEventListener('click', () => {
  state.allMatching = true;
  renderPartners();
});
$('clear-selection').addEventListener('click', () => {
  clearSelection();
  renderPartners();
});
$('bulk-group').addEventListener('change', renderSelection);
$('add-group').addEventListener('click', () => changeGroups('add'));
$('remove-group').addEventListener('click', () => changeGroups('remove'));
$('export').addEventListener('click', () => {
  api.download('/api/v1/partners/export.csv', 'partners.csv', state.filter).catch((error) => say(failure(error)));
});
$('export-xlsx').addEventListener('click', () => {
  api.download('/api/v1/partners/export.xlsx', 'partners.xlsx', state.filter).catch((error) => say(failure(error)));
});
$('bulk-edit').addEventListener('click', () => {
  const dialog = $('bulk-dialog');
  $('bulk-importer').reload();
  dialog.showModal();
});
$('close-bulk').addEventListener('click', () => $('bulk-dialog').close());
$('bulk-dialog').addEventListener('close', () => $('bulk-edit').focus());
document.addEventListener('rowgate-imported', () => {
  loadPage();
  loadHistory();
});

apiKeyField($('key-form'), refreshAll);
if (!sessionStorage.getItem(KEY_STORAGE)) say('Enter your API key to see your partners.');
