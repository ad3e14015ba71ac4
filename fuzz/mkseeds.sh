#!/usr/bin/env bash
# Makes the small PKI the fuzz targets for consumed data share
# (fuzz/fixture_pki.h: a root CA, a signer issued by it, a detached CAdES
# signature of that signer, a TimeStampReq) and the seed corpora made with
# that PKI by the openssl CLI, an independent implementation:
#   fuzz/corpus/fuzz_csr/       PKCS#10 requests (allowed and refused keys, PEM and DER, a bad signature)
#   fuzz/corpus/fuzz_crl/       CRLs of the root (empty, the signer revoked, PEM, another issuer)
#   fuzz/corpus/fuzz_ocsp_resp/ OCSP responses about the signer (good, revoked, delegated, error statuses)
#   fuzz/corpus/fuzz_tsa_resp/  TimeStampResp to the fixed request (granted, rejected, other nonce)
# Run once by hand; the outputs are committed. Rerunning replaces keys and
# certificates, so the header and the seeds always change together.
set -euo pipefail
cd "$(dirname "$0")"
out=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

days=7300
cat >ext.cnf <<'EOF'
[fz_signer]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
authorityKeyIdentifier=keyid
[fz_ocsp]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=OCSPSigning
[fz_tsa]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,timeStamping
EOF

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
newkey root.key
openssl req -new -x509 -key root.key -subj "/C=ID/O=Fuzz/CN=Fuzz Fixture Root" -days "$days" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out root.pem
issue() { # name subject section
  newkey "$1.key"
  openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA root.pem -CAkey root.key -set_serial "0x$(openssl rand -hex 16)" \
    -days "$days" -extfile ext.cnf -extensions "fz_$3" -out "$1.pem" 2>/dev/null
}
issue signer "/C=ID/O=Fuzz/CN=Fuzz Signer" signer
issue ocsp "/C=ID/O=Fuzz/CN=Fuzz OCSP" ocsp
issue tsa "/C=ID/O=Fuzz/CN=Fuzz TSA" tsa

printf 'teken fuzz fixture content\n' >content.txt
openssl cms -sign -binary -cades -md sha256 -in content.txt -signer signer.pem -inkey signer.key \
  -certfile root.pem -outform DER -out cades.p7s

# ---- CSRs ----
d=$out/corpus/fuzz_csr
mkdir -p "$d"
csr() { # file keyfile [der]
  openssl req -new -key "$2" -subj "/C=ID/O=Instansi Fuzz/OU=Biro/CN=Pejabat Fuzz/emailAddress=p@fuzz.example" \
    -outform "${3:-PEM}" -out "$d/$1"
}
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.key 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.key 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2048.key 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.key 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:3 -out rsa-e3.key 2>/dev/null
openssl genpkey -algorithm ED25519 -out ed25519.key
csr good-p256.pem signer.key
csr good-p256.der signer.key DER
csr good-p384.der p384.key DER
csr good-rsa2048.pem rsa2048.key
csr bad-p521.der p521.key DER
csr bad-rsa1024.der rsa1024.key DER
csr bad-rsa-e3.der rsa-e3.key DER
csr bad-ed25519.der ed25519.key DER
openssl req -new -key signer.key -subj "/CN=only a common name" -outform DER -out "$d/short-subject.der"
# A flipped bit in the signature: parses, proof of possession fails.
cp "$d/good-p256.der" "$d/bad-signature.der"
n=$(stat -c %s "$d/bad-signature.der")
printf '\x01' | dd of="$d/bad-signature.der" bs=1 seek=$((n - 3)) conv=notrunc status=none

# ---- CRLs ----
d=$out/corpus/fuzz_crl
mkdir -p "$d"
mkdir -p ca/newcerts
: >ca/index.txt
echo 01 >ca/crlnumber
cat >ca.cnf <<EOF
[ca]
default_ca=fz
[fz]
dir=$tmp/ca
database=\$dir/index.txt
new_certs_dir=\$dir/newcerts
crlnumber=\$dir/crlnumber
certificate=$tmp/root.pem
private_key=$tmp/root.key
default_md=sha256
default_crl_days=$days
crl_extensions=crlext
[crlext]
authorityKeyIdentifier=keyid
EOF
openssl ca -config ca.cnf -gencrl -out "$d/empty.pem" 2>/dev/null
openssl crl -in "$d/empty.pem" -outform DER -out "$d/empty.der"
openssl ca -config ca.cnf -revoke ocsp.pem -crl_reason superseded 2>/dev/null
openssl ca -config ca.cnf -gencrl -out other.pem 2>/dev/null
openssl crl -in other.pem -outform DER -out "$d/other-revoked.der"
openssl ca -config ca.cnf -revoke signer.pem -crl_reason keyCompromise 2>/dev/null
openssl ca -config ca.cnf -gencrl -out "$d/signer-revoked.pem" 2>/dev/null
openssl crl -in "$d/signer-revoked.pem" -outform DER -out "$d/signer-revoked.der"
cat "$d/empty.pem" "$d/signer-revoked.pem" >"$d/two.pem"
cp ca/index.txt index-revoked.txt
# A CRL of an unrelated issuer.
newkey stranger.key
openssl req -new -x509 -key stranger.key -subj "/CN=Stranger" -days "$days" -out stranger.pem
sed -e "s#$tmp/root.pem#$tmp/stranger.pem#" -e "s#$tmp/root.key#$tmp/stranger.key#" ca.cnf >stranger.cnf
openssl ca -config stranger.cnf -gencrl -outform DER -out stranger.crl 2>/dev/null || \
  openssl ca -config stranger.cnf -gencrl -out stranger.crl.pem 2>/dev/null
[ -f stranger.crl.pem ] && openssl crl -in stranger.crl.pem -outform DER -out stranger.crl
cp stranger.crl "$d/stranger.der"

# ---- OCSP responses ----
d=$out/corpus/fuzz_ocsp_resp
mkdir -p "$d"
openssl ocsp -issuer root.pem -cert signer.pem -no_nonce -reqout req.der
openssl ocsp -issuer root.pem -sha384 -cert signer.pem -no_nonce -reqout req384.der
: >index-good.txt
signer_serial=$(openssl x509 -in signer.pem -noout -serial | cut -d= -f2)
printf 'V\t%s\t\t%s\tunknown\t%s\n' "$(openssl x509 -in signer.pem -noout -enddate | cut -d= -f2 | \
  xargs -I{} date -u -d {} +%y%m%d%H%M%SZ)" "$signer_serial" "/C=ID/O=Fuzz/CN=Fuzz Signer" >index-good.txt
resp() { # out index reqfile signer key [extra...]
  local o=$1 idx=$2 rq=$3 rs=$4 rk=$5
  shift 5
  openssl ocsp -index "$idx" -CA root.pem -rsigner "$rs" -rkey "$rk" -reqin "$rq" -ndays 3650 \
    -respout "$d/$o" "$@" >/dev/null 2>&1
}
resp good-by-root.der index-good.txt req.der root.pem root.key
resp good-delegated.der index-good.txt req.der ocsp.pem ocsp.key
resp good-keyid-nocerts.der index-good.txt req.der ocsp.pem ocsp.key -resp_key_id -resp_no_certs
resp good-sha384-id.der index-good.txt req384.der root.pem root.key
resp revoked.der index-revoked.txt req.der root.pem root.key
: >index-empty.txt
resp unknown.der index-empty.txt req.der root.pem root.key
resp badsig.der index-good.txt req.der root.pem root.key -badsig
# Unsigned error responses (RFC 6960 4.2.1): malformedRequest, tryLater, unauthorized.
printf '\x30\x03\x0a\x01\x01' >"$d/err-malformed.der"
printf '\x30\x03\x0a\x01\x03' >"$d/err-trylater.der"
printf '\x30\x03\x0a\x01\x06' >"$d/err-unauthorized.der"

# ---- TimeStampResp ----
d=$out/corpus/fuzz_tsa_resp
mkdir -p "$d"
# The request a signer makes: over the signature value of the CAdES signature
# (RFC 3161 appendix A), the last OCTET STRING of cades.p7s.
line=$(openssl asn1parse -inform DER -in cades.p7s | grep 'OCTET STRING' | tail -1)
off=${line%%:*}
re='hl= *([0-9]+) +l= *([0-9]+)'
[[ $line =~ $re ]] || { echo "mkseeds: no signature value in cades.p7s" >&2; exit 1; }
hl=${BASH_REMATCH[1]}
len=${BASH_REMATCH[2]}
dd if=cades.p7s of=sigvalue.bin bs=1 skip=$((off + hl)) count="$len" status=none
openssl ts -query -data sigvalue.bin -sha256 -cert -out query.tsq 2>/dev/null
openssl ts -query -data sigvalue.bin -sha256 -cert -out other.tsq 2>/dev/null
echo 01 >tsaserial
cat >ts.cnf <<EOF
[tsa]
default_tsa=fz
[fz]
serial=$tmp/tsaserial
signer_cert=$tmp/tsa.pem
certs=$tmp/root.pem
signer_key=$tmp/tsa.key
signer_digest=sha256
default_policy=1.3.6.1.4.1.99999.1
other_policies=1.3.6.1.4.1.99999.2
digests=sha256,sha384,sha512
accuracy=secs:1
ordering=no
tsa_name=yes
ess_cert_id_chain=no
ess_cert_id_alg=sha256
EOF
openssl ts -reply -config ts.cnf -queryfile query.tsq -out "$d/granted.tsr" 2>/dev/null
openssl ts -reply -config ts.cnf -queryfile other.tsq -out "$d/other-nonce.tsr" 2>/dev/null
# The request asks for sha1, which this TSA refuses: a rejection (status 2, badAlg).
openssl ts -query -data sigvalue.bin -sha1 -out sha1.tsq 2>/dev/null
openssl ts -reply -config ts.cnf -queryfile sha1.tsq -out "$d/rejected.tsr" 2>/dev/null
# A bare PKIStatusInfo: waiting, then rejection with only a failInfo.
printf '\x30\x05\x30\x03\x02\x01\x03' >"$d/waiting.tsr"
printf '\x30\x09\x30\x07\x02\x01\x02\x03\x02\x06\x40' >"$d/rejected-failinfo.tsr"

# ---- the header ----
cstr() { # name pemfile
  printf 'static const char %s[] =\n' "$1"
  sed -e 's/^/    "/' -e 's/$/\\n"/' "$2"
  printf '    ;\n\n'
}
carr() { # name file
  printf 'static const unsigned char %s[] = {\n' "$1"
  od -An -v -tx1 "$2" | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1, /g' -e 's/^/   /' -e 's/ *$//'
  printf '};\n\n'
}
{
  printf '/*\n * Fixture PKI of the fuzz targets for consumed data, made by fuzz/mkseeds.sh\n'
  printf ' * (openssl CLI) together with the seeds in fuzz/corpus/. Test material only.\n */\n'
  printf '#ifndef TEKEN_FUZZ_FIXTURE_PKI_H\n#define TEKEN_FUZZ_FIXTURE_PKI_H\n\n'
  cstr fx_root_pem root.pem
  cstr fx_signer_pem signer.pem
  printf '/* The signed content of fx_cades (a detached CAdES-BES signature by fx_signer_pem). */\n'
  printf 'static const char fx_content[] = "teken fuzz fixture content\\n";\n\n'
  carr fx_cades cades.p7s
  printf '/* The TimeStampReq the fuzz_tsa_resp seeds answer (sha256 of the signature value of fx_cades, a nonce, certReq). */\n'
  carr fx_tsq query.tsq
  printf '#endif\n'
} >"$out/fixture_pki.h"
echo "mkseeds: wrote $out/fixture_pki.h and the seeds"
