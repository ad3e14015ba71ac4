"""A tiny DER encoder and CMS SignedData builder for tests (RFC 5652), for
signatures the openssl CLI cannot make: ecdsa-plain-* (BSI TR-03111),
ECDSA with SHA-3 under OpenSSL 3.0, signed attributes deliberately out of
DER order, and BER re-encodings of a DER CMS. The signature values come
from `openssl dgst -sign`; nothing here is teken code."""
import hashlib
import subprocess

from pdfsigs import children, der


def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        head = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + head + content


def seq(*items):
    return tlv(0x30, b"".join(items))


def set_of(*items, sort=True):
    """X.690 11.6: DER sorts the elements; sort=False keeps the given order (not DER)."""
    return tlv(0x31, b"".join(sorted(items) if sort else items))


def oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    out = bytearray([parts[0] * 40 + parts[1]])
    for v in parts[2:]:
        enc = [v & 0x7F]
        v >>= 7
        while v:
            enc.append(0x80 | (v & 0x7F))
            v >>= 7
        out += bytes(reversed(enc))
    return tlv(0x06, bytes(out))


def integer(v):
    if isinstance(v, int):
        b = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big")
    else:
        b = v.lstrip(b"\x00") or b"\x00"
        if b[0] & 0x80:
            b = b"\x00" + b
    return tlv(0x02, b)


def octets(b):
    return tlv(0x04, b)


NULL = b"\x05\x00"

OID = {
    "data": "1.2.840.113549.1.7.1",
    "signedData": "1.2.840.113549.1.7.2",
    "contentType": "1.2.840.113549.1.9.3",
    "messageDigest": "1.2.840.113549.1.9.4",
    "signingCertificateV2": "1.2.840.113549.1.9.16.2.47",
    "sha256": "2.16.840.1.101.3.4.2.1",
    "sha384": "2.16.840.1.101.3.4.2.2",
    "sha3-256": "2.16.840.1.101.3.4.2.8",
    "sha3-384": "2.16.840.1.101.3.4.2.9",
    "ecdsa-with-SHA256": "1.2.840.10045.4.3.2",
    "ecdsa-with-SHA3-256": "2.16.840.1.101.3.4.3.10",
    "rsa-with-SHA3-256": "2.16.840.1.101.3.4.3.14",
    "sha256WithRSAEncryption": "1.2.840.113549.1.1.11",
    # BSI TR-03111 5.2.1 ecdsa-plain-signatures 0.4.0.127.0.7.1.1.4.1
    "ecdsa-plain-SHA256": "0.4.0.127.0.7.1.1.4.1.3",
    "ecdsa-plain-SHA384": "0.4.0.127.0.7.1.1.4.1.4",
    "ecdsa-plain-SHA3-256": "0.4.0.127.0.7.1.1.4.1.9",
}
HASH = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha3-256": hashlib.sha3_256, "sha3-384": hashlib.sha3_384}


def pem_to_der(pem_path):
    return subprocess.run(["openssl", "x509", "-in", pem_path, "-outform", "DER"], capture_output=True, check=True).stdout


def issuer_serial(cert):
    """(issuer Name DER, serialNumber INTEGER DER) of a DER certificate."""
    _, cs, ce, _ = der(cert, 0)
    tbs = children(cert, cs, ce)[0]
    kids = children(cert, tbs[2], tbs[3])
    if kids[0][0] == 0xA0:
        kids = kids[1:]
    serial, issuer = kids[0], kids[2]
    return cert[issuer[1]:issuer[3]], cert[serial[1]:serial[3]]


def attr(name, value):
    return seq(oid(OID[name]), set_of(value))


def signed_attrs(content_digest, cert, order=None):
    """contentType id-data, messageDigest, signingCertificateV2 (SHA-256 of cert, RFC 5035). order: indexes, None for DER order.
    (DER order of these three happens to be [0, 1, 2]: the attributes' encodings differ in their length octet.)"""
    attrs = [attr("contentType", oid(OID["data"])), attr("messageDigest", octets(content_digest)),
             attr("signingCertificateV2", seq(seq(seq(octets(hashlib.sha256(cert).digest())))))]
    if order is None:
        return set_of(*attrs)
    return set_of(*[attrs[i] for i in order], sort=False)


def openssl_sign(data, key_path, md):
    """DER signature value (PKCS #1 v1.5 for RSA keys, ECDSA-Sig-Value for EC keys) over md(data), by openssl dgst."""
    p = subprocess.run(["openssl", "dgst", "-" + md, "-sign", key_path, "-binary"], input=data, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError("openssl dgst -sign: " + p.stderr.decode(errors="replace"))
    return p.stdout


def ecdsa_der_to_plain(sig, size):
    """ECDSA-Sig-Value -> r || s, each left-padded to size bytes (BSI TR-03111 5.2.1)."""
    _, vs, ve, _ = der(sig, 0)
    (rt, rs, rvs, rve), (st, ss, svs, sve) = children(sig, vs, ve)
    r = sig[rvs:rve].lstrip(b"\x00")
    s = sig[svs:sve].lstrip(b"\x00")
    return r.rjust(size, b"\x00") + s.rjust(size, b"\x00")


def signed_data(cert, md, sig_alg, sig_value, sattrs=None, econtent=None):
    """ContentInfo(SignedData) with one SignerInfo (issuerAndSerialNumber); sattrs: the SET (tag 0x31) as signed, or None."""
    issuer, serial = issuer_serial(cert)
    md_alg = seq(oid(OID[md]))
    si = [integer(1), seq(issuer, serial), md_alg]
    if sattrs is not None:
        si.append(b"\xa0" + sattrs[1:])
    si += [seq(oid(OID[sig_alg])), octets(sig_value)]
    eci = seq(oid(OID["data"])) if econtent is None else seq(oid(OID["data"]), tlv(0xA0, octets(econtent)))
    sd = seq(integer(1), set_of(md_alg), eci, tlv(0xA0, cert), set_of(seq(*si)))
    return seq(oid(OID["signedData"]), tlv(0xA0, sd))


def _indef(tag, parts):
    return bytes([tag, 0x80]) + b"".join(parts) + b"\x00\x00"


def to_ber(cms, chunk=64):
    """Re-encodes the frame of a DER CMS in BER as NSS and Java signers do: indefinite lengths for
    ContentInfo, [0], SignedData, encapContentInfo, certificates, signerInfos and the first SignerInfo, and the
    signature value as a constructed OCTET STRING in chunks. Certificates and signed attributes stay as they are."""
    def el(pos):
        t, vs, ve, nx = der(cms, pos)
        return t, pos, vs, ve

    _, ci_s, ci_vs, ci_ve = el(0)
    ci = children(cms, ci_vs, ci_ve)
    e0 = ci[1]
    sd_t, sd_s, sd_vs, sd_ve = el(e0[2])
    sd = children(cms, sd_vs, sd_ve)
    out_sd = []
    for t, s, vs, ve in sd:
        if t in (0x30, 0xA0) and s != sd[-1][1]:
            out_sd.append(_indef(t, [cms[c[1]:c[3]] for c in children(cms, vs, ve)]))
        elif t == 0x31 and s == sd[-1][1]:
            sis = children(cms, vs, ve)
            first = sis[0]
            parts = []
            for ft, fs, fvs, fve in children(cms, first[2], first[3]):
                if ft == 0x04:
                    v = cms[fvs:fve]
                    parts.append(_indef(0x24, [octets(v[i:i + chunk]) for i in range(0, len(v), chunk)]))
                else:
                    parts.append(cms[fs:fve])
            out_sd.append(_indef(0x31, [_indef(0x30, parts)] + [cms[c[1]:c[3]] for c in sis[1:]]))
        else:
            out_sd.append(cms[s:ve])
    return _indef(0x30, [cms[ci[0][1]:ci[0][3]], _indef(0xA0, [_indef(0x30, out_sd)])])


def _rewrap(cms, new_si_parts):
    """cms with its first SignerInfo's elements replaced by new_si_parts (all DER)."""
    _, ci_vs, ci_ve, _ = der(cms, 0)
    ci = children(cms, ci_vs, ci_ve)
    _, sd_vs, sd_ve, _ = der(cms, ci[1][2])
    sd = children(cms, sd_vs, sd_ve)
    sis = children(cms, sd[-1][2], sd[-1][3])
    new_sis = tlv(0x31, seq(*new_si_parts) + b"".join(cms[c[1]:c[3]] for c in sis[1:]))
    new_sd = seq(*[cms[c[1]:c[3]] for c in sd[:-1]], new_sis)
    return seq(cms[ci[0][1]:ci[0][3]], tlv(0xA0, new_sd))


def add_unsigned_timestamp(cms, token):
    """Adds an id-aa-signatureTimeStampToken unsigned attribute (RFC 3161 Appendix A) holding token to a DER CMS."""
    from pdfsigs import signer_info
    cms, si = signer_info(cms)
    parts = [cms[s:ve] for t, s, vs, ve in si if t != 0xA1]
    parts.append(tlv(0xA1, seq(oid("1.2.840.113549.1.9.16.2.14"), set_of(token))))
    return _rewrap(cms, parts)


def signed_attrs_as_signed(cms):
    """The signed attributes of the first SignerInfo as the signature covers them (SET tag in place of [0], RFC 5652 5.4)."""
    from pdfsigs import signer_info
    cms, si = signer_info(cms)
    for t, s, vs, ve in si:
        if t == 0xA0:
            return b"\x31" + cms[s + 1:ve]
    raise ValueError("no signed attributes")
