#!/usr/bin/env python3
"""Readiness, request ids and systemd notification of `teken serve` (issue 16).

On SQLite, or on PostgreSQL when TEKEN_TEST_STORE is a cluster URL (then
PG_ADMIN_URL names its superuser; test_readyz_pg.sh).
  - READY=1 reaches $NOTIFY_SOCKET (an abstract AF_UNIX datagram socket) and
    the port accepts connections when it does; STOPPING=1 on SIGTERM.
  - /readyz on a fresh server: 200 with store, keys and jobs "ok".
  - A store that takes no write (SQLite: another process holds the write lock;
    PostgreSQL: default_transaction_read_only for the cluster) -> 503 naming "store", and ready
    again once it takes writes.
  - `serve --no-jobs`: jobs "external" while some node's pass is recent, "not
    checked" when none is recorded, 503 naming "jobs" once the test clock is
    an hour past the last pass.
  - A key that does not sign (removed from the store) -> 503 naming "keys".
  - Every response has X-Request-Id (128-bit hex), 4xx bodies do not vary with
    it, and the server's log lines for the request carry it (the request line
    and the reason of a failure); an incoming X-Request-Id is kept only from
    a trusted proxy, and only when it is sane.
"""
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, store_sql, teken, tmpdir, write_clock  # noqa: E402

STORE = os.environ.get("TEKEN_TEST_STORE")
ADMIN_URL = os.environ.get("PG_ADMIN_URL")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
CACHE_S = 6  # the server keeps store and key results for 5 s

d = tmpdir()
inst = os.path.join(d, "inst")
db = os.path.join(inst, "teken.db")
teken("init", "--dir", inst, "--demo", "--key-alg", "ec-p256", *(["--store", STORE] if STORE else []))

# The test clock: absent file = the real clock; written when the test moves time.
clock = os.path.join(d, "clock")
os.environ["TEKEN_TEST_CLOCK_FILE"] = clock

# systemd's side of sd_notify: an abstract datagram socket.
notify_name = "@teken-readyz-%d-%d" % (os.getpid(), int(time.time()))
nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
nsock.bind("\0" + notify_name[1:])
nsock.settimeout(15)
os.environ["NOTIFY_SOCKET"] = notify_name


def notify_wait(want):
    """The next notification that contains the line want; returns its lines."""
    end = time.time() + 15
    while time.time() < end:
        msg = nsock.recv(4096).decode()
        lines = msg.split("\n")
        if want in lines:
            return lines
    raise AssertionError("no %s on NOTIFY_SOCKET" % want)


def readyz(srv, headers=None):
    r = Client(srv).request("GET", "/readyz", headers=headers)
    check(r.status in (200, 503), "/readyz answers 200 or 503, got %d: %r" % (r.status, r.body[:200]))
    return r, r.json()


def log_lines(srv):
    out = []
    with open(srv.log_path, errors="replace") as f:
        for line in f:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass  # ASan or MHD text, not ours
    return out


def lines_of(srv, rid):
    return [l for l in log_lines(srv) if l.get("request_id") == rid]


def wait_for(cond, what, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.5)
    raise AssertionError(what)


# ---- READY=1 once the port accepts connections ---------------------------------
srv = Server(inst)
lines = notify_wait("READY=1")
# At the moment systemd hears READY=1, a connection is accepted.
s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
s.close()
check(any(l.startswith("STATUS=listening on ") and str(srv.port) in l for l in lines), "STATUS names the port: %r" % lines)

# ---- a fresh server is ready ---------------------------------------------------
r, j = readyz(srv)
check(r.status == 200 and j["status"] == "ready", "fresh server ready: %r" % j)
check(j["checks"] == {"store": "ok", "keys": "ok", "jobs": "ok"} and j["failed"] == [], "all checks ok: %r" % j)
check(r.headers.get("cache-control") == "no-store", "probe results are not cached by proxies")
check(inst not in r.body.decode() and "teken.db" not in r.body.decode(), "no paths in the answer")
m = Client(srv).request("GET", "/metrics").body.decode()
check(re.search(r'^teken_ready 1$', m, re.M) and re.search(r'^teken_ready\{check="store"\} 1$', m, re.M), "metrics: teken_ready")
wait_for(lambda: re.search(r'^teken_job_last_success_seconds\{job="crl"\} [1-9][0-9]+$',
                           Client(srv).request("GET", "/metrics").body.decode(), re.M), "metrics: the CRL job ran")

# ---- request ids -----------------------------------------------------------------
rid = r.headers.get("x-request-id", "")
check(HEX32.match(rid), "X-Request-Id is 128-bit hex: %r" % rid)
mine = wait_for(lambda: lines_of(srv, rid), "log line with request_id %s" % rid)
check(any("/readyz" in l.get("msg", "") for l in mine), "the request line of /readyz carries its id: %r" % mine)
check(all(l.get("request_id") != rid for l in log_lines(srv) if "/metrics" in l.get("msg", "")), "another request's line has another id")
# Errors have it in the header; 4xx bodies stay the same for the same refusal (5xx bodies name it:
# test_http_front.py), so answers meant to look alike still are byte for byte.
e = Client(srv).request("GET", "/no/such/path")
check(e.status == 404 and HEX32.match(e.headers.get("x-request-id", "")), "404 has an id")
check("request_id" not in e.json()["error"], "a 404 body does not vary per request")
check(e.headers["x-request-id"] != rid, "ids differ per request")
bad = Client(srv).request("POST", "/api/v1/login", "{not json")
check(bad.status == 400 and HEX32.match(bad.headers.get("x-request-id", "")), "400 from a handler has an id")
check(lines_of(srv, bad.headers["x-request-id"]), "and its log line carries it")
# From an untrusted peer an incoming id is not believed.
u = Client(srv).request("GET", "/healthz", headers={"X-Request-Id": "lb-7f3a-0001"})
check(u.headers.get("x-request-id") != "lb-7f3a-0001" and HEX32.match(u.headers.get("x-request-id", "")), "untrusted X-Request-Id replaced")
check(not lines_of(srv, "lb-7f3a-0001"), "untrusted id not in the log")

# ---- a store that takes no write -> 503 naming store ------------------------------
time.sleep(CACHE_S)
if STORE:
    # PostgreSQL: every transaction read-only from the next reload on, open sessions included.
    def psql_admin(sql):
        subprocess.run(["psql", "-X", "-q", ADMIN_URL, "-c", sql], check=True, capture_output=True)
    psql_admin("ALTER SYSTEM SET default_transaction_read_only = on")
    psql_admin("SELECT pg_reload_conf()")
    time.sleep(1)
    r, j = readyz(srv)
    psql_admin("ALTER SYSTEM RESET default_transaction_read_only")
    psql_admin("SELECT pg_reload_conf()")
    time.sleep(1)
else:
    # SQLite: another process holds the write lock; the probe waits the busy timeout, then fails.
    con = sqlite3.connect(db, timeout=30, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    r, j = readyz(srv)
    con.execute("ROLLBACK")
    con.close()
check(r.status == 503 and j.get("status") == "not_ready", "store not writable: 503: %r" % j)
check(j["failed"] == ["store"] and j["checks"]["store"] == "fail", "the store is named, nothing else: %r" % j)
check(j["checks"]["keys"] == "ok", "keys still sign")
check(HEX32.match(r.headers.get("x-request-id", "")), "503 has a request id")
check("sqlite" not in r.body.decode().lower() and "postgres" not in r.body.decode().lower(), "no store text in the answer")
# Every line the server wrote while handling that request carries its id: the reason and the request line.
rid503 = r.headers["x-request-id"]
ev = wait_for(lambda: {l.get("event") for l in lines_of(srv, rid503)} >= {"readyz.store", "http.request"} and
              {l.get("event") for l in lines_of(srv, rid503)}, "the reason is in the server log under the request's id")
check("readyz.store" in ev, "the store failure is logged with the request id: %r" % ev)
time.sleep(CACHE_S)
r, j = readyz(srv)
check(r.status == 200 and j["checks"]["store"] == "ok", "ready again once the store takes writes: %r" % j)

# ---- jobs: run elsewhere (--no-jobs) ---------------------------------------------
# The node with jobs recorded its pass; a node without jobs trusts that record while it is recent.
wait_for(lambda: store_sql(db, STORE, "SELECT value FROM meta WHERE key = 'jobs.last_run'"), "a pass is recorded")
check(srv.stop() == 0, "server stops")
notify_wait("STOPPING=1")
srv = Server(inst, jobs=False)
lines = notify_wait("READY=1")
check(any("periodic jobs elsewhere" in l for l in lines), "STATUS says jobs run elsewhere: %r" % lines)
r, j = readyz(srv)
check(r.status == 200 and j["checks"]["jobs"] == "external", "jobs external and recent: %r" % j)
# An hour later with no pass anywhere: stuck.
write_clock(clock, int(time.time()) + 3600)
r, j = readyz(srv)
check(r.status == 503 and j["failed"] == ["jobs"] and j["checks"]["jobs"].startswith("stuck"), "no pass for an hour: 503 jobs: %r" % j)
m = Client(srv).request("GET", "/metrics").body.decode()
check(re.search(r'^teken_ready\{check="jobs"\} 0$', m, re.M) and re.search(r'^teken_ready 0$', m, re.M), "metrics: jobs not ready")
os.unlink(clock)
r, j = readyz(srv)
check(r.status == 200, "back to the real clock: ready: %r" % j)
# No node has ever recorded a pass: the check cannot say.
store_sql(db, STORE, "DELETE FROM meta WHERE key = 'jobs.last_run'")
r, j = readyz(srv)
check(r.status == 200 and j["checks"]["jobs"] == "not checked", "no record: not checked: %r" % j)

# ---- request ids behind a trusted proxy ------------------------------------------
check(srv.stop() == 0, "server stops")
notify_wait("STOPPING=1")
with open(os.path.join(inst, "teken.conf"), "a") as f:
    f.write("\n[http]\ntrusted_proxies = 127.0.0.1\nready_jobs_max_age = 0\n")
srv = Server(inst, jobs=False)
notify_wait("READY=1")
# Jobs from cron (ready_jobs_max_age = 0): an old record is no reason to be unready.
store_sql(db, STORE, "INSERT INTO meta (key, value) VALUES ('jobs.last_run', '1000')")
r, j = readyz(srv)
check(r.status == 200 and j["checks"]["jobs"] == "not checked", "ready_jobs_max_age = 0: not checked: %r" % j)
t = Client(srv).request("GET", "/healthz", headers={"X-Request-Id": "lb-7f3a-0001", "X-Forwarded-For": "203.0.113.9"})
check(t.headers.get("x-request-id") == "lb-7f3a-0001", "a trusted proxy's id is kept: %r" % t.headers.get("x-request-id"))
tl = wait_for(lambda: lines_of(srv, "lb-7f3a-0001"), "the proxy's id in the log")
check(any("203.0.113.9" in l.get("msg", "") for l in tl), "the client behind the proxy is logged: %r" % tl)
for insane in ("two words", "x" * 65, "<script>", "a\"b"):
    t = Client(srv).request("GET", "/healthz", headers={"X-Request-Id": insane})
    check(HEX32.match(t.headers.get("x-request-id", "")), "an insane id from the proxy is replaced: %r" % insane)
    check(not lines_of(srv, insane), "an insane id never reaches the log")

# ---- a key that does not sign -> 503 naming keys -----------------------------------
check(srv.stop() == 0, "server stops")
notify_wait("STOPPING=1")
store_sql(db, STORE, "DELETE FROM keys WHERE name = 'seal'")
srv = Server(inst, jobs=False)
notify_wait("READY=1")
r, j = readyz(srv)
check(r.status == 503 and j["failed"] == ["keys"] and j["checks"]["keys"] == "fail: seal", "seal key gone: 503 keys: %r" % j)
check(j["checks"]["store"] == "ok", "the store is fine")
h = Client(srv).request("GET", "/healthz")
check(h.status == 200, "liveness does not depend on the seal key (restarting would not help)")
check(srv.stop() == 0, "server stops")
notify_wait("STOPPING=1")
nsock.close()
finish("test_readyz")
