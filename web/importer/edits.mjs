// A person's edits of the chosen file, as the core takes them (docs/edits.md):
// {"edits": {"ROW": {"COLUMN": "VALUE"}}, "skip": [ROW], "columns": [FIX]}, a FIX being
// {"column": C, "replace": {FROM: TO}}, {"column": C, "trim": true} or {"column": C, "lower": true}.
// The page never rewrites the file; the core applies the edits as it reads, in the dry run here
// and again on the server, the column fixes to every row of the file.
//
// EditSet keeps them with their undo and redo, and in this browser's storage for the same file
// (its name, size and a hash of its first MiB), so that a reload does not lose a person's work.

const STORAGE_PREFIX = 'rowgate-edits:';
const HISTORY = 100; // undo steps kept
const HASHED_BYTES = 1 << 20;

export class EditSet {
  constructor() {
    this.rows = new Map(); // row -> Map(column -> value)
    this.skip = new Set();
    this.columns = []; // column fixes, in the order they apply
    this.undoStack = [];
    this.redoStack = [];
    this.storageKey = '';
  }

  get empty() {
    return this.rows.size === 0 && this.skip.size === 0 && this.columns.length === 0;
  }

  get cellCount() {
    let n = 0;
    for (const cells of this.rows.values()) n += cells.size;
    return n;
  }

  get canUndo() {
    return this.undoStack.length > 0;
  }

  get canRedo() {
    return this.redoStack.length > 0;
  }

  /// The value an edit gives to `column` of `row`, or undefined.
  valueOf(row, column) {
    return this.rows.get(row)?.get(column);
  }

  /// The edits as the core takes them (rows in order), or null when there are none.
  document() {
    if (this.empty) return null;
    const edits = {};
    for (const row of [...this.rows.keys()].sort((a, b) => a - b)) edits[row] = Object.fromEntries(this.rows.get(row));
    const doc = { edits, skip: [...this.skip].sort((a, b) => a - b) };
    if (this.columns.length) doc.columns = this.columns.map((fix) => ({ ...fix }));
    return doc;
  }

  /// Changes the edits as one step that undo takes back: `set` is [{row, column, value}],
  /// `skip` rows to leave out, `unskip` rows to take back in, `columns` column fixes to add.
  /// Answers how many things changed.
  change({ set = [], skip = [], unskip = [], columns = [] }) {
    const before = this.snapshot();
    let changed = 0;
    for (const { row, column, value } of set) {
      if (!(row >= 1) || !column) continue;
      let cells = this.rows.get(row);
      if (!cells) this.rows.set(row, (cells = new Map()));
      if (cells.get(column) !== value) {
        cells.set(column, value);
        changed++;
      }
    }
    for (const row of skip) if (row >= 1 && !this.skip.has(row)) (this.skip.add(row), changed++);
    for (const row of unskip) if (this.skip.delete(row)) changed++;
    for (const fix of columns) (this.columns.push(checkFix(fix)), changed++);
    if (changed) this.remember(before);
    return changed;
  }

  /// Replaces every edit with those of `doc` (an uploaded edits file), as one step.
  replace(doc) {
    const next = parseDocument(doc);
    const before = this.snapshot();
    Object.assign(this, next);
    this.remember(before);
  }

  /// Adds the edits of `doc` to these (a corrected problem-rows file), as one step.
  merge(doc) {
    const more = parseDocument(doc);
    const set = [];
    for (const [row, cells] of more.rows) for (const [column, value] of cells) set.push({ row, column, value });
    return this.change({ set, skip: [...more.skip], columns: more.columns });
  }

  clear() {
    if (this.empty) return;
    const before = this.snapshot();
    this.rows = new Map();
    this.skip = new Set();
    this.columns = [];
    this.remember(before);
  }

  undo() {
    if (!this.canUndo) return false;
    this.redoStack.push(this.snapshot());
    this.restore(this.undoStack.pop());
    this.save();
    return true;
  }

  redo() {
    if (!this.canRedo) return false;
    this.undoStack.push(this.snapshot());
    this.restore(this.redoStack.pop());
    this.save();
    return true;
  }

  remember(before) {
    this.undoStack.push(before);
    if (this.undoStack.length > HISTORY) this.undoStack.shift();
    this.redoStack = [];
    this.save();
  }

  snapshot() {
    return JSON.stringify(this.document() ?? {});
  }

  restore(text) {
    Object.assign(this, parseDocument(JSON.parse(text)));
  }

  /// Ties the edits to `file` and loads those kept for it by an earlier visit.
  async attach(file) {
    this.storageKey = STORAGE_PREFIX + (await fileFingerprint(file));
    let kept = null;
    try {
      kept = localStorage.getItem(this.storageKey);
    } catch {
      kept = null; // storage refused (a private window): the edits live as long as the page
    }
    if (!kept) return false;
    try {
      Object.assign(this, parseDocument(JSON.parse(kept)));
      return !this.empty;
    } catch {
      return false;
    }
  }

  save() {
    if (!this.storageKey) return;
    try {
      if (this.empty) localStorage.removeItem(this.storageKey);
      else localStorage.setItem(this.storageKey, JSON.stringify(this.document()));
    } catch {
      // Full or refused: the edits still work on this page; only a reload would lose them.
    }
  }
}

/// Reads an edits document ({edits: {ROW: {COLUMN: VALUE}}, skip: [ROW], columns: [FIX]});
/// throws with what is wrong, in a sentence for the page.
export function parseDocument(doc) {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('an edits file is a JSON object with "edits", "skip" and "columns"');
  const rows = new Map();
  const skip = new Set();
  for (const [rowText, cells] of Object.entries(doc.edits ?? {})) {
    const row = Number(rowText);
    if (!/^[1-9][0-9]*$/.test(rowText)) throw new Error(`"edits" names row "${rowText}"; rows are numbers from 1`);
    if (!cells || typeof cells !== 'object' || Array.isArray(cells)) throw new Error(`the edits of row ${rowText} must be an object of column: value`);
    const map = new Map();
    for (const [column, value] of Object.entries(cells)) {
      if (value !== null && typeof value === 'object') throw new Error(`the edit of row ${rowText}, column "${column}" must be a value`);
      map.set(column, value === null ? '' : String(value));
    }
    if (map.size) rows.set(row, map);
  }
  for (const row of doc.skip ?? []) {
    const n = Number(row);
    if (!Number.isInteger(n) || n < 1) throw new Error(`"skip" holds ${JSON.stringify(row)}; rows are numbers from 1`);
    skip.add(n);
  }
  if (doc.columns !== undefined && !Array.isArray(doc.columns)) throw new Error('"columns" must be a list of column fixes');
  const columns = (doc.columns ?? []).map(checkFix);
  return { rows, skip, columns };
}

/// A column fix as the core takes it, or an Error saying what is wrong with it.
function checkFix(fix) {
  const keys = fix && typeof fix === 'object' ? Object.keys(fix) : [];
  const ok =
    keys.length === 2 &&
    typeof fix.column === 'string' &&
    fix.column !== '' &&
    (fix.trim === true ||
      fix.lower === true ||
      (fix.replace && typeof fix.replace === 'object' && !Array.isArray(fix.replace) && Object.keys(fix.replace).length > 0 &&
        Object.values(fix.replace).every((to) => typeof to === 'string')));
  if (!ok) throw new Error(`${JSON.stringify(fix)} is not a column fix ({"column": C, "replace": {FROM: TO}}, "trim": true or "lower": true)`);
  return fix.replace ? { column: fix.column, replace: { ...fix.replace } } : { ...fix };
}

/// The file's name, size and a hash (FNV-1a, 32 bits) of its first MiB: the same file chosen
/// again, after a reload, finds its edits; another file with the same name does not.
export async function fileFingerprint(file) {
  const bytes = new Uint8Array(await file.slice(0, HASHED_BYTES).arrayBuffer());
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i];
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${file.size}:${hash.toString(16).padStart(8, '0')}:${file.name}`;
}
