#!/usr/bin/env python3
"""Straightforward vectorised NumPy implementation of the golden reference (PAPER.md section 5)
over a KV-cache trace: the speed baseline of docs/performance.md.

Reads the safetensors trace directly (8-byte little-endian header length, JSON header, raw
little-endian data; no extra packages), the per-head scalers written by `gcattn calibrate`, and
replays every token through every layer with all heads of a layer vectorised, as the hardware
runs them: scalers, query pulse DAC (16 levels), K/V write DAC (8 levels over 0.9 V), cubic cell
read current of the leakage-decayed deviation, HardSigmoid phi = clamp(S/80, 0, 1), per-sub-tile
signed output conversion (32 levels), digital sum and output scaler.

Leakage: delta = exp(-age / tau) with the age in simulated time at a fixed token period
(--token-period-ns; layer steps evenly spaced inside it), the simulator's leakage.mode = time.
Outputs [tokens, layers, heads, d_head] float32 can be saved (--outputs) to compare with
`gcattn run --outputs`.
"""
import argparse
import json
import struct
import sys
import time

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I32": np.int32, "I64": np.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dt = np.dtype(DTYPES[info["dtype"]]).newbyteorder("<")
        tensors[name] = data[begin:end].view(dt).reshape(info["shape"])
    return tensors, meta


def quantize(x, lo, hi, levels):
    """y = step * round(x / step), step = (hi - lo) / (levels - 1); numpy rounds half to even."""
    step = (hi - lo) / (levels - 1)
    return step * np.round(x / step)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trace", required=True)
    ap.add_argument("--scalers", required=True, help="scalers.json from `gcattn calibrate`")
    ap.add_argument("--tokens", type=int, default=0, help="first N tokens (0: all)")
    ap.add_argument("--token-period-ns", type=float, default=0.0,
                    help="simulated time per token for the leakage (0: no leakage)")
    ap.add_argument("--tau-s", type=float, default=5e-3)
    ap.add_argument("--window", type=int, default=1024)
    ap.add_argument("--cols", type=int, default=64, help="tokens per sub-tile")
    ap.add_argument("--outputs", help="save the outputs here (.npy)")
    args = ap.parse_args()

    tensors, meta = read_safetensors(args.trace)
    q_all, k_all, v_all = tensors["q"], tensors["k"], tensors["v"]
    T, L, H, D = q_all.shape
    if args.tokens:
        T = min(T, args.tokens)
    sc = json.load(open(args.scalers))
    if sc["layers"] != L or sc["heads"] != H:
        sys.exit(f"{args.scalers}: scalers for {sc['layers']}x{sc['heads']} heads, trace has {L}x{H}")
    # [layer, head, 4 scalers, (gain, offset)], as float32 like the accelerator's scaler window.
    s = np.array([[[h[n] for n in ("q", "k", "v", "out")] for h in layer] for layer in sc["scalers"]],
                 dtype=np.float32).astype(np.float64)

    # Paper preset hardware (PAPER.md sections 3-5).
    c = [0.17393044, 0.15653739, 0.14088365, 0.12679529, 5.51975209, 4.96777688, 4.4709992,
         -1.44776001, -1.30298401, 46.05483778]
    vr = 0.9
    idx = 0
    coef = np.zeros(4)
    for i in range(4):
        for j in range(4 - i):
            coef[i] += c[idx] * vr ** j
            idx += 1
    c0, c1, c2, c3 = coef
    M, C = args.window, args.cols
    period_s = args.token_period_ns * 1e-9

    u_k = np.zeros((L, H, M, D))   # stored deviations from 0.45 V
    u_v = np.zeros((L, H, M, D))
    t_write = np.zeros((L, M))
    out_all = np.zeros((T, L, H, D), dtype=np.float32)

    start = time.process_time()
    for t in range(T):
        slot = t % M
        n = min(t + 1, M)
        nsub = (n + C - 1) // C
        for l in range(L):
            now = (t + l / L) * period_s
            q = q_all[t, l].astype(np.float64)
            k = k_all[t, l].astype(np.float64)
            v = v_all[t, l].astype(np.float64)
            sl = s[l]
            qf = quantize(np.clip(sl[:, 0, 0, None] * q + sl[:, 0, 1, None], 0.0, 1.0), 0.0, 1.0, 16)
            u_k[l, :, slot] = quantize(np.clip(sl[:, 1, 0, None] * k + sl[:, 1, 1, None], 0.0, 0.9), 0.0, 0.9, 8) - 0.45
            u_v[l, :, slot] = quantize(np.clip(sl[:, 2, 0, None] * v + sl[:, 2, 1, None], 0.0, 0.9), 0.0, 0.9, 8) - 0.45
            t_write[l, slot] = now
            m = nsub * C
            delta = np.exp(-(now - t_write[l, :m]) / args.tau_s) if period_s > 0 else np.ones(m)
            valid = np.arange(m) < n
            uk = u_k[l, :, :m] * delta[None, :, None]
            gk = c0 + uk * (c1 + uk * (c2 + uk * c3))                     # [H, m, D]
            S = np.matmul(gk, qf[:, :, None])[:, :, 0]                     # [H, m]
            phi = np.where(valid[None, :], np.clip(S / 80.0, 0.0, 1.0), 0.0)
            uv = u_v[l, :, :m] * delta[None, :, None]
            gv = c0 + uv * (c1 + uv * (c2 + uv * c3))                     # [H, m, D]
            A = np.matmul(phi.reshape(H, nsub, 1, C), gv.reshape(H, nsub, C, D))[:, :, 0, :]  # [H, nsub, D]
            code = quantize(np.clip(A / 40.0, -1.0, 1.0), -1.0, 1.0, 32)
            out_all[t, l] = sl[:, 3, 0, None] * code.sum(axis=1) + sl[:, 3, 1, None]
    cpu = time.process_time() - start
    print(f"numpy reference: {T} tokens x {L} layers x {H} heads x d {D}: {cpu:.2f} s CPU "
          f"({cpu / (T * L) * 1e3:.3f} ms per layer step)")
    if args.outputs:
        np.save(args.outputs, out_all)


if __name__ == "__main__":
    main()
