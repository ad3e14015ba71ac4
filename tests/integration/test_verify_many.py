#!/usr/bin/env python3
"""Many documents at once (issue 13): teken verify --in a.pdf b.pdf ... and
--in DIR on all cores, one JSON report per line in input order, the worst
exit code; POST /api/v1/verify/batch with several parts or a ZIP archive.
pdfsig is the oracle for each document's integrity."""
import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import BIN, Client, Server, check, finish, multipart, teken, tmpdir  # noqa: E402

SRC = os.environ.get("TEKEN_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
T = tmpdir()
D = os.path.join(T, "inst")
teken("init", "--dir", D, "--demo")
demo = json.load(open(os.path.join(D, "demo.json")))
BASE = os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf")
F = os.path.join(T, "folder")
os.makedirs(os.path.join(F, "sub"))


def sign(out):
    teken("sign", "--dir", D, "--seal", "--in", BASE, "--out", out)
    return out


def pdfsig_valid(p):
    out = subprocess.run(["pdfsig", "-nocert", "-no-ocsp", p], capture_output=True, text=True).stdout
    return "Signature is Valid." in out and "not valid" not in out.lower().replace("signature is valid.", "")


for n in ("a", "b", "c"):
    sign(os.path.join(F, n + ".pdf"))
sign(os.path.join(F, "sub", "d.PDF"))
shutil.copy(BASE, os.path.join(F, "e-unsigned.pdf"))
data = bytearray(open(os.path.join(F, "a.pdf"), "rb").read())
data[2000] ^= 0x01
open(os.path.join(F, "f-tampered.pdf"), "wb").write(data)
open(os.path.join(F, "notes.txt"), "w").write("not a document")
check(not pdfsig_valid(os.path.join(F, "f-tampered.pdf")) and pdfsig_valid(os.path.join(F, "a.pdf")), "pdfsig: a valid, f tampered")


def many(*args):
    p = subprocess.run([BIN, "verify", *args], capture_output=True, text=True)
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    return p.returncode, lines, p.stderr


# A folder: every *.pdf (any case), sorted, depth first; one line each, in order.
rc, lines, err = many("--dir", D, "--in", F)
files = [os.path.relpath(x["file"], F) for x in lines]
check(files == ["a.pdf", "b.pdf", "c.pdf", "e-unsigned.pdf", "f-tampered.pdf", "sub/d.PDF"], "folder order: %s" % files)
ind = {os.path.relpath(x["file"], F): x["indication"] for x in lines}
check(ind == {"a.pdf": "TOTAL_PASSED", "b.pdf": "TOTAL_PASSED", "c.pdf": "TOTAL_PASSED", "e-unsigned.pdf": "NO_SIGNATURE",
              "f-tampered.pdf": "TOTAL_FAILED", "sub/d.PDF": "TOTAL_PASSED"}, "verdicts: %s" % ind)
for x in lines:
    if x["indication"] in ("TOTAL_PASSED", "TOTAL_FAILED"):
        check(pdfsig_valid(x["file"]) == (x["indication"] == "TOTAL_PASSED"), "pdfsig agrees on %s" % x["file"])
check(rc == 4, "worst exit code: failed (4), got %d %s" % (rc, err))
check(all(x.get("registry") is not None for x in lines if x["indication"] == "TOTAL_PASSED"), "with --dir the registry record is attached")

# Explicit files, threads: the same verdicts whatever the thread count.
one = many("--dir", D, "--threads", "1", "--in", os.path.join(F, "a.pdf"), os.path.join(F, "e-unsigned.pdf"))
two = many("--dir", D, "--threads", "2", "--in", os.path.join(F, "a.pdf"), os.path.join(F, "e-unsigned.pdf"))
check([x["indication"] for x in one[1]] == [x["indication"] for x in two[1]] == ["TOTAL_PASSED", "NO_SIGNATURE"], "threads 1 and 2 agree")
check(one[0] == two[0] == 6, "worst of passed and unsigned is 6: %d %d" % (one[0], two[0]))

# An unreadable file is a line with an error, the others still verified, exit 1.
bad = os.path.join(F, "zz-bad.pdf")
open(bad, "wb").write(b"hello, not a PDF")
rc, lines, err = many("--dir", D, "--in", F)
check(rc == 1 and lines[-1]["error"]["code"] == "not_a_pdf" and lines[-2]["indication"] == "TOTAL_PASSED", "bad file: error line, exit 1")
os.unlink(bad)
# Without an instance: the trust store from --trust, shared by the workers.
chain = teken("ca", "chain", "--dir", D).stdout
root = os.path.join(T, "root.pem")
open(root, "w").write(chain[chain.rindex("-----BEGIN CERTIFICATE-----"):])
rc, lines, err = many("--trust", root, "--in", os.path.join(F, "a.pdf"), os.path.join(F, "b.pdf"), "--revocation", "optional")
check(rc == 0 and [x["indication"] for x in lines] == ["TOTAL_PASSED", "TOTAL_PASSED"], "--trust, two files: %d %s" % (rc, err))
# One printable report per document: --format html|pdf -o DIR (with --dir the PDFs are sealed by the instance).
R = os.path.join(T, "reports")
os.makedirs(R)
rc, lines, err = many("--dir", D, "--format", "pdf", "-o", R, "--in", os.path.join(F, "a.pdf"), os.path.join(F, "sub"))
made = sorted(os.listdir(R))
check(rc == 0 and len(made) == 2 and all(x.get("report", "").startswith(R) for x in lines), "PDF reports written: %s %s" % (made, err))
for x in lines:
    ps = subprocess.run(["pdfsig", "-nocert", "-no-ocsp", x["report"]], capture_output=True, text=True).stdout
    txt = subprocess.run(["pdftotext", x["report"], "-"], capture_output=True, text=True).stdout
    check("Signature is Valid." in ps and x["sha256"] in txt.replace("\n", "").replace(" ", ""),
          "the report of %s is sealed and names the document's SHA-256" % x["file"])
rc, lines, err = many("--format", "html", "-o", R, "--trust", root, "--revocation", "optional", "--in", os.path.join(F, "a.pdf"),
                      os.path.join(F, "b.pdf"))
check(rc == 0 and all(open(x["report"]).read().lstrip().lower().startswith("<!doctype html") for x in lines), "HTML reports written")
p = subprocess.run([BIN, "verify", "--in", F, "--format", "pdf"], capture_output=True, text=True)
check(p.returncode == 2 and p.stderr.count("\n") == 1, "--format pdf with several files needs -o DIR")
p = subprocess.run([BIN, "verify", "--in", F, "--format", "pdf", "-o", os.path.join(F, "a.pdf")], capture_output=True, text=True)
check(p.returncode == 2 and "existing directory" in p.stderr, "-o must be a directory: %r" % p.stderr)
# Usage errors.
for args in (["--in", F, "--format", "text"], ["--in", F, "--content", BASE], ["--in", os.path.join(T, "empty")]):
    if args[-1].endswith("empty"):
        os.makedirs(args[-1])
    p = subprocess.run([BIN, "verify", *args], capture_output=True, text=True)
    check(p.returncode in (1, 2) and p.stderr.count("\n") == 1 and p.stdout == "", "refused: %s -> %d %r" % (args, p.returncode, p.stderr))

# ---- teken-verify: the slim binary agrees with teken verify, and links no server or network library ----
SLIM = os.path.join(os.path.dirname(BIN), "teken-verify")
check(os.access(SLIM, os.X_OK), "teken-verify is built next to teken")
deps = subprocess.run(["ldd", SLIM], capture_output=True, text=True).stdout
for lib in ("libpq", "libmicrohttpd", "libcurl", "libsqlite3", "libgnutls", "libzip", "libp11"):
    check(lib not in deps, "teken-verify does not load %s" % lib)
AT = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())  # one validation time for both: reports hold times
for name in ("a.pdf", "f-tampered.pdf", "e-unsigned.pdf"):
    f = os.path.join(F, name)
    a = subprocess.run([BIN, "verify", "--trust", root, "--revocation", "optional", "--at", AT, "--in", f], capture_output=True, text=True)
    b = subprocess.run([SLIM, "--trust", root, "--revocation", "optional", "--at", AT, "--in", f], capture_output=True, text=True)
    ja, jb = json.loads(a.stdout), json.loads(b.stdout)
    for j in (ja, jb):
        j.pop("validation_time", None)
        for sg in j["signatures"]:
            sg.pop("validation_time", None)
    check(a.returncode == b.returncode and ja == jb, "teken-verify = teken verify on %s (%d %d)" % (name, a.returncode, b.returncode))
b = subprocess.run([SLIM, "--in", os.path.join(F, "a.pdf"), os.path.join(F, "b.pdf")], capture_output=True, text=True)
check(b.returncode == 2 and b.stderr.count("\n") == 1, "teken-verify takes one document: %r" % b.stderr)
b = subprocess.run([SLIM, "--in", os.path.join(F, "notes.txt")], capture_output=True, text=True)
check(b.returncode == 1 and b.stderr.count("\n") == 1 and b.stdout == "", "teken-verify on a non-PDF: one line, exit 1")
b = subprocess.run([SLIM, "--trust", root, "--in", os.path.join(F, "a.pdf"), "--format", "html"], capture_output=True, text=True)
check(b.returncode in (0, 3) and "<html" in b.stdout.lower(), "teken-verify --format html")

# ---- HTTP ----
srv = Server(D)
c = Client(srv)
files = [("file", n, open(os.path.join(F, n), "rb").read()) for n in ("a.pdf", "f-tampered.pdf", "e-unsigned.pdf")]
body, ct = multipart({}, files)
r = c.request("POST", "/api/v1/verify/batch", body, ctype=ct)
check(r.status == 401, "anonymous batch: 401")
c.bearer = demo["application"]["api_key"]
r = c.request("POST", "/api/v1/verify/batch", body, ctype=ct)
check(r.status == 200 and r.json()["count"] == 3, "batch of parts: %d %s" % (r.status, r.body[:200]))
res = r.json()["results"]
check([(x["file"], x["indication"]) for x in res] == [("a.pdf", "TOTAL_PASSED"), ("f-tampered.pdf", "TOTAL_FAILED"),
                                                       ("e-unsigned.pdf", "NO_SIGNATURE")], "batch verdicts: %s" % [(x["file"], x["indication"]) for x in res])
z = io.BytesIO()
with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
    zf.writestr("surat/a.pdf", files[0][2])
    zf.writestr("surat/", b"")
    zf.writestr("catatan.txt", b"bukan PDF")
r = c.request("POST", "/api/v1/verify/batch", z.getvalue(), ctype="application/zip")
check(r.status == 200 and [(x["file"], x.get("indication"), x.get("error", {}).get("code")) for x in r.json()["results"]] ==
      [("surat/a.pdf", "TOTAL_PASSED", None), ("catatan.txt", None, "not_a_pdf")], "batch from a zip: %s" % r.body[:300])
r = c.request("POST", "/api/v1/verify/batch", b"PK\x03\x04 not really", ctype="application/zip")
check(r.status == 400 and r.error_code() == "zip_invalid", "a broken zip: 400 zip_invalid %s" % r.body[:200])
z = io.BytesIO()
with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
    zf.writestr("bom.pdf", b"\0" * (60 << 20))  # inflates past the 50 MiB a document may have
r = c.request("POST", "/api/v1/verify/batch", z.getvalue(), ctype="application/zip")
check(r.status == 413 and r.error_code() == "zip_limit", "zip bomb refused before inflating: %d %s" % (r.status, r.body[:200]))
z = io.BytesIO()
with zipfile.ZipFile(z, "w") as zf:
    for i in range(101):
        zf.writestr("d%03d.pdf" % i, b"%PDF-1.4\n")
r = c.request("POST", "/api/v1/verify/batch", z.getvalue(), ctype="application/zip")
check(r.status == 413, "101 documents: 413 (%d)" % r.status)
r = c.request("POST", "/api/v1/verify/batch", b"{}", ctype="application/json")
check(r.status == 415, "other media types: 415")
check(srv.stop() == 0, "server stopped cleanly")
finish("verify_many")
