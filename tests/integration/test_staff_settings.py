#!/usr/bin/env python3
"""The staff pages' routes (issue 14) against a real `teken serve`.

GET /api/v1/settings: admins and auditors only; the effective teken.conf by
section with every secret the test planted redacted (names with pass, secret,
key, token, pin; URL passwords; libpq password=), the rest of each value kept;
version, store backend, key storage, base URL; `teken settings --format json`
says the same. GET /api/v1/unlock-throttles: Verifikators and admins see an
official whose key recorded wrong passphrases, with the pending unlock request
and its approvals; once another Verifikator approves it the official is gone
from the list and signs at once (the test clock stands still, so the delay
cannot have run out). GET /api/v1/requests carries approvals and decisions.
Set TEKEN_TEST_STORE=postgres://... to run on PostgreSQL (test_staff_settings_pg.sh).
"""
import json
import os
import secrets
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, teken, tmpdir, write_clock  # noqa: E402

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
PDF = open(os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf"), "rb").read()
STORE = os.environ.get("TEKEN_TEST_STORE")

T = tmpdir()
d = os.path.join(T, "inst")
CLOCK = os.path.join(T, "clock")
write_clock(CLOCK, int(time.time()))
os.environ["TEKEN_TEST_CLOCK_FILE"] = CLOCK
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256", *(["--store", STORE] if STORE else []))
demo = json.load(open(os.path.join(d, "demo.json")))

S = {k: "%s-%s" % (k, secrets.token_hex(8)) for k in ("smtp", "token", "pg", "quoted", "apikey", "pin", "secret")}
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[smtp]\nurl = smtps://mailer:%s@mail.example.invalid:465\n" % S["smtp"])
    f.write("[staff-test]\napi_token = %s\n" % S["token"])
    f.write("replica = host=db.internal user=teken password=%s sslmode=require\n" % S["pg"])
    f.write("replica2 = host=db2 password='%s' port=5432\n" % S["quoted"])
    f.write("hook = https://hooks.example.invalid/in?apikey=%s&x=1\n" % S["apikey"])
    f.write("sso_client_secret = %s\n" % S["secret"])
    f.write("pin = %s\n" % S["pin"])
    f.write("plain = nothing to hide here\n")
PLANTED = list(S.values())

srv = Server(d)
V1, V2 = demo["verifikators"][0], demo["verifikators"][1]


def login(user, password):
    c = Client(srv)
    r = c.login(user, password)
    check(r.status == 200, "%s logs in: %s" % (user, r.body[:200]))
    return c


admin = login(demo["admin"]["user"], demo["admin"]["password"])
auditor = login(demo["auditor"]["user"], demo["auditor"]["password"])
v1 = login(V1["user"], V1["password"])
v2 = login(V2["user"], V2["password"])
sub = login(demo["subscriber"]["user"], demo["subscriber"]["password"])
app = Client(srv)
app.bearer = demo["application"]["api_key"]
anon = Client(srv)

# ---------------------------------------------------------------- GET /api/v1/settings

for who, c in (("admin", admin), ("auditor", auditor)):
    r = c.request("GET", "/api/v1/settings")
    check(r.status == 200, "%s reads the settings: %d %s" % (who, r.status, r.body[:200]))
for who, c, code in (("verifikator", v1, 403), ("subscriber", sub, 403), ("application", app, 403), ("anonymous", anon, 401)):
    r = c.request("GET", "/api/v1/settings")
    check(r.status == code, "%s refused the settings with %d: %d" % (who, code, r.status))

r = admin.request("GET", "/api/v1/settings")
body = r.body.decode()
for s in PLANTED:
    check(s not in body, "planted secret %s... not in /api/v1/settings" % s[:6])
st = r.json()
sec = {x["name"]: {k["key"]: k for k in x["keys"]} for x in st["sections"]}
check(sec["smtp"]["url"]["value"] == "smtps://mailer:[redacted]@mail.example.invalid:465" and sec["smtp"]["url"]["redacted"],
      "URL password redacted, user and host kept: %r" % sec["smtp"]["url"])
t = sec["staff-test"]
check(t["api_token"]["value"] == "[redacted]" and t["api_token"]["redacted"], "a *token key hidden whole")
check(t["sso_client_secret"]["value"] == "[redacted]", "a *secret key hidden whole")
check(t["pin"]["value"] == "[redacted]", "a pin key hidden whole")
check(t["replica"]["value"] == "host=db.internal user=teken password=[redacted] sslmode=require", "conninfo password: %r" % t["replica"])
check(t["replica2"]["value"] == "host=db2 password='[redacted]' port=5432", "quoted conninfo password: %r" % t["replica2"])
check(t["hook"]["value"] == "https://hooks.example.invalid/in?apikey=[redacted]&x=1", "query secret: %r" % t["hook"])
check(t["plain"]["value"] == "nothing to hide here" and not t["plain"]["redacted"], "plain values untouched")
check(sec["ca"]["key_alg"]["value"] == "ec-p256" and not sec["ca"]["key_alg"]["redacted"], "algorithm names are not secrets")
check(sec["profile individual"]["key_usage"]["redacted"] is False, "key usage shown")
check(sec["instance"]["mode"]["value"] == "demo", "instance section shown")
check(isinstance(st["version"], str) and st["version"] != "", "a version: %r" % st["version"])
check(isinstance(st["schema_version"], int) and st["schema_version"] > 0, "schema version")
check(st["store"]["backend"] == ("postgresql" if STORE else "sqlite"), "store backend: %r" % st["store"])
if STORE and "@" in STORE and ":" in STORE.split("@")[0].split("//", 1)[1]:
    check(STORE.split("@")[0].split(":")[-1] not in st["store"]["url"], "the store URL's password hidden")
check(st["key_storage"]["kind"] == "file" and {k["name"] for k in st["key_storage"]["keys"]} >= {"ca-issuing", "ca-root", "ocsp", "tsa"},
      "key storage: %r" % st["key_storage"])
check(all(set(k) == {"name", "kind", "alg"} for k in st["key_storage"]["keys"]), "no key material or PKCS#11 reference")
check(st["base_url"].startswith("http"), "base URL")

p = teken("settings", "--dir", d, "--format", "json")
for s in PLANTED:
    check(s not in p.stdout, "planted secret not in `teken settings`")
check(json.loads(p.stdout)["sections"] == st["sections"], "the CLI shows the same sections as the API")
p = teken("settings", "--dir", d, "--format", "xml", check_rc=False)
check(p.returncode == 2 and p.stderr.startswith("teken: error:") and p.stderr.count("\n") == 1, "bad --format: one-line usage error")

# ---------------------------------------------------------------- GET /api/v1/unlock-throttles


def sign(passphrase):
    b, ct = multipart({"options": json.dumps({"nik": demo["subscriber"]["nik"], "passphrase": passphrase})}, [("file", "a.pdf", PDF)])
    return app.request("POST", "/api/v1/sign/pdf", b, ctype=ct, raw=True)


r = v1.request("GET", "/api/v1/unlock-throttles")
check(r.status == 200 and r.json() == [], "nobody delayed at first: %s" % r.body[:200])
for i in range(3):
    r = sign("salah-%d" % i)
    check(r.status == 401, "wrong passphrase %d: %d" % (i, r.status))
check(sign(demo["subscriber"]["passphrase"]).status == 429, "the right passphrase waits while delayed")
for who, c, code in (("auditor", auditor, 403), ("subscriber", sub, 403), ("application", app, 403), ("anonymous", anon, 401)):
    r = c.request("GET", "/api/v1/unlock-throttles")
    check(r.status == code, "%s refused the throttle list with %d: %d" % (who, code, r.status))
rows = admin.request("GET", "/api/v1/unlock-throttles").json()
check(len(rows) == 1, "admins see the list too: %r" % rows)
row = rows[0]
check(row["user"] == demo["subscriber"]["user"] and row["failures"] == 3 and row["throttled"] is True and row["request"] is None,
      "the official, three failures, delayed, no request yet: %r" % row)
check(row["wait_until"] == row["last_failed_at"] + row["delay_seconds"] and row["delay_seconds"] == 30, "delay 30 s after the free attempts")
check("nik" not in row and "email" not in row, "no sealed field in the list")
r = v1.request("POST", "/api/v1/unlock-requests", {"user": demo["subscriber"]["user"]})
check(r.status == 202, "Verifikator 1 files the unlock: %s" % r.body[:200])
uid = r.json()["request_id"]
row = v2.request("GET", "/api/v1/unlock-throttles").json()[0]
check(row["request"] == {"id": uid, "submitted_by": V1["user"], "created_at": row["request"]["created_at"], "required_approvals": 1,
                         "approvals": 0}, "the pending request shown: %r" % row["request"])
r = v1.request("POST", "/api/v1/requests/%d/approve" % uid)
check(r.status == 403 and r.error_code() == "self_approval", "the filer cannot approve it: %s" % r.body[:200])
r = v2.request("POST", "/api/v1/requests/%d/approve" % uid)
check(r.status == 200 and r.json()["status"] == "approved", "Verifikator 2 approves: %s" % r.body[:200])
check(v1.request("GET", "/api/v1/unlock-throttles").json() == [], "released: gone from the list")
r = sign(demo["subscriber"]["passphrase"])
check(r.status == 200 and r.body[:5] == b"%PDF-", "signs at once after the release: %d" % r.status)

# ---------------------------------------------------------------- request lists carry approvals and decisions

serial = sub.request("GET", "/api/v1/me/certificates").json()[0]["serial"]
r = v1.request("POST", "/api/v1/certificates/%s/hold" % serial)
check(r.status == 202, "Verifikator 1 files a suspension: %s" % r.body[:200])
hid = r.json()["request_id"]
pend = {x["id"]: x for x in v2.request("GET", "/api/v1/requests?status=pending").json()}
h = pend[hid]
check(h["approvals"] == 1 and [(x["verifikator"], x["decision"]) for x in h["decisions"]] == [(V1["user"], "approve")],
      "the filer's approval is listed with who and when: %r" % h)
check(all("reason" not in x and isinstance(x["at"], int) for x in h["decisions"]), "list decisions carry no reasons, a time")
done = {x["id"]: x for x in v2.request("GET", "/api/v1/requests").json()}
check(done[uid]["approvals"] == 1 and done[uid]["decisions"][0]["verifikator"] == V2["user"], "closed requests too: %r" % done[uid])
aud = auditor.request("GET", "/api/v1/requests").json()
check(all("decisions" in x and "approvals" in x for x in aud), "auditors' (pseudonymised) list has the counts too")

finish("staff settings and throttles")
