"""Test PDFs and an independent reading of signed ones for the signing
workspace's browser test (tests/browser/workspace.test.mjs).

  python3 ws_pdf.py make OUTDIR      writes the test PDFs, prints their facts as JSON
  python3 ws_pdf.py widgets FILE     the signature widgets as qpdf --json sees them:
                                     [{name, page (from 1), rect [x1,y1,x2,y2], signed, reason, location}]

The reading uses qpdf's JSON (qpdf's own parser, not teken's): the widget's
page is the page whose object the acroform entry names (pageposfrom1)."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from formpdf import form_pdf, write_pdf  # noqa: E402


def plain_pdf(pages, box=(0, 0, 595, 842), rotate=0, crop=None):
    """pages: one content-stream text (bytes) per page; Helvetica as /F1."""
    objs = {}
    n = len(pages)
    page_nums = [3 + i for i in range(n)]
    content_nums = [3 + n + i for i in range(n)]
    font = 3 + 2 * n
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % p for p in page_nums), n)
    mb = b"[%d %d %d %d]" % box
    rot = b" /Rotate %d" % rotate if rotate else b""
    if crop:
        rot += b" /CropBox [%d %d %d %d]" % crop
    for i, body in enumerate(pages):
        objs[page_nums[i]] = (b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Contents %d 0 R"
                              b" /Resources << /Font << /F1 %d 0 R >> >>%s >>" % (mb, content_nums[i], font, rot))
        objs[content_nums[i]] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(body), body)
    objs[font] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    return write_pdf(objs)


def text(x, y, s, size=14):
    return b"BT /F1 %d Tf %d %d Td (%s) Tj ET\n" % (size, x, y, s)


# Where the anchor tag is drawn on page 2 of anchor.pdf (PDF user space = displayed space here).
ANCHOR_AT = (320, 300)
FIELD = ("TTD_Kepala", 1, (300, 100, 540, 190))


def make(outdir):
    os.makedirs(outdir, exist_ok=True)
    facts = {}

    def put(name, data):
        p = os.path.join(outdir, name)
        with open(p, "wb") as f:
            f.write(data)
        facts[name] = p

    put("tiga-halaman.pdf", plain_pdf([text(72, 760, b"Surat uji halaman %d" % (i + 1), 24) for i in range(3)]))
    put("penanda.pdf", plain_pdf([
        text(72, 760, b"Nota dinas halaman 1", 24),
        text(72, 760, b"Nota dinas halaman 2", 24) + text(72, 330, b"Kepala Biro,") + text(ANCHOR_AT[0], ANCHOR_AT[1], b"#ttd#", 12),
        text(72, 760, b"Lampiran halaman 3", 24)]))
    put("kolom.pdf", form_pdf([FIELD], npages=3))
    for i in range(5):
        put("surat-%d.pdf" % (i + 1), plain_pdf([text(72, 760, b"Surat nomor %d" % (i + 1), 24), text(72, 700, b"Isi surat.")]))
    # Landscape by /Rotate 90 with a crop box off the origin: displayed 842 x 595.
    put("putar.pdf", plain_pdf([text(72, 500, b"Halaman diputar", 24)], rotate=90, crop=(20, 30, 575, 822)))
    facts["anchor_at"] = ANCHOR_AT
    facts["field"] = {"name": FIELD[0], "page": FIELD[1] + 1, "rect": FIELD[2]}
    print(json.dumps(facts))


def widgets(path):
    j = json.loads(subprocess.run(["qpdf", "--json=2", path], check=True, capture_output=True).stdout)
    objs = j["qpdf"][1]
    out = []
    for f in j["acroform"]["fields"]:
        if f.get("fieldtype") != "/Sig":
            continue
        ann = objs.get("obj:" + f["annotation"]["object"], {}).get("value", {})
        v = ann.get("/V") or f.get("value")
        sig = objs.get("obj:" + v, {}).get("value", {}) if isinstance(v, str) and v.endswith(" R") else {}
        text = lambda k: (sig.get(k) or "").split(":", 1)[-1] or None  # qpdf JSON v2 strings: "u:text"
        out.append({"name": f.get("fullname"), "page": f.get("pageposfrom1"), "rect": ann.get("/Rect"),
                    "signed": bool(sig), "reason": text("/Reason"), "location": text("/Location")})
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "widgets":
        widgets(sys.argv[2])
    else:
        sys.exit("usage: ws_pdf.py make OUTDIR | widgets FILE")
