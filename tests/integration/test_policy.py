#!/usr/bin/env python3
"""Recommendations and internal policies (R5, docs/policy.md) against a real `teken serve`.

Recommendations: recorded by an auditor, followed up by an admin with evidence
(hash and bytes checked), the status rule (evidence before done, a closing note,
accepted_risk only by the issuer), the owner's e-mail sealed in the store, the
dashboard's open item against the store, and the overdue reminder queued once
(test clock, across a restart and the CLI) and delivered once to an SMTP sink.

Internal policies: a signing policy drafted with strictly checked rules,
commented on by an auditor, refused approval by its drafter (four eyes),
approved by a second admin, published; then the application's signing requests
outside it are refused before any key is used (our API and the BSrE v1 route,
each rule by name, policy name and version in the message, counted as refused
attempts) and the allowed ones pass, checked with pdfsig and openssl (the
signature time-stamp of a B-T request). A second version supersedes the first.
On SQLite by default; test_policy_pg.sh runs it on PostgreSQL.
"""
import base64
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, SmtpSink, check, finish, multipart, store_sql, teken, tmpdir, write_clock  # noqa: E402

for tool in ("pdfsig", "openssl", "qpdf"):
    check(shutil.which(tool) is not None, "oracle %s is installed" % tool)

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
PDF = open(os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf"), "rb").read()
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
CONTACT = "monev@kementerian.example"
OWNER = "kepala.biro.ti@kementerian.example"
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[monev]\ncontacts = %s\n" % CONTACT)
teken("user", "add", "--dir", d, "--user", "admin2", "--role", "admin", "--name", "Admin Kedua", "--password-file", "-",
      input="admin2-password-1\n")
db = os.path.join(d, "teken.db")
APP_NAME = [k["name"] for k in json.loads(teken("apikey", "list", "--dir", d).stdout)][0]


def sql(q, *args):
    return store_sql(db, STORE, q, *args)


def one(q, *args):
    return sql(q, *args)[0][0]


def wib_day(t):
    return datetime.datetime.fromtimestamp(t + 7 * 3600, datetime.timezone.utc).date()


def wait_for(fn, what, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if fn():
            return
        time.sleep(0.3)
    check(False, what)


srv = Server(d)


def login(user, password):
    c = Client(srv)
    r = c.login(user, password)
    check(r.status == 200, "login %s: %s" % (user, r.body))
    return c


admin = login(demo["admin"]["user"], demo["admin"]["password"])
admin2 = login("admin2", "admin2-password-1")
auditor = login(demo["auditor"]["user"], demo["auditor"]["password"])
sub = login(demo["subscriber"]["user"], demo["subscriber"]["password"])
verif = login(demo["verifikators"][0]["user"], demo["verifikators"][0]["password"])
app = Client(srv)
app.bearer = demo["application"]["api_key"]

# ------------------------------------------------------------------ recommendations
due_soon = str(wib_day(NOW0) + datetime.timedelta(days=2))
reco = {"source": "review", "source_ref": "review:1", "title": "Tambah Verifikator cadangan", "severity": "high",
        "body": "Unit harus memiliki paling sedikit dua Verifikator aktif.", "owner": "Biro TI", "owner_email": OWNER, "due_on": due_soon}
r = admin.request("POST", "/api/v1/recommendations", reco)
check(r.status == 403, "an admin does not make recommendations: %d" % r.status)
for bad, code in (({"due_on": "2026-02-30"}, "invalid_date"), ({"source": "gossip"}, "invalid_source"),
                  ({"severity": "urgent"}, "invalid_severity"), ({"owner_email": "not-an-address"}, "invalid_email"),
                  ({"title": ""}, "missing_field")):
    r = auditor.request("POST", "/api/v1/recommendations", dict(reco, **bad))
    check(r.status == 400 and r.error_code() == code, "%s refused with %s: %d %s" % (bad, code, r.status, r.body[:200]))
r = auditor.request("POST", "/api/v1/recommendations", reco)
check(r.status == 201, "auditor records a recommendation: %s" % r.body[:300])
R1 = r.json()["id"]
check(r.json()["status"] == "open" and r.json()["owner_email"] == OWNER and r.json()["overdue"] is False, "new: open, not overdue")
# A second one with no owner e-mail (its reminder goes to [monev] contacts) and a third the issuer will accept the risk of.
r = auditor.request("POST", "/api/v1/recommendations", dict(reco, title="Perbarui prosedur cadangan kunci", owner_email=None, source="advice"))
R2 = r.json()["id"]
r = auditor.request("POST", "/api/v1/recommendations", dict(reco, title="Pisahkan jaringan server tanda tangan", source="assessment",
                                                            source_ref="assessment:3", due_on=str(wib_day(NOW0) + datetime.timedelta(days=60))))
R3 = r.json()["id"]

# The owner's address is sealed at rest: its bytes are not in the row.
hexcol = one("SELECT %s FROM recommendations WHERE id = ?" % ("encode(owner_email, 'hex')" if STORE else "hex(owner_email)"), R1).lower()
check(len(hexcol) > 0 and OWNER.encode().hex() not in hexcol and b"kementerian".hex() not in hexcol, "owner_email sealed in the store")

for who, c in (("subscriber", sub), ("verifikator", verif), ("application", app)):
    r = c.request("GET", "/api/v1/recommendations")
    check(r.status == 403, "%s may not read recommendations: %d" % (who, r.status))
r = admin.request("GET", "/api/v1/recommendations?status=open")
check(r.status == 200 and {x["id"] for x in r.json()} == {R1, R2, R3}, "admin lists the open ones")
r = admin.request("GET", "/api/v1/recommendations?status=bogus")
check(r.status == 400, "unknown status filter refused")

# Status rule.
r = admin.request("POST", "/api/v1/recommendations/%d/status" % R1, {"status": "in_progress"})
check(r.status == 200 and r.json()["status"] == "in_progress", "admin starts work: %s" % r.body[:200])
r = auditor.request("POST", "/api/v1/recommendations/%d/status" % R1, {"status": "done", "closing_note": "x"})
check(r.status == 403 and r.error_code() == "ministry_follows_up", "auditor does not close the ministry's work: %s" % r.body[:200])
r = admin.request("POST", "/api/v1/recommendations/%d/status" % R1, {"status": "accepted_risk", "closing_note": "tidak perlu"})
check(r.status == 403 and r.error_code() == "issuer_decides", "admin may not accept the risk: %s" % r.body[:200])
r = admin.request("POST", "/api/v1/recommendations/%d/status" % R1, {"status": "done"})
check(r.status == 400 and r.error_code() == "closing_note_required", "done needs a closing note")
r = admin.request("POST", "/api/v1/recommendations/%d/status" % R1, {"status": "done", "closing_note": "Verifikator kedua diangkat."})
check(r.status == 409 and r.error_code() == "evidence_required", "done needs evidence first: %s" % r.body[:200])
EVIDENCE = b"%PDF-1.4\n% SK pengangkatan Verifikator\n" + os.urandom(64)
body, ct = multipart({}, [("file", "sk-verifikator.pdf", EVIDENCE)])
r = auditor.request("POST", "/api/v1/recommendations/%d/files" % R1, body, ctype=ct, raw=True)
check(r.status == 403, "auditor does not upload the ministry's evidence: %d" % r.status)
r = admin.request("POST", "/api/v1/recommendations/%d/files" % R1, body, ctype=ct, raw=True)
check(r.status == 201, "admin uploads evidence: %s" % r.body[:300])
f = r.json()["files"][0]
check(f["sha256"] == hashlib.sha256(EVIDENCE).hexdigest() and f["size"] == len(EVIDENCE) and f["filename"] == "sk-verifikator.pdf",
      "evidence hash, size and name recorded")
big, ct_big = multipart({}, [("file", "big.bin", b"\0" * (10 * 1024 * 1024 + 1))])
r = admin.request("POST", "/api/v1/recommendations/%d/files" % R1, big, ctype=ct_big, raw=True)
check(r.status == 413, "evidence over 10 MiB refused: %d %s" % (r.status, r.body[:200]))
r = auditor.request("GET", "/api/v1/recommendations/%d/files/%d" % (R1, f["id"]))
check(r.status == 200 and r.body == EVIDENCE and "sk-verifikator.pdf" in r.headers.get("content-disposition", ""),
      "auditor downloads the same bytes")
r = sub.request("GET", "/api/v1/recommendations/%d/files/%d" % (R1, f["id"]))
check(r.status == 403, "a subscriber may not download evidence")
r = admin.request("POST", "/api/v1/recommendations/%d/status" % R1, {"status": "done", "closing_note": "Verifikator kedua diangkat."})
check(r.status == 200 and r.json()["status"] == "done" and r.json()["closed_at"] is not None, "admin closes with evidence: %s" % r.body[:200])
r = admin.request("POST", "/api/v1/recommendations/%d/status" % R1, {"status": "open"})
check(r.status == 409 and r.error_code() == "recommendation_closed", "done is final")
r = admin.request("POST", "/api/v1/recommendations/%d/files" % R1, body, ctype=ct, raw=True)
check(r.status == 409, "no evidence added after closing")
r = auditor.request("POST", "/api/v1/recommendations/%d/status" % R3, {"status": "accepted_risk"})
check(r.status == 400 and r.error_code() == "closing_note_required", "accepted_risk needs a note")
r = auditor.request("POST", "/api/v1/recommendations/%d/status" % R3, {"status": "accepted_risk", "closing_note": "Risiko diterima sampai 2027."})
check(r.status == 200 and r.json()["status"] == "accepted_risk", "the issuer accepts the risk")
audits = [x[0] for x in sql("SELECT action FROM audit WHERE action LIKE 'reco.%' ORDER BY seq")]
check(audits.count("reco.create") == 3 and audits.count("reco.close") == 2 and "reco.evidence" in audits and "reco.evidence.read" in audits,
      "every step audited: %s" % audits)
check(OWNER not in " ".join(x[0] for x in sql("SELECT details FROM audit WHERE action LIKE 'reco.%'")), "owner e-mail kept out of the audit log")

# CLI mirrors: list and show as the operator; create as the auditor (--as).
p = teken("reco", "show", "--dir", d, "--id", str(R2))
check(json.loads(p.stdout)["title"] == "Perbarui prosedur cadangan kunci", "teken reco show")
pw = os.path.join(T, "aud.pw")
open(pw, "w").write(demo["auditor"]["password"] + "\n")
p = teken("reco", "create", "--dir", d, "--as", demo["auditor"]["user"], "--password-file", pw, "--source", "monev", "--title", "Latih ulang",
          "--body", "Pelatihan ulang petugas.", "--owner", "Biro SDM", "--due", str(wib_day(NOW0) + datetime.timedelta(days=90)))
R4 = json.loads(p.stdout)["id"]
check(json.loads(p.stdout)["created_by"] == demo["auditor"]["user"], "CLI acts as the auditor")
p = teken("reco", "create", "--dir", d, "--as", demo["admin"]["user"], "--password-file", pw, "--source", "monev", "--title", "x",
          "--body", "x", "--owner", "x", "--due", "2030-01-01", check_rc=False)
check(p.returncode != 0 and "error" in p.stderr, "CLI with a wrong password fails on one line: %s" % p.stderr)

# ------------------------------------------------------------------ reminders (test clock)
check(teken("reco", "remind", "--dir", d).stdout.strip() == "queued 0 reminders", "nothing overdue yet")


def outbox(subject_like):
    return int(one("SELECT COUNT(*) FROM outbox WHERE subject LIKE ?", subject_like))


set_clock(NOW0 + 5 * 86400)
wait_for(lambda: outbox("%%overdue (#%d)" % R2) == 1, "overdue reminder for R2 queued by the jobs")
check(outbox("%%overdue (#%d)" % R1) == 0 and outbox("%%overdue (#%d)" % R3) == 0 and outbox("%%overdue (#%d)" % R4) == 0,
      "closed and not-yet-due recommendations not reminded")
admin = login(demo["admin"]["user"], demo["admin"]["password"])  # the session did not outlive five days
r = admin.request("GET", "/api/v1/dashboard")
check(r.status == 200, "dashboard: %s" % r.body[:200])
dash = r.json()["open_items"]["review_recommendations"]
today = str(wib_day(NOW0 + 5 * 86400))
check(dash["available"] is True and dash["open"] == int(one("SELECT COUNT(*) FROM recommendations WHERE status = 'open'")) and
      dash["overdue"] == int(one("SELECT COUNT(*) FROM recommendations WHERE status IN ('open','in_progress') AND due_on < ?", today)) and
      [x["id"] for x in dash["overdue_list"]] == [R2], "dashboard open item agrees with the store: %s" % dash)
r = admin.request("GET", "/api/v1/recommendations?status=overdue")
check([x["id"] for x in r.json()] == [R2] and r.json()[0]["overdue"] is True, "overdue filter")
check(teken("reco", "remind", "--dir", d).stdout.strip() == "queued 0 reminders", "the CLI finds nothing new")
srv.stop()
srv = Server(d, rate_limit=True)  # the first start already switched the rate limit off
time.sleep(3)
check(outbox("%%overdue (#%d)" % R2) == 1, "still one reminder after a restart")
check(one("SELECT COUNT(*) FROM oversight_reminders_sent WHERE kind = 'reco.overdue'") == "1", "claimed once")

sink = SmtpSink()
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[smtp]\nurl = smtp://127.0.0.1:%d\nstarttls = no\n" % sink.port)
teken("notify", "send", "--dir", d)
teken("notify", "send", "--dir", d)
mine = [m for m in sink.messages if "Recommendation %d of the issuer" % R2 in m["data"]]
check(len(mine) == 1 and any("<%s>" % CONTACT in x for x in mine[0]["rcpt"]), "delivered once to the contact: %s" % [m["rcpt"] for m in mine])
set_clock(NOW0)
srv.stop()
srv = Server(d, rate_limit=True)
admin = login(demo["admin"]["user"], demo["admin"]["password"])
admin2 = login("admin2", "admin2-password-1")
auditor = login(demo["auditor"]["user"], demo["auditor"]["password"])
sub = login(demo["subscriber"]["user"], demo["subscriber"]["password"])
app = Client(srv)
app.bearer = demo["application"]["api_key"]

# ------------------------------------------------------------------ internal policies
sub_nik, sub_pass = demo["subscriber"]["nik"], demo["subscriber"]["passphrase"]
VIS = {"page": 1, "x": 50, "y": 50, "w": 200, "h": 80}


def sign(opts, path="/api/v1/sign/pdf", data=PDF, fname="surat.pdf"):
    body, ct = multipart({"options": json.dumps(dict({"nik": sub_nik, "passphrase": sub_pass}, **opts))}, [("file", fname, data)])
    return app.request("POST", path, body, ctype=ct, raw=True)


def bsre_sign(tampilan):
    c = Client(srv)
    key = demo["application"]["api_key"]
    basic = "Basic " + base64.b64encode(("esign-%s:%s" % (key[3:19], key[20:])).encode()).decode()
    fields = {"nik": sub_nik, "passphrase": sub_pass, "tampilan": tampilan}
    if tampilan == "visible":
        fields.update({"page": "1", "xAxis": "50", "yAxis": "50", "width": "200", "height": "80"})
    body, ct = multipart(fields, [("file", "s.pdf", PDF)])
    return c.request("POST", "/api/sign/pdf", body, ctype=ct, raw=True, headers={"Authorization": basic})


def pdfsig(data):
    p = os.path.join(T, "check.pdf")
    open(p, "wb").write(data)
    return subprocess.run(["pdfsig", "-no-ocsp", p], capture_output=True, text=True).stdout


def has_sig_timestamp(data):
    """openssl: the last signature's CMS carries id-aa-signatureTimeStampToken (ETSI EN 319 142-1 5.4, level B-T)."""
    m = list(re.finditer(rb"/Contents\s*<([0-9A-Fa-f]+)>", data))[-1]
    der = bytes.fromhex(m.group(1).decode()).rstrip(b"\0")
    p = os.path.join(T, "sig.der")
    open(p, "wb").write(der)
    out = subprocess.run(["openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", p], capture_output=True, text=True)
    check(out.returncode == 0, "openssl parses the CMS: %s" % out.stderr[:200])
    return "id-smime-aa-timeStampToken" in out.stdout or "1.2.840.113549.1.9.16.2.14" in out.stdout


# Before any policy: the application signs B-B visible (applications without a policy are unaffected).
r = sign({"visible": VIS})
check(r.status == 200, "no policy yet: B-B visible signs: %s" % r.body[:200])

RULES = {"levels": ["B-T", "B-LT"], "stamp": "invisible", "kinds": ["pades"], "units": ["Sekretariat Jenderal"]}
pol = {"name": "ttd-eoffice", "kind": "signing", "title": "Kebijakan tanda tangan e-Office", "application": APP_NAME,
       "body": "Dokumen e-Office ditandatangani pada tingkat B-T atau B-LT tanpa tampilan.", "rules": RULES}
r = auditor.request("POST", "/api/v1/policies", pol)
check(r.status == 403, "an auditor does not draft the ministry's policy")
for bad in ({"levels": ["B-X"]}, {"levels": []}, {"stamp": "sometimes"}, {"kinds": ["xades"]}, {"colour": "red"}, {},
            {"levels": ["B-T", "B-T"]}, {"units": "Sekretariat Jenderal"}, "B-T"):
    r = admin.request("POST", "/api/v1/policies", dict(pol, rules=bad))
    check(r.status == 400 and r.error_code() == "invalid_rules", "rules %s refused: %d %s" % (bad, r.status, r.body[:200]))
r = admin.request("POST", "/api/v1/policies", dict(pol, application=None))
check(r.status == 400, "a signing policy names its application")
r = admin.request("POST", "/api/v1/policies", dict(pol, kind="security"))
check(r.status == 400, "rules only on a signing policy")
r = admin.request("POST", "/api/v1/policies", dict(pol, name="Bad Name"))
check(r.status == 400 and r.error_code() == "invalid_name", "policy names are slugs")
r = admin.request("POST", "/api/v1/policies", pol)
check(r.status == 201 and r.json()["version"] == 1 and r.json()["state"] == "draft" and r.json()["rules"] == RULES, "admin drafts: %s" % r.body[:300])
P1 = r.json()["id"]
r = admin.request("POST", "/api/v1/policies", pol)
check(r.status == 409 and r.error_code() == "draft_pending", "one open draft per name")
r = auditor.request("POST", "/api/v1/policies/%d/comments" % P1, {"body": "Sarankan B-LT untuk arsip jangka panjang."})
check(r.status == 201 and r.json()["comments"][0]["author_role"] == "auditor", "auditor comments (the issuer's assistance)")
r = admin.request("POST", "/api/v1/policies/%d/comments" % P1, {"body": "Disetujui, B-LT tetap diizinkan."})
check(r.status == 201 and len(r.json()["comments"]) == 2, "admin answers in the thread")
r = sub.request("POST", "/api/v1/policies/%d/comments" % P1, {"body": "x"})
check(r.status == 403, "subscribers do not comment")
r = admin.request("POST", "/api/v1/policies/%d/publish" % P1)
check(r.status == 409 and r.error_code() == "policy_state", "a draft is not published before approval")
r = admin.request("POST", "/api/v1/policies/%d/approve" % P1)
check(r.status == 403 and r.error_code() == "four_eyes", "the drafter may not approve (four eyes): %s" % r.body[:200])
r = auditor.request("POST", "/api/v1/policies/%d/approve" % P1)
check(r.status == 403, "an auditor does not approve the ministry's policy")
# Still a draft: signing is unaffected by drafts.
r = sign({"visible": VIS})
check(r.status == 200, "a draft policy is not enforced")
# Four eyes cannot be got round by editing: only the drafter edits a draft, the second admin comments.
r = admin2.request("POST", "/api/v1/policies/%d" % P1, {"rules": {"levels": ["B-B", "B-T", "B-LT", "B-LTA"], "stamp": "any"}})
check(r.status == 403 and r.error_code() == "not_drafter", "a second admin does not rewrite the draft it will approve: %s" % r.body[:200])
r = admin2.request("POST", "/api/v1/policies/%d/approve" % P1)
check(r.status == 200 and r.json()["state"] == "approved" and r.json()["approved_by"] == "admin2", "a second admin approves")
r = admin.request("POST", "/api/v1/policies/%d" % P1, {"title": "x"})
check(r.status == 409, "an approved version no longer changes")
r = admin.request("POST", "/api/v1/policies/%d/publish" % P1)
check(r.status == 200 and r.json()["state"] == "published", "admin publishes")
r = app.request("GET", "/api/v1/me/signing-policy")
check(r.status == 200 and r.json()["policies"][0]["name"] == "ttd-eoffice" and r.json()["policies"][0]["rules"] == RULES,
      "the application reads its policy: %s" % r.body[:300])

# Enforcement, every rule by name; the request never reaches the key (no passphrase failure counted on the key).
fails_before = one("SELECT COALESCE(SUM(failed_attempts), 0) FROM subscriber_keys")
r = sign({})
check(r.status == 403 and r.error_code() == "policy_level", "B-B refused by the levels rule: %s" % r.body[:300])
msg = r.json()["error"]["message"]
check("ttd-eoffice" in msg and "version 1" in msg and "levels" in msg, "the message names policy, version and rule: %s" % msg)
r = sign({"level": "B-T", "visible": VIS})
check(r.status == 403 and r.error_code() == "policy_stamp", "visible stamp refused: %s" % r.body[:300])
body, ct = multipart({"options": json.dumps({"nik": sub_nik, "passphrase": sub_pass, "level": "B-T"})}, [("file", "d.bin", b"data")])
r = app.request("POST", "/api/v1/sign/cades", body, ctype=ct, raw=True)
check(r.status == 403 and r.error_code() == "policy_kind", "CAdES refused by the kinds rule: %s" % r.body[:300])
r = sign({"level": "B-T", "unit": "Biro Lain"})
check(r.status == 403 and r.error_code() == "policy_unit" and "Sekretariat Jenderal" in r.json()["error"]["message"],
      "a unit outside the policy refused by the units rule (before the key's own unit check): %s" % r.body[:200])
KEYFAILS = "SELECT COALESCE(SUM(failed_attempts), 0) FROM subscriber_keys"
check(one(KEYFAILS) == fails_before, "refused requests never tried the key (no passphrase failure counted)")
r = sign({"level": "B-T", "passphrase": "wrong passphrase"})
check(r.status != 200 and r.error_code() != "policy_level", "an allowed request goes on to the key check")
r = sign({"level": "B-T", "passphrase": sub_pass})
check(r.status == 200, "B-T invisible is allowed: %s" % r.body[:200])
out = pdfsig(r.body)
check("Signature is Valid" in out and "Total document signed" in out, "pdfsig accepts the allowed signature: %s" % out)
check(has_sig_timestamp(r.body), "openssl finds the signature time-stamp of the B-T request")
qp = os.path.join(T, "q.pdf")
open(qp, "wb").write(r.body)
check(subprocess.run(["qpdf", "--check", qp], capture_output=True).returncode in (0, 3), "qpdf --check passes")
# BSrE v1 signs at B-B: refused by the same policy, in the BSrE error shape.
fails_before = one(KEYFAILS)
r = bsre_sign("invisible")
check(r.status in (400, 403) and "ttd-eoffice" in r.json().get("error", ""), "BSrE route refused by the policy: %s" % r.body[:300])
check(one(KEYFAILS) == fails_before, "the BSrE refusal never tried the key")
wait_for(lambda: int(one("SELECT COALESCE(SUM(n), 0) FROM usage_counters WHERE detail LIKE 'policy_%'")) >= 5,
         "refusals counted as failed signing attempts by cause")
check({x[0] for x in sql("SELECT DISTINCT detail FROM usage_counters WHERE detail LIKE 'policy_%'")} >= {"policy_level", "policy_stamp", "policy_kind"},
      "each rule counted by its code")

# Version 2 allows B-B (the BSrE v1 level) but keeps the stamp invisible; publishing supersedes version 1.
p = teken("policy", "draft", "--dir", d, "--name", "ttd-eoffice", "--kind", "signing", "--title", "Kebijakan tanda tangan e-Office v2",
          "--body", "B-B diizinkan untuk surat biasa.", "--application", APP_NAME, "--rules", json.dumps({"levels": ["B-B", "B-T"], "stamp": "invisible"}))
P2 = json.loads(p.stdout)["id"]
check(json.loads(p.stdout)["version"] == 2, "CLI drafts version 2")
p = teken("policy", "approve", "--dir", d, "--id", str(P2), check_rc=False)
check(p.returncode != 0 and "four_eyes" not in p.stdout and "another admin" in p.stderr, "CLI drafter may not approve either: %s" % p.stderr)
pw2 = os.path.join(T, "admin2.pw")
open(pw2, "w").write("admin2-password-1\n")
teken("policy", "approve", "--dir", d, "--id", str(P2), "--as", "admin2", "--password-file", pw2)
r = bsre_sign("invisible")
check(r.status in (400, 403), "v2 approved but not published: v1 still rules")
teken("policy", "publish", "--dir", d, "--id", str(P2))
check(sql("SELECT id, state FROM policies WHERE name = 'ttd-eoffice' ORDER BY version") == [(str(P1), "superseded"), (str(P2), "published")],
      "version 1 superseded, one published")
r = bsre_sign("invisible")
check(r.status == 200, "BSrE invisible at B-B allowed by version 2: %s" % r.body[:200])
out = pdfsig(r.body)
check("Signature is Valid" in out, "pdfsig accepts the BSrE signature: %s" % out)
r = bsre_sign("visible")
check(r.status in (400, 403) and "version 2" in r.json().get("error", "") and "stamp" in r.json().get("error", ""),
      "BSrE visible refused by version 2's stamp rule: %s" % r.body[:300])
r = admin.request("GET", "/api/v1/policies/%d" % P2)
check([v["state"] for v in r.json()["versions"]] == ["published", "superseded"], "version history")
acts = [x[0] for x in sql("SELECT action FROM audit WHERE action LIKE 'policy.%' ORDER BY seq")]
check(acts.count("policy.draft") == 2 and acts.count("policy.approve") == 2 and acts.count("policy.publish") == 2 and acts.count("policy.comment") == 2,
      "every policy step audited: %s" % acts)
# Withdrawing: an abandoned draft frees the name; a withdrawn published version stops binding at once.
r = admin.request("POST", "/api/v1/policies", dict(pol, title="Draf yang ditinggalkan"))
P3 = r.json()["id"]
check(r.status == 201 and r.json()["version"] == 3, "version 3 drafted")
r = auditor.request("POST", "/api/v1/policies/%d/withdraw" % P3)
check(r.status == 403, "an auditor does not withdraw the ministry's policy")
r = admin.request("POST", "/api/v1/policies/%d/withdraw" % P3)
check(r.status == 200 and r.json()["state"] == "withdrawn", "the draft is withdrawn")
r = admin.request("POST", "/api/v1/policies/%d/withdraw" % P1)
check(r.status == 409, "a superseded version is not withdrawn")
r = sign({"visible": VIS})
check(r.status == 403 and r.error_code() == "policy_stamp", "version 2 still binds")
# A published version binds the application: lifting it takes two admins, like publishing it did.
r = admin.request("POST", "/api/v1/policies/%d/withdraw" % P2)
check(r.status == 200 and r.json()["state"] == "published" and r.json()["withdraw_requested_by"] == "admin", "one admin only asks: %s" % r.body[:200])
r = admin.request("POST", "/api/v1/policies/%d/withdraw" % P2)
check(r.status == 200 and r.json()["state"] == "published", "asking twice is still one admin")
r = sign({"visible": VIS})
check(r.status == 403 and r.error_code() == "policy_stamp", "still binding until a second admin confirms")
r = admin2.request("POST", "/api/v1/policies/%d/withdraw" % P2)
check(r.status == 200 and r.json()["state"] == "withdrawn", "the second admin withdraws the published version")
r = sign({"visible": VIS})
check(r.status == 200, "no policy in force: the application signs B-B visible again: %s" % r.body[:200])
check("Signature is Valid" in pdfsig(r.body), "pdfsig accepts it")
r = app.request("GET", "/api/v1/me/signing-policy")
check(r.json()["policies"] == [], "no policy binds the application")
check(int(one("SELECT COUNT(*) FROM audit WHERE action = 'policy.withdraw'")) == 2 and
      int(one("SELECT COUNT(*) FROM audit WHERE action = 'policy.withdraw_request'")) == 2, "withdrawals and requests audited")
# The operator (CLI) is trusted like elsewhere: it withdraws a published version at once.
r = admin.request("POST", "/api/v1/policies", dict(pol, title="Kebijakan sementara"))
P4 = r.json()["id"]
check(admin2.request("POST", "/api/v1/policies/%d/approve" % P4).status == 200 and admin.request("POST", "/api/v1/policies/%d/publish" % P4).status == 200,
      "version 4 published")
p = teken("policy", "withdraw", "--dir", d, "--id", str(P4))
check(json.loads(p.stdout)["state"] == "withdrawn", "CLI withdraws the published version")

# Another application (no policy) is unaffected.
key2 = teken("apikey", "create", "--dir", d, "--name", "Aplikasi Lain", "--units", "Sekretariat Jenderal").stdout.strip()
app2 = Client(srv)
app2.bearer = key2
body, ct = multipart({"options": json.dumps({"nik": sub_nik, "passphrase": sub_pass, "visible": VIS})}, [("file", "s.pdf", PDF)])
r = app2.request("POST", "/api/v1/sign/pdf", body, ctype=ct, raw=True)
check(r.status == 200, "an application without a policy signs B-B visible: %s" % r.body[:200])
r = app2.request("GET", "/api/v1/me/signing-policy")
check(r.status == 200 and r.json()["policies"] == [], "and has no policy")

srv.stop()
finish("policy" + (" (postgres)" if STORE else ""))
