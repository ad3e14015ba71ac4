// Literacy page (PKS R14): electronic signatures, certificates, checking a
// document, and the BSrE statement on signed documents.
import { register, getLang, apply } from './i18n.js';
import { boot } from './common.js';
import { h, $, clear } from './dom.js';
import { render } from './literasi-md.js';
import './strings-literacy.js';

const STATEMENT = 'Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik yang diterbitkan oleh '
  + 'Balai Besar Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara.';

register({
  id: {
    'lit.title': 'Literasi tanda tangan elektronik',
    'lit.h1': 'Literasi tanda tangan elektronik',
    'lit.lead': 'Penjelasan singkat untuk pejabat, pegawai, dan masyarakat yang menerima dokumen bertanda tangan elektronik dari kementerian.',
    'lit.toc': 'Isi halaman',

    'lit.s1.h': 'Apa itu tanda tangan elektronik?',
    'lit.s1.p1': 'Menurut UU Informasi dan Transaksi Elektronik (UU ITE), tanda tangan elektronik adalah tanda tangan yang terdiri atas informasi elektronik yang dilekatkan, terasosiasi, atau terkait dengan informasi elektronik lain dan digunakan sebagai alat verifikasi dan autentikasi. Tanda tangan elektronik memiliki kekuatan hukum dan akibat hukum yang sah selama memenuhi persyaratan undang-undang (Pasal 11 UU ITE).',
    'lit.s1.p2': 'PP 71/2019 tentang Penyelenggaraan Sistem dan Transaksi Elektronik membedakan tanda tangan elektronik tersertifikasi dan tidak tersertifikasi. Tanda tangan tersertifikasi dibuat dengan sertifikat elektronik dari Penyelenggara Sertifikasi Elektronik (PSrE) Indonesia, misalnya BSrE. Tanda tangan yang dibuat di layanan ini adalah tanda tangan elektronik tersertifikasi.',
    'lit.s1.p3': 'Tanda tangan elektronik tersertifikasi memberikan tiga jaminan:',
    'lit.s1.l1': 'Keaslian (autentikasi): dapat diketahui siapa yang menandatangani.',
    'lit.s1.l2': 'Keutuhan (integritas): perubahan sekecil apa pun pada dokumen setelah ditandatangani dapat diketahui.',
    'lit.s1.l3': 'Nirsangkal (nirpenyangkalan): penandatangan tidak dapat menyangkal telah menandatangani, karena hanya ia yang dapat memakai kunci privatnya.',
    'lit.s1.not': 'Bukan tanda tangan elektronik: gambar tanda tangan hasil pindai, tanda tangan yang ditempel sebagai gambar, atau kode QR saja. Semuanya mudah disalin ke dokumen lain. Bukti yang sebenarnya tersimpan di dalam berkas PDF.',

    'lit.s2.h': 'Sertifikat elektronik',
    'lit.s2.p1': 'Sertifikat elektronik adalah "kartu identitas" digital yang mengikat identitas pemiliknya (nama, NIK/NIP, unit kerja, jabatan) dengan sebuah kunci publik. Sertifikat diterbitkan oleh BSrE setelah identitas pemohon diperiksa oleh dua Verifikator yang ditunjuk kementerian.',
    'lit.s2.l1': 'Kunci privat pasangannya disimpan terenkripsi dan hanya dapat dipakai dengan passphrase pemiliknya. Tidak ada petugas kementerian maupun BSrE yang akan menanyakan passphrase Anda.',
    'lit.s2.l2': 'Setiap sertifikat memiliki masa berlaku. Sertifikat dapat dicabut (misalnya bila passphrase bocor atau pejabat tidak lagi menjabat) atau dibekukan sementara.',
    'lit.s2.l3': 'Status terkini sebuah sertifikat dapat diperiksa siapa pun melalui layanan OCSP dan daftar sertifikat yang dicabut (CRL) yang alamatnya tercantum di dalam sertifikat.',
    'lit.s2.l4': 'Aturan lengkap penerbitan, penggunaan, dan pencabutan sertifikat tercantum dalam Pernyataan Praktik Sertifikasi (CPS).',

    'lit.s3.h': 'Cara memeriksa dokumen',
    'lit.s3.l1': 'Periksa berkas elektroniknya, bukan hasil cetak atau tangkapan layar: tanda tangan elektronik hanya ada di dalam berkas PDF.',
    'lit.s3.l2': 'Unggah berkas PDF di halaman Verifikasi dokumen. Hasilnya menunjukkan setiap tanda tangan: siapa penandatangannya, kapan, tingkatnya, dan apakah dokumen berubah sesudahnya.',
    'lit.s3.l3': 'Pindai kode QR pada dokumen. Pastikan alamat yang terbuka berada di domain resmi layanan ini. Halaman itu menampilkan catatan dokumen yang terdaftar: penandatangan, waktu, dan sidik jari SHA-256 berkas. Pilih salinan berkas Anda di halaman itu untuk memastikan berkasnya identik.',
    'lit.s3.l4': 'Di pembaca PDF (misalnya Adobe Acrobat Reader), buka panel tanda tangan. Keterangan seperti "validity unknown" biasanya berarti sertifikat akar penerbit belum dikenal oleh aplikasi itu, bukan berarti dokumen palsu. Untuk kepastian, gunakan halaman Verifikasi dokumen.',
    'lit.s3.results': 'Arti hasil pemeriksaan',
    'lit.s3.passed': 'Isi dokumen tidak berubah sejak ditandatangani dan sertifikat penandatangan berinduk ke penerbit tepercaya serta berlaku pada waktu penandatanganan.',
    'lit.s3.failed': 'Dokumen diubah setelah ditandatangani, tanda tangannya rusak, atau sertifikatnya telah dicabut sebelum penandatanganan. Jangan mengandalkan dokumen itu.',
    'lit.s3.indeterminate': 'Tanda tangan utuh, tetapi ada hal yang belum dapat dipastikan, misalnya penerbit sertifikat tidak dikenal atau status pencabutan belum tersedia. Tanyakan kepada pengirim atau coba lagi nanti.',
    'lit.s3.levels': 'Tingkat tanda tangan (PAdES)',
    'lit.s3.levels.p': 'Tanda tangan pada PDF mengikuti standar Eropa PAdES (ETSI EN 319 142). Tingkatnya menunjukkan berapa lama tanda tangan tetap dapat diperiksa:',
    'lit.s3.ltv': 'Istilah "LTV enabled" di Adobe Reader berarti berkas sudah membawa data validasi (status sertifikat dan cap waktu) di dalamnya, kira-kira sama dengan tingkat B-LT. Tanda tangan tanpa keterangan itu tetap sah; hanya saja pemeriksaannya di masa depan memerlukan layanan status sertifikat yang masih aktif.',

    'lit.s4.h': 'Arti pernyataan BSrE pada dokumen',
    'lit.s4.p1': 'Setiap dokumen keluaran kementerian yang ditandatangani secara elektronik memuat pernyataan berikut, di cap tanda tangan atau di kaki halaman terakhir:',
    'lit.s4.quote': STATEMENT,
    'lit.s4.quote.tr': '',
    'lit.s4.l1': 'Pernyataan ini wajib dicantumkan menurut Perjanjian Kerja Sama antara kementerian dan BSSN tentang pemanfaatan sertifikat elektronik (Pasal 4 ayat (1) huruf j). Teksnya dapat disesuaikan, tetapi tidak pernah boleh hilang.',
    'lit.s4.l2': 'Artinya: dokumen itu ditandatangani secara elektronik dengan sertifikat yang diterbitkan BSrE, sehingga siapa pun dapat memeriksa keasliannya dengan cara di atas.',
    'lit.s4.l3': 'Pernyataan itu sendiri hanyalah teks, bukan bukti. Yang membuktikan adalah tanda tangan di dalam berkas. Dokumen yang memuat pernyataan ini tetapi tidak lolos pemeriksaan tidak boleh diandalkan; laporkan kepada instansi penerbitnya.',
    'lit.s4.l4': 'Menurut Pasal 5 ayat (1) UU ITE, informasi elektronik, dokumen elektronik, dan hasil cetaknya merupakan alat bukti hukum yang sah. Namun hasil cetak tidak dapat diperiksa secara kriptografis: gunakan kode QR dan minta berkas elektroniknya bila perlu.',

    'lit.s5.h': 'Tips keamanan bagi pemegang sertifikat',
    'lit.s5.l1': 'Rahasiakan passphrase. Jangan menuliskannya di dokumen, catatan, atau pesan, dan jangan memakainya untuk layanan lain.',
    'lit.s5.l2': 'Baca seluruh dokumen sebelum menandatangani: tanda tangan Anda berlaku untuk seluruh isi berkas.',
    'lit.s5.l3': 'Setelah lima kali salah memasukkan passphrase, penandatanganan terkunci sampai Verifikator menyetujui reset passphrase.',
    'lit.s5.l4': 'Bila Anda menduga passphrase diketahui orang lain, segera ganti passphrase atau ajukan pencabutan sertifikat.',
    'lit.s5.l5': 'Data pribadi Anda dilindungi UU 27/2022 tentang Pelindungan Data Pribadi. Anda dapat mengunduh data yang kami simpan dari halaman Masuk.',
  },
  en: {
    'lit.title': 'About electronic signatures',
    'lit.h1': 'About electronic signatures',
    'lit.lead': 'A short guide for officials, staff and the public who receive electronically signed documents from the ministry.',
    'lit.toc': 'On this page',

    'lit.s1.h': 'What is an electronic signature?',
    'lit.s1.p1': 'Under the Electronic Information and Transactions Law (UU ITE), an electronic signature is a signature made of electronic information attached to, associated with or linked to other electronic information, used for verification and authentication. Electronic signatures have legal force and legal effect as long as they meet the requirements of the law (UU ITE art. 11).',
    'lit.s1.p2': 'Government Regulation 71/2019 on Electronic Systems and Transactions distinguishes certified and uncertified electronic signatures. A certified signature is made with an electronic certificate from an Indonesian Electronic Certification Provider (PSrE), such as BSrE. Signatures made with this service are certified electronic signatures.',
    'lit.s1.p3': 'A certified electronic signature gives three assurances:',
    'lit.s1.l1': 'Authenticity: you can tell who signed.',
    'lit.s1.l2': 'Integrity: the slightest change to the document after signing can be detected.',
    'lit.s1.l3': 'Non-repudiation: the signer cannot deny signing, because only they can use their private key.',
    'lit.s1.not': 'Not an electronic signature: a scanned picture of a handwritten signature, a signature pasted in as an image, or a QR code alone. All of these are easy to copy to another document. The real proof is inside the PDF file.',

    'lit.s2.h': 'Electronic certificates',
    'lit.s2.p1': "An electronic certificate is a digital identity card that binds its holder's identity (name, NIK/NIP, unit, position) to a public key. BSrE issues it after two Verifikators appointed by the ministry have checked the applicant's identity.",
    'lit.s2.l1': 'The matching private key is stored encrypted and can only be used with its holder\'s passphrase. No ministry or BSrE staff will ever ask for your passphrase.',
    'lit.s2.l2': 'Every certificate has a validity period. It can be revoked (for example when the passphrase leaks or the official leaves the post) or suspended for a while.',
    'lit.s2.l3': "Anyone can check a certificate's current status with the OCSP service and the certificate revocation list (CRL) whose addresses are written in the certificate.",
    'lit.s2.l4': 'The full rules for issuing, using and revoking certificates are in the Certification Practice Statement (CPS).',

    'lit.s3.h': 'How to check a document',
    'lit.s3.l1': 'Check the electronic file, not a printout or a screenshot: the electronic signature exists only inside the PDF file.',
    'lit.s3.l2': 'Upload the PDF on the Verify a document page. The result shows every signature: who signed, when, at which level, and whether the document changed afterwards.',
    'lit.s3.l3': "Scan the document's QR code. Make sure the address that opens is on this service's official domain. That page shows the registered record: signer, time and the file's SHA-256 fingerprint. Choose your copy of the file there to confirm it is identical.",
    'lit.s3.l4': 'In a PDF reader (for example Adobe Acrobat Reader), open the signature panel. A note such as "validity unknown" usually means the reader does not know the issuer\'s root certificate, not that the document is forged. For certainty, use the Verify a document page.',
    'lit.s3.results': 'What the results mean',
    'lit.s3.passed': "The document has not changed since it was signed, and the signer's certificate chains to a trusted issuer and was valid at signing time.",
    'lit.s3.failed': 'The document was changed after signing, the signature is broken, or the certificate was revoked before signing. Do not rely on the document.',
    'lit.s3.indeterminate': 'The signature is intact, but something could not be confirmed, for example an unknown certificate issuer or no revocation status yet. Ask the sender or try again later.',
    'lit.s3.levels': 'Signature levels (PAdES)',
    'lit.s3.levels.p': 'PDF signatures follow the European PAdES standard (ETSI EN 319 142). The level tells how long the signature stays checkable:',
    'lit.s3.ltv': 'Adobe Reader\'s "LTV enabled" means the file already carries validation data (certificate status and time stamps), roughly the B-LT level. A signature without that label is still valid; checking it in the future just needs the certificate status services to still be online.',

    'lit.s4.h': 'What the BSrE statement on documents means',
    'lit.s4.p1': 'Every output document of the ministry that is signed electronically carries this statement, in the signature stamp or in the footer of the last page:',
    'lit.s4.quote': STATEMENT,
    'lit.s4.quote.tr': 'In English: "This document has been signed electronically using an electronic certificate issued by the Balai Besar Sertifikasi Elektronik (BSrE), National Cyber and Crypto Agency."',
    'lit.s4.l1': 'The cooperation agreement between the ministry and BSSN on the use of electronic certificates requires this statement (art. 4(1)j). Its wording can be adjusted, but it may never be missing.',
    'lit.s4.l2': 'It means: the document was signed electronically with a certificate issued by BSrE, so anyone can check that it is genuine in the ways above.',
    'lit.s4.l3': 'The statement itself is only text, not proof. The proof is the signature inside the file. A document that carries the statement but fails the check must not be relied on; report it to the issuing office.',
    'lit.s4.l4': 'Under UU ITE art. 5(1), electronic information, electronic documents and their printouts are valid legal evidence. A printout, however, cannot be checked cryptographically: use the QR code and ask for the electronic file if needed.',

    'lit.s5.h': 'Security tips for certificate holders',
    'lit.s5.l1': 'Keep your passphrase secret. Do not write it in documents, notes or messages, and do not use it for other services.',
    'lit.s5.l2': 'Read the whole document before signing: your signature covers the entire file.',
    'lit.s5.l3': 'After five wrong passphrase entries signing is locked until a Verifikator approves a passphrase reset.',
    'lit.s5.l4': 'If you suspect someone knows your passphrase, change it at once or ask for your certificate to be revoked.',
    'lit.s5.l5': 'Your personal data is protected by Law 27/2022 on Personal Data Protection. You can download the data we hold from the Log in page.',
  },
});

boot('literasi');

// The page text admins keep in versions (GET /api/v1/literasi; docs/literacy.md):
// while none was saved the built-in text above stays; once one exists it
// replaces it, in the reader's language (the other one when that is empty).
let page = null;
function showPage() {
  const builtin = $('#lit-builtin');
  const mine = $('#lit-current');
  if (!page || !page.version) {
    builtin.hidden = false;
    mine.hidden = true;
    return;
  }
  const lang = getLang();
  const body = (lang === 'en' ? page.body_en : page.body_id) || page.body_id || page.body_en;
  clear(mine).append(render(body));
  mine.dataset.version = String(page.version);
  mine.lang = (lang === 'en' ? page.body_en : page.body_id) ? lang : (page.body_id ? 'id' : 'en');
  builtin.hidden = true;
  mine.hidden = false;
}

function dates(e) {
  return e.ends_on && e.ends_on !== e.starts_on ? e.starts_on + ' – ' + e.ends_on : e.starts_on;
}

function eventItem(e) {
  return h('article', { class: 'card lit-event', dataset: { id: String(e.id) } },
    h('h3', { text: e.title }),
    h('p', {}, h('span', { class: 'badge badge-info', i18n: 'trn.kind.' + e.kind }), ' ',
      h('time', { datetime: e.starts_on, text: dates(e) }),
      e.place ? ' · ' + e.place : '', e.online ? h('span', {}, ' · ', h('span', { i18n: 'trn.detail.online' })) : ''),
    e.description ? h('p', { text: e.description }) : null,
    h('p', { class: 'note' }, h('span', { i18n: 'trn.pub.organiser' }), ': ', h('span', { i18n: 'trn.org.' + e.organiser })),
    e.speakers && e.speakers.length ? h('p', { class: 'note' }, h('span', { i18n: 'trn.pub.speakers' }), ': ',
      e.speakers.map((s) => s.name + (s.position ? ' (' + s.position + ')' : '')).join('; ')) : null,
    e.materials && e.materials.length ? h('div', {}, h('span', { i18n: 'trn.pub.materials' }), h('ul', {}, e.materials.map((m) =>
      h('li', {}, h('a', { href: '/api/v1/events/public/' + e.id + '/materials/' + m.id, download: m.filename, text: m.filename }))))) : null);
}

function showEvents(list) {
  const sec = $('#lit-events');
  clear(sec).append(h('h2', { id: 'lit-events-h', i18n: 'trn.pub.h' }), h('h3', { i18n: 'trn.pub.upcoming' }));
  if (!list.upcoming.length) sec.append(h('p', { class: 'note', id: 'lit-events-none', i18n: 'trn.pub.none' }));
  else sec.append(h('div', { id: 'lit-upcoming' }, list.upcoming.map(eventItem)));
  if (list.past.length) sec.append(h('h3', { i18n: 'trn.pub.past' }), h('div', { id: 'lit-past' }, list.past.map(eventItem)));
  sec.hidden = false;
  apply(sec);
}

async function load() {
  try {
    const r = await fetch('/api/v1/literasi', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (r.ok) page = await r.json();
  } catch (e) { /* offline: the built-in text stays */ }
  showPage();
  try {
    const r = await fetch('/api/v1/events/public', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (r.ok) showEvents(await r.json());
  } catch (e) { /* no events shown */ }
  document.body.dataset.litLoaded = '1';
}

document.addEventListener('teken:lang', showPage);
load();
