#!/usr/bin/env python3
"""Builds the seed corpus of each libFuzzer target (scripts/fuzz.sh runs this).

Seeds are real inputs from the shared test data (quotes, collateral, certificates, CRLs, the
CCEL table and boot event log), cut to what each target parses (the SGX extension DER out of
PCK certificates, signature DER out of certificates, the signed tcbInfo / enclaveIdentity texts
out of collateral), plus the small hand-written seeds in tests/fuzz/seeds/<target>/ for inputs
the shared data has none of. Starting from real inputs lets a bounded run reach the deep
parser paths (certification data, TCB levels, PCK extension fields) at once.

Usage: seed_corpus.py SHARED_DIR OUT_DIR TARGET...
Writes OUT_DIR/<target>/<sha1 of content>; prints one "target: N seeds" line per target.
A missing shared directory is not an error here (fuzz.sh says so loudly): targets then get
only their checked-in seeds. Standard library only.
"""
import base64
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SGX_EXTENSION_OID = bytes.fromhex("06092a864886f84d010d01")  # 1.2.840.113741.1.13.1
PEM_RE = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.S)
# libFuzzer's default -max_len follows the largest seed; keep seeds small so runs stay fast.
MAX_SEED = 64 * 1024


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def files_under(root, *subdirs):
    out = []
    for sub in subdirs:
        base = os.path.join(root, sub)
        for dirpath, _, names in os.walk(base):
            for name in sorted(names):
                out.append(os.path.join(dirpath, name))
    return sorted(out)


def der_header(data, pos):
    """(tag, header_len, content_len) of the DER TLV at pos, or None."""
    if pos + 2 > len(data):
        return None
    tag, first = data[pos], data[pos + 1]
    if first < 0x80:
        return tag, 2, first
    n = first & 0x7F
    if n == 0 or n > 4 or pos + 2 + n > len(data):
        return None
    return tag, 2 + n, int.from_bytes(data[pos + 2:pos + 2 + n], "big")


def pem_blocks(data, label):
    out = []
    for m in PEM_RE.finditer(data):
        if m.group(1).decode() != label:
            continue
        try:
            out.append(base64.b64decode(b"".join(m.group(2).split())))
        except ValueError:
            pass
    return out


def sgx_extensions(cert_der):
    """The extnValue contents (Intel's SGX extension SEQUENCE) in a certificate."""
    out = []
    start = 0
    while True:
        i = cert_der.find(SGX_EXTENSION_OID, start)
        if i < 0:
            return out
        start = i + 1
        pos = i + len(SGX_EXTENSION_OID)
        h = der_header(cert_der, pos)
        if h and h[0] == 0x01:  # critical BOOLEAN
            pos += h[1] + h[2]
            h = der_header(cert_der, pos)
        if h and h[0] == 0x04:
            out.append(cert_der[pos + h[1]:pos + h[1] + h[2]])


def signature_der(signed_der):
    """The DER ECDSA signature of a certificate or CRL: SEQ { tbs, alg, BIT STRING }."""
    outer = der_header(signed_der, 0)
    if not outer or outer[0] != 0x30:
        return None
    pos = outer[1]
    for _ in range(2):  # tbs, algorithm
        h = der_header(signed_der, pos)
        if not h:
            return None
        pos += h[1] + h[2]
    h = der_header(signed_der, pos)
    if not h or h[0] != 0x03 or h[2] < 2:
        return None
    return signed_der[pos + h[1] + 1:pos + h[1] + h[2]]  # skip the unused-bits byte


def json_or_none(data):
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None


def signed_bodies(data):
    """(tcbInfo text, enclaveIdentity text) pairs found in collateral or PCS responses."""
    j = json_or_none(data)
    out = []
    if not isinstance(j, dict):
        return out
    for key in ("tcb_info", "qe_identity"):  # dcap-qvl collateral: exact signed text
        if isinstance(j.get(key), str):
            out.append(j[key].encode())
    # PCS response {"tcbInfo": {...}, "signature": ...}: the exact text between the braces.
    for key in (b'"tcbInfo":', b'"enclaveIdentity":'):
        i = data.find(key)
        sig = data.rfind(b',"signature"')
        if i >= 0 and sig > i:
            out.append(data[i + len(key):sig])
    return out


def collect(shared):
    """target -> list of seed bytes from the shared data."""
    seeds = {}

    def add(target, data):
        if data:
            seeds.setdefault(target, []).append(data[:MAX_SEED])

    testdata = os.path.join(shared, "testdata")
    all_files = files_under(testdata, "tdx", "sgx")
    certs, crls = [], []
    for path in all_files:
        name = os.path.basename(path)
        data = read(path)
        if data is None or name.endswith(".md") or name == "expected.json":
            continue
        lower = name.lower()
        if "quote" in lower and not lower.endswith(".json"):
            add("quote_fuzz", data)
            if lower.endswith(".hex"):
                add("encoding_fuzz", data.strip())
        if lower.endswith(".json") or "response" in lower:
            add("collateral_json_fuzz", data)
            add("json_fuzz", data)
            for body in signed_bodies(data):
                add("tcb_info_fuzz", body)
                add("collateral_json_fuzz", body)
            j = json_or_none(data)
            if isinstance(j, dict):
                for key in ("root_ca_crl", "pck_crl"):
                    if isinstance(j.get(key), str):
                        try:
                            crls.append(bytes.fromhex(j[key]))
                        except ValueError:
                            pass
                for key in ("pck_crl_issuer_chain", "tcb_info_issuer_chain",
                            "qe_identity_issuer_chain"):
                    if isinstance(j.get(key), str):
                        add("x509_fuzz", j[key].encode())
                        certs.extend(pem_blocks(j[key].encode(), "CERTIFICATE"))
        if "crl" in lower:
            add("collateral_json_fuzz", data)  # normalize_crl: DER, PEM or hex
            crls.extend(pem_blocks(data, "X509 CRL") or ([data] if data[:1] == b"\x30" else []))
        if lower.endswith(".pem"):
            add("x509_fuzz", data)
        if lower.endswith(".der") and data[:1] == b"\x30":
            add("x509_fuzz", data)
        certs.extend(pem_blocks(data, "CERTIFICATE"))  # PEM files and quote cert data
        if lower.startswith("ccel_") and "quote" not in lower and "nonce" not in lower:
            add("ccel_fuzz", data.rstrip(b"\xff").rstrip(b"\x00") + b"\xff" * 16)

    # NVIDIA GPU attestation (testdata/nvidia): gpu_report_fuzz gets every attestation report
    # (raw binary, plus the hex text as stored), the reports inside serialized evidence JSON,
    # every device PEM chain and each of its certificates as DER (the leaf FWID walk);
    # gpu_rim_fuzz gets every RIM document (.xml / .swidtag); gpu_nras_fuzz the detached EATs
    # and serialized evidence.
    for path in files_under(testdata, "nvidia"):
        name = os.path.basename(path)
        data = read(path)
        if data is None:
            continue
        lower = name.lower()
        if "attestationreport" in lower:
            add("gpu_report_fuzz", data)
            try:
                add("gpu_report_fuzz", bytes.fromhex(data.decode("ascii").strip()))
            except (ValueError, UnicodeDecodeError):
                pass
        if "certchain" in lower:
            add("gpu_report_fuzz", data)
            for der in pem_blocks(data, "CERTIFICATE"):
                add("gpu_report_fuzz", der)
        if lower.endswith((".xml", ".swidtag")):
            add("gpu_rim_fuzz", data)
        # gpu_nras_fuzz: NRAS answers (detached EATs) and evidence lists as stored.
        if lower.endswith(".json") and ("eat" in lower or "evidence" in path.lower()):
            add("gpu_nras_fuzz", data)
        if lower.endswith(".json") and "evidence" in path.lower():
            items = json_or_none(data)
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, dict):
                    continue
                for key in ("evidence", "certificate"):
                    try:
                        add("gpu_report_fuzz", base64.b64decode(item.get(key, ""), validate=True))
                    except (ValueError, TypeError):
                        pass

    seen = set()
    for der in certs + crls:
        if der in seen:
            continue
        seen.add(der)
        add("x509_fuzz", der)
        add("ecdsa_der_fuzz", signature_der(der))
        for ext in sgx_extensions(der):
            add("pck_extension_fuzz", ext)
    return seeds


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    shared, out_dir, targets = sys.argv[1], sys.argv[2], sys.argv[3:]
    seeds = collect(shared) if os.path.isdir(os.path.join(shared, "testdata")) else {}
    for target in targets:
        inputs = list(seeds.get(target, []))
        for path in files_under(os.path.join(HERE, "seeds"), target):
            inputs.append(read(path))
        target_dir = os.path.join(out_dir, target)
        os.makedirs(target_dir, exist_ok=True)
        for old in os.listdir(target_dir):
            os.remove(os.path.join(target_dir, old))
        names = set()
        for data in inputs:
            name = hashlib.sha1(data).hexdigest()
            names.add(name)
            with open(os.path.join(target_dir, name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(names)} seeds")


if __name__ == "__main__":
    main()
