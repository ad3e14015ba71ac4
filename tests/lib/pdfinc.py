"""Hand-written incremental updates (ISO 32000-1 7.5.6) for test fixtures:
read the newest trailer of a file with classic xref tables, take the text of
an object, and append a revision that adds or replaces objects. Only what the
verify tests need; never used on untrusted input."""
import re


def startxrefs(data):
    return [int(m.group(1)) for m in re.finditer(rb"startxref\s+(\d+)\s+%%EOF", data)]


def trailer(data):
    """The newest trailer dictionary as raw bytes, with /Size, /Root, /Info and /ID picked out."""
    i = data.rindex(b"trailer")
    j = data.index(b"startxref", i)
    t = data[i + 7:j]
    out = {"raw": t}
    out["Size"] = int(re.search(rb"/Size\s+(\d+)", t).group(1))
    out["Root"] = re.search(rb"/Root\s+(\d+\s+\d+\s+R)", t).group(1)
    m = re.search(rb"/Info\s+(\d+\s+\d+\s+R)", t)
    out["Info"] = m.group(1) if m else None
    m = re.search(rb"/ID\s*(\[[^\]]*\])", t)
    out["ID"] = m.group(1) if m else None
    return out


def obj(data, num):
    """The body of the newest definition of object num (between "num 0 obj" and "endobj")."""
    ms = list(re.finditer(rb"(?<![0-9])%d 0 obj" % num, data))
    if not ms:
        raise KeyError(num)
    s = ms[-1].end()
    e = data.index(b"endobj", s)
    return data[s:e].strip()


def stream(body, extra=b""):
    """A stream object body with its /Length."""
    return b"<< /Length %d %s >>\nstream\n" % (len(body), extra) + body + b"\nendstream"


def append(data, objs, sep=b"\n", free=()):
    """data followed by sep and one revision holding objs {num: body}; object numbers in free are deleted."""
    tr = trailer(data)
    prev = startxrefs(data)[-1]
    out = bytearray(data) + sep
    offs = {}
    for num in sorted(objs):
        offs[num] = len(out)
        out += b"%d 0 obj\n" % num + objs[num] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for num in sorted(offs):
        out += b"%d 1\n%010d 00000 n \n" % (num, offs[num])
    for num in sorted(free):
        out += b"%d 1\n0000000000 00001 f \n" % num
    size = max([tr["Size"]] + [n + 1 for n in objs])
    out += b"trailer\n<< /Size %d /Root %s" % (size, tr["Root"])
    if tr["Info"]:
        out += b" /Info " + tr["Info"]
    if tr["ID"]:
        out += b" /ID " + tr["ID"]
    out += b" /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (prev, xref)
    return bytes(out)


def _ref_num(ref):
    return int(ref.split()[0])


def sign(data, cert, key, workdir, field="Tanda1", sep=b"\n", eol=True, certify=None, extra_objs=None, contents_size=8192):
    """Appends one revision that signs data with an invisible signature field made here and a CMS made by
    `openssl cms -sign -cades` (an independent signer). eol=False ends the revision with "%%EOF" and no
    end-of-line, sep is written between data and the new revision; certify=P adds a DocMDP certification.
    extra_objs {num: body} go into the same revision (numbers must not collide with the two made here)."""
    import os
    import subprocess
    tr = trailer(data)
    root = _ref_num(tr["Root"])
    cat = obj(data, root)
    size = max([tr["Size"]] + [n + 1 for n in (extra_objs or {})])
    s_num, w_num = size, size + 1
    objs = dict(extra_objs or {})
    m = re.search(rb"/AcroForm\s+(\d+)\s+0\s+R", cat)
    if m:
        af = obj(data, int(m.group(1)))
        objs[int(m.group(1))] = re.sub(rb"/Fields\s*\[", b"/Fields [%d 0 R " % w_num, af, count=1)
        newcat = cat
    elif b"/AcroForm" in cat:
        newcat = re.sub(rb"/Fields\s*\[", b"/Fields [%d 0 R " % w_num, cat, count=1)
    else:
        newcat = cat[:cat.rindex(b">>")] + b" /AcroForm << /Fields [%d 0 R] /SigFlags 3 >> >>" % w_num
    if certify:
        newcat = newcat[:newcat.rindex(b">>")] + b" /Perms << /DocMDP %d 0 R >> >>" % s_num
    objs[root] = newcat
    first_page = re.search(rb"/Kids\s*\[\s*(\d+)\s+0\s+R", obj(data, _ref_num(re.search(rb"/Pages\s+(\d+\s+0\s+R)", cat).group(1))))
    objs[w_num] = (b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (%s) /V %d 0 R /Rect [0 0 0 0] /F 132 /P %s 0 R >>"
                   % (field.encode(), s_num, first_page.group(1)))
    ref = b""
    if certify:
        ref = (b" /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P %d /V /1.2 >> >>]"
               % certify)
    objs[s_num] = (b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M (D:20260101000000Z)" + ref +
                   b" /ByteRange [0 0000000000 0000000000 0000000000] /Contents <" + b"0" * (2 * contents_size) + b"> >>")
    out = bytearray(append(data, objs, sep=sep))
    if not eol:
        out = out[:-1]
    so = out.index(b"%d 0 obj\n" % s_num, len(data))
    g0 = out.index(b"/Contents <", so) + len(b"/Contents ")
    g1 = out.index(b">", g0) + 1
    br = b"[0 %d %d %d]" % (g0, g1, len(out) - g1)
    bo = out.index(b"/ByteRange [", so) + len(b"/ByteRange ")
    old = out[bo:out.index(b"]", bo) + 1]
    out[bo:bo + len(old)] = br.ljust(len(old))
    tbs = os.path.join(workdir, "tbs.bin")
    der = os.path.join(workdir, "sig.der")
    with open(tbs, "wb") as f:
        f.write(bytes(out[:g0]) + bytes(out[g1:]))
    subprocess.run(["openssl", "cms", "-sign", "-binary", "-cades", "-md", "sha256", "-outform", "DER", "-in", tbs,
                    "-signer", cert, "-inkey", key, "-out", der], check=True, capture_output=True)
    hx = open(der, "rb").read().hex().encode()
    if len(hx) > 2 * contents_size:
        raise ValueError("CMS larger than the /Contents placeholder")
    out[g0 + 1:g0 + 1 + len(hx)] = hx
    return bytes(out)
