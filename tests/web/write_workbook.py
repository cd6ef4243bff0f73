"""Writes a small Excel workbook (.xlsx) for the web tests: python3 write_workbook.py OUT SHEETS

SHEETS is JSON: [{"name": "Contacts", "rows": [["Partner Name", ...], [...]], "hidden": false,
"dimension": true}, ...]. Text goes in inline strings, numbers in number cells; "dimension": false
leaves out the sheet's <dimension> (its row count then is not known before it is read), and
"hidden": true marks the sheet hidden, as Excel's "Hide" does. Standard library only."""
import json
import sys
import zipfile
from xml.sax.saxutils import escape

MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def letters(i):
    s = ""
    i += 1
    while i:
        i, m = divmod(i - 1, 26)
        s = chr(65 + m) + s
    return s


def cell(ref, value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return '<c r="%s"><v>%s</v></c>' % (ref, value)
    return '<c r="%s" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>' % (ref, escape(str(value)))


def sheet_xml(sheet):
    rows = sheet["rows"]
    width = max(len(row) for row in rows)
    dimension = '<dimension ref="A1:%s%d"/>' % (letters(width - 1), len(rows)) if sheet.get("dimension", True) else ""
    data = "".join('<row r="%d">%s</row>' % (r, "".join(cell("%s%d" % (letters(c), r), v) for c, v in enumerate(row)))
                   for r, row in enumerate(rows, start=1))
    return HEAD + "<worksheet %s>%s<sheetData>%s</sheetData></worksheet>" % (MAIN, dimension, data)


def main():
    out, sheets = sys.argv[1], json.loads(sys.argv[2])
    numbers = range(1, len(sheets) + 1)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="%s.sheet.main+xml"/>%s</Types>'
                   % (TYPES, "".join('<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="%s.worksheet+xml"/>' % (n, TYPES)
                                     for n in numbers)))
        z.writestr("_rels/.rels", HEAD + '<Relationships %s><Relationship Id="rId1" Type="%s/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>' % (PACKAGE, REL))
        z.writestr("xl/workbook.xml", HEAD + '<workbook %s xmlns:r="%s"><sheets>%s</sheets></workbook>' % (MAIN, REL, "".join(
            '<sheet name="%s" sheetId="%d"%s r:id="rId%d"/>'
            % (escape(s["name"], {'"': "&quot;"}), n, ' state="hidden"' if s.get("hidden") else "", n)
            for n, s in zip(numbers, sheets))))
        z.writestr("xl/_rels/workbook.xml.rels", HEAD + "<Relationships %s>%s</Relationships>" % (PACKAGE, "".join(
            '<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>' % (n, REL, n) for n in numbers)))
        for n, sheet in zip(numbers, sheets):
            z.writestr("xl/worksheets/sheet%d.xml" % n, sheet_xml(sheet))


if __name__ == "__main__":
    main()
