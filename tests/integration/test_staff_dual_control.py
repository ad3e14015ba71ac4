#!/usr/bin/env python3
"""Dual control of staff accounts (R9, PKS art. 4(1)l) against a real `teken serve`.

One admin alone cannot create, reactivate or promote an admin or Verifikator:
the change waits as an account request until a second, different admin
approves it; the filer cannot approve; refused paths leave the users table
as it was; approvals and rejections are in the audit log, passwords never.
Also: a flood of failed logins does not hold the write lock (see the oracle
note at the flood below).
"""
import json
import os
import sqlite3
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, teken, tmpdir  # noqa: E402

T = tmpdir()
d = os.path.join(T, "inst")
db = os.path.join(d, "teken.db")
teken("init", "--dir", d, "--key-alg", "ec-p256")
# A production instance makes people change a password an admin chose at their first login
# (test_account.py covers it, approved staff accounts included); this test is about dual control.
with open(os.path.join(d, "teken.conf")) as f:
    check("password_change_first_login = yes" in f.read(), "teken init (production) turns the forced password change on")
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[auth]\npassword_change_first_login = no\n")
PW = {"alice": "alice-password-1", "bob": "bob-password-12", "carol": "carol-password-1",
      "vera": "vera-password-12", "sam": "sam-password-123", "dave": "dave-password-12"}


def pwfile(user):
    p = os.path.join(T, user + ".pw")
    with open(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(PW[user] + "\n")
    return p


def users():
    con = sqlite3.connect(db)
    out = con.execute("SELECT username, role, active, pw_hash FROM users ORDER BY id").fetchall()
    con.close()
    return out


def audit(obj):
    con = sqlite3.connect(db)
    out = con.execute("SELECT actor, action, details FROM audit WHERE object = ? ORDER BY seq", (obj,)).fetchall()
    con.close()
    return out


# First-run bootstrap: with fewer than two active admins the operator adds admins at once.
p = teken("user", "add", "--dir", d, "--user", "alice", "--role", "admin", "--password-file", pwfile("alice"))
check(p.stdout.startswith("created user alice"), "bootstrap: first admin at once: %s" % p.stdout)
p = teken("user", "add", "--dir", d, "--user", "bob", "--role", "admin", "--password-file", pwfile("bob"))
check(p.stdout.startswith("created user bob"), "bootstrap: second admin at once: %s" % p.stdout)
check(any(a[1] == "user.create" and '"bootstrap":true' in a[2] for a in audit("bob")), "bootstrap creation audited as such")
# From two admins on, the operator's staff account is a request too (its id printed).
before = users()
p = teken("user", "add", "--dir", d, "--user", "carol", "--role", "admin", "--password-file", pwfile("carol"))
check("account request" in p.stdout and "teken user approve --id" in p.stdout, "operator files a request: %s" % p.stdout)
carol_req = int(p.stdout.split("account request ", 1)[1].split()[0])
check(users() == before, "operator's request created no user")

srv = Server(d, threads=4)
alice, bob = Client(srv), Client(srv)
check(alice.login("alice", PW["alice"]).status == 200, "alice logs in")
check(bob.login("bob", PW["bob"]).status == 200, "bob logs in")

# Admin A files a Verifikator account: 202 with a request id; the account does not exist yet.
before = users()
r = alice.request("POST", "/api/v1/users", {"user": "vera", "password": PW["vera"], "role": "verifikator", "display_name": "Vera"})
check(r.status == 202 and isinstance(r.json().get("request_id"), int), "staff account is a request: %d %s" % (r.status, r.body))
vera_req = r.json()["request_id"]
check(users() == before, "filing created no user")
check(Client(srv).login("vera", PW["vera"]).status == 401, "the requested Verifikator cannot log in")

# A cannot approve its own request; nothing changes.
r = alice.request("POST", "/api/v1/account-requests/%d/approve" % vera_req)
check(r.status in (403, 409) and r.error_code() == "self_approval", "filer cannot approve: %d %s" % (r.status, r.body))
check(users() == before, "refused self-approval changed nothing")
lst = alice.request("GET", "/api/v1/account-requests?status=pending")
check(lst.status == 200, "list account requests")
row = [x for x in lst.json() if x["id"] == vera_req]
check(row and row[0]["approvals"] == 1 and row[0]["required_approvals"] == 2 and row[0]["filed_by"] == "alice",
      "pending with the filer's approval: %r" % row)
check(b"pw_hash" not in lst.body and b"argon2" not in lst.body and PW["vera"].encode() not in lst.body,
      "the list shows no password or hash")
check(alice.request("GET", "/api/v1/account-requests?status=bogus").error_code() == "invalid_status", "bad status filter")

# Admin B approves: the account exists and logs in with the password A set.
r = bob.request("POST", "/api/v1/account-requests/%d/approve" % vera_req)
check(r.status == 200 and r.json()["status"] == "approved", "second admin approves: %s" % r.body)
vera = Client(srv)
r = vera.login("vera", PW["vera"])
check(r.status == 200 and r.json()["role"] == "verifikator", "the Verifikator logs in with the filer's password")
check(bob.request("POST", "/api/v1/account-requests/%d/approve" % vera_req).error_code() == "request_closed", "decided once")
check(vera.request("GET", "/api/v1/account-requests").status == 403, "a Verifikator does not see account requests")
check(vera.request("POST", "/api/v1/account-requests/%d/approve" % carol_req).status == 403, "a Verifikator cannot approve")

# Audit: filing, both approvals and the creation; never the password or its hash.
ev = audit("vera")
acts = [(a[0], a[1]) for a in ev]
check(("alice", "user.request") in acts and ("bob", "user.request_approve") in acts and ("bob", "user.create") in acts,
      "audit shows the filer, the approver and the creation: %r" % acts)
con = sqlite3.connect(db)
alltext = " ".join(str(x) for row in con.execute("SELECT actor, action, object, details FROM audit") for x in row)
con.close()
check(all(pw not in alltext for pw in PW.values()) and "$argon2" not in alltext, "no password or hash in the audit log")

# Reactivation of a deactivated Verifikator likewise.
check(alice.request("POST", "/api/v1/users/vera/deactivate").status == 200, "deactivation needs one admin")
check(Client(srv).login("vera", PW["vera"]).status == 401, "deactivated Verifikator cannot log in")
before = users()
r = alice.request("POST", "/api/v1/users/vera/activate")
check(r.status == 202, "reactivation is a request: %d %s" % (r.status, r.body))
react_req = r.json()["request_id"]
check(Client(srv).login("vera", PW["vera"]).status == 401, "still inactive while pending")
check(alice.request("POST", "/api/v1/account-requests/%d/approve" % react_req).error_code() == "self_approval", "filer cannot approve reactivation")
check(users() == before, "pending and refused reactivation changed nothing")
check(bob.request("POST", "/api/v1/account-requests/%d/approve" % react_req).json()["status"] == "approved", "second admin reactivates")
check(Client(srv).login("vera", PW["vera"]).status == 200, "reactivated Verifikator logs in")
check(("bob", "user.activate") in [(a[0], a[1]) for a in audit("vera")], "reactivation audited")

# Role change to verifikator: a request; a rejection needs a reason and changes nothing.
r = alice.request("POST", "/api/v1/users", {"user": "sam", "password": PW["sam"], "role": "subscriber", "display_name": "Sam"})
check(r.status == 201, "a subscriber is one admin's decision: %s" % r.body)
r = alice.request("POST", "/api/v1/users", {"user": "audra", "password": "audra-password-1", "role": "auditor", "display_name": "Audra"})
check(r.status == 201, "an auditor (the issuer's outside reviewer) is one admin's decision: %s" % r.body)
before = users()
r = alice.request("POST", "/api/v1/users/sam/role", {"role": "verifikator"})
check(r.status == 202, "promotion to verifikator is a request: %d %s" % (r.status, r.body))
role_req = r.json()["request_id"]
check(bob.request("POST", "/api/v1/account-requests/%d/reject" % role_req).error_code() == "reason_required", "rejection needs a reason")
r = bob.request("POST", "/api/v1/account-requests/%d/reject" % role_req, {"reason": "no appointment decree"})
check(r.status == 200 and r.json()["status"] == "rejected", "second admin rejects: %s" % r.body)
check(users() == before, "rejected promotion changed nothing")
check(("bob", "user.request_reject") in [(a[0], a[1]) for a in audit("sam")], "rejection audited")
check(alice.request("POST", "/api/v1/users/alice/role", {"role": "auditor"}).error_code() == "self_role_change", "no own role change")

# The operator's request: approved on the console by two admins, each with their own password.
p = teken("user", "approve", "--dir", d, "--id", str(carol_req), "--as", "vera", "--password-file", pwfile("vera"), check_rc=False)
check(p.returncode != 0 and "admin" in p.stderr, "a Verifikator cannot approve on the console: %s" % p.stderr)
p = teken("user", "approve", "--dir", d, "--id", str(carol_req), "--as", "alice", "--password-file", pwfile("alice"))
check(json.loads(p.stdout)["status"] == "pending", "operator-filed: the first admin's approval is not enough")
check(Client(srv).login("carol", PW["carol"]).status == 401, "carol not yet an account")
p = teken("user", "approve", "--dir", d, "--id", str(carol_req), "--as", "bob", "--password-file", pwfile("bob"))
check(json.loads(p.stdout)["status"] == "approved", "second admin completes the operator's request")
check(Client(srv).login("carol", PW["carol"]).status == 200, "carol logs in")

# A flood of failed logins with made-up names next to a write. The oracle that
# the write lock is free while Argon2id runs is structural and lives in
# tests/unit/test_auth.c (argon2id_verify interposed: at the moment of
# verification it asserts no transaction is open and takes the write lock from
# a second connection). Here the end-to-end view, without a wall-clock bound
# (this machine is shared; an HTTP request also queues for a server thread):
# while 30 failing logins run concurrently, a sampler outside the server tries
# to take SQLite's write lock every few milliseconds without waiting. Logins
# that verified inside their write transaction held the lock for the whole
# flood (they queue on it, each for one Argon2id); now each holds it only for
# its short bookkeeping transaction. A write (an API key) also completes.
results, samples, stop = [], [], threading.Event()


def flood(i):
    results.append(Client(srv).login("flood-%s" % uuid.uuid4().hex[:12], "wrong-password-%d" % i).status)


def sampler():
    con = sqlite3.connect(db, timeout=0, isolation_level=None)
    while not stop.is_set():
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
            samples.append(0)
        except sqlite3.OperationalError:
            samples.append(1)
        time.sleep(0.003)
    con.close()


srv.stop()
srv = Server(d, threads=8)
alice = Client(srv)
check(alice.login("alice", PW["alice"]).status == 200, "alice logs in again")
ts = [threading.Thread(target=flood, args=(i,)) for i in range(30)]
smp = threading.Thread(target=sampler)
smp.start()
[t.start() for t in ts]
r = alice.request("POST", "/api/v1/apikeys", {"name": "During the flood", "units": "Biro Umum"})
[t.join() for t in ts]
stop.set()
smp.join()
held = sum(samples) / max(len(samples), 1)
print("login flood: write lock held in %.0f%% of %d samples" % (100 * held, len(samples)))
check(len(samples) >= 20 and held < 0.5, "write lock mostly free during the flood: held in %.0f%% of %d samples" % (100 * held, len(samples)))
check(r.status == 201, "a write during a login flood completes: %d %s" % (r.status, r.body[:100]))
check(results == [401] * 30, "every flood login refused: %r" % results)
con = sqlite3.connect(db)
n = con.execute("SELECT COUNT(*) FROM login_failures WHERE username LIKE 'flood-%' AND last_failure_at > 0").fetchone()[0]
con.close()
check(n == 30, "every failure recorded with its time (%d)" % n)
check(srv.stop() == 0, "server stops")

# N-of-M: with [auth] staff_approvals = 3 the filer and two more admins.
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[auth]\nstaff_approvals = 3\n")
srv = Server(d)
alice, bob, carol = Client(srv), Client(srv), Client(srv)
for c, u in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
    check(c.login(u, PW[u]).status == 200, "%s logs in" % u)
r = alice.request("POST", "/api/v1/users", {"user": "dave", "password": PW["dave"], "role": "admin", "display_name": "Dave"})
check(r.status == 202, "admin account is a request: %s" % r.body)
dave_req = r.json()["request_id"]
check(bob.request("POST", "/api/v1/account-requests/%d/approve" % dave_req).json()["status"] == "pending", "2 of 3: still pending")
check(Client(srv).login("dave", PW["dave"]).status == 401, "dave not yet an account")
r = carol.request("POST", "/api/v1/account-requests/%d/approve" % dave_req)
check(r.json()["status"] == "approved" and r.json()["approvals"] == 3, "3 of 3: approved: %s" % r.body)
check(Client(srv).login("dave", PW["dave"]).status == 200, "dave logs in")
check(srv.stop() == 0, "server stops")
check("intact" in teken("audit", "verify", "--dir", d).stdout, "audit chain intact")
finish("test_staff_dual_control.py")
