#!/usr/bin/env python3
"""kill -9 under load: nothing acknowledged is lost, nothing is corrupt.

Real `teken serve` processes on loopback take concurrent seal signing
(POST /api/v1/sign/pdf with the application's API key), certificate
issuance through the registration authority (alternately a unit seal, which
the admin requests with POST /api/v1/seals and two Verifikators approve,
and an official's renewal, POST /api/v1/me/renew, which one Verifikator
approves: POST /api/v1/requests/{id}/approve issues the certificate) and
revocation (the holder revokes a renewed certificate at once with POST
/api/v1/certificates/{serial}/revoke; a seal's revocation is filed by one
Verifikator and approved by the other), while the test kills the servers
with SIGKILL at random moments (KILL9_KILLS times, default 10; 0.2-2 s of
load between kills) and starts them again on the same instance.

Every operation whose response was a 2xx is recorded with its identifiers
(a filed seal or renewal request, 202, is acknowledged too: its request
row and event).
Afterwards, with the servers stopped: each acknowledged signing has its
registry row (same SHA-256 as the bytes the client received) and its
document.sign audit event, each issued serial its certificate row and
cert.issue event, each revoked serial is revoked in the store and listed
in a freshly built CRL read by `openssl crl`; `teken audit verify` passes;
no serial or document id appears twice; SQLite says integrity_check ok.
A few signed outputs are checked by `openssl cms -verify` and `pdfsig`.

Parameters (environment):
  TEKEN_TEST_STORE  PostgreSQL URL (test_kill9_pg.sh); default SQLite.
  KILL9_NODES       servers on the same instance (default 1; 2 with PostgreSQL).
  KILL9_KILLS       kill events (default 10).
Prints "kills survived N, acknowledged ops M, lost 0" (docs/testing.md).
"""
import atexit
import hashlib
import http.client
import json
import os
import queue
import random
import select
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import BIN, Client, check, finish, multipart, store_sql, teken, tmpdir  # noqa: E402
import pdfsigs  # noqa: E402

for tool in ("openssl", "pdfsig"):
    if shutil.which(tool) is None:
        raise AssertionError("oracle tool %s is missing (scripts/install-deps.sh installs it)" % tool)

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
STORE = os.environ.get("TEKEN_TEST_STORE")
NODES = int(os.environ.get("KILL9_NODES", "2" if STORE else "1"))
KILLS = int(os.environ.get("KILL9_KILLS", "10"))
SIGNERS = 2  # driver threads: 2 signing, 1 issuing, 1 revoking (4 in all)
T = tmpdir()
d = os.path.join(T, "inst")
db = os.path.join(d, "teken.db")
SEED = int(os.environ.get("KILL9_SEED", str(int(time.time()))))
rng = random.Random(SEED)


def log(msg):
    print("kill9: " + msg, flush=True)


log("KILL9_SEED=%d (the kill timing; the load's own timing varies)" % SEED)


class Node:
    """One `teken serve` on the instance; killed and restarted by the test. .port is None while down."""

    def __init__(self, name):
        self.name = name
        self.proc = None
        self.port = None
        self.log_path = os.path.join(T, "serve-%s.log" % name)
        self.starts = 0
        atexit.register(self.reap)

    def reap(self):
        """At exit, also after a failed check: no server outlives the test."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def start(self):
        logf = open(self.log_path, "a")
        logf.write("\n==== start %d\n" % self.starts)
        logf.flush()
        self.proc = subprocess.Popen([BIN, "serve", "--dir", d, "--listen", "127.0.0.1:0", "--threads", "4"],
                                     stdout=subprocess.PIPE, stderr=logf, text=True)
        logf.close()
        # The first line says where it listens; a server that cannot start (a stale lock, a
        # store it cannot open after the crash) exits or stays silent: both fail the test.
        ready, _, _ = select.select([self.proc.stdout], [], [], 120)
        line = self.proc.stdout.readline() if ready else ""
        if "listening on" not in line:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("node %s did not restart after kill %d: %r; log:\n%s"
                                 % (self.name, self.starts, line, open(self.log_path, errors="replace").read()[-3000:]))
        self.starts += 1
        self.port = int(line.rsplit(":", 1)[1])

    def kill(self):
        self.port = None
        if self.proc.poll() is not None:  # it died by itself (an ASan report aborts it): that is a crash found
            raise AssertionError("node %s exited on its own with %s before kill %d; log:\n%s"
                                 % (self.name, self.proc.returncode, self.starts,
                                    open(self.log_path, errors="replace").read()[-4000:]))
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc.stdout.close()

    def stop(self):
        self.port = None
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("node %s did not stop on SIGTERM" % self.name)
        self.proc.stdout.close()
        if rc != 0:
            sys.stderr.write(open(self.log_path, errors="replace").read()[-4000:])
        return rc


class Target:
    """What tekentest.Client calls `server`: a port read at each request (any node that is up)."""

    def __init__(self, nodes, pick):
        self.nodes, self.pick = nodes, pick

    @property
    def port(self):
        up = [n.port for n in self.nodes if n.port is not None]
        if not up:
            raise ConnectionRefusedError("no node is up")
        return self.pick.choice(up)


# ------------------------------------------------------------------ setup
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256", *(["--store", STORE] if STORE else []))
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[http]\nrate_per_ip = 0\n")
demo = json.load(open(os.path.join(d, "demo.json")))
nodes = [Node(chr(ord("a") + i)) for i in range(NODES)]
for n in nodes:
    n.start()
pdf = open(os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf"), "rb").read()


def client(seed):
    return Client(Target(nodes, random.Random(seed)))


def login(c, user, pw):
    for _ in range(50):
        try:
            r = c.login(user, pw)
            check(r.status == 200, "login %s: %d %s" % (user, r.status, r.body[:200]))
            return c
        except (OSError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError("login %s: no node answered" % user)


sub = login(client(1), demo["subscriber"]["user"], demo["subscriber"]["password"])
ver = login(client(2), demo["verifikators"][0]["user"], demo["verifikators"][0]["password"])
ver2 = login(client(3), demo["verifikators"][1]["user"], demo["verifikators"][1]["password"])
adm = login(client(4), demo["admin"]["user"], demo["admin"]["password"])
PASS = demo["subscriber"]["passphrase"]

# ------------------------------------------------------------------ drivers
lock = threading.Lock()
# sign: (document id, sha256 of the bytes received); filed: ids of seal and renewal requests (202);
# issue: serials of certificates issued by an approval (200 "approved"); revoke: serials.
acked = {"sign": [], "filed": [], "issue": [], "revoke": []}
kept = []  # a few signed outputs, for the oracles
stats = {"requests": 0, "cut": 0, "refused": 0, "errors5xx": 0, "other": 0}
stop = threading.Event()
to_revoke = queue.Queue()
failures = []


def call(c, method, path, body=None, **kw):
    """One request; None when the connection failed (a node down or killed in flight)."""
    try:
        r = c.request(method, path, body, **kw)
    except ConnectionRefusedError:
        with lock:
            stats["refused"] += 1
        time.sleep(0.05)
        return None
    except (OSError, http.client.HTTPException):  # reset, RemoteDisconnected, IncompleteRead, timeout
        with lock:
            stats["cut"] += 1
        time.sleep(0.05)
        return None
    with lock:
        stats["requests"] += 1
        if r.status >= 500:
            stats["errors5xx"] += 1
    return r


def guarded(fn):
    def run(*a):
        try:
            fn(*a)
        except BaseException as e:  # noqa: B902 - a driver's crash fails the test, not a hang
            failures.append("%s: %r" % (fn.__name__, e))
            stop.set()
    return run


@guarded
def signer(seed):
    app = client(seed)
    app.bearer = demo["application"]["api_key"]
    while not stop.is_set():
        body, ct = multipart({"options": "{}"}, [("file", "surat.pdf", pdf)])
        r = call(app, "POST", "/api/v1/sign/pdf", body, ctype=ct, raw=True)
        if r is None:
            continue
        if r.status == 200:
            doc = r.headers.get("x-document-id", "")
            if r.headers.get("content-type") != "application/pdf" or len(doc) != 26 or not r.body.startswith(pdf):
                raise AssertionError("a 200 that is not a signed PDF: %r %r" % (r.headers, r.body[:200]))
            with lock:
                acked["sign"].append((doc, hashlib.sha256(r.body).hexdigest()))
                if len(kept) < 3:
                    kept.append(r.body)
        elif r.status < 500:
            raise AssertionError("signing refused: %d %s" % (r.status, r.body[:300]))


def pending_issuance():
    """A seal or renewal request filed before a kill whose answer never arrived (its id), or None."""
    r = call(ver, "GET", "/api/v1/requests?status=pending")
    if r is None or r.status != 200:
        return None
    ids = [x["id"] for x in r.json() if x["kind"] in ("seal", "renew")]
    return ids[0] if ids else None


def decide(rid):
    """Verifikator 1, then 2 where a second approval is needed; the serial once issued, else None."""
    for v in (ver, ver2):
        r = call(v, "POST", "/api/v1/requests/%d/approve" % rid)
        if r is None or r.status >= 500:
            return None
        if r.status == 200:
            if r.json()["status"] == "approved":
                return r.json()["result"]["serial"]
            continue  # one approval of two
        if r.status == 409 and r.error_code() == "already_decided":
            continue  # this Verifikator's approval committed, its answer was lost
        if r.status == 409 and r.error_code() == "request_closed":
            return None  # approved by a call whose answer was lost: not acknowledged
        raise AssertionError("approval refused: %d %s" % (r.status, r.body[:300]))
    return None


@guarded
def issuer():
    """Alternately a unit seal (the admin asks, two Verifikators approve; the key is made at
    approval) and an official's renewal (a new key under the passphrase, Argon2id: slow)."""
    n = 0
    while not stop.is_set():
        rid = pending_issuance()
        kind = None
        if rid is None:
            n += 1
            if n % 2:
                # A unit of its own: a newer seal of the application's unit would replace the one it signs with.
                kind = "seal"
                r = call(adm, "POST", "/api/v1/seals", {"common_name": "Segel Uji %d" % n, "unit": "Biro Uji Ketahanan"})
            else:
                kind = "renew"
                r = call(sub, "POST", "/api/v1/me/renew", {"passphrase": PASS})
            if r is None or r.status >= 500 or (r.status == 409 and r.error_code() == "request_pending"):
                continue
            if r.status != 202:
                raise AssertionError("%s request refused: %d %s" % (kind, r.status, r.body[:300]))
            rid = r.json()["request_id"]
            with lock:
                acked["filed"].append(rid)
        serial = decide(rid)
        if serial is not None:
            with lock:
                acked["issue"].append(serial)
            to_revoke.put(serial)


@guarded
def revoker():
    """The holder revokes a renewed certificate at once; a seal's revocation is filed by
    Verifikator 1 (its first approval) and approved by Verifikator 2."""
    while not stop.is_set():
        try:
            serial = to_revoke.get(timeout=0.2)
        except queue.Empty:
            continue
        r = call(sub, "POST", "/api/v1/certificates/%s/revoke" % serial, {"reason": "superseded"})
        if r is not None and r.status == 403 and r.error_code() == "not_your_certificate":
            r = call(ver, "POST", "/api/v1/certificates/%s/revoke" % serial, {"reason": "superseded"})
            if r is not None and r.status == 202:
                r = call(ver2, "POST", "/api/v1/requests/%d/approve" % r.json()["request_id"])
                if r is not None and r.status == 200 and r.json()["status"] != "approved":
                    raise AssertionError("a seal's revocation not carried out with two approvals: %s" % r.body[:300])
        if r is None or r.status >= 500:
            to_revoke.put(serial)  # unknown outcome: ask again (409 already_revoked then)
            continue
        if r.status == 200:
            with lock:
                acked["revoke"].append(serial)
        elif not (r.status == 409 and r.error_code() == "already_revoked"):
            raise AssertionError("revocation refused: %d %s" % (r.status, r.body[:300]))


threads = [threading.Thread(target=signer, args=(10 + i,), daemon=True) for i in range(SIGNERS)]
threads += [threading.Thread(target=issuer, daemon=True), threading.Thread(target=revoker, daemon=True)]
for t in threads:
    t.start()

# ------------------------------------------------------------------ the killer
kills = 0
t0 = time.time()
try:
    for k in range(KILLS):
        time.sleep(rng.uniform(0.2, 2.0))
        if stop.is_set():
            break
        victims = nodes if len(nodes) == 1 else rng.choice([[nodes[0]], [nodes[1]], nodes])
        for n in victims:
            n.kill()
        kills += 1
        log("kill %d: %s (acknowledged so far: %d signed, %d requests filed, %d issued, %d revoked)"
            % (kills, "+".join(n.name for n in victims), len(acked["sign"]), len(acked["filed"]), len(acked["issue"]),
               len(acked["revoke"])))
        for n in victims:
            n.start()
    # Load after the last restart: the instance works on, until each kind of operation has been
    # acknowledged a few times (renewals are slow under ASan: a passphrase KDF each).
    before = sum(len(v) for v in acked.values())
    deadline = time.time() + 90

    def enough():
        return (sum(len(v) for v in acked.values()) >= before + 3 and len(acked["sign"]) >= 5
                and len(acked["issue"]) >= 2 and len(acked["revoke"]) >= 1)
    while not enough() and time.time() < deadline and not stop.is_set():
        time.sleep(0.2)
finally:
    stop.set()
    for t in threads:
        t.join(60)
check(not failures, "drivers: %s" % failures)
check(kills == KILLS, "%d kills done" % kills)
for n in nodes:
    check(n.stop() == 0, "node %s stops cleanly after %d restarts (ASan/LSan clean)" % (n.name, n.starts - 1))
log("%.0f s of load; stats %s" % (time.time() - t0, stats))
check(len(acked["sign"]) >= 5 and len(acked["issue"]) >= 2 and len(acked["revoke"]) >= 1,
      "enough acknowledged work to mean something: %s" % {k: len(v) for k, v in acked.items()})
check(stats["cut"] >= 1, "kills caught requests in flight (%d cut)" % stats["cut"])

# ------------------------------------------------------------------ after the storm


def sql(q, *args):
    return store_sql(db, STORE, q, *args)


docs = dict(sql("SELECT id, sha256 FROM documents"))
events = {}
for action, obj in sql("SELECT action, object FROM audit WHERE action IN ('document.sign', 'cert.issue', 'cert.revoke', 'request.renew', 'request.seal')"):
    events.setdefault(action, set()).add(obj)
certs = {s: st for s, st in sql("SELECT serial, status FROM certs")}
lost = []
for doc, h in acked["sign"]:
    if docs.get(doc) != h:
        lost.append("signing %s: registry has %r, client got %s" % (doc, docs.get(doc), h))
    if doc not in events.get("document.sign", ()):
        lost.append("signing %s: no document.sign audit event" % doc)
for serial in acked["issue"]:
    if serial not in certs:
        lost.append("issuance %s: no certificate row" % serial)
    if serial not in events.get("cert.issue", ()):
        lost.append("issuance %s: no cert.issue audit event" % serial)
requests = {int(i): k for i, k in sql("SELECT id, kind FROM requests")}
for rid in acked["filed"]:
    kind = requests.get(rid)
    if kind not in ("seal", "renew"):
        lost.append("request %d: no request row (%r)" % (rid, kind))
    elif str(rid) not in events.get("request." + kind, ()):
        lost.append("request %d: no request.%s audit event" % (rid, kind))
for serial in acked["revoke"]:
    if certs.get(serial) != "revoked":
        lost.append("revocation %s: certificate is %r" % (serial, certs.get(serial)))
    if serial not in events.get("cert.revoke", ()):
        lost.append("revocation %s: no cert.revoke audit event" % serial)
check(not lost, "acknowledged operations lost:\n  " + "\n  ".join(lost))
# Acknowledged or not, the store is consistent: an approved issuance names a certificate that exists,
# an approved revocation a revoked one.
for rid, kind, result, payload in sql("SELECT id, kind, result, payload FROM requests WHERE kind IN ('seal', 'renew', 'revoke')"
                                      " AND status = 'approved'"):
    serial = json.loads(result if kind != "revoke" else payload).get("serial")
    want = ("valid", "revoked") if kind != "revoke" else ("revoked",)
    check(certs.get(serial) in want, "approved %s request %s: certificate %s is %r" % (kind, rid, serial, certs.get(serial)))

# No duplicates: serials and document ids (primary keys, so this also proves the keys hold),
# and no two certificate rows carrying the same certificate.
check(sql("SELECT serial FROM certs GROUP BY serial HAVING COUNT(*) > 1") == [], "no serial twice")
check(sql("SELECT id FROM documents GROUP BY id HAVING COUNT(*) > 1") == [], "no document id twice")
check(len(set(acked["issue"])) == len(acked["issue"]), "no serial acknowledged twice")
check(len({x[0] for x in acked["sign"]}) == len(acked["sign"]), "no document id acknowledged twice")
n, lo, hi = (int(x) for x in sql("SELECT COUNT(*), MIN(seq), MAX(seq) FROM audit")[0])
head = int(sql("SELECT seq FROM audit_head WHERE id = 1")[0][0])
check(n == hi - lo + 1 and head == hi, "audit: %d rows, seq %d..%d without gaps, head %d" % (n, lo, hi, head))

p = teken("audit", "verify", "--dir", d, check_rc=False)
check(p.returncode == 0, "teken audit verify: %s %s" % (p.stdout[-500:], p.stderr[-500:]))
if not STORE:
    import sqlite3
    con = sqlite3.connect(db)
    check(con.execute("PRAGMA integrity_check").fetchall() == [("ok",)], "PRAGMA integrity_check = ok")
    check(con.execute("PRAGMA foreign_key_check").fetchall() == [], "PRAGMA foreign_key_check: none")
    con.close()

# A fresh CRL lists every acknowledged revocation (openssl reads it).
crl = os.path.join(T, "issuing.crl")
teken("ca", "crl", "--dir", d, "-o", crl)
p = subprocess.run(["openssl", "crl", "-inform", "DER", "-in", crl, "-noout", "-text"], capture_output=True, text=True)
check(p.returncode == 0, "openssl crl reads the CRL: " + p.stderr)
listed = {line.split(":", 1)[1].strip().upper() for line in p.stdout.splitlines() if "Serial Number:" in line}
missing = [s for s in acked["revoke"] if s.upper().lstrip("0") not in {x.lstrip("0") for x in listed}]
check(not missing, "CRL lists every acknowledged revocation; missing %s" % missing)

# Outputs signed around the kills verify with independent tools.
chain = teken("ca", "chain", "--dir", d).stdout
root = os.path.join(T, "root.pem")
open(root, "w").write("-----BEGIN CERTIFICATE-----" + chain.split("-----BEGIN CERTIFICATE-----")[2])
for i, body in enumerate(kept):
    path = os.path.join(T, "signed-%d.pdf" % i)
    open(path, "wb").write(body)
    sigs = pdfsigs.signatures(path)
    check(len(sigs) == 1, "one signature in output %d" % i)
    a, b, c2, e = sigs[0]["byterange"]
    open(path + ".content", "wb").write(body[a:a + b] + body[c2:c2 + e])
    der = sigs[0]["contents"]
    der = der[:pdfsigs.der(der)[3]]  # without the zero padding
    open(path + ".p7s", "wb").write(der)
    p = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", path + ".p7s", "-content",
                        path + ".content", "-CAfile", root, "-purpose", "any", "-out", "/dev/null"], capture_output=True, text=True)
    check(p.returncode == 0, "openssl cms -verify output %d: %s" % (i, p.stderr))
if kept:
    p = subprocess.run(["pdfsig", "-no-ocsp", os.path.join(T, "signed-0.pdf")], capture_output=True, text=True)
    check("Signature is Valid" in p.stdout, "pdfsig: " + p.stdout + p.stderr)

total = sum(len(v) for v in acked.values())
print("kills survived %d, acknowledged ops %d, lost 0 (%s; %d nodes, %s; %d requests cut in flight, %d 5xx answers)"
      % (kills, total, ", ".join("%d %s" % (len(v), k) for k, v in acked.items()), NODES, "PostgreSQL" if STORE else "SQLite",
         stats["cut"], stats["errors5xx"]))
finish("kill -9 under load" + (" (PostgreSQL, %d nodes)" % NODES if STORE else " (SQLite)"))
