#!/usr/bin/env python3
"""BSrE Esign Client compatibility, the verification side and the rest of the v2 routes:
POST /api/sign/verify (v1, multipart 'signed_file'), POST /api/v2/verify/pdf (v2, JSON base64),
GET /api/v2/user/certificate/chain/{id}, POST /api/v2/seal/pdf and the TOTP routes, called the way
the published client libraries call them (HTTP Basic, the vendor's field names), answers checked
field by field (shared/reference/bsre-esign-client-api.md 4.1, 4.2) and against independent
tools: pdfsig (signatures, integrity, signing time), openssl (certificates, chains) and a
Python digest of the byte ranges (hash_value, signature_value)."""
import base64
import datetime
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys

SRC = os.environ.get("TEKEN_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
import pdfsigs  # noqa: E402
from tekentest import Client, Server, check, finish, multipart, teken, tmpdir  # noqa: E402

T = tmpdir()
BASE = open(os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf"), "rb").read()


def path(name):
    return os.path.join(T, name)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)
    return path(name)


def run(*args, input=None):
    p = subprocess.run(list(args), capture_output=True, input=input)
    if p.returncode != 0:
        raise AssertionError("%s failed: %s" % (" ".join(args), p.stderr.decode(errors="replace")))
    return p.stdout


def pdfsig_view(data, nss=None):
    """pdfsig's view of every signature: field, signer CN, valid (digest + signature), total, time (UTC)."""
    p = write("pdfsig-in.pdf", data)
    args = ["pdfsig", "-no-ocsp"] + (["-nssdir", "sql:" + nss] if nss else []) + [p]
    out = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, TZ="UTC")).stdout
    sigs = []
    for block in re.split(r"^Signature #\d+:\s*$", out, flags=re.M)[1:]:
        g = lambda k: (re.search(r"- %s: (.*)$" % k, block, re.M) or [None, None])[1]  # noqa: E731
        sigs.append({"field": g("Signature Field Name"), "cn": g("Signer Certificate Common Name"),
                     "valid": g("Signature Validation") == "Signature is Valid.",
                     "digest_mismatch": "Digest Mismatch" in (g("Signature Validation") or ""),
                     "total": "Total document signed" in block, "cert": g("Certificate Validation"),
                     "time": datetime.datetime.strptime(g("Signing Time"), "%b %d %Y %H:%M:%S") if g("Signing Time") else None})
    return sigs


# ---- the instance, its demo application (Basic) and an application of another unit ----
D = path("inst")
teken("init", "--dir", D, "--demo", "--key-alg", "ec-p256")
demo = json.load(open(os.path.join(D, "demo.json")))
app, sub = demo["application"], demo["subscriber"]
key2 = teken("apikey", "create", "--dir", D, "--name", "Aplikasi Biro Lain", "--units", "Biro Lain").stdout.strip()
# Seals of two units: the demo unit's (seeded) and one of "Biro Lain" for the refusal checks.
srv = Server(D)
c = Client(srv)


def basic(user, pw):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()}


H = basic(app["basic_user"], app["basic_password"])
H2 = basic("esign-" + key2[3:19], key2[20:])


def v1(data, name="surat_ditandatangani.pdf", headers=H):
    body, ct = multipart({}, [("signed_file", name, data)])
    return c.request("POST", "/api/sign/verify", body, ctype=ct, raw=True, headers=headers)


def v2(data, headers=H, **extra):
    return c.request("POST", "/api/v2/verify/pdf", dict({"file": base64.b64encode(data).decode()}, **extra), headers=headers)


def certs_of(cms_der):
    """The certificates embedded in a CMS, by openssl (PEM list)."""
    pem = run("openssl", "pkcs7", "-inform", "DER", "-print_certs", input=cms_der).decode()
    return re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", pem, re.S)


def x509_fields(pem):
    out = run("openssl", "x509", "-noout", "-serial", "-enddate", "-startdate", "-subject", "-nameopt", "RFC2253", "-ext", "keyUsage",
              input=pem.encode()).decode()
    serial = int(re.search(r"serial=([0-9A-F]+)", out).group(1), 16)

    def t(k):
        v = re.search(k + r"=(.*)", out).group(1).strip()
        return datetime.datetime.strptime(v, "%b %d %H:%M:%S %Y GMT").strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
    ku = re.search(r"Key Usage:.*\n\s*(.*)", out)
    names = {"Digital Signature": "digitalSignature", "Non Repudiation": "nonRepudiation", "Certificate Sign": "keyCertSign",
             "CRL Sign": "crlSign", "Key Encipherment": "keyEncipherment"}
    return {"serial": str(serial), "notAfter": t("notAfter"), "notBefore": t("notBefore"),
            "subject": re.search(r"subject=(.*)", out).group(1).strip(),
            "ku": sorted(names[k.strip()] for k in ku.group(1).split(",")) if ku else []}


def wib(dt):
    return (dt + datetime.timedelta(hours=7)).strftime("%Y-%m-%d %H:%M:%S")


# ---- documents: one signature by teken (BSrE v1), then a second (seal, with a timestamp) ----
body, ct = multipart({"nik": sub["nik"], "passphrase": sub["passphrase"], "tampilan": "invisible", "reason": "Persetujuan",
                      "location": "Jakarta"}, [("file", "surat.pdf", BASE)])
r = c.request("POST", "/api/sign/pdf", body, ctype=ct, raw=True, headers=H)
check(r.status == 200, "v1 sign for the verification tests: %s" % r.body[:200])
one = r.body
write("one.pdf", one)
teken("sign", "--dir", D, "--in", path("one.pdf"), "--out", path("two.pdf"), "--seal", "--level", "B-T", "--reason", "Pengesahan")
two = open(path("two.pdf"), "rb").read()

# ---- v1, one signature: every field of reference 4.1 ----
r = v1(one)
check(r.status == 200, "v1 verify: %d %s" % (r.status, r.body[:300]))
j = r.json()
check(set(j) == {"nama_dokumen", "jumlah_signature", "notes", "details", "summary"}, "v1 keys: %s" % sorted(j))
check(j["nama_dokumen"] == "surat_ditandatangani.pdf", "nama_dokumen is the uploaded file's name: %r" % j["nama_dokumen"])
check(j["jumlah_signature"] == 1 and len(j["details"]) == 1, "jumlah_signature 1")
check(j["summary"] == "DOCUMENT VALID !!!", "summary valid: %r" % j["summary"])
check(j["notes"] == "Tanda tangan elektronik valid dan dokumen merupakan dokumen asli sejak ditandatangani", "notes valid: %r" % j["notes"])
d0 = j["details"][0]
check(set(d0) == {"info_tsa", "signature_field", "info_signer", "signature_document"}, "details keys: %s" % sorted(d0))
ps = pdfsig_view(one)
sig = pdfsigs.signatures(path("one.pdf"))[0]
cms = pdfsigs.strip_padding(sig["contents"])
pems = certs_of(cms)
leaf = [p for p in pems if "Siti Rahmawati" in x509_fields(p)["subject"]][0]
lf = x509_fields(leaf)
issuer_dn = run("openssl", "x509", "-noout", "-issuer", "-nameopt", "RFC2253", input=leaf.encode()).decode().split("=", 1)[1].strip()
check(len(ps) == 1 and ps[0]["valid"], "pdfsig: one valid signature")
check(d0["signature_field"] == ps[0]["field"], "signature_field as pdfsig: %r %r" % (d0["signature_field"], ps[0]["field"]))
isg = d0["info_signer"]
check(set(isg) == {"issuer_dn", "signer_name", "signer_cert_validity", "signer_dn", "cert_user_certified"}, "info_signer keys")
check(isg["signer_name"] == ps[0]["cn"] == "Siti Rahmawati", "signer_name: %r" % isg["signer_name"])
check(isg["signer_dn"] == lf["subject"], "signer_dn as openssl RFC 2253: %r vs %r" % (isg["signer_dn"], lf["subject"]))
check(isg["issuer_dn"] == issuer_dn and issuer_dn.startswith("CN="), "issuer_dn as openssl: %r vs %r" % (isg["issuer_dn"], issuer_dn))
nb = datetime.datetime.strptime(lf["notBefore"][:19], "%Y-%m-%dT%H:%M:%S")
na = datetime.datetime.strptime(lf["notAfter"][:19], "%Y-%m-%dT%H:%M:%S")
check(isg["signer_cert_validity"] == "%s to %s" % (wib(nb), wib(na)), "signer_cert_validity (WIB): %r" % isg["signer_cert_validity"])
check(isg["cert_user_certified"] is True, "cert_user_certified for this instance's certificate")
sd = d0["signature_document"]
check(set(sd) == {"signed_using_tsa", "reason", "document_integrity", "signature_value", "signed_in", "location", "hash_value"},
      "signature_document keys: %s" % sorted(sd))
check(sd["document_integrity"] is True and sd["signed_using_tsa"] is False, "integrity true, no TSA")
check(sd["reason"] == "Persetujuan" and sd["location"] == "Jakarta", "reason and location: %r %r" % (sd["reason"], sd["location"]))
check(sd["hash_value"] == sig["digest_sha256"], "hash_value is the SHA-256 of the byte ranges: %r" % sd["hash_value"])
check(sd["signature_value"] == pdfsigs.signature_value(cms).hex(), "signature_value is the SignerInfo's signature (hex)")
check(sd["signed_in"] == wib(ps[0]["time"]), "signed_in is pdfsig's signing time in WIB, Y-m-d H:i:s: %r vs %s" % (sd["signed_in"], ps[0]["time"]))
check(d0["info_tsa"] is None, "info_tsa null without a timestamp")

# ---- v2, one signature: every field of reference 4.2 ----
r = v2(one)
check(r.status == 200, "v2 verify: %d %s" % (r.status, r.body[:300]))
j = r.json()
check(set(j) == {"conclusion", "description", "signatureInformations", "signatureCount"}, "v2 keys: %s" % sorted(j))
check(j["conclusion"] == "VALID" and j["description"] == "Dokumen valid, Sertifikat yang digunakan terpercaya", "v2 VALID: %s" % j["conclusion"])
check(j["signatureCount"] == 1 and len(j["signatureInformations"]) == 1, "signatureCount 1")
si = j["signatureInformations"][0]
check(set(si) == {"id", "signatureFormat", "signerName", "signatureDate", "fieldName", "reason", "location", "certLevelCode",
                  "signatureAlgorithm", "digestAlgorithm", "timestampInfomation", "certificateDetails", "integrityValid",
                  "certificateTrusted", "lastSignature", "ltv", "modified"}, "signatureInformations keys (vendor spelling): %s" % sorted(si))
check(re.fullmatch(r"S-[0-9A-F]{64}", si["id"]) is not None, "signature id: %r" % si["id"])
check(si["signatureFormat"] == "PAdES-BASELINE-B", "signatureFormat: %r" % si["signatureFormat"])
check(si["signerName"] == "Siti Rahmawati" and si["fieldName"] == ps[0]["field"], "signerName, fieldName")
check(si["signatureDate"] == ps[0]["time"].strftime("%Y-%m-%dT%H:%M:%S.000+00:00"), "signatureDate: %r" % si["signatureDate"])
check(si["reason"] == "Persetujuan" and si["location"] == "Jakarta" and si["certLevelCode"] == 0, "reason, location, certLevelCode")
check(si["digestAlgorithm"] == "SHA256" and si["signatureAlgorithm"] == "ECDSA with SHA256", "algorithms: %r %r" %
      (si["digestAlgorithm"], si["signatureAlgorithm"]))
check(si["timestampInfomation"] is None, "no timestamp")
check(si["integrityValid"] is True and si["certificateTrusted"] is True and si["modified"] is False and si["ltv"] is False,
      "integrityValid, certificateTrusted, modified, ltv")
check(si["lastSignature"] is True, "the only signature is the last")
cd = si["certificateDetails"]
chain_pem = teken("ca", "chain", "--dir", D).stdout
ca_pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", chain_pem, re.S)
check(len(cd) == 3, "certificateDetails: signer, issuing CA, root: %d" % len(cd))
for got, pem in zip(cd, [leaf] + ca_pems):
    f = x509_fields(pem)
    der = base64.b64decode("".join(pem.strip().splitlines()[1:-1]))
    check(set(got) == {"id", "commonName", "issuerName", "serialNumber", "notAfterDate", "notBeforeDate", "signatureAlgoritm", "keyUsages"},
          "certificateDetails keys (signatureAlgoritm): %s" % sorted(got))
    check(got["id"] == "C-" + hashlib.sha256(der).hexdigest().upper(), "certificate id is C-<SHA-256 of the DER>")
    check(got["serialNumber"] == f["serial"], "serialNumber (decimal) as openssl: %r %r" % (got["serialNumber"], f["serial"]))
    check(got["notAfterDate"] == f["notAfter"] and got["notBeforeDate"] == f["notBefore"], "validity dates as openssl")
    check(sorted(got["keyUsages"]) == f["ku"], "keyUsages as openssl: %r %r" % (got["keyUsages"], f["ku"]))
    check(got["signatureAlgoritm"] == "ECDSA with SHA256", "signatureAlgoritm: %r" % got["signatureAlgoritm"])
    check(got["commonName"] == re.search(r"CN=([^,]*)", f["subject"]).group(1), "commonName")
check(cd[0]["issuerName"] == ",".join(reversed(issuer_dn.split(","))), "issuerName in encoded order (C=..,O=..,CN=..): %r" % cd[0]["issuerName"])

# ---- multi-signature: teken official + seal with a timestamp ----
ps = pdfsig_view(two)
check(len(ps) == 2 and all(p["valid"] for p in ps) and not ps[0]["total"] and ps[1]["total"], "pdfsig: two valid signatures")
r = v1(two, name="dua.pdf")
j = r.json()
check(r.status == 200 and j["jumlah_signature"] == 2 and j["summary"] == "DOCUMENT VALID !!!", "v1 two signatures valid: %s" % r.body[:300])
check([d["signature_field"] for d in j["details"]] == [p["field"] for p in ps], "v1 fields in file order")
check([d["info_signer"]["signer_name"] for d in j["details"]] == [p["cn"] for p in ps], "v1 signer names as pdfsig")
check(all(d["signature_document"]["document_integrity"] for d in j["details"]), "v1 both intact (a later signature is no change)")
sigs2 = pdfsigs.signatures(path("pdfsig-in.pdf"))
check([d["signature_document"]["hash_value"] for d in j["details"]] == [s["digest_sha256"] for s in sigs2], "v1 hash values of both")
t1 = j["details"][1]
check(t1["signature_document"]["signed_using_tsa"] is True and t1["info_tsa"] is not None, "second signature has a TSA")
tok = pdfsigs.timestamp_tokens(pdfsigs.strip_padding(sigs2[1]["contents"]))[0]
tsa_pem = run("openssl", "pkcs7", "-inform", "DER", "-print_certs", input=tok).decode()
tsa_cn = re.search(r"subject=.*?CN ?= ?([^,\n]*)", tsa_pem).group(1).strip()
check(t1["info_tsa"]["name"] == tsa_cn, "info_tsa.name is the TSA certificate's CN: %r vs %r" % (t1["info_tsa"]["name"], tsa_cn))
tsa_cert = [p for p in re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", tsa_pem, re.S)
            if "CN=" + tsa_cn in x509_fields(p)["subject"]][0]
tf = x509_fields(tsa_cert)
check(t1["info_tsa"]["tsa_cert_validity"] == "%s to %s" % (wib(datetime.datetime.strptime(tf["notBefore"][:19], "%Y-%m-%dT%H:%M:%S")),
                                                            wib(datetime.datetime.strptime(tf["notAfter"][:19], "%Y-%m-%dT%H:%M:%S"))),
      "tsa_cert_validity is the TSA certificate's validity in WIB: %r" % t1["info_tsa"]["tsa_cert_validity"])
r = v2(two)
j = r.json()
check(r.status == 200 and j["conclusion"] == "VALID" and j["signatureCount"] == 2, "v2 two signatures VALID: %s" % r.body[:300])
check([s["lastSignature"] for s in j["signatureInformations"]] == [False, True], "lastSignature marks the last in file order")
ts = j["signatureInformations"][1]["timestampInfomation"]
check(ts is not None and set(ts) == {"id", "signerName", "timestampDate"} and ts["signerName"] == tsa_cn, "timestampInfomation: %s" % ts)
check(ts["id"] == "T-" + hashlib.sha256(tok).hexdigest().upper(), "timestamp id is T-<SHA-256 of the token>")
gen = run("openssl", "ts", "-reply", "-token_in", "-in", "/dev/stdin", "-text", input=tok).decode()
gt = re.search(r"Time stamp: (.*)", gen).group(1).strip().replace(" GMT", "")
gt = datetime.datetime.strptime(re.sub(r"\.\d+", "", gt), "%b %d %H:%M:%S %Y")
check(ts["timestampDate"] == gt.strftime("%Y-%m-%dT%H:%M:%S.000+00:00"), "timestampDate is the token's genTime: %r %s" % (ts["timestampDate"], gt))
check(j["signatureInformations"][1]["signatureFormat"] == "PAdES-BASELINE-T", "second signature B-T")

# ---- tampered: one byte of signed content changed ----
bad = bytearray(one)
at = one.index(b"stream", 400) + 40
bad[at] ^= 0x01
bad = bytes(bad)
ps = pdfsig_view(bad)
check(len(ps) == 1 and not ps[0]["valid"] and ps[0]["digest_mismatch"], "pdfsig: digest mismatch on the tampered file")
r = v1(bad)
j = r.json()
check(r.status == 200 and j["summary"] == "DOCUMENT NOT VALID !!!", "v1 tampered NOT VALID: %s" % r.body[:300])
check(j["notes"] == "Konten Dokumen mengalami perubahan oleh pihak yang tidak berhak", "v1 tampered notes: %r" % j["notes"])
check(j["details"][0]["signature_document"]["document_integrity"] is False, "v1 document_integrity false")
check(j["details"][0]["signature_document"]["hash_value"] == sig["digest_sha256"], "hash_value is the signed digest, not the file's")
r = v2(bad)
j = r.json()
check(r.status == 200 and j["conclusion"] == "INVALID" and j["signatureInformations"][0]["integrityValid"] is False,
      "v2 tampered INVALID, integrityValid false: %s" % r.body[:300])

# ---- changed after signing: new page content in an incremental update written by MuPDF ----
with open(path("mod.js"), "w") as f:
    f.write("""var doc = new PDFDocument(scriptArgs[0]);
var page = doc.findPage(0);
var contents = page.get("Contents");
var extra = doc.addStream("q 1 0 0 rg 100 100 200 50 re f Q\\n", {});
var arr = doc.newArray();
if (contents.isArray()) { for (var i = 0; i < contents.length; i++) arr.push(contents.get(i)); } else arr.push(contents);
arr.push(extra);
page.put("Contents", arr);
doc.save(scriptArgs[1], "incremental");
""")
run("mutool", "run", path("mod.js"), path("one.pdf"), path("changed.pdf"))
changed = open(path("changed.pdf"), "rb").read()
check(changed[:len(one)] == one, "mutool wrote an incremental update")
ps = pdfsig_view(changed)
check(len(ps) == 1 and ps[0]["valid"] and not ps[0]["total"], "pdfsig: signature valid, not the total document")
r = v1(changed)
j = r.json()
check(r.status == 200 and j["summary"] == "DOCUMENT NOT VALID !!!" and j["notes"] == "Konten Dokumen mengalami perubahan oleh pihak yang tidak berhak",
      "v1 changed after signing: NOT VALID: %s" % r.body[:300])
check(j["details"][0]["signature_document"]["document_integrity"] is False, "v1 changed: document_integrity false")
r = v2(changed)
j = r.json()
si = j["signatureInformations"][0]
check(r.status == 200 and j["conclusion"] == "WARNING" and si["modified"] is True and si["integrityValid"] is True,
      "v2 changed after signing: WARNING, modified, the signed revision intact: %s" % r.body[:300])
check(j["description"].startswith("Dokumen diubah setelah ditandatangani"), "v2 changed: description %r" % j["description"])

# ---- unsigned ----
r = v1(BASE, name="polos.pdf")
check(r.status == 200 and r.json() == {"nama_dokumen": "polos.pdf", "jumlah_signature": 0, "notes": None, "details": [], "summary": None},
      "v1 unsigned: %s" % r.body)
r = v2(BASE)
check(r.status == 200 and r.json()["conclusion"] == "NO_SIGNATURE" and r.json()["signatureCount"] == 0 and
      r.json()["signatureInformations"] == [], "v2 unsigned: %s" % r.body)
check(pdfsig_view(BASE) == [], "pdfsig: no signature either")

# ---- a foreign CA: openssl root + signer, signed by pdfsig (NSS) ----
CA = path("ca")
os.makedirs(os.path.join(CA, "new"))
open(os.path.join(CA, "index.txt"), "w").close()
open(os.path.join(CA, "serial"), "w").write("1000\n")
CNF = os.path.join(CA, "ca.cnf")
open(CNF, "w").write("""[ca]
default_ca = ca
[ca]
dir = %s
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
default_md = sha256
policy = pol
unique_subject = no
copy_extensions = none
[pol]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
""" % CA)
run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("froot.key"), "-out", path("froot.pem"),
    "-subj", "/CN=CA Asing", "-days", "3650", "-extensions", "root", "-config", CNF)
run("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", path("fleaf.key"), "-out", path("fleaf.csr"), "-subj", "/CN=Orang Asing")
run("openssl", "ca", "-batch", "-config", CNF, "-cert", path("froot.pem"), "-keyfile", path("froot.key"), "-in", path("fleaf.csr"),
    "-out", path("fleaf.pem"), "-extensions", "leaf", "-days", "700")
run("openssl", "pkcs12", "-export", "-inkey", path("fleaf.key"), "-in", path("fleaf.pem"), "-certfile", path("froot.pem"),
    "-out", path("fleaf.p12"), "-passout", "pass:uji", "-name", "asing")
NSS = path("nss")
os.makedirs(NSS)
run("certutil", "-N", "-d", "sql:" + NSS, "--empty-password")
run("certutil", "-A", "-d", "sql:" + NSS, "-n", "froot", "-t", "CT,C,C", "-i", path("froot.pem"))
run("pk12util", "-i", path("fleaf.p12"), "-d", "sql:" + NSS, "-W", "uji")
run("pdfsig", "-add-signature", "-nssdir", "sql:" + NSS, "-nick", "asing", "-reason", "Disetujui", write("base.pdf", BASE), path("foreign.pdf"))
foreign = open(path("foreign.pdf"), "rb").read()
ps = pdfsig_view(foreign, nss=NSS)
check(len(ps) == 1 and ps[0]["valid"] and ps[0]["cn"] == "Orang Asing", "pdfsig: the foreign signature is intact: %s" % ps)
r = v1(foreign, name="asing.pdf")
j = r.json()
check(r.status == 200 and j["jumlah_signature"] == 1 and j["summary"] == "DOCUMENT NOT VALID !!!", "v1 foreign CA not valid here: %s" % r.body[:300])
d0 = j["details"][0]
check(d0["info_signer"]["cert_user_certified"] is False and d0["signature_document"]["document_integrity"] is True,
      "v1 foreign: cert_user_certified false, document_integrity true")
check(d0["info_signer"]["signer_name"] == "Orang Asing" and d0["info_signer"]["issuer_dn"] == "CN=CA Asing", "v1 foreign signer and issuer")
check(d0["signature_document"]["reason"] == "Disetujui", "v1 foreign reason")
check(j["notes"] == "Sertifikat penanda tangan tidak diterbitkan oleh penyelenggara sertifikasi elektronik yang dipercaya", "v1 foreign notes: %r" % j["notes"])
fs = pdfsigs.signatures(path("foreign.pdf"))[0]
check(d0["signature_document"]["hash_value"] == fs["digest_sha256"], "v1 foreign hash_value (BER CMS read)")
r = v2(foreign)
j = r.json()
si = j["signatureInformations"][0]
check(r.status == 200 and j["conclusion"] == "WARNING" and j["description"] == "Dokumen valid, Sertifikat yang digunakan tidak terpercaya",
      "v2 foreign CA: WARNING: %s" % r.body[:300])
check(si["certificateTrusted"] is False and si["integrityValid"] is True and si["signatureAlgorithm"] == "RSA with SHA256",
      "v2 foreign: certificateTrusted false, integrityValid true")
fcn = [x["commonName"] for x in si["certificateDetails"]]
# NSS embeds the signer only (openssl agrees), and the foreign root is not this instance's: the list ends there.
embedded = [re.search(r"CN=([^,]*)", x509_fields(p)["subject"]).group(1) for p in certs_of(fs["contents"])]
check(set(embedded) == {"Orang Asing"} and fcn == ["Orang Asing"], "v2 foreign certificateDetails: %s (embedded %s)" % (fcn, embedded))
check(x509_fields(open(path("fleaf.pem")).read())["serial"] == si["certificateDetails"][0]["serialNumber"], "v2 foreign serial as openssl")

# ---- foreign signature, then this instance's seal over it ----
teken("sign", "--dir", D, "--in", path("foreign.pdf"), "--out", path("foreign2.pdf"), "--seal")
foreign2 = open(path("foreign2.pdf"), "rb").read()
ps = pdfsig_view(foreign2, nss=NSS)
check(len(ps) == 2 and all(p["valid"] for p in ps), "pdfsig: both signatures intact")
j = v2(foreign2).json()
check(j["signatureCount"] == 2 and j["conclusion"] == "WARNING", "v2 mixed: WARNING: %s" % j["conclusion"])
check([x["certificateTrusted"] for x in j["signatureInformations"]] == [False, True], "v2 mixed: only the second is trusted")
check([x["signerName"] for x in j["signatureInformations"]] == [p["cn"] for p in ps], "v2 mixed: signer names as pdfsig")
j = v1(foreign2).json()
check(j["summary"] == "DOCUMENT NOT VALID !!!" and [d["info_signer"]["cert_user_certified"] for d in j["details"]] == [False, True],
      "v1 mixed: NOT VALID, certified only the second")

# ---- a document larger than a JSON body (the base64 route's own limit applies) ----
def big_pdf(n):
    content = b"BT /F1 12 Tf 72 720 Td (Lampiran) Tj ET\n" + (b"% " + b"x" * 78 + b"\n") * n
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.7\n")
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    return bytes(out)


write("big.pdf", big_pdf(3000))
run("qpdf", "--check", path("big.pdf"))
teken("sign", "--dir", D, "--in", path("big.pdf"), "--out", path("big-signed.pdf"), "--seal")
big = open(path("big-signed.pdf"), "rb").read()
check(len(base64.b64encode(big)) > 4 * 64 * 1024, "the request is larger than the JSON limit: %d" % len(big))
r = v2(big)
check(r.status == 200 and r.json()["conclusion"] == "VALID", "v2 verify of a %d-byte PDF: %d %s" % (len(big), r.status, r.body[:200]))
check(v1(big).json()["summary"] == "DOCUMENT VALID !!!", "v1 verify of the same")

# ---- v2 password field accepted (encrypted PDFs are another helper's part) ----
r = v2(one, password="rahasia")
check(r.status == 200 and r.json()["conclusion"] == "VALID", "v2 with password field")
enc = open(os.path.join(SRC, "tests", "data", "pdf", "bad-encrypted.pdf"), "rb").read()
r = v2(enc, password="rahasia")
check(r.status in (200, 400) and ("conclusion" in r.json() if r.status == 200 else r.json()["error"].startswith("Verifikasi gagal")),
      "v2 encrypted PDF with password: a report or the vendor's error, never a crash: %d %s" % (r.status, r.body[:200]))

# ---- bad input: the vendor's error shape, never a crash ----
r = v1(b"bukan pdf")
check(r.status == 400 and r.json()["error"].startswith("Verifikasi gagal") and r.json()["status_code"] == 400, "v1 non-PDF: %s" % r.body)
body, ct = multipart({}, [("file", "x.pdf", one)])
r = c.request("POST", "/api/sign/verify", body, ctype=ct, raw=True, headers=H)
check(r.status == 400 and "signed_file" in r.json()["error"], "v1 wrong field name: %s" % r.body)
r = c.request("POST", "/api/v2/verify/pdf", {"file": "!!"}, headers=H)
check(r.status == 400 and "error" in r.json(), "v2 bad base64: %s" % r.body)
r = c.request("POST", "/api/v2/verify/pdf", {}, headers=H)
check(r.status == 400 and "file" in r.json()["error"], "v2 missing file: %s" % r.body)
r = v2(one[:len(one) // 3])
check(r.status in (200, 400) and (r.status == 400 or r.json()["conclusion"] != "VALID"), "v2 truncated PDF: %d %s" % (r.status, r.body[:200]))
# Basic auth on every route (reference 0): anonymous gets the Spring 401, a human session 403.
r = c.request("POST", "/api/v2/verify/pdf", {"file": base64.b64encode(one).decode()})
check(r.status == 401 and r.json()["error"] == "Unauthorized", "v2 verify needs Basic")
r = v1(one, headers={})
check(r.status == 401 and r.json()["status"] == 401, "v1 verify needs Basic")
# Another unit's application verifies too: verification is not unit-bound.
check(v2(one, headers=H2).json()["conclusion"] == "VALID", "another unit's application verifies")

# ---- audit: each verification recorded, by hash, with its result ----
db = os.path.join(D, "teken.db")
rows = sqlite3.connect(db).execute("SELECT object, details FROM audit WHERE action = 'document.verify' ORDER BY seq").fetchall()
check(len(rows) >= 10, "document.verify audited: %d" % len(rows))
check(rows[0][0] == hashlib.sha256(one).hexdigest() and json.loads(rows[0][1]) == {"api": "bsre-v1", "signatures": 1, "result": "TOTAL_PASSED"},
      "audit row: %s" % (rows[0],))

# ---- certificate chain of an official (NIK or e-mail), scoped to the key's units ----
r = c.request("GET", "/api/v2/user/certificate/chain/" + sub["nik"], headers=H)
check(r.status == 200 and r.json()["success"] is True and len(r.json()["data"]) == 3, "chain by NIK: %s" % r.body[:200])
ders = [base64.b64decode(x) for x in r.json()["data"]]
pems = [run("openssl", "x509", "-inform", "DER", input=x).decode() for x in ders]
write("c-leaf.pem", pems[0].encode())
write("c-issuing.pem", pems[1].encode())
write("c-root.pem", pems[2].encode())
out = run("openssl", "verify", "-CAfile", path("c-root.pem"), "-untrusted", path("c-issuing.pem"), path("c-leaf.pem")).decode()
check(out.strip().endswith("OK"), "openssl verifies the chain: %s" % out)
check(pems[0] == leaf and pems[1:] == ca_pems, "chain: the certificate that signed, then teken ca chain (issuing, root)")
r2 = c.request("GET", "/api/v2/user/certificate/chain/siti.rahmawati@kementerian.example", headers=H)
check(r2.status == 200 and r2.json() == r.json(), "chain by e-mail")
r2 = c.request("GET", "/api/v2/user/certificate/chain/siti.rahmawati%40kementerian.example", headers=H)
check(r2.status == 200 and r2.json() == r.json(), "chain by e-mail, '@' percent-encoded")
unknown = c.request("GET", "/api/v2/user/certificate/chain/3174011111110001", headers=H)
check(unknown.status == 404 and unknown.json()["success"] is False and unknown.json()["status_code"] == 404, "unknown NIK: 404: %s" % unknown.body)
r = c.request("GET", "/api/v2/user/certificate/chain/" + sub["nik"], headers=H2)
check(r.status == 404 and r.body == unknown.body, "another unit's application: the same answer as an unknown NIK: %s" % r.body)
r = c.request("GET", "/api/v2/user/certificate/chain/siti.rahmawati@kementerian.example", headers=H2)
check(r.status == 404 and r.body == unknown.body, "another unit's application by e-mail: not found")

# ---- seal: the application's unit seal ----
seal_name = sqlite3.connect(db).execute("SELECT substr(key, 6) FROM meta WHERE key LIKE 'cert.seal-%'").fetchone()[0]
docs_before = sqlite3.connect(db).execute("SELECT COUNT(*) FROM documents").fetchone()[0]
signs_before = sqlite3.connect(db).execute("SELECT COUNT(*) FROM audit WHERE action = 'document.sign'").fetchone()[0]
req = {"idSubscriber": "Sekretariat Jenderal", "totp": "123456", "signatureProperties": [{"tampilan": "INVISIBLE", "reason": "Segel"}],
       "file": [base64.b64encode(BASE).decode()]}
for ident in ("Sekretariat Jenderal", seal_name):
    r = c.request("POST", "/api/v2/seal/pdf", dict(req, idSubscriber=ident), headers=H)
    check(r.status == 200 and isinstance(r.json()["time"], int) and len(r.json()["file"]) == 1, "seal by %r: %s" % (ident, r.body[:200]))
    out = base64.b64decode(r.json()["file"][0])
    ps = pdfsig_view(out)
    check(len(ps) == 1 and ps[0]["valid"] and ps[0]["total"], "pdfsig: the sealed PDF verifies")
    scms = pdfsigs.strip_padding(pdfsigs.signatures(path("pdfsig-in.pdf"))[0]["contents"])
    signer = [p for p in certs_of(scms) if "OU=Sekretariat Jenderal" in x509_fields(p)["subject"] and "CA" not in x509_fields(p)["subject"]]
    check(len(signer) == 1 and "Segel" in x509_fields(signer[0])["subject"], "signed by the unit seal's certificate: %s" %
          [x509_fields(p)["subject"] for p in certs_of(scms)])
    check(ps[0]["cn"] == re.search(r"CN=([^,]*)", x509_fields(signer[0])["subject"]).group(1), "pdfsig names the seal")
    v = v2(out).json()
    check(v["conclusion"] == "VALID" and v["signatureInformations"][0]["signerName"] == ps[0]["cn"], "our own v2 verify agrees")
check(sqlite3.connect(db).execute("SELECT COUNT(*) FROM documents").fetchone()[0] == docs_before + 2, "seal signatures registered")
audited = sqlite3.connect(db).execute("SELECT COUNT(*) FROM audit WHERE action = 'document.sign'").fetchone()[0]
check(audited == signs_before + 2, "seal signatures audited (document.sign): %d -> %d" % (signs_before, audited))
# Refusals: another unit's application names this unit or its seal; this application a unit it does not act for.
for hdr, ident in ((H2, "Sekretariat Jenderal"), (H2, seal_name), (H, "Biro Lain")):
    r = c.request("POST", "/api/v2/seal/pdf", dict(req, idSubscriber=ident), headers=hdr)
    check(r.status == 403 and r.json()["status_code"] == 403 and r.json()["error"].startswith("Proses segel gagal"), "seal %r refused: %s" % (ident, r.body))
r = c.request("POST", "/api/v2/seal/pdf", dict(req, idSubscriber="seal"), headers=H)
check(r.status == 403, "the instance seal is never an application's: %s" % r.body)
check(sqlite3.connect(db).execute("SELECT COUNT(*) FROM documents").fetchone()[0] == docs_before + 2, "no signature by a refused call")
r = c.request("POST", "/api/v2/seal/pdf", dict(req, file=["!!"]), headers=H)
check(r.status == 400, "seal bad base64: %s" % r.body)
r = c.request("POST", "/api/v2/seal/pdf", {"file": req["file"]}, headers=H)
check(r.status == 400 and "idSubscriber" in r.json()["error"], "seal without idSubscriber: %s" % r.body)

# ---- TOTP routes: 501 in the vendor's error shape ----
for p, b in (("/api/v2/seal/get/activation", {"idSubscriber": seal_name}), ("/api/v2/seal/revoke/activation", {"idSubscriber": seal_name, "totp": "1"}),
             ("/api/v2/seal/get/totp", {"idSubscriber": seal_name, "data": 1, "totp": "1"}), ("/api/v2/sign/get/totp", {"nik": sub["nik"], "data": 1})):
    r = c.request("POST", p, b, headers=H)
    check(r.status == 501 and r.json()["status_code"] == 501 and r.json()["success"] is False and "TOTP" in r.json()["error"], "%s: %s" % (p, r.body))
    check(c.request("POST", p, b).status == 401, "%s needs Basic" % p)

check(srv.stop() == 0, "server stops")
finish("test_bsre_verify.py")
