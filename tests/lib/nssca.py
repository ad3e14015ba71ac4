"""A throwaway CA made with openssl and an NSS database for poppler's pdfsig
(stdlib only): pdfsig -add-signature signs with the keys in it and trusts
its root. Shared by integration tests that need PDFs signed by an
independent signer."""
import os
import subprocess

CNF = """[req]
distinguished_name = dn
[dn]
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def _run(*args):
    p = subprocess.run(list(args), capture_output=True)
    if p.returncode != 0:
        raise AssertionError("%s failed: %s" % (" ".join(args), p.stderr.decode(errors="replace")))
    return p


class NssCa:
    """root.pem (trusted in the NSS db) and leaf signers added with add_signer(nick, cn)."""

    def __init__(self, d, root_cn="Uji Root CA"):
        self.d = d
        os.makedirs(d, exist_ok=True)
        self.nss = "sql:" + os.path.join(d, "nss")
        self.cnf = os.path.join(d, "ca.cnf")
        with open(self.cnf, "w") as f:
            f.write(CNF)
        self.root = os.path.join(d, "root.pem")
        self.root_key = os.path.join(d, "root.key")
        _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.root_key, "-out", self.root,
             "-subj", "/CN=" + root_cn, "-days", "3650", "-extensions", "root", "-config", self.cnf)
        os.makedirs(os.path.join(d, "nss"))
        _run("certutil", "-N", "-d", self.nss, "--empty-password")
        _run("certutil", "-A", "-d", self.nss, "-n", "root", "-t", "CT,C,C", "-i", self.root)
        self.serial = 0x1000

    def add_signer(self, nick, cn):
        p = os.path.join(self.d, nick)
        self.serial += 1
        _run("openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", p + ".key", "-out", p + ".csr", "-subj", "/CN=" + cn)
        _run("openssl", "x509", "-req", "-in", p + ".csr", "-CA", self.root, "-CAkey", self.root_key, "-set_serial", str(self.serial),
             "-days", "700", "-sha256", "-extfile", self.cnf, "-extensions", "leaf", "-out", p + ".pem")
        _run("openssl", "pkcs12", "-export", "-inkey", p + ".key", "-in", p + ".pem", "-certfile", self.root, "-out", p + ".p12",
             "-passout", "pass:uji", "-name", nick)
        _run("pk12util", "-i", p + ".p12", "-d", self.nss, "-W", "uji")
        return p + ".pem"

    def pdfsig_sign(self, src, out, nick, *extra):
        """pdfsig -add-signature: an incremental update by an independent signer."""
        _run("pdfsig", "-add-signature", "-nssdir", self.nss, "-nick", nick, "-reason", "Disetujui", *extra, src, out)

    def pdfsig_view(self, path, *extra):
        """pdfsig's own verdict: (returncode, stdout)."""
        p = subprocess.run(["pdfsig", "-nssdir", self.nss, *extra, path], capture_output=True, text=True)
        return p.returncode, p.stdout
