#!/usr/bin/env python3
"""Writes the Excel workbook (.xlsx) cases of the shared test vectors.

Run from anywhere:  python3 tests/vectors/make_xlsx_vectors.py

For each xlsx_* case below it (re)writes input.xlsx, args, about.txt and, for the prospects
template, context.json (a copy of csv_crlf/context.json). It never writes expected.json or
expected_results.jsonl: those are made by the vector runner and read by a person, as for every
other case.

Python 3 standard library only. The output is deterministic: every ZIP entry has the date
1980-01-01 00:00:00, the entries are written in a fixed order, and nothing depends on the clock
or the platform, so running it again gives byte-identical files (deflated bytes come from zlib;
a different zlib version could in principle compress differently).

Workbooks are laid out as Excel writes them: [Content_Types].xml, _rels/.rels, xl/workbook.xml,
xl/_rels/workbook.xml.rels, xl/worksheets/sheetN.xml, xl/styles.xml and then
xl/sharedStrings.xml (after the sheets, as Excel orders the archive).

The input.xlsx of xlsx_libreoffice_prospects and xlsx_libreoffice_participants is not written
here: each was saved once by LibreOffice (see LIBREOFFICE_CASES below) and committed as it came
out; this script writes only their args, about.txt and context.json.

Two ZIP layouts are written record by record (write_raw_zip) rather than with zipfile: zipfile
writes a data descriptor only to an unseekable file (on a seekable one it goes back and fills in
the local header), and force_zip64=True puts a ZIP64 extra field in the local headers only, not
in the central directory.
"""
import os
import shutil
import struct
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CONTEXT_SOURCE = os.path.join(HERE, "csv_crlf", "context.json")

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
CT_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
REL_OFFICE_DOCUMENT = NS_R + "/officeDocument"
REL_WORKSHEET = NS_R + "/worksheet"
REL_STYLES = NS_R + "/styles"
REL_SHARED_STRINGS = NS_R + "/sharedStrings"

DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
DATE_TIME = (1980, 1, 1, 0, 0, 0)

PROSPECTS_HEADER = ["Partner Name", "Contact Email", "Media Property", "Group Name", "Contact First Name",
                    "Contact Last Name", "Description", "Partner ID", "Country"]

# The LibreOffice-written cases. Their input.xlsx files are not written by this script (only
# their args, about.txt and context.json are): each was saved once by LibreOffice Calc
# 7.4.7.2 40(Build:2) (Debian package libreoffice-calc-nogui 4:7.4.7-1+deb12u14, LANG=C.UTF-8)
# from the CSV text below and committed as it came out:
#
#   xlsx_libreoffice_prospects, from LIBREOFFICE_CSV saved as prospects.csv:
#     soffice -env:UserInstallation=file:///tmp/lo/profile --headless \
#       --infilter="CSV:44,34,76,1,1/1/2/1/3/1/4/1/5/1/6/1/7/1/8/2/9/1/10/1" \
#       --convert-to xlsx --outdir out prospects.csv
#   (column 8, Partner ID, imported as text, so "00417" keeps its zeros; the other columns
#   "Standard": the ISO dates of "Signed Up" become date serials with the format yyyy\-mm\-dd)
#
#   xlsx_libreoffice_participants, from LIBREOFFICE_PARTICIPANTS_CSV saved as participants.csv:
#     soffice -env:UserInstallation=file:///tmp/lo/profile --headless \
#       --convert-to xlsx --outdir out participants.csv
#   (the default CSV import: 12345 and "007" become the numbers 12345 and 7, TRUE/FALSE stay text,
#   ISO dates become date serials, "2022-12-31 10:30" stays text)
#
# Calc writes [Content_Types].xml last in the ZIP, docProps/ parts, t="s" and t="n" on every
# cell, and the entries' dates are the time of the conversion.
LIBREOFFICE_CASES = ("xlsx_libreoffice_prospects", "xlsx_libreoffice_participants")
LIBREOFFICE_CSV = (
    "Partner Name,Contact Email,Media Property,Group Name,Contact First Name,Contact Last Name,"
    "Description,Partner ID,Country,Signed Up\n"
    "Blue Harbor Media,ana@example.com,https://www.blueharbor.com/,Mass Media,Ana,Silva,Reviews,00417,PT,2024-02-29\n"
    "Savvy Saver,bo@example.org,http://savvysaver.net/about?ref=bo,Podcasts,Bo,Lee,,1002,US,2023-03-15\n"
    "\"Smith, Jones & Associates\",cy@example.net,https://instagram.com/cy123,\"Coupon, Deal & Cashback Sites\","
    "Cy,Smith,\"Deals, coupons\",1003,GB,2022-12-31\n"
    "Trail Notes,dee@example.com,https://trailnotes.example.com/,Bloggers - Lifestyle,Dee,Park,Hiking blog,1004,CA,"
    "2021-07-04\n"
    "Coin Sense,eli@example.com,https://coinsense.example.com/,Bloggers - Finance,Eli,Novak,,1005,DE,2020-01-01\n"
    "Gadget Lab,fay@example.com,https://gadgetlab.example.com/,Tech Review Sites,Fay,Okafor,Reviews gadgets,1006,NG,"
    "2019-11-30\n"
    "Bad Mail Ltd,not-an-email,https://badmail.example.com/,Podcasts,Gus,Reyes,,1007,MX,2018-05-06\n"
    "Nowhere Group,hal@example.com,https://nowhere.example.com/,Influencers - Tier 9,Hal,Berg,,1008,SE,2017-08-09\n"
)
LIBREOFFICE_PARTICIPANTS_CSV = (
    "accountId,id,firstName,lastName,email,referable,countryCode,dateCreated,dateUsTaxFormSubmitted,"
    "customFields.tier\n"
    "acct-1,u1,Ana,Silva,ana@example.com,TRUE,PT,2024-02-29,1700000000000,gold\n"
    "12345,u2,Bo,Lee,bo@example.org,FALSE,US,2023-03-15,,silver\n"
    "acct-3,007,Cy,Smith,cy@example.net,TRUE,GB,2022-12-31 10:30,,\n"
    "acct-4,u4,Dee,Park,dee@example.com,,CA,,42,bronze\n"
)


# ---------------------------------------------------------------------------------------------
# XML pieces

def esc(text):
    """Text content as Excel writes it: & < > escaped, quotes left alone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def t_elem(text, tag="t"):
    """A <t> element; xml:space="preserve" when the text starts or ends with white space."""
    if text != text.strip():
        return '<%s xml:space="preserve">%s</%s>' % (tag, esc(text), tag)
    return "<%s>%s</%s>" % (tag, esc(text), tag)


def col_letters(index):
    """0 -> A, 25 -> Z, 26 -> AA."""
    s = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        s = chr(65 + rem) + s
    return s


class SharedStrings:
    """The shared-string table. add() reuses an entry for the same plain text, as Excel does."""

    def __init__(self):
        self.items = []
        self.index = {}
        self.uses = 0

    def add(self, text):
        self.uses += 1
        k = self.index.get(text)
        if k is None:
            k = self.index[text] = len(self.items)
            self.items.append("<si>%s</si>" % t_elem(text))
        return k

    def add_raw(self, si_xml):
        """An <si> element written as given (rich text, phonetic runs, escapes)."""
        self.uses += 1
        self.items.append(si_xml)
        return len(self.items) - 1

    def xml(self, prefix=""):
        body = "".join(self.items)
        if prefix:
            body = prefix_tags(body, prefix)
            return (DECL + '<%ssst xmlns:%s="%s" count="%d" uniqueCount="%d">%s</%ssst>'
                    % (prefix, prefix[:-1], NS_MAIN, self.uses, len(self.items), body, prefix))
        return DECL + '<sst xmlns="%s" count="%d" uniqueCount="%d">%s</sst>' % (
            NS_MAIN, self.uses, len(self.items), body)


def prefix_tags(xml, prefix):
    """Puts `prefix` on every element name of a fragment (no declarations or comments in it)."""
    out = []
    i = 0
    while True:
        j = xml.find("<", i)
        if j < 0:
            out.append(xml[i:])
            return "".join(out)
        out.append(xml[i:j + 1])
        if xml[j + 1] == "/":
            out.append("/" + prefix)
            i = j + 2
        else:
            out.append(prefix)
            i = j + 1


class Raw(str):
    """A whole <c> element written as given; {r} in it is replaced by the cell reference."""


def cell_xml(ref, value, sst):
    """One cell: str -> shared string, int/float -> number, Raw -> as given, None -> no cell."""
    if value is None:
        return ""
    if isinstance(value, Raw):
        return value.replace("{r}", ref)
    if isinstance(value, bool):
        return '<c r="%s" t="b"><v>%d</v></c>' % (ref, int(value))
    if isinstance(value, (int, float)):
        return '<c r="%s"><v>%s</v></c>' % (ref, repr(value))
    return '<c r="%s" t="s"><v>%d</v></c>' % (ref, sst.add(value))


def rows_xml(rows, sst, first_row=1):
    """rows: list of lists of cell values (see cell_xml), or (row_number, values) pairs."""
    out = []
    r = first_row
    for row in rows:
        if isinstance(row, tuple):
            r, row = row
        cells = "".join(cell_xml("%s%d" % (col_letters(i), r), v, sst) for i, v in enumerate(row))
        last = max([i + 1 for i, v in enumerate(row) if v is not None] or [0])
        if cells:
            out.append('<row r="%d" spans="1:%d">%s</row>' % (r, last, cells))
        r += 1
    return "".join(out)


def worksheet(sheet_data, dimension="A1"):
    """A worksheet part around the inside of <sheetData> (None: an empty <sheetData/>)."""
    data = "<sheetData/>" if sheet_data is None else "<sheetData>%s</sheetData>" % sheet_data
    return (DECL + '<worksheet xmlns="%s" xmlns:r="%s"><dimension ref="%s"/>'
            '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>%s'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            '</worksheet>' % (NS_MAIN, NS_R, dimension, data))


def inline_sheet(text):
    """A small sheet holding one inline string in A1 (for the "Notes" and "Summary" sheets)."""
    return worksheet('<row r="1" spans="1:1"><c r="A1" t="inlineStr"><is>%s</is></c></row>' % t_elem(text))


STYLES_PLAIN = (
    DECL + '<styleSheet xmlns="%s">'
    '<fonts count="1"><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>'
    '<scheme val="minor"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium2" '
    'defaultPivotStyle="PivotStyleLight16"/></styleSheet>' % NS_MAIN)

# Cell styles of the typed-value cases: s="1" built-in date format 14, s="2" the custom format
# 164 (yyyy-mm-dd), s="3" General (numFmtId 0) in a bold font; s="0" is the default, General.
S_DATE14, S_DATE164, S_GENERAL = 1, 2, 3
STYLES_DATES = (
    DECL + '<styleSheet xmlns="%s">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd;@"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>'
    '<scheme val="minor"/></font><font><b/><sz val="11"/><color theme="1"/><name val="Calibri"/>'
    '<family val="2"/><scheme val="minor"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium2" '
    'defaultPivotStyle="PivotStyleLight16"/></styleSheet>' % NS_MAIN)


class Sheet:
    def __init__(self, name, xml, part=None, sheet_id=None, rid=None, target=None):
        self.name, self.xml = name, xml
        self.part, self.sheet_id, self.rid, self.target = part, sheet_id, rid, target


def workbook_entries(sheets, sst, styles=STYLES_PLAIN, date1904=False, sheet_order=None):
    """The (name, bytes) entries of a workbook, in Excel's order. Sheets default to
    xl/worksheets/sheetN.xml, sheetId N, rIdN and the relative Target worksheets/sheetN.xml;
    sheet_order gives the ZIP order of the sheet parts (by index into sheets)."""
    n = len(sheets)
    for i, s in enumerate(sheets, start=1):
        s.part = s.part or "xl/worksheets/sheet%d.xml" % i
        s.sheet_id = s.sheet_id or i
        s.rid = s.rid or "rId%d" % i
        s.target = s.target or s.part[len("xl/"):]
    content_types = (
        DECL + '<Types xmlns="%s">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="%s.sheet.main+xml"/>' % (NS_CT, CT_SML)
        + "".join('<Override PartName="/%s" ContentType="%s.worksheet+xml"/>' % (s.part, CT_SML)
                  for s in sorted(sheets, key=lambda s: s.part))
        + '<Override PartName="/xl/styles.xml" ContentType="%s.styles+xml"/>' % CT_SML
        + '<Override PartName="/xl/sharedStrings.xml" ContentType="%s.sharedStrings+xml"/>' % CT_SML
        + "</Types>")
    package_rels = (DECL + '<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s" '
                    'Target="xl/workbook.xml"/></Relationships>' % (NS_PKG_REL, REL_OFFICE_DOCUMENT))
    workbook_pr = '<workbookPr date1904="1" defaultThemeVersion="164011"/>' if date1904 else \
        '<workbookPr defaultThemeVersion="164011"/>'
    workbook = (DECL + '<workbook xmlns="%s" xmlns:r="%s">%s'
                '<bookViews><workbookView xWindow="0" yWindow="0" windowWidth="28800" windowHeight="12300"/>'
                '</bookViews><sheets>%s</sheets><calcPr calcId="191029"/></workbook>'
                % (NS_MAIN, NS_R, workbook_pr,
                   "".join('<sheet name="%s" sheetId="%d" r:id="%s"/>' % (esc(s.name), s.sheet_id, s.rid)
                           for s in sheets)))
    rels = sorted(((s.rid, REL_WORKSHEET, s.target) for s in sheets), key=lambda r: int(r[0][3:]))
    rels += [("rId%d" % (n + 1), REL_STYLES, "styles.xml"), ("rId%d" % (n + 2), REL_SHARED_STRINGS,
                                                             "sharedStrings.xml")]
    workbook_rels = (DECL + '<Relationships xmlns="%s">%s</Relationships>' % (
        NS_PKG_REL, "".join('<Relationship Id="%s" Type="%s" Target="%s"/>' % r for r in rels)))
    order = sheet_order or range(n)
    entries = [("[Content_Types].xml", content_types), ("_rels/.rels", package_rels),
               ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", workbook_rels)]
    entries += [(sheets[i].part, sheets[i].xml) for i in order]
    entries += [("xl/styles.xml", styles), ("xl/sharedStrings.xml", sst.xml())]
    return [(name, data.encode("utf-8") if isinstance(data, str) else data) for name, data in entries]


# ---------------------------------------------------------------------------------------------
# ZIP writers

def zip_info(name, method=zipfile.ZIP_DEFLATED):
    zi = zipfile.ZipInfo(name, date_time=DATE_TIME)
    zi.compress_type = method
    zi.create_system = 0  # the same on every platform
    zi.external_attr = 0
    return zi


def write_zip(path, entries, level=6, methods=None):
    """Writes entries with zipfile; methods maps a name to ZIP_STORED or ZIP_DEFLATED."""
    methods = methods or {}
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries:
            z.writestr(zip_info(name, methods.get(name, zipfile.ZIP_DEFLATED)), data, compresslevel=level)


DOS_TIME, DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00:00


def deflate(data, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def write_raw_zip(path, entries):
    """A ZIP written record by record, for what zipfile does not write on a seekable file:
    entries are dicts with name, data, method (0 stored, 8 deflated), descriptor (bit 3 set,
    CRC and sizes zero in the local header, a signed data descriptor after the data) and zip64
    (sizes 0xFFFFFFFF with a ZIP64 extra field in the local header, sizes and local-header offset
    in a ZIP64 extra field of the central directory, and a ZIP64 end record and locator)."""
    out = bytearray()
    central = []
    any_zip64 = False
    for e in entries:
        name = e["name"].encode("utf-8")
        data = e["data"]
        method = e.get("method", 8)
        comp = deflate(data) if method == 8 else data
        crc = zlib.crc32(data) & 0xFFFFFFFF
        flags = 0x08 if e.get("descriptor") else 0
        zip64 = e.get("zip64", False)
        any_zip64 |= zip64
        version = 45 if zip64 else 20
        offset = len(out)
        if zip64:
            local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(comp))
            l_crc, l_csize, l_usize = crc, 0xFFFFFFFF, 0xFFFFFFFF
        else:
            local_extra = b""
            l_crc, l_csize, l_usize = crc, len(comp), len(data)
        if flags & 0x08:
            l_crc = 0
            if not zip64:
                l_csize = l_usize = 0
        out += struct.pack("<4sHHHHHLLLHH", b"PK\x03\x04", version, flags, method, DOS_TIME, DOS_DATE,
                           l_crc, l_csize, l_usize, len(name), len(local_extra)) + name + local_extra
        out += comp
        if flags & 0x08:
            if zip64:
                out += struct.pack("<4sLQQ", b"PK\x07\x08", crc, len(comp), len(data))
            else:
                out += struct.pack("<4sLLL", b"PK\x07\x08", crc, len(comp), len(data))
        if zip64:
            c_extra = struct.pack("<HHQQQ", 1, 24, len(data), len(comp), offset)
            c_csize = c_usize = c_offset = 0xFFFFFFFF
        else:
            c_extra = b""
            c_csize, c_usize, c_offset = len(comp), len(data), offset
        central.append(struct.pack("<4sHHHHHHLLLHHHHHLL", b"PK\x01\x02", version, version, flags, method,
                                   DOS_TIME, DOS_DATE, crc, c_csize, c_usize, len(name), len(c_extra), 0, 0,
                                   0, 0, c_offset) + name + c_extra)
    cd_offset = len(out)
    for c in central:
        out += c
    cd_size = len(out) - cd_offset
    n = len(central)
    if any_zip64:
        eocd64_offset = len(out)
        out += struct.pack("<4sQHHLLQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, cd_size, cd_offset)
        out += struct.pack("<4sLQL", b"PK\x06\x07", 0, eocd64_offset, 1)
        out += struct.pack("<4sHHHHLLH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    else:
        out += struct.pack("<4sHHHHLLH", b"PK\x05\x06", 0, 0, n, n, cd_size, cd_offset, 0)
    with open(path, "wb") as f:
        f.write(out)


def central_records(blob):
    """(offset of the record, name) for each central-directory record of a plain (non-ZIP64) ZIP
    without an archive comment."""
    eocd = len(blob) - 22
    sig, _, _, _, n, _, cd_offset, _ = struct.unpack("<4sHHHHLLH", blob[eocd:])
    assert sig == b"PK\x05\x06"
    out = []
    p = cd_offset
    for _ in range(n):
        assert blob[p:p + 4] == b"PK\x01\x02"
        name_len, extra_len, comment_len = struct.unpack("<HHH", blob[p + 28:p + 34])
        out.append((p, blob[p + 46:p + 46 + name_len].decode("utf-8")))
        p += 46 + name_len + extra_len + comment_len
    return out


# ---------------------------------------------------------------------------------------------
# Case files

def write_case(case, workbook_writer, args, about, context=False):
    """workbook_writer None: input.xlsx is kept as it is (a workbook saved by another program)."""
    d = os.path.join(HERE, case)
    os.makedirs(d, exist_ok=True)
    if workbook_writer:
        workbook_writer(os.path.join(d, "input.xlsx"))
    with open(os.path.join(d, "args"), "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(a + "\n" for a in args))
    with open(os.path.join(d, "about.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write(about.strip() + "\n")
    if context:
        shutil.copyfile(CONTEXT_SOURCE, os.path.join(d, "context.json"))


PROSPECTS_ARGS = ["--template", "prospects", "--context", "context.json"]
PARTICIPANTS_ARGS = ["--template", "participants"]


def prospects_case(case, writer, about, extra_args=()):
    write_case(case, writer, PROSPECTS_ARGS + list(extra_args), about, context=True)


def simple_book(rows, sheet_name="Prospects", **kw):
    """A one-sheet workbook of rows (see rows_xml); returns (entries, sst)."""
    sst = SharedStrings()
    data = rows_xml(rows, sst)
    last_row = max([r[0] for r in rows if isinstance(r, tuple)] + [len(rows)])
    sheet = Sheet(sheet_name, worksheet(data, "A1:%s%d" % (col_letters(len(PROSPECTS_HEADER) - 1), last_row)))
    return workbook_entries([sheet], sst, **kw)


def small_prospects():
    """Three valid prospects records after the header."""
    return [
        PROSPECTS_HEADER,
        ["Blue Harbor Media", "ana@example.com", "https://www.blueharbor.com/", "Mass Media", "Ana", "Silva",
         "Reviews", 1001, "PT"],
        ["Savvy Saver", "bo@example.org", "http://savvysaver.net/about?ref=bo", "Podcasts", "Bo", "Lee", None,
         1002, "US"],
        ["Gadget Lab", "fay@example.com", "https://gadgetlab.example.com/", "Tech Review Sites", "Fay",
         "Okafor", "Reviews gadgets", 1003, "NG"],
    ]


# 1 -------------------------------------------------------------------------------------------
def case_prospects_basic():
    def writer(path):
        sst = SharedStrings()
        rows = [
            PROSPECTS_HEADER,
            ["Blue Harbor Media", "ana@example.com", "https://www.blueharbor.com/", "Mass Media", "Ana", "Silva",
             "Reviews", 1001, "PT"],
            ["Savvy Saver", "bo@example.org", "http://savvysaver.net/about?ref=bo", "Podcasts", "Bo", "Lee", None,
             1002, "US"],
            ["Smith, Jones & Associates", "cy@example.net", "https://instagram.com/cy123",
             "Coupon, Deal & Cashback Sites", "Cy", "Smith", "Deals, coupons", 1003, "GB"],
            ["Bad Mail Ltd", "gus.example.com", "https://badmail.example.com/", "Podcasts", "Gus", "Reyes", None,
             1004, "MX"],
            ["Nowhere Group", "hal@example.com", "https://nowhere.example.com/", "Influencers - Tier 9", "Hal",
             "Berg", None, 1005, "SE"],
            ["Trail Notes", "dee@example.com", "https://trailnotes.example.com/", "Bloggers - Lifestyle", "Dee",
             "Park", "Hiking blog", 1006, "CA"],
        ]
        data = rows_xml(rows, sst)
        sheets = [Sheet("Prospects", worksheet(data, "A1:I7")),
                  Sheet("Notes", inline_sheet("Exported from the partner CRM"))]
        write_zip(path, workbook_entries(sheets, sst))

    prospects_case("xlsx_prospects_basic", writer,
                   "Six prospects on the first sheet (\"Prospects\") as shared strings, Partner ID as number "
                   "cells; record 4 has a bad e-mail, record 5 an unknown group. A second sheet \"Notes\" "
                   "(an inline string) is not read.")


# 2 -------------------------------------------------------------------------------------------
def case_sparse_cells_blank_rows():
    def writer(path):
        sst = SharedStrings()
        h = rows_xml([PROSPECTS_HEADER], sst)
        r2 = rows_xml([(2, ["Blue Harbor Media", "ana@example.com", "https://www.blueharbor.com/", "Mass Media",
                            "Ana", "Silva", "Reviews", 1001, "PT"])], sst)
        # D3 (Group Name) and G3 are left out: the cells stay empty.
        r3 = rows_xml([(3, ["Savvy Saver", "bo@example.org", "http://savvysaver.net/", None, "Bo", "Lee", None,
                            1002, "US"])], sst)
        r4 = '<row r="4"/>'
        empty = sst.add("")
        r5 = ('<row r="5" spans="1:3"><c r="A5" t="s"><v>%d</v></c><c r="B5" t="s"><v>%d</v></c>'
              '<c r="C5" t="inlineStr"><is><t></t></is></c></row>' % (empty, empty))
        # Media Property (C6), a required field, is left out.
        r6 = rows_xml([(6, ["Gadget Lab", "fay@example.com", None, "Tech Review Sites", "Fay", "Okafor", None,
                            1003, "NG"])], sst)
        # Rows 7 and 8 are not in the file. Row 9's cells carry no r: they are A, B, C, ... in order,
        # with an empty <c/> standing for D9.
        r9 = ('<row r="9"><c t="s"><v>%d</v></c><c t="s"><v>%d</v></c><c t="s"><v>%d</v></c><c/>'
              '<c t="s"><v>%d</v></c><c t="s"><v>%d</v></c><c t="s"><v>%d</v></c><c><v>1004</v></c>'
              '<c t="s"><v>%d</v></c></row>'
              % (sst.add("Trail Notes"), sst.add("dee@example.com"), sst.add("https://trailnotes.example.com/"),
                 sst.add("Dee"), sst.add("Park"), sst.add("Hiking blog"), sst.add("CA")))
        # A row without r is the row after the one before it (10).
        r10 = ('<row><c r="A10" t="s"><v>%d</v></c><c r="B10" t="s"><v>%d</v></c><c r="C10" t="s"><v>%d</v></c>'
               '<c r="H10"><v>1005</v></c></row>'
               % (sst.add("Coin Sense"), sst.add("eli@example.com"), sst.add("https://coinsense.example.com/")))
        sheet = Sheet("Prospects", worksheet(h + r2 + r3 + r4 + r5 + r6 + r9 + r10, "A1:I10"))
        write_zip(path, workbook_entries([sheet], sst))

    prospects_case("xlsx_sparse_cells_blank_rows", writer,
                   "Cells and rows left out: row 3 skips optional cells, row 4 is an empty <row/>, row 5 holds "
                   "only empty strings, row 6 lacks the required Media Property, rows 7-8 are absent (row "
                   "numbers keep the gaps), row 9's cells have no r (positional, <c/> for D9), row 10 has no r.")


# 3 -------------------------------------------------------------------------------------------
def case_strings_rich_inline_entities():
    def writer(path):
        sst = SharedStrings()
        header = rows_xml([PROSPECTS_HEADER], sst)
        rich = sst.add_raw('<si><r><rPr><b/><sz val="11"/><color theme="1"/><rFont val="Calibri"/><family val="2"/>'
                           '<scheme val="minor"/></rPr><t xml:space="preserve">Acme </t></r><r><rPr><sz val="11"/>'
                           '<color theme="1"/><rFont val="Calibri"/><family val="2"/><scheme val="minor"/></rPr>'
                           '<t>Corp</t></r></si>')
        yamada = sst.add_raw('<si><t>山田太郎</t><rPh sb="0" eb="2"><t>ヤマダ</t></rPh><rPh sb="2" eb="4"><t>タロウ</t>'
                             '</rPh><phoneticPr fontId="1"/></si>')
        entities = sst.add_raw("<si><t>Smith &amp; Jones &lt;UK&gt; &quot;Ltd&quot; &apos;s</t></si>")
        ncr = sst.add_raw("<si><t>Caf&#233; Cr&#xE8;me &#x1F600;</t></si>")
        padded = sst.add_raw('<si><t xml:space="preserve">  Padded Partners  </t></si>')
        crlf = sst.add_raw("<si><t>Line one_x000D_\nLine two</t></si>")
        literal = sst.add_raw("<si><t>Literal _x005F_x000D_ stays</t></si>")

        def si(index):
            return Raw('<c r="{r}" t="s"><v>%d</v></c>' % index)

        rows = [
            (2, [si(rich), "acme@example.com", "https://acme.example.com/", "Mass Media", "Ann", "Acme",
                 si(crlf), 2001, "US"]),
            (3, ["Yamada Media", "taro@example.jp", "https://yamada.example.jp/", "Content Creators",
                 "Taro", si(yamada), None, 2002, "JP"]),
            (4, [si(entities), "smith@example.co.uk", "https://smith.example.co.uk/?a=1&b=2", "Mass Media",
                 None, None, si(literal), 2003, "GB"]),
            (5, [Raw('<c r="{r}" t="inlineStr"><is><t>Inline Co</t></is></c>'), "inline@example.com",
                 "https://inline.example.com/", Raw('<c r="{r}" t="inlineStr"><is><r><rPr><i/></rPr><t>Pod</t></r>'
                                                    '<r><t>casts</t></r></is></c>'),
                 Raw('<c r="{r}" t="inlineStr"><is><t xml:space="preserve"> Ina </t></is></c>'), None,
                 Raw('<c r="{r}" t="inlineStr"><is><t>Fish &amp; Chips &#8212; &#x1F41F;</t></is></c>'), 2004,
                 "IE"]),
            (6, [si(padded), "pad@example.com", "https://padded.example.com/", "Podcasts", None, None, si(ncr),
                 2005, "FR"]),
        ]
        data = header + rows_xml(rows, sst)
        sheet = Sheet("Prospects", worksheet(data, "A1:I6"))
        write_zip(path, workbook_entries([sheet], sst))

    prospects_case("xlsx_strings_rich_inline_entities", writer,
                   "String cells: rich-text runs joined (\"Acme Corp\"), a phonetic reading (rPh) left out "
                   "(\"山田太郎\"), inline strings, xml:space=\"preserve\", the five XML entities, character "
                   "references (&#233;, &#x1F600;) and Excel's _x000D_ escape (_x005F_ escapes a literal one).")


# 4 -------------------------------------------------------------------------------------------
PARTICIPANTS_HEADER = ["accountId", "id", "firstName", "lastName", "email", "referable", "countryCode",
                       "dateCreated", "dateUsTaxFormSubmitted", "customFields.signup"]


def num(v, style=None):
    """A number cell written exactly as v (a string: Excel's text of the double)."""
    s = ' s="%d"' % style if style is not None else ""
    return Raw('<c r="{r}"%s><v>%s</v></c>' % (s, v))


def case_values_as_typed():
    def writer(path):
        sst = SharedStrings()
        rows = [
            PARTICIPANTS_HEADER,
            # 2: number in a string field; a boolean cell; a date serial with the built-in date style.
            [num("12345"), "u1", "Ana", "Silva", "ana@example.com", Raw('<c r="{r}" t="b"><v>1</v></c>'), "PT",
             num("45000", S_DATE14), num("42"), "gold"],
            # 3: a big number as Excel writes it; number-like text kept as text; 42.5 in an integer field.
            [num("1E+15"), "007", "1E5", None, "bo@example.org", Raw('<c r="{r}" t="b"><v>0</v></c>'), "US",
             num("45000.75", S_DATE164), num("42.5"), None],
            # 4: Excel's fictitious 1900-02-29; a date-styled serial in a string field.
            ["acct-4", "u4", "Cy", None, None, None, "GB", num("60", S_DATE14), None, num("45000", S_DATE14)],
            # 5: a formula with a cached number; a formula with a cached string; a serial in a
            #    General-styled cell of the date field.
            [num("42"), Raw('<c r="{r}"><f>A5*2</f><v>84</v></c>'),
             Raw('<c r="{r}" t="str"><f>"Dee"&amp;"-"&amp;"Ann"</f><v>Dee-Ann</v></c>'), "Park", None, None,
             "CA", num("45000", S_GENERAL), None, None],
            # 6: the same serial with no style at all (s omitted: General); a date typed as text.
            ["acct-6", "u6", None, None, None, None, "DE", num("45000"), None, "2024-02-29"],
            ["acct-7", "u7", None, None, None, None, "FR", "2024-02-29", num("1700000000000"), None],
        ]
        data = rows_xml(rows, sst)
        sheet = Sheet("Participants", worksheet(data, "A1:J7"))
        write_zip(path, workbook_entries([sheet], sst, styles=STYLES_DATES))

    write_case("xlsx_values_as_typed", writer, PARTICIPANTS_ARGS,
               "Cell types against field types: numbers in string fields (12345, 1E+15), number-like text kept "
               "(\"007\", \"1E5\"), 42 and 42.5 in an integer field, t=\"b\" booleans, date serials with built-in "
               "and custom date formats (45000 = 2023-03-15, 45000.75, 60 = Excel's 1900-02-29), serials in "
               "General cells of the date field (not dates), a date-styled serial in a string field, formulas' "
               "cached values.")


# 5 -------------------------------------------------------------------------------------------
def case_date1904():
    def writer(path):
        sst = SharedStrings()
        rows = [
            PARTICIPANTS_HEADER,
            ["acct-1", "u1", "Ana", None, None, None, "PT", num("43538", S_DATE14), None, None],
            ["acct-2", "u2", "Bo", None, None, None, "US", num("43538.5", S_DATE164), None, None],
            ["acct-3", "u3", "Cy", None, None, None, "GB", num("0", S_DATE14), None, num("43538", S_DATE14)],
            ["acct-4", "u4", "Dee", None, None, None, "CA", num("59", S_DATE14), None, None],
        ]
        data = rows_xml(rows, sst)
        sheet = Sheet("Participants", worksheet(data, "A1:J5"))
        write_zip(path, workbook_entries([sheet], sst, styles=STYLES_DATES, date1904=True))

    write_case("xlsx_date1904", writer, PARTICIPANTS_ARGS,
               "A workbook in the 1904 date system (<workbookPr date1904=\"1\"/>): serial 0 is 1904-01-01, "
               "43538 is 2023-03-15 (also in a string field), 43538.5 has a time, 59 is 1904-02-29 (a real day).")


# 6 -------------------------------------------------------------------------------------------
def case_error_cells():
    def writer(path):
        err = lambda code: Raw('<c r="{r}" t="e"><v>%s</v></c>' % code)  # noqa: E731
        rows = [
            PROSPECTS_HEADER,
            [err("#N/A"), "ana@example.com", "https://www.blueharbor.com/", "Mass Media", "Ana", "Silva",
             None, 1001, "PT"],
            ["Savvy Saver", "bo@example.org", "http://savvysaver.net/", "Podcasts", "Bo", "Lee",
             err("#DIV/0!"), 1002, "US"],
            ["Gadget Lab", "fay@example.com", "https://gadgetlab.example.com/", "Tech Review Sites", "Fay",
             "Okafor", None, err("#REF!"), "NG"],
            # A formula whose cached result is an error, as Excel writes it.
            ["Trail Notes", "dee@example.com", "https://trailnotes.example.com/", "Bloggers - Lifestyle", "Dee",
             "Park", Raw('<c r="{r}" t="e"><f>1/0</f><v>#DIV/0!</v></c>'), 1004, "CA"],
        ]
        write_zip(path, simple_book(rows))

    prospects_case("xlsx_error_cells", writer,
                   "Error cells (t=\"e\"): #N/A in the required Partner Name, #DIV/0! in the optional Description "
                   "(also as a formula's cached result), #REF! in Partner ID; an error is not a value.")
    prospects_case("xlsx_error_cells_edited", writer,
                   "The workbook of xlsx_error_cells with edits (edits.json): each error cell given a value (the "
                   "Partner Name, the Partner ID) or emptied (the optional Description), and row 5 skipped; every "
                   "row left is valid.", ["--edits", "edits.json"])
    with open(os.path.join(HERE, "xlsx_error_cells_edited", "edits.json"), "w", encoding="utf-8", newline="\n") as f:
        f.write('{"edits": {"2": {"Partner Name": "Blue Harbor Media"}, "3": {"Description": ""},\n'
                '           "4": {"Partner ID": "1003"}},\n "skip": [5]}\n')


# 7, 8, 9 -------------------------------------------------------------------------------------
def two_sheet_writer(path):
    """Sheets "Summary" (first) and "Contacts": Contacts is rId1 with the absolute Target
    /xl/worksheets/sheet2.xml and sheetId 1, Summary is rId2 and sheetId 2; the ZIP holds sheet2.xml
    before sheet1.xml."""
    sst = SharedStrings()
    summary_rows = [["Quarter", "Prospects", "Signed"], ["Q1", 12, 3], ["Q2", 18, 5]]
    summary = Sheet("Summary", worksheet(rows_xml(summary_rows, sst), "A1:C3"),
                    part="xl/worksheets/sheet1.xml", sheet_id=2, rid="rId2")
    contacts = Sheet("Contacts", worksheet(rows_xml(small_prospects(), sst), "A1:I4"),
                     part="xl/worksheets/sheet2.xml", sheet_id=1, rid="rId1", target="/xl/worksheets/sheet2.xml")
    write_zip(path, workbook_entries([summary, contacts], sst, sheet_order=[1, 0]))


def case_sheet_selection():
    common = ("Two sheets, \"Summary\" first and \"Contacts\" second (rels Target absolute, /xl/worksheets/"
              "sheet2.xml; sheetId 1; its part first in the ZIP).")
    prospects_case("xlsx_sheet_by_name", two_sheet_writer,
                   common + " --sheet Contacts reads the three valid prospects.", ["--sheet", "Contacts"])
    prospects_case("xlsx_sheet_by_index", two_sheet_writer,
                   common + " --sheet 2 is the second sheet in the workbook's order (Contacts), not sheetId 2.",
                   ["--sheet", "2"])
    prospects_case("xlsx_sheet_missing", two_sheet_writer,
                   common + " --sheet Nope names no sheet: a file-level error.", ["--sheet", "Nope"])


# 10 ------------------------------------------------------------------------------------------
def case_stored_and_descriptors():
    def writer(path):
        entries = simple_book(small_prospects())
        spec = []
        for name, data in entries:
            if name == "xl/worksheets/sheet1.xml":
                spec.append(dict(name=name, data=data, method=8, descriptor=True))
            elif name == "xl/sharedStrings.xml":
                spec.append(dict(name=name, data=data, method=8))
            else:
                spec.append(dict(name=name, data=data, method=0))
        write_raw_zip(path, spec)

    prospects_case("xlsx_stored_and_descriptors", writer,
                   "ZIP layout: the package parts are stored (no compression), the sheet is deflated with a data "
                   "descriptor (flag bit 3: CRC and sizes zero in its local header, given after the data), and "
                   "the shared strings are deflated after it. Three valid prospects.")


# 11 ------------------------------------------------------------------------------------------
def case_zip64():
    def writer(path):
        spec = [dict(name=name, data=data, method=8, zip64=True) for name, data in simple_book(small_prospects())]
        write_raw_zip(path, spec)

    prospects_case("xlsx_zip64", writer,
                   "A small workbook in ZIP64 form: every local header has sizes 0xFFFFFFFF and a ZIP64 extra "
                   "field, every central record its sizes and offset in one, then a ZIP64 end record and locator. "
                   "Three valid prospects.")


# 12 ------------------------------------------------------------------------------------------
BOMB_PADDING = 60_000_000


def case_zip_bomb():
    def writer(path):
        sst = SharedStrings()
        rows = rows_xml(small_prospects()[:2], sst)
        xml = worksheet(rows + "@PAD@", "A1:I2").encode("utf-8")
        head, tail = xml.split(b"@PAD@")
        # 60 MB of spaces between the rows and </sheetData> (white space XML allows there).
        data = head + b" " * BOMB_PADDING + tail
        entries = [(n, data if n == "xl/worksheets/sheet1.xml" else d)
                   for n, d in workbook_entries([Sheet("Prospects", xml.decode())], sst)]
        write_zip(path, entries, level=9)

    prospects_case("xlsx_zip_bomb", writer,
                   "A ZIP bomb: the sheet (one valid prospect, then 60 MB of spaces before </sheetData>) inflates "
                   "about 1000 times its deflated size; it must be refused, not inflated.")


# 13 ------------------------------------------------------------------------------------------
def case_entry_outside_archive():
    def writer(path):
        write_zip(path, simple_book(small_prospects()))
        with open(path, "rb") as f:
            blob = bytearray(f.read())
        for p, name in central_records(blob):
            if name == "xl/worksheets/sheet1.xml":
                # The central record's local-header offset (at +42) now points 64 KiB past the end.
                struct.pack_into("<L", blob, p + 42, len(blob) + 65536)
        with open(path, "wb") as f:
            f.write(blob)

    prospects_case("xlsx_entry_outside_archive", writer,
                   "The central directory gives the sheet a local-header offset 64 KiB past the end of the file "
                   "(a truncated or forged archive): a file-level error, no read outside the file.")


def case_rels_target_escapes():
    def writer(path):
        sst = SharedStrings()
        sheet = Sheet("Prospects", worksheet(rows_xml(small_prospects(), sst), "A1:I4"),
                      target="../../../etc/passwd")
        write_zip(path, workbook_entries([sheet], sst))

    prospects_case("xlsx_rels_target_escapes", writer,
                   "workbook.xml.rels gives the first sheet the Target ../../../etc/passwd, outside the package "
                   "(xl/worksheets/sheet1.xml is in the ZIP but not named): a file-level error.")


# 14 ------------------------------------------------------------------------------------------
def case_xml_never_closes():
    def writer(path):
        sst = SharedStrings()
        rows = rows_xml(small_prospects()[:2], sst)
        cut = '<row r="3" spans="1:9"><c r="A3" t="s"><v>1'
        xml = worksheet(rows + "@CUT@", "A1:I3")
        xml = xml[:xml.index("@CUT@")] + cut
        write_zip(path, workbook_entries([Sheet("Prospects", xml)], sst))

    prospects_case("xlsx_xml_never_closes", writer,
                   "The sheet's XML stops mid-element (...<row r=\"3\"><c r=\"A3\" t=\"s\"><v>1) in an "
                   "otherwise valid ZIP, after one complete record: a file-level error.")


# 15 ------------------------------------------------------------------------------------------
def case_billion_laughs():
    def writer(path):
        sst = SharedStrings()
        sheet = Sheet("Prospects", worksheet(rows_xml(small_prospects(), sst), "A1:I4"))
        entries = workbook_entries([sheet], sst)
        ents = ['<!ENTITY lol "lol">'] + [
            '<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1) if i > 1 else "&lol;") * 10) for i in range(1, 10)]
        bomb = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                '<!DOCTYPE sst [\n  %s\n]>\n' % "\n  ".join(ents)
                + sst.xml()[len(DECL):].replace("<t>Blue Harbor Media</t>", "<t>&lol9;</t>"))
        assert "&lol9;" in bomb
        entries = [(n, bomb.encode("utf-8") if n == "xl/sharedStrings.xml" else d) for n, d in entries]
        write_zip(path, entries)

    prospects_case("xlsx_billion_laughs", writer,
                   "sharedStrings.xml opens with a DOCTYPE of nested entities (billion laughs: &lol9; is 10^9 "
                   "\"lol\"s) used by the first Partner Name: entities must not be expanded (a file-level error).")


# 16 ------------------------------------------------------------------------------------------
def case_shared_string_out_of_range():
    def writer(path):
        rows = small_prospects()
        rows[1][0] = Raw('<c r="{r}" t="s"><v>999</v></c>')
        rows[2][0] = Raw('<c r="{r}" t="s"><v>-1</v></c>')
        write_zip(path, simple_book(rows))

    prospects_case("xlsx_shared_string_out_of_range", writer,
                   "Shared-string indexes that name no string: 999 in A2 and -1 in A3 (the table holds 30 "
                   "strings, 0 to 29); the third record is valid.")


# 17 ------------------------------------------------------------------------------------------
def case_no_header():
    def writer(path):
        # A holds the e-mail and B the name (swapped), column I a note to ignore; C.. H keep the
        # template's positions (Media Property, Group Name, first and last name, Description, ID).
        rows = [
            ["ana@example.com", "Blue Harbor Media", "https://www.blueharbor.com/", "Mass Media", "Ana", "Silva",
             "Reviews", 1001, "call back"],
            ["bo@example.org", "Savvy Saver", "http://savvysaver.net/", "Podcasts", "Bo", "Lee", None, 1002, None],
            ["not-an-email", "Bad Mail Ltd", "https://badmail.example.com/", None, None, None, None, 1003,
             "check"],
        ]
        write_zip(path, simple_book(rows))

    prospects_case("xlsx_no_header", writer,
                   "--no-header: data from row 1, columns named by letter; --map swaps A and B (e-mail, name) "
                   "and ignores I, C-H keep the template's positions; row 3 has a bad e-mail.",
                   ["--no-header", "--map", "A=Contact Email", "--map", "B=Partner Name", "--map", "I="])


# 18 ------------------------------------------------------------------------------------------
def case_namespace_prefix():
    def writer(path):
        sst = SharedStrings()
        rows = rows_xml(small_prospects(), sst)
        sheet_xml = (DECL + '<x:worksheet xmlns:x="%s" xmlns:r="%s"><x:sheetData>%s</x:sheetData></x:worksheet>'
                     % (NS_MAIN, NS_R, prefix_tags(rows, "x:")))
        entries = workbook_entries([Sheet("Prospects", sheet_xml)], sst)
        workbook = (DECL + '<x:workbook xmlns:r="%s" xmlns:x="%s"><x:sheets><x:sheet name="Prospects" '
                    'sheetId="1" r:id="rId1"/></x:sheets></x:workbook>' % (NS_R, NS_MAIN))
        styles = (DECL + '<x:styleSheet xmlns:x="%s"><x:cellXfs count="1"><x:xf numFmtId="0"/></x:cellXfs>'
                  '</x:styleSheet>' % NS_MAIN)
        replace = {"xl/workbook.xml": workbook, "xl/styles.xml": styles, "xl/sharedStrings.xml": sst.xml("x:")}
        entries = [(n, replace[n].encode("utf-8") if n in replace else d) for n, d in entries]
        write_zip(path, entries)

    prospects_case("xlsx_namespace_prefix", writer,
                   "Workbook, sheet, styles and shared strings with the main namespace on an x: prefix "
                   "(<x:worksheet xmlns:x=...><x:sheetData><x:row>...), as the Open XML SDK writes. Three valid "
                   "prospects.")


# 19 ------------------------------------------------------------------------------------------
def case_not_a_workbook():
    def writer(path):
        ct_word = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
        ns_w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
        entries = [
            ("[Content_Types].xml",
             DECL + '<Types xmlns="%s"><Default Extension="rels" '
             'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/word/document.xml" ContentType="%s"/></Types>' % (NS_CT, ct_word)),
            ("_rels/.rels",
             DECL + '<Relationships xmlns="%s"><Relationship Id="rId1" Type="%s" Target="word/document.xml"/>'
             '</Relationships>' % (NS_PKG_REL, REL_OFFICE_DOCUMENT)),
            ("word/document.xml",
             DECL + '<w:document xmlns:w="%s"><w:body><w:p><w:r><w:t>Partner Name, Contact Email, Media Property'
             '</w:t></w:r></w:p><w:p><w:r><w:t>Blue Harbor Media, ana@example.com, https://www.blueharbor.com/'
             '</w:t></w:r></w:p></w:body></w:document>' % ns_w),
        ]
        write_zip(path, [(n, d.encode("utf-8")) for n, d in entries])

    prospects_case("xlsx_not_a_workbook", writer,
                   "A Word document (word/document.xml, no xl/workbook.xml) named input.xlsx: a file-level error "
                   "that says it is not a workbook.")


# 20 ------------------------------------------------------------------------------------------
def case_empty_sheet():
    def writer(path):
        write_zip(path, workbook_entries([Sheet("Sheet1", worksheet(None, "A1"))], SharedStrings()))

    prospects_case("xlsx_empty_sheet", writer,
                   "A workbook whose only sheet has <sheetData/> and nothing else: no header, no records.")


# 21 ------------------------------------------------------------------------------------------
def case_libreoffice():
    """Args and about.txt of the LibreOffice-written workbooks (see LIBREOFFICE_CASES)."""
    for case in LIBREOFFICE_CASES:
        if not os.path.exists(os.path.join(HERE, case, "input.xlsx")):
            raise SystemExit("%s/input.xlsx is missing: it is saved by LibreOffice, see LIBREOFFICE_CASES" % case)
    prospects_case("xlsx_libreoffice_prospects", None,
                   "Saved by LibreOffice Calc 7.4.7.2 from an 8-record prospects CSV (command in "
                   "make_xlsx_vectors.py): Partner ID imported as text (\"00417\" kept), the extra \"Signed Up\" "
                   "column as date serials; record 7 has a bad e-mail, record 8 an unknown group.")
    write_case("xlsx_libreoffice_participants", None, PARTICIPANTS_ARGS,
               "Saved by LibreOffice Calc 7.4.7.2 from a participants CSV with its default import (command in "
               "make_xlsx_vectors.py): 12345 and \"007\" became numbers (007 is now 7), TRUE/FALSE stayed text, "
               "ISO dates became date serials, \"2022-12-31 10:30\" stayed text.")


CASES = [
    case_prospects_basic,
    case_sparse_cells_blank_rows,
    case_strings_rich_inline_entities,
    case_values_as_typed,
    case_date1904,
    case_error_cells,
    case_sheet_selection,
    case_stored_and_descriptors,
    case_zip64,
    case_zip_bomb,
    case_entry_outside_archive,
    case_rels_target_escapes,
    case_xml_never_closes,
    case_billion_laughs,
    case_shared_string_out_of_range,
    case_no_header,
    case_namespace_prefix,
    case_not_a_workbook,
    case_empty_sheet,
    case_libreoffice,
]


def main():
    for case in CASES:
        case()
    print("wrote the xlsx_* cases in", HERE)


if __name__ == "__main__":
    main()
