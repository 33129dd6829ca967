#!/usr/bin/env python3
"""Write a random GPT-2 checkpoint directory in the Hugging Face layout (numpy only).

For tests and speed measurements of `gcattn trace gpt2` without downloading a model:

    config.json, model.safetensors (F32 or F16, HF tensor names, Conv1D weights [in, out]),
    vocab.json (256 byte tokens, synthetic BPE tokens, "<|endoftext|>" last),
    merges.txt ("#version: 0.2" + one merge per synthetic token).

The weights are random (GPT-2's initialisation: N(0, 0.02), residual projections scaled by
1/sqrt(2 n_layer), LayerNorm gains 1), so the generated text is meaningless; shapes, sizes and
the work per token are those of the real model. Examples:

    python3 scripts/make_tiny_gpt2_checkpoint.py --shape gpt2 --out /tmp/gpt2-random
    python3 scripts/make_tiny_gpt2_checkpoint.py --layers 2 --heads 2 --embd 16 \\
        --positions 64 --vocab 300 --out /tmp/tiny
"""
import argparse
import json
import os
import struct

import numpy as np

SHAPES = {  # published configurations (openai-community/<name>/config.json)
    "gpt2": (12, 12, 768),
    "gpt2-medium": (24, 16, 1024),
    "gpt2-large": (36, 20, 1280),
    "gpt2-xl": (48, 25, 1600),
}
EOT = "<|endoftext|>"


def bytes_to_unicode():
    """GPT-2's reversible byte -> unicode-character table (openai/gpt-2 encoder.py)."""
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def make_tokenizer(vocab_size, rng):
    """Byte tokens, then vocab_size - 257 synthetic merges of existing tokens, then EOT."""
    if vocab_size < 257:
        raise SystemExit("--vocab must be >= 257 (256 bytes + <|endoftext|>)")
    b2u = bytes_to_unicode()
    tokens = [b2u[b] for b in range(256)]
    seen = set(tokens)
    merges = []
    # Prefer short, common-looking pieces: pair a random token with a printable byte.
    printable = [b2u[b] for b in range(32, 127)]
    while len(tokens) < vocab_size - 1:
        a = tokens[int(rng.integers(len(tokens)))] if rng.random() < 0.7 else printable[int(rng.integers(len(printable)))]
        b = printable[int(rng.integers(len(printable)))]
        if len(a) + len(b) > 12 or a + b in seen:
            continue
        merges.append((a, b))
        tokens.append(a + b)
        seen.add(a + b)
    tokens.append(EOT)
    return {t: i for i, t in enumerate(tokens)}, merges


def write_safetensors(path, specs, make, dtype):
    """specs: [(name, shape)]; make(name, shape) returns the float32 array, called while writing
    so that only one tensor is in memory at a time (gpt2-xl has 1.5 G parameters)."""
    item = 4 if dtype == "f32" else 2
    header, off = {"__metadata__": {"format": "pt"}}, 0
    for name, shape in specs:
        n = int(np.prod(shape)) * item
        header[name] = {"dtype": "F32" if dtype == "f32" else "F16", "shape": list(shape),
                        "data_offsets": [off, off + n]}
        off += n
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for name, shape in specs:
            f.write(np.ascontiguousarray(make(name, shape).astype("<f4" if dtype == "f32" else "<f2")).tobytes())
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="checkpoint directory to write")
    ap.add_argument("--shape", choices=sorted(SHAPES), help="published GPT-2 size (sets layers/heads/embd, "
                                                           "positions 1024, vocab 50257)")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--embd", type=int, default=16)
    ap.add_argument("--positions", type=int, default=64)
    ap.add_argument("--vocab", type=int, default=300)
    ap.add_argument("--dtype", choices=["f32", "f16"], default="f32")
    ap.add_argument("--prefix", action="store_true", help='store names with the "transformer." prefix')
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.shape:
        a.layers, a.heads, a.embd = SHAPES[a.shape]
        a.positions, a.vocab = 1024, 50257
    if a.embd % a.heads:
        raise SystemExit("--embd must be divisible by --heads")
    rng = np.random.default_rng(a.seed)
    L, C, P, V = a.layers, a.embd, a.positions, a.vocab
    std, proj_std = 0.02, 0.02 / np.sqrt(2 * L)

    def normal(shape, s):
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(s)

    pre = "transformer." if a.prefix else ""
    specs = [(pre + "wte.weight", (V, C)), (pre + "wpe.weight", (P, C))]
    for i in range(L):
        p = f"{pre}h.{i}."
        specs += [(p + "ln_1.weight", (C,)), (p + "ln_1.bias", (C,)),
                  (p + "attn.c_attn.weight", (C, 3 * C)), (p + "attn.c_attn.bias", (3 * C,)),
                  (p + "attn.c_proj.weight", (C, C)), (p + "attn.c_proj.bias", (C,)),
                  (p + "ln_2.weight", (C,)), (p + "ln_2.bias", (C,)),
                  (p + "mlp.c_fc.weight", (C, 4 * C)), (p + "mlp.c_fc.bias", (4 * C,)),
                  (p + "mlp.c_proj.weight", (4 * C, C)), (p + "mlp.c_proj.bias", (C,))]
    specs += [(pre + "ln_f.weight", (C,)), (pre + "ln_f.bias", (C,))]

    def make(name, shape):
        if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
            return np.ones(shape, np.float32)
        if name.endswith(".bias"):
            return np.zeros(shape, np.float32)
        if name.endswith("wpe.weight"):
            return normal(shape, 0.01)
        return normal(shape, proj_std if name.endswith("c_proj.weight") else std)

    os.makedirs(a.out, exist_ok=True)
    vocab, merges = make_tokenizer(V, rng)
    cfg = {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
           "n_ctx": P, "n_embd": C, "n_head": a.heads, "n_inner": None, "n_layer": L, "n_positions": P,
           "layer_norm_epsilon": 1e-5, "vocab_size": V, "bos_token_id": V - 1, "eos_token_id": V - 1,
           "tie_word_embeddings": True, "torch_dtype": "float32" if a.dtype == "f32" else "float16"}
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    with open(os.path.join(a.out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(a.out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for x, y in merges:
            f.write(f"{x} {y}\n")
    write_safetensors(os.path.join(a.out, "model.safetensors"), specs, make, a.dtype)
    n = sum(int(np.prod(shape)) for _, shape in specs)
    print(f"wrote {a.out}: {L} layers, {a.heads} heads, n_embd {C}, {P} positions, vocab {V}, "
          f"{n:,} parameters ({a.dtype})")


if __name__ == "__main__":
    main()
