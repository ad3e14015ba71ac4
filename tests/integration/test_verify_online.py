#!/usr/bin/env python3
"""Online revocation (issue 13): a PDF signed by another CA whose
certificate names an OCSP responder (AIA) and a CRL distribution point,
both served by this test on loopback. teken fetches them only when asked
(--revocation online, [verify] revocation = online), only from allowed
hosts (loopback is refused unless listed), falls back from OCSP to the CRL,
and caches answers by their validity. openssl ocsp is the oracle for what
the responder says."""
import base64
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import BIN, Client, Server, check, finish, teken, tmpdir  # noqa: E402

SRC = os.environ.get("TEKEN_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
T = tmpdir()
CA = os.path.join(T, "ca")
NSS = os.path.join(T, "nss")
os.makedirs(os.path.join(CA, "new"))
open(os.path.join(CA, "index.txt"), "w").close()
open(os.path.join(CA, "serial"), "w").write("1000\n")
open(os.path.join(CA, "crlnumber"), "w").write("01\n")


def run(*args, input=None, ok=True):
    p = subprocess.run(list(args), capture_output=True, input=input)
    if ok and p.returncode != 0:
        raise AssertionError("%s: %s" % (" ".join(args), p.stderr.decode(errors="replace")))
    return p


def path(n):
    return os.path.join(T, n)


# ---- the responder: OCSP (GET, RFC 6960 A.1) and the CRL, with hit counters and a failure switch ----
hits = {"ocsp": 0, "crl": 0}
state = {"ocsp_fail": False}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        # openssl ocsp (the oracle) asks by POST; it is not counted.
        req = self.rfile.read(int(self.headers["Content-Length"]))
        with lock:
            body = self.answer(req)
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer(self, req):
        open(path("req.der"), "wb").write(req)
        run("openssl", "ocsp", "-index", os.path.join(CA, "index.txt"), "-CA", path("root.pem"), "-rsigner", path("root.pem"),
            "-rkey", path("root.key"), "-reqin", path("req.der"), "-respout", path("resp.der"), "-ndays", "1")
        return open(path("resp.der"), "rb").read()

    def do_GET(self):
        if self.path.startswith("/ocsp/"):
            with lock:
                hits["ocsp"] += 1
                if state["ocsp_fail"]:
                    self.send_response(500)
                    self.end_headers()
                    return
                req = base64.b64decode(urllib.parse.unquote(self.path[len("/ocsp/"):]))
                body = self.answer(req)
            self.send_response(200)
            self.send_header("Content-Type", "application/ocsp-response")
        elif self.path == "/ca.crl":
            with lock:
                hits["crl"] += 1
                body = open(path("ca.crl"), "rb").read()
            self.send_response(200)
            self.send_header("Content-Type", "application/pkix-crl")
        else:
            self.send_response(404)
            body = b""
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
PORT = httpd.server_address[1]
threading.Thread(target=httpd.serve_forever, daemon=True).start()
BASE = "http://127.0.0.1:%d" % PORT

open(os.path.join(CA, "ca.cnf"), "w").write("""
[ca]
default_ca = uji
[uji]
dir = %s
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_crl_days = 1
policy = pol
unique_subject = no
copy_extensions = none
[pol]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:%s/ocsp
crlDistributionPoints = URI:%s/ca.crl
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
""" % (CA, BASE, BASE))
CNF = os.path.join(CA, "ca.cnf")
run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("root.key"), "-out", path("root.pem"),
    "-subj", "/CN=Uji Root Daring", "-days", "3650", "-extensions", "root", "-config", CNF)
for n in ("good", "bad"):
    run("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", path(n + ".key"), "-out", path(n + ".csr"), "-subj", "/CN=Penanda " + n)
    run("openssl", "ca", "-batch", "-config", CNF, "-cert", path("root.pem"), "-keyfile", path("root.key"), "-in", path(n + ".csr"),
        "-out", path(n + ".pem"), "-extensions", "leaf", "-days", "700")
    run("openssl", "pkcs12", "-export", "-inkey", path(n + ".key"), "-in", path(n + ".pem"), "-certfile", path("root.pem"),
        "-out", path(n + ".p12"), "-passout", "pass:uji", "-name", n)


def gencrl():
    run("openssl", "ca", "-gencrl", "-config", CNF, "-cert", path("root.pem"), "-keyfile", path("root.key"), "-out", path("ca.pem.crl"))
    run("openssl", "crl", "-in", path("ca.pem.crl"), "-outform", "DER", "-out", path("ca.crl"))


gencrl()
os.makedirs(NSS)
run("certutil", "-N", "-d", "sql:" + NSS, "--empty-password")
run("certutil", "-A", "-d", "sql:" + NSS, "-n", "root", "-t", "CT,C,C", "-i", path("root.pem"))
for n in ("good", "bad"):
    run("pk12util", "-i", path(n + ".p12"), "-d", "sql:" + NSS, "-W", "uji")
    run("pdfsig", "-add-signature", "-nssdir", "sql:" + NSS, "-nick", n, os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf"),
        path(n + ".pdf"))


def oracle(cert):
    """What the responder says, asked by openssl ocsp."""
    p = run("openssl", "ocsp", "-issuer", path("root.pem"), "-cert", path(cert + ".pem"), "-url", BASE + "/ocsp", "-CAfile",
            path("root.pem"), ok=False)
    out = p.stdout.decode()
    return "revoked" if ": revoked" in out else "good" if ": good" in out else "?" + out + p.stderr.decode()


def verify(name, *extra):
    p = subprocess.run([BIN, "verify", "--trust", path("root.pem"), "--in", path(name + ".pdf"), *extra], capture_output=True, text=True)
    rep = json.loads(p.stdout) if p.stdout.startswith("{") else None
    return p.returncode, rep, p.stderr


def rev(rep):
    s = rep["signatures"][0]
    return s["indication"], s["subindication"], s["revocation"]["status"], s["revocation"]["source"]


# Offline (the default): nothing is fetched; no revocation data → INDETERMINATE TRY_LATER.
rc, rep, err = verify("good")
check(rc == 3 and rev(rep)[:2] == ("INDETERMINATE", "TRY_LATER") and hits == {"ocsp": 0, "crl": 0},
      "offline: not fetched, TRY_LATER: %s %s" % (rep and rev(rep), hits))
# Online without an instance: any public host, so loopback is refused (no SSRF), status stays unknown.
rc, rep, err = verify("good", "--revocation", "online")
check(rc == 3 and rev(rep)[1] == "TRY_LATER" and hits == {"ocsp": 0, "crl": 0}, "online, loopback not allowed: %s %s" % (rep and rev(rep), hits))

# An instance whose [verify] fetch_allow lists the responder's address.
D = path("inst")
teken("init", "--dir", D)
conf = os.path.join(D, "teken.conf")
text = open(conf).read()
if "[verify]" not in text:
    text += "\n[verify]\n"
text = text.replace("[verify]", "[verify]\nfetch_allow = 127.0.0.1:%d\n" % PORT, 1)
open(conf, "w").write(text)

o = oracle("good")
check(o == "good", "openssl ocsp: good is good: %s" % o)
rc, rep, err = verify("good", "--dir", D, "--revocation", "online")
check(rc == 0 and rev(rep) == ("TOTAL_PASSED", None, "good", "online-ocsp") and hits["ocsp"] == 1 and hits["crl"] == 0,
      "online OCSP: good: %s %s %s" % (rep and rev(rep), hits, err))

run("openssl", "ca", "-config", CNF, "-cert", path("root.pem"), "-keyfile", path("root.key"), "-revoke", path("bad.pem"), "-crl_reason",
    "keyCompromise")
gencrl()
check(oracle("bad") == "revoked", "openssl ocsp: bad is revoked")
rc, rep, err = verify("bad", "--dir", D, "--revocation", "online")
check(rc == 4 and rev(rep)[0] == "TOTAL_FAILED" and rev(rep)[2:] == ("revoked", "online-ocsp"), "online OCSP: revoked: %s" % (rep and rev(rep),))

# The responder fails: the CRL distribution point answers instead.
state["ocsp_fail"] = True
before = dict(hits)
rc, rep, err = verify("good", "--dir", D, "--revocation", "online")
check(rc == 0 and rev(rep)[2:] == ("good", "online-crl") and hits["crl"] == before["crl"] + 1, "CRL fallback: good: %s %s" % (rep and rev(rep), hits))
rc, rep, err = verify("bad", "--dir", D, "--revocation", "online")
check(rc == 4 and rev(rep)[2:] == ("revoked", "online-crl"), "CRL fallback: revoked: %s" % (rep and rev(rep),))
state["ocsp_fail"] = False

# A CRL that is not signed by the issuer is not believed.
good_crl = open(path("ca.crl"), "rb").read()
run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("evil.key"), "-out", path("evil.pem"),
    "-subj", "/CN=Uji Root Daring", "-days", "30", "-extensions", "root", "-config", CNF)
run("openssl", "ca", "-gencrl", "-config", CNF, "-cert", path("evil.pem"), "-keyfile", path("evil.key"), "-out", path("evil.crl.pem"))
run("openssl", "crl", "-in", path("evil.crl.pem"), "-outform", "DER", "-out", path("ca.crl"))
state["ocsp_fail"] = True
rc, rep, err = verify("bad", "--dir", D, "--revocation", "online")
check(rev(rep)[2] != "revoked" and rev(rep)[0] != "TOTAL_PASSED" and rc == 3, "a CRL signed by another key is ignored: %s" % (rep and rev(rep),))
open(path("ca.crl"), "wb").write(good_crl)
state["ocsp_fail"] = False

# The server with [verify] revocation = online: fetched once, then served from the cache until nextUpdate.
text = open(conf).read().replace("[verify]", "[verify]\nrevocation = online\ntrust = %s\n" % path("root.pem"), 1)
open(conf, "w").write(text)
srv = Server(D)
c = Client(srv)
before = hits["ocsp"]
for i in range(3):
    r = c.request("POST", "/api/v1/verify", open(path("good.pdf"), "rb").read(), ctype="application/pdf")
    s = r.json()["signatures"][0] if r.status == 200 else {}
    check(r.status == 200 and s.get("revocation", {}).get("source") == "online-ocsp" and s.get("indication") in ("TOTAL_PASSED", "INDETERMINATE"),
          "HTTP verify %d: %s" % (i, r.body[:300]))
check(hits["ocsp"] == before + 1, "one OCSP fetch for three verifications (cache): %s" % hits)
check(srv.stop() == 0, "server stopped")

r = subprocess.run([BIN, "verify", "--in", path("good.pdf"), "--revocation", "sometimes"], capture_output=True, text=True)
check(r.returncode == 2 and r.stderr.count("\n") == 1, "bad --revocation value: usage error")
httpd.shutdown()
shutil.rmtree(os.path.join(T, "nss"), ignore_errors=True)
finish("verify_online")
