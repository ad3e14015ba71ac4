#!/usr/bin/env python3
"""Security assessments (R6; PKS art. 4(1)e, 5(2)b) against a real `teken serve`.

The issuer's auditor requests a report for a named system; the ministry's
admin uploads a PDF with findings; the auditor returns it, the admin sends a
corrected version, the auditor accepts. Confidentiality: other roles get
403/401 on every route; the store (the SQLite files, or a pg_dump of the
PostgreSQL database) holds neither a distinctive string of the PDF nor a
finding's title; the download equals the upload byte for byte (each version);
reads and downloads are audit events. Overdue requests (test clock) show on
the monev dashboard and are reminded once through the outbox, by the CLI and
by the jobs loop, across restarts. The CLI mirrors the routes. Oracles: qpdf
(the fixture is a real PDF), byte comparison, the store read directly.
On SQLite by default; test_assess_pg.sh runs it on PostgreSQL.
"""
import datetime
import glob
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, store_sql, teken, tmpdir, write_clock  # noqa: E402

for tool in ("qpdf",) + (("pg_dump", "psql") if os.environ.get("TEKEN_TEST_STORE") else ()):
    check(shutil.which(tool) is not None, "oracle %s is installed" % tool)

T = tmpdir()
d = os.path.join(T, "inst")
STORE = os.environ.get("TEKEN_TEST_STORE")
CLOCK = os.path.join(T, "clock")
NOW0 = (int(time.time()) + 7 * 3600) // 86400 * 86400 - 7 * 3600 + 12 * 3600  # noon WIB today: day arithmetic never crosses midnight


def set_clock(t):
    write_clock(CLOCK, t)


set_clock(NOW0)
os.environ["TEKEN_TEST_CLOCK_FILE"] = CLOCK
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256", *(["--store", STORE] if STORE else []))
demo = json.load(open(os.path.join(d, "demo.json")))
CONTACT = "asesmen@kementerian.example"
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[monev]\ncontacts = %s\n" % CONTACT)
db = os.path.join(d, "teken.db")


def sql(q, *args):
    return store_sql(db, STORE, q, *args)


def one(q, *args):
    return sql(q, *args)[0][0]


def in_store(blob, text):
    """Is text in the store dump, as bytes or in the hex form pg_dump gives bytea columns?"""
    return text.encode() in blob or text.encode().hex().encode() in blob


def store_bytes():
    """Everything the store holds on disk: the SQLite files (with WAL), or a plain pg_dump."""
    if STORE:
        return subprocess.run(["pg_dump", "--no-owner", STORE], capture_output=True, check=True).stdout
    out = b""
    for p in sorted(glob.glob(db + "*")):
        out += open(p, "rb").read()
    return out


def wib_day(t):
    return datetime.datetime.fromtimestamp(t + 7 * 3600, datetime.timezone.utc).date()


def make_pdf(marker):
    """A one-page PDF whose content stream (uncompressed) shows marker."""
    content = b"BT /F1 14 Tf 72 720 Td (" + marker.encode() + b") Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offs = b"%PDF-1.4\n", []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    return out


MARK1, MARK2 = "RAHASIA-PDF-ZEBRA-4471", "RAHASIA-PDF-KOALA-9902"
FIND1, FIND2 = "Injeksi SQL pada LOGIN-KANGURU-3318", "XSS tersimpan di MODUL-BEBEK-5520"
PDF1, PDF2 = make_pdf(MARK1), make_pdf(MARK2)
for i, pdf in enumerate((PDF1, PDF2)):
    p = os.path.join(T, "fixture%d.pdf" % i)
    open(p, "wb").write(pdf)
    q = subprocess.run(["qpdf", "--check", p], capture_output=True, text=True)
    check(q.returncode == 0, "fixture %d is a PDF qpdf accepts: %s" % (i, q.stdout + q.stderr))
check(MARK1.encode() in PDF1, "the marker is in the PDF bytes in the clear (the store search can fail)")

srv = Server(d)


def login(user, password):
    c = Client(srv)
    r = c.login(user, password)
    check(r.status == 200, "login %s: %s" % (user, r.body))
    return c


admin = login(demo["admin"]["user"], demo["admin"]["password"])
auditor = login(demo["auditor"]["user"], demo["auditor"]["password"])
verif = login(demo["verifikators"][0]["user"], demo["verifikators"][0]["password"])
sub = login(demo["subscriber"]["user"], demo["subscriber"]["password"])
app = Client(srv)
app.bearer = demo["application"]["api_key"]
anon = Client(srv)
OTHERS = (("verifikator", verif, 403), ("subscriber", sub, 403), ("application", app, 403), ("anonymous", anon, 401))

TODAY = wib_day(NOW0)
DUE = (TODAY + datetime.timedelta(days=30)).isoformat()
REQ = {"system_name": "SIMPEG Kementerian", "scope": "Aplikasi web dan API kepegawaian", "due_on": DUE, "note": "Termasuk uji penetrasi"}

# --- who may request: the issuer's auditor; nobody else, and a refusal changes nothing.
n_audit = int(one("SELECT COUNT(*) FROM audit"))
for who, c, code in (("admin", admin, 403),) + OTHERS:
    r = c.request("POST", "/api/v1/assessments", REQ)
    check(r.status == code, "%s may not request an assessment: %s" % (who, r.status))
check(one("SELECT COUNT(*) FROM assessment_requests") == "0" and int(one("SELECT COUNT(*) FROM audit")) == n_audit, "refusals changed nothing")

for bad, code in ((dict(REQ, due_on=(TODAY - datetime.timedelta(days=1)).isoformat()), "invalid_date"),
                  (dict(REQ, due_on="2026-02-30"), "invalid_date"),
                  ({k: v for k, v in REQ.items() if k != "system_name"}, "missing_field"),
                  (dict(REQ, scope="x" * 9000), "too_long")):
    r = auditor.request("POST", "/api/v1/assessments", bad)
    check(r.status in (400, 413) and r.error_code() == code, "bad request refused with %s: %s %s" % (code, r.status, r.body[:200]))

r = auditor.request("POST", "/api/v1/assessments", REQ)
check(r.status == 201, "auditor requests an assessment: %s %s" % (r.status, r.body[:300]))
A = r.json()
AID = A["id"]
check(A["status"] == "requested" and A["system_name"] == REQ["system_name"] and A["due_on"] == DUE and A["requested_by"] == demo["auditor"]["user"]
      and A["reports"] == [] and not A["overdue"], "request as sent: %s" % A)
check(one("SELECT COUNT(*) FROM audit WHERE action = 'assess.request' AND object = ?", "assessment:%d" % AID) == "1", "request audited")

# --- who may see: admins and auditors; every other role refused on every read.
for who, c, code in OTHERS:
    for path in ("/api/v1/assessments", "/api/v1/assessments/%d" % AID, "/api/v1/assessments/%d/report.pdf" % AID):
        r = c.request("GET", path)
        check(r.status == code, "%s refused %s: %s" % (who, path, r.status))
lst = admin.request("GET", "/api/v1/assessments").json()
check([x["id"] for x in lst] == [AID] and lst[0]["latest"] is None, "admin lists the request")

# --- upload: the ministry's admin only; a PDF; findings consistent.
META1 = {"report_date": TODAY.isoformat(), "scope": "Aplikasi web SIMPEG, API, server basis data", "assessor": "PT Uji Keamanan Nusantara",
         "remediation": "in_progress",
         "counts": {"critical": 0, "high": 1, "medium": 1, "low": 0, "info": 2},
         "findings": [{"title": FIND1, "severity": "high", "status": "open"}, {"title": FIND2, "severity": "medium", "status": "in_progress"},
                      {"title": "Header keamanan belum lengkap", "severity": "info", "status": "open"},
                      {"title": "Versi server terlihat", "severity": "info", "status": "remediated"}]}


def upload(c, meta, pdf=PDF1, name="laporan-asesmen-simpeg.pdf", aid=None):
    body, ct = multipart({"metadata": json.dumps(meta)}, [("file", name, pdf)])
    return c.request("POST", "/api/v1/assessments/%d/reports" % (aid or AID), body, ctype=ct, raw=True)


for who, c, code in (("auditor", auditor, 403),) + OTHERS:
    r = upload(c, META1)
    check(r.status == code, "%s may not upload a report: %s" % (who, r.status))
for bad_pdf, meta, code in ((b"GIF89a not a pdf at all", META1, "not_pdf"),
                            (PDF1[:-8], META1, "not_pdf"),
                            (PDF1, dict(META1, counts=dict(META1["counts"], high=3)), "findings_mismatch"),
                            (PDF1, {k: v for k, v in META1.items() if k not in ("counts", "findings")}, "missing_field"),
                            (PDF1, dict(META1, remediation="fixed"), "invalid_field"),
                            (PDF1, dict(META1, findings=[{"title": "x", "severity": "urgent"}], counts=None), "invalid_findings"),
                            (PDF1, dict(META1, report_date=(TODAY + datetime.timedelta(days=3)).isoformat()), "invalid_date")):
    r = upload(admin, meta, pdf=bad_pdf)
    check(r.status == 400 and r.error_code() == code, "bad upload refused with %s: %s %s" % (code, r.status, r.body[:200]))
body, ct = multipart({}, [("file", "x.pdf", PDF1)])
r = admin.request("POST", "/api/v1/assessments/%d/reports" % AID, body, ctype=ct, raw=True)
check(r.status == 400 and r.error_code() == "missing_field", "metadata part required: %s" % r.body[:200])
r = upload(admin, META1, aid=99999)
check(r.status == 404, "unknown request: 404 (%s)" % r.status)
check(one("SELECT COUNT(*) FROM assessment_reports") == "0", "nothing stored from bad uploads")

r = upload(admin, META1)
check(r.status == 201, "admin uploads the report: %s %s" % (r.status, r.body[:300]))
A = r.json()
check(A["status"] == "submitted" and len(A["reports"]) == 1 and A["reports"][0]["counts"] == META1["counts"]
      and A["reports"][0]["findings"] == META1["findings"] and A["reports"][0]["filename"] == "laporan-asesmen-simpeg.pdf"
      and A["reports"][0]["size"] == len(PDF1), "report on file: %s" % A["reports"])
# Counts derived from the list when only the list is given; counts alone are fine too (checked on version 2).

# --- confidential at rest: neither the PDF's text nor a finding's title is in the store.
blob = store_bytes()
check(len(blob) > 10000, "store bytes read (%d)" % len(blob))
# The search can fail: the severity counts and the assessor are stored in the clear and are found.
check(in_store(blob, "PT Uji Keamanan Nusantara"), "the search finds plain metadata (the assessor)")
for s_ in (MARK1, FIND1, FIND2):
    check(not in_store(blob, s_), "%r not in the store in the clear (nor hex-encoded)" % s_)
row = sql("SELECT n_high, n_info, size, sha256 FROM assessment_reports WHERE request_id = ?", AID)[0]
check(row[0] == "1" and row[1] == "2" and row[2] == str(len(PDF1)), "severity counts stored plain: %s" % (row,))
check(one("SELECT COUNT(*) FROM audit WHERE details LIKE ?", "%KANGURU%") == "0", "no finding in the audit log")

# --- reads are audit events; the download equals the upload.
n_read = int(one("SELECT COUNT(*) FROM audit WHERE action = 'assess.read' AND object = ?", "assessment:%d" % AID))
r = auditor.request("GET", "/api/v1/assessments/%d" % AID)
check(r.status == 200 and r.json()["reports"][0]["findings"][0]["title"] == FIND1, "auditor reads the findings")
check(r.headers.get("cache-control") == "no-store", "not cached")
check(int(one("SELECT COUNT(*) FROM audit WHERE action = 'assess.read' AND object = ? AND actor = ?", "assessment:%d" % AID,
              demo["auditor"]["user"])) == n_read + 1, "the read is logged (assess.read)")
r = auditor.request("GET", "/api/v1/assessments/%d/report.pdf" % AID)
check(r.status == 200 and r.headers["content-type"] == "application/pdf" and r.body == PDF1, "download equals the upload byte for byte")
check('filename="laporan-asesmen-simpeg.pdf"' in r.headers.get("content-disposition", ""), "attachment name")
check(one("SELECT COUNT(*) FROM audit WHERE action = 'assess.download' AND object = ? AND actor = ?", "assessment:%d" % AID,
          demo["auditor"]["user"]) == "1", "the download is logged (assess.download)")
r = admin.request("GET", "/api/v1/assessments/%d/report.pdf" % AID)
check(r.status == 200 and r.body == PDF1, "admin downloads too")
n_list = int(one("SELECT COUNT(*) FROM audit"))
lst = auditor.request("GET", "/api/v1/assessments").json()
check(lst[0]["latest"]["counts"]["high"] == 1 and "findings" not in lst[0]["latest"], "list: the latest report's counts, no findings")

# --- return with a reason, a corrected version, accept.
r = auditor.request("POST", "/api/v1/assessments/%d/return" % AID, {})
check(r.status == 400 and r.error_code() == "missing_field", "return needs a reason")
r = admin.request("POST", "/api/v1/assessments/%d/accept" % AID)
check(r.status == 403, "admin may not accept")
r = auditor.request("POST", "/api/v1/assessments/%d/return" % AID, {"reason": "Lampirkan bukti retest untuk temuan tinggi."})
check(r.status == 200 and r.json()["status"] == "returned" and r.json()["return_reason"].startswith("Lampirkan"), "auditor returns the report")
r = auditor.request("POST", "/api/v1/assessments/%d/accept" % AID)
check(r.status == 409, "a returned report cannot be accepted before a correction")
META2 = {"report_date": TODAY.isoformat(), "scope": META1["scope"], "assessor": META1["assessor"], "remediation": "remediated",
         "counts": {"critical": 0, "high": 0, "medium": 1, "low": 0, "info": 2}}
r = upload(admin, META2, pdf=PDF2, name="laporan-asesmen-simpeg-v2.pdf")
check(r.status == 201 and r.json()["status"] == "submitted" and [x["version"] for x in r.json()["reports"]] == [1, 2],
      "corrected report: version 2, both kept: %s" % r.body[:300])
check(r.json()["reports"][1]["findings"] == [] and r.json()["reports"][1]["counts"] == META2["counts"], "counts without a list")
r = auditor.request("GET", "/api/v1/assessments/%d/report.pdf" % AID)
check(r.body == PDF2, "the latest version counts")
r = auditor.request("GET", "/api/v1/assessments/%d/report.pdf?version=1" % AID)
check(r.body == PDF1, "version 1 is still there byte for byte")
r = auditor.request("GET", "/api/v1/assessments/%d/report.pdf?version=7" % AID)
check(r.status == 404, "unknown version: 404")
r = auditor.request("POST", "/api/v1/assessments/%d/accept" % AID)
check(r.status == 200 and r.json()["status"] == "accepted" and r.json()["decided_by"] == demo["auditor"]["user"], "auditor accepts")
r = upload(admin, META2, pdf=PDF2)
check(r.status == 409 and r.error_code() == "assessment_accepted", "an accepted report is final")
for act in ("assess.upload", "assess.return", "assess.accept"):
    check(int(one("SELECT COUNT(*) FROM audit WHERE action = ? AND object = ?", act, "assessment:%d" % AID)) >= 1, "%s audited" % act)
blob = store_bytes()
check(not in_store(blob, MARK2) and not in_store(blob, MARK1), "neither version's text in the store")

# --- CLI mirrors: request, upload, get, download, return/accept as a named auditor.
out = json.loads(teken("assess", "request", "--dir", d, "--system", "Portal Layanan Publik", "--scope", "Aplikasi web",
                       "--due", (TODAY + datetime.timedelta(days=2)).isoformat()).stdout)
B = out["id"]
check(out["status"] == "requested" and out["requested_by"].startswith("cli:"), "CLI requests as the operator")
mp = os.path.join(T, "meta.json")
json.dump({"report_date": TODAY.isoformat(), "scope": "web", "assessor": "Tim internal", "remediation": "open",
           "findings": [{"title": FIND1, "severity": "critical"}]}, open(mp, "w"))
pp = os.path.join(T, "fixture0.pdf")
out = json.loads(teken("assess", "upload", "--dir", d, "--id", str(B), "--file", pp, "--meta", mp).stdout)
check(out["status"] == "submitted" and out["reports"][0]["counts"]["critical"] == 1, "CLI upload, counts derived from the list")
got = os.path.join(T, "got.pdf")
teken("assess", "download", "--dir", d, "--id", str(B), "-o", got)
check(open(got, "rb").read() == PDF1, "CLI download byte for byte")
check(one("SELECT COUNT(*) FROM audit WHERE action = 'assess.download' AND object = ? AND actor LIKE 'cli:%'", "assessment:%d" % B) == "1",
      "CLI download logged")
pw = os.path.join(T, "pw")
open(pw, "w").write(demo["auditor"]["password"] + "\n")
p = teken("assess", "return", "--dir", d, "--id", str(B), "--as", demo["auditor"]["user"], "--password-file", pw, "--reason", "Kurang lengkap")
check(json.loads(p.stdout)["status"] == "returned", "CLI return as the auditor")
p = teken("assess", "accept", "--dir", d, "--id", str(B), "--as", demo["admin"]["user"], "--password-file", pw, check_rc=False)
check(p.returncode != 0 and "error" in p.stderr, "CLI accept needs an auditor: %s" % p.stderr.strip())
p = teken("assess", "upload", "--dir", d, "--id", str(B), "--file", mp, "--meta", mp, check_rc=False)
check(p.returncode != 0 and p.stderr.count("\n") == 1 and "PDF" in p.stderr, "CLI: not a PDF, one line: %s" % p.stderr.strip())

# --- overdue (test clock): B was returned and is due in two days; C is requested and due in three.
r = auditor.request("POST", "/api/v1/assessments", dict(REQ, system_name="Sistem Persuratan", due_on=(TODAY + datetime.timedelta(days=3)).isoformat()))
C = r.json()["id"]
dash = admin.request("GET", "/api/v1/dashboard").json()["open_items"]["assessments"]
check(dash["available"] and dash["overdue"] == 0 and dash["requested"] == 2 and dash["submitted"] == 0, "dashboard, nothing overdue: %s" % dash)
check(teken("assess", "remind", "--dir", d).stdout.strip() == "queued 0 reminders", "nothing overdue today")


def outbox(like):
    return int(one("SELECT COUNT(*) FROM outbox WHERE subject LIKE ?", like))


def wait_for(fn, what, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if fn():
            return
        time.sleep(0.3)
    check(False, what)


# The CLI's reminder run first: a server without its periodic jobs, which would otherwise race it.
srv.stop()
srv = Server(d, jobs=False)
set_clock(NOW0 + 3 * 86400 + 3600)  # B is a day past its due date; C is due today (not yet overdue)
auditor = login(demo["auditor"]["user"], demo["auditor"]["password"])  # sessions of three days ago have expired
dash = auditor.request("GET", "/api/v1/dashboard").json()["open_items"]["assessments"]
check(dash["overdue"] == 1 and [x["id"] for x in dash["overdue_list"]] == [B] and dash["overdue_list"][0]["days_overdue"] == 1,
      "dashboard flags the overdue request: %s" % dash)
lst = {x["id"]: x for x in auditor.request("GET", "/api/v1/assessments").json()}
check(lst[B]["overdue"] and not lst[C]["overdue"] and not lst[AID]["overdue"], "list flags it too")
p = teken("assess", "remind", "--dir", d)
check(p.stdout.strip() == "queued 1 reminders", "CLI queues one reminder to the one contact: %s" % p.stdout)
check(outbox("%%report overdue (#%d)" % B) == 1, "reminder for B in the outbox")
check(teken("assess", "remind", "--dir", d).stdout.strip() == "queued 0 reminders", "not twice")
check(one("SELECT COUNT(*) FROM oversight_reminders_sent WHERE kind = 'assess.overdue' AND ref = ?", str(B)) == "1", "claimed once")
body = one("SELECT body FROM outbox WHERE subject LIKE ?", "%%report overdue (#%d)" % B)
check("Portal Layanan Publik" in body and FIND1 not in body, "the mail names the system, never a finding")

# The jobs loop of a running server: C becomes overdue the next day.
set_clock(NOW0 + 4 * 86400 + 3600)
srv.stop()
srv = Server(d)
wait_for(lambda: outbox("%%report overdue (#%d)" % C) == 1, "the jobs loop reminds C")
srv.stop()
srv = Server(d)
time.sleep(2)
check(outbox("%report overdue%") == 2, "once each across restarts")
check(int(one("SELECT COUNT(*) FROM audit WHERE action = 'assess.reminder'")) == 2, "reminders audited")
a2 = login(demo["admin"]["user"], demo["admin"]["password"])
dash = a2.request("GET", "/api/v1/dashboard").json()["open_items"]["assessments"]
check(dash["overdue"] == 2, "both overdue on the dashboard")
# An answer ends overdue.
r = upload(a2, META2, aid=C)
check(r.status == 201 and not r.json()["overdue"], "a report on file is not overdue")
check(a2.request("GET", "/api/v1/dashboard").json()["open_items"]["assessments"]["overdue"] == 1, "one left overdue")

# While the auditor decides, no other version slips in: what is accepted is what was read.
r = upload(a2, META2, aid=C)
check(r.status == 409 and r.error_code() == "assessment_submitted", "no second upload while the report awaits a decision: %s" % r.body[:200])
auditor = login(demo["auditor"]["user"], demo["auditor"]["password"])  # the server was restarted since
r = auditor.request("POST", "/api/v1/assessments/%d/return" % C, {"reason": "Temuan SQLi pada /login belum diuji ulang."})
check(r.status == 200 and r.json()["status"] == "returned", "returned")
check("SQLi" not in "".join(x[0] for x in sql("SELECT details FROM audit WHERE action = 'assess.return'")), "the return reason is not in the audit log")
# A file name is shown, never used as a path: only its last component is kept; the header stays ASCII.
r = upload(a2, META2, name="../../rahasia/laporan évaluasi.pdf", aid=C)
check(r.status == 201 and r.json()["reports"][-1]["filename"] == "laporan évaluasi.pdf", "last path component kept: %s" % r.body[:300])
r = a2.request("GET", "/api/v1/assessments/%d/report.pdf" % C)
check(r.status == 200 and 'filename="laporan __valuasi.pdf"' in r.headers.get("content-disposition", ""), "ASCII header (one _ per non-ASCII byte): %s" % r.headers)
check("filename*=UTF-8''laporan%20%C3%A9valuasi.pdf" in r.headers.get("content-disposition", ""), "the exact name as RFC 6266 filename*: %s" % r.headers)

# The seal is bound to its row: a sealed file copied onto another report's row does not open (no bytes of either).
sql("UPDATE assessment_reports SET sealed = (SELECT x.sealed FROM assessment_reports x WHERE x.request_id = ? AND x.version = 1)"
    " WHERE request_id = ? AND version = 1", AID, C)
r = a2.request("GET", "/api/v1/assessments/%d/report.pdf?version=1" % C)
check(r.status >= 400 and r.body[:5] != b"%PDF-" and MARK1.encode() not in r.body, "a moved seal does not open: %s %s" % (r.status, r.body[:200]))
check(b"RAHASIA" not in r.body, "the error names no content")

p = teken("audit", "verify", "--dir", d, check_rc=False)
check(p.returncode == 0, "audit chain intact: %s" % (p.stdout + p.stderr)[-300:])
srv.stop()
finish("assess" + (" (PostgreSQL)" if STORE else ""))
