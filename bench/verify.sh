#!/usr/bin/env bash
# Verification speed, printed side by side (asserts nothing):
#   teken verify, one process per file      vs  pdfsig, one process per file
#   teken verify --repeat N (in-process loop, the engine alone)
# on the same 1-page single-signature PDFs, half signed by teken (PAdES B-B,
# ECDSA P-256) and half by pdfsig/NSS (adbe.pkcs7.detached, RSA-2048).
# Both verifiers check the chain to a trusted root and revocation by CRL.
# Targets (issue 7): >= 3x pdfsig per process, >= 500 documents/s in-process.
set -euo pipefail
cd "$(dirname "$0")/.."
TEKEN=${TEKEN_BIN:-build/teken}
SLIM=${TEKEN_VERIFY_BIN:-$(dirname "$TEKEN")/teken-verify}
N=${N:-500}         # files per signer (1,000 documents in all)
REPEAT=${REPEAT:-3000}
[ -x "$TEKEN" ] && [ -x "$SLIM" ] || { echo "bench/verify: build first (make build: teken and teken-verify)" >&2; exit 1; }
command -v pdfsig >/dev/null || { echo "bench/verify: pdfsig missing (poppler-utils)" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/teken-bench-verify.XXXXXX")
trap 'rm -rf "$W"' EXIT
PDF=tests/data/pdf/gs-pdf13.pdf

now() { date +%s.%N; }
rate() { echo "scale=1; $1 / ($3 - $2)" | bc; }

# teken: an instance, N seal signatures, its chain and CRL.
"$TEKEN" init --dir "$W/inst" --key-alg ec-p256 >/dev/null
for i in $(seq "$N"); do "$TEKEN" sign --dir "$W/inst" --in "$PDF" --out "$W/t$i.pdf" --seal >/dev/null; done
"$TEKEN" ca chain --dir "$W/inst" >"$W/teken-chain.pem"
awk '/-----BEGIN/{n++} n==2' "$W/teken-chain.pem" >"$W/teken-root.pem"
"$TEKEN" ca crl --dir "$W/inst" -o "$W/teken.crl"

# pdfsig: an openssl CA, an NSS database with the signer's key, N signatures.
cat >"$W/ca.cnf" <<EOF
[ca]
default_ca = ca
[ca]
dir = $W
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
crlnumber = \$dir/crlnumber
default_md = sha256
default_crl_days = 30
policy = pol
copy_extensions = none
[pol]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
EOF
: >"$W/index.txt"; echo 1000 >"$W/serial"; echo 01 >"$W/crlnumber"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/root.key" -out "$W/root.pem" -subj "/CN=Bench Root" -days 365 \
  -extensions root -config "$W/ca.cnf" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout "$W/s.key" -out "$W/s.csr" -subj "/CN=Bench Signer" 2>/dev/null
openssl ca -batch -config "$W/ca.cnf" -cert "$W/root.pem" -keyfile "$W/root.key" -in "$W/s.csr" -out "$W/s.pem" -extensions leaf \
  -startdate "$(date -u -d yesterday +%Y%m%d%H%M%SZ)" -enddate "$(date -u -d '+300 days' +%Y%m%d%H%M%SZ)" >/dev/null 2>&1
openssl ca -config "$W/ca.cnf" -cert "$W/root.pem" -keyfile "$W/root.key" -gencrl -out "$W/root.crl" 2>/dev/null
openssl pkcs12 -export -inkey "$W/s.key" -in "$W/s.pem" -out "$W/s.p12" -passout pass:b -name signer
mkdir "$W/nss"
certutil -N -d "sql:$W/nss" --empty-password
certutil -A -d "sql:$W/nss" -n root -t "CT,C,C" -i "$W/root.pem"
certutil -A -d "sql:$W/nss" -n teken -t "CT,C,C" -i "$W/teken-root.pem"
pk12util -i "$W/s.p12" -d "sql:$W/nss" -W b >/dev/null
openssl crl -in "$W/root.crl" -outform DER -out "$W/root.crl.der"
crlutil -I -i "$W/root.crl.der" -d "sql:$W/nss" -B
crlutil -I -i "$W/teken.crl" -d "sql:$W/nss" -B
for i in $(seq "$N"); do pdfsig -add-signature -nssdir "sql:$W/nss" -nick signer "$PDF" "$W/p$i.pdf" >/dev/null 2>&1; done

TRUST=(--trust "$W/root.pem" "$W/teken-root.pem" --crl "$W/root.crl" "$W/teken.crl")
FILES=("$W"/t*.pdf "$W"/p*.pdf)
M=${#FILES[@]}
# Both must say "valid" on every file, or the comparison means nothing.
bad=0
for f in "${FILES[@]}"; do
  "$TEKEN" verify "${TRUST[@]}" --in "$f" >/dev/null || bad=$((bad+1))
  pdfsig -nssdir "sql:$W/nss" "$f" 2>/dev/null | grep -q "Signature is Valid" || bad=$((bad+1))
done
[ $bad -eq 0 ] || echo "bench/verify: warning: $bad verdicts were not 'valid'"

t0=$(now); for f in "${FILES[@]}"; do "$TEKEN" verify "${TRUST[@]}" --in "$f" >/dev/null; done; t1=$(now)
s0=$(now); for f in "${FILES[@]}"; do "$SLIM" "${TRUST[@]}" --in "$f" >/dev/null; done; s1=$(now)
p0=$(now); for f in "${FILES[@]}"; do pdfsig -nssdir "sql:$W/nss" "$f" >/dev/null 2>&1; done; p1=$(now)
tk=$(rate "$M" "$t0" "$t1"); ps=$(rate "$M" "$p0" "$p1"); sl=$(rate "$M" "$s0" "$s1")
# Folder mode: every file in one process on all cores.
mkdir "$W/folder"; cp "${FILES[@]}" "$W/folder/"
f0=$(now); "$TEKEN" verify "${TRUST[@]}" --in "$W/folder" >/dev/null || true; f1=$(now)
fo=$(rate "$M" "$f0" "$f1")
q0=$(now); for f in "$W"/folder/*.pdf; do pdfsig -nssdir "sql:$W/nss" "$f" >/dev/null 2>&1; done; q1=$(now)
pq=$(rate "$M" "$q0" "$q1")
inproc_t=$("$TEKEN" verify "${TRUST[@]}" --in "$W/t1.pdf" --repeat "$REPEAT" 2>&1 >/dev/null | sed 's/.*: \([0-9.]*\) documents\/s.*/\1/')
inproc_p=$("$TEKEN" verify "${TRUST[@]}" --in "$W/p1.pdf" --repeat "$REPEAT" 2>&1 >/dev/null | sed 's/.*: \([0-9.]*\) documents\/s.*/\1/')
inproc_2=$("$TEKEN" verify "${TRUST[@]}" --in "$W/t1.pdf" --repeat "$REPEAT" --threads 2 2>&1 >/dev/null | sed 's/.*: \([0-9.]*\) documents\/s.*/\1/')

echo "verify, $M one-page single-signature PDFs ($N teken/ECDSA, $N pdfsig/RSA), $(nproc) cores:"
printf "  %-44s %10s docs/s\n" "teken verify, process per file" "$tk"
printf "  %-44s %10s docs/s\n" "pdfsig, process per file" "$ps"
printf "  %-44s %10s x\n" "ratio teken/pdfsig" "$(echo "scale=2; $tk / $ps" | bc)"
printf "  %-44s %10s docs/s\n" "teken-verify (slim binary), process per file" "$sl"
printf "  %-44s %10s x\n" "ratio teken-verify/pdfsig (target >= 3)" "$(echo "scale=2; $sl / $ps" | bc)"
printf "  %-44s %10s docs/s\n" "teken verify --in DIR (one process, all cores)" "$fo"
printf "  %-44s %10s docs/s\n" "pdfsig in a loop over the same folder" "$pq"
printf "  %-44s %10s docs/s\n" "teken in-process, teken-signed file" "$inproc_t"
printf "  %-44s %10s docs/s\n" "teken in-process, pdfsig-signed file" "$inproc_p"
printf "  %-44s %10s docs/s\n" "teken in-process, 2 threads (target >= 500)" "$inproc_2"
start=$("$TEKEN" help >/dev/null; t0=$(now); for i in $(seq 50); do "$TEKEN" help >/dev/null; done; t1=$(now); echo "scale=2; ($t1 - $t0) * 1000 / 50" | bc)
slim_start=$("$SLIM" help >/dev/null; t0=$(now); for i in $(seq 50); do "$SLIM" help >/dev/null; done; t1=$(now); echo "scale=2; ($t1 - $t0) * 1000 / 50" | bc)
echo "  (process start-up alone: teken $start ms, teken-verify $slim_start ms; see docs/verification.md, Performance)"
