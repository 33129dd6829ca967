#!/usr/bin/env python3
"""PyTorch reference of GPT-2 (Hugging Face GPT2LMHeadModel semantics) for the engine tests.

usage: torch_gpt2_reference.py CHECKPOINT_DIR IDS OUT_DIR
  IDS: comma-separated token ids. Writes OUT_DIR/{logits,q,k,v,attn_out}.npy in float64:
  logits [T, vocab]; q, k, v, attn_out [T, n_layer * n_embd] ([layer][head][d] order).
Uses torch's own layer_norm, gelu(approximate="tanh") and softmax on the checkpoint read with a
numpy safetensors parser; computes in float64.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F


def read_safetensors(path):
    dt = {"F16": "<f2", "F32": "<f4", "F64": "<f8"}
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        if info["dtype"] == "BF16":
            raw = np.frombuffer(buf[8 + n + b:8 + n + e], dtype="<u2").astype(np.uint32) << 16
            arr = raw.view(np.float32)
        else:
            arr = np.frombuffer(buf[8 + n + b:8 + n + e], dtype=dt[info["dtype"]])
        out[name.removeprefix("transformer.")] = torch.from_numpy(arr.astype(np.float64).reshape(info["shape"]))
    return out


def main():
    ckpt, ids, out = sys.argv[1], [int(x) for x in sys.argv[2].split(",")], sys.argv[3]
    with open(os.path.join(ckpt, "config.json")) as f:
        cfg = json.load(f)
    w = read_safetensors(os.path.join(ckpt, "model.safetensors"))
    L, H, C = cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
    D, T, eps = C // H, len(ids), cfg.get("layer_norm_epsilon", 1e-5)
    x = w["wte.weight"][ids] + w["wpe.weight"][:T]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    rec = {k: torch.zeros(T, L * C, dtype=torch.float64) for k in ("q", "k", "v", "attn_out")}
    for i in range(L):
        p = f"h.{i}."
        a = F.layer_norm(x, (C,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        qkv = torch.addmm(w[p + "attn.c_attn.bias"], a, w[p + "attn.c_attn.weight"])
        q, k, v = qkv.split(C, dim=1)
        qh, kh, vh = (t.view(T, H, D).transpose(0, 1) for t in (q, k, v))
        att = (qh @ kh.transpose(-2, -1)) / math.sqrt(D)
        att = F.softmax(att.masked_fill(~mask, float("-inf")), dim=-1)
        y = (att @ vh).transpose(0, 1).reshape(T, C)
        for name, t in (("q", q), ("k", k), ("v", v), ("attn_out", y)):
            rec[name][:, i * C:(i + 1) * C] = t
        x = x + torch.addmm(w[p + "attn.c_proj.bias"], y, w[p + "attn.c_proj.weight"])
        m = F.layer_norm(x, (C,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        m = F.gelu(torch.addmm(w[p + "mlp.c_fc.bias"], m, w[p + "mlp.c_fc.weight"]), approximate="tanh")
        x = x + torch.addmm(w[p + "mlp.c_proj.bias"], m, w[p + "mlp.c_proj.weight"])
    x = F.layer_norm(x, (C,), w["ln_f.weight"], w["ln_f.bias"], eps)
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "logits.npy"), (x @ w["wte.weight"].T).numpy())
    for name, t in rec.items():
        np.save(os.path.join(out, name + ".npy"), t.numpy())


if __name__ == "__main__":
    main()
