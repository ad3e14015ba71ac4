#!/usr/bin/env python3
"""Concurrent signing over HTTP on the signing pool (issue 16, signing at the hardware's pace).

Several clients sign at once over keep-alive connections (PAdES and CAdES with the
application's unit seal), so requests of one connection are suspended, signed on
the signing threads and resumed in turn. Every acknowledged signature must have
its registry row (documents: id, and the SHA-256 of exactly the bytes the client
received, computed here with hashlib) and its audit event, the audit chain must
verify (`teken audit verify`), pdfsig and openssl cms must accept every output.
Then a SIGTERM lands in the middle of a burst: the server drains its signing
queue, exits 0, and every signature it acknowledged is recorded.
test_sign_concurrent_pg.sh runs the same on PostgreSQL (TEKEN_TEST_STORE).
"""
import hashlib
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Server, check, finish, multipart, store_sql, teken, tmpdir  # noqa: E402

for tool in ("pdfsig", "openssl") + (("psql",) if os.environ.get("TEKEN_TEST_STORE") else ()):
    if subprocess.run(["which", tool], capture_output=True).returncode != 0:
        print("FAIL: oracle tool %s is missing" % tool)
        sys.exit(1)

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
STORE = os.environ.get("TEKEN_TEST_STORE")
T = tmpdir()
d = os.path.join(T, "inst")
db = os.path.join(d, "teken.db")
init = ["init", "--dir", d, "--demo", "--key-alg", "ec-p256"]
if STORE:
    init += ["--store", STORE]
teken(*init)
demo = json.load(open(os.path.join(d, "demo.json")))
KEY = demo["application"]["api_key"]
# Two pool threads, four signing threads; every client is admitted (no 503 to account for).
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[http]\nmax_concurrent_signing = 64\nmax_connections_per_ip = 0\nsigning_threads = 4\n")
pdf = open(os.path.join(SRC, "tests", "data", "pdf", "gs-pdf13.pdf"), "rb").read()


def sql(q, *args):
    return store_sql(db, STORE, q, *args)


def post(conn, kind, i):
    """One signing request on an open keep-alive connection: (status, headers, body, input)."""
    if kind == "pades":
        data, fname, path = pdf, "surat-%d.pdf" % i, "/api/v1/sign/pdf"
    else:
        data, fname, path = ("berkas %d\n" % i).encode() * 50, "berkas-%d.txt" % i, "/api/v1/sign/cades"
    body, ct = multipart({"options": "{}"}, [("file", fname, data)])
    conn.request("POST", path, body=body, headers={"Content-Type": ct, "Authorization": "Bearer " + KEY})
    r = conn.getresponse()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read(), data


def client(port, n, results, errors, stop=None):
    """n requests (or until stop is set or the server goes away) on one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        i = 0
        while i < n and not (stop is not None and stop.is_set()):
            kind = "pades" if i % 3 != 2 else "cades"
            st, h, b, inp = post(conn, kind, i)
            if st == 200:
                results.append((kind, h["x-document-id"], b, inp))
                rids[h["x-document-id"]] = h.get("x-request-id", "")
            else:
                errors.append((st, b[:300]))
            i += 1
    except (OSError, http.client.HTTPException) as e:
        if stop is None:
            errors.append((0, repr(e)))
    finally:
        conn.close()


rids = {}  # document id -> X-Request-Id of the answer that carried it


# 1. Six clients, eight requests each, at once, on two pool threads and four signing threads.
srv = Server(d, threads=2, jobs=False)
results, errors = [], []
ths = [threading.Thread(target=client, args=(srv.port, 8, results, errors)) for _ in range(6)]
t0 = time.time()
for t in ths:
    t.start()
for t in ths:
    t.join()
check(not errors, "every concurrent request signed: %s" % errors[:3])
check(len(results) == 48, "48 signatures acknowledged (%d)" % len(results))
ids = [r[1] for r in results]
check(len(set(ids)) == len(ids), "document ids are unique")
log = open(srv.log_path).read()
check("on 4 signing threads" in log, "the server reports its signing threads: %s" % log[:300])
# The signing thread speaks for the request it signs: its log line carries the answer's X-Request-Id.
signed_lines = {}
for line in log.splitlines():
    try:
        j = json.loads(line)
    except ValueError:
        continue
    if j.get("event") == "sign.document":
        signed_lines[j.get("msg", "").split(" ")[1]] = j.get("request_id")
bad_rid = [(i, rids.get(i), signed_lines.get(i)) for i in ids if not rids.get(i) or signed_lines.get(i) != rids.get(i)]
check(not bad_rid, "each sign.document log line carries its request's X-Request-Id: %s" % bad_rid[:3])

chain = teken("ca", "chain", "--dir", d).stdout
root = os.path.join(T, "root.pem")
open(root, "w").write("-----BEGIN CERTIFICATE-----" + chain.split("-----BEGIN CERTIFICATE-----")[2])


def oracle(kind, out, inp, n):
    """pdfsig (PAdES) or openssl cms (CAdES) on what the client received."""
    if kind == "pades":
        p = os.path.join(T, "o%d.pdf" % n)
        open(p, "wb").write(out)
        r = subprocess.run(["pdfsig", "-no-ocsp", p], capture_output=True, text=True)
        return "Signature is Valid" in r.stdout and out.startswith(inp), r.stdout[-300:]
    c, s = os.path.join(T, "o%d.bin" % n), os.path.join(T, "o%d.p7s" % n)
    open(c, "wb").write(inp)
    open(s, "wb").write(out)
    r = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", s, "-content", c, "-CAfile", root,
                        "-purpose", "any", "-out", "/dev/null"], capture_output=True, text=True)
    return r.returncode == 0, r.stderr[-300:]


def recorded(batch, what):
    """Every acknowledged signature has its registry row (hash of what the client got) and one audit event."""
    docs = {row[0]: row for row in sql("SELECT id, sha256, kind, size FROM documents")}
    ev = {}
    for (obj,) in sql("SELECT object FROM audit WHERE action = 'document.sign'"):
        ev[obj] = ev.get(obj, 0) + 1
    bad = []
    for kind, did, out, inp in batch:
        # A PAdES response is the whole signed file (original bytes, then the new revision); CAdES registers its content.
        want = hashlib.sha256(inp if kind == "cades" else out).hexdigest()
        row = docs.get(did)
        if row is None or row[1] != want or row[2] != kind or int(row[3]) != (len(inp) if kind == "cades" else len(out)):
            bad.append(("registry", did, row))
        if ev.get(did) != 1:
            bad.append(("audit", did, ev.get(did)))
    check(not bad, "%s: every acknowledged signature is in the registry and the audit log once: %s" % (what, bad[:3]))


recorded(results, "concurrent burst")
verdicts = [oracle(k, out, inp, n) for n, (k, _, out, inp) in enumerate(results)]
check(all(v[0] for v in verdicts), "pdfsig and openssl cms accept every output: %s" % [v[1] for v in verdicts if not v[0]][:2])
# The chain is a strict sequence: seq 1..n with no gap, each row linked to the one before.
seqs = [int(r[0]) for r in sql("SELECT seq FROM audit ORDER BY seq")]
check(seqs == list(range(seqs[0], seqs[0] + len(seqs))), "audit sequence has no gap or duplicate")
check(srv.stop() == 0, "server stops cleanly after the burst")
av = teken("audit", "verify", "--dir", d, check_rc=False)
check(av.returncode == 0, "teken audit verify after the burst: %s %s" % (av.stdout[-300:], av.stderr[-300:]))

# 2. SIGTERM in the middle of a burst: queued signatures finish, nothing acknowledged is lost.
srv = Server(d, threads=2, jobs=False)
results2, errors2 = [], []
stop = threading.Event()
ths = [threading.Thread(target=client, args=(srv.port, 1000, results2, errors2, stop)) for _ in range(6)]
for t in ths:
    t.start()
deadline = time.time() + 60
while len(results2) < 6 and time.time() < deadline:
    time.sleep(0.05)
srv.proc.send_signal(signal.SIGTERM)
rc = srv.proc.wait(60)
stop.set()
for t in ths:
    t.join()
check(rc == 0, "server drains its signing queue and exits 0 on SIGTERM (exit %s): %s" % (rc, open(srv.log_path).read()[-500:]))
check(len(results2) >= 6, "signatures acknowledged before the stop: %d" % len(results2))
check(all(e[0] in (0, 503) for e in errors2), "requests cut by the stop fail, none half-answered: %s" % errors2[:3])
recorded(results2, "burst cut by SIGTERM")
av = teken("audit", "verify", "--dir", d, check_rc=False)
check(av.returncode == 0, "teken audit verify after the stop: %s %s" % (av.stdout[-300:], av.stderr[-300:]))
print("signed %d + %d documents concurrently (%.1fs for the first burst)" % (len(results), len(results2), time.time() - t0))
finish("test_sign_concurrent")
