"""Damaged documents still get a verdict: cut files (several cut points),
broken cross-reference data, a /ByteRange past the end of the file and a
structure that cannot be parsed at all (signatures found by a raw scan of the
bytes) each give a report with TOTAL_FAILED FORMAT_FAILURE per signature, in
JSON, in text and over HTTP (200). Revisions appended right after "%%EOF"
without an end-of-line ("%%EOF1 0 obj", "%%EOFxref") are read as readers do:
pdfsig (the oracle) and teken both accept the signatures, certified too.
A file that is not a PDF stays an error (not_a_pdf)."""
import json
import os
import re
import subprocess
import sys

SRC = os.environ.get("TEKEN_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
import pdfinc  # noqa: E402
from tekentest import BIN, Client, Server, check, finish, teken, tmpdir  # noqa: E402

T = tmpdir()
BASE = os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf")


def path(name):
    return os.path.join(T, name)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)
    return path(name)


def read(name):
    with open(path(name), "rb") as f:
        return f.read()


D = path("inst")
teken("init", "--dir", D, "--demo", "--key-alg", "ec-p256", "--base-url", "http://127.0.0.1:9999")
NSS = path("nss")
os.makedirs(NSS)
subprocess.run(["certutil", "-N", "-d", "sql:" + NSS, "--empty-password"], check=True, capture_output=True)
# An openssl-made signer for the hand-written signatures (pdfinc.sign uses openssl cms -sign -cades).
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("k.pem"), "-out", path("c.pem"),
                "-subj", "/CN=Uji Penanda Tangan", "-days", "30"], check=True, capture_output=True)


def pdfsig(name):
    return subprocess.run(["pdfsig", "-nssdir", "sql:" + NSS, path(name)], capture_output=True, text=True).stdout


def verify(name, *extra, fmt="json"):
    p = subprocess.run([BIN, "verify", "--dir", D, "--trust", path("c.pem"), "--in", path(name), "--format", fmt, *extra],
                       capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def vjson(name):
    rc, out, err = verify(name)
    check(out.startswith("{"), "%s: a JSON report, not an error (%d): %s" % (name, rc, err))
    return rc, json.loads(out) if out.startswith("{") else {"signatures": []}


# ---- %%EOF without an end-of-line before the next revision ----
base = open(BASE, "rb").read()
n1 = pdfinc.sign(base, path("c.pem"), path("k.pem"), T, field="Sertifikasi", eol=False, certify=2)
check(n1.endswith(b"%%EOF"), "the certified revision ends with %%EOF and no end-of-line")
write("eol_n2.pdf", pdfinc.sign(n1, path("c.pem"), path("k.pem"), T, field="Kedua", sep=b"", eol=False))
check(b"%%EOF1 0 obj" in read("eol_n2.pdf") or re.search(rb"%%EOF\d+ 0 obj", read("eol_n2.pdf")), "%%EOF directly followed by an object")
x1 = pdfinc.append(n1, {}, sep=b"")
write("eol_xref.pdf", pdfinc.sign(x1[:-1], path("c.pem"), path("k.pem"), T, field="Kedua", sep=b"", eol=False))
check(b"%%EOFxref" in read("eol_xref.pdf"), "%%EOF directly followed by xref")
# teken signs after it too (its own revision starts with an end-of-line).
teken("sign", "--dir", D, "--seal", "--in", path("eol_n2.pdf"), "--out", path("eol_teken.pdf"))
for name, n in (("eol_n2.pdf", 2), ("eol_xref.pdf", 2), ("eol_teken.pdf", 3)):
    out = pdfsig(name)
    check(out.count("Signature is Valid.") == n, "pdfsig accepts the %d signatures of %s: %s" % (n, name, out))
    rc, rep = vjson(name)
    check(rc in (0, 5) and [s["indication"] for s in rep["signatures"]] == ["TOTAL_PASSED"] * n,
          "%s: every signature passes (%d): %s" % (name, rc, [(s["indication"], s["message"]) for s in rep["signatures"]]))
    check(rep["signatures"][0]["certification"] == {"docmdp_p": 2} and rep["pdf"]["certified_docmdp"] == 2, "%s: still certified" % name)
    check(rep["pdf"]["damage"] is None, "%s: not damaged: %s" % (name, rep["pdf"]["damage"]))
    br = rep["signatures"][0]["byte_range"]
    check(br[2] + br[3] == len(n1), "%s: the certification signature ends at its own %%EOF" % name)

# ---- damaged files from a teken-signed document with two signatures ----
teken("sign", "--dir", D, "--seal", "--in", BASE, "--out", path("s1.pdf"))
teken("sign", "--dir", D, "--seal", "--in", path("s1.pdf"), "--out", path("s2.pdf"))
S1, S2 = read("s1.pdf"), read("s2.pdf")
rc, rep = vjson("s2.pdf")
check(rc == 0 and len(rep["signatures"]) == 2, "the undamaged file passes")
SIGNER = rep["signatures"][1]["signer"]

FIX = {}
FIX["cut_tail.pdf"] = S2[:len(S2) - 300]                     # inside the last revision, after its /Contents
FIX["cut_middle.pdf"] = S2[:len(S2) * 3 // 10]                 # in the middle, inside the first /Contents
br2 = [int(x) for x in re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", S2)[-1]]
FIX["cut_contents.pdf"] = S2[:br2[1] + 200]                    # inside the second /Contents
xr = S2.rindex(b"\nxref\n") + 1
x = bytearray(S2)
end = x.index(b"trailer", xr)
x[xr:end] = re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m.group(1)) + 7), bytes(x[xr:end]))
XREF_OFFSETS = bytes(x)
x = bytearray(S2)
x[xr:xr + 4] = b"xxxx"
FIX["xref_missing.pdf"] = bytes(x)
x = bytearray(S2)
sx = S2.rindex(b"startxref")
m = re.compile(rb"startxref\s+(\d+)").match(S2, sx)
x[m.start(1):m.end(1)] = b"9" * len(m.group(1))
FIX["startxref_garbage.pdf"] = bytes(x)
x = bytearray(S2)
k = S2.rindex(b"/ByteRange")
m = re.compile(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)\s*\]").match(S2, k)
new = b"/ByteRange [0 %s %s %d]" % (m.group(1), m.group(2), int(m.group(3)) + 5000)
check(len(new) <= len(m.group(0)), "room to rewrite /ByteRange")
x[m.start():m.end()] = new.ljust(len(m.group(0)))
FIX["byterange_past_eof.pdf"] = bytes(x)
# Nothing to parse: no trailer, no startxref, no catalog; only the bytes of the signature dictionaries remain.
FIX["unreadable.pdf"] = re.sub(rb"trailer|startxref|/Root|/Catalog|/Pages|/Type\s*/Page", lambda m: b"X" * len(m.group(0)), S2)
for n, data in FIX.items():
    write(n, data)

for n in FIX:
    rc, rep = vjson(n)
    ind = [(s["indication"], s["subindication"]) for s in rep["signatures"]]
    check(rc == 4 and rep["indication"] == "TOTAL_FAILED", "%s: exit 4, TOTAL_FAILED at the top (%d, %s)" % (n, rc, rep.get("indication")))
    check(("TOTAL_FAILED", "FORMAT_FAILURE") in ind, "%s: the damaged signature is a FORMAT_FAILURE: %s" % (n, ind))
    check(rep["notice"] or any(s["message"] for s in rep["signatures"]), "%s: says what was found" % n)
    rc, txt, err = verify(n, fmt="text")
    check(rc == 4 and "TIDAK SAH / NOT VALID" in txt, "%s: text report: %d %s" % (n, rc, err))

# What each says, in plain words.
rc, rep = vjson("cut_tail.pdf")
check(len(rep["signatures"]) == 2 and "truncated" in rep["notice"], "cut tail: both signatures named, truncation said: %s" % rep["notice"])
last = rep["signatures"][1]
check(last["subindication"] == "FORMAT_FAILURE" and "past the end of the file" in last["message"] and last["signer"] == SIGNER,
      "cut tail: the lost revision's signature and its signer: %s" % last)
check(last["building_blocks"]["cryptographic_verification"]["subindication"] == "SIGNED_DATA_NOT_FOUND", "signed data not there")
# Cut between the first revision and the second signature's dictionary: nothing of that signature is left.
write("cut_60.pdf", S2[:len(S1) + 40])
rc, rep = vjson("cut_60.pdf")
check(rc == 5 and len(rep["signatures"]) == 1 and "truncated" in rep["notice"] and "lost" in rep["notice"] and
      "appended_bytes" in rep["signatures"][0]["modifications_after"][0]["kinds"], "cut before the second signature: %s" % rep["notice"])
# Wrong offsets in the cross-reference table of the last revision: repaired as readers do (each
# object of that number is found); the first signature's revision is intact and it passes with a
# warning; the second one covers the changed table, so its digest no longer matches.
write("xref_offsets.pdf", XREF_OFFSETS)
rc, rep = vjson("xref_offsets.pdf")
ind = [(s["indication"], s["subindication"]) for s in rep["signatures"]]
check(rc == 4 and rep["pdf"]["damage"] and ind == [("TOTAL_PASSED", None), ("TOTAL_FAILED", "HASH_FAILURE")],
      "xref offsets: %s" % [(s["indication"], s["message"]) for s in rep["signatures"]])
check(any("repaired as readers do" in w for w in rep["signatures"][0]["warnings"]), "the repair is a warning: %s" % rep["signatures"][0]["warnings"])
# The same sloppiness in the unsigned original (common with some producers), signed afterwards:
# pdfsig calls the signature valid, and so do we, with the warning.
orig = bytearray(open(BASE, "rb").read())
ox = orig.rindex(b"\nxref\n") + 1
oe = orig.index(b"trailer", ox)
orig[ox:oe] = re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m.group(1)) + 40), bytes(orig[ox:oe]))
write("sloppy.pdf", bytes(orig))
teken("sign", "--dir", D, "--seal", "--in", path("sloppy.pdf"), "--out", path("sloppy-s.pdf"))
ps = subprocess.run(["pdfsig", "-nocert", "-no-ocsp", path("sloppy-s.pdf")], capture_output=True, text=True).stdout
check("Signature is Valid." in ps, "pdfsig: the signature on a file with a sloppy original table is valid: %s" % ps)
rc, rep = vjson("sloppy-s.pdf")
check(rc == 0 and rep["signatures"][0]["indication"] == "TOTAL_PASSED" and
      (not rep["pdf"]["damage"] or any("repaired as readers do" in w for w in rep["signatures"][0]["warnings"])),
      "sloppy original, signed: passes (with a warning when a repair was needed) (%d): %s %s" % (rc, rep["pdf"]["damage"],
                                                                                              rep["signatures"][0]["warnings"]))
rc, rep = vjson("byterange_past_eof.pdf")
s = rep["signatures"][1]
check("past the end of the file" in s["message"] and s["signer"] == SIGNER, "byte range past EOF, signer still named: %s" % s)
check(rep["signatures"][0]["indication"] == "TOTAL_PASSED", "the first signature is untouched: %s" % rep["signatures"][0]["message"])
rc, rep = vjson("unreadable.pdf")
check(rep["pdf"]["unreadable"] and len(rep["signatures"]) == 2 and all(s["signer"] == SIGNER for s in rep["signatures"]),
      "raw scan names both signatures and signers: %s" % [(s["field"], s["signer"]) for s in rep["signatures"]])
check("cannot be read" in rep["notice"], "unreadable: %s" % rep["notice"])
check(all(s["subindication"] == "FORMAT_FAILURE" and "cannot be read" in s["message"] and s["byte_range"][0] == 0 for s in rep["signatures"]),
      "unreadable: each a format failure that says why: %s" % [s["message"] for s in rep["signatures"]])

# Not a PDF: an error, one line.
write("notpdf.bin", b"GIF89a" + os.urandom(2000))
rc, out, err = verify("notpdf.bin")
check(rc == 1 and out == "" and err.count("\n") == 1 and "not a PDF" in err, "not a PDF: %d %r" % (rc, err))

# HTTP: 200 with the report for every damaged file; 4xx for a non-PDF.
srv = Server(D)
c = Client(srv)
for n in FIX:
    r = c.request("POST", "/api/v1/verify", read(n), ctype="application/pdf")
    check(r.status == 200 and r.json()["indication"] == "TOTAL_FAILED" and r.json()["signatures"], "HTTP %s: %d %s" % (n, r.status, r.body[:200]))
r = c.request("POST", "/api/v1/verify", read("eol_n2.pdf"), ctype="application/pdf")
check(r.status == 200 and len(r.json()["signatures"]) == 2, "HTTP no-EOL file: %s" % r.body[:200])
r = c.request("POST", "/api/v1/verify", read("notpdf.bin"), ctype="application/pdf")
check(400 <= r.status < 500 and r.error_code() == "not_a_pdf", "HTTP not a PDF: %d %s" % (r.status, r.body[:200]))
check(srv.stop() == 0, "server stops")
finish("test_verify_damaged.py")
