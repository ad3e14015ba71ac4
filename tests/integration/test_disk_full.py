#!/usr/bin/env python3
"""A full disk: clear errors, no corrupt store, recovery once space returns.

The instance lives on a small tmpfs (size-limited) mounted in a user and
mount namespace (`unshare -rm`: no root needed; the mount disappears with
the namespace). A real `teken serve` signs a few documents, then a filler
file takes every free byte and signing goes on until the store cannot
grow. Then:
  - every refused request is HTTP 507 with the JSON code storage_full (not a
    generic 500/503), the server stays up and answers /healthz;
  - no partial file is left in the instance directory;
  - PRAGMA integrity_check is ok and `teken audit verify` passes while full;
  - no registry row or audit event exists for a refused request;
  - the filler removed, signing works again in the same server process;
  - full again, the server stops cleanly and a new one either starts (and
    refuses writes with 507) or exits at once with one clear line; with
    space back it starts and signs; the store is intact at the end.
If `unshare -rm` or the tmpfs mount does not work here, the test FAILS.
"""
import errno
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))
FS_SIZE = "8m"

if os.environ.get("TEKEN_DISKFULL_NS") != "1":
    # Outside the namespace: prove it can be made, then run this file again inside it.
    if shutil.which("unshare") is None:
        sys.exit("FAIL: test_disk_full: unshare (util-linux) is missing; the full-disk test needs `unshare -rm`")
    probe = tempfile.mkdtemp(prefix="teken-test.")
    try:
        p = subprocess.run(["unshare", "-rm", "sh", "-c", 'mount -t tmpfs -o size=1m tmpfs "$1" && umount "$1"', "sh", probe],
                           capture_output=True, text=True)
    finally:
        shutil.rmtree(probe, True)
    if p.returncode != 0:
        sys.exit("FAIL: test_disk_full: `unshare -rm` with a tmpfs mount does not work here (user namespaces disabled? "
                 "kernel.unprivileged_userns_clone, a container without CAP_SYS_ADMIN or seccomp): %s" % p.stderr.strip())
    sys.stdout.flush()
    os.execvp("unshare", ["unshare", "-rm", "env", "TEKEN_DISKFULL_NS=1", sys.executable, os.path.abspath(__file__)])

sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, teken, tmpdir  # noqa: E402

SRC = os.environ.get("TEKEN_SRC", os.path.join(HERE, "..", ".."))
T = tmpdir()
fs = os.path.join(T, "fs")
os.mkdir(fs)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + FS_SIZE + ",mode=0755", "tmpfs", fs], check=True)
d = os.path.join(fs, "inst")
db = os.path.join(d, "teken.db")
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256")
demo = json.load(open(os.path.join(d, "demo.json")))
# Start with an empty WAL, so the store needs new blocks soon after the disk is full
# (SQLite reuses a WAL file's blocks from its start once they are checkpointed).
con = sqlite3.connect(db)
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
con.close()
srv = Server(d)
app = Client(srv)
app.bearer = demo["application"]["api_key"]
pdf = open(os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf"), "rb").read()
acked = []  # (document id, sha256 of the bytes received)


def sign():
    body, ct = multipart({"options": "{}"}, [("file", "surat.pdf", pdf)])
    r = app.request("POST", "/api/v1/sign/pdf", body, ctype=ct, raw=True)
    if r.status == 200:
        check(r.headers.get("content-type") == "application/pdf" and r.body.startswith(pdf), "a 200 is a signed PDF")
        acked.append((r.headers["x-document-id"], hashlib.sha256(r.body).hexdigest()))
    return r


REFUSED = [0]


def storage_full(r, what):
    REFUSED[0] += 1
    check(r.status == 507 and r.headers.get("content-type", "").startswith("application/json") and r.error_code() == "storage_full",
          "%s: 507 storage_full, got %d %s" % (what, r.status, r.body[:300]))
    msg = r.json()["error"]["message"]
    check("storage is full" in msg and "/" not in msg and "sqlite" not in msg.lower(), "the message says why and nothing of our insides: " + msg)


def instance_files():
    out = set()
    for root, _, files in os.walk(fs):
        out |= {os.path.relpath(os.path.join(root, f), fs) for f in files}
    return out


for i in range(3):
    r = sign()
    check(r.status == 200, "signing with free space: %d %s" % (r.status, r.body[:200]))

filler = os.path.join(fs, "filler")


def fill():
    """Takes every free byte of the file system."""
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    for chunk in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
        while True:
            try:
                os.write(fd, b"\0" * chunk)
            except OSError as e:
                check(e.errno == errno.ENOSPC, "the filler stops at ENOSPC: %s" % e)
                break
    os.close(fd)
    st = os.statvfs(fs)
    check(st.f_bavail * st.f_frsize < 4096, "the file system is full (%d bytes free)" % (st.f_bavail * st.f_frsize))


fill()
files_full = instance_files()

# Sign until the store cannot grow (a few may still fit in pages the database already holds).
refused = 0
for i in range(400):
    r = sign()
    if r.status != 200:
        storage_full(r, "signing on a full disk (after %d more signed)" % (len(acked) - 3))
        refused += 1
        break
check(refused == 1, "the store ran out of space within 400 signings (%d signed)" % len(acked))
n_acked_full = len(acked)
for i in range(3):
    storage_full(sign(), "signing again on a full disk")
# Other writes fail the same way: an issuance request (renewal) and a login (a new session).
sub = Client(srv)
r = sub.login(demo["subscriber"]["user"], demo["subscriber"]["password"])
if r.status == 200:  # the session row fitted; the renewal needs more
    r = sub.request("POST", "/api/v1/me/renew", {"passphrase": demo["subscriber"]["passphrase"]})
storage_full(r, "login or renewal on a full disk")
check(srv.proc.poll() is None, "the server is still running")
r = app.request("GET", "/healthz")
# Liveness: the store is readable and the keys usable, so the process is healthy (a full disk
# is not cured by restarting it); the refusals above say what is wrong.
check(r.status == 200 and r.json().get("status") == "ok", "/healthz answers on a full disk: %d %s" % (r.status, r.body[:200]))
r = app.request("GET", "/api/v1/documents/" + acked[0][0])
check(r.status == 200, "reads still work on a full disk: %d %s" % (r.status, r.body[:200]))
left = {f for f in instance_files() - files_full if not f.endswith(("-wal", "-shm", "-journal"))}
check(not left, "no partial files left: %s" % sorted(left))
check(not [f for f in instance_files() if ".tmp" in f], "no temporary files: %s" % sorted(instance_files()))

con = sqlite3.connect(db, timeout=30)
check(con.execute("PRAGMA integrity_check").fetchall() == [("ok",)], "integrity_check ok while full")
docs = dict(con.execute("SELECT id, sha256 FROM documents").fetchall())
events = {o for (o,) in con.execute("SELECT object FROM audit WHERE action = 'document.sign'").fetchall()}
con.close()
check(all(docs.get(i) == h for i, h in acked), "every acknowledged signing is in the registry")
check(len(docs) == n_acked_full and len(events) == n_acked_full,
      "no registry row or audit event for a refused request: %d rows, %d events, %d acknowledged" % (len(docs), len(events), n_acked_full))
p = teken("audit", "verify", "--dir", d, check_rc=False)
check(p.returncode == 0, "teken audit verify while full: %s %s" % (p.stdout[-300:], p.stderr[-300:]))

# Space returns: the same process signs again.
os.unlink(filler)
pid = srv.proc.pid
for i in range(3):
    r = sign()
    check(r.status == 200, "signing after space returned: %d %s" % (r.status, r.body[:200]))
check(srv.proc.pid == pid and srv.proc.poll() is None, "no restart was needed")
r = sub.login(demo["subscriber"]["user"], demo["subscriber"]["password"])
check(r.status == 200, "login after space returned")
r = sub.request("POST", "/api/v1/me/renew", {"passphrase": demo["subscriber"]["passphrase"]})
check(r.status == 202, "a renewal request after space returned: %d %s" % (r.status, r.body[:200]))

# A restart on a full disk (an operator's first reflex): the server stops cleanly, and the new
# process either comes up or exits at once with one clear line (SQLite must create its WAL
# and shared-memory files when none are left over); never a crash, a hang or a damaged store.
fill()
check(srv.stop() == 0, "the server stops cleanly on a full disk")
p = subprocess.Popen([os.environ["TEKEN_BIN"], "serve", "--dir", d, "--listen", "127.0.0.1:0"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
line = p.stdout.readline()
if "listening on" in line:
    app2 = Client(types.SimpleNamespace(port=int(line.rsplit(":", 1)[1])))
    app2.bearer = demo["application"]["api_key"]
    body, ct = multipart({"options": "{}"}, [("file", "surat.pdf", pdf)])
    r = app2.request("POST", "/api/v1/sign/pdf", body, ctype=ct, raw=True)
    storage_full(r, "signing after a restart on a full disk")
    p.send_signal(signal.SIGTERM)
    check(p.wait(60) == 0, "the restarted server stops cleanly")
    restart = "came up and refused writes with 507"
else:
    err = p.stderr.read()
    rc = p.wait(60)
    check(rc != 0 and len(err.strip().splitlines()) == 1 and "no space left" in err and rc < 128,
          "a start on a full disk exits with one clear line, no crash: rc %d %r" % (rc, err))
    restart = "refused to start: " + err.strip()
p.stdout.close()
p.stderr.close()
os.unlink(filler)
srv = Server(d)
app = Client(srv)
app.bearer = demo["application"]["api_key"]
r = sign()
check(r.status == 200, "signing after a restart with space again: %d %s" % (r.status, r.body[:200]))
check(srv.stop() == 0, "the server stops cleanly")
con = sqlite3.connect(db)
check(con.execute("PRAGMA integrity_check").fetchall() == [("ok",)], "integrity_check ok at the end")
docs = dict(con.execute("SELECT id, sha256 FROM documents").fetchall())
con.close()
check(len(docs) == len(acked) and all(docs.get(i) == h for i, h in acked), "registry = acknowledged signings")
p = teken("audit", "verify", "--dir", d, check_rc=False)
check(p.returncode == 0, "teken audit verify at the end: %s %s" % (p.stdout[-300:], p.stderr[-300:]))
subprocess.run(["umount", fs], check=False)
print("disk full: %d signed before the store was full, %d refused with 507 storage_full, recovered without restart; "
      "a restart while full %s" % (n_acked_full, REFUSED[0], restart))
finish("full disk")
