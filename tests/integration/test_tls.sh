#!/usr/bin/env bash
# teken serve with TLS (libmicrohttpd's GnuTLS backend), checked with curl and openssl s_client.
source "$(dirname "$0")/../lib/common.sh"

D="$TMP/inst"
teken init --dir "$D" --key-alg ec-p256 >/dev/null
no_rate_limit "$D"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/tls.key" -out "$TMP/tls.crt" \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" -days 2 2>/dev/null
"$TEKEN_BIN" serve --dir "$D" --listen 127.0.0.1:0 --tls-cert "$TMP/tls.crt" --tls-key "$TMP/tls.key" --no-jobs >"$TMP/out" 2>"$TMP/err" &
pid=$!
at_exit "kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null"
for _ in $(seq 1 50); do grep -q listening "$TMP/out" && break; sleep 0.1; done
grep -q "listening on https://" "$TMP/out" || die "server did not start with TLS: $(cat "$TMP/out" "$TMP/err")"; ok
port=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$TMP/out" | head -1)
h=$(curl -s -D - -o "$TMP/body" --cacert "$TMP/tls.crt" "https://127.0.0.1:$port/healthz") || die "curl over TLS failed"
grep -q '"status":"ok"' "$TMP/body" || die "healthz over TLS"; ok
grep -qi "^strict-transport-security: max-age=" <<<"$h" || die "HSTS missing over TLS"; ok
echo | openssl s_client -connect "127.0.0.1:$port" -CAfile "$TMP/tls.crt" -verify_return_error 2>/dev/null | grep -q "Verify return code: 0" || die "openssl s_client"; ok
if curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; then die "plain HTTP answered on the TLS port"; fi; ok
expect_fail "TLS key without certificate" teken serve --dir "$D" --listen 127.0.0.1:0 --tls-key "$TMP/tls.key"
