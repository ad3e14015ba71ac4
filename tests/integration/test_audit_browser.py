#!/usr/bin/env python3
"""The audit browser (issue 11, R16): GET /api/v1/audit and `teken audit search`.

Against a real `teken serve`. The oracle is the audit table itself, read
with sqlite3 (or psql) and re-hashed here in Python from the layout in
src/svc/audit/audit.c: every filter's answer must be exactly the rows the
table holds for it, newest first; pagination must walk them without gap or
duplicate; the CSV export must hold the same rows as the JSON and be logged
(audit.export); reading personal data shows as pii.read; an edited row shows
link "broken" (and only that row) and the chain status says not intact.
On SQLite by default; test_audit_browser_pg.sh runs it on PostgreSQL
(TEKEN_TEST_STORE = the cluster URL).
"""
import csv
import hashlib
import io
import json
import os
import re
import sqlite3
import struct
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, teken, tmpdir  # noqa: E402

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
PDF = open(os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf"), "rb").read()
T = tmpdir()
d = os.path.join(T, "inst")
STORE = os.environ.get("TEKEN_TEST_STORE")

# The test clock (TEKEN_TEST_CLOCK build): phases of the test an hour apart, so a time range has something to select.
CLOCK = os.path.join(T, "clock")
T0 = int(time.time()) - 4 * 3600
os.environ["TEKEN_TEST_CLOCK_FILE"] = CLOCK


def set_clock(t):
    with open(CLOCK, "w") as f:
        f.write("%d\n" % t)


set_clock(T0)
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256", *(["--store", STORE] if STORE else []))
demo = json.load(open(os.path.join(d, "demo.json")))
# No periodic jobs: the test compares the whole log with what it did, and the jobs log their own work.
srv = Server(d, jobs=False)
db = os.path.join(d, "teken.db")


def sql(q, *args):
    """Rows of a query as tuples of text (NULL as ""), the same on SQLite and PostgreSQL."""
    if STORE:
        lit = [str(a) if isinstance(a, int) else "'" + str(a).replace("'", "''") + "'" for a in args]
        q = re.sub(r"\?", lambda m: lit.pop(0), q)
        out = subprocess.run(["psql", "-X", "-q", "-tA", "-F", "\x1f", STORE, "-c", q], capture_output=True, text=True, check=True).stdout
        return [tuple(line.split("\x1f")) for line in out.splitlines() if line != ""]
    con = sqlite3.connect(db)
    rows = con.execute(q, args).fetchall()
    con.commit()
    con.close()
    return [tuple("" if v is None else str(v) for v in row) for row in rows]


def login(user, password):
    c = Client(srv)
    r = c.login(user, password)
    check(r.status == 200, "login %s: %s" % (user, r.body))
    return c


def q(client, **params):
    return client.request("GET", "/api/v1/audit?" + urllib.parse.urlencode(params))


def field(b):
    b = b.encode()
    return struct.pack(">I", len(b)) + b


def table():
    """The whole log from the store, newest first, with the link status computed here."""
    rows = sql("SELECT seq, ts, actor, role, action, object, ip, details, prev_hash, hash FROM audit ORDER BY seq")
    out, prev_hash = [], {0: "0" * 64}
    for r in rows:
        prev_hash[int(r[0])] = r[9]
    for r in rows:
        seq = int(r[0])
        h = hashlib.sha256(field("teken-audit-v1") + field(r[8]) + field(r[0]) + field(r[1]) +
                           b"".join(field(x) for x in r[2:8])).hexdigest()
        link = "ok" if h == r[9] and prev_hash.get(seq - 1) == r[8] else "broken"
        out.append({"seq": seq, "time": int(r[1]), "actor": r[2], "role": r[3], "action": r[4], "object": r[5], "ip": r[6],
                    "details": r[7], "link": link})
    out.reverse()
    return out


def walk(client, limit, **params):
    """Every page of a search; returns the rows and the number of pages."""
    rows, cursor, pages = [], None, 0
    while True:
        p = dict(params, limit=limit, chain="no")
        if cursor:
            p["cursor"] = cursor
        r = q(client, **p)
        check(r.status == 200, "page %d of %r: %d %s" % (pages, params, r.status, r.body[:200]))
        j = r.json()
        check(len(j["rows"]) <= limit, "page holds at most limit rows")
        rows += j["rows"]
        pages += 1
        cursor = j["next_cursor"]
        if cursor is None:
            return rows, pages
        check(len(j["rows"]) == limit, "a page before the last is full")
        check(pages < 1000, "pagination ends")


def same(api_rows, want, what):
    """The API's rows are exactly the expected table rows, in order, with the same fields and link."""
    check([r["seq"] for r in api_rows] == [w["seq"] for w in want],
          "%s: seqs %r, expected %r" % (what, [r["seq"] for r in api_rows][:20], [w["seq"] for w in want][:20]))
    for r, w in zip(api_rows, want):
        check(r["actor"] == w["actor"] and r["role"] == w["role"] and r["action"] == w["action"] and r["object"] == w["object"]
              and r["ip"] == w["ip"] and r["time"] == w["time"], "%s: row %d fields" % (what, w["seq"]))
        check(r["details"] == json.loads(w["details"]), "%s: row %d details parsed" % (what, w["seq"]))
        check(r["ts"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(w["time"])), "%s: row %d ISO time" % (what, w["seq"]))
        check(r["object_type"] == (w["action"].split(".", 1)[0] if "." in w["action"] else ""), "object_type of %d" % w["seq"])
        check(r["link"] == w["link"], "%s: row %d link %s, recomputed %s" % (what, w["seq"], r["link"], w["link"]))


# ------------------------------------------------------------ events to browse
admin = login(demo["admin"]["user"], demo["admin"]["password"])
set_clock(T0 + 3600)
aud = login(demo["auditor"]["user"], demo["auditor"]["password"])
v1 = login(demo["verifikators"][0]["user"], demo["verifikators"][0]["password"])
sub = login(demo["subscriber"]["user"], demo["subscriber"]["password"])
bad = Client(srv)
check(bad.login(demo["admin"]["user"], "salah-sandi").status == 401, "wrong password refused")
check(bad.login("tidak-ada", "salah-sandi").status == 401, "unknown user refused")
# Names a spreadsheet would run, or that need CSV quoting, recorded as typed (object of auth.login_failed).
for name in ("=HYPERLINK(1)", 'koma,"kutip"'):
    r = bad.login(name, "salah-sandi")
    check(r.status in (400, 401), "odd user name refused: %d" % r.status)

# Reading an official's full record is logged as pii.read.
reqs = v1.request("GET", "/api/v1/requests").json()
issue = [r for r in reqs if r["kind"] == "issue" and r["payload"].get("user") == demo["subscriber"]["user"]][0]
check(v1.request("GET", "/api/v1/requests/%d" % issue["id"]).json()["subscriber"]["view"] == "full", "Verifikator reads the full record")
sid = str(issue["subscriber_id"]) if "subscriber_id" in issue else None

set_clock(T0 + 7200)
# A document signed, and a wrong passphrase (key.unlock_failed).
body, ct = multipart({"options": json.dumps({"passphrase": demo["subscriber"]["passphrase"]})}, [("file", "surat.pdf", PDF)])
r = sub.request("POST", "/api/v1/sign/pdf", body, ctype=ct, raw=True)
check(r.status == 200, "signing: %d %s" % (r.status, r.body[:200]))
doc_id = r.headers["x-document-id"]
body, ct = multipart({"options": json.dumps({"passphrase": "bukan-passphrase"})}, [("file", "surat.pdf", PDF)])
check(sub.request("POST", "/api/v1/sign/pdf", body, ctype=ct, raw=True).status == 401, "wrong passphrase refused")
serial = sub.request("GET", "/api/v1/me/certificates").json()[0]["serial"]

set_clock(T0 + 3 * 3600)
for _ in range(12):  # enough events for more than one default page
    login(demo["auditor"]["user"], demo["auditor"]["password"])
check(admin.request("POST", "/api/v1/logout").status in (200, 204), "admin logs out")
admin = login(demo["admin"]["user"], demo["admin"]["password"])

ALL = table()
check(len(ALL) > 52, "a log to browse: %d events" % len(ALL))
check(all(w["link"] == "ok" for w in ALL), "the untouched log re-hashes here (Python) to the stored hashes")
acts = {w["action"] for w in ALL}
for a in ("auth.login", "auth.login_failed", "pii.read", "document.sign", "key.unlock_failed", "cert.issue", "auth.logout"):
    check(a in acts, "the log holds %s: %r" % (a, sorted(acts)))

# ------------------------------------------------------------ first page, chain status
r = q(aud)
check(r.status == 200 and r.headers["content-type"].startswith("application/json"), "auditor searches: %d" % r.status)
j = r.json()
check(j["limit"] == 50 and len(j["rows"]) == 50 and j["next_cursor"] == str(j["rows"][-1]["seq"]), "default page of 50 with a cursor")
same(j["rows"], ALL[:50], "first page")
ch = j["chain"]
check(ch["intact"] is True and ch["first_bad_seq"] == 0 and ch["events"] == len(ALL), "chain intact: %r" % ch)
cps = sql("SELECT num, seq, ts FROM audit_checkpoints WHERE num IS NOT NULL ORDER BY num DESC")
if cps:
    check(ch["checkpoint"]["num"] == int(cps[0][0]) and ch["checkpoint"]["seq"] == int(cps[0][1]), "latest checkpoint %r" % ch)
else:
    check(ch["checkpoint"] is None, "no checkpoint yet")
check(ch["checkpoints"] == len(cps), "checkpoint count")
check("chain" not in q(aud, chain="no").json(), "chain=no leaves the status out")
check("chain" not in q(aud, cursor=j["next_cursor"]).json(), "a continuation page has no chain status")
check(q(admin, limit=1).status == 200, "admin searches")

# ------------------------------------------------------------ pagination
for limit in (1, 7, 50, 500):
    rows, pages = walk(aud, limit)
    seqs = [x["seq"] for x in rows]
    check(len(seqs) == len(set(seqs)), "limit %d: no duplicate" % limit)
    check(seqs == sorted(seqs, reverse=True), "limit %d: newest first" % limit)
    check(seqs == [w["seq"] for w in ALL], "limit %d: no gap (every event, %d pages)" % (limit, pages))
    check(pages == -(-len(ALL) // limit), "limit %d: %d pages for %d events" % (limit, pages, len(ALL)))
same(walk(aud, 9)[0], ALL, "the whole log, page by page")
rows, _ = walk(aud, 3, action="auth.*")
same(rows, [w for w in ALL if w["action"].startswith("auth.")], "filtered walk")

# ------------------------------------------------------------ each filter
def expect(pred):
    return [w for w in ALL if pred(w)]


def search_all(client=None, **params):
    return walk(client or aud, 500, **params)[0]


cases = [
    ({"actor": demo["verifikators"][0]["user"]}, lambda w: w["actor"] == demo["verifikators"][0]["user"]),
    ({"actor": "tidak-ada"}, lambda w: False),
    ({"action": "auth.login"}, lambda w: w["action"] == "auth.login"),
    ({"action": "auth.*"}, lambda w: w["action"].startswith("auth.")),
    ({"action": "auth.login*"}, lambda w: w["action"].startswith("auth.login")),
    ({"action": "cert.issue"}, lambda w: w["action"] == "cert.issue"),
    ({"action": "auth"}, lambda w: w["action"] == "auth"),
    ({"object": serial}, lambda w: w["object"] == serial),
    ({"object": doc_id}, lambda w: w["object"] == doc_id),
    ({"object_type": "cert"}, lambda w: w["action"].startswith("cert.")),
    ({"object_type": "document"}, lambda w: w["action"].startswith("document.")),
    ({"object_type": "pii"}, lambda w: w["action"].startswith("pii.")),
    ({"outcome": "failed"}, lambda w: w["action"].endswith("_failed") or w["action"].endswith("_denied")),
    ({"outcome": "ok"}, lambda w: not (w["action"].endswith("_failed") or w["action"].endswith("_denied"))),
    ({"from": str(T0 + 3600), "to": str(T0 + 7199)}, lambda w: T0 + 3600 <= w["time"] <= T0 + 7199),
    ({"from": str(T0 + 7200)}, lambda w: w["time"] >= T0 + 7200),
    ({"to": str(T0 + 3599)}, lambda w: w["time"] <= T0 + 3599),
    ({"from": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + 3600)),
      "to": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + 7200))}, lambda w: T0 + 3600 <= w["time"] <= T0 + 7200),
    ({"from": time.strftime("%Y-%m-%d", time.gmtime(T0)), "to": time.strftime("%Y-%m-%d", time.gmtime(T0))},
     lambda w: time.strftime("%Y-%m-%d", time.gmtime(w["time"])) == time.strftime("%Y-%m-%d", time.gmtime(T0))),
    ({"actor": demo["subscriber"]["user"], "outcome": "failed", "from": str(T0 + 7200)},
     lambda w: w["actor"] == demo["subscriber"]["user"] and w["action"].endswith("_failed") and w["time"] >= T0 + 7200),
    ({"object_type": "auth", "actor": demo["admin"]["user"]}, lambda w: w["action"].startswith("auth.") and w["actor"] == demo["admin"]["user"]),
]
for params, pred in cases:
    want = expect(pred)
    same(search_all(**params), want, "filter %r" % params)
# The filters select something real (not vacuous passes).
check(0 < len(expect(cases[14][1])) < len(ALL), "the time range selects a proper part of the log")
check(len(expect(cases[12][1])) >= 3, "failures: two wrong logins and a wrong passphrase")
check({w["action"] for w in expect(cases[12][1])} >= {"auth.login_failed", "key.unlock_failed"}, "outcome failed covers both refusals")
hist = expect(cases[7][1])
check({"cert.issue"} <= {w["action"] for w in hist}, "the certificate's history holds its issuance: %r" % [w["action"] for w in hist])
check("document.sign" in {w["action"] for w in expect(cases[8][1])}, "the document's history holds its signing")
pii = search_all(action="pii.read")
check(len(pii) >= 1 and any(x["actor"] == demo["verifikators"][0]["user"] and x["details"].get("view") == "full" for x in pii),
      "reading personal data appears in the log as pii.read by the Verifikator: %r" % pii)
if sid:
    check(any(x["object"] == sid for x in pii), "pii.read names the subscriber")

# ------------------------------------------------------------ bad filters: 400 with a clear message
for params, word in [({"outcome": "maybe"}, "outcome"), ({"from": "kemarin"}, "from"), ({"to": "2026-02-30"}, "to"),
                     ({"from": str(T0 + 10), "to": str(T0)}, "later"), ({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"),
                     ({"limit": "x"}, "limit"), ({"cursor": "abc"}, "cursor"), ({"cursor": "-5"}, "cursor"),
                     ({"action": "cert.%"}, "action"), ({"action": "*cert"}, "action"), ({"object_type": "CERT"}, "object_type"),
                     ({"object_type": "cert.x"}, "object_type"), ({"format": "xml"}, "format"), ({"chain": "maybe"}, "chain"),
                     ({"actor": "a" * 129}, "actor"), ({"object": "x\x01y"}, "object"),
                     ({"object_type": "cert", "action": "cert.*"}, "object_type")]:
    r = q(aud, **params)
    check(r.status == 400 and r.error_code() == "bad_filter" and word in r.json()["error"]["message"],
          "bad filter %r: %d %s" % (params, r.status, r.body[:200]))

# ------------------------------------------------------------ roles
app = Client(srv)
app.bearer = demo["application"]["api_key"]
for who, c, status in [("anonymous", Client(srv), 401), ("subscriber", sub, 403), ("application", app, 403), ("Verifikator", v1, 403)]:
    for params in ({}, {"format": "csv"}):
        r = q(c, **params)
        check(r.status == status and b'"seq"' not in r.body and b"seq," not in r.body, "%s refused %r: %d" % (who, params, r.status))
check(len(table()) == len(ALL), "refusals logged nothing and exported nothing")

# ------------------------------------------------------------ CSV export
def parse_csv(body):
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))
    for x in rows:
        for k, v in x.items():
            if v[:1] == "'" and v[1:2] in ("=", "+", "-", "@", "\t", "\r"):
                x[k] = v[1:]
    return rows


before = len(table())
params = {"action": "auth.*", "from": str(T0 + 3600)}
r = q(aud, format="csv", **params)
check(r.status == 200 and r.headers["content-type"].startswith("text/csv"), "CSV export: %d %s" % (r.status, r.body[:200]))
check("attachment" in r.headers.get("content-disposition", ""), "CSV is a download")
check(r.body.startswith(b"seq,ts,actor,role,action,object_type,object,ip,details,link\r\n"), "CSV header")
rows = parse_csv(r.body)
js = search_all(**params)
check(len(rows) == len(js) and len(rows) > 0, "CSV has the JSON's rows: %d vs %d" % (len(rows), len(js)))
for c_, j_ in zip(rows, js):
    check(int(c_["seq"]) == j_["seq"] and c_["ts"] == j_["ts"] and c_["actor"] == j_["actor"] and c_["role"] == j_["role"] and
          c_["action"] == j_["action"] and c_["object_type"] == j_["object_type"] and c_["object"] == j_["object"] and
          c_["ip"] == j_["ip"] and json.loads(c_["details"]) == j_["details"] and c_["link"] == j_["link"], "CSV row %s = JSON row" % c_["seq"])
after = table()
check(len(after) == before + 1 and after[0]["action"] == "audit.export" and after[0]["actor"] == demo["auditor"]["user"],
      "the export is itself an audited event: %r" % after[0])
ev = json.loads(after[0]["details"])
check(ev["filter"] == params and ev["rows"] == len(rows) and ev["format"] == "csv", "audit.export records the filter: %r" % ev)
full_csv = parse_csv(q(admin, format="csv").body)
check([int(x["seq"]) for x in full_csv] == [w["seq"] for w in after], "an unfiltered export holds the whole log, newest first")
check(search_all(action="audit.export")[0]["actor"] == demo["admin"]["user"], "the admin's export is logged too")
check(q(aud, format="csv", outcome="nah").status == 400, "a bad filter exports nothing")
raw = q(aud, format="csv", action="auth.login_failed").body.decode()
odd = {x["object"] for x in search_all(action="auth.login_failed")}
check("=HYPERLINK(1)" in odd and 'koma,"kutip"' in odd, "failed logins record the name as typed: %r" % odd)
if "=HYPERLINK(1)" in odd:
    check(",'=HYPERLINK(1)," in raw and ",=HYPERLINK(1)," not in raw, "a formula-like field gets an apostrophe in CSV")
if 'koma,"kutip"' in odd:
    check(',"koma,""kutip""",' in raw, "comma and quote are quoted (RFC 4180)")
check({x["object"] for x in parse_csv(raw.encode())} == odd, "CSV objects read back as stored")

# ------------------------------------------------------------ CLI (the operator)
p = teken("audit", "search", "--dir", d, "--action", "auth.*", "--limit", "5")
cj = json.loads(p.stdout)
check([x["seq"] for x in cj["rows"]] == [w["seq"] for w in table() if w["action"].startswith("auth.")][:5] and cj["chain"]["intact"],
      "teken audit search: the same rows")
out = os.path.join(T, "audit.csv")
teken("audit", "search", "--dir", d, "--object", serial, "--format", "csv", "-o", out)
check([int(x["seq"]) for x in parse_csv(open(out, "rb").read())] == [w["seq"] for w in hist], "teken audit search --format csv -o")
p = teken("audit", "search", "--dir", d, "--outcome", "nope", check_rc=False)
check(p.returncode != 0 and "outcome must be ok or failed" in p.stderr and p.stdout == "", "CLI bad filter: %r" % p.stderr)
check(table()[0]["action"] == "audit.export" and table()[0]["actor"].startswith("cli:"), "the CLI export is logged as the operator")

# ------------------------------------------------------------ a tampered row
NOW = table()
victim = [w for w in NOW if w["action"] == "pii.read"][0]["seq"]
sql("UPDATE audit SET details = ? WHERE seq = ?", '{"view":"pseudonymous"}', victim)
j = q(aud, limit=500).json()
rows = j["rows"]
for x in rows:
    check(x["link"] == ("broken" if x["seq"] == victim else "ok"), "after the edit, row %d is %s" % (x["seq"], x["link"]))
check(j["chain"]["intact"] is False and j["chain"]["first_bad_seq"] == victim and str(victim) in j["chain"]["problem"],
      "the chain status says not intact at the edited event: %r" % j["chain"])
same(rows, table()[:len(rows)], "links after the edit agree with Python's re-hash")
one = q(aud, object=[w for w in NOW if w["seq"] == victim][0]["object"], action="pii.read").json()["rows"]
check([x["link"] for x in one if x["seq"] == victim] == ["broken"], "a filtered page (seq-1 not in it) also shows the broken row")
csvrows = parse_csv(q(aud, format="csv").body)
check({x["seq"]: x["link"] for x in csvrows}[str(victim)] == "broken" and
      sum(1 for x in csvrows if x["link"] == "broken") == 1, "the CSV marks the edited row only")
# A deleted event breaks the link of the one after it.
gone = victim - 3
sql("DELETE FROM audit WHERE seq = ?", gone)
rows = q(aud, limit=500, chain="no").json()["rows"]
broken = sorted(x["seq"] for x in rows if x["link"] == "broken")
check(broken == [gone + 1, victim], "deleting event %d breaks the link of %d: %r" % (gone, gone + 1, broken))
check(q(aud, limit=1, chain="no", cursor=str(gone + 2)).json()["rows"][0]["link"] == "broken", "also when it is alone on its page")

# ------------------------------------------------------------ a long time range (the store walks the primary key)
# More events in one range than src/svc/audit/audit_query.c's AUDIT_NARROW_RANGE (5000) take the other plan;
# they are appended here with hashes made in Python, continuing the chain from its tip.
N, TB = 6000, T0 + 5 * 3600


def bulk_event(seq, i):
    # one actor for all (a wide actor filter), one object for 5000 (a wide object filter), the rest in small groups
    return (str(seq), str(TB + i), "robot", "application", ("document.sign", "auth.login_failed", "cert.issue")[i % 3],
            "bulk" if i % 6 else "obj%d" % (i % 50), "192.0.2.%d" % (i % 250), '{"n":%d}' % i)


def append_bulk(n=N, event=bulk_event):
    """Appends n events after the chain tip; False when the server appended one meanwhile (then try again)."""
    head_seq, head_hash = sql("SELECT seq, hash FROM audit_head WHERE id = 1")[0]
    seq, prev, rows = int(head_seq), head_hash, []
    for i in range(n):
        seq += 1
        r = event(seq, i)
        h = hashlib.sha256(field("teken-audit-v1") + field(prev) + b"".join(field(x) for x in r)).hexdigest()
        rows.append(r + (prev, h))
        prev = h
    if STORE:
        vals = ",".join("(%s,%s,'%s','%s','%s','%s','%s','%s','%s','%s')" % r for r in rows)
        # The head row is locked first and must still be the tip read above, or nothing is written.
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", STORE], capture_output=True, text=True,
                           input="BEGIN; SELECT 1 / (CASE WHEN seq = %s THEN 1 ELSE 0 END) FROM audit_head WHERE id = 1 FOR UPDATE;"
                                 " INSERT INTO audit (seq, ts, actor, role, action, object, ip, details, prev_hash, hash) VALUES %s;"
                                 " UPDATE audit_head SET seq = %d, hash = '%s' WHERE id = 1; COMMIT;" % (head_seq, vals, seq, prev))
        return p.returncode == 0
    con = sqlite3.connect(db, timeout=30, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        if con.execute("SELECT seq FROM audit_head WHERE id = 1").fetchone()[0] != int(head_seq):
            con.execute("ROLLBACK")
            return False
        con.executemany("INSERT INTO audit (seq, ts, actor, role, action, object, ip, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                        [(int(r[0]), int(r[1])) + r[2:] for r in rows])
        con.execute("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", (seq, prev))
        con.execute("COMMIT")
        return True
    finally:
        con.close()


# The server's own jobs may append an event between reading the tip and writing: then again from the new tip.
check(any(append_bulk() for _ in range(5)), "6000 events appended after the chain tip")
BIG = table()
check(sum(1 for w in BIG if w["time"] >= TB) == N, "the appended events are in the log")
for params, pred in [({"from": str(TB)}, lambda w: w["time"] >= TB),
                     ({"from": str(TB + 100), "to": str(TB + 5900)}, lambda w: TB + 100 <= w["time"] <= TB + 5900),
                     ({"from": str(T0), "to": str(TB + N), "action": "cert.*"}, lambda w: w["action"].startswith("cert.")),
                     ({"from": str(TB + 10), "to": str(TB + 60)}, lambda w: TB + 10 <= w["time"] <= TB + 60),
                     ({"to": str(TB + 3000), "outcome": "failed"}, lambda w: w["time"] <= TB + 3000 and w["action"].endswith("_failed")),
                     ({"actor": "robot"}, lambda w: w["actor"] == "robot"),
                     ({"actor": "robot", "from": str(TB + 20), "to": str(TB + 900)}, lambda w: w["actor"] == "robot" and TB + 20 <= w["time"] <= TB + 900),
                     ({"object": "bulk"}, lambda w: w["object"] == "bulk"),
                     ({"object": "bulk", "actor": "robot", "to": str(TB + 77)}, lambda w: w["object"] == "bulk" and w["time"] <= TB + 77),
                     ({"object": "obj12", "actor": "robot"}, lambda w: w["object"] == "obj12" and w["actor"] == "robot"),
                     ({"object": "obj12", "from": str(TB + 3000)}, lambda w: w["object"] == "obj12" and w["time"] >= TB + 3000)]:
    same(walk(aud, 500, **params)[0], [w for w in BIG if pred(w)], "range %r" % params)
r = q(aud, format="csv", **{"from": str(TB)})
check(r.status == 200 and [int(x["seq"]) for x in parse_csv(r.body)] == [w["seq"] for w in BIG if w["time"] >= TB],
      "CSV of a long range")
chain = q(aud, limit=1).json()["chain"]
check(chain["intact"] is False and chain["first_bad_seq"] == gone, "the chain status still names the first damage: %r" % chain)
check(all(x["link"] == "ok" for x in q(aud, limit=500, chain="no", **{"from": str(TB)}).json()["rows"]),
      "the Python-made events link (the C hash and this test's agree)")

# ------------------------------------------------------------ the export cap (SQLite run: the cap is store-independent)
if not STORE:
    TC, CAP = T0 + 10 * 3600, 100000
    check(any(append_bulk(CAP + 1, lambda seq, i: (str(seq), str(TC + i), "massal", "application", "document.sign", "doc%d" % i,
                                                    "192.0.2.1", "{}")) for _ in range(5)), "100001 events appended")
    # Exports only: the server's jobs may sign a checkpoint (and log it) for the 100001 events meanwhile.
    exports = lambda: int(sql("SELECT COUNT(*) FROM audit WHERE action = 'audit.export'")[0][0])  # noqa: E731
    before = exports()
    r = q(aud, format="csv", **{"from": str(TC)})
    check(r.status == 413 and r.error_code() == "export_too_large" and "narrow" in r.json()["error"]["message"],
          "more than 100000 rows: refused, not truncated: %d %s" % (r.status, r.body[:200]))
    check(exports() == before, "a refused export logs nothing")
    r = q(aud, format="csv", **{"from": str(TC + 1)})
    check(r.status == 200 and r.body.count(b"\r\n") == CAP + 1, "exactly 100000 rows export")
    check(exports() == before + 1, "and that export is logged")

srv.stop()
finish("audit browser%s" % (" (PostgreSQL)" if STORE else ""))
