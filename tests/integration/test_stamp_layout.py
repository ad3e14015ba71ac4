#!/usr/bin/env python3
"""The visible stamp holds all of its text (R8): pdftotext -bbox is the judge.

For stamps of several sizes (the 240 x 90 points that used to clip "Negara.", smaller,
larger, taller than wide) and for an official with a very long name, every word of the
BSrE statement, of the signer's name and of the signing time must lie inside the
stamp's rectangle as poppler's pdftotext lays the page out, in reading order, and no
word may straddle the rectangle's edge. A box too small for a legible statement is
refused with the size that would do, and no file is written. pdfsig checks each output.
"""
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from formpdf import form_pdf  # noqa: E402
from tekentest import check, finish, store_sql, teken, tmpdir  # noqa: E402

for tool in ("pdftotext", "pdfsig"):
    check(shutil.which(tool) is not None, "oracle %s is installed" % tool)

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
PDF = os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf")
T = tmpdir()
d = os.path.join(T, "inst")
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256")
demo = json.load(open(os.path.join(d, "demo.json")))
PP = demo["subscriber"]["passphrase"]
STATEMENT = ("Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik yang diterbitkan oleh "
             "Balai Besar Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara.")
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)"')


def words(path, page):
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), path, "-"], capture_output=True, text=True, check=True).stdout
    ph = float(PAGE.search(out).group(2))
    unesc = lambda s: s.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
    return ph, [(float(a), float(b), float(c), float(e), unesc(t)) for a, b, c, e, t in WORD.findall(out)]


def in_order(needle, hay):
    """needle's words appear in hay in this order (other words may come between)."""
    it = iter(hay)
    return all(any(w == x for x in it) for w in needle)


def sign(name, x, y, w, h, src=PDF):
    out = os.path.join(T, "%s.pdf" % name)
    place = ["--visible", "2,%d,%d,%d,%d" % (x, y, w, h)] if src == PDF else []
    p = teken("sign", "--dir", d, "--in", src, "--out", out, "--subscriber", demo["subscriber"]["user"], "--passphrase-file", "-",
              *place, input=PP + "\n", check_rc=False)
    return p, out


_, before = words(PDF, 2)
EPS = 0.5


def stamp_ok(label, signer, x, y, w, h, src=PDF):
    p, out = sign(label, x, y, w, h, src)
    check(p.returncode == 0, "%s: %d x %d signs: %s" % (label, w, h, p.stderr.strip()))
    v = subprocess.run(["pdfsig", "-nocert", out], capture_output=True, text=True).stdout
    check("Signature Validation: Signature is Valid." in v, "%s: pdfsig says the signature is valid" % label)
    ph, ws = words(out, 2)
    # The rectangle in pdftotext's coordinates (origin top left).
    x0, x1, y0, y1 = x, x + w, ph - (y + h), ph - y
    new = [t for t in ws if t not in before]
    inside = [t for t in new if t[0] >= x0 - EPS and t[2] <= x1 + EPS and t[1] >= y0 - EPS and t[3] <= y1 + EPS]
    straddle = [t for t in new if t not in inside and t[0] < x1 and t[2] > x0 and t[1] < y1 and t[3] > y0]
    check(not straddle, "%s: no word crosses the stamp's edge: %s" % (label, straddle[:3]))
    text = [t[4] for t in inside]
    check(in_order(STATEMENT.split(), text), "%s: every word of the BSrE statement is inside the box, in order (%s)" % (label, " ".join(text)[-120:]))
    check(in_order(signer.split(), text), "%s: the signer's whole name is inside the box" % label)
    check(any(re.fullmatch(r"\d{4}-\d\d-\d\d", t) for t in text) and "WIB" in text, "%s: the signing time is inside the box" % label)
    check(not [t for t in new if t not in inside], "%s: the stamp writes nothing outside its box" % label)


NAME = demo["subscriber"].get("name") or store_sql(os.path.join(d, "teken.db"), None, "SELECT full_name FROM subscribers WHERE user_id = (SELECT id FROM users WHERE username = ?)", demo["subscriber"]["user"])[0][0]
for label, (x, y, w, h) in [("default", (50, 50, 240, 90)), ("small", (50, 50, 150, 60)), ("wide", (60, 300, 400, 120)),
                            ("tall", (300, 400, 180, 200)), ("narrow", (50, 50, 120, 130))]:
    stamp_ok(label, NAME, x, y, w, h)

# A very long name (and title) still fits: wrapped, the type made smaller.
LONG = "Prof. Dr. Ir. Raden Mas Bambang Hadikusumo Wiryonegoro Soeryadiningrat Notodipuro, S.H., M.Kn., M.Sc., Ph.D."
store_sql(os.path.join(d, "teken.db"), None, "UPDATE subscribers SET full_name = ? WHERE full_name = ?", LONG, NAME)
for label, (x, y, w, h) in [("long-default", (50, 50, 240, 90)), ("long-small", (50, 50, 170, 70)), ("long-wide", (60, 300, 420, 100))]:
    stamp_ok(label, LONG, x, y, w, h)

# Too small for a legible statement: refused, with the size that would do, and no file.
for label, (w, h) in [("tiny", (60, 30)), ("low", (200, 30)), ("slim", (80, 200))]:
    p, out = sign(label, 50, 50, w, h)
    check(p.returncode != 0 and ("stamp: %d x %d points is too small for the signer, the time and the BSrE statement" % (w, h)) in p.stderr,
          "%s %d x %d refused: %s" % (label, w, h, p.stderr.strip()))
    check(p.stderr.count("\n") == 1, "%s: one error line" % label)
    check(not os.path.exists(out), "%s: nothing written" % label)
    m = re.search(r"e\.g\. (\d+) x (\d+)", p.stderr)
    if m:
        # The size the error names really works.
        stamp_ok(label + "-suggested", LONG, 50, 50, int(m.group(1)), int(m.group(2)))
    else:
        check("240 x 90" in p.stderr, "%s: the error suggests a size" % label)

# A document's own signature field is the author's choice of box: a typical 142 x 43 field
# (too small for the legible minimum) is still filled, the type smaller, nothing outside it.
form = os.path.join(T, "form.pdf")
with open(form, "wb") as f:
    f.write(form_pdf([("Tanda tangan", 1, (100, 200, 242, 243))]))
_, before = words(form, 2)
stamp_ok("field", LONG, 100, 200, 142, 43, src=form)
finish("test_stamp_layout")
