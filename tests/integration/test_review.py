#!/usr/bin/env python3
"""The implementation review (R11, PKS art. 1d, 4(2)e, 5(1)e) against a real `teken serve`.

Automatic indicators flip with their evidence on a seeded instance: a
Verifikator deactivated -> verifikator_minimum fails naming them; a CPS
published -> cps_published passes with the hash of the file; an evaluation
recorded -> monev_held passes; an overdue security-assessment request ->
assessment_on_file fails naming it; a document signed with the statement
changed in teken.conf (in a copy of the instance on SQLite) ->
bsre_statement fails naming that document. The full review cycle over
HTTP: open (auditor), self-assessment with evidence (admin), submit (the
automatic results frozen), scores, close; the scores recomputed here from
the instrument file's weights and the answers; the report checked with
qpdf and pdftotext, signed with `teken sign` (the demo official) and
uploaded, checked with pdfsig; tampered and non-extension uploads refused.
Instrument versions: strict checks, a new version loaded, old reviews keep
theirs. On SQLite by default; test_review_pg.sh runs it on PostgreSQL.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import datetime

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, store_sql, teken, tmpdir  # noqa: E402

for tool in ("qpdf", "pdftotext", "pdfsig"):
    check(shutil.which(tool) is not None, "oracle %s is installed" % tool)

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
INSTRUMENT_FILE = os.path.join(SRC, "data", "review-instrument.json")
INSTRUMENT_BYTES = open(INSTRUMENT_FILE, "rb").read()
INSTRUMENT = json.loads(INSTRUMENT_BYTES)
PDF = open(os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf"), "rb").read()

T = tmpdir()
d = os.path.join(T, "inst")
STORE = os.environ.get("TEKEN_TEST_STORE")
CLOCK = os.path.join(T, "clock")
NOW0 = (int(time.time()) + 7 * 3600) // 86400 * 86400 - 7 * 3600 + 12 * 3600  # noon WIB today: day arithmetic never crosses midnight
with open(CLOCK, "w") as f:
    f.write("%d\n" % NOW0)
os.environ["TEKEN_TEST_CLOCK_FILE"] = CLOCK
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256", *(["--store", STORE] if STORE else []))
demo = json.load(open(os.path.join(d, "demo.json")))
CONTACT = "tinjauan@kementerian.example"
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[monev]\ncontacts = %s\n" % CONTACT)
db = os.path.join(d, "teken.db")
TODAY = datetime.datetime.fromtimestamp(NOW0 + 7 * 3600, datetime.timezone.utc).date()


def sql(q, *args):
    return store_sql(db, STORE, q, *args)


def one(q, *args):
    return sql(q, *args)[0][0]


def indicators(inst=d):
    out = teken("review", "indicators", "--dir", inst, "--format", "json").stdout
    return {i["id"]: i for i in json.loads(out)}


AUTO = ("verifikator_minimum", "bsre_statement", "cps_published", "usage_report_current", "audit_chain_intact",
        "revocation_fresh", "expired_not_used", "assessment_on_file", "monev_held", "notices_acknowledged")

# --- the shipped instrument covers R1..R18, five aspects, every automatic indicator of the issue.
check(sorted({r for i in INSTRUMENT["indicators"] for r in i["requirements"]}, key=lambda r: int(r[1:])) ==
      ["R%d" % n for n in range(1, 19)], "the default instrument covers R1..R18")
check(len(INSTRUMENT["aspects"]) == 5 and sum(a["weight"] for a in INSTRUMENT["aspects"]) == 100, "five aspects, weights sum to 100")
check({i["id"] for i in INSTRUMENT["indicators"] if i["evaluation"] == "auto"} == set(AUTO), "the ten automatic indicators")

# --- indicators from the CLI on the fresh demo instance.
ind = indicators()
check(list(ind) == [i["id"] for i in INSTRUMENT["indicators"]], "every indicator of the instrument, in order")
for i in INSTRUMENT["indicators"]:
    st = ind[i["id"]]["status"]
    check(st == "manual" if i["evaluation"] == "manual" else st in ("pass", "fail"), "%s: %s" % (i["id"], st))
    check((ind[i["id"]]["evidence"] is None) == (i["evaluation"] == "manual"), "%s: evidence for automatic ones only" % i["id"])
check(ind["verifikator_minimum"]["status"] == "pass" and ind["verifikator_minimum"]["evidence"]["active"] == ["verifikator1", "verifikator2"],
      "two active Verifikators named: %s" % ind["verifikator_minimum"])
check(ind["cps_published"]["status"] == "fail" and ind["cps_published"]["evidence"]["version"] is None, "no CPS yet: fails")
check(ind["audit_chain_intact"]["status"] == "pass" and ind["audit_chain_intact"]["evidence"]["events"] > 0, "audit chain intact")
check(ind["assessment_on_file"]["status"] == "pass" and ind["assessment_on_file"]["evidence"]["requests"] == 0, "no assessment requested: pass")
check(ind["monev_held"]["status"] == "fail" and ind["monev_held"]["evidence"]["year"] == TODAY.year, "no evaluation this year: fails")
check(ind["expired_not_used"]["status"] == "pass", "no document signed with a dead certificate")
check(ind["bsre_statement"]["status"] == "pass" and ind["bsre_statement"]["evidence"]["sampled"] == 0, "nothing signed yet")
check(ind["usage_report_current"]["status"] == "fail" and ind["usage_report_current"]["evidence"]["versions"] == [], "no usage report sent")
check(one("SELECT COUNT(*) FROM review_instruments") == "1" and one("SELECT sha256 FROM review_instruments WHERE version = 1") ==
      hashlib.sha256(INSTRUMENT_BYTES).hexdigest(), "first use stored the shipped instrument as version 1 with its hash")

# --- sign two documents (the demo official, `teken sign`): bsre_statement passes with them named as matching.
pp = os.path.join(T, "pp")
open(pp, "w").write(demo["subscriber"]["passphrase"] + "\n")
inpdf = os.path.join(T, "in.pdf")
open(inpdf, "wb").write(PDF)
DOCS = []
for n in range(2):
    out = teken("sign", "--dir", d, "--in", inpdf, "--out", os.path.join(T, "doc%d.pdf" % n), "--subscriber", demo["subscriber"]["user"],
                "--passphrase-file", pp).stdout
    DOCS.append(out.split()[0])
canon = one("SELECT statement_sha256 FROM documents WHERE id = ?", DOCS[0])
ind = indicators()
ev = ind["bsre_statement"]["evidence"]
check(ind["bsre_statement"]["status"] == "pass" and ev["matching"] == 2 and ev["canonical_sha256"] == canon, "signed documents carry the statement: %s" % ev)
txt = subprocess.run(["pdftotext", os.path.join(T, "doc0.pdf"), "-"], capture_output=True, text=True).stdout
check("Balai Besar Sertifikasi Elektronik" in " ".join(txt.split()), "the statement is in the signed PDF (pdftotext)")

# --- cps_published flips when a CPS is published; evidence: the hash of the file.
cps = os.path.join(T, "cps.md")
open(cps, "w").write("# CPS teken\n\nKebijakan sertifikat uji.\n")
teken("cps", "publish", "--dir", d, "--file", cps, "--version", "1.0")
ind = indicators()
check(ind["cps_published"]["status"] == "pass" and ind["cps_published"]["evidence"]["sha256"] == hashlib.sha256(open(cps, "rb").read()).hexdigest()
      and ind["cps_published"]["evidence"]["version"] == "1.0", "CPS published: passes with its hash: %s" % ind["cps_published"])

# --- monev_held flips with an evaluation record this year.
rec = {"held_on": TODAY.isoformat(), "title": "Evaluasi PKS", "place": "Jakarta",
       "participants": [{"name": "A", "party": "ministry", "role": "x"}, {"name": "B", "party": "issuer", "role": "y"}],
       "summary": "s", "findings": "f"}
p = os.path.join(T, "rec.json")
json.dump(rec, open(p, "w"))
E = json.loads(teken("monev", "create", "--dir", d, "--file", p).stdout)["id"]
ind = indicators()
check(ind["monev_held"]["status"] == "pass" and ind["monev_held"]["evidence"]["evaluations"][0]["id"] == E, "evaluation this year: passes")

srv = Server(d)


def login(who):
    c = Client(srv)
    r = c.login(demo[who]["user"], demo[who]["password"])
    check(r.status == 200, "login %s: %s" % (who, r.body))
    return c


admin, auditor = login("admin"), login("auditor")
sub = Client(srv)
check(sub.login(demo["subscriber"]["user"], demo["subscriber"]["password"]).status == 200, "official logs in")

# --- who may: the official and nobody are refused.
for path in ("/api/v1/review/indicators", "/api/v1/reviews", "/api/v1/review/instruments"):
    check(sub.request("GET", path).status == 403, "official refused %s" % path)
    check(Client(srv).request("GET", path).status == 401, "anonymous refused %s" % path)

# --- verifikator_minimum flips when a Verifikator is deactivated, naming them (HTTP, admins and auditors).
r = admin.request("POST", "/api/v1/users/verifikator2/deactivate")
check(r.status == 200, "admin deactivates verifikator2: %s" % r.body[:200])
r = auditor.request("GET", "/api/v1/review/indicators")
check(r.status == 200, "auditor reads indicators")
vm = {i["id"]: i for i in r.json()}["verifikator_minimum"]
check(vm["status"] == "fail" and vm["evidence"]["inactive"] == ["verifikator2"] and vm["evidence"]["active"] == ["verifikator1"],
      "one Verifikator left: fails, verifikator2 named: %s" % vm)

# --- assessment_on_file: an overdue unanswered request (the assessments part's table; inserted here) fails, named.
past = (TODAY - datetime.timedelta(days=3)).isoformat()
sql("INSERT INTO assessment_requests (system_name, scope, due_on, status, requested_by, requested_at, updated_at)"
    " VALUES ('SIMPEG', 'aplikasi web', ?, 'requested', 'auditor', ?, ?)", past, NOW0, NOW0)
sql("INSERT INTO assessment_requests (system_name, scope, due_on, status, requested_by, requested_at, updated_at)"
    " VALUES ('e-Office', 'aplikasi web', ?, 'submitted', 'auditor', ?, ?)", past, NOW0, NOW0)
ao = {i["id"]: i for i in admin.request("GET", "/api/v1/review/indicators").json()}["assessment_on_file"]
check(ao["status"] == "fail" and [o["system_name"] for o in ao["evidence"]["overdue"]] == ["SIMPEG"] and ao["evidence"]["requests"] == 2,
      "overdue request fails, named; the answered one is not: %s" % ao)

# --- open a review (auditor only).
REV = {"title": "Tinjauan Implementasi 2026", "period_from": "2026-01-01", "period_to": "2026-12-31"}
r = admin.request("POST", "/api/v1/reviews", REV)
check(r.status == 403, "an admin may not open a review")
for bad, code in ((dict(REV, period_from="2026-02-30"), "invalid_date"), (dict(REV, period_to="2025-01-01"), "invalid_period"),
                  ({k: v for k, v in REV.items() if k != "title"}, "missing_field")):
    r = auditor.request("POST", "/api/v1/reviews", bad)
    check(r.status == 400 and r.error_code() == code, "open refused with %s: %s" % (code, r.body[:200]))
check(one("SELECT COUNT(*) FROM reviews") == "0", "nothing stored from bad input")
r = auditor.request("POST", "/api/v1/reviews", REV)
check(r.status == 201, "auditor opens: %s" % r.body[:300])
rv = r.json()
RID = rv["id"]
check(rv["state"] == "open" and rv["instrument"]["version"] == 1 and rv["instrument"]["sha256"] == hashlib.sha256(INSTRUMENT_BYTES).hexdigest(),
      "open with instrument v1 and its hash")
live = {i["id"]: i for i in rv["indicators"]}
check(live["verifikator_minimum"]["auto"]["status"] == "fail" and live["verifikator_minimum"]["auto"]["frozen"] is False, "automatic results live while open")

MANUAL = [i for i in INSTRUMENT["indicators"] if i["evaluation"] == "manual"]
SELF = {i["id"]: (n % 5) for n, i in enumerate(MANUAL)}

# --- the ministry answers (admins); bad answers refused.
r = auditor.request("POST", "/api/v1/reviews/%d/answers" % RID, {"answers": []})
check(r.status == 403, "the auditor does not answer for the ministry")
r = admin.request("POST", "/api/v1/reviews/%d/answers" % RID, {"answers": [{"indicator": MANUAL[0]["id"], "level": 9}]})
check(r.status == 400 and r.error_code() == "invalid_level", "level off the scale refused: %s" % r.body[:200])
r = admin.request("POST", "/api/v1/reviews/%d/answers" % RID, {"answers": [{"indicator": "cps_published", "level": 1}]})
check(r.status == 400 and r.error_code() == "automatic_indicator", "automatic indicators are not self-assessed")
r = admin.request("POST", "/api/v1/reviews/%d/answers" % RID, {"answers": [{"indicator": "nope", "level": 1}]})
check(r.status == 400 and r.error_code() == "unknown_indicator", "unknown indicator refused")
half = MANUAL[: len(MANUAL) // 2]
LONG_NOTE = ("Bukti panjang " * 1200)[:16000]  # the longest note allowed: the report still renders it
r = admin.request("POST", "/api/v1/reviews/%d/answers" % RID,
                  {"answers": [{"indicator": i["id"], "level": SELF[i["id"]], "note": "catatan %s" % i["id"]} for i in half]})
check(r.status == 200, "admin answers half: %s" % r.body[:200])
r = admin.request("POST", "/api/v1/reviews/%d/submit" % RID)
check(r.status == 409 and r.error_code() == "unanswered_indicators" and MANUAL[-1]["id"] in r.body.decode(),
      "submit with unanswered indicators refused, named: %s" % r.body[:300])
r = admin.request("POST", "/api/v1/reviews/%d/answers" % RID,
                  {"answers": [{"indicator": i["id"], "level": SELF[i["id"]]} for i in MANUAL[len(half):-1]] +
                              [{"indicator": MANUAL[-1]["id"], "level": SELF[MANUAL[-1]["id"]], "note": LONG_NOTE}]})
check(r.status == 200, "admin answers the rest")

# --- evidence files: typed, size-limited, readable by both parties, each read audited.
EVID = b"%PDF-1.4\n% SK Tim Pengelola Sertifikat Elektronik\n"
body, ct = multipart({"indicator": MANUAL[0]["id"]}, [("file", "sk-tim.pdf", EVID)])
r = admin.request("POST", "/api/v1/reviews/%d/files" % RID, body, ctype=ct)
check(r.status == 201, "evidence uploaded: %s" % r.body[:200])
files = {i["id"]: i for i in r.json()["indicators"]}[MANUAL[0]["id"]]["files"]
check(len(files) == 1 and files[0]["sha256"] == hashlib.sha256(EVID).hexdigest() and files[0]["filename"] == "sk-tim.pdf", "file listed with its hash")
FID = files[0]["id"]
body, ct = multipart({"indicator": MANUAL[0]["id"]}, [("file", "x.pdf", b"not a pdf")])
r = admin.request("POST", "/api/v1/reviews/%d/files" % RID, body, ctype=ct.replace("multipart", "multipart"))
check(r.status == 400, "a file not like its type refused: %s %s" % (r.status, r.body[:200]))
body, ct = multipart({"indicator": "nope"}, [("file", "a.txt", b"hello")])
check(admin.request("POST", "/api/v1/reviews/%d/files" % RID, body, ctype=ct).status == 400, "unknown indicator refused")
body, ct = multipart({"indicator": MANUAL[0]["id"]}, [("file", "a.pdf", EVID)])
check(auditor.request("POST", "/api/v1/reviews/%d/files" % RID, body, ctype=ct).status == 403, "auditor uploads no ministry evidence")
r = auditor.request("GET", "/api/v1/reviews/%d/files/%d" % (RID, FID))
check(r.status == 200 and r.body == EVID and "attachment" in r.headers.get("content-disposition", ""), "auditor downloads the evidence")
check(one("SELECT COUNT(*) FROM audit WHERE action = 'review.file.read' AND object = ?", "review:%d" % RID) == "1", "the read is audited")
check(auditor.request("GET", "/api/v1/reviews/%d/files/99999" % RID).status == 404, "unknown file: 404")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
body, ct = multipart({"indicator": MANUAL[1]["id"]}, [("file", "foto–rapat ñ.png", PNG)])
r = admin.request("POST", "/api/v1/reviews/%d/files" % RID, body, ctype=ct)
check(r.status == 201, "a PNG with a non-ASCII name, its type from its bytes: %s" % r.body[:200])
f2 = {i["id"]: i for i in r.json()["indicators"]}[MANUAL[1]["id"]]["files"][0]
check(f2["mime"] == "image/png" and f2["filename"] == "foto–rapat ñ.png", "stored as image/png under its name: %s" % f2)
r = admin.request("GET", "/api/v1/reviews/%d/files/%d" % (RID, f2["id"]))
check(r.status == 200 and r.body == PNG and r.headers["content-type"] == "image/png" and r.headers.get("x-content-type-options") == "nosniff",
      "served as an attachment with its type: %s" % r.headers.get("content-disposition"))

# --- submit: the automatic results frozen with their evidence.
check(auditor.request("POST", "/api/v1/reviews/%d/submit" % RID).status == 403, "the auditor does not submit for the ministry")
r = admin.request("POST", "/api/v1/reviews/%d/submit" % RID)
check(r.status == 200 and r.json()["state"] == "submitted", "admin submits: %s" % r.body[:200])
frozen = {i["id"]: i for i in r.json()["indicators"]}
check(all(frozen[a]["auto"]["frozen"] for a in AUTO), "every automatic result frozen")
check(frozen["verifikator_minimum"]["auto"]["status"] == "fail" and frozen["verifikator_minimum"]["auto"]["evidence"]["inactive"] == ["verifikator2"],
      "frozen with the evidence naming verifikator2")
check(frozen["verifikator_minimum"]["level"] == 0 and frozen["cps_published"]["level"] == 1, "automatic verdicts proposed as levels (bottom/top)")
r = admin.request("POST", "/api/v1/reviews/%d/answers" % RID, {"answers": [{"indicator": MANUAL[0]["id"], "level": 4}]})
check(r.status == 409, "no answers after submitting")
# Something changes after submitting: the frozen result does not.
out = teken("monev", "create", "--dir", d, "--file", p).stdout  # a second evaluation, harmless
cps2 = os.path.join(T, "cps2.md")
open(cps2, "w").write("# CPS teken v2\n")
teken("cps", "publish", "--dir", d, "--file", cps2, "--version", "2.0")
g = {i["id"]: i for i in auditor.request("GET", "/api/v1/reviews/%d" % RID).json()["indicators"]}
check(g["cps_published"]["auto"]["evidence"]["version"] == "1.0", "frozen evidence keeps the CPS seen at submission")

# --- the reviewer scores and closes.
check(admin.request("POST", "/api/v1/reviews/%d/scores" % RID, {"scores": []}).status == 403, "admins do not score")
r = auditor.request("POST", "/api/v1/reviews/%d/close" % RID)
check(r.status == 409 and r.error_code() == "unscored_indicators", "closing with unscored indicators refused: %s" % r.body[:200])
SCORE = {i["id"]: max(0, SELF[i["id"]] - (n % 2)) for n, i in enumerate(MANUAL)}
FINDINGS = "Verifikator aktif kurang dari dua; laporan penggunaan belum disampaikan."
r = auditor.request("POST", "/api/v1/reviews/%d/scores" % RID,
                    {"scores": [{"indicator": k, "level": v, "note": "dinilai"} for k, v in SCORE.items()] +
                               [{"indicator": "revocation_fresh", "level": 0, "note": "CRL akar belum diterbitkan"},
                                {"indicator": "audit_chain_intact", "level": 1, "note": LONG_NOTE}],
                     "findings": FINDINGS})
check(r.status == 200, "auditor scores: %s" % r.body[:200])
r = auditor.request("POST", "/api/v1/reviews/%d/close" % RID)
check(r.status == 200 and r.json()["state"] == "closed", "auditor closes: %s" % r.body[:300])
closed = r.json()

# The scores recomputed from the instrument file and the levels (docs/review.md "Scores").


def rnd(num, den):
    return (2 * num + den) // (2 * den)


levels = {i["id"]: i["level"] for i in closed["indicators"]}
for k, v in SCORE.items():
    check(levels[k] == v, "level of %s as scored" % k)
check(levels["revocation_fresh"] == 0, "the reviewer overrode an automatic level")
r = admin.request("POST", "/api/v1/reviews/%d/answers" % RID, {"answers": [{"indicator": MANUAL[0]["id"], "level": 1, "note": "x" * 16001}]})
check(r.status in (409, 413), "no answers after closing (and no note over 16000 bytes): %s" % r.status)
ind_score = {}
for i in INSTRUMENT["indicators"]:
    sc = INSTRUMENT["scales"][i["scale"]]
    ind_score[i["id"]] = rnd(10000 * (levels[i["id"]] - sc["min"]), sc["max"] - sc["min"])
asp = {}
for a in INSTRUMENT["aspects"]:
    mine = [i for i in INSTRUMENT["indicators"] if i["aspect"] == a["id"]]
    asp[a["id"]] = rnd(sum(i["weight"] * ind_score[i["id"]] for i in mine), sum(i["weight"] for i in mine))
overall = rnd(sum(a["weight"] * asp[a["id"]] for a in INSTRUMENT["aspects"]), 100)
maturity = max(m["level"] for m in INSTRUMENT["maturity"] if m["min_x100"] <= overall)
check(closed["score_x100"] == overall and closed["maturity"] == maturity, "overall %s / maturity %s recomputed: %s / %s" %
      (closed["score_x100"], closed["maturity"], overall, maturity))
check({a["id"]: a["score_x100"] for a in closed["result"]["aspects"]} == asp, "aspect scores recomputed: %s vs %s" % (closed["result"]["aspects"], asp))
check(closed["result"]["instrument"]["sha256"] == hashlib.sha256(INSTRUMENT_BYTES).hexdigest(), "result names the instrument hash")
check(auditor.request("POST", "/api/v1/reviews/%d/scores" % RID, {"scores": []}).status == 409, "no scoring after closing")

# --- the report: qpdf, pdftotext.
r = admin.request("GET", "/api/v1/reviews/%d/report.pdf" % RID)
check(r.status == 200 and r.headers["content-type"] == "application/pdf", "admin downloads the report")
report = r.body
check(hashlib.sha256(report).hexdigest() == closed["report_sha256"], "served bytes are the kept bytes")
rpdf = os.path.join(T, "report.pdf")
open(rpdf, "wb").write(report)
q = subprocess.run(["qpdf", "--check", rpdf], capture_output=True, text=True)
check(q.returncode == 0, "qpdf --check on the report: %s" % q.stdout[-300:])
txt = " ".join(subprocess.run(["pdftotext", rpdf, "-"], capture_output=True, text=True).stdout.split())
pct = "%d,%02d" % (overall // 100, overall % 100)
for want in ("Laporan Tinjauan Implementasi", REV["title"], "2026-01-01 s.d. 2026-12-31", hashlib.sha256(INSTRUMENT_BYTES).hexdigest()[:32],
             "Kebijakan", "Organisasi dan SDM", "Infrastruktur dan keamanan", "verifikator2", FINDINGS[:40], pct,
             [m["name"]["id"] for m in INSTRUMENT["maturity"] if m["level"] == maturity][0]):
    check(want in txt, "report text has %r" % want)

# --- the reviewer's signature: `teken sign` (the demo official stands in for the reviewer's own tool).
signed = os.path.join(T, "signed.pdf")
teken("sign", "--dir", d, "--in", rpdf, "--out", signed, "--subscriber", demo["subscriber"]["user"], "--passphrase-file", pp)
sb = open(signed, "rb").read()
check(sb.startswith(report), "teken sign appends an incremental update")
ps = subprocess.run(["pdfsig", signed], capture_output=True, text=True).stdout
check(ps.count("Signature is Valid.") == 1, "pdfsig: the signature is valid: %s" % ps[-400:])
check(subprocess.run(["qpdf", "--check", signed], capture_output=True).returncode == 0, "qpdf --check on the signed report")


def upload(client, data):
    return client.request("POST", "/api/v1/reviews/%d/report/signed" % RID, data, ctype="application/pdf")


check(upload(admin, sb).status == 403, "admins do not upload the reviewer's signature")
# Another auditor is not the reviewer: only the one who closed the review delivers its signed result.
teken("user", "add", "--dir", d, "--user", "auditor2", "--role", "auditor", "--name", "Auditor Kedua", "--password-file", "-",
      input="auditor2-password-1\n")
aud2 = Client(srv)
check(aud2.login("auditor2", "auditor2-password-1").status == 200, "second auditor logs in")
r = upload(aud2, sb)
check(r.status == 403 and r.error_code() == "not_reviewer", "another auditor does not deliver the reviewer's report: %s" % r.body[:200])
r = upload(auditor, report)
check(r.status == 400 and r.error_code() == "report_not_extended", "the unsigned report itself is no upload: %s" % r.body[:200])
r = upload(auditor, open(os.path.join(T, "doc0.pdf"), "rb").read())
check(r.status == 400 and r.error_code() == "report_not_extended", "another signed PDF is refused")
bad = bytearray(sb)
k = len(report) + (len(sb) - len(report)) // 2
bad[k - 200] ^= 0x01  # inside the appended update, away from the signature value's hex
r = upload(auditor, bytes(bad))
check(r.status == 400 and r.error_code() in ("report_signature_invalid", "report_signature_count"), "tampered upload refused: %s" % r.body[:300])
n_out = int(one("SELECT COUNT(*) FROM outbox"))
body, ct = multipart({}, [("file", "signed.pdf", sb)])
r = auditor.request("POST", "/api/v1/reviews/%d/report/signed" % RID, body, ctype=ct)
check(r.status == 200 and r.json()["signed_sha256"] == hashlib.sha256(sb).hexdigest(), "signed report accepted: %s" % r.body[:300])
m = re.search(r"Signer Certificate Common Name: (.+)", ps)
check(m is not None and "CN=" + m.group(1).strip() in (r.json()["signer_dn"] or ""), "signer DN recorded as pdfsig names it: %s / %s" %
      (r.json()["signer_dn"], m.group(1) if m else ps[-300:]))
check(r.json()["delivered_at"] is not None, "delivered")
check(int(one("SELECT COUNT(*) FROM outbox")) == n_out + 1, "the ministry contact is told through the outbox")
check(upload(auditor, sb).status == 409, "a second signed upload refused")
r = admin.request("GET", "/api/v1/reviews/%d/report.pdf" % RID)
check(r.status == 200 and r.body == sb, "the ministry now downloads the signed report")
for act in ("review.open", "review.answer", "review.file.add", "review.submit", "review.score", "review.close", "review.report.sign"):
    check(int(one("SELECT COUNT(*) FROM audit WHERE action = ? AND object = ?", act, "review:%d" % RID)) >= 1, "%s audited" % act)

# --- instrument versions: strict checks, a new version, old reviews keep theirs.
def variant(f):
    j = json.loads(INSTRUMENT_BYTES)
    f(j)
    return json.dumps(j).encode()


def dup(j):
    j["indicators"].append(dict(j["indicators"][0]))


def unknown_aspect(j):
    j["indicators"][0]["aspect"] = "keuangan"


def weights(j):
    j["aspects"][0]["weight"] += 1


def scale(j):
    j["scales"]["kematangan"]["levels"].pop()


def uncovered(j):
    j["indicators"] = [i for i in j["indicators"] if "R18" not in i["requirements"]]


def typo(j):
    j["indicators"][0]["wieght"] = 1


def auto_unknown(j):
    j["indicators"][0]["evaluation"] = "auto"


for name, f in (("duplicate id", dup), ("unknown aspect", unknown_aspect), ("weights", weights), ("scale", scale),
                ("R18 uncovered", uncovered), ("unknown member", typo), ("unknown automatic id", auto_unknown)):
    r = admin.request("POST", "/api/v1/review/instruments", variant(f), ctype="application/json")
    check(r.status == 400 and r.error_code() == "invalid_instrument", "instrument refused (%s): %s" % (name, r.body[:200]))
r = admin.request("POST", "/api/v1/review/instruments", b"{not json", ctype="application/json")
check(r.status == 400 and r.error_code() == "invalid_instrument", "not JSON refused")
V2 = variant(lambda j: j.update(title=j["title"] + " (revisi 2027)"))
check(auditor.request("POST", "/api/v1/review/instruments", V2, ctype="application/json").status == 403, "auditors do not load instruments")
r = admin.request("POST", "/api/v1/review/instruments", V2, ctype="application/json")
check(r.status == 201 and r.json()["version"] == 2 and r.json()["sha256"] == hashlib.sha256(V2).hexdigest(), "admin loads version 2: %s" % r.body[:200])
lst = json.loads(teken("review", "instrument", "list", "--dir", d).stdout)
check([v["version"] for v in lst] == [2, 1], "CLI lists both versions")
got = teken("review", "instrument", "get", "--dir", d, "--version", "1").stdout.encode()
check(got == INSTRUMENT_BYTES, "version 1 is kept byte for byte")
check(auditor.request("GET", "/api/v1/reviews/%d" % RID).json()["instrument"]["version"] == 1, "the closed review keeps version 1")
r = auditor.request("POST", "/api/v1/reviews", dict(REV, title="Tinjauan 2027"))
check(r.status == 201 and r.json()["instrument"]["version"] == 2, "a new review uses version 2")
r = auditor.request("POST", "/api/v1/reviews", dict(REV, title="Tinjauan 2027 (alat ukur v1)", instrument_version=1))
check(r.status == 201 and r.json()["instrument"]["version"] == 1, "the reviewer may choose the version it measures with: %s" % r.body[:200])
r = auditor.request("POST", "/api/v1/reviews", dict(REV, title="x", instrument_version=9))
check(r.status == 404, "an unknown instrument version: 404 (%d)" % r.status)
lst = json.loads(teken("review", "list", "--dir", d).stdout)
check(lst[-1]["id"] == RID and lst[-1]["signed"] is True and [x["id"] for x in lst] == sorted([x["id"] for x in lst], reverse=True), "CLI list, newest first")
p2 = teken("review", "get", "--dir", d, "--id", "424242", check_rc=False)
check(p2.returncode == 1 and p2.stderr.count("\n") == 1 and "no review 424242" in p2.stderr, "CLI: unknown id, one line: %r" % p2.stderr)

srv.stop()

# --- bsre_statement: a document signed with the statement changed by configuration tampering, in a copy of the
# instance (SQLite; on PostgreSQL the instance itself, at the end), fails with that document named.
if STORE:
    d2 = d
else:
    d2 = os.path.join(T, "copy")
    shutil.copytree(d, d2)
with open(os.path.join(d2, "teken.conf"), "a") as f:
    f.write("\n[sign]\nstatement = Dokumen ini ditandatangani secara elektronik.\n")
out = teken("sign", "--dir", d2, "--in", inpdf, "--out", os.path.join(T, "tampered.pdf"), "--subscriber", demo["subscriber"]["user"],
            "--passphrase-file", pp).stdout
TDOC = out.split()[0]
ind = indicators(d2)
bs = ind["bsre_statement"]
check(bs["status"] == "fail" and [x["document"] for x in bs["evidence"]["different"]] == [TDOC] and bs["evidence"]["matching"] >= 2,
      "tampered statement: fails, the document named: %s" % bs)
if not STORE:
    check(indicators(d)["bsre_statement"]["status"] == "pass", "the original store still passes")

finish("review")
