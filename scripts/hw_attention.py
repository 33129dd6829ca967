"""gcattn's gain-cell attention (PAPER.md sections 3-5) as a differentiable PyTorch function.

The forward pass is the numerics of gcattn's HeadModel for one preset, computed for a whole
sequence at once: the per-head affine scalers, the query pulse DAC (16 levels on [0, 1]), the K/V
write DAC (8 levels on [v_min, v_max], grid anchored at 0), the cell read g(delta * u) (the
polynomial SPICE fit or the linear cell), leakage delta = exp(-decay_per_token * age) (on the K
side rounded to bfloat16 with leakage.decay_rounding = bfloat16_qk, as the authors' code), the
HardSigmoid phi = clamp(S / s_sat, 0, 1), the V read per sub-tile of `cols` tokens, the output
converter per sub-tile (clamp(A / a_sat, -1, 1) on a 32-level grid, or the sign + counter), the
digital sum over sub-tiles and the output scaler. Token t sits in window slot t (the sequence
never exceeds the window here: T <= window_tokens), so sub-tile m holds tokens 64m .. 64m+63,
exactly as in the accelerator (slot = token mod window). Quantisers pass gradients straight
through; clamps have their natural (zero outside) gradients.

The polynomial cell is a cubic in u, so with delta depending only on the age t - s the scores are
    S[t, s] = c0 * sum_d q[t, d] + sum_{i=1..3} c_i * delta(t-s)^i * (q @ (u_k^i)^T)[t, s],
three matrix products instead of a per-cell evaluation; the V side likewise per sub-tile.
"""

import json
import math
import os

import torch

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


class HwParams:
    """The parameters of one preset the function needs (configs/presets/*.json, docs/configuration.md)."""

    def __init__(self, preset="paper", cell=None, decay_per_token=None, overrides=None,
                 decay_rounding=None):
        cfg = load_preset(preset)
        for key, value in (overrides or {}).items():
            section, name = key.split(".", 1)
            cfg.setdefault(section, {})[name] = value
        a = cfg["array"]
        self.rows, self.cols, self.window = a["rows"], a["cols"], a["window_tokens"]
        c = cfg["cell"]
        self.cell = cell or c["model"]
        self.v_mid = c["v_mid_v"]
        if self.cell == "polynomial":
            vr = c["read_amplitude_v"]
            cij = c["poly_coeffs_ua"]
            coeffs, n = [], 0
            for i in range(4):  # c_ij ordered i = 0..3, j = 0..3-i (PAPER.md section 4)
                coeffs.append(sum(cij[n + j] * vr ** j for j in range(4 - i)))
                n += 4 - i
            self.coeffs = coeffs
        elif self.cell == "linear":
            self.coeffs = [0.0, c["linear_slope_ua_per_v"], 0.0, 0.0]
        else:
            raise ValueError(f"cell.model {self.cell!r}: expected polynomial or linear")
        self.q_levels = cfg["query_dac"]["levels"]
        kv = cfg["kv_dac"]
        self.kv_levels, self.v_min, self.v_max = kv["levels"], kv["v_min_v"], kv["v_max_v"]
        self.s_sat = cfg["cpc"]["s_sat_ua"]
        o = cfg["output"]
        self.a_sat, self.out_levels, self.out_mode = o["a_sat_ua"], o["levels"], o["mode"]
        self.quantize = cfg["signal"]["quantize"]
        lk = cfg["leakage"]
        if decay_per_token is None:
            decay_per_token = 0.0 if lk["mode"] == "off" else lk["decay_per_token"]
        self.decay_per_token = decay_per_token
        # leakage.decay_rounding: "bfloat16_qk" rounds the K side's delta to bfloat16.
        self.decay_rounding = decay_rounding or lk.get("decay_rounding", "none")
        if self.decay_rounding not in ("none", "bfloat16_qk"):
            raise ValueError(f"leakage.decay_rounding {self.decay_rounding!r}: expected none or bfloat16_qk")
        # Non-idealities (docs/nonidealities.md), all zero in every preset.
        va, no = cfg.get("variation", {}), cfg.get("noise", {})
        self.gain_sigma = float(va.get("cell_gain_sigma", 0.0))
        self.offset_sigma_v = float(va.get("cell_offset_sigma_v", 0.0))
        self.tau_sigma = float(va.get("tau_sigma", 0.0))
        self.converter_offset_lsb = float(va.get("converter_offset_sigma_lsb", 0.0))
        self.read_sigma = float(no.get("read_sigma", 0.0))
        self.write_sigma_v = float(no.get("write_sigma_v", 0.0))

    @property
    def nonideal(self):
        return any(x > 0.0 for x in (self.gain_sigma, self.offset_sigma_v, self.tau_sigma,
                                     self.converter_offset_lsb, self.read_sigma, self.write_sigma_v))


def load_preset(name):
    """A preset by name (configs/presets/NAME.json, following "extends") or a JSON file path."""
    path = name if name.endswith(".json") else os.path.join(REPO_ROOT, "configs", "presets", name + ".json")
    with open(path) as f:
        cfg = json.load(f)
    base = cfg.pop("extends", None)
    if base is None:
        return cfg
    merged = load_preset(base)
    for section, values in cfg.items():
        if isinstance(values, dict):
            merged.setdefault(section, {}).update(values)
        else:
            merged[section] = values
    return merged


def _ste(x, q):
    """Forward q, backward identity (straight-through)."""
    return x + (q - x).detach()


def quantize(x, step):
    """step * round_half_even(x / step) (torch.round rounds half to even), straight-through."""
    return _ste(x, torch.round(x / step) * step)


def counter(x, levels):
    n = levels // 2 - 1
    return _ste(x, torch.sign(x) * torch.clamp(torch.round(x.abs() * n), max=n) / n)


class Scalers(torch.nn.Module):
    """Per-head affine scalers x_hw = gain * x + offset for q, k, v and the output."""

    NAMES = ("q", "k", "v", "out")

    def __init__(self, n_head, init=None):
        super().__init__()
        init = init or {"q": (1.0, 0.0), "k": (1.0, 0.45), "v": (1.0, 0.45), "out": (1.0, 0.0)}
        for n in self.NAMES:
            g, b = init[n]
            setattr(self, n + "_gain", torch.nn.Parameter(torch.full((n_head,), float(g))))
            setattr(self, n + "_offset", torch.nn.Parameter(torch.full((n_head,), float(b))))

    def apply(self, name, x):
        """x [B, H, T, D] -> gain[h] * x + offset[h]."""
        g = getattr(self, name + "_gain").to(x.dtype)[None, :, None, None]
        b = getattr(self, name + "_offset").to(x.dtype)[None, :, None, None]
        return g * x + b

    def table(self):
        """[head] -> {"q": [gain, offset], ...} as gcattn's scalers file holds them."""
        H = self.q_gain.numel()
        return [{n: [float(getattr(self, n + "_gain")[h]), float(getattr(self, n + "_offset")[h])]
                 for n in self.NAMES} for h in range(H)]

    @torch.no_grad()
    def set_table(self, rows):
        for h, row in enumerate(rows):
            for n in self.NAMES:
                getattr(self, n + "_gain")[h] = row[n][0]
                getattr(self, n + "_offset")[h] = row[n][1]


def hw_attention(q, k, v, scalers, hp, stats=None, subtile_out=False):
    """Hardware attention of q, k, v [B, H, T, D] (model space) -> out [B, H, T, D] (model space).

    stats: a dict that receives, per scaler name, the scaler output [B, H, T, D] (before the
    clamps), for the adaptation's statistics. subtile_out: also return the per-sub-tile converter
    outputs [B, H, T, M, D] (normalised, before the digital sum).
    """
    B, H, T, D = q.shape
    if D != hp.rows:
        raise ValueError(f"head dimension {D} != array.rows {hp.rows}")
    if T > hp.window:
        raise ValueError(f"sequence of {T} tokens exceeds the window of {hp.window}")
    qs, ks, vs = scalers.apply("q", q), scalers.apply("k", k), scalers.apply("v", v)
    if stats is not None:
        stats.update(q=qs, k=ks, v=vs)
    qf = torch.clamp(qs, 0.0, 1.0)
    kv_step = (hp.v_max - hp.v_min) / (hp.kv_levels - 1)
    kw = torch.clamp(ks, hp.v_min, hp.v_max)
    vw = torch.clamp(vs, hp.v_min, hp.v_max)
    if hp.quantize:
        qf = quantize(qf, 1.0 / (hp.q_levels - 1))
        kw, vw = quantize(kw, kv_step), quantize(vw, kv_step)
    uk, uv = kw - hp.v_mid, vw - hp.v_mid

    cols = hp.cols
    M = (T + cols - 1) // cols
    Tp = M * cols  # keys padded to whole sub-tiles (padding is never written: phi = 0)
    t_idx = torch.arange(T, device=q.device)
    s_idx = torch.arange(Tp, device=q.device)
    age = (t_idx[:, None] - s_idx[None, :]).to(q.dtype)
    written = age >= 0
    delta = torch.exp(-hp.decay_per_token * age.clamp(min=0)) * written  # [T, Tp]
    # The K side's factor: rounded to bfloat16 (nearest even) with leakage.decay_rounding =
    # bfloat16_qk, as the authors' code computes it; the V side keeps full precision.
    delta_k = delta.to(torch.bfloat16).to(delta.dtype) if hp.decay_rounding == "bfloat16_qk" else delta
    if Tp > T:
        pad = (0, 0, 0, Tp - T)
        uk = torch.nn.functional.pad(uk, pad)
        uv = torch.nn.functional.pad(uv, pad)
    c = hp.coeffs
    if hp.nonideal:
        lam_age = hp.decay_per_token * age.clamp(min=0) * written  # [T, Tp]
        return _nonideal_attention(qf, uk, uv, delta_k, delta, lam_age, written, scalers, hp, stats, subtile_out,
                                   (B, H, T, D, M, cols, Tp))

    # Scores: S[t, s] = sum_d q[t, d] * g(delta_k * u_k[s, d]).
    S = c[0] * qf.sum(-1, keepdim=True) * written
    dpow = delta_k
    upow = uk
    for i in (1, 2, 3):
        if c[i] != 0.0:
            S = S + c[i] * dpow * (qf @ upow.transpose(-1, -2))
        if i < 3:
            dpow = dpow * delta_k
            upow = upow * uk
    phi = torch.clamp(S / hp.s_sat, 0.0, 1.0) * written

    # V read per sub-tile: A_m[t, d] = sum_{s in m} phi[t, s] * g(delta * u_v[s, d]).
    phi4 = phi.view(B, H, T, M, cols)
    delta4 = delta.view(T, M, cols)
    A = c[0] * phi4.sum(-1, keepdim=True).expand(B, H, T, M, D)
    dpow = delta4
    upow = uv
    for i in (1, 2, 3):
        if c[i] != 0.0:
            A = A + c[i] * torch.einsum("bhtmc,bhmcd->bhtmd", phi4 * dpow, upow.view(B, H, M, cols, D))
        if i < 3:
            dpow = dpow * delta4
            upow = upow * uv
    x = torch.clamp(A / hp.a_sat, -1.0, 1.0)
    if hp.quantize:
        x = counter(x, hp.out_levels) if hp.out_mode == "counter" else quantize(x, 2.0 / (hp.out_levels - 1))
    out = scalers.apply("out", x.sum(-2))
    if stats is not None:
        stats["out"] = out
    return (out, x) if subtile_out else out


def _cell_terms(u, hp):
    """W_j [B, H, Tp, D], j = 0..3: a cell's current with its static gain and offset at leakage
    delta is (1 + g z) * g(delta * u + o) = sum_j delta^j W_j, with
    W_j = (1 + g z) * u^j * sum_{i >= j} c_i C(i, j) o^(i - j) (u already carries write noise)."""
    c = hp.coeffs
    o = hp.offset_sigma_v * torch.randn_like(u) if hp.offset_sigma_v > 0 else None
    terms = []
    for j in range(4):
        coef = c[j] * torch.ones_like(u)
        if o is not None:
            for i in range(j + 1, 4):
                coef = coef + c[i] * math.comb(i, j) * o ** (i - j)
        terms.append(coef * u ** j)
    if hp.gain_sigma > 0:
        gain = 1.0 + hp.gain_sigma * torch.randn_like(u)
        terms = [w * gain for w in terms]
    return terms


def _spread_currents(w, a, lam_age, rows):
    """Cell currents with a per-cell retention spread for the queries `rows` (a slice):
    sum_j delta_c^j w_j with delta_c = exp(-a lam_age) per (t, s, d) (lam_age = decay_per_token *
    age per (t, s), a = exp(-tau_sigma z) per cell): [B, H, len(rows), Tp, D]. It does not factor into
    matrix products, so it is evaluated per cell, a block of queries at a time."""
    e = torch.exp(-a[:, :, None] * lam_age[rows, :, None])  # [B, H, tb, Tp, D]
    g = w[3][:, :, None]
    for j in (2, 1):
        g = g * e + w[j][:, :, None]
    return g * e + w[0][:, :, None]


def _nonideal_attention(qf, uk, uv, delta_k, delta, lam_age, written, scalers, hp, stats, subtile_out, dims):
    """hw_attention with device variation and noise (docs/nonidealities.md): a new chip (static
    cell gain, offset and retention time constant, converter offsets) and new noise for every call, drawn from torch's
    generator: training with noise injection. The distributions are gcattn's; the draws are not
    the simulator's (its draws are keyed hashes, docs/nonidealities.md). Read noise enters through
    its exact distribution: sum_d q g (1 + r n) = S + r * sqrt(sum_d q^2 g^2) * z for normal n."""
    B, H, T, D, M, cols, Tp = dims
    if hp.write_sigma_v > 0:
        uk = uk + hp.write_sigma_v * torch.randn_like(uk)
        uv = uv + hp.write_sigma_v * torch.randn_like(uv)
    wk, wv = _cell_terms(uk, hp), _cell_terms(uv, hp)
    one = written.to(qf.dtype)
    kpow = [one] + [delta_k ** n for n in range(1, 7)]  # K side (decay_rounding applies), n = 0..6
    dpow = [one] + [delta ** n for n in range(1, 7)]  # V side
    spread = hp.tau_sigma > 0  # per-cell retention: tau_c = tau exp(sigma z), delta_c = delta^exp(-sigma z)
    if spread:
        a_k = torch.exp(-hp.tau_sigma * torch.randn_like(uk))
        a_v = torch.exp(-hp.tau_sigma * torch.randn_like(uv))
        tb = max(1, (1 << 24) // (B * H * Tp * D))  # queries per block: at most 16 M cells at once
        blocks = [slice(i, min(i + tb, T)) for i in range(0, T, tb)]

    def products(w):  # w_j w_k grouped by j + k (the currents' squares, for the read noise)
        out = [0.0] * 7
        for j in range(4):
            for k in range(4):
                out[j + k] = out[j + k] + w[j] * w[k]
        return out

    noisy = hp.read_sigma > 0
    if spread:  # scores and their read-noise variance, a block of queries at a time
        s_parts, v_parts = [], []
        for r in blocks:
            g = _spread_currents(wk, a_k, lam_age, r)
            s_parts.append((qf[:, :, r, None, :] * g).sum(-1))
            if noisy:
                v_parts.append((qf[:, :, r, None, :] ** 2 * g * g).sum(-1))
        S = torch.cat(s_parts, dim=2)
        var = torch.cat(v_parts, dim=2) if noisy else None
    else:
        S = sum(kpow[j] * (qf @ wk[j].transpose(-1, -2)) for j in range(4))
        if noisy:
            w2 = products(wk)
            var = sum(kpow[m] * ((qf * qf) @ w2[m].transpose(-1, -2)) for m in range(7))
    if noisy:
        S = S + hp.read_sigma * torch.sqrt(var.clamp(min=0.0) + 1e-30) * torch.randn_like(S)
    lsb_q = 1.0 / (hp.q_levels - 1)
    off_k = 0.0
    if hp.converter_offset_lsb > 0:  # one charge-to-pulse converter per K column (slot)
        off_k = (hp.converter_offset_lsb * lsb_q) * torch.randn(B, H, 1, Tp, dtype=qf.dtype)
    phi = torch.clamp(S / hp.s_sat + off_k, 0.0, 1.0) * written

    phi4 = phi.view(B, H, T, M, cols)

    if spread:  # per sub-tile V reads and their variance, a block of queries at a time
        a_parts, v_parts = [], []
        for r in blocks:
            g = _spread_currents(wv, a_v, lam_age, r)
            p = phi[:, :, r, :, None]
            a_parts.append((p * g).view(B, H, -1, M, cols, D).sum(-2))
            if noisy:
                v_parts.append((p * p * g * g).view(B, H, -1, M, cols, D).sum(-2))
        A = torch.cat(a_parts, dim=2)
        var = torch.cat(v_parts, dim=2) if noisy else None
    else:
        d4 = [f.view(T, M, cols) for f in dpow]
        A = sum(torch.einsum("bhtmc,bhmcd->bhtmd", phi4 * d4[j], wv[j].view(B, H, M, cols, D)) for j in range(4))
        if noisy:
            w2 = products(wv)
            var = sum(torch.einsum("bhtmc,bhmcd->bhtmd", phi4 * phi4 * d4[m], w2[m].view(B, H, M, cols, D))
                      for m in range(7))
    if noisy:
        A = A + hp.read_sigma * torch.sqrt(var.clamp(min=0.0) + 1e-30) * torch.randn_like(A)
    step = (1.0 / (hp.out_levels // 2 - 1)) if hp.out_mode == "counter" else 2.0 / (hp.out_levels - 1)
    off_o = 0.0
    if hp.converter_offset_lsb > 0:  # one output converter per V row of each sub-tile
        off_o = (hp.converter_offset_lsb * step) * torch.randn(B, H, 1, M, D, dtype=qf.dtype)
    x = torch.clamp(A / hp.a_sat + off_o, -1.0, 1.0)
    if hp.quantize:
        x = counter(x, hp.out_levels) if hp.out_mode == "counter" else quantize(x, step)
    # A sub-tile that holds no token yet is not read (its converters are not exercised).
    active = written.view(T, M, cols).any(-1).to(x.dtype)  # [T, M]
    x = x * active[..., None]
    out = scalers.apply("out", x.sum(-2))
    if stats is not None:
        stats["out"] = out
    return (out, x) if subtile_out else out


def softmax_attention(q, k, v):
    """GPT-2's causal softmax attention of q, k, v [B, H, T, D]."""
    T, D = q.shape[-2], q.shape[-1]
    att = (q @ k.transpose(-1, -2)) / math.sqrt(D)
    mask = torch.ones(T, T, dtype=torch.bool, device=q.device).tril()
    att = att.masked_fill(~mask, float("-inf"))
    return torch.softmax(att, dim=-1) @ v
