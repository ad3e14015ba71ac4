#!/usr/bin/env python3
"""The annual usage report (R7, docs/reports.md) against a known mix of activity.

A year of activity is driven through the real front doors with the clock set
per step (the test build's TEKEN_TEST_CLOCK_FILE): certificates for officials
in two units, a renewal, a revocation by reason, a suspension and its release,
signatures at several levels through the API, the web session and the BSrE
routes, refused signing attempts, verifications through every channel, OCSP,
TSA and CRL requests made with openssl. The test keeps its own tally of what it
did and checks every figure of the JSON report against it: totals, every month,
every unit, every application and the breakdowns. Counters must survive a
restart of the server. TEKEN_TEST_STORE runs the same on PostgreSQL.
"""
import base64
import calendar
import datetime
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, teken, tmpdir  # noqa: E402

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
T = tmpdir()
d = os.path.join(T, "inst")
CLOCK = os.path.join(T, "clock")
os.environ["TEKEN_TEST_CLOCK_FILE"] = CLOCK
# Last year: every month is over, so the report is complete (and certificates made then are valid today).
Y = datetime.datetime.now(datetime.timezone.utc).year - 1
WIB = 7 * 3600


def at(month, day, hour=10, year=Y):
    """Sets the clock of every teken process to a time in WIB."""
    t = calendar.timegm((year, month, day, hour, 0, 0)) - WIB
    with open(CLOCK, "w") as f:
        f.write(str(t))
    return t


at(1, 2)
init = ["init", "--dir", d, "--demo", "--key-alg", "ec-p256"]
if os.environ.get("TEKEN_TEST_STORE"):
    init += ["--store", os.environ["TEKEN_TEST_STORE"]]
teken(*init)
with open(os.path.join(d, "teken.conf"), "a") as f:
    # The test passes whole months: the OCSP signer must outlive them.
    f.write("\n[profile ocsp]\nvalidity_days = 3650\n")
demo = json.load(open(os.path.join(d, "demo.json")))
sub = demo["subscriber"]
APP = "Aplikasi Demo (e-Office)"
SJ, BK = "Sekretariat Jenderal", "Biro Keuangan, Bagian \"Anggaran\""
srv = Server(d)
pdf = open(os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf"), "rb").read()
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63f8cfc0f01f0005000101ff89993d1d0000000049454e44ae426082")
EVIDENCE = [("ktp", "ktp.png", PNG), ("sk", "sk.pdf", b"%PDF-1.4\n%%EOF\n")]

# ---- the expected report, kept by the test as it acts

KEYS = ["certificates_issued", "certificates_renewed", "certificates_revoked", "certificates_suspended", "certificates_active",
        "certificates_expiring_next_year", "documents_signed", "documents_pades", "documents_cades", "documents_visible",
        "documents_invisible", "documents_by_official", "documents_by_seal", "documents_level_b_b", "documents_level_b_t",
        "documents_level_b_lt", "documents_level_b_lta", "verifications", "verifications_web", "verifications_api",
        "verifications_qr", "verifications_bsre", "ocsp_requests", "tsa_requests", "crl_requests", "signing_failures",
        "verifikator_approvals", "verifikator_rejections", "verifikator_median_decision_seconds", "support_tickets",
        "training_events", "training_participants"]
STATE = {"certificates_active", "certificates_expiring_next_year", "verifikator_median_decision_seconds"}


def zero():
    return {k: 0 for k in KEYS if k not in STATE}


exp_total, exp_month = zero(), {m: zero() for m in range(1, 13)}
exp_unit, exp_app = {}, {}
exp_reasons, exp_causes, exp_channels = {}, {}, {}
durations = {"total": [], "month": {m: [] for m in range(1, 13)}, "unit": {}}
month_now = [1]


def tally(figs, unit=None, app=None, n=1):
    for f in figs:
        exp_total[f] += n
        exp_month[month_now[0]][f] += n
        if unit:
            exp_unit.setdefault(unit, zero())[f] += n
        if app:
            exp_app.setdefault(app, zero())[f] += n


def decided(seconds, unit, approve=True):
    tally(["verifikator_approvals" if approve else "verifikator_rejections"], unit)
    durations["total"].append(seconds)
    durations["month"][month_now[0]].append(seconds)
    if unit:
        durations["unit"].setdefault(unit, []).append(seconds)


def step(month, day, hour=10):
    month_now[0] = month
    return at(month, day, hour)


def login(user, password):
    c = Client(srv)
    r = c.login(user, password)
    check(r.status == 200, "login %s: %s" % (user, r.body[:200]))
    return c


def staff(i):
    return login(demo["verifikators"][i]["user"], demo["verifikators"][i]["password"])


def admin():
    return login(demo["admin"]["user"], demo["admin"]["password"])


def app_client():
    c = Client(srv)
    c.bearer = demo["application"]["api_key"]
    return c


BASIC = {"Authorization": "Basic " + base64.b64encode(
    ("%s:%s" % (demo["application"]["basic_user"], demo["application"]["basic_password"])).encode()).decode()}


def sign_form(c, opts, data=None, path="/api/v1/sign/pdf"):
    body, ct = multipart({"options": json.dumps(opts)}, [("file", "surat.pdf", data or pdf)])
    return c.request("POST", path, body, ctype=ct, raw=True)


def doc_figs(kind="pades", visible=False, seal=False, level="b_b", channel="web"):
    exp_channels[channel] = exp_channels.get(channel, 0) + 1
    figs = ["documents_signed", "documents_" + kind, "documents_visible" if visible else "documents_invisible",
            "documents_by_seal" if seal else "documents_by_official", "documents_level_" + level]
    return figs


# ---- January: the demo instance (an official and a seal of the Sekretariat Jenderal, their approvals)
tally(["certificates_issued"], SJ, n=2)
decided(0, SJ)       # the official's enrolment, approved at once by verifikator1
decided(0, None)     # the unit seal: two approvals, the seal request names no official
decided(0, None)

# ---- February: a second unit; an official enrolled on the 10th, approved on the 12th, activates
step(2, 10)
v1 = staff(0)
a = admin()
r = a.request("POST", "/api/v1/users", {"user": "andi", "password": "andi-login-pass-1", "role": "subscriber", "display_name": "Andi"})
check(r.status == 201, "create andi: %s" % r.body)
ident = {"user": "andi", "nik": "3578014405880002", "nip": "198805042010012001", "full_name": "Andi Wijaya",
         "email": "andi@kementerian.example", "unit": BK, "position": "Kepala Subbagian"}
body, ct = multipart({"data": json.dumps(ident)}, EVIDENCE)
r = v1.request("POST", "/api/v1/enrollments", body, ctype=ct, raw=True)
check(r.status == 201, "enrol andi: %s" % r.body)
req_andi = r.json()["request_id"]
step(2, 12)
r = staff(1).request("POST", "/api/v1/requests/%d/approve" % req_andi)
check(r.status == 200 and r.json()["status"] == "approved", "approve andi: %s" % r.body)
decided(2 * 86400, BK)
step(2, 12, 11)
andi = login("andi", "andi-login-pass-1")
r = andi.request("POST", "/api/v1/me/activate", {"passphrase": "passphrase-andi-2025"})
check(r.status in (200, 201), "andi activates: %d %s" % (r.status, r.body))
tally(["certificates_issued"], BK)

# ---- March: the official signs in the web session (invisible B-B) and through an application (visible B-T)
step(3, 5)
pej = login(sub["user"], sub["password"])
r = sign_form(pej, {"passphrase": sub["passphrase"]})
check(r.status == 200, "web signing: %d %s" % (r.status, r.body[:200]))
doc_web = r.headers["x-document-id"]
tally(doc_figs(), SJ)
step(3, 6)
r = sign_form(app_client(), {"nik": sub["nik"], "passphrase": sub["passphrase"], "level": "B-T",
                             "visible": {"page": 1, "x": 300, "y": 40, "w": 200, "h": 80}})
check(r.status == 200, "application signing: %d %s" % (r.status, r.body[:200]))
tally(doc_figs(visible=True, level="b_t", channel="api"), SJ, APP)

# ---- April: the application seals (B-LT) and signs through the BSrE v1 route
step(4, 7)
r = sign_form(app_client(), {"level": "B-LT"})
check(r.status == 200, "seal: %d %s" % (r.status, r.body[:200]))
tally(doc_figs(seal=True, level="b_lt", channel="api"), SJ, APP)
step(4, 8)
body, ct = multipart({"nik": sub["nik"], "passphrase": sub["passphrase"], "tampilan": "invisible"}, [("file", "surat.pdf", pdf)])
r = Client(srv).request("POST", "/api/sign/pdf", body, ctype=ct, raw=True, headers=BASIC)
check(r.status == 200 and "id_dokumen" in r.headers, "BSrE v1 signing: %d %s" % (r.status, r.body[:200]))
tally(doc_figs(channel="bsre"), SJ, APP)

# ---- May: CAdES B-T by the second unit's official; refused attempts through the application
step(5, 9)
andi = login("andi", "andi-login-pass-1")
body, ct = multipart({"options": json.dumps({"passphrase": "passphrase-andi-2025", "level": "B-T"})}, [("file", "nota.txt", b"nota dinas")])
r = andi.request("POST", "/api/v1/sign/cades", body, ctype=ct, raw=True)
check(r.status == 200, "CAdES: %d %s" % (r.status, r.body[:200]))
tally(doc_figs(kind="cades", level="b_t"), BK)
step(5, 10)
for _ in range(2):
    r = sign_form(app_client(), {"nik": sub["nik"], "passphrase": "bukan-frasa-sandi", "unit": SJ})
    check(r.status in (401, 403, 429) and r.error_code(), "wrong passphrase refused: %d %s" % (r.status, r.body[:200]))
    tally(["signing_failures"], SJ, APP)
    exp_causes[r.error_code()] = exp_causes.get(r.error_code(), 0) + 1
r = sign_form(app_client(), {"nik": sub["nik"], "passphrase": sub["passphrase"], "level": "B-X"})
check(r.status == 400 and r.error_code() == "unsupported_level", "bad level refused: %d %s" % (r.status, r.body[:200]))
tally(["signing_failures"], None, APP)
exp_causes["unsupported_level"] = exp_causes.get("unsupported_level", 0) + 1

# ---- June: verifications through every channel
step(6, 3)
signed = sign_form(login(sub["user"], sub["password"]), {"passphrase": sub["passphrase"]})
check(signed.status == 200, "a document to verify")
tally(doc_figs(), SJ)
anon = Client(srv)
vbody, vct = multipart({}, [("file", "surat.pdf", signed.body)])
for _ in range(3):
    r = anon.request("POST", "/api/v1/verify?via=web", vbody, ctype=vct, raw=True)
    check(r.status == 200, "public page verification: %d %s" % (r.status, r.body[:200]))
    tally(["verifications", "verifications_web"])
for _ in range(2):
    r = anon.request("POST", "/api/v1/verify", signed.body, ctype="application/pdf", raw=True)
    check(r.status == 200, "API verification: %d" % r.status)
    tally(["verifications", "verifications_api"])
bbody, bct = multipart({}, [("file", "a.pdf", signed.body), ("file", "b.pdf", signed.body)])
r = admin().request("POST", "/api/v1/verify/batch", bbody, ctype=bct, raw=True)
check(r.status == 200, "batch verification: %d %s" % (r.status, r.body[:200]))
tally(["verifications", "verifications_api"], n=2)
r = anon.request("GET", "/api/v1/documents/" + doc_web)
check(r.status == 200, "QR landing: %d" % r.status)
tally(["verifications", "verifications_qr"], SJ)
r = Client(srv).request("POST", "/api/v2/verify/pdf", {"file": base64.b64encode(signed.body).decode()}, headers=BASIC)
check(r.status == 200, "BSrE v2 verification: %d %s" % (r.status, r.body[:200]))
tally(["verifications", "verifications_bsre"], None, APP)
r = anon.request("POST", "/api/v1/verify", b"not a pdf", ctype="application/pdf", raw=True)
check(r.status == 400, "a refused upload is no verification")

# ---- July: OCSP, TSA and CRL requests made by openssl
step(7, 14)
chain = Client(srv).request("GET", "/api/v1/ca/chain").body.decode()
issuing = os.path.join(T, "issuing.pem")
open(issuing, "w").write(chain[:chain.index("-----END CERTIFICATE-----") + 25] + "\n")
andi = login("andi", "andi-login-pass-1")
andi_cert = andi.request("GET", "/api/v1/me/certificates").json()[0]["serial"]
ocsp_req = os.path.join(T, "ocsp.der")
subprocess.run(["openssl", "ocsp", "-issuer", issuing, "-serial", "0x" + andi_cert, "-no_nonce", "-reqout", ocsp_req],
               check=True, capture_output=True)
for _ in range(3):
    r = anon.request("POST", "/ocsp", open(ocsp_req, "rb").read(), ctype="application/ocsp-request", raw=True)
    check(r.status == 200 and r.headers.get("content-type") == "application/ocsp-response", "OCSP answered: %d" % r.status)
    tally(["ocsp_requests"])
tsq = os.path.join(T, "q.tsq")
data = os.path.join(T, "data.txt")
open(data, "w").write("isi dokumen")
subprocess.run(["openssl", "ts", "-query", "-data", data, "-sha256", "-cert", "-out", tsq], check=True, capture_output=True)
for _ in range(2):
    r = anon.request("POST", "/tsa", open(tsq, "rb").read(), ctype="application/timestamp-query", raw=True)
    check(r.status == 200, "TSA answered: %d" % r.status)
    tally(["tsa_requests"])
for _ in range(2):
    r = anon.request("GET", "/crl/issuing.crl")
    check(r.status == 200, "CRL served: %d" % r.status)
    tally(["crl_requests"])
crlf = os.path.join(T, "issuing.crl")
open(crlf, "wb").write(r.body)
check(subprocess.run(["openssl", "crl", "-inform", "DER", "-in", crlf, "-noout"], capture_output=True).returncode == 0,
      "the CRL served is a CRL to openssl")

# The counters live in the server's memory until flushed: a restart must not lose them.
check(srv.stop() == 0, "server stops cleanly")
srv = Server(d)

# ---- August: the second unit's official revokes their own certificate (key compromise)
step(8, 20)
andi = login("andi", "andi-login-pass-1")
r = andi.request("POST", "/api/v1/certificates/%s/revoke" % andi_cert, {"reason": "keyCompromise"})
check(r.status == 200 and r.json()["status"] == "revoked", "self revocation: %d %s" % (r.status, r.body))
tally(["certificates_revoked"], BK)
exp_reasons["keyCompromise"] = 1

# ---- September: the official's certificate is suspended (filed the 1st, approved the 2nd); October: released
pej = login(sub["user"], sub["password"])
pej_cert = [c for c in pej.request("GET", "/api/v1/me/certificates").json() if c["status"] == "valid"][0]["serial"]
step(9, 1)
r = staff(0).request("POST", "/api/v1/certificates/%s/hold" % pej_cert)
check(r.status == 202, "hold filed: %d %s" % (r.status, r.body))
hold_req = r.json()["request_id"]
step(9, 2)
r = staff(1).request("POST", "/api/v1/requests/%d/approve" % hold_req)
check(r.status == 200 and r.json()["status"] == "approved", "hold approved: %s" % r.body)
tally(["certificates_suspended"], SJ)
decided(86400, SJ)
step(10, 1)
r = staff(0).request("POST", "/api/v1/certificates/%s/release" % pej_cert)
check(r.status == 202, "release filed: %d %s" % (r.status, r.body))
rel_req = r.json()["request_id"]
step(10, 1, 16)
r = staff(1).request("POST", "/api/v1/requests/%d/approve" % rel_req)
check(r.status == 200, "release approved: %s" % r.body)
decided(6 * 3600, SJ)

# ---- October: the official renews (a new key, approved the same day): a renewal
step(10, 20)
pej = login(sub["user"], sub["password"])
r = pej.request("POST", "/api/v1/me/renew", {"passphrase": "frasa-sandi-baru-2025"})
check(r.status == 202, "renewal filed: %d %s" % (r.status, r.body))
ren_req = r.json()["request_id"]
step(10, 20, 13)
r = staff(0).request("POST", "/api/v1/requests/%d/approve" % ren_req)
check(r.status == 200 and r.json()["status"] == "approved", "renewal approved: %s" % r.body)
tally(["certificates_issued", "certificates_renewed"], SJ)
decided(3 * 3600, SJ)

# ---- November: an enrolment in the second unit, rejected after four days
step(11, 3)
ident2 = dict(ident, user="budi", nik="3578014405880009", nip="198805042010012009", full_name="Budi Santoso", email="budi@kementerian.example")
a = admin()
check(a.request("POST", "/api/v1/users", {"user": "budi", "password": "budi-login-pass-1", "role": "subscriber",
                                          "display_name": "Budi"}).status == 201, "create budi")
body, ct = multipart({"data": json.dumps(ident2)}, EVIDENCE)
r = staff(0).request("POST", "/api/v1/enrollments", body, ctype=ct, raw=True)
check(r.status == 201, "enrol budi: %s" % r.body)
budi_req = r.json()["request_id"]
step(11, 7)
r = staff(1).request("POST", "/api/v1/requests/%d/reject" % budi_req, {"reason": "SK tidak terbaca"})
check(r.status == 200 and r.json()["status"] == "rejected", "rejected: %s" % r.body)
decided(4 * 86400, BK, approve=False)

# ---- 20 November: a technical-guidance event (R14, svc/literacy) held with three participants, two attending:
# Andi (Biro Keuangan, from the register) and a BSSN speaker's colleague (free text, the issuer: totals only);
# the demo official was invited but did not come. A second event's attendee counts nothing: it was cancelled;
# a third stays planned (never marked held), so its attendee counts nothing either.
step(11, 20)
a = admin()
subs = a.request("GET", "/api/v1/subscribers").json()
subs = subs.get("subscribers", subs) if isinstance(subs, dict) else subs
andi_sid = [x["id"] for x in subs if x.get("full_name") == "Andi Wijaya"][0]
pej_sid = [x["id"] for x in subs if x.get("unit") == SJ][0]


def event(title, day):
    r = a.request("POST", "/api/v1/events", {"kind": "bimtek", "title": title, "starts_on": "%d-11-%02d" % (Y, day),
                                             "organiser": "first"})
    check(r.status == 201, "event %s: %s" % (title, r.body[:200]))
    return r.json()["id"]


def participant(eid, body):
    r = a.request("POST", "/api/v1/events/%d/participants" % eid, body)
    check(r.status == 201, "participant %r: %s" % (body, r.body[:200]))
    return r.json()["participants"][-1]["id"]


ev1 = event("Bimtek TTE", 20)
p_andi, p_pej = participant(ev1, {"subscriber_id": andi_sid}), participant(ev1, {"subscriber_id": pej_sid})
p_bssn = participant(ev1, {"name": "Rina (BSrE)", "unit": "BSrE", "party": "second"})
r = a.request("POST", "/api/v1/events/%d/attendance" % ev1, {"participants": [{"id": p_andi, "attended": True},
              {"id": p_pej, "attended": False}, {"id": p_bssn, "attended": True}]})
check(r.status == 200, "attendance: %s" % r.body[:200])
check(a.request("POST", "/api/v1/events/%d/status" % ev1, {"status": "held"}).status == 200, "event held")
tally(["training_events", "training_participants"], BK)
tally(["training_participants"])
for title, final in (("Sosialisasi batal", "cancelled"), ("Bimtek belum ditandai", None)):
    ev = event(title, 20)
    pid = participant(ev, {"subscriber_id": andi_sid})
    check(a.request("POST", "/api/v1/events/%d/attendance" % ev, {"participants": [{"id": pid, "attended": True}]}).status == 200,
          "attendance on %s" % title)
    if final:
        check(a.request("POST", "/api/v1/events/%d/status" % ev, {"status": final}).status == 200, "event %s" % final)

# ---- next year, 10 January: the report of year Y is complete
at(1, 10, 9, Y + 1)


def median(v):
    if not v:
        return None
    v = sorted(v)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) // 2


# The state figures, known from the mix: the demo official (Jan, renewed in Oct), the demo seal (Jan),
# andi (Feb, revoked Aug). Officials' certificates last 730 days, seals 1095: none expires in Y+1.
def active_in(month):
    n = 2  # the demo official's first certificate and the demo seal, since January
    if 2 <= month <= 7:
        n += 1  # andi, February to the revocation in August
    if month == 9:
        n -= 1  # on hold from September 2 until the release on October 1
    if month >= 10:
        n += 1  # the renewal's certificate
    return n


def expect_row(base, active, med):
    out = dict(base)
    out["certificates_active"] = active
    out["certificates_expiring_next_year"] = 0
    out["verifikator_median_decision_seconds"] = med
    return out


def compare(got, want, where):
    for k in KEYS:
        check(k in got, "%s: key %s present" % (where, k))
        check(got[k] == want[k], "%s.%s: report %r, the mix %r" % (where, k, got[k], want[k]))


def check_report(rep, label):
    check(rep["report"] == "usage" and rep["schema"] == 1 and rep["year"] == Y and rep["unit"] is None, label + " header")
    check(rep["timezone"] == "Asia/Jakarta" and rep["generated_at"].endswith("Z"), label + " time fields")
    check(rep["instance"]["organization"] != "" and "BSrE" in rep["instance"]["issuer"], label + " parties named")
    compare(rep["totals"], expect_row(exp_total, active_in(12), median(durations["total"])), label + " totals")
    check([m["month"] for m in rep["by_month"]] == list(range(1, 13)), label + " twelve months")
    for m in rep["by_month"]:
        compare(m, expect_row(exp_month[m["month"]], active_in(m["month"]), median(durations["month"][m["month"]])),
                "%s month %d" % (label, m["month"]))
    units = {u["unit"]: u for u in rep["by_unit"]}
    check(sorted(units) == sorted(exp_unit), "%s units %r, the mix %r" % (label, sorted(units), sorted(exp_unit)))
    unit_active = {SJ: 3, BK: 0}  # at year end: the demo official's renewed and first certificates, the seal; andi revoked
    for name, row in units.items():
        compare(row, expect_row(exp_unit[name], unit_active[name], median(durations["unit"].get(name, []))), "%s unit %s" % (label, name))
    apps = {a["application"]: a for a in rep["by_application"]}
    check(sorted(apps) == sorted(exp_app), "%s applications %r, the mix %r" % (label, sorted(apps), sorted(exp_app)))
    for name, row in apps.items():
        compare(row, expect_row(exp_app[name], 0, None), "%s application %s" % (label, name))
    check(rep["breakdown"]["documents_by_channel"] == exp_channels,
          "%s channels %r, the mix %r" % (label, rep["breakdown"]["documents_by_channel"], exp_channels))
    check(rep["breakdown"]["revoked_by_reason"] == exp_reasons, "%s reasons %r" % (label, rep["breakdown"]["revoked_by_reason"]))
    check(rep["breakdown"]["signing_failures_by_cause"] == exp_causes,
          "%s causes %r, the mix %r" % (label, rep["breakdown"]["signing_failures_by_cause"], exp_causes))
    vk = {v["verifikator"]: v for v in rep["breakdown"]["verifikators"]}
    v1n, v2n = demo["verifikators"][0]["user"], demo["verifikators"][1]["user"]
    # verifikator1: demo enrolment, demo seal, renewal (3 h); verifikator2: demo seal, andi (2 d), hold (1 d), release (6 h), budi (rejected, 4 d)
    check(vk[v1n]["approvals"] == 3 and vk[v1n]["rejections"] == 0 and vk[v1n]["median_decision_seconds"] == 0, "%s %s: %r" % (label, v1n, vk[v1n]))
    check(vk[v2n]["approvals"] == 4 and vk[v2n]["rejections"] == 1 and vk[v2n]["median_decision_seconds"] == 86400,
          "%s %s: %r" % (label, v2n, vk[v2n]))


# Through the API as the auditor and as the admin, and through the CLI (the operator): the same figures.
aud = login(demo["auditor"]["user"], demo["auditor"]["password"])
r = aud.request("GET", "/api/v1/reports/usage?year=%d&format=json" % Y)
check(r.status == 200 and r.headers["content-type"].startswith("application/json"), "auditor reads the report: %d %s" % (r.status, r.body[:300]))
check_report(r.json(), "API")
check_report(json.loads(teken("report", "usage", "--dir", d, "--year", str(Y)).stdout), "CLI")
# Not for officials, applications or the public; bad input is a clear 400.
for c, who in ((login(sub["user"], sub["password"]), "official"), (app_client(), "application"), (Client(srv), "anonymous")):
    r = c.request("GET", "/api/v1/reports/usage?year=%d" % Y)
    check(r.status in (401, 403), "%s refused: %d" % (who, r.status))
for q, code in (("", "missing_field"), ("year=1999", "invalid_field"), ("year=20x6", "invalid_field"),
                ("year=%d&format=doc" % Y, "invalid_field")):
    r = aud.request("GET", "/api/v1/reports/usage?" + q)
    check(r.status == 400 and r.error_code() == code, "bad query %r: %d %s" % (q, r.status, r.body[:200]))

# A unit's own report holds only that unit's records.
r = aud.request("GET", "/api/v1/reports/usage?year=%d&unit=%s" % (Y, "Biro%20Keuangan%2C%20Bagian%20%22Anggaran%22"))
check(r.status == 200, "unit report: %d %s" % (r.status, r.body[:200]))
u = r.json()
check(u["unit"] == BK, "unit report names its unit: %r" % u["unit"])
compare(u["totals"], expect_row(exp_unit[BK], 0, median(durations["unit"][BK])), "unit report totals")
check(u["totals"]["ocsp_requests"] == 0 and [x["unit"] for x in u["by_unit"]] == [BK], "unit report leaves out what has no unit")

# ---- The formats, judged by independent tools: the same totals as the JSON.
rep = aud.request("GET", "/api/v1/reports/usage?year=%d" % Y).json()
tot = rep["totals"]
r = aud.request("GET", "/api/v1/reports/usage?year=%d&format=pdf" % Y)
check(r.status == 200 and r.headers["content-type"] == "application/pdf" and r.body.startswith(b"%PDF-"), "PDF: %d" % r.status)
check("attachment" in r.headers.get("content-disposition", ""), "the PDF is a download")
pdfp = os.path.join(T, "laporan.pdf")
open(pdfp, "wb").write(r.body)
q = subprocess.run(["qpdf", "--check", pdfp], capture_output=True, text=True)
check(q.returncode == 0, "qpdf --check: %s" % q.stdout[-500:])
sig = subprocess.run(["pdfsig", "-no-ocsp", pdfp], capture_output=True, text=True).stdout
check("Signature is Valid" in sig and "Segel" in sig, "pdfsig: the instance seal signs the report:\n" + sig)
text = subprocess.run(["pdftotext", "-layout", pdfp, "-"], capture_output=True, text=True).stdout
check("Laporan Penggunaan Sertifikat Elektronik" in text and str(Y) in text, "PDF title and year")
check("Balai Besar Sertifikasi Elektronik" in text and rep["instance"]["organization"] in text, "PDF names both parties")
check("diterbitkan oleh" in text, "PDF carries the R8 statement")
for label, key in (("Dokumen ditandatangani", "documents_signed"), ("Sertifikat dicabut", "certificates_revoked"),
                   ("Verifikasi (semua kanal)", "verifications"), ("Permintaan OCSP", "ocsp_requests")):
    line = [x for x in text.splitlines() if x.strip().startswith(label)]
    check(line and line[0].split()[-1] == str(tot[key]), "PDF summary %s = %s: %r" % (label, tot[key], line[:1]))
pages = int([x for x in subprocess.run(["pdfinfo", pdfp], capture_output=True, text=True).stdout.splitlines()
             if x.startswith("Pages:")][0].split()[1])
chart_page = [i + 1 for i, pg in enumerate(text.split("\f")) if "Grafik" in pg or "grafik" in pg]
check(chart_page, "a charts page")
shots = os.environ.get("TEKEN_SHOTS_DIR", os.environ.get("TEKEN_BUILD", T))
png = os.path.join(shots, "usage-report-charts")
subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", str(chart_page[0]), "-l", str(chart_page[0]), pdfp, png], check=True,
               capture_output=True)
raw = subprocess.run(["pdftoppm", "-r", "30", "-f", str(chart_page[0]), "-l", str(chart_page[0]), pdfp], capture_output=True, check=True).stdout
# P6 PPM: count coloured (not grey) pixels: the bars.
hdr_end, fields, i = 0, [], 0
while len(fields) < 4:
    j = raw.index(b"\n", i)
    fields += raw[i:j].split()
    i = j + 1
px = raw[i:]
colour = sum(1 for k in range(0, len(px) - 2, 3) if max(px[k:k + 3]) - min(px[k:k + 3]) > 40)
check(colour > 200, "the charts page has coloured bars (%d coloured pixels; picture in %s.png)" % (colour, png))
check(pages >= 3, "PDF has its pages: %d" % pages)

import io  # noqa: E402
import zipfile  # noqa: E402
import csv as csvmod  # noqa: E402
r = aud.request("GET", "/api/v1/reports/usage?year=%d&format=xlsx" % Y)
check(r.status == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats"), "XLSX: %d" % r.status)
z = zipfile.ZipFile(io.BytesIO(r.body))
check(z.testzip() is None, "XLSX zip intact")
sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
check(len(sheets) >= 4, "one sheet per table: %r" % sheets)
wb = z.read("xl/workbook.xml").decode()
first = z.read("xl/worksheets/sheet1.xml").decode()
strings = z.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in z.namelist() else ""
for key in ("documents_signed", "certificates_issued", "verifications", "signing_failures"):
    check(key in strings or key in first, "XLSX names %s" % key)
    check(("<v>%d</v>" % tot[key]) in first, "XLSX totals sheet holds %s = %d" % (key, tot[key]))
r = aud.request("GET", "/api/v1/reports/usage?year=%d&format=csv" % Y)
check(r.status == 200 and r.headers["content-type"] == "application/zip", "CSV zip: %d" % r.status)
z = zipfile.ZipFile(io.BytesIO(r.body))
rows = list(csvmod.DictReader(io.StringIO(z.read("totals.csv").decode("utf-8"))))
for key in KEYS:
    want = tot[key]
    check(rows[0][key] == ("" if want is None else str(want)), "totals.csv %s: %r vs %r" % (key, rows[0][key], want))
months = list(csvmod.DictReader(io.StringIO(z.read("by_month.csv").decode("utf-8"))))
check([int(m["documents_signed"]) for m in months] == [m["documents_signed"] for m in rep["by_month"]], "by_month.csv documents")
chan = {r["channel"]: int(r["count"]) for r in csvmod.DictReader(io.StringIO(z.read("documents_by_channel.csv").decode("utf-8")))}
check(chan == exp_channels, "documents_by_channel.csv: %r" % chan)
units = list(csvmod.DictReader(io.StringIO(z.read("by_unit.csv").decode("utf-8"))))
check(sorted(u["unit"] for u in units) == sorted([SJ, BK]), "by_unit.csv keeps the awkward unit name: %r" % [u["unit"] for u in units])

# ---- The submission record: freeze, four eyes, send by hand, the issuer acknowledges; obligation met.
adm = admin()
r = adm.request("GET", "/api/v1/reports/usage/%d/versions" % Y)
check(r.status == 200 and r.json()["obligation"] == "pending" and r.json()["versions"] == [], "nothing sent yet: %s" % r.body)
r = adm.request("POST", "/api/v1/reports/usage/%d/versions" % Y)
check(r.status == 201 and r.json()["version"] == 1, "frozen: %d %s" % (r.status, r.body))
frozen_pdf = adm.request("GET", "/api/v1/reports/usage/%d/versions/1?format=pdf" % Y).body
frozen_json = json.loads(adm.request("GET", "/api/v1/reports/usage/%d/versions/1?format=json" % Y).body)
import hashlib  # noqa: E402
v = adm.request("GET", "/api/v1/reports/usage/%d/versions" % Y).json()["versions"][0]
check(v["pdf_sha256"] == hashlib.sha256(frozen_pdf).hexdigest(), "the kept hash is the frozen PDF's")
check(frozen_json["totals"] == tot, "the frozen JSON holds the figures")
open(pdfp, "wb").write(frozen_pdf)
check("Signature is Valid" in subprocess.run(["pdfsig", "-no-ocsp", pdfp], capture_output=True, text=True).stdout, "frozen PDF signed")
r = adm.request("POST", "/api/v1/reports/usage/%d/versions/1/approve" % Y)
check(r.status == 403 and r.error_code() == "four_eyes", "who froze it does not approve it: %d %s" % (r.status, r.body))
r = adm.request("POST", "/api/v1/reports/usage/%d/versions/1/send" % Y, {"by_hand": True, "note": "surat 1"})
check(r.status == 409 and r.error_code() == "report_state", "not sent before approval: %d %s" % (r.status, r.body))
check(aud.request("POST", "/api/v1/reports/usage/%d/versions/1/approve" % Y).status == 403, "the issuer does not approve the ministry's report")
out = teken("report", "approve", "--dir", d, "--year", str(Y), "--version", "1").stdout
check("approved" in out, "the operator approves: %r" % out)
# The issuer's contact is PIHAK II's contact in the agreement register (docs/agreements.md), else [agreement] issuer_email:
# the demo contact's e-mail removed, and none configured, there is nobody to send to.
teken("agreement", "contact", "change", "--dir", d, "--id", "1", "--party", "second", "--changed-on", "2025-02-01", "--official", "Tanpa Surel")
r = adm.request("POST", "/api/v1/reports/usage/%d/versions/1/send" % Y, {})
check(r.status == 409 and r.error_code() == "no_issuer_contact", "no issuer contact configured: %d %s" % (r.status, r.body))
r = adm.request("POST", "/api/v1/reports/usage/%d/versions/1/send" % Y, {"by_hand": True})
check(r.status == 400, "by hand needs a note: %d" % r.status)
r = adm.request("POST", "/api/v1/reports/usage/%d/versions/1/send" % Y, {"by_hand": True, "note": "Surat B-12/2026 diserahkan 10 Januari"})
check(r.status == 200 and r.json()["status"] == "sent", "sent by hand: %s" % r.body)
check(adm.request("POST", "/api/v1/reports/usage/%d/versions/1/acknowledge" % Y).status == 403, "the ministry does not acknowledge for the issuer")
r = aud.request("POST", "/api/v1/reports/usage/%d/versions/1/acknowledge" % Y)
check(r.status == 200 and r.json()["status"] == "acknowledged", "the issuer acknowledges: %s" % r.body)
rec = aud.request("GET", "/api/v1/reports/usage/%d/versions" % Y).json()
check(rec["obligation"] == "met" and rec["versions"][0]["sent_via"] == "hand" and rec["versions"][0]["acknowledged_by"] == demo["auditor"]["user"],
      "obligation met, the record complete: %r" % rec)
# With the issuer's contact configured, a corrected version goes out through the outbox to that address.
from tekentest import SmtpSink  # noqa: E402
smtp = SmtpSink()
srv.stop()
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[agreement]\nissuer_email = laporan@bsre.example\nuser_number = 800/123/SJ/2025\nissuer_number = 45/PKS/BSrE/2025\n"
            "[smtp]\nurl = smtp://127.0.0.1:%d\nfrom = teken@kementerian.example\n" % smtp.port)
srv = Server(d)
adm = admin()
aud = login(demo["auditor"]["user"], demo["auditor"]["password"])
check(adm.request("POST", "/api/v1/reports/usage/%d/versions" % Y).json()["version"] == 2, "version 2 frozen")
v2 = json.loads(adm.request("GET", "/api/v1/reports/usage/%d/versions/2?format=json" % Y).body)
check(v2["instance"]["agreement"]["issuer_number"] == "45/PKS/BSrE/2025", "the agreement numbers from teken.conf are in the report")
teken("report", "approve", "--dir", d, "--year", str(Y), "--version", "2")
r = adm.request("POST", "/api/v1/reports/usage/%d/versions/2/send" % Y, {})
check(r.status == 200 and r.json()["status"] == "sent", "sent through the outbox: %s" % r.body)
p = subprocess.run([os.environ["TEKEN_BIN"], "notify", "send", "--dir", d], capture_output=True, text=True)
check(p.returncode == 0, "notify send: %s %s" % (p.stdout, p.stderr))
mail = [m for m in smtp.messages if "laporan@bsre.example" in m["rcpt"][0]]
check(len(mail) == 1 and "versi 2" in mail[0]["data"], "the issuer's contact got the report notice: %r" % smtp.messages)
v2sha = [v for v in adm.request("GET", "/api/v1/reports/usage/%d/versions" % Y).json()["versions"] if v["version"] == 2][0]["pdf_sha256"]
check(v2sha in mail[0]["data"], "the notice names the signed PDF by its hash")
# The year before: nothing sent and past its due date.
check(aud.request("GET", "/api/v1/reports/usage/%d/versions" % (Y - 1)).json()["obligation"] == "overdue", "an earlier year is overdue")
# Every step is in the audit log.
acts = teken("audit", "verify", "--dir", d).stdout
check("intact" in acts, "audit chain intact after the report steps")

finish("test_usage_report.py" + (" (PostgreSQL)" if os.environ.get("TEKEN_TEST_STORE") else ""))
