#!/usr/bin/env bash
# Builds the PDF test corpus in tests/data/pdf/ from independent producers
# (Ghostscript, qpdf, MuPDF) plus hand-written good and hostile files, and
# seeds fuzz/corpus/fuzz_pdf/ with the small ones. The output is committed;
# run this again only to change the corpus. Deterministic apart from the
# producers' own /ID and dates.
#
# Naming: good files (load, walk, write a revision, oracles agree):
#   gs-*  mu-*  qpdf-*  hw-*
# hostile files (a clear error or a repaired load, never a crash): bad-*
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=tests/data/pdf
SEEDS=fuzz/corpus/fuzz_pdf
for t in gs qpdf mutool zlib-flate; do
  command -v "$t" >/dev/null || { echo "make-pdf-corpus: $t is missing (apt-get install ghostscript qpdf mupdf-tools)" >&2; exit 1; }
done
mkdir -p "$OUT" "$SEEDS"
rm -f "$OUT"/*.pdf "$OUT"/*.bin
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ---- independent producers ----
cat > "$TMP/three.ps" <<'EOF'
%!PS
/Helvetica findfont 24 scalefont setfont
72 720 moveto (Teken page one, Letter) show showpage
<< /PageSize [595 842] >> setpagedevice
/Helvetica findfont 24 scalefont setfont
72 720 moveto (Teken page two, A4) show showpage
72 720 moveto (Teken page three) show showpage
EOF
GS="gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pdfwrite"
$GS -o "$OUT/gs-3pages.pdf" "$TMP/three.ps"
$GS -dASCII85EncodePages=true -o "$OUT/gs-a85.pdf" "$TMP/three.ps"
$GS -dCompatibilityLevel=1.3 -o "$OUT/gs-pdf13.pdf" "$TMP/three.ps"

qpdf --object-streams=generate "$OUT/gs-3pages.pdf" "$OUT/qpdf-objstm.pdf"
qpdf --linearize "$OUT/gs-3pages.pdf" "$OUT/qpdf-linear.pdf"
qpdf --linearize --object-streams=generate "$OUT/gs-3pages.pdf" "$OUT/qpdf-linear-objstm.pdf"
qpdf --qdf --object-streams=disable "$OUT/gs-3pages.pdf" "$OUT/qpdf-qdf.pdf"
qpdf --empty --pages "$OUT/gs-3pages.pdf" 1-3 "$OUT/gs-3pages.pdf" 1 -- "$OUT/qpdf-4pages.pdf"

printf '%%%%MediaBox 0 0 300 200\n%%%%Font F1 Helvetica\nq 1 0 0 rg 10 10 100 100 re f Q\nBT /F1 12 Tf 20 150 Td (Hello from mutool) Tj ET\n' > "$TMP/p1.txt"
printf '%%%%MediaBox 0 0 200 300\n%%%%Rotate 90\nq 0 0 1 rg 10 10 50 50 re f Q\n' > "$TMP/p2.txt"
mutool create -o "$OUT/mu-create.pdf" "$TMP/p1.txt" "$TMP/p2.txt"
mutool clean -a -gg "$OUT/mu-create.pdf" "$OUT/mu-ahx.pdf"
mutool clean -gggg -z "$OUT/gs-3pages.pdf" "$OUT/mu-clean.pdf"

# Incremental updates written by MuPDF (two and three revisions), on a table and on an xref stream.
cat > "$TMP/inc.js" <<'EOF'
var doc = new PDFDocument(scriptArgs[0]);
var info = doc.newDictionary();
info.put("Title", doc.newString(scriptArgs[2]));
info.put("Producer", doc.newString("mutool run, incremental"));
doc.getTrailer().put("Info", doc.addObject(info));
doc.save(scriptArgs[1], "incremental");
EOF
mutool run "$TMP/inc.js" "$OUT/gs-3pages.pdf" "$OUT/mu-incr2.pdf" "second revision"
mutool run "$TMP/inc.js" "$OUT/mu-incr2.pdf" "$OUT/mu-incr3.pdf" "third revision"
mutool run "$TMP/inc.js" "$OUT/qpdf-objstm.pdf" "$OUT/mu-incr-objstm.pdf" "update of an xref stream file"
mutool run "$TMP/inc.js" "$OUT/qpdf-linear.pdf" "$OUT/mu-incr-linear.pdf" "update of a linearised file"

# ---- hand-written files: offsets are counted while writing ----
F=""
declare -a OFF
size() { stat -c %s "$F"; }
hw_begin() { F="$OUT/$1"; : > "$F"; printf '%%PDF-1.5\n%%\342\343\317\323\n' >> "$F"; OFF=(); }
hw_obj() { OFF[$1]=$(size); printf '%s 0 obj\n%s\nendobj\n' "$1" "$2" >> "$F"; }
# hw_stream NUM DICT-WITHOUT-LENGTH DATAFILE [LENGTH]: /Length is the real size unless given
hw_stream() {
  local n=$1 d=$2 data=$3 len=${4:-$(stat -c %s "$3")}
  OFF[n]=$(size)
  {
    printf '%s 0 obj\n<< %s /Length %s >>\nstream\n' "$n" "$d" "$len"
    cat "$data"
    printf '\nendstream\nendobj\n'
  } >> "$F"
}
# hw_xref COUNT TRAILER-DICT: classic table for objects 0..COUNT-1, then trailer and %%EOF
hw_xref() {
  local n=$1 tr=$2 x i
  x=$(size)
  { printf 'xref\n0 %d\n0000000000 65535 f\r\n' "$n"
    for ((i = 1; i < n; i++)); do printf '%010d 00000 n\r\n' "${OFF[$i]:-0}"; done
    printf 'trailer\n%s\nstartxref\n%d\n%%%%EOF\n' "$tr" "$x"; } >> "$F"
  LASTXREF=$x
}
printf 'q 0 0 1 rg 20 20 160 160 re f Q\n' > "$TMP/content"
base_objs() {
  hw_obj 1 '<< /Type /Catalog /Pages 2 0 R >>'
  hw_obj 2 '<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 200 200] /Rotate 90 /Resources << >> >>'
  hw_obj 3 '<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>'
  hw_stream 4 '' "$TMP/content"
}

hw_begin hw-minimal.pdf
base_objs
hw_xref 5 '<< /Size 5 /Root 1 0 R >>'

# Inherited attributes over two levels and a direct /CropBox.
hw_begin hw-inherit.pdf
hw_obj 1 '<< /Type /Catalog /Pages 2 0 R >>'
hw_obj 2 '<< /Type /Pages /Kids [5 0 R 3 0 R] /Count 3 /MediaBox [0 0 500 700] /Resources << /ProcSet [/PDF] >> >>'
hw_obj 3 '<< /Type /Page /Parent 2 0 R /Contents 4 0 R /CropBox [10 10 400 600] >>'
hw_stream 4 '' "$TMP/content"
hw_obj 5 '<< /Type /Pages /Parent 2 0 R /Kids [6 0 R 7 0 R] /Count 2 /Rotate 180 >>'
hw_obj 6 '<< /Type /Page /Parent 5 0 R /Contents 4 0 R /MediaBox [0 0 100 100] >>'
hw_obj 7 '<< /Type /Page /Parent 5 0 R /Contents 4 0 R /Rotate -90 >>'
hw_xref 8 '<< /Size 8 /Root 1 0 R >>'

# Hybrid (7.5.8.4): object 5 lives in object stream 6, listed only by the /XRefStm stream 7.
hw_begin hw-hybrid.pdf
base_objs
printf '5 0 << /Title (Hybrid file) /Producer (teken corpus) >>' > "$TMP/ostm"
hw_stream 6 '/Type /ObjStm /N 1 /First 4' "$TMP/ostm"
printf '\002\000\006\000' > "$TMP/xstm"
hw_stream 7 '/Type /XRef /Size 8 /W [1 2 1] /Index [5 1]' "$TMP/xstm"
X=$(size)
{ printf 'xref\n0 5\n0000000000 65535 f\r\n'
  for i in 1 2 3 4; do printf '%010d 00000 n\r\n' "${OFF[$i]}"; done
  printf '6 2\n%010d 00000 n\r\n%010d 00000 n\r\n' "${OFF[6]}" "${OFF[7]}"
  printf 'trailer\n<< /Size 8 /Root 1 0 R /Info 5 0 R /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n' "${OFF[7]}" "$X"; } >> "$F"

# Free list: object 5 is deleted by an incremental update (free entry, generation 1).
hw_begin hw-freelist.pdf
base_objs
hw_obj 5 '<< /Deleted false >>'
hw_xref 6 '<< /Size 6 /Root 1 0 R >>'
X=$(size)
printf 'xref\n0 1\n0000000005 65535 f\r\n5 1\n0000000000 00001 f\r\ntrailer\n<< /Size 6 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n' "$LASTXREF" "$X" >> "$F"

# Trailing quirks: garbage after %%EOF, and no end-of-line after it.
cp "$OUT/gs-3pages.pdf" "$OUT/hw-eof-garbage.pdf"
printf '\n%% not part of the PDF\n\001\002\003 garbage after the end\n' >> "$OUT/hw-eof-garbage.pdf"
head -c -1 "$OUT/gs-3pages.pdf" > "$OUT/hw-no-eol.pdf"
tail -c 1 "$OUT/gs-3pages.pdf" | od -c | grep -q '\\n' || { echo "gs output does not end with LF" >&2; exit 1; }

# TIFF predictor 2 and PNG predictors on a FlateDecode content stream with ASCIIHex on top.
hw_begin hw-filters.pdf
hw_obj 1 '<< /Type /Catalog /Pages 2 0 R >>'
hw_obj 2 '<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 200 200] >>'
hw_obj 3 '<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>'
zlib-flate -compress < "$TMP/content" | od -An -v -tx1 | tr -d ' \n' > "$TMP/hex"
printf '>' >> "$TMP/hex"
hw_stream 4 '/Filter [/ASCIIHexDecode /FlateDecode]' "$TMP/hex"
hw_xref 5 '<< /Size 5 /Root 1 0 R >>'

# ---- hostile ----
head -c 1700 "$OUT/gs-3pages.pdf" > "$OUT/bad-truncated.pdf"
head -c $(( $(stat -c %s "$OUT/gs-3pages.pdf") - 150 )) "$OUT/gs-3pages.pdf" > "$OUT/bad-truncated-xref.pdf"
: > "$OUT/bad-empty.pdf"
printf 'This is not a PDF file at all.\n' > "$OUT/bad-notpdf.bin"
# Pseudo-random bytes after a header (a fixed LCG, so the file is stable).
{ printf '%%PDF-1.7\n'; awk 'BEGIN { s = 12345; for (i = 0; i < 4000; i++) { s = (s * 1103515245 + 12345) % 2147483648; printf "%c", (s / 65536) % 256 } }'; } > "$OUT/bad-garbage.pdf"

# /Length lies: too long, too short, indirect to a missing object, indirect to itself.
hw_begin bad-length-lie.pdf
hw_obj 1 '<< /Type /Catalog /Pages 2 0 R >>'
hw_obj 2 '<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 200 200] >>'
hw_obj 3 '<< /Type /Page /Parent 2 0 R /Contents [4 0 R 5 0 R 6 0 R 7 0 R] >>'
hw_stream 4 '' "$TMP/content" 99999
hw_stream 5 '' "$TMP/content" 5
hw_stream 6 '' "$TMP/content" '40 0 R'
hw_stream 7 '' "$TMP/content" '7 0 R'
hw_xref 8 '<< /Size 8 /Root 1 0 R >>'

# Entries and startxref pointing outside the file.
hw_begin bad-xref-outside.pdf
base_objs
X=$(size)
printf 'xref\n0 5\n0000000000 65535 f\r\n%010d 00000 n\r\n%010d 00000 n\r\n0000999999 00000 n\r\n%010d 00000 n\r\ntrailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' "${OFF[1]}" "${OFF[2]}" "${OFF[4]}" "$X" >> "$F"
hw_begin bad-startxref-outside.pdf
base_objs
{ printf 'xref\n0 5\n0000000000 65535 f\r\n'
  for i in 1 2 3 4; do printf '%010d 00000 n\r\n' "${OFF[$i]}"; done
  printf 'trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n987654321\n%%%%EOF\n'; } >> "$F"

# /Prev cycle: two sections pointing at each other.
hw_begin bad-prev-cycle.pdf
base_objs
A=$(size)
printf 'xref\n0 3\n0000000000 65535 f\r\n%010d 00000 n\r\n%010d 00000 n\r\ntrailer\n<< /Size 5 /Root 1 0 R /Prev PREVB >>\n' "${OFF[1]}" "${OFF[2]}" >> "$F"
B=$(size)
printf 'xref\n3 2\n%010d 00000 n\r\n%010d 00000 n\r\ntrailer\n<< /Size 5 /Root 1 0 R /Prev %010d >>\nstartxref\n%d\n%%%%EOF\n' "${OFF[3]}" "${OFF[4]}" "$A" "$B" >> "$F"
sed -i "s/PREVB/$(printf '%05d' "$B")/" "$F"

# Deep nesting: 5000 '[' in an object the catalog points to.
hw_begin bad-nested.pdf
hw_obj 1 '<< /Type /Catalog /Pages 2 0 R /Deep 5 0 R >>'
hw_obj 2 '<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 200 200] >>'
hw_obj 3 '<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>'
hw_stream 4 '' "$TMP/content"
OFF[5]=$(size)
{ printf '5 0 obj\n'; head -c 5000 /dev/zero | tr '\0' '['; printf '\nendobj\n'; } >> "$F"
hw_xref 6 '<< /Size 6 /Root 1 0 R >>'

# Huge object numbers: an xref subsection near 2^32, an object header and a reference beyond the limit.
hw_begin bad-huge-objnum.pdf
hw_obj 1 '<< /Type /Catalog /Pages 2 0 R /Big 4000000000 0 R >>'
hw_obj 2 '<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 200 200] >>'
hw_obj 3 '<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>'
hw_stream 4 '' "$TMP/content"
printf '99999999999 0 obj\n<< /Huge true >>\nendobj\n' >> "$F"
X=$(size)
{ printf 'xref\n0 5\n0000000000 65535 f\r\n'
  for i in 1 2 3 4; do printf '%010d 00000 n\r\n' "${OFF[$i]}"; done
  printf '4294967290 2\n0000000009 00000 n\r\n0000000009 00000 n\r\n'
  printf 'trailer\n<< /Size 4294967292 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' "$X"; } >> "$F"

# Page tree cycle and a page tree deeper than the limit.
hw_begin bad-page-cycle.pdf
hw_obj 1 '<< /Type /Catalog /Pages 2 0 R >>'
hw_obj 2 '<< /Type /Pages /Kids [3 0 R] /Count 1 >>'
hw_obj 3 '<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>'
hw_xref 4 '<< /Size 4 /Root 1 0 R >>'
hw_begin bad-deep-pages.pdf
hw_obj 1 '<< /Type /Catalog /Pages 2 0 R >>'
for ((i = 2; i < 302; i++)); do hw_obj "$i" "<< /Type /Pages /Kids [$((i + 1)) 0 R] /Count 1 >>"; done
hw_obj 302 '<< /Type /Page /MediaBox [0 0 10 10] >>'
hw_xref 303 '<< /Size 303 /Root 1 0 R >>'

# A Flate bomb: 64 MiB of zeros compressed twice (ratio far above MAX_INFLATE_RATIO).
hw_begin bad-flate-bomb.pdf
base_objs
head -c 67108864 /dev/zero | zlib-flate -compress | zlib-flate -compress > "$TMP/bomb"
hw_stream 5 '/Filter [/FlateDecode /FlateDecode]' "$TMP/bomb"
hw_xref 6 '<< /Size 6 /Root 1 0 R /Info 5 0 R >>'

# A filter we do not implement (and must not guess).
hw_begin bad-lzw.pdf
hw_obj 1 '<< /Type /Catalog /Pages 2 0 R >>'
hw_obj 2 '<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 200 200] >>'
hw_obj 3 '<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>'
printf '\200\013\140\120\042\014\014\205\001' > "$TMP/lzw"
hw_stream 4 '/Filter /LZWDecode' "$TMP/lzw"
hw_xref 5 '<< /Size 5 /Root 1 0 R >>'

# No xref, no trailer, no startxref: only objects (rebuilt by scanning for the catalog).
hw_begin bad-missing-xref.pdf
base_objs

# Object streams that contain each other.
hw_begin bad-objstm-loop.pdf
hw_obj 1 '<< /Type /Catalog /Pages 2 0 R /Loop 7 0 R >>'
hw_obj 2 '<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 200 200] >>'
hw_obj 3 '<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>'
hw_stream 4 '' "$TMP/content"
# entries 0..8 with /W [1 3 1]: 5 in stream 6, 6 and 7 in stream 5, 8 the xref stream itself
# three bytes, big-endian; the octal escapes are the format string
# shellcheck disable=SC2059
be3() { printf "\\$(printf %03o $(( $1 >> 16 & 255 )))\\$(printf %03o $(( $1 >> 8 & 255 )))\\$(printf %03o $(( $1 & 255 )))"; }
X=$(size)
{ printf '8 0 obj\n<< /Type /XRef /Size 9 /W [1 3 1] /Root 1 0 R /Length 45 >>\nstream\n'
  printf '\000\000\000\000\000'
  for i in 1 2 3 4; do printf '\001'; be3 "${OFF[$i]}"; printf '\000'; done
  printf '\002\000\000\006\000\002\000\000\005\000\002\000\000\005\000'
  printf '\001'; be3 "$X"; printf '\000'
  printf '\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n' "$X"; } >> "$F"

# Encrypted (7.6, standard security handler). bad-encrypted needs the user
# password "user" (pdf_password without it); bad-encrypted-objstm opens with
# the empty user password (AES-128, object streams).
qpdf --encrypt user owner 256 -- "$OUT/gs-3pages.pdf" "$OUT/bad-encrypted.pdf"
qpdf --encrypt "" owner 128 --use-aes=y -- "$OUT/qpdf-objstm.pdf" "$OUT/bad-encrypted-objstm.pdf"
# enc-*: one page with /Info /Title, in every method the handler reads;
# tests/unit/test_pdf.c holds qpdf's --show-encryption-key for each (the
# /ID and salts are random: update those keys when these files are rebuilt).
cat > "$TMP/info.ps" <<'EOF'
%!PS
[ /Title (Laporan Rahasia \(uji\)) /Author (Budi Santoso) /DOCINFO pdfmark
/Helvetica findfont 24 scalefont setfont
72 720 moveto (Teken encrypted page) show showpage
EOF
$GS -o "$TMP/info.pdf" "$TMP/info.ps"
qpdf --allow-weak-crypto --encrypt "" owner 40 -- "$TMP/info.pdf" "$OUT/enc-rc4-40.pdf"
qpdf --allow-weak-crypto --encrypt "" owner 128 --use-aes=n -- "$TMP/info.pdf" "$OUT/enc-rc4-128.pdf"
qpdf --encrypt "" owner 128 --use-aes=y --cleartext-metadata -- "$TMP/info.pdf" "$OUT/enc-aes128-clearmeta.pdf"
qpdf --encrypt "" owner 256 -- "$TMP/info.pdf" "$OUT/enc-aes256.pdf"
qpdf --allow-weak-crypto --encrypt "" owner 256 --force-R5 -- "$TMP/info.pdf" "$OUT/enc-aes256-r5.pdf"
qpdf --allow-weak-crypto --encrypt geheim pemilik 128 --use-aes=n -- "$TMP/info.pdf" "$OUT/enc-user-rc4-128.pdf"
qpdf --encrypt geheim pemilik 256 -- "$TMP/info.pdf" "$OUT/enc-user-aes256.pdf"
# Identity /StmF and /StrF with one stream behind a /Crypt filter (7.4.10): no tool writes it, so a
# script does; MuPDF (mutool show / draw) decrypts it and qpdf --show-encryption-key gives its key.
python3 scripts/make-enc-cryptfilter.py "$OUT/enc-cryptfilter.pdf"

# Fuzz seeds: links to every corpus file under 64 KiB (no second copy in git).
rm -f "$SEEDS"/*
for f in "$OUT"/*; do
  if [ "$(stat -c %s "$f")" -le 65536 ]; then ln -s "../../../$OUT/$(basename "$f")" "$SEEDS/$(basename "$f")"; fi
done
echo "make-pdf-corpus: $(find "$OUT" -mindepth 1 -maxdepth 1 | wc -l) files in $OUT ($(du -sk "$OUT" | cut -f1) KiB), $(find "$SEEDS" -mindepth 1 -maxdepth 1 | wc -l) fuzz seeds"
