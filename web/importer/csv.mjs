// CSV as the widget writes it for sample files (reports such as the errors file come from the
// core): RFC 4180 quoting, CRLF line ends, and formula injection neutralised as ARCHITECTURE.md
// asks of every CSV written for users (a cell starting with =, +, -, @, tab or CR gets a ').
// And the reading of the server's own report files (csvRecords), which the core wrote.

const FORMULA_START = /^[=+\-@\t\r]/;

/// One cell, neutralised and quoted when it needs to be.
export function csvCell(value) {
  let text = value === undefined || value === null ? '' : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/// One line of cells, ending in CRLF.
export function csvLine(cells) {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/// The records of a CSV as the core writes its reports (RFC 4180: quoted cells, doubled quotes,
/// CRLF), as objects by header. Not for people's files: those are read by the core.
export function csvRecords(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') cell += c;
      else if (text[i + 1] === '"') (cell += '"', i++);
      else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') (row.push(cell), (cell = ''));
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) (row.push(cell), rows.push(row));
  const [header = [], ...records] = rows;
  return records.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
}
