#!/usr/bin/env bash
# Usage report benchmark (issue 11, docs/reports.md). Prints figures and ratios; asserts nothing.
#   A year with 1M signed documents, 50k certificates (officials in 40 units,
#   renewals, revocations, suspensions in the audit log), 20k Verifikator
#   decisions and a year of request counters, written straight into a fresh
#   instance's SQLite store; then `teken report usage` in JSON and XLSX, time
#   and peak RSS, beside the floor: the sqlite3 shell running the report's
#   biggest query (the documents GROUP BY) alone on the same store.
# Targets (issue 11): the JSON report under 10 s and under 200 MB RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
T=${TEKEN_BIN:-build/teken}
DOCS=${DOCS:-1000000}
CERTS=${CERTS:-50000}
YEAR=${YEAR:-2025}
W=$(mktemp -d /tmp/teken-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

"$T" init --dir "$W/i" --key-alg ec-p256 >/dev/null
DB="$W/i/teken.db"
START=$(date -u -d "$YEAR-01-01T00:00:00+07:00" +%s)
ca=$(sqlite3 "$DB" "SELECT id FROM cas WHERE name='issuing'")
echo "== filling the store: $DOCS documents, $CERTS certificates (year $YEAR)"
fill_start=$(date +%s.%N)
sqlite3 "$DB" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $CERTS)
INSERT INTO subscribers (id, full_name, unit, position, created_at)
  SELECT i + 1000, 'Pejabat ' || i, 'Unit ' || (i % 40), 'Staf', $START FROM n WHERE i % 5 <> 0;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $CERTS)
INSERT INTO certs (serial, ca_id, profile, subject, not_before, not_after, der, status, revoked_at, reason, subscriber_id, created_at)
  SELECT printf('%040x', i + 4611686018427387904), $ca, 'individual', 'CN=bench', $START + i * 600, $START + i * 600 + 63072000, x'00',
         CASE WHEN i % 17 = 0 THEN 'revoked' ELSE 'valid' END, CASE WHEN i % 17 = 0 THEN $START + i * 610 END,
         CASE WHEN i % 17 = 0 THEN i % 6 END,
         CASE WHEN i % 5 = 0 THEN i + 999 ELSE i + 1000 END, $START + (i * 600) % 31000000 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $CERTS / 50)
INSERT INTO audit (seq, ts, actor, role, action, object, ip, details, prev_hash, hash)
  SELECT 1000000 + i, $START + i * 9000, 'v', 'verifikator', 'cert.hold', printf('%040x', i * 50 + 4611686018427387904), '-', '{}', '', '' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO requests (id, kind, subscriber_id, submitted_by, status, required_approvals, payload, created_at, decided_at)
  SELECT 1000 + i, 'issue', 1000 + (i % ($CERTS - 1)) + 1, 'v0', 'approved', 1, '{}', $START + i * 1500, $START + i * 1500 + 3600 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO approvals (request_id, verifikator, decision, at)
  SELECT 1000 + i, 'v' || (1 + i % 6), CASE WHEN i % 9 = 0 THEN 'reject' ELSE 'approve' END, $START + i * 1500 + (i % 97) * 60 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $DOCS)
INSERT INTO documents (id, sha256, size, pages, kind, level, signer, cert_serial, subscriber_id, application, unit, signed_by, signed_at, visible, channel)
  SELECT printf('bench%021d', i), 'x', 1000, 1, CASE WHEN i % 10 = 0 THEN 'cades' ELSE 'pades' END,
         CASE i % 4 WHEN 0 THEN 'PAdES-BASELINE-B' WHEN 1 THEN 'PAdES-BASELINE-T' WHEN 2 THEN 'PAdES-BASELINE-LT' ELSE 'PAdES-BASELINE-LTA' END,
         'Pejabat', 'x', CASE WHEN i % 7 = 0 THEN NULL ELSE 1000 + i % $CERTS END,
         CASE WHEN i % 3 = 0 THEN 'Aplikasi ' || (i % 12) END, 'Unit ' || (i % 40), 'bench', $START + (i * 31) % 31536000, i % 2,
         CASE WHEN i % 3 = 0 THEN 'api' ELSE 'web' END FROM n;
WITH RECURSIVE d(day) AS (SELECT ($START + 25200) / 86400 UNION ALL SELECT day + 1 FROM d WHERE day < ($START + 25200) / 86400 + 364)
INSERT INTO usage_counters (day, metric, detail, unit, application, n)
  SELECT day, m.metric, m.detail, '', '', 1000 + day % 100 FROM d,
    (SELECT 'ocsp' AS metric, '' AS detail UNION ALL SELECT 'tsa', '' UNION ALL SELECT 'crl', '' UNION ALL SELECT 'verify', 'web'
     UNION ALL SELECT 'verify', 'api' UNION ALL SELECT 'verify', 'bsre' UNION ALL SELECT 'sign_failed', 'passphrase_invalid') m;
COMMIT;
ANALYZE;
SQL
printf 'filled in %.1f s; store %s MB\n' "$(echo "$(date +%s.%N) - $fill_start" | bc -l)" "$(( $(stat -c %s "$DB") / 1048576 ))"

floor_q="SELECT (signed_at + 25200) / 86400, kind, level, visible, subscriber_id IS NULL, COALESCE(unit, ''), COALESCE(application, ''), COUNT(*)
  FROM documents WHERE signed_at >= $START AND signed_at < $START + 31536000 GROUP BY 1, 2, 3, 4, 5, 6, 7;"
for run in 1 2; do
  echo "== run $run"
  /usr/bin/time -f "%e %M" -o "$W/floor" sqlite3 "$DB" "$floor_q" >/dev/null
  /usr/bin/time -f "%e %M" -o "$W/json" "$T" report usage --dir "$W/i" --year "$YEAR" -o "$W/r.json"
  /usr/bin/time -f "%e %M" -o "$W/xlsx" "$T" report usage --dir "$W/i" --year "$YEAR" --format xlsx -o "$W/r.xlsx"
  read -r fs fm <"$W/floor"; read -r js jm <"$W/json"; read -r xs xm <"$W/xlsx"
  printf 'sqlite3 shell, documents GROUP BY alone (floor): %6.2f s %7.1f MB\n' "$fs" "$(echo "$fm / 1024" | bc -l)"
  printf 'teken report usage JSON (whole report):          %6.2f s %7.1f MB   (target < 10 s, < 200 MB)\n' "$js" "$(echo "$jm / 1024" | bc -l)"
  printf 'teken report usage XLSX:                          %6.2f s %7.1f MB\n' "$xs" "$(echo "$xm / 1024" | bc -l)"
  printf 'ratio teken JSON / sqlite3 floor: %.2f\n' "$(echo "$js / $fs" | bc -l)"
done
python3 - "$W/r.json" "$DOCS" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("report totals: documents_signed=%d certificates_issued=%d revoked=%d suspended=%d verifications=%d" % (
    r["totals"]["documents_signed"], r["totals"]["certificates_issued"], r["totals"]["certificates_revoked"],
    r["totals"]["certificates_suspended"], r["totals"]["verifications"]))
print("documents counted == documents written: %s" % (r["totals"]["documents_signed"] == int(sys.argv[2])))
PY
