#!/usr/bin/env python3
"""The usage report's renderers judged by independent tools.

tests/unit/test_report_render renders the sample report
(tests/data/report/usage-sample.json), a report without units and one with
200 units and very long names into a directory; this test then checks
them without teken's code:
  CSV zip: python zipfile + csv, every cell against the fixture;
  XLSX:    zipfile + ElementTree over the sheets, shared strings and styles
           (names, figures, SUM formulas and their values, frozen bold header);
  PDF:     qpdf --check, pdffonts (all embedded), pdftotext (Indonesian
           labels, both parties, totals with Indonesian digit groups, the
           statement on the first and last page), pdftotext -bbox (no word
           off the page), pdftoppm (the chart page has coloured bars; the PNG
           is kept in $TEKEN_SHOTS_DIR or the build directory).
A missing tool fails the test.
"""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import check, finish, tmpdir  # noqa: E402

SRC = os.environ["TEKEN_SRC"]
BUILD = os.environ["TEKEN_BUILD"]

# docs/reports.md, the row table, in its order (typed here again on purpose).
KEYS = """certificates_issued certificates_renewed certificates_revoked certificates_suspended certificates_active
certificates_expiring_next_year documents_signed documents_pades documents_cades documents_visible documents_invisible
documents_by_official documents_by_seal documents_level_b_b documents_level_b_t documents_level_b_lt documents_level_b_lta
verifications verifications_web verifications_api verifications_qr verifications_bsre ocsp_requests tsa_requests crl_requests
signing_failures verifikator_approvals verifikator_rejections verifikator_median_decision_seconds support_tickets
training_events training_participants""".split()
MEDIAN = "verifikator_median_decision_seconds"
NAMES = ["totals.csv", "by_month.csv", "by_unit.csv", "by_application.csv", "revoked_by_reason.csv",
         "signing_failures_by_cause.csv", "verifikators.csv"]

for tool in ("qpdf", "pdftotext", "pdffonts", "pdftoppm", "pdfinfo"):
    check(shutil.which(tool) is not None, "%s is not installed (poppler-utils, qpdf): the PDF cannot be judged" % tool)

out = tmpdir()
exe = os.path.join(BUILD, "test_report_render")
check(os.path.exists(exe), "the unit test binary %s is not built" % exe)
env = dict(os.environ, TEKEN_REPORT_OUT=out)
p = subprocess.run([exe], env=env, capture_output=True, text=True, timeout=600)
check(p.returncode == 0, "test_report_render failed:\n%s%s" % (p.stdout[-3000:], p.stderr[-3000:]))
with open(os.path.join(SRC, "tests/data/report/usage-sample.json"), encoding="utf-8") as f:
    rep = json.load(f)


def cell(v):
    return "" if v is None else str(v)


# ---- CSV zip ----
def read_zip_csv(path):
    z = zipfile.ZipFile(path)
    check(z.testzip() is None, "%s: a damaged entry" % path)
    check(z.namelist() == NAMES, "%s: entries %r" % (path, z.namelist()))
    tables = {}
    for n in NAMES:
        raw = z.read(n)
        check(not raw.startswith(b"\xef\xbb\xbf"), "%s: a byte-order mark" % n)
        text = raw.decode("utf-8")
        check(text.endswith("\r\n"), "%s: RFC 4180 lines end in CRLF" % n)
        tables[n] = list(csv.reader(io.StringIO(text, newline="")))
    return tables


t = read_zip_csv(os.path.join(out, "usage-sample.zip"))
check(t["totals.csv"] == [KEYS, [cell(rep["totals"][k]) for k in KEYS]], "totals.csv differs from the fixture")
check(t["by_month.csv"][0] == ["month"] + KEYS, "by_month.csv header")
check(t["by_month.csv"][1:] == [[str(r["month"])] + [cell(r[k]) for k in KEYS] for r in rep["by_month"]],
      "by_month.csv differs from the fixture")
check(t["by_unit.csv"] == [["unit"] + KEYS] + [[r["unit"]] + [cell(r[k]) for k in KEYS] for r in rep["by_unit"]],
      "by_unit.csv differs from the fixture")
check(t["by_unit.csv"][1][0] == 'Dinas Pendidikan & Kebudayaan, Bagian "Umum"', "the unit name with comma and quotes")
check(t["by_unit.csv"][2][0] == "Sekretariat Jenderal \u2014 Biro Hukum", "the non-ASCII unit name")
check(t["by_application.csv"] == [["application"] + KEYS] +
      [[r["application"]] + [cell(r[k]) for k in KEYS] for r in rep["by_application"]], "by_application.csv differs")
bd = rep["breakdown"]
check(t["revoked_by_reason.csv"] == [["reason", "count"]] +
      [[k, str(v)] for k, v in sorted(bd["revoked_by_reason"].items())], "revoked_by_reason.csv differs")
check(t["signing_failures_by_cause.csv"] == [["cause", "count"]] +
      [[k, str(v)] for k, v in sorted(bd["signing_failures_by_cause"].items())], "signing_failures_by_cause.csv differs")
check(t["verifikators.csv"] == [["verifikator", "approvals", "rejections", "median_decision_seconds"]] +
      [[r["verifikator"], str(r["approvals"]), str(r["rejections"]), cell(r["median_decision_seconds"])]
       for r in bd["verifikators"]], "verifikators.csv differs")

t = read_zip_csv(os.path.join(out, "usage-empty.zip"))
check(len(t["by_unit.csv"]) == 1 and len(t["by_application.csv"]) == 1 and len(t["verifikators.csv"]) == 1,
      "the empty report: header rows only")
check(t["totals.csv"][1][KEYS.index(MEDIAN)] == "", "a null median is an empty cell")
t = read_zip_csv(os.path.join(out, "usage-200.zip"))
check(len(t["by_unit.csv"]) == 201, "200 units in by_unit.csv")
check(t["by_unit.csv"][8][0] == "Unit 007 " + "\u00e9" * 500, "the long unit name whole in the CSV")


# ---- XLSX ----
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}


def col_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1, int(ref[len(letters):]) - 1


def read_xlsx(path):
    z = zipfile.ZipFile(path)
    check(z.testzip() is None, "%s: a damaged part" % path)
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(x.text or "" for x in si.iter("{%s}t" % NS["m"])))
    styles = ET.fromstring(z.read("xl/styles.xml"))
    fonts = styles.find("m:fonts", NS).findall("m:font", NS)
    xfs = styles.find("m:cellXfs", NS).findall("m:xf", NS)

    def bold(s):
        f = fonts[int(xfs[int(s)].get("fontId", "0"))]
        return f.find("m:b", NS) is not None

    sheets = {}
    for s in wb.find("m:sheets", NS).findall("m:sheet", NS):
        xml_text = z.read("xl/" + target[s.get("{%s}id" % NS["r"])]).decode("utf-8")
        root = ET.fromstring(xml_text)
        grid = {}
        for c in root.iter("{%s}c" % NS["m"]):
            col, row = col_index(c.get("r"))
            v = c.find("m:v", NS)
            f = c.find("m:f", NS)
            if c.get("t") == "s":
                val = shared[int(v.text)]
            elif c.get("t") in ("str", "inlineStr"):
                val = v.text if v is not None else "".join(x.text or "" for x in c.iter("{%s}t" % NS["m"]))
            else:
                val = float(v.text) if v is not None and v.text is not None else None
            grid[(row, col)] = (val, f.text if f is not None else None, bold(c.get("s", "0")))
        pane = root.find(".//m:pane", NS)
        frozen = pane is not None and pane.get("state") == "frozen" and pane.get("ySplit") == "1"
        widths = root.find("m:cols", NS) is not None
        sheets[s.get("name")] = (grid, frozen, widths)
    return list(sheets), sheets


names, sheets = read_xlsx(os.path.join(out, "usage-sample.xlsx"))
check(names == [n[:-4] for n in NAMES], "sheet names %r" % names)
for n, (grid, frozen, widths) in sheets.items():
    check(frozen, "%s: the header row is not frozen" % n)
    check(widths, "%s: no column widths" % n)
    check(all(grid[k][2] for k in grid if k[0] == 0), "%s: a header cell is not bold" % n)


def num(v):
    return None if v is None else float(v)


grid = sheets["totals"][0]
check([grid[(0, i)][0] for i in range(len(KEYS))] == KEYS, "totals sheet header")
check([grid.get((1, i), (None,))[0] for i in range(len(KEYS))] == [num(rep["totals"][k]) for k in KEYS],
      "totals sheet figures")
grid = sheets["by_month"][0]
check(grid[(0, 0)][0] == "month" and [grid[(0, i + 1)][0] for i in range(len(KEYS))] == KEYS, "by_month header")
for m in range(12):
    check([grid.get((m + 1, i + 1), (None,))[0] for i in range(len(KEYS))] ==
          [num(rep["by_month"][m][k]) for k in KEYS], "by_month row %d" % (m + 1))
for i, k in enumerate(KEYS):
    val, formula, b = grid[(13, i + 1)]
    check(b, "by_month totals row is bold")
    if k == MEDIAN:
        check(formula is None and val == rep["totals"][MEDIAN], "by_month: the median total is the year's median")
    elif k == "certificates_active":
        check(formula is None and val == rep["totals"][k], "by_month: active certificates: the year's figure, not a sum")
    else:
        check(formula is not None and formula.startswith("SUM(") and val == sum(r[k] for r in rep["by_month"]),
              "by_month: %s total %r %r" % (k, formula, val))
        check(val == rep["totals"][k], "by_month: the column sum of %s equals the report's total" % k)
grid = sheets["by_unit"][0]
check([grid[(r + 1, 0)][0] for r in range(2)] == [u["unit"] for u in rep["by_unit"]], "unit names in by_unit")
for i, k in enumerate(KEYS):
    val, formula, _ = grid[(3, i + 1)]
    if k != MEDIAN:
        check(formula == "SUM(%s2:%s3)" % (chr(66 + i) if i < 25 else "A" + chr(65 + i - 25),
                                             chr(66 + i) if i < 25 else "A" + chr(65 + i - 25)) and
              val == sum(u[k] for u in rep["by_unit"]), "by_unit: %s total" % k)
grid = sheets["revoked_by_reason"][0]
items = sorted(bd["revoked_by_reason"].items())
check([(grid[(r + 1, 0)][0], grid[(r + 1, 1)][0]) for r in range(len(items))] == [(k, float(v)) for k, v in items],
      "revoked_by_reason sheet")
check(grid[(len(items) + 1, 1)][0] == sum(bd["revoked_by_reason"].values()), "revoked_by_reason total")
grid = sheets["verifikators"][0]
nv = len(bd["verifikators"])
check(grid[(nv + 1, 1)][0] == sum(v["approvals"] for v in bd["verifikators"]) and grid[(nv + 1, 1)][1] is not None,
      "verifikators: approvals total")
check(grid[(nv + 1, 3)][0] == rep["totals"][MEDIAN], "verifikators: the year's median under the median column")
names, sheets = read_xlsx(os.path.join(out, "usage-200.xlsx"))
check(len([k for k in sheets["by_unit"][0] if k[1] == 0]) == 202, "200 units, header and totals rows in by_unit")


# ---- PDF ----
def pdftext(path, *args):
    p = subprocess.run(["pdftotext", "-layout", *args, path, "-"], capture_output=True, text=True)
    check(p.returncode == 0, "pdftotext %s: %s" % (path, p.stderr))
    return p.stdout


def pages(path):
    p = subprocess.run(["pdfinfo", path], capture_output=True, text=True)
    check(p.returncode == 0, "pdfinfo %s" % path)
    return int(re.search(r"^Pages:\s+(\d+)", p.stdout, re.M).group(1))


def idn(n):
    return "{:,}".format(n).replace(",", ".")


def judge_pdf(path):
    p = subprocess.run(["qpdf", "--check", path], capture_output=True, text=True)
    check(p.returncode == 0, "qpdf --check %s: %s" % (path, p.stdout + p.stderr))
    p = subprocess.run(["pdffonts", path], capture_output=True, text=True)
    rows = p.stdout.splitlines()[2:]
    check(p.returncode == 0 and rows, "pdffonts %s" % path)
    for r in rows:
        check(r.split()[-5] == "yes", "a font is not embedded: %s" % r)
    # Nothing off the page: every word's box inside the page (A4, 595 x 842 pt).
    p = subprocess.run(["pdftotext", "-bbox", path, "-"], capture_output=True, text=True)
    check(p.returncode == 0, "pdftotext -bbox %s" % path)
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', p.stdout):
        x0, y0, x1, y1 = map(float, m.groups())
        if not (x0 >= 40 and x1 <= 560 and y0 >= 20 and y1 <= 822):
            raise AssertionError("%s: a word drawn off the text area at %r" % (path, m.groups()))
    return pages(path)


path = os.path.join(out, "usage-sample.pdf")
n = judge_pdf(path)
check(n >= 5, "the sample report has %d pages" % n)
text = pdftext(path)
first = pdftext(path, "-f", "1", "-l", "1")
last = pdftext(path, "-f", str(n), "-l", str(n))
flat = " ".join(text.split())
inst = rep["instance"]
for s in ("Laporan Penggunaan Sertifikat Elektronik", inst["organization"], inst["issuer"],
          inst["agreement"]["user_number"], inst["agreement"]["signed_on"], "belum diisi", "Tahun 2026",
          "Seluruh kementerian", "2027-01-05 10:04:05 WIB"):
    check(s in " ".join(first.split()), "the cover lacks %r" % s)
statement = "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik"
check(statement in " ".join(first.split()) and statement in " ".join(last.split()), "the statement on the cover and last page")
LABELS = {
    "certificates_issued": "Sertifikat diterbitkan", "certificates_revoked": "Sertifikat dicabut",
    "certificates_suspended": "Penangguhan sertifikat", "certificates_active": "Sertifikat aktif pada akhir tahun",
    "documents_signed": "Dokumen ditandatangani", "documents_by_seal": "Dengan segel elektronik",
    "verifications": "Verifikasi (semua kanal)", "verifications_qr": "Verifikasi melalui kode QR",
    "ocsp_requests": "Permintaan OCSP", "tsa_requests": "Permintaan cap waktu (TSA)", "crl_requests": "Permintaan CRL",
    "verifikator_approvals": "Persetujuan Verifikator", "training_participants": "Peserta pelatihan",
}
lines = text.splitlines()
for k, label in LABELS.items():
    want = idn(rep["totals"][k])
    check(any(label in ln and ln.rstrip().endswith(" " + want) for ln in lines),
          "summary: no line %r ... %s" % (label, want))
check(any("Median waktu keputusan Verifikator" in ln and "1 jam 9 menit (4.140 detik)" in ln for ln in lines),
      "summary: the median in Indonesian")
for mon in ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"):
    check(re.search(r"\b%s\b" % mon, text) is not None, "month label %s" % mon)
check("Jumlah" in text and idn(rep["totals"]["ocsp_requests"]) in text, "the monthly table's totals")
for s in ('Bagian "Umum"', "Dinas Pendidikan &", "Sekretariat Jenderal \u2014", "Siti Rahmawati, S.Kom.",
          "Kunci privat bocor (keyCompromise)", "bad_passphrase", "SIMPEG, modul SK", "e-Office Persuratan"):
    check(s in flat, "the PDF lacks %r" % s)

# The chart page: coloured vector bars where the charts are.
chart_page = None
for i in range(1, n + 1):
    if "Grafik dan angka bulanan" in pdftext(path, "-f", str(i), "-l", str(i)):
        chart_page = i
        break
check(chart_page is not None, "no chart page")
shots = os.environ.get("TEKEN_SHOTS_DIR") or BUILD  # kept for a human to look at
prefix = os.path.join(out, "chart")
p = subprocess.run(["pdftoppm", "-r", "50", "-f", str(chart_page), "-l", str(chart_page), path, prefix],
                   capture_output=True, text=True)
check(p.returncode == 0, "pdftoppm: %s" % p.stderr)
ppm = [f for f in os.listdir(out) if f.startswith("chart") and f.endswith(".ppm")]
check(len(ppm) == 1, "pdftoppm wrote %r" % ppm)
with open(os.path.join(out, ppm[0]), "rb") as f:
    data = f.read()
m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
check(m is not None, "a binary PPM")
w, h = int(m.group(1)), int(m.group(2))
px = data[m.end():]
check(len(px) == w * h * 3, "PPM size")
blue = orange = white = 0
for i in range(0, len(px), 3):
    r, g, b = px[i], px[i + 1], px[i + 2]
    if r > 245 and g > 245 and b > 245:
        white += 1
    elif b > r + 60 and b > g + 30:
        blue += 1
    elif r > 180 and 70 < g < 170 and b < 90:
        orange += 1
check(blue > 3000, "the chart page has %d blue bar pixels" % blue)
check(orange > 100, "the chart page has %d orange (second series) pixels" % orange)
check(white < w * h * 0.95, "the chart page is almost blank")
p = subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", str(chart_page), "-l", str(chart_page), path,
                    os.path.join(shots, "report-render-charts")], capture_output=True, text=True)
check(p.returncode == 0, "pdftoppm -png: %s" % p.stderr)

path = os.path.join(out, "usage-empty.pdf")
judge_pdf(path)
flat = " ".join(pdftext(path).split())
for s in ("Unit kerja: Biro Umum", "Tidak ada unit kerja dengan kegiatan", "Tidak ada aplikasi", "Tidak ada sertifikat yang dicabut",
          "Tidak ada keputusan Verifikator", "tidak ada keputusan", "belum diisi"):
    check(s in flat, "the empty report lacks %r" % s)

path = os.path.join(out, "usage-midyear.pdf")
judge_pdf(path)
check("2026-06-15 10:00:00 WIB" in pdftext(path), "the mid-year report's time in WIB")

path = os.path.join(out, "usage-200.pdf")
n200 = judge_pdf(path)
check(n200 > n + 5, "200 units take more pages (%d against %d)" % (n200, n))
flat = " ".join(pdftext(path).split())
check("Unit 000" in flat and "Unit 199" in flat, "the first and last of 200 units")
check("\u2026" in flat, "a long name cut with an ellipsis")

finish("report_render")
