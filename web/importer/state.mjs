// What <rowgate-importer> knows during one pass through its steps, declared here once.
// `reload()` starts a pass with `newState()`; a step that starts part of it again (another
// template, another file, another dry run) assigns that part's function anew, so that each
// field has one initial value, written here.

/// The format, encoding, delimiter and header choices of the file step ("auto" and "" detect),
/// and a workbook's sheet by name ("" reads the first visible one).
export function defaultOptions() {
  // header_row: 0 lets the core find the header (row 1 unless title rows come first).
  return { format: 'auto', encoding: 'auto', delimiter: '', no_header: false, header_row: 0, sheet: '' };
}

/// The choose step's part: the template `name`, its definition and context once fetched, and
/// the values chosen for every row of the file (field key → value).
export function templateChoice(name) {
  return { templateName: name, template: null, context: null, fixed: {}, teamMappings: [] };
}

/// The dry run step's part, as a dry run starts: its findings (`shown` is `findings` itself
/// unless a code filter is chosen), how many of each code, the running counts, the result once
/// done, what makes the file unusable or why the run failed, and when it started.
export function dryRunStart() {
  const findings = [];
  return {
    findings,
    shown: findings,
    codes: new Map(),
    rowValues: new Map(), // row -> values by field key, of the problem rows (for the column fixes)
    problemFieldSet: new Set(), // the fields those values name
    filter: '',
    counts: { bytes: 0, rows: 0, create: 0, update: 0, duplicate: 0, error: 0, warnings: 0 },
    result: null,
    fileErrorText: '',
    runError: '',
    startedAt: performance.now(),
    elapsed: undefined,
  };
}

/// A new pass, at the first step.
export function newState() {
  return {
    // Choose.
    ...templateChoice(''),
    // File: the chosen File, its options, and what the worker read from its start (the
    // detected input, the columns with the fields they map to, sample values).
    file: null,
    options: defaultOptions(),
    preview: null,
    // Map: the choices made by the person, column → field key ("" ignores the column).
    map: {},
    // Dry run: the worker's run while it goes (null once it ended), and what it found; the
    // person's edits of the file (an EditSet, for `editsFile`) and whether they were restored.
    run: null,
    edits: null,
    editsFile: null,
    editsRestored: false,
    exportedRows: null, // row -> cell texts by field, as "Download problem rows" wrote them
    ...dryRunStart(),
    // Import: the attempt on the server (its Idempotency-Key, the import's id, the parts
    // confirmed, whether it started), kept for "Try the import again"; and the token of the
    // following in progress, which a newer one or a new pass replaces.
    attempt: null,
    following: null,
  };
}

/// The options as the core takes them: only those chosen rather than detected.
export function coreOptions(options) {
  const out = {};
  if (options.format !== 'auto') out.format = options.format;
  if (options.encoding !== 'auto') out.encoding = options.encoding;
  if (options.delimiter) out.delimiter = options.delimiter;
  if (options.no_header) out.no_header = true;
  if (options.header_row) out.header_row = options.header_row;
  if (options.sheet) out.sheet = options.sheet;
  return out;
}
