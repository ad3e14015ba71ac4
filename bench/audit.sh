#!/usr/bin/env bash
# Audit browser speed on a large log (asserts nothing; docs/audit-browser.md
# "Performance"): appends EVENTS events (default 1,000,000; one every 30 s,
# 500 actors, 20,000 objects) with a valid hash chain made in Python to a
# fresh SQLite instance (or, with STORE=postgres://..., to that empty
# database), then times `teken audit search` pages of 500 rows for typical
# filters, a CSV export and the first page with the whole-chain status.
set -euo pipefail
cd "$(dirname "$0")/.."
TEKEN=${TEKEN_BIN:-build/teken}
EVENTS=${EVENTS:-1000000}
STORE=${STORE:-}
[ -x "$TEKEN" ] || { echo "bench/audit: build first (make build)" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/teken-bench-audit.XXXXXX")
trap 'rm -rf "$W"' EXIT

"$TEKEN" init --dir "$W/inst" --demo --key-alg ec-p256 ${STORE:+--store "$STORE"} >/dev/null
EVENTS=$EVENTS DB="$W/inst/teken.db" STORE="$STORE" OUT="$W/rows.tsv" python3 - <<'PY'
import hashlib, os, sqlite3, struct, subprocess
n, store, base = int(os.environ["EVENTS"]), os.environ["STORE"], 1700000000
acts = ["cert.issue", "document.sign", "auth.login", "auth.login_failed", "pii.read", "request.approve", "document.verify"]
def f(b):
    b = b.encode()
    return struct.pack(">I", len(b)) + b
if store:
    seq, prev = subprocess.run(["psql", "-X", "-tA", "-F", "|", store, "-c", "SELECT seq, hash FROM audit_head"],
                               capture_output=True, text=True, check=True).stdout.strip().split("|")
else:
    con = sqlite3.connect(os.environ["DB"])
    seq, prev = con.execute("SELECT seq, hash FROM audit_head").fetchone()
seq = int(seq)
def rows():
    global seq, prev
    for i in range(n):
        seq += 1
        r = (str(seq), str(base + i * 30), "user%d" % (i % 500), "subscriber", acts[i % 7], "obj%d" % (i % 20000), "10.0.0.1", "{}")
        h = hashlib.sha256(f("teken-audit-v1") + f(prev) + b"".join(f(x) for x in r)).hexdigest()
        yield r + (prev, h)
        prev = h
if store:
    with open(os.environ["OUT"], "w") as out:
        for r in rows():
            out.write("\t".join(r) + "\n")
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", store,
                    "-c", "\\copy audit (seq, ts, actor, role, action, object, ip, details, prev_hash, hash) FROM '%s'" % os.environ["OUT"],
                    "-c", "UPDATE audit_head SET seq = %d, hash = '%s'" % (seq, prev), "-c", "ANALYZE audit"], check=True)
else:
    con.executemany("INSERT INTO audit (seq, ts, actor, role, action, object, ip, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    ((int(r[0]), int(r[1])) + r[2:] for r in rows()))
    con.execute("UPDATE audit_head SET seq = ?, hash = ?", (seq, prev))
    con.commit()
PY
END=$((1700000000 + EVENTS * 30))
t() { local what=$1; shift; local s e; s=$(date +%s.%N); "$TEKEN" audit search --dir "$W/inst" "$@" >/dev/null; e=$(date +%s.%N)
      printf '%-58s %6.2f s\n' "$what" "$(echo "$e - $s" | bc)"; }
echo "audit search on $EVENTS events (${STORE:+PostgreSQL}${STORE:-SQLite}), pages of 500 rows with link checks:"
t "one day" --chain no --limit 500 --from 1700000000 --to 1700086400
t "the whole range" --chain no --limit 500 --from 1700000000 --to "$END"
t "the oldest month (end of the key walk)" --chain no --limit 500 --from 1700000000 --to 1702592000
t "--actor user7" --chain no --limit 500 --actor user7
t "--object obj77" --chain no --limit 500 --object obj77
t "--action cert.*" --chain no --limit 500 --action 'cert.*'
t "--outcome failed" --chain no --limit 500 --outcome failed
t "continuation page in the whole range (--cursor)" --chain no --limit 500 --from 1700000000 --to "$END" --cursor $((EVENTS / 2))
t "CSV of the oldest month" --from 1700000000 --to 1702592000 --format csv -o "$W/month.csv"
t "first page with the whole-chain status" --limit 50
