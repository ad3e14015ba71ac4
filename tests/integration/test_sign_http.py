#!/usr/bin/env python3
"""Signing over HTTP by subscribers and applications, checked with pdfsig and openssl."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, teken, tmpdir  # noqa: E402

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
T = tmpdir()
d = os.path.join(T, "inst")
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256")
demo = json.load(open(os.path.join(d, "demo.json")))
# A second application limited to another unit.
other_key = teken("apikey", "create", "--dir", d, "--name", "Aplikasi Lain", "--units", "Biro Keuangan").stdout.strip()
srv = Server(d)
pdf = open(os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf"), "rb").read()


def pdfsig(data):
    p = os.path.join(T, "check.pdf")
    open(p, "wb").write(data)
    return subprocess.run(["pdfsig", "-no-ocsp", p], capture_output=True, text=True).stdout


def sign(client, opts, files=None, path="/api/v1/sign/pdf"):
    body, ct = multipart({"options": json.dumps(opts)}, files if files is not None else [("file", "surat.pdf", pdf)])
    return client.request("POST", path, body, ctype=ct, raw=True)


sub = Client(srv)
check(sub.login(demo["subscriber"]["user"], demo["subscriber"]["password"]).status == 200, "subscriber login")
app = Client(srv)
app.bearer = demo["application"]["api_key"]
other = Client(srv)
other.bearer = other_key

# A subscriber signs with their passphrase; visible stamp.
r = sign(sub, {"passphrase": demo["subscriber"]["passphrase"], "visible": {"page": 1, "x": 300, "y": 40, "w": 250, "h": 90}})
check(r.status == 200 and r.headers["content-type"] == "application/pdf", "subscriber signs: %d %s" % (r.status, r.body[:200]))
check(r.body.startswith(pdf), "original bytes kept")
out = pdfsig(r.body)
check("Signature is Valid" in out and "Siti Rahmawati" in out and "Total document signed" in out, "pdfsig: " + out)
check(len(r.headers["x-document-id"]) == 26 and r.headers["x-signature-level"] == "PAdES-BASELINE-B", "headers")

# Wrong passphrase: 401, no document.
r = sign(sub, {"passphrase": "bukan-passphrase"})
check(r.status == 401 and r.error_code() == "passphrase_invalid", "wrong passphrase")

# Application with its seal.
r = sign(app, {})
check(r.status == 200 and "Signature is Valid" in pdfsig(r.body), "application seal signature")
# Application for an official by NIK, within its units.
nik = demo["subscriber"]["nik"]
r = sign(app, {"nik": nik, "passphrase": demo["subscriber"]["passphrase"], "unit": "Sekretariat Jenderal"})
check(r.status == 200 and "Siti Rahmawati" in pdfsig(r.body), "application signs for an official: %s" % r.body[:200])
r = sign(other, {"nik": nik, "passphrase": demo["subscriber"]["passphrase"], "unit": "Biro Keuangan"})
check(r.status == 401 and r.error_code() == "passphrase_invalid",
      "an official outside the key's units is nobody to it (no NIK oracle): %s" % r.body[:200])
r = sign(other, {"nik": nik, "passphrase": demo["subscriber"]["passphrase"], "unit": "Sekretariat Jenderal"})
check(r.status == 403 and r.error_code() == "unit_not_allowed", "unit outside the API key's scope")
r = sign(app, {"nik": nik, "passphrase": demo["subscriber"]["passphrase"], "unit": "Biro Keuangan"})
check(r.status == 403 and r.error_code() == "unit_not_allowed", "a unit outside the key's own scope: %s" % r.body[:200])
r = sign(app, {"nik": "3174015708859999", "passphrase": "whatever-passphrase", "unit": "Sekretariat Jenderal"})
r2 = sign(app, {"nik": nik, "passphrase": "whatever-passphrase", "unit": "Sekretariat Jenderal"})
check(r.status == r2.status == 401 and r.json() == r2.json(), "unknown NIK and wrong passphrase look the same")

# CAdES of any file.
data = os.urandom(5000)
r = sign(app, {}, [("file", "data.bin", data)], "/api/v1/sign/cades")
check(r.status == 200 and r.headers["content-type"] == "application/pkcs7-signature", "CAdES")
open(os.path.join(T, "d.bin"), "wb").write(data)
open(os.path.join(T, "d.p7s"), "wb").write(r.body)
chain = teken("ca", "chain", "--dir", d).stdout
open(os.path.join(T, "root.pem"), "w").write("-----BEGIN CERTIFICATE-----" + chain.split("-----BEGIN CERTIFICATE-----")[2])
p = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", os.path.join(T, "d.p7s"), "-content",
                    os.path.join(T, "d.bin"), "-CAfile", os.path.join(T, "root.pem"), "-purpose", "any", "-out", "/dev/null"],
                   capture_output=True, text=True)
check(p.returncode == 0, "openssl cms verifies the CAdES: " + p.stderr)

# Batch: one passphrase entry, per-file results.
files = [("file", "a.pdf", pdf), ("file", "b.pdf", pdf), ("file", "c.txt", b"hello")]
r = sign(sub, {"passphrase": demo["subscriber"]["passphrase"]}, files, "/api/v1/sign/batch")
j = r.json()
check(r.status == 200 and j["files"] == 3 and j["signed"] == 2, "batch: %s" % r.body[:300])
check([x["ok"] for x in j["results"]] == [True, True, False] and j["results"][2]["error"]["code"] == "not_a_pdf", "per-file results")
import base64  # noqa: E402
check("Signature is Valid" in pdfsig(base64.b64decode(j["results"][0]["pdf_base64"])), "batch output verifies")

# Anchor text over HTTP (options.visible.anchor): the stamp's lower-left corner at the tag, read back with qpdf.
def tag_pdf(boxes=b"/MediaBox [0 0 595 842]"):
    body = b"BT /F1 12 Tf 300 200 Td (#ttd#) Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R %s /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>" % boxes,
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(body), body), b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.7\n")
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i + 1, o)
    x = len(out)
    out += b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % x
    return bytes(out)


def widget_rect(data):
    p = os.path.join(T, "anchor.pdf")
    open(p, "wb").write(data)
    j = json.loads(subprocess.run(["qpdf", "--json=2", p], check=True, capture_output=True).stdout)
    f = [f for f in j["acroform"]["fields"] if f.get("fieldtype") == "/Sig"]
    return j["qpdf"][1]["obj:" + f[0]["annotation"]["object"]]["value"]["/Rect"] if len(f) == 1 else None


tagged = [("file", "nota.pdf", tag_pdf())]
r = sign(sub, {"passphrase": demo["subscriber"]["passphrase"], "visible": {"anchor": "#ttd#", "w": 240, "h": 90}}, tagged)
check(r.status == 200 and "Signature is Valid" in pdfsig(r.body), "anchor over HTTP: %d %s" % (r.status, r.body[:200]))
rect = widget_rect(r.body)
check(rect is not None and abs(rect[0] - 300) < 1 and abs(rect[1] - 200) < 4 and abs(rect[2] - rect[0] - 240) < 0.5 and abs(rect[3] - rect[1] - 90) < 0.5,
      "the stamp sits at the tag: %s" % rect)
r = sign(sub, {"passphrase": demo["subscriber"]["passphrase"], "visible": {"anchor": "#ttd#"}}, tagged)
rect = widget_rect(r.body) if r.status == 200 else None
check(rect is not None and abs(rect[2] - rect[0] - 220) < 0.5 and abs(rect[3] - rect[1] - 80) < 0.5, "anchor without a size: 220 x 80: %s" % rect)
r = sign(sub, {"passphrase": demo["subscriber"]["passphrase"], "visible": {"anchor": "#tidak-ada#"}}, tagged)
check(400 <= r.status < 500 and r.error_code() == "anchor_not_found", "anchor not in the document: %d %s" % (r.status, r.body[:200]))
for bad in ["", "x" * 65, 7]:
    r = sign(sub, {"passphrase": demo["subscriber"]["passphrase"], "visible": {"anchor": bad}}, tagged)
    check(r.status == 400, "bad anchor %r refused: %d %s" % (bad, r.status, r.body[:200]))

# Page boxes as viewers read them (ISO 32000-1 7.9.5, 14.11.2): corners in any order, the crop box clipped to the
# media box. A stamp placed in displayed coordinates lands where pdf.js showed it.
for what, boxes in [("inverted crop box", b"/MediaBox [0 0 595 842] /CropBox [595 842 0 0]"),
                    ("crop box beyond the media box", b"/MediaBox [0 0 595 842] /CropBox [-100 -100 700 900]"),
                    ("inverted media box", b"/MediaBox [595 842 0 0]")]:
    r = sign(sub, {"passphrase": demo["subscriber"]["passphrase"], "visible": {"page": 1, "x": 100, "y": 100, "w": 240, "h": 90}},
             [("file", "kotak.pdf", tag_pdf(boxes))])
    rect = widget_rect(r.body) if r.status == 200 else None
    check(rect is not None and [round(v) for v in rect] == [100, 100, 340, 190] and "Signature is Valid" in pdfsig(r.body),
          "%s: the stamp at (100, 100) of the page shown: %d %s" % (what, r.status, rect if rect else r.body[:200]))

# Bad input.
before = teken("audit", "verify", "--dir", d).stdout
for what, opts, fls, code in [
    ("not a PDF", {}, [("file", "x.pdf", b"GIF89a....")], "not_a_pdf"),
    ("no file", {}, [], "missing_field"),
    ("bad visible", {"visible": {"page": 1, "x": "a"}}, None, "invalid_field"),
    ("stamp off the page", {"visible": {"page": 1, "x": 590, "y": 800, "w": 300, "h": 100}}, None, "bad_rect"),
    ("truncated PDF", {}, [("file", "t.pdf", pdf[: len(pdf) // 3])], None),
    ("bad certify", {"certify": 7}, None, "invalid_field"),
]:
    r = sign(app, opts, fls)
    check(400 <= r.status < 500 and (code is None or r.error_code() == code), "%s: %d %s" % (what, r.status, r.body[:200]))
r = app.request("POST", "/api/v1/sign/pdf", b"not multipart", ctype="text/plain", raw=True)
check(r.status == 400 and r.error_code() == "unsupported_media_type", "wrong content type")
r = app.request("POST", "/api/v1/sign/pdf", b"x" * 100, ctype="multipart/form-data; boundary=b",
                headers={"Content-Length": str(60 * 1024 * 1024)}, raw=True) if False else None
check(srv.stop() == 0, "server stops cleanly")
check("intact" in teken("audit", "verify", "--dir", d).stdout, "audit intact")
finish("test_sign_http.py")
