#!/usr/bin/env python3
"""Outbound CRL fetches of long-term validation go only where [ltv] fetch_allow says (no SSRF).

Another CA (instance B) signs a PDF; its certificates name a CRL distribution
point on a loopback port where a small HTTP server of this test serves B's CRL
and records every request. Our instance brings that PDF to B-LT through
`teken sign --level B-LT` (CLI and HTTP API) and `teken ltv extend`: while the
host is not on the allow-list, the recording server must see no request at
all; once it is, the CRL is fetched and used.
"""
import http.server
import json
import os
import re
import sys
import threading
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, teken, tmpdir  # noqa: E402

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
PDF = os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf")
T = tmpdir()
hits = []
crls = {}  # path -> DER served


class Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        hits.append(self.path)
        der = crls.get(self.path)
        if der is not None:
            self.send_response(200)
            self.send_header("Content-Type", "application/pkix-crl")
            self.send_header("Content-Length", str(len(der)))
            self.end_headers()
            self.wfile.write(der)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def log_message(self, *args):
        pass


rec = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
port = rec.server_address[1]
threading.Thread(target=rec.serve_forever, daemon=True).start()

# The other CA: its certificates point at the recorder for their CRL.
b = os.path.join(T, "other")
teken("init", "--dir", b, "--key-alg", "ec-p256", "--base-url", "http://127.0.0.1:%d" % port)
for ca in ("issuing", "root"):
    crl_path = os.path.join(T, "b-%s.crl" % ca)
    teken("ca", "crl", "--dir", b, "--ca", ca, "-o", crl_path)
    crls["/crl/%s.crl" % ca] = open(crl_path, "rb").read()
foreign = os.path.join(T, "foreign.pdf")
teken("sign", "--dir", b, "--in", PDF, "--out", foreign, "--seal")
check(hits == [], "signing at the other CA fetched nothing: %s" % hits)

# Our instance, default policy: only its own base URL (127.0.0.1:8443).
d = os.path.join(T, "inst")
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256")
conf = os.path.join(d, "teken.conf")
base_conf = open(conf).read()

p = teken("sign", "--dir", d, "--in", foreign, "--out", os.path.join(T, "lt.pdf"), "--seal", "--level", "B-LT")
check("PAdES-BASELINE-LT" in p.stdout, "CLI B-LT over a foreign signature: %s" % p.stdout)
check(hits == [], "CLI B-LT: no request to a host off the allow-list: %s" % hits)
check("ltv.crl_fetch" in p.stderr and ("host 127.0.0.1:%d is not on the fetch allow-list" % port) in p.stderr,
      "the refusal is logged with the host: %s" % p.stderr)

p = teken("ltv", "extend", "--dir", d, "--in", foreign, "--out", os.path.join(T, "lta.pdf"))
# B's seal certificate and B's issuing CA: two CRLs out of reach.
check("warning: 2 certificate(s) without revocation data" in p.stdout, "ltv extend reports the missing CRL: %s" % p.stdout)
check(hits == [], "ltv extend: no request to a host off the allow-list: %s" % hits)

# The same over HTTP: an application uploads the foreign PDF for a B-LT seal.
demo = json.load(open(os.path.join(d, "demo.json")))
srv = Server(d)
app = Client(srv)
app.bearer = demo["application"]["api_key"]
body, ct = multipart({"options": json.dumps({"level": "B-LT"})}, [("file", "foreign.pdf", open(foreign, "rb").read())])
r = app.request("POST", "/api/v1/sign/pdf", body, ctype=ct, raw=True)
check(r.status == 200 and r.headers.get("x-signature-level") == "PAdES-BASELINE-LT", "HTTP B-LT: %d %s" % (r.status, r.body[:200]))
check(hits == [], "teken serve: no request to a host off the allow-list: %s" % hits)
check(srv.stop() == 0, "server stops cleanly")

# A name that resolves to loopback is refused without fetch_private, even when listed.
with open(conf, "w") as f:
    f.write(base_conf + "\n[ltv]\nfetch_allow = localhost:%d, 127.0.0.2:%d\n" % (port, port))
p = teken("ltv", "extend", "--dir", d, "--in", foreign, "--out", os.path.join(T, "lta2.pdf"))
check("warning:" in p.stdout and hits == [], "other hosts listed: still nothing fetched: %s %s" % (p.stdout, hits))

# Bad configuration is an error, not a silent default.
with open(conf, "w") as f:
    f.write(base_conf + "\n[ltv]\nfetch_allow = 127.0.0.1:99999\n")
p = teken("ltv", "extend", "--dir", d, "--in", foreign, "--out", os.path.join(T, "x.pdf"), check_rc=False)
check(p.returncode != 0 and p.stderr.startswith("teken: error: ") and "fetch_allow" in p.stderr and
      len(p.stderr.strip().splitlines()) == 1, "bad fetch_allow: %s" % p.stderr)
check(hits == [], "bad configuration fetched nothing")

# Listed by the operator: fetched once, and used.
with open(conf, "w") as f:
    f.write(base_conf + "\n[ltv]\nfetch_allow = crl.example.invalid, 127.0.0.1:%d\n" % port)
p = teken("ltv", "extend", "--dir", d, "--in", foreign, "--out", os.path.join(T, "lta3.pdf"))
check("warning" not in p.stdout, "allowed CRL host: revocation data found: %s" % p.stdout)
check(sorted(hits) == ["/crl/issuing.crl", "/crl/root.crl"], "one request per CRL: %s" % hits)
out = open(os.path.join(T, "lta3.pdf"), "rb").read()
streams = []
for m in re.finditer(rb"stream\r?\n", out):
    end = out.find(b"endstream", m.end())
    raw = out[m.end():end]
    try:
        streams.append(zlib.decompressobj().decompress(raw))
    except zlib.error:
        streams.append(raw)
check(all(any(s.startswith(der) for s in streams) for der in crls.values()), "both CRLs of the other CA are in the /DSS")

rec.shutdown()
finish("test_ltv_fetch.py")
