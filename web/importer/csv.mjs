// CSV as the widget writes it for sample files (reports such as the errors file come from the
// core): RFC 4180 quoting, CRLF line ends, and formula injection neutralised as ARCHITECTURE.md
// asks of every CSV written for users (a cell starting with =, +, -, @, tab or CR gets a ').

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
