#!/usr/bin/python3
"""Writes a deterministic random-weight Llama GGUF (about 91 M parameters, Q8_0) for benchmarks.

The weights are noise, so its text is meaningless; what it gives is realistic compute per token
(n_embd 1024, 8 layers, 16 heads / 4 KV heads, FFN 2816) with the tokenizer of the shipped
stories260K.gguf, so that it tokenizes real text. Same seed and numpy version -> same bytes.

One change to that tokenizer: its 256 byte-fallback tokens (<0x00>..<0xFF>) are marked as
normal tokens. Random weights pick byte tokens freely, and lone bytes >= 0x80 are invalid UTF-8,
which llama-server answers with an HTTP 500 for the whole request. As normal tokens they print
as the literal text "<0xNN>", so every output is valid UTF-8 and no logit_bias is needed; the
tokenizer still finds them by that text for byte fallback.

Tensors are quantized to Q8_0 here with gguf-py's bit-exact port of ggml's reference quantizer
(gguf.quants), so llama-quantize is not needed. Norm weights stay F32 (as llama-quantize does).

Usage: /usr/bin/python3 scripts/make-random-model.py [--out PATH] [--force]
Prints "<path> sha256=<hex>" on stdout. The file is written only when missing (or --force),
into ${XDG_CACHE_HOME:-~/.cache}/cllm/models/ by default, atomically (temp file + rename).
Needs Debian's python3-numpy and gguf-py from the llama.cpp source that
scripts/build-llama.sh fetched (or CLLM_GGUF_PY=<dir of gguf-py>).
"""

import argparse
import hashlib
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SEED = 20240611  # any fixed value; changing it changes every weight
N_EMBD = 1024
N_LAYER = 8
N_HEAD = 16
N_HEAD_KV = 4
N_FF = 2816
N_CTX_TRAIN = 4096
NAME = "random-91m-q8_0.gguf"


def gguf_py_dir():
    d = os.environ.get("CLLM_GGUF_PY")
    if d:
        return d
    prefix = subprocess.run(
        [os.path.join(HERE, "build-llama.sh"), "--print-prefix"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return os.path.join(prefix, "src", "gguf-py")


def default_out():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "cllm", "models", NAME)


def default_tokenizer_model():
    shared = os.environ.get("CLLM_SHARED_DIR") or os.path.join(ROOT, "..", "shared")
    return os.path.join(shared, "models", "stories260K.gguf")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_tokenizer(gguf, path):
    r = gguf.GGUFReader(path)

    def field(key):
        f = r.fields.get(key)
        if f is None:
            sys.exit(f"make-random-model: {path} has no {key}")
        return f.contents()

    tokens = field("tokenizer.ggml.tokens")
    scores = field("tokenizer.ggml.scores")
    types = field("tokenizer.ggml.token_type")
    if not (len(tokens) == len(scores) == len(types)):
        sys.exit(f"make-random-model: {path}: tokenizer arrays differ in length")
    if field("tokenizer.ggml.model") != "llama":
        sys.exit(f"make-random-model: {path}: expected a llama (SentencePiece) tokenizer")
    byte = int(gguf.TokenType.BYTE)
    types = [int(gguf.TokenType.NORMAL) if int(t) == byte else int(t) for t in types]
    return list(tokens), [float(s) for s in scores], types


def build(gguf, np, tokenizer_path, out_tmp):
    tokens, scores, types = read_tokenizer(gguf, tokenizer_path)
    n_vocab = len(tokens)
    head_dim = N_EMBD // N_HEAD
    q8 = gguf.GGMLQuantizationType.Q8_0

    w = gguf.GGUFWriter(out_tmp, "llama")
    w.add_name("cllm random 91M (benchmark only)")
    w.add_context_length(N_CTX_TRAIN)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_rope_dimension_count(head_dim)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(int(gguf.LlamaFileType.MOSTLY_Q8_0))
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)

    rng = np.random.Generator(np.random.PCG64(SEED))

    def matrix(name, n_out, n_in):
        # numpy shape is (rows=out, cols=in): the reverse of ggml's ne order.
        m = rng.standard_normal((n_out, n_in), dtype=np.float32)
        m *= np.float32(1.0 / np.sqrt(n_in))
        q = gguf.quants.quantize(m, q8)
        w.add_tensor(name, q, raw_dtype=q8)

    def ones(name, n):
        w.add_tensor(name, np.ones(n, dtype=np.float32))

    n_kv = head_dim * N_HEAD_KV
    matrix("token_embd.weight", n_vocab, N_EMBD)
    for i in range(N_LAYER):
        p = f"blk.{i}."
        ones(p + "attn_norm.weight", N_EMBD)
        matrix(p + "attn_q.weight", N_EMBD, N_EMBD)
        matrix(p + "attn_k.weight", n_kv, N_EMBD)
        matrix(p + "attn_v.weight", n_kv, N_EMBD)
        matrix(p + "attn_output.weight", N_EMBD, N_EMBD)
        ones(p + "ffn_norm.weight", N_EMBD)
        matrix(p + "ffn_gate.weight", N_FF, N_EMBD)
        matrix(p + "ffn_up.weight", N_FF, N_EMBD)
        matrix(p + "ffn_down.weight", N_EMBD, N_FF)
    ones("output_norm.weight", N_EMBD)
    matrix("output.weight", n_vocab, N_EMBD)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=default_out(), help="output path (default: %(default)s)")
    ap.add_argument("--tokenizer-from", default=default_tokenizer_model(),
                    help="GGUF whose tokenizer is copied (default: %(default)s)")
    ap.add_argument("--force", action="store_true", help="rewrite even when the file exists")
    args = ap.parse_args()

    if not os.path.exists(args.out) or args.force:
        sys.path.insert(0, gguf_py_dir())
        try:
            import numpy as np
            import gguf
            import gguf.quants  # noqa: F401
        except ImportError as e:
            sys.exit(f"make-random-model: {e} (run with /usr/bin/python3; apt install python3-numpy)")
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        tmp = f"{args.out}.tmp.{os.getpid()}"
        start = time.monotonic()
        try:
            build(gguf, np, args.tokenizer_from, tmp)
            os.replace(tmp, args.out)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        print(f"make-random-model: wrote {args.out} in {time.monotonic() - start:.1f} s "
              f"(numpy {np.__version__})", file=sys.stderr)
    print(f"{args.out} sha256={sha256_file(args.out)}")


if __name__ == "__main__":
    main()
