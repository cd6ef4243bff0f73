// The baseline of the workbook benchmark: what a web team would write by hand to read an
// uploaded workbook with SheetJS (the `xlsx` package, 0.18.5, from package.json): the whole
// workbook, then the first sheet as one object a row, and the count printed.
//
//   node bench/xlsx/sheetjs_read.mjs FILE.xlsx
//
// bench/xlsx/run.sh times it against `rowgate check` on the same file.
import XLSX from 'xlsx';

if (process.argv.length !== 3) {
  console.error('usage: node bench/xlsx/sheetjs_read.mjs FILE.xlsx');
  process.exit(2);
}
const workbook = XLSX.readFile(process.argv[2]);
const rows = XLSX.utils.sheet_to_json(workbook.Sheets[workbook.SheetNames[0]]);
console.log(`${rows.length} rows`);
