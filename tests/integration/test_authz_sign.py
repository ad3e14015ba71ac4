#!/usr/bin/env python3
"""Who may sign for whom (issue "Who may act for whom"): the scenarios that used
to succeed, each refused at every front door with nothing written to the store;
passphrase guessing throttled per official and per caller, never a lock for good."""
import base64
import json
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, teken, tmpdir  # noqa: E402

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
T = tmpdir()
d = os.path.join(T, "inst")
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256")
# Small budgets so the test reaches the delays quickly.
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[ra]\nunlock_free_attempts = 2\nunlock_free_attempts_caller = 4\n")
demo = json.load(open(os.path.join(d, "demo.json")))
sub = demo["subscriber"]
nik = sub["nik"]
# A key of another unit, exactly as in the report: --units "Biro Lain".
other_key = teken("apikey", "create", "--dir", d, "--name", "Aplikasi Biro Lain", "--units", "Biro Lain").stdout.strip()
r = subprocess.run([os.environ.get("TEKEN_BIN", "teken"), "apikey", "create", "--dir", d, "--name", "Tanpa Unit"],
                   capture_output=True, text=True)
check(r.returncode != 0 and "units" in r.stderr and len(r.stderr.strip().splitlines()) == 1,
      "an API key without units is refused: %r" % r.stderr)
srv = Server(d)
pdf = open(os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf"), "rb").read()
db = os.path.join(d, "teken.db")


def count(sql):
    c = sqlite3.connect(db)
    try:
        return c.execute(sql).fetchone()[0]
    finally:
        c.close()


def documents():
    return count("SELECT COUNT(*) FROM documents")


def pdfsig(data):
    p = os.path.join(T, "x.pdf")
    open(p, "wb").write(data)
    return subprocess.run(["pdfsig", "-no-ocsp", p], capture_output=True, text=True).stdout


def basic_of(key):
    # esign-<16 hex prefix> : <40 hex secret>, as auth_basic_of_key makes them
    user, secret = "esign-" + key[3:19], key[20:]
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, secret)).encode()).decode()}


def v1(client, opts, files=None, path="/api/v1/sign/pdf"):
    body, ct = multipart({"options": json.dumps(opts)}, files if files is not None else [("file", "s.pdf", pdf)])
    return client.request("POST", path, body, ctype=ct, raw=True)


app = Client(srv)
app.bearer = demo["application"]["api_key"]
other = Client(srv)
other.bearer = other_key
bsre = Client(srv)

# --- Unit scope, every front door: the other unit's key cannot sign as the Sekretariat Jenderal official.
before = documents()
# Naming a unit outside the key: 403. Otherwise the official is, to this key, nobody: the same
# answer as an unknown NIK or a wrong passphrase (no NIK oracle), and the guess counts against the key.
r = v1(other, {"nik": nik, "passphrase": sub["passphrase"], "unit": "Sekretariat Jenderal"})
check(r.status == 403 and r.error_code() == "unit_not_allowed", "v1 naming another unit: %d %s" % (r.status, r.body[:200]))
for unit in ("Biro Lain", None):
    opts = {"nik": nik, "passphrase": sub["passphrase"]}
    if unit:
        opts["unit"] = unit
    r = v1(other, opts)
    check(r.status == 401 and r.error_code() == "passphrase_invalid", "v1 unit=%s: %d %s" % (unit, r.status, r.body[:200]))
r = v1(other, {"nik": nik, "passphrase": sub["passphrase"]}, [("file", "a.pdf", pdf), ("file", "b.pdf", pdf)], "/api/v1/sign/batch")
check(r.status in (200, 403) and (r.status == 403 or r.json()["signed"] == 0), "batch refused: %s" % r.body[:300])
r = v1(other, {"nik": nik, "passphrase": sub["passphrase"]}, [("file", "d.bin", b"data")], "/api/v1/sign/cades")
check(r.status in (401, 429) and r.error_code() in ("passphrase_invalid", "too_many_attempts"), "CAdES refused: %s" % r.body[:200])
body, ct = multipart({"nik": nik, "passphrase": sub["passphrase"], "tampilan": "invisible"}, [("file", "s.pdf", pdf)])
r = bsre.request("POST", "/api/sign/pdf", body, ctype=ct, raw=True, headers=basic_of(other_key))
check(r.status == 400 and "Proses signing gagal" in r.json()["error"] and r.body.find(b"%PDF") < 0, "BSrE v1 refused: %s" % r.body[:200])
r = bsre.request("POST", "/api/v2/sign/pdf", {"nik": nik, "passphrase": sub["passphrase"],
                 "signatureProperties": [{"tampilan": "INVISIBLE"}], "file": [base64.b64encode(pdf).decode()]},
                 headers=basic_of(other_key))
check(r.status == 400 and "file" not in r.json(), "BSrE v2 refused: %s" % r.body[:200])
check(documents() == before, "nothing signed by the other unit's key")
# Status look-ups are scoped too: to the other unit's key the official is not registered.
r = bsre.request("GET", "/api/user/status/" + nik, headers=basic_of(other_key))
check(r.status == 200 and r.json()["status"] == "NOT_REGISTERED", "status outside the key's units: %s" % r.body[:200])
r = bsre.request("POST", "/api/v2/user/check/status", {"nik": nik}, headers=basic_of(other_key))
check(r.status == 200 and r.json()["status"] == "NOT_REGISTERED", "v2 status outside the key's units")
r = bsre.request("GET", "/api/user/status/" + nik, headers=basic_of(demo["application"]["api_key"]))
check(r.status == 200 and r.json()["status"] == "ISSUE", "status inside the key's units")

# The right key still signs for its own official (the refusals did not break anything).
r = v1(app, {"nik": nik, "passphrase": sub["passphrase"]})
check(r.status == 200 and "Siti Rahmawati" in pdfsig(r.body), "own unit's application signs: %s" % r.body[:200])

# --- A kept file (BSrE v1) goes back only to the API key that signed it, not to another key of the same name.
twin_key = teken("apikey", "create", "--dir", d, "--name", "Aplikasi Demo (e-Office)", "--units", "Sekretariat Jenderal").stdout.strip()
body, ct = multipart({"nik": nik, "passphrase": sub["passphrase"], "tampilan": "invisible"}, [("file", "s.pdf", pdf)])
r = bsre.request("POST", "/api/sign/pdf", body, ctype=ct, raw=True, headers=basic_of(demo["application"]["api_key"]))
check(r.status == 200 and "id_dokumen" in r.headers, "BSrE v1 sign keeps the file: %d %s" % (r.status, r.body[:200]))
kept = r.headers["id_dokumen"]
r = bsre.request("GET", "/api/sign/download/" + kept, headers=basic_of(twin_key))
check(r.status == 404 and not r.body.startswith(b"%PDF"), "a same-named key gets nothing: %d" % r.status)
r = bsre.request("GET", "/api/sign/download/" + kept, headers=basic_of(demo["application"]["api_key"]))
check(r.status == 200 and r.body.startswith(b"%PDF"), "the signing key downloads it: %d" % r.status)

# --- Seals: never the instance seal; only the seals of the key's units.
before = documents()
for who, opts, code in [(app, {"seal_key": "seal"}, "seal_not_allowed"), (other, {"seal_key": "seal"}, "seal_not_allowed"),
                        (other, {}, "unknown_seal"), (other, {"unit": "Sekretariat Jenderal"}, "unit_not_allowed")]:
    r = v1(who, opts)
    check(r.status in (403, 404) and r.error_code() == code, "seal %s: %d %s" % (opts, r.status, r.body[:200]))
seal_name = count("SELECT substr(key, 6) FROM meta WHERE key LIKE 'cert.seal-%'")
r = v1(other, {"seal_key": seal_name})
check(r.status == 403 and r.error_code() == "seal_not_allowed", "another unit's seal refused: %s" % r.body[:200])
check(documents() == before, "no seal signature by a refused caller")
r = v1(app, {})
out = pdfsig(r.body)
check(r.status == 200 and "Segel Sekretariat Jenderal" in out and "teken Segel Instansi" not in out,
      "the application's default seal is its unit's: " + out)
r = v1(app, {}, [("file", "d.bin", b"data")], "/api/v1/sign/cades")
check(r.status == 200, "CAdES with the unit seal")

# --- Passphrase guessing: the other unit's key never reaches the check, so it cannot count failures.
for _ in range(5):
    v1(other, {"nik": nik, "passphrase": "salah-salah-salah"})
check(count("SELECT failed_attempts FROM subscriber_keys WHERE status = 'active'") == 0,
      "an application of another unit never touches the official's counter")

# Per official: after the free attempts other callers wait (429, Retry-After), even with the right passphrase.
sess = Client(srv)
check(sess.login(sub["user"], sub["password"]).status == 200, "official logs in")
for i in range(2):
    r = v1(app, {"nik": nik, "passphrase": "salah-salah-%d" % i})
    check(r.status == 401 and r.error_code() == "passphrase_invalid", "wrong passphrase %d: %s" % (i, r.body[:200]))
r = v1(app, {"nik": nik, "passphrase": sub["passphrase"]})
check(r.status == 429 and r.error_code() == "too_many_attempts", "the guessing caller waits: %d %s" % (r.status, r.body[:200]))
check(0 < int(r.headers.get("retry-after", "0")) <= 30, "Retry-After says the real wait: %r" % r.headers.get("retry-after"))
check(count("SELECT COUNT(*) FROM subscriber_keys WHERE status = 'locked'") == 0, "no key is locked")
check(count("SELECT COUNT(*) FROM outbox") >= 1, "the official is mailed about the failures")
# A Verifikator-approved unlock request ends the delay.
r = sess.request("POST", "/api/v1/unlock-requests", {})
check(r.status == 202, "unlock request filed: %s" % r.body[:200])
req = r.json()["request_id"]
ver = Client(srv)
ver.login(demo["verifikators"][0]["user"], demo["verifikators"][0]["password"])
r = ver.request("POST", "/api/v1/requests/%d/approve" % req, {})
check(r.status == 200, "Verifikator approves the unlock: %s" % r.body[:200])
r = v1(app, {"nik": nik, "passphrase": sub["passphrase"]})
check(r.status == 200, "the application signs again after the unlock: %s" % r.body[:200])
r = ver.request("POST", "/api/v1/unlock-requests", {"user": "nobody-here"})
check(r.status in (403, 404, 409), "unlock for an unknown user refused")
# Nobody can lock the official out: after others' wrong guesses the official's own session still signs.
third_key = teken("apikey", "create", "--dir", d, "--name", "Aplikasi Ketiga", "--units", "Sekretariat Jenderal").stdout.strip()
third = Client(srv)
third.bearer = third_key
for i in range(3):
    v1(third, {"nik": nik, "passphrase": "tebak-lagi-%d" % i})
check(v1(third, {"nik": nik, "passphrase": sub["passphrase"]}).status == 429, "the other caller is delayed")
r = v1(sess, {"passphrase": sub["passphrase"]})
check(r.status == 200, "the official's own session is not locked out by others' guesses: %s" % r.body[:200])

# Per caller: one application guessing across officials is slowed (4 free here), whoever it tries;
# a legitimate signature in between does not wipe its count.
fourth = Client(srv)
fourth.bearer = teken("apikey", "create", "--dir", d, "--name", "Aplikasi Keempat", "--units", "Sekretariat Jenderal").stdout.strip()
for i in range(2):
    r = v1(fourth, {"nik": "3174015708859999", "passphrase": "tebak-tebak-%d" % i})
    check(r.status == 401 and r.error_code() == "passphrase_invalid", "unknown NIK answers like a wrong passphrase (%d)" % i)
check(v1(fourth, {"nik": nik, "passphrase": sub["passphrase"]}).status == 200, "a right one in between")
for i in range(2):
    r = v1(fourth, {"nik": "3174015708859998", "passphrase": "tebak-lagi-%d" % i})
    check(r.status == 401, "more guesses (%d)" % i)
r = v1(fourth, {"nik": nik, "passphrase": sub["passphrase"]})
check(r.status == 429 and r.error_code() == "too_many_attempts", "the guessing application waits: %s" % r.body[:200])
r = v1(sess, {"passphrase": sub["passphrase"]})
check(r.status == 200, "the official is not slowed by the application's guesses")

check(srv.stop() == 0, "server stops cleanly")
check("intact" in teken("audit", "verify", "--dir", d).stdout, "audit intact")
finish("test_authz_sign.py")
