"""teken verify on signed encrypted PDFs (issue 13): qpdf encrypts an
unsigned PDF (RC4-40, RC4-128, AES-128, AES-256 R6, AES-256 R5, and with a
user password), poppler's pdfsig signs the encrypted file with an
incremental update (pdfsig -add-signature, NSS database), pdfsig is the
oracle for the signature and qpdf for the encryption; teken must agree with
the verdict it gives the same signature on the unencrypted control, see the
decrypted signature dictionary strings, fail a byte flipped inside the
signed range, ask for a user password with a verdict (not an error), and
refuse to sign into an encrypted file. Also over HTTP."""
import json
import os
import re
import subprocess
import sys

SRC = os.environ.get("TEKEN_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from nssca import NssCa  # noqa: E402
from tekentest import BIN, Client, Server, check, finish, teken, tmpdir  # noqa: E402

T = tmpdir()
BASE = os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf")


def path(name):
    return os.path.join(T, name)


def read(name):
    with open(path(name), "rb") as f:
        return f.read()


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)
    return path(name)


def run(*args, env=None):
    p = subprocess.run(list(args), capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise AssertionError("%s failed: %s" % (" ".join(args), p.stderr))
    return p


for tool in ("qpdf", "pdfsig", "certutil", "pk12util", "openssl"):
    check(subprocess.run(["sh", "-c", "command -v " + tool], capture_output=True).returncode == 0, "oracle %s is installed" % tool)

ca = NssCa(path("ca"))
ca.add_signer("budi", "Budi Santoso")
write("pw-user", b"geheim\n")
write("pw-owner", b"pemilik\n")
write("pw-wrong", b"salah\n")

# ---- encrypted inputs (qpdf), signed by pdfsig ----
VARIANTS = {
    # name: (qpdf arguments, qpdf's R, our description, user password)
    "rc4-40": (["--allow-weak-crypto", "--encrypt", "", "owner", "40", "--"], "2", "RC4 with a 40-bit key, R2", None),
    "rc4-128": (["--allow-weak-crypto", "--encrypt", "", "owner", "128", "--use-aes=n", "--"], "3", "RC4 with a 128-bit key, R3", None),
    "aes-128": (["--encrypt", "", "owner", "128", "--use-aes=y", "--"], "4", "AES-128 with a 128-bit key, R4", None),
    "aes-256": (["--encrypt", "", "owner", "256", "--"], "6", "AES-256, R6", None),
    "aes-256-r5": (["--allow-weak-crypto", "--encrypt", "", "owner", "256", "--force-R5", "--"], "5",
                   "AES-256, R5 (deprecated Adobe extension)", None),
    "user-aes-256": (["--encrypt", "geheim", "pemilik", "256", "--"], "6", "AES-256, R6", "geheim"),
    "user-rc4-128": (["--allow-weak-crypto", "--encrypt", "geheim", "pemilik", "128", "--use-aes=n", "--"], "3",
                     "RC4 with a 128-bit key, R3", "geheim"),
}

ca.pdfsig_sign(BASE, path("s-control.pdf"), "budi")
for name, (qargs, r, _, upw) in VARIANTS.items():
    run("qpdf", *qargs, BASE, path("e-%s.pdf" % name))
    extra = ["-upw", upw] if upw else []
    ca.pdfsig_sign(path("e-%s.pdf" % name), path("s-%s.pdf" % name), "budi", *extra)
    signed, unsigned = read("s-%s.pdf" % name), read("e-%s.pdf" % name)
    check(signed[:len(unsigned)] == unsigned, "%s: pdfsig wrote an incremental update" % name)
    pw = ["--password=" + upw] if upw else []
    enc = run("qpdf", *pw, "--show-encryption", path("s-%s.pdf" % name)).stdout
    check(re.search(r"^R = %s$" % r, enc, re.M) is not None, "%s: qpdf says the signed file is still encrypted with R %s: %s" % (name, r, enc))
    rc, out = ca.pdfsig_view(path("s-%s.pdf" % name), *extra)
    check("Signature is Valid" in out and "Signature #2" not in out, "%s: pdfsig says its one signature is valid: %s" % (name, out))
    # The signature dictionary's strings are encrypted in the file; its /Contents is not (ISO 32000-2 7.6.2).
    tail = signed[len(unsigned):]
    check(b"/Reason (Disetujui)" not in tail and b"/Contents <30" in tail, "%s: /Reason encrypted, /Contents in clear" % name)

# ---- verifying ----
TRUST = ["--trust", ca.root, "--revocation", "optional"]


def verify(name, *extra, env=None):
    p = subprocess.run([BIN, "verify", *TRUST, "--in", path(name), *extra], capture_output=True, text=True, env=env)
    rep = json.loads(p.stdout) if p.stdout.strip().startswith("{") else None
    return p.returncode, rep, p.stderr


rc, control, err = verify("s-control.pdf")
check(control is not None and control["indication"] == "TOTAL_PASSED" and rc == 0, "control (unencrypted) passes: %s %s" % (rc, err))
csig = control["signatures"][0]
# Without revocation data the control's signature gets some verdict; encrypted copies must get the same.
p = subprocess.run([BIN, "verify", "--trust", ca.root, "--in", path("s-control.pdf")], capture_output=True, text=True)
rc_strict, ctrl = p.returncode, json.loads(p.stdout)

for name, (_, _, desc, upw) in VARIANTS.items():
    extra = ["--password-file", path("pw-user")] if upw else []
    rc, rep, err = verify("s-%s.pdf" % name, *extra)
    check(rep is not None, "%s: a report (%s)" % (name, err))
    s = rep["signatures"][0] if rep["signatures"] else {}
    check(rc == 0 and rep["indication"] == csig["indication"] == "TOTAL_PASSED" and len(rep["signatures"]) == 1,
          "%s: teken agrees with pdfsig and the control: %s %s" % (name, rc, json.dumps(rep)[:600]))
    check(s["signer"] == csig["signer"] == "Budi Santoso" and s["covers_whole_document"] and s["level"] == csig["level"],
          "%s: same signer, coverage and level as the control: %s" % (name, s))
    check(s.get("reason") == "Disetujui" and s.get("signing_time"), "%s: the encrypted /Reason and /M are read decrypted: %s" % (name, s))
    check(rep["pdf"]["encryption"] == desc, "%s: the report names the encryption: %r" % (name, rep["pdf"]["encryption"]))
    check(not rep.get("notice") and not rep.get("needs_password"), "%s: no password note when it opened" % name)
    # The same verdict as the control when revocation is required (no CRL given: the same INDETERMINATE).
    p = subprocess.run([BIN, "verify", "--trust", ca.root, "--in", path("s-%s.pdf" % name), *extra], capture_output=True, text=True)
    strict = json.loads(p.stdout)
    check(p.returncode == rc_strict and [(x["indication"], x["subindication"]) for x in strict["signatures"]] ==
          [(x["indication"], x["subindication"]) for x in ctrl["signatures"]],
          "%s: same verdict as the control with revocation required: %s vs %s" % (name, strict["signatures"][0]["subindication"],
                                                                                  ctrl["signatures"][0]["subindication"]))

    # A byte flipped inside the signed range, in encrypted stream data: pdfsig and teken both say it fails.
    data = bytearray(read("s-%s.pdf" % name))
    m = list(re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)", data))[-1]
    first_end = int(m.group(2))
    at = data.index(b"stream", data.index(b"/Type /Page")) + 40
    check(at < first_end, "%s: the flipped byte is inside the signed range" % name)
    data[at] ^= 0x01
    write("x-%s.pdf" % name, bytes(data))
    prc, out = ca.pdfsig_view(path("x-%s.pdf" % name), *(["-upw", upw] if upw else []))
    check("Signature is Valid" not in out, "%s: pdfsig rejects the flipped file: %s" % (name, out))
    rc, rep, err = verify("x-%s.pdf" % name, *extra)
    check(rc == 4 and rep["indication"] == "TOTAL_FAILED" and rep["signatures"][0]["subindication"] == "HASH_FAILURE",
          "%s: teken fails the flipped file with HASH_FAILURE: %s %s" % (name, rc, rep and rep["signatures"]))

# ---- a user password: a verdict that asks for it, not an error ----
for name in ("user-aes-256", "user-rc4-128"):
    for pwf, why in ((None, "none given"), ("pw-wrong", "a wrong one")):
        extra = ["--password-file", path(pwf)] if pwf else []
        rc, rep, err = verify("s-%s.pdf" % name, *extra)
        check(rc == 3 and rep is not None and rep["indication"] == "INDETERMINATE" and rep["signatures"] == [] and
              rep["needs_password"] is True and "--password-file" in rep["notice"],
              "%s, %s: INDETERMINATE asking for the password (exit 3): %s %s" % (name, why, rc, rep or err))
        check("geheim" not in json.dumps(rep) and "salah" not in json.dumps(rep), "%s: no password in the report" % name)
    p = subprocess.run([BIN, "verify", *TRUST, "--in", path("s-%s.pdf" % name), "--format", "text"], capture_output=True, text=True)
    check(p.returncode == 3 and "--password-file" in p.stdout and "kata sandi" in p.stdout, "%s: the text report asks too" % name)
    rc, rep, err = verify("s-%s.pdf" % name, "--password-file", path("pw-owner"))
    check(rc == 0 and rep["indication"] == "TOTAL_PASSED", "%s: the owner password opens it too: %s" % (name, rc))
    p = subprocess.run([BIN, "verify", *TRUST, "--in", path("s-%s.pdf" % name), "--password-file", "-"], input="geheim\n",
                       capture_output=True, text=True)
    check(p.returncode == 0 and json.loads(p.stdout)["indication"] == "TOTAL_PASSED", "%s: password from stdin" % name)

# ---- RC4 when OpenSSL's legacy provider cannot be loaded: a verdict that says so ----
env = dict(os.environ, OPENSSL_MODULES=os.path.join(T, "no-such-modules"))
rc, rep, err = verify("s-rc4-40.pdf", env=env)
check(rc == 3 and rep is not None and rep["indication"] == "INDETERMINATE" and rep["needs_password"] is False and "RC4" in rep["notice"],
      "RC4 without the legacy provider: INDETERMINATE naming RC4: %s %s" % (rc, rep or err))
rc, rep, err = verify("s-aes-256.pdf", env=env)
check(rc == 0 and rep["indication"] == "TOTAL_PASSED", "AES does not need the legacy provider")

# ---- not a PDF stays an error ----
write("notpdf.pdf", b"hello, not a pdf at all\n")
rc, rep, err = verify("notpdf.pdf")
check(rc == 1 and rep is None and err.startswith("teken: error: "), "not a PDF: an error (exit 1)")
p = subprocess.run([BIN, "verify", *TRUST, "--in", path("s-aes-256.pdf"), "--password-file", path("no-such-file")], capture_output=True,
                   text=True)
check(p.returncode != 0 and p.stderr.count("\n") == 1, "unreadable --password-file: one-line error")

# ---- signing into an encrypted PDF is refused (we do not write encrypted updates) ----
D = path("inst")
teken("init", "--dir", D)
for name in ("aes-256", "rc4-40", "user-aes-256"):
    out = path("never-%s.pdf" % name)
    p = teken("sign", "--dir", D, "--in", path("e-%s.pdf" % name), "--out", out, "--seal", check_rc=False)
    check(p.returncode != 0 and p.stderr.startswith("teken: error: ") and p.stderr.count("\n") == 1 and "encrypted" in p.stderr,
          "%s: signing refused with one clear line: %s" % (name, p.stderr))
    check(not os.path.exists(out), "%s: no output written" % name)
p = teken("sign", "--dir", D, "--in", path("e-aes-256.pdf"), "--out", path("never.pdf"), "--seal", check_rc=False)
check("not supported" in p.stderr, "the refusal says it is not supported: %s" % p.stderr)

# ---- over HTTP: the same verdicts ----
srv = Server(D)
c = Client(srv)
r = c.request("POST", "/api/v1/verify", read("s-aes-128.pdf"), ctype="application/pdf")
check(r.status == 200 and r.json()["pdf"]["encryption"] == "AES-128 with a 128-bit key, R4" and
      r.json()["signatures"][0]["signer"] == "Budi Santoso", "HTTP: an encrypted signed PDF is verified: %s" % r.body[:300])
r = c.request("POST", "/api/v1/verify", read("s-user-aes-256.pdf"), ctype="application/pdf")
check(r.status == 200 and r.json()["indication"] == "INDETERMINATE" and r.json()["needs_password"] is True,
      "HTTP: a user-password PDF gets a verdict asking for the password: %s" % r.body[:300])
check(srv.stop() == 0, "server stops cleanly")
finish("test_verify_encrypted.py")
