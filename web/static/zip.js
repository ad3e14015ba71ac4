// A ZIP archive built in the browser (APPNOTE.TXT 6.3.x, PKWARE): entries
// STOREd (method 0, no compression: signed PDFs are compressed already),
// CRC-32 of each, names in UTF-8 (general purpose flag bit 11), no ZIP64 (at
// most 65535 entries and 4 GiB in all, else an error). Our own code, no library.

const enc = new TextEncoder();
let table = null;

function crcTable() {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  return table;
}

// CRC-32 (ISO 3309 / ITU-T V.42, reflected 0xEDB88320), as the ZIP format uses it.
export function crc32(bytes) {
  const t = crcTable();
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Names made unique ("a.pdf", "a (2).pdf", ...), compared case-insensitively
// (Windows unpacks "A.pdf" over "a.pdf"); path separators and control
// characters replaced so every entry lands in the archive's top folder.
export function uniqueNames(names) {
  const seen = new Set();
  return names.map((raw) => {
    let n = String(raw || 'dokumen').replace(/[\\/:*?"<>|\u0000-\u001f\u007f]/g, '_').replace(/^\.+/, '_').slice(0, 200) || 'dokumen';
    const dot = n.lastIndexOf('.');
    const stem = dot > 0 ? n.slice(0, dot) : n;
    const ext = dot > 0 ? n.slice(dot) : '';
    for (let i = 2; seen.has(n.toLowerCase()); i++) n = `${stem} (${i})${ext}`;
    seen.add(n.toLowerCase());
    return n;
  });
}

// MS-DOS time and date of d (local time, 2-second resolution; 1980 at the earliest).
function dosTime(d) {
  const y = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((y - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

// entries: [{name, data: Uint8Array}] -> the archive as a Uint8Array.
export function makeZip(entries, when = new Date()) {
  if (entries.length > 0xffff) throw new Error('zip: more than 65535 entries');
  const names = uniqueNames(entries.map((e) => e.name));
  const { time, date } = dosTime(when);
  const locals = [];
  const centrals = [];
  let offset = 0;
  entries.forEach((e, i) => {
    const name = enc.encode(names[i]);
    const data = e.data instanceof Uint8Array ? e.data : new Uint8Array(e.data);
    const crc = crc32(data);
    const lh = new DataView(new ArrayBuffer(30));
    lh.setUint32(0, 0x04034b50, true);
    lh.setUint16(4, 20, true); // version needed: 2.0
    lh.setUint16(6, 0x0800, true); // bit 11: UTF-8 names
    lh.setUint16(8, 0, true); // stored
    lh.setUint16(10, time, true);
    lh.setUint16(12, date, true);
    lh.setUint32(14, crc, true);
    lh.setUint32(18, data.length, true);
    lh.setUint32(22, data.length, true);
    lh.setUint16(26, name.length, true);
    lh.setUint16(28, 0, true);
    const ch = new DataView(new ArrayBuffer(46));
    ch.setUint32(0, 0x02014b50, true);
    ch.setUint16(4, 20, true); // made by: MS-DOS, 2.0
    ch.setUint16(6, 20, true);
    ch.setUint16(8, 0x0800, true);
    ch.setUint16(10, 0, true);
    ch.setUint16(12, time, true);
    ch.setUint16(14, date, true);
    ch.setUint32(16, crc, true);
    ch.setUint32(20, data.length, true);
    ch.setUint32(24, data.length, true);
    ch.setUint16(28, name.length, true);
    // extra, comment, disk number, internal attributes: 0
    ch.setUint32(38, 0, true); // external attributes
    ch.setUint32(42, offset, true);
    locals.push(new Uint8Array(lh.buffer), name, data);
    centrals.push(new Uint8Array(ch.buffer), name);
    offset += 30 + name.length + data.length;
    if (offset > 0xffffffff) throw new Error('zip: larger than 4 GiB');
  });
  const cdSize = centrals.reduce((s, a) => s + a.length, 0);
  if (offset + cdSize + 22 > 0xffffffff) throw new Error('zip: larger than 4 GiB');
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, cdSize, true);
  end.setUint32(16, offset, true);
  const out = new Uint8Array(offset + cdSize + 22);
  let at = 0;
  for (const part of [...locals, ...centrals, new Uint8Array(end.buffer)]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
