#!/usr/bin/env bash
# Regenerates docs/samples/pks-demo.pdf (a demo cooperation agreement, R18)
# with Ghostscript, so the sample comes from an independent PDF producer.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/samples/pks-demo.pdf
ps=$(mktemp /tmp/pks.XXXXXX.ps)
trap 'rm -f "$ps"' EXIT
cat >"$ps" <<'PS'
%!PS
/F { findfont exch scalefont setfont } def
/L { moveto show } def
/y 780 def
/line { /y y 16 sub def 60 y moveto show } def
14 /Helvetica-Bold F
(PERJANJIAN KERJA SAMA) 60 790 L
(tentang Pemanfaatan Sertifikat Elektronik) 60 772 L
10 /Helvetica F
/y 750 def
(PIHAK I  : Sekretariat Jenderal Kementerian Contoh (pengguna sertifikat)) line
(PIHAK II : Sekretariat Utama Badan Siber dan Sandi Negara (penerbit sertifikat, BSrE)) line
( ) line
(Pasal 1  Maksud dan tujuan: pemanfaatan sertifikat elektronik pada sistem elektronik PIHAK I.) line
(Pasal 3  Ruang lingkup: infrastruktur, penerbitan, penggunaan, literasi dan pendampingan teknis.) line
(Pasal 4  Hak dan kewajiban: paling sedikit dua Verifikator; laporan penggunaan setiap tahun;) line
(         pernyataan pada setiap dokumen keluaran bahwa dokumen ditandatangani secara elektronik) line
(         menggunakan sertifikat yang diterbitkan oleh BSrE.) line
(Pasal 7  Jangka waktu: empat tahun sejak ditandatangani.) line
(Pasal 9  Kerahasiaan dan pelindungan data pribadi sesuai UU 27/2022.) line
(Pasal 14 Perubahan diberitahukan paling lambat 45 hari kerja sebelumnya.) line
(Pasal 15 Pengakhiran diberitahukan paling lambat 60 hari kalender sebelumnya.) line
showpage
14 /Helvetica-Bold F
(PENANDATANGANAN) 60 790 L
10 /Helvetica F
(Perjanjian ini ditandatangani secara elektronik oleh kedua pihak.) 60 760 L
(PIHAK I) 80 560 L
(PIHAK II) 340 560 L
0.5 setlinewidth
70 420 moveto 250 420 lineto stroke
330 420 moveto 510 420 lineto stroke
showpage
PS
gs -q -dNOPAUSE -dBATCH -sDEVICE=pdfwrite -dPDFSETTINGS=/prepress -sOutputFile="$out" "$ps"
echo "wrote $out"
