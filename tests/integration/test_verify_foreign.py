"""teken verify on CMS signatures made by other tools the way other CAs'
signers make them (issue 13): no signed attributes, adbe.pkcs7.sha1, BER
framing, signed attributes out of DER order, ecdsa-plain (BSI TR-03111),
SHA-3, RSASSA-PSS, and a SHA-3 timestamp token. Each fixture is made here
with the openssl CLI (or, where the CLI cannot, with a small DER builder
signing through `openssl dgst -sign`), put into a PDF prepared by an
independent placeholder writer (tests/lib/pdfprep.py), and judged by
`openssl cms -verify` and pdfsig wherever they have an opinion. Every
fixture has a tampered twin that must fail."""
import hashlib
import json
import os
import re
import subprocess
import sys

SRC = os.environ.get("TEKEN_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from tekentest import BIN, check, finish, tmpdir  # noqa: E402
import cmsbuild as cb  # noqa: E402
import pdfprep  # noqa: E402
from pdfsigs import signature_value  # noqa: E402

T = tmpdir()
BASE = open(os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf"), "rb").read()


def path(name):
    return os.path.join(T, name)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)
    return path(name)


def run(*args, input=None, check_rc=True):
    p = subprocess.run(list(args), capture_output=True, input=input)
    if check_rc and p.returncode != 0:
        raise AssertionError("%s failed: %s" % (" ".join(args), p.stderr.decode(errors="replace")))
    return p


for tool in ("openssl", "pdfsig", "certutil"):
    check(run("sh", "-c", "command -v " + tool, check_rc=False).returncode == 0, "oracle %s is installed" % tool)

# ---- a throwaway CA: root, RSA and EC P-256 signers, a TSA ----
with open(path("ca.cnf"), "w") as f:
    f.write("""[req]
distinguished_name = dn
[dn]
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
""")
CNF = path("ca.cnf")
run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("ca.key"), "-out", path("ca.pem"), "-subj", "/CN=Foreign Root",
    "-days", "3650", "-config", CNF, "-extensions", "root")


def leaf(name, cn, newkey, ext="leaf"):
    run("openssl", "req", "-new", "-newkey", *newkey, "-nodes", "-keyout", path(name + ".key"), "-out", path(name + ".csr"), "-subj", "/CN=" + cn,
        "-config", CNF)
    run("openssl", "x509", "-req", "-in", path(name + ".csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial",
        "-out", path(name + ".pem"), "-days", "700", "-extfile", CNF, "-extensions", ext)


leaf("rsa", "RSA Signer", ["rsa:2048"])
leaf("ec", "EC Signer", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
leaf("tsa", "Foreign TSA", ["rsa:2048"], ext="tsa")
RSA_DER = cb.pem_to_der(path("rsa.pem"))
EC_DER = cb.pem_to_der(path("ec.pem"))

# pdfsig's NSS database trusts the same root.
NSS = path("nss")
os.makedirs(NSS)
run("certutil", "-N", "-d", "sql:" + NSS, "--empty-password")
run("certutil", "-A", "-d", "sql:" + NSS, "-n", "root", "-t", "CT,C,C", "-i", path("ca.pem"))

# ---- fixtures ----
FIX = {}  # name -> dict(pdf, cms, data, oracle: "openssl" | "none", want, ...)


def openssl_cms(data, key, cert, *extra):
    content = write("content.bin", data)
    return run("openssl", "cms", "-sign", "-binary", "-outform", "DER", "-in", content, "-signer", path(cert), "-inkey", path(key),
               *extra).stdout


def fixture(name, subfilter, make, oracle="openssl", want=("TOTAL_PASSED", None), econtent=False):
    pdf = pdfprep.prepare(BASE, subfilter)
    data = pdfprep.signed_bytes(pdf)
    cms = make(data)
    FIX[name] = {"pdf": write(name + ".pdf", pdfprep.fill(pdf, cms)), "cms": write(name + ".p7s", cms), "data": write(name + ".data", data),
                 "oracle": oracle, "want": want, "econtent": econtent, "subfilter": subfilter}


def ec_sign(md, alg, order=None):
    def make(data):
        sa = cb.signed_attrs(cb.HASH[md](data).digest(), EC_DER, order=order)
        sig = cb.openssl_sign(sa, path("ec.key"), md)
        if "plain" in alg:
            sig = cb.ecdsa_der_to_plain(sig, 32)
        return cb.signed_data(EC_DER, md, alg, sig, sa)
    return make


# 1. adbe.pkcs7.detached without signed attributes (RFC 5652 5.4): the signature is over the digest of the byte ranges.
fixture("noattr_rsa", b"adbe.pkcs7.detached", lambda d: openssl_cms(d, "rsa.key", "rsa.pem", "-noattr", "-md", "sha256"))
fixture("noattr_ec", b"adbe.pkcs7.detached", lambda d: openssl_cms(d, "ec.key", "ec.pem", "-noattr", "-md", "sha256"))
# 2. adbe.pkcs7.sha1 (ISO 32000-1 12.8.3.3.1): eContent is the SHA-1 digest of the byte ranges; with and without signed attributes.
SHA1_WANT = ("INDETERMINATE", "CRYPTO_CONSTRAINTS_FAILURE")
fixture("sha1_attrs", b"adbe.pkcs7.sha1", lambda d: openssl_cms(hashlib.sha1(d).digest(), "rsa.key", "rsa.pem", "-nodetach", "-md", "sha1"),
        want=SHA1_WANT, econtent=True)
fixture("sha1_noattr", b"adbe.pkcs7.sha1",
        lambda d: openssl_cms(hashlib.sha1(d).digest(), "rsa.key", "rsa.pem", "-nodetach", "-noattr", "-md", "sha1"), want=SHA1_WANT, econtent=True)
fixture("sha1_sha256", b"adbe.pkcs7.sha1",
        lambda d: openssl_cms(hashlib.sha1(d).digest(), "rsa.key", "rsa.pem", "-nodetach", "-md", "sha256"), want=SHA1_WANT, econtent=True)
# 3. BER framing (indefinite lengths, constructed OCTET STRING) of an openssl signature, as NSS/Java signers write it.
fixture("ber", b"adbe.pkcs7.detached", lambda d: cb.to_ber(openssl_cms(d, "rsa.key", "rsa.pem", "-md", "sha256")))
fixture("ber_noattr", b"adbe.pkcs7.detached", lambda d: cb.to_ber(openssl_cms(d, "ec.key", "ec.pem", "-noattr", "-md", "sha256")))
# Signed attributes out of DER order (X.690 11.6 broken; what was signed is unchanged): passes with a warning.
fixture("unsorted", b"ETSI.CAdES.detached", ec_sign("sha256", "ecdsa-with-SHA256", order=[1, 0, 2]))
# The same, but signed over the DER (sorted) encoding and sent out of order (a re-encoding signer such as
# BouncyCastle; RFC 5652 5.4 names the DER encoding). OpenSSL verifies the bytes as received, so it refuses this one.


def signed_sorted_sent_unsorted(data):
    sorted_sa = cb.signed_attrs(hashlib.sha256(data).digest(), EC_DER)
    sent = cb.signed_attrs(hashlib.sha256(data).digest(), EC_DER, order=[2, 0, 1])
    _, vs, ve, _ = cb.der(sent, 0)
    els = [sent[e[1]:e[3]] for e in cb.children(sent, vs, ve)]
    check(sorted(els) != els and sent != sorted_sa, "fixture is out of order")
    return cb.signed_data(EC_DER, "sha256", "ecdsa-with-SHA256", cb.openssl_sign(sorted_sa, path("ec.key"), "sha256"), sent)


fixture("unsorted_signed_der", b"ETSI.CAdES.detached", signed_sorted_sent_unsorted, oracle="none")
# 4. ecdsa-plain (BSI TR-03111 5.2.1): r || s. OpenSSL's CMS cannot verify these (it expects ECDSA-Sig-Value).
fixture("plain_sha256", b"ETSI.CAdES.detached", ec_sign("sha256", "ecdsa-plain-SHA256"), oracle="none")
fixture("plain_sha3", b"ETSI.CAdES.detached", ec_sign("sha3-256", "ecdsa-plain-SHA3-256"), oracle="none")
# SHA-3: RSA by the openssl CLI (-cades: ESSCertIDv2 with SHA3-256 too), ECDSA by the builder (OpenSSL 3.0's CMS cannot sign it).
fixture("sha3_rsa", b"ETSI.CAdES.detached", lambda d: openssl_cms(d, "rsa.key", "rsa.pem", "-md", "sha3-256", "-cades"))
fixture("sha3_ec", b"ETSI.CAdES.detached", ec_sign("sha3-256", "ecdsa-with-SHA3-256"))
fixture("sha3_384_rsa", b"adbe.pkcs7.detached", lambda d: openssl_cms(d, "rsa.key", "rsa.pem", "-md", "sha3-384", "-noattr"))
# RSASSA-PSS by the openssl CLI.
fixture("pss", b"ETSI.CAdES.detached",
        lambda d: openssl_cms(d, "rsa.key", "rsa.pem", "-md", "sha256", "-cades", "-keyopt", "rsa_padding_mode:pss", "-keyopt", "rsa_pss_saltlen:32"))


# A signature timestamp (RFC 3161) by openssl ts, with SHA3-256 imprint and SHA3-256 token digest, over an openssl signature.
def with_sha3_timestamp(data):
    cms = openssl_cms(data, "rsa.key", "rsa.pem", "-md", "sha256", "-cades")
    sigval = signature_value(cms)
    with open(path("tsa.cnf"), "w") as f:
        f.write("""[tsa]
default_tsa = t
[t]
serial = %s
signer_cert = %s
signer_key = %s
signer_digest = sha3-256
ess_cert_id_alg = sha256
default_policy = 1.2.3.4.1
digests = sha3-256
accuracy = secs:1
""" % (path("tsaserial"), path("tsa.pem"), path("tsa.key")))
    with open(path("tsaserial"), "w") as f:
        f.write("01\n")
    write("sig.bin", sigval)
    run("openssl", "ts", "-query", "-data", path("sig.bin"), "-sha3-256", "-cert", "-out", path("q.tsq"))
    run("openssl", "ts", "-reply", "-config", path("tsa.cnf"), "-queryfile", path("q.tsq"), "-token_out", "-out", path("tok.der"))
    tok = open(path("tok.der"), "rb").read()
    run("openssl", "ts", "-verify", "-data", path("sig.bin"), "-in", path("tok.der"), "-token_in", "-CAfile", path("ca.pem"),
        "-untrusted", path("tsa.pem"))
    return cb.add_unsigned_timestamp(cms, tok)


fixture("sha3_timestamp", b"ETSI.CAdES.detached", with_sha3_timestamp)


# ---- tampered twins: one byte of the signed part changed, or the signature value changed ----
def flip_pdf(src, dst, at=700):
    d = bytearray(open(src, "rb").read())
    d[at] ^= 0x01
    return write(dst, bytes(d))


def flip_sig(name):
    """The same PDF with one byte of the signature value changed (inside r for ECDSA, anywhere for RSA)."""
    cms = open(FIX[name]["cms"], "rb").read()
    # BER fixtures: openssl re-encodes them as DER, where the value can be read; its first bytes are one piece in the BER too.
    as_der = cms if cms[1] != 0x80 else run("openssl", "cms", "-cmsout", "-inform", "DER", "-outform", "DER", "-in", FIX[name]["cms"]).stdout
    sig = signature_value(as_der)
    i = cms.rfind(sig[:16])
    check(i > 0, "%s: signature value found in the CMS" % name)
    bad = bytearray(cms)
    bad[i + 5] ^= 0x01
    pdf = open(FIX[name]["pdf"], "rb").read()
    return write(name + "-badsig.pdf", pdfprep.fill(pdf, bytes(bad)))


# ---- verifying ----
def verify(*args):
    p = subprocess.run([BIN, "verify", "--trust", path("ca.pem"), "--revocation", "optional", *args], capture_output=True, text=True)
    check(p.stdout.strip().startswith("{"), "teken verify %s: JSON report (rc %d): %s" % (" ".join(args), p.returncode, p.stderr))
    return p.returncode, json.loads(p.stdout)


def bb(sig, name):
    return sig["building_blocks"][name]["result"]


def pdfsig_verdict(pdf):
    out = run("pdfsig", "-nssdir", "sql:" + NSS, pdf, check_rc=False).stdout.decode(errors="replace")
    m = re.search(r"Signature Validation: (.*)", out)
    return m.group(1).strip() if m else ""


EXIT = {"TOTAL_PASSED": 0, "INDETERMINATE": 3, "TOTAL_FAILED": 4}
for name, fx in FIX.items():
    # The oracle first: OpenSSL verifies the CMS over the signed bytes (or the encapsulated SHA-1 digest).
    if fx["oracle"] == "openssl":
        args = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", fx["cms"], "-CAfile", path("ca.pem"), "-purpose", "any",
                "-out", path("out.bin")]
        if not fx["econtent"]:
            args += ["-content", fx["data"]]
        p = run(*args, check_rc=False)
        check(p.returncode == 0, "%s: openssl cms -verify accepts it: %s" % (name, p.stderr.decode(errors="replace")))
        if fx["econtent"]:
            check(open(path("out.bin"), "rb").read() == hashlib.sha1(open(fx["data"], "rb").read()).digest(),
                  "%s: the encapsulated content is the SHA-1 of the byte ranges" % name)
    rc, rep = verify("--in", fx["pdf"])
    s = rep["signatures"][0]
    ind, sub = fx["want"]
    check(len(rep["signatures"]) == 1 and (s["indication"], s["subindication"]) == (ind, sub),
          "%s: got %s %s (%s), want %s %s" % (name, s["indication"], s["subindication"], s["message"], ind, sub))
    check(rc == EXIT[ind], "%s: exit %d, want %d" % (name, rc, EXIT[ind]))
    check(bb(s, "cryptographic_verification") == "PASSED", "%s: cryptographic verification passes: %s" % (name, s["building_blocks"]))
    check(s["signer"] in ("RSA Signer", "EC Signer") and s["covers_whole_document"], "%s: signer and coverage" % name)
    fx["report"] = s
    # pdfsig, where it has an opinion (NSS knows neither SHA-3 nor ecdsa-plain: "Unknown Validation Failure").
    v = pdfsig_verdict(fx["pdf"])
    fx["pdfsig"] = v
    if v in ("Signature is Valid.",):
        check(bb(s, "cryptographic_verification") == "PASSED", "%s: pdfsig says valid" % name)
    elif v in ("Digest Mismatch.", "Signature is Invalid.") and name not in ("sha1_sha256", "unsorted_signed_der"):
        # (unsorted_signed_der: NSS, like OpenSSL, hashes the signed attributes as received and refuses a signature
        # over their DER encoding; RFC 5652 5.4 names the DER encoding, and the SET value is the same. We accept
        # both encodings and warn; checked above with openssl dgst.)
        # (poppler hashes the byte ranges with the CMS digestAlgorithm even for adbe.pkcs7.sha1, so an
        # adbe.pkcs7.sha1 CMS with SHA-256 over the SHA-1 content is a "Digest Mismatch" to it; OpenSSL and ISO
        # 32000-1 12.8.3.3.1 say the SHA-1 digest is the content, hashed again with the CMS digest.)
        check(False, "%s: pdfsig says %s but openssl and we accept it" % (name, v))
    # CAdES path: the same CMS over the same bytes as a detached .p7s (not for adbe.pkcs7.sha1, which is PDF-only).
    if not fx["econtent"]:
        rc2, rep2 = verify("--in", fx["cms"], "--content", fx["data"])
        s2 = rep2["signatures"][0]
        check((s2["indication"], s2["subindication"]) == (ind, sub) and bb(s2, "cryptographic_verification") == "PASSED",
              "%s as CAdES: %s %s (%s)" % (name, s2["indication"], s2["subindication"], s2["message"]))

    # Tampered: the document changed after signing.
    flip_pdf(fx["pdf"], path(name + "-changed.pdf"))
    rc, rep = verify("--in", path(name + "-changed.pdf"))
    s = rep["signatures"][0]
    check(rc == 4 and s["indication"] == "TOTAL_FAILED" and s["subindication"] in ("HASH_FAILURE", "SIG_CRYPTO_FAILURE"),
          "%s changed: %s %s (%s)" % (name, s["indication"], s["subindication"], s["message"]))
    if fx["oracle"] == "openssl" and not fx["econtent"]:
        bad = bytearray(open(fx["data"], "rb").read())
        bad[700] ^= 0x01
        write("bad.data", bytes(bad))
        p = run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", fx["cms"], "-content", path("bad.data"), "-CAfile",
                path("ca.pem"), "-purpose", "any", "-out", "/dev/null", check_rc=False)
        check(p.returncode != 0, "%s changed: openssl cms -verify refuses it too" % name)
    if pdfsig_verdict(path(name + "-changed.pdf")) == "Signature is Valid.":
        check(False, "%s changed: pdfsig still says valid" % name)
    # Tampered: the signature value changed.
    rc, rep = verify("--in", flip_sig(name))
    s = rep["signatures"][0]
    check(rc == 4 and (s["indication"], s["subindication"]) == ("TOTAL_FAILED", "SIG_CRYPTO_FAILURE"),
          "%s bad signature value: %s %s (%s)" % (name, s["indication"], s["subindication"], s["message"]))

# ---- details that matter ----
R = {n: fx["report"] for n, fx in FIX.items()}
for n in ("noattr_rsa", "noattr_ec", "sha1_noattr", "ber_noattr", "sha3_384_rsa"):
    check("no signed attributes" in R[n]["building_blocks"]["cryptographic_verification"]["message"], "%s: CV says so" % n)
    check("sid only" in R[n]["building_blocks"]["identification_of_signing_certificate"]["message"], "%s: signer found by sid" % n)
    check(R[n]["signing_time_source"] != "cms", "%s: no CMS signing time" % n)
for n in ("sha1_attrs", "sha1_noattr", "sha1_sha256"):
    check(bb(R[n], "signature_acceptance_validation") == "INDETERMINATE" and "sha1" in R[n]["message"].lower().replace("-", ""),
          "%s: refused by policy: %s" % (n, R[n]["message"]))
check(R["sha1_attrs"]["digest"] == "sha1" and R["sha1_sha256"]["digest"] == "sha256", "sha1 fixtures: digests reported")
for n in ("ber", "ber_noattr"):
    check("BER" in R[n]["building_blocks"]["format_checking"]["message"], "%s: BER framing is reported" % n)
check(len(R["unsorted"]["warnings"]) == 1 and "DER order" in R["unsorted"]["warnings"][0] and "as received" in R["unsorted"]["warnings"][0],
      "unsorted attributes: one warning: %s" % R["unsorted"]["warnings"])
w = R["unsorted_signed_der"]["warnings"]
check(len(w) == 1 and "DER (sorted) encoding" in w[0], "signed sorted, sent unsorted: one warning: %s" % w)
for n in FIX:
    if n not in ("unsorted", "unsorted_signed_der"):
        check(R[n]["warnings"] == [], "%s: no warning" % n)
check(R["plain_sha256"]["signature_algorithm"] == "ecdsa-plain" and R["plain_sha3"]["digest"] == "sha3-256", "plain ECDSA reported")
check(R["sha3_rsa"]["digest"] == "sha3-256" and R["sha3_ec"]["signature_algorithm"] == "ecdsa", "SHA-3 reported")
check(R["pss"]["signature_algorithm"] == "rsa-pss", "PSS reported")
ts = R["sha3_timestamp"]["timestamps"]
check(len(ts) == 1 and ts[0]["indication"] == "TOTAL_PASSED" and ts[0]["imprint_digest"].upper().startswith("SHA3-256"),
      "SHA-3 signature timestamp: %s" % ts)
check(R["sha3_timestamp"]["level"].endswith("-T") and R["sha3_timestamp"]["proof_of_existence"], "B-T with the SHA-3 token")

# The warning reaches the text report.
p = subprocess.run([BIN, "verify", "--trust", path("ca.pem"), "--revocation", "optional", "--format", "text", "--in", FIX["unsorted"]["pdf"]],
                   capture_output=True, text=True)
check(p.returncode == 0 and "Peringatan / Warning: the signed attributes are not in DER order" in p.stdout, "text report warning")

# Independent check of the out-of-order fixture: the signature is over the signed attributes as sent (RFC 5652 5.4).
cms = open(FIX["unsorted"]["cms"], "rb").read()
write("sa.der", cb.signed_attrs_as_signed(cms))
write("sa.sig", signature_value(cms))
run("openssl", "x509", "-in", path("ec.pem"), "-pubkey", "-noout", "-out", path("ec.pub"))
p = run("openssl", "dgst", "-sha256", "-verify", path("ec.pub"), "-signature", path("sa.sig"), path("sa.der"), check_rc=False)
check(p.returncode == 0, "openssl dgst: the signature is over the received (unsorted) signed attributes")

# The sorted-signed fixture: openssl dgst verifies the signature over the sorted attributes, not over the ones sent,
# and OpenSSL's CMS (which uses the bytes as received) refuses it.
cms = open(FIX["unsorted_signed_der"]["cms"], "rb").read()
sent = cb.signed_attrs_as_signed(cms)
_, vs, ve, _ = cb.der(sent, 0)
write("sorted.der", sent[:vs] + b"".join(sorted(sent[e[1]:e[3]] for e in cb.children(sent, vs, ve))))
write("sent.der", sent)
write("sorted.sig", signature_value(cms))
check(run("openssl", "dgst", "-sha256", "-verify", path("ec.pub"), "-signature", path("sorted.sig"), path("sorted.der"), check_rc=False).returncode == 0,
      "openssl dgst: signature over the DER-sorted attributes")
check(run("openssl", "dgst", "-sha256", "-verify", path("ec.pub"), "-signature", path("sorted.sig"), path("sent.der"), check_rc=False).returncode != 0,
      "openssl dgst: not over the attributes as sent")
p = run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", FIX["unsorted_signed_der"]["cms"], "-content", FIX["unsorted_signed_der"]["data"],
        "-CAfile", path("ca.pem"), "-purpose", "any", "-out", "/dev/null", check_rc=False)
print("note: openssl cms -verify on the sorted-signed, unsorted-sent fixture: %s" % ("accepts" if p.returncode == 0 else "refuses (it hashes the bytes as received)"))

# Plain ECDSA: the r || s value, converted by hand to ECDSA-Sig-Value, verifies with openssl dgst (the oracle OpenSSL's CMS lacks).
cms = open(FIX["plain_sha256"]["cms"], "rb").read()
sig = signature_value(cms)
check(len(sig) == 64, "plain ECDSA P-256 value is 64 bytes")
write("plain.sig", cb.seq(cb.integer(sig[:32]), cb.integer(sig[32:])))
write("plain-sa.der", cb.signed_attrs_as_signed(cms))
p = run("openssl", "dgst", "-sha256", "-verify", path("ec.pub"), "-signature", path("plain.sig"), path("plain-sa.der"), check_rc=False)
check(p.returncode == 0, "openssl dgst verifies the plain ECDSA value after conversion")

# A plain value of the wrong length is a signature failure, not a crash.
pdf = pdfprep.prepare(BASE, b"ETSI.CAdES.detached")
d = pdfprep.signed_bytes(pdf)
sa = cb.signed_attrs(hashlib.sha256(d).digest(), EC_DER)
short = cb.signed_data(EC_DER, "sha256", "ecdsa-plain-SHA256", cb.ecdsa_der_to_plain(cb.openssl_sign(sa, path("ec.key"), "sha256"), 32)[:63], sa)
rc, rep = verify("--in", write("plain-short.pdf", pdfprep.fill(pdf, short)))
check(rc == 4 and rep["signatures"][0]["subindication"] == "SIG_CRYPTO_FAILURE", "63-byte plain value: %s" % rep["signatures"][0]["message"])
# A signature algorithm that names another hash than digestAlgorithm is refused.
mism = cb.signed_data(EC_DER, "sha256", "ecdsa-plain-SHA384", cb.ecdsa_der_to_plain(cb.openssl_sign(sa, path("ec.key"), "sha256"), 32), sa)
rc, rep = verify("--in", write("plain-mismatch.pdf", pdfprep.fill(pdf, mism)))
check(rc != 0 and rep["signatures"][0]["indication"] != "TOTAL_PASSED", "ecdsa-plain-SHA384 over a sha256 digest: %s" % rep["signatures"][0]["message"])

print("pdfsig verdicts: " + "; ".join("%s: %s" % (n, fx["pdfsig"] or "-") for n, fx in FIX.items()))
finish("test_verify_foreign.py")
