"""Printable validation reports (issue 13): `teken verify --format html|pdf`
and POST /api/v1/verify with Accept: text/html / application/pdf, for a
PDF signed here, the same PDF tampered with, and an unsigned PDF.

Oracles: the HTML is searched for escaped and unescaped hostile text; the
PDF reports are judged by qpdf --check (structure), pdfsig (the report's
own signature is valid and made by the instance seal), pdftotext (verdict,
the verified document's SHA-256 and the signer's name are extractable
text), and finally `teken verify --dir` on the report itself (B-LT).
"""
import hashlib
import json
import os
import re
import subprocess
import sys

SRC = os.environ.get("TEKEN_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from tekentest import Client, Server, check, finish, multipart, teken, tmpdir  # noqa: E402

T = tmpdir()
D = os.path.join(T, "inst")
BASE = os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf")
HOSTILE = "<script>alert(1)</script>"
SEAL_CN = "teken Segel Instansi"


def path(name):
    return os.path.join(T, name)


def run(*args, check_rc=True):
    p = subprocess.run(list(args), capture_output=True)
    if check_rc and p.returncode != 0:
        raise AssertionError("%s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr.decode(errors="replace")))
    return p


def sha256(p):
    with open(p, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def pdftext(p):
    return run("pdftotext", "-layout", p, "-").stdout.decode()


def squash(s):
    """pdftotext keeps line breaks of wrapped cells: compare without whitespace."""
    return re.sub(r"\s+", "", s)


def check_pdf_report(p, doc_sha, verdict, signer, sealed=True):
    """The report p: well formed, sealed by the instance (pdfsig), text extractable."""
    q = run("qpdf", "--check", p, check_rc=False)
    check(q.returncode == 0 and b"No syntax or stream encoding errors" in q.stdout, "qpdf --check %s: %s" % (p, q.stdout[-300:]))
    s = run("pdfsig", p, check_rc=False)
    out = s.stdout.decode(errors="replace")
    if sealed:
        check("Signature is Valid." in out, "pdfsig: the report's signature is valid: " + out)
        check(("Common Name: " + SEAL_CN) in out, "pdfsig: signed by the instance seal: " + out)
    else:
        check("Signature #1" not in out, "pdfsig: the unsigned report has no signature: " + out)
    text = pdftext(p)
    flat = squash(text)
    check(squash(verdict) in flat, "pdftotext finds the verdict %r" % verdict)
    check(doc_sha in flat, "pdftotext finds the SHA-256 of the verified document")
    if signer:
        check(squash(signer) in flat, "pdftotext finds the signer %r" % signer)
    check("Laporanrinci/Detailedreport" in flat, "the detailed report follows the simple one")
    if sealed:
        # The report itself verifies with the instance: PAdES B-LT by the seal.
        v = teken("verify", "--dir", D, "--in", p, check_rc=False)
        check(v.returncode == 0, "teken verify --dir on the report: exit %d %s" % (v.returncode, v.stderr))
        j = json.loads(v.stdout)
        sig = j["signatures"][0]
        check(j["indication"] == "TOTAL_PASSED" and sig["level"] == "PAdES-BASELINE-LT" and sig["signer"] == SEAL_CN,
              "report verifies TOTAL_PASSED at B-LT by the seal: %s %s %s" % (j["indication"], sig["level"], sig["signer"]))
    return text


# ---- an instance and three documents ----
teken("init", "--dir", D)
SIGNED = path("signed.pdf")
p = teken("sign", "--dir", D, "--in", BASE, "--out", SIGNED, "--seal", "--level", "B-T", "--reason", HOSTILE)
with open(SIGNED, "rb") as f:
    signed = f.read()
j = json.loads(teken("verify", "--dir", D, "--in", SIGNED).stdout)
check(j["signatures"][0]["reason"] == HOSTILE, "the hostile /Reason is in the signed file: %r" % j["signatures"][0]["reason"])
TAMPERED = path("tampered.pdf")
i = signed.find(b"GPL Ghostscript")
check(i > 0, "a byte to tamper with inside the signed range")
with open(TAMPERED, "wb") as f:
    f.write(signed[:i] + b"XPL" + signed[i + 3:])
UNSIGNED = BASE
# Damaged files still get a report with a verdict, in every format: cut inside the signed revision,
# and a /ByteRange that runs past the end of the file.
CUT = path("cut.pdf")
with open(CUT, "wb") as f:
    f.write(signed[:len(signed) - 300])
PAST = path("past-eof.pdf")
m = re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", signed)
new = b"/ByteRange [0 %s %s %d]" % (m.group(1), m.group(2), int(m.group(3)) + 5000)
check(len(new) <= len(m.group(0)), "room to rewrite /ByteRange")
with open(PAST, "wb") as f:
    f.write(signed[:m.start()] + new.ljust(len(m.group(0))) + signed[m.end():])
chain = teken("ca", "chain", "--dir", D).stdout
ROOTS = path("chain.pem")
with open(ROOTS, "w") as f:
    f.write(chain)

CASES = [
    # name, file, exit code of teken verify, verdict, signer
    ("signed", SIGNED, 0, "SAH / VALID", SEAL_CN),
    ("tampered", TAMPERED, 4, "TIDAK SAH / NOT VALID", SEAL_CN),
    ("unsigned", UNSIGNED, 6, "TIDAK ADA TANDA TANGAN / NO SIGNATURE", None),
    ("cut", CUT, 4, "TIDAK SAH / NOT VALID", None),
    ("past-eof", PAST, 4, "TIDAK SAH / NOT VALID", None),
]

# ---- CLI: HTML ----
for name, f, code, verdict, signer in CASES:
    out = path(name + ".html")
    r = teken("verify", "--dir", D, "--in", f, "--format", "html", "-o", out, check_rc=False)
    check(r.returncode == code, "%s: html exit %d (want %d): %s" % (name, r.returncode, code, r.stderr))
    with open(out, encoding="utf-8") as fh:
        html = fh.read()
    check(html.startswith("<!doctype html>") and "</html>" in html, name + ": a whole HTML document")
    check(verdict in html, "%s: HTML has the verdict %r" % (name, verdict))
    check("Laporan ringkas / Simple report" in html and "Laporan rinci / Detailed report" in html, name + ": simple then detailed")
    check(sha256(f) in html, name + ": HTML names the document by its SHA-256")
    check("<script" not in html.lower(), name + ": no script element in the HTML report")
    check("default-src 'none'" in html, name + ": the HTML report carries its own CSP")
    if signer:
        check(signer in html, name + ": signer in the HTML report")
        check("&lt;script&gt;alert(1)&lt;/script&gt;" in html, name + ": the hostile reason is escaped")
        for bb in ("Format checking (FC)", "X.509 certificate validation (XCV)", "Cryptographic verification (CV)",
                   "Signature acceptance validation (SAV)", "Data pencabutan yang digunakan / Revocation data used"):
            check(bb in html, "%s: detailed report has %r" % (name, bb))
    if name == "signed":
        check("Rantai sertifikat / Certificate chain" in html and "teken Root CA" in html, "signed: the chain to the root")
        check("Sumber / Source</th><td>registry</td>" in html, "signed: the revocation source used")
        check("Cap waktu / Timestamps" in html, "signed: the signature timestamp")
# stdout without -o
r = teken("verify", "--dir", D, "--in", SIGNED, "--format", "html")
check(r.stdout.startswith("<!doctype html>"), "--format html without -o writes to stdout")

# ---- CLI: PDF, sealed by the instance ----
for name, f, code, verdict, signer in CASES:
    out = path(name + "-report.pdf")
    r = teken("verify", "--dir", D, "--in", f, "--format", "pdf", "-o", out, check_rc=False)
    check(r.returncode == code, "%s: pdf exit %d (want %d): %s" % (name, r.returncode, code, r.stderr))
    check("not signed" not in r.stderr, name + ": no unsigned warning with --dir")
    text = check_pdf_report(out, sha256(f), verdict, signer)
    if name == "signed":
        check(HOSTILE in text, "the reason appears as plain text in the PDF")

# ---- CLI without an instance: an unsigned PDF that says so ----
out = path("nodir-report.pdf")
r = teken("verify", "--trust", ROOTS, "--in", SIGNED, "--format", "pdf", "-o", out, "--revocation", "optional", check_rc=False)
check(r.returncode in (0, 3), "no --dir: exit %d %s" % (r.returncode, r.stderr))
check("warning" in r.stderr and "not signed" in r.stderr, "no --dir: a warning on stderr: " + r.stderr)
text = check_pdf_report(out, sha256(SIGNED), "Laporan", SEAL_CN, sealed=False)
check("LAPORAN INI TIDAK DITANDATANGANI" in text and "THIS REPORT IS NOT SIGNED" in text, "the unsigned report says so")
r = teken("verify", "--in", SIGNED, "--format", "bogus", check_rc=False)
check(r.returncode == 2 and "json, text, html or pdf" in r.stderr, "bad --format: usage error")

# ---- HTTP ----
srv = Server(D)
c = Client(srv)
for name, f, code, verdict, signer in CASES:
    with open(f, "rb") as fh:
        data = fh.read()
    # default stays JSON
    r = c.request("POST", "/api/v1/verify", data, ctype="application/pdf")
    check(r.status == 200 and r.headers["content-type"].startswith("application/json"), "%s: JSON by default (%d)" % (name, r.status))
    r = c.request("POST", "/api/v1/verify", data, ctype="application/pdf", headers={"Accept": "application/json, text/html"})
    check(r.status == 200 and r.headers["content-type"].startswith("application/json"), name + ": the first listed type wins")
    # HTML
    r = c.request("POST", "/api/v1/verify", data, ctype="application/pdf", headers={"Accept": "text/html"})
    check(r.status == 200 and r.headers["content-type"].startswith("text/html"), "%s: Accept text/html (%d)" % (name, r.status))
    check(r.headers.get("content-disposition", "").startswith("attachment"), name + ": the HTML report is a download")
    check(r.headers.get("vary") == "Accept", name + ": the answer varies with Accept")
    html = r.body.decode()
    check(verdict in html and sha256(f) in html and "<script" not in html.lower(), name + ": HTML report over HTTP")
    check(re.search(r"Pemverifikasi / Verifier</th><td>https?://[^<]+</td>", html) is not None, name + ": the instance is named as verifier")
    # PDF
    r = c.request("POST", "/api/v1/verify", data, ctype="application/pdf", headers={"Accept": "application/pdf"})
    check(r.status == 200 and r.headers["content-type"] == "application/pdf", "%s: Accept application/pdf (%d %s)" % (
        name, r.status, r.body[:200]))
    out = path(name + "-http.pdf")
    with open(out, "wb") as fh:
        fh.write(r.body)
    check_pdf_report(out, sha256(f), verdict, signer)

# The uploader's own file name, sanitised, in JSON and reports; the registry record of a file signed here.
body, ctype = multipart({}, [("file", "C:/Users/x/Surat <i>penting\x01.pdf", signed)])
r = c.request("POST", "/api/v1/verify", body, ctype=ctype)
j = r.json()
check(r.status == 200 and j["file"] == "Surat <i>penting.pdf", "multipart file name kept, path and control characters dropped: %r" % j.get("file"))
check(isinstance(j.get("registry"), dict) and re.fullmatch(r"[a-z2-7]{26}", j["registry"]["id"] or ""), "registry record of the file signed here")
r = c.request("POST", "/api/v1/verify", body, ctype=ctype, headers={"Accept": "text/html"})
html = r.body.decode()
check("Surat &lt;i&gt;penting.pdf" in html and "<i>penting" not in html, "the uploaded name is escaped in the HTML report")
check("/v/" + j["registry"]["id"] in html, "the HTML report links the registry record")
# In the quoted filename a backslash escapes the next one: the header carries a\\b for the name a\b.
body, ctype = multipart({}, [("file", "a\\\\b\u202egnp.pdf", signed)])
r = c.request("POST", "/api/v1/verify", body, ctype=ctype)
check(r.status == 200 and r.json()["file"] == "bgnp.pdf", "backslash paths and bidi overrides dropped: %r" % r.json().get("file"))
body, ctype = multipart({}, [("file", "", signed)])
r = c.request("POST", "/api/v1/verify", body, ctype=ctype)
check(r.status == 200 and r.json()["file"] == "upload.pdf", "no file name: upload.pdf")
# Bad input stays a clear 4xx, whatever the Accept header.
r = c.request("POST", "/api/v1/verify", b"not a pdf", ctype="application/pdf", headers={"Accept": "application/pdf"})
check(r.status == 400 and r.error_code() == "not_a_pdf", "not a PDF with Accept pdf: 400 not_a_pdf (%d)" % r.status)
check(srv.stop() == 0, "server stops cleanly")
finish("verify_reports")
