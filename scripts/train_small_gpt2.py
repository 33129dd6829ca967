#!/usr/bin/env python3
"""Train, export and sample a small byte-level GPT-2 on Tiny Shakespeare.

This script produces the small reference model shipped with gcattn in
``traces/models/shakespeare-gpt2-mini/``.  The model is a standard GPT-2
(``GPT2LMHeadModel``) in every architectural detail -- learned token and
position embeddings, pre-LayerNorm blocks with a fused-QKV ``Conv1D``
attention and a ``gelu_new`` (tanh-approximation GELU) MLP, final ``ln_f``,
LM head tied to ``wte``, LayerNorm eps 1e-5, no dropout -- only smaller:

    n_layer=4, n_head=4, n_embd=256 (head dim 64), n_positions=256,
    vocab_size=257 (256 byte tokens + id 256 = "<|endoftext|>").

Tokenizer: a byte-level GPT-2 tokenizer with *no merges*.  ``vocab.json``
maps ``bytes_to_unicode()[b] -> b`` for every byte ``b`` (the table from
GPT-2's ``encoder.py``) plus ``"<|endoftext|>": 256``; ``merges.txt`` only
has the ``#version: 0.2`` header.  Encoding a text therefore yields exactly
its UTF-8 bytes as token ids.

Modes (dependencies: torch and numpy only; run with Debian's interpreter,
``/usr/bin/python3``, which has ``python3-torch`` 1.13 installed):

  train (default)   Train from scratch, or continue from the checkpoint in
                    --ckpt-dir with --resume.  A checkpoint (model, optimizer,
                    step, RNG states, loss history, elapsed time) is written
                    every --ckpt-every steps.  At the end the model is
                    exported (see --export-only).
  --export-only     Load the checkpoint, write the Hugging Face GPT-2 layout
                    (config.json, model.safetensors in float16 with HF names
                    without the "transformer." prefix, vocab.json,
                    merges.txt, tokenizer_config.json,
                    generation_config.json, README.md) to --out-dir, then run
                    a self-check: re-read model.safetensors with a numpy
                    parser and compare an independent numpy GPT-2 forward
                    pass (and a rebuilt torch model) with the in-memory model.
  --sample          Generate text from --prompt with the exported fp16
                    weights (greedy and top-k), using this script's own
                    PyTorch implementation.
  --time-steps N    Only time N training steps (nothing is saved), to pick
                    --steps for a wall-clock budget.

Example (from the repo root; the exact commands used for the shipped model are
recorded in its README.md):

    mkdir -p /tmp/train_ckpt && nohup /usr/bin/python3 scripts/train_small_gpt2.py --steps 1000 --resume \\
        >> /tmp/train_ckpt/train.log 2>&1 &
    /usr/bin/python3 scripts/train_small_gpt2.py --export-only
    /usr/bin/python3 scripts/train_small_gpt2.py --sample --prompt "ROMEO:"

The training text is read from ``../shared/data/tinyshakespeare.txt``
relative to the repository root (override with --data); it is never copied
into the repository.
"""

import argparse
import json
import math
import os
import random
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DEFAULT_DATA = os.path.join(REPO_ROOT, "..", "shared", "data", "tinyshakespeare.txt")
DEFAULT_OUT = os.path.join(REPO_ROOT, "traces", "models", "shakespeare-gpt2-mini")
DEFAULT_CKPT_DIR = "/tmp/train_ckpt"
EOT_ID = 256
EOT_TOKEN = "<|endoftext|>"


# --------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------

def bytes_to_unicode():
    """GPT-2's reversible byte -> unicode-character table (openai/gpt-2 encoder.py)."""
    bs = (list(range(ord("!"), ord("~") + 1))
          + list(range(ord("\u00a1"), ord("\u00ac") + 1))
          + list(range(ord("\u00ae"), ord("\u00ff") + 1)))
    cs = bs[:]
    n = 0
    for b in range(2 ** 8):
        if b not in bs:
            bs.append(b)
            cs.append(2 ** 8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def make_vocab():
    """vocab.json contents: id of the GPT-2 unicode char of byte b is b; EOT is 256."""
    b2u = bytes_to_unicode()
    vocab = {b2u[b]: b for b in range(256)}
    vocab[EOT_TOKEN] = EOT_ID
    return vocab


def encode(text):
    return list(text.encode("utf-8"))


def decode(ids):
    return bytes([i for i in ids if i < 256]).decode("utf-8", errors="replace")


# --------------------------------------------------------------------------
# Model (GPT-2, parameters stored in the HF layout: Conv1D weights are [in, out])
# --------------------------------------------------------------------------

class Conv1D(nn.Module):
    """HF GPT-2 Conv1D: y = x @ W + b with W of shape [in, out]."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(*x.shape[:-1], -1)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.n_head = cfg["n_head"]
        self.n_embd = cfg["n_embd"]
        self.c_attn = Conv1D(self.n_embd, 3 * self.n_embd)
        self.c_proj = Conv1D(self.n_embd, self.n_embd)
        n = cfg["n_positions"]
        self.register_buffer("mask", torch.tril(torch.ones(n, n, dtype=torch.bool)).view(1, 1, n, n),
                             persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        H = self.n_head
        D = C // H
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, H, D).transpose(1, 2)
        k = k.view(B, T, H, D).transpose(1, 2)
        v = v.view(B, T, H, D).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(D))
        att = att.masked_fill(~self.mask[:, :, :T, :T], float("-inf"))
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.c_fc = Conv1D(cfg["n_embd"], 4 * cfg["n_embd"])
        self.c_proj = Conv1D(4 * cfg["n_embd"], cfg["n_embd"])

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))  # == HF "gelu_new"


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        eps = cfg["layer_norm_epsilon"]
        self.ln_1 = nn.LayerNorm(cfg["n_embd"], eps=eps)
        self.attn = Attention(cfg)
        self.ln_2 = nn.LayerNorm(cfg["n_embd"], eps=eps)
        self.mlp = MLP(cfg)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT2(nn.Module):
    """GPT2LMHeadModel equivalent; state_dict names match HF GPT-2 (minus "transformer.")."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg["vocab_size"], cfg["n_embd"])
        self.wpe = nn.Embedding(cfg["n_positions"], cfg["n_embd"])
        self.h = nn.ModuleList([Block(cfg) for _ in range(cfg["n_layer"])])
        self.ln_f = nn.LayerNorm(cfg["n_embd"], eps=cfg["layer_norm_epsilon"])
        self._init_weights()

    def _init_weights(self):
        std = cfg_std = self.cfg["initializer_range"]
        for name, p in self.named_parameters():
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name == "ln_f.weight":
                nn.init.ones_(p)
            elif name.endswith(".bias"):
                nn.init.zeros_(p)
            elif name.endswith("c_proj.weight"):
                # GPT-2: residual projections scaled by 1/sqrt(2 * n_layer)
                nn.init.normal_(p, 0.0, cfg_std / math.sqrt(2 * self.cfg["n_layer"]))
            else:
                nn.init.normal_(p, 0.0, std)

    def forward(self, idx):
        B, T = idx.shape
        assert T <= self.cfg["n_positions"], "sequence longer than n_positions"
        pos = torch.arange(T, dtype=torch.long, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)[None]
        for blk in self.h:
            x = blk(x)
        x = self.ln_f(x)
        return x @ self.wte.weight.t()  # tied LM head

    def num_params(self):
        return sum(p.numel() for p in self.parameters())


def model_config(args):
    return {
        "vocab_size": 257,
        "n_positions": args.context,
        "n_embd": args.n_embd,
        "n_layer": args.n_layer,
        "n_head": args.n_head,
        "layer_norm_epsilon": 1e-5,
        "initializer_range": 0.02,
    }


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

def load_data(path):
    with open(path, "rb") as f:
        raw = f.read()
    data = torch.from_numpy(np.frombuffer(raw, dtype=np.uint8).astype(np.int64))
    n_train = int(0.9 * len(data))
    return data[:n_train], data[n_train:]


def get_batch(data, batch, T, generator=None):
    ix = torch.randint(0, len(data) - T - 1, (batch,), generator=generator)
    x = torch.stack([data[i:i + T] for i in ix.tolist()])
    y = torch.stack([data[i + 1:i + T + 1] for i in ix.tolist()])
    return x, y


def fixed_batches(data, n_batches, batch, T, seed):
    g = torch.Generator()
    g.manual_seed(seed)
    return [get_batch(data, batch, T, generator=g) for _ in range(n_batches)]


@torch.no_grad()
def evaluate(model, batches):
    """Mean cross-entropy (nats/token) over a fixed list of (x, y) batches."""
    model.eval()
    tot, n = 0.0, 0
    for x, y in batches:
        logits = model(x)
        tot += F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1), reduction="sum").item()
        n += y.numel()
    model.train()
    return tot / n


def lr_at(step, args):
    """Linear warmup to --lr, then cosine decay to --min-lr at --steps."""
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    t = min(1.0, (step - args.warmup) / max(1, args.steps - args.warmup))
    return args.min_lr + 0.5 * (args.lr - args.min_lr) * (1.0 + math.cos(math.pi * t))


def make_optimizer(model, args):
    decay = [p for p in model.parameters() if p.dim() >= 2]      # matrices + embeddings
    no_decay = [p for p in model.parameters() if p.dim() < 2]    # biases, LayerNorm
    return torch.optim.AdamW([
        {"params": decay, "weight_decay": args.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ], lr=args.lr, betas=(0.9, 0.95), eps=1e-8)


# --------------------------------------------------------------------------
# Checkpointing
# --------------------------------------------------------------------------

def ckpt_path(args):
    return os.path.join(args.ckpt_dir, "ckpt.pt")


def save_checkpoint(args, model, opt, step, meta):
    os.makedirs(args.ckpt_dir, exist_ok=True)
    state = {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "step": step,
        "cfg": model.cfg,
        "rng_torch": torch.get_rng_state(),
        "rng_numpy": np.random.get_state(),
        "rng_python": random.getstate(),
        "meta": meta,
    }
    tmp = ckpt_path(args) + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, ckpt_path(args))  # atomic: an interrupted save never corrupts the checkpoint


def load_checkpoint(args):
    return torch.load(ckpt_path(args), map_location="cpu")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------

def train(args):
    train_data, val_data = load_data(args.data)
    log(f"data: {args.data}: {len(train_data)} train / {len(val_data)} val bytes")
    val_batches = fixed_batches(val_data, args.eval_batches, args.batch, args.context, args.seed + 1)
    train_eval_batches = fixed_batches(train_data, args.eval_batches, args.batch, args.context, args.seed + 2)

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    random.seed(args.seed)
    model = GPT2(model_config(args))
    opt = make_optimizer(model, args)
    step = 0
    cmd = " ".join(["/usr/bin/python3"] + [a if " " not in a else repr(a) for a in sys.argv])
    meta = {"command": cmd, "resume_commands": [], "seed": args.seed, "batch": args.batch,
            "context": args.context, "steps_planned": args.steps, "lr": args.lr, "min_lr": args.min_lr,
            "warmup": args.warmup, "weight_decay": args.weight_decay, "grad_clip": args.grad_clip,
            "train_time_s": 0.0, "history": [], "evals": [], "data": os.path.basename(args.data),
            "data_bytes": len(train_data) + len(val_data)}

    if args.resume and os.path.exists(ckpt_path(args)):
        ck = load_checkpoint(args)
        if ck["cfg"] != model.cfg:
            sys.exit(f"checkpoint config {ck['cfg']} != requested {model.cfg}")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        step = ck["step"]
        torch.set_rng_state(ck["rng_torch"])
        np.random.set_state(ck["rng_numpy"])
        random.setstate(ck["rng_python"])
        old = ck["meta"]
        old["resume_commands"].append({"command": cmd, "from_step": step})
        old["steps_planned"] = args.steps
        meta = old
        log(f"resumed from {ckpt_path(args)} at step {step} "
            f"(train time so far {meta['train_time_s']:.0f} s)")
    elif args.resume:
        log(f"--resume: no checkpoint at {ckpt_path(args)}, starting from scratch")

    log(f"model: {model.cfg}, {model.num_params()} parameters (tied LM head)")
    log(f"training steps {step}..{args.steps}, batch {args.batch}x{args.context}, seed {args.seed}")

    model.train()
    t_seg = time.time()
    run_losses = []
    stop = min(args.steps, args.stop_at) if args.stop_at else args.steps
    while step < stop:
        t0 = time.time()
        lr = lr_at(step, args)
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = get_batch(train_data, args.batch, args.context)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip).item()
        opt.step()
        step += 1
        dt = time.time() - t0
        meta["train_time_s"] += time.time() - t_seg
        t_seg = time.time()
        run_losses.append(loss.item())
        meta["history"].append([step, round(loss.item(), 5)])
        if step % args.log_every == 0 or step == 1:
            log(f"step {step:5d}/{args.steps} loss {loss.item():.4f} "
                f"(avg{len(run_losses):3d} {np.mean(run_losses):.4f}) lr {lr:.2e} "
                f"gnorm {gnorm:.2f} {dt:.2f} s/step, elapsed {meta['train_time_s'] / 60:.1f} min")
            run_losses = []
        if step % args.eval_every == 0 and step < args.steps:
            t_e = time.time()
            vl = evaluate(model, val_batches)
            meta["evals"].append({"step": step, "val_loss": round(vl, 5)})
            log(f"step {step:5d} val_loss {vl:.4f} nats/byte ({time.time() - t_e:.1f} s eval)")
            meta["train_time_s"] += time.time() - t_seg
            t_seg = time.time()
        if step % args.ckpt_every == 0 or step == args.steps:
            save_checkpoint(args, model, opt, step, meta)
            meta["train_time_s"] += time.time() - t_seg
            t_seg = time.time()

    if step < args.steps:
        save_checkpoint(args, model, opt, step, meta)
        log(f"stopped at step {step} (--stop-at); continue with --resume")
        return
    if "final" not in meta or meta["final"].get("step") != step:
        t_e = time.time()
        vl = evaluate(model, val_batches)
        tl = evaluate(model, train_eval_batches)
        meta["train_time_s"] += time.time() - t_seg
        meta["final"] = {"step": step, "val_loss": round(vl, 5), "train_loss": round(tl, 5),
                         "eval_tokens": args.eval_batches * args.batch * args.context}
        meta["evals"].append({"step": step, "val_loss": round(vl, 5), "train_loss": round(tl, 5)})
        log(f"final step {step}: train_loss {tl:.4f} val_loss {vl:.4f} nats/byte "
            f"({time.time() - t_e:.1f} s eval); total train time {meta['train_time_s'] / 60:.1f} min")
        save_checkpoint(args, model, opt, step, meta)
    else:
        log(f"already trained to step {step}: {meta['final']}")
    if not args.no_export:
        export(args, model, meta, step)


def time_steps(args):
    train_data, _ = load_data(args.data)
    torch.manual_seed(args.seed)
    model = GPT2(model_config(args))
    opt = make_optimizer(model, args)
    log(f"{model.num_params()} parameters; timing {args.time_steps} steps of {args.batch}x{args.context}")
    for i in range(args.time_steps):
        t0 = time.time()
        x, y = get_batch(train_data, args.batch, args.context)
        loss = F.cross_entropy(model(x).view(-1, 257), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        opt.step()
        log(f"step {i + 1}: loss {loss.item():.4f} {time.time() - t0:.2f} s")


# --------------------------------------------------------------------------
# Export (Hugging Face GPT-2 layout) and self-check
# --------------------------------------------------------------------------

def hf_tensors(model):
    """Ordered (name, fp32 numpy array) in HF GPT-2 naming, shapes checked against HF."""
    cfg = model.cfg
    C, V, P = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]
    expected = {"wte.weight": [V, C], "wpe.weight": [P, C], "ln_f.weight": [C], "ln_f.bias": [C]}
    for i in range(cfg["n_layer"]):
        p = f"h.{i}."
        expected.update({
            p + "ln_1.weight": [C], p + "ln_1.bias": [C],
            p + "attn.c_attn.weight": [C, 3 * C], p + "attn.c_attn.bias": [3 * C],
            p + "attn.c_proj.weight": [C, C], p + "attn.c_proj.bias": [C],
            p + "ln_2.weight": [C], p + "ln_2.bias": [C],
            p + "mlp.c_fc.weight": [C, 4 * C], p + "mlp.c_fc.bias": [4 * C],
            p + "mlp.c_proj.weight": [4 * C, C], p + "mlp.c_proj.bias": [C],
        })
    sd = model.state_dict()
    assert set(sd.keys()) == set(expected.keys()), set(sd.keys()) ^ set(expected.keys())
    out = []
    for name in expected:  # wte, wpe, ln_f, then h.0.*, h.1.*, ...
        t = sd[name].detach().cpu().float().numpy()
        assert list(t.shape) == expected[name], (name, t.shape, expected[name])
        out.append((name, np.ascontiguousarray(t)))
    return out


def write_safetensors(path, tensors, metadata=None):
    """Minimal safetensors writer (F16): u64 LE header size, JSON header, raw LE data."""
    header = {}
    blobs = []
    off = 0
    for name, arr in tensors:
        b = np.ascontiguousarray(arr.astype("<f2")).tobytes()
        header[name] = {"dtype": "F16", "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = metadata or {"format": "pt"}
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    """Parse a safetensors file with numpy only; returns {name: fp32 array}, metadata."""
    dt = {"F16": "<f2", "F32": "<f4", "I32": "<i4", "BF16": None}
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        arr = np.frombuffer(buf[base + b:base + e], dtype=dt[info["dtype"]]).reshape(info["shape"])
        out[name] = arr.astype(np.float32)
    return out, meta


def numpy_gpt2_logits(w, cfg, ids):
    """Independent numpy reference of HF GPT2LMHeadModel's forward pass (float64)."""
    w = {k: v.astype(np.float64) for k, v in w.items()}
    C, H = cfg["n_embd"], cfg["n_head"]
    D = C // H
    eps = cfg["layer_norm_epsilon"]
    T = len(ids)

    def ln(x, g, b):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * g + b

    def gelu_new(x):
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))

    x = w["wte.weight"][ids] + w["wpe.weight"][:T]
    mask = np.triu(np.ones((T, T), dtype=bool), 1)
    for i in range(cfg["n_layer"]):
        p = f"h.{i}."
        a = ln(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"])
        qkv = a @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        q, k, v = qkv[:, :C], qkv[:, C:2 * C], qkv[:, 2 * C:]
        heads = []
        for hh in range(H):
            s = slice(hh * D, (hh + 1) * D)
            att = q[:, s] @ k[:, s].T / math.sqrt(D)
            att[mask] = -np.inf
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            heads.append(att @ v[:, s])
        x = x + np.concatenate(heads, -1) @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        m = ln(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"])
        m = gelu_new(m @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        x = x + m @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = ln(x, w["ln_f.weight"], w["ln_f.bias"])
    return x @ w["wte.weight"].T


def model_from_safetensors(out_dir):
    with open(os.path.join(out_dir, "config.json")) as f:
        hf = json.load(f)
    cfg = {"vocab_size": hf["vocab_size"], "n_positions": hf["n_positions"], "n_embd": hf["n_embd"],
           "n_layer": hf["n_layer"], "n_head": hf["n_head"],
           "layer_norm_epsilon": hf["layer_norm_epsilon"], "initializer_range": hf["initializer_range"]}
    w, _ = read_safetensors(os.path.join(out_dir, "model.safetensors"))
    model = GPT2(cfg)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in w.items()}, strict=True)
    model.eval()
    return model, w, cfg


def self_check(model, out_dir, prompt="ROMEO:\nBut soft, what light"):
    """Re-read the exported file and compare logits with the in-memory fp32 model."""
    ids = encode(prompt)
    model.eval()
    with torch.no_grad():
        ref = model(torch.tensor([ids]))[0].double().numpy()
    re_model, w, cfg = model_from_safetensors(out_dir)
    with torch.no_grad():
        re_torch = re_model(torch.tensor([ids]))[0].double().numpy()
    re_np = numpy_gpt2_logits(w, cfg, ids)
    d_torch = float(np.abs(re_torch - ref).max())
    d_np = float(np.abs(re_np - ref).max())
    d_impl = float(np.abs(re_np - re_torch).max())  # same fp16 weights, two implementations
    argmax_agree = float((re_np.argmax(-1) == ref.argmax(-1)).mean())
    scale = float(np.abs(ref).max())
    log(f"self-check on {len(ids)} tokens (|logits| max {scale:.2f}): "
        f"max|fp16 file (torch) - fp32 model| = {d_torch:.2e}, "
        f"max|fp16 file (numpy ref) - fp32 model| = {d_np:.2e}, "
        f"max|numpy ref - torch| (same fp16 weights) = {d_impl:.2e}, argmax agreement {argmax_agree:.3f}")
    ok = d_torch < 2e-2 and d_np < 2e-2 and d_impl < 1e-4
    if not ok:
        raise SystemExit("SELF-CHECK FAILED: exported model does not reproduce the in-memory logits")
    log("self-check passed")
    return {"prompt": prompt, "max_abs_diff_fp16_vs_fp32": max(d_torch, d_np),
            "max_abs_diff_numpy_vs_torch": d_impl}


@torch.no_grad()
def generate(model, prompt, n_new, top_k=None, temperature=1.0, seed=1337):
    """Greedy (top_k=None) or top-k sampling; the context is cropped to n_positions."""
    model.eval()
    g = torch.Generator()
    g.manual_seed(seed)
    ids = encode(prompt)
    P = model.cfg["n_positions"]
    for _ in range(n_new):
        logits = model(torch.tensor([ids[-P:]]))[0, -1].double()
        if top_k is None:
            nxt = int(logits.argmax())
        else:
            v, ix = torch.topk(logits / temperature, top_k)
            probs = F.softmax(v, dim=-1)
            nxt = int(ix[torch.multinomial(probs, 1, generator=g)])
        if nxt == EOT_ID:
            break
        ids.append(nxt)
    return decode(ids)


def samples(model, prompt, n_new, top_k, temperature, seed):
    greedy = generate(model, prompt, n_new)
    sampled = generate(model, prompt, n_new, top_k=top_k, temperature=temperature, seed=seed)
    return greedy, sampled


def write_hf_files(out_dir, model, args):
    os.makedirs(out_dir, exist_ok=True)
    cfg = model.cfg
    hf_config = {
        "activation_function": "gelu_new",
        "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.0,
        "bos_token_id": EOT_ID,
        "embd_pdrop": 0.0,
        "eos_token_id": EOT_ID,
        "initializer_range": cfg["initializer_range"],
        "layer_norm_epsilon": cfg["layer_norm_epsilon"],
        "model_type": "gpt2",
        "n_ctx": cfg["n_positions"],
        "n_embd": cfg["n_embd"],
        "n_head": cfg["n_head"],
        "n_inner": None,
        "n_layer": cfg["n_layer"],
        "n_positions": cfg["n_positions"],
        "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.0,
        "scale_attn_by_inverse_layer_idx": False,
        "scale_attn_weights": True,
        "summary_activation": None,
        "summary_first_dropout": 0.0,
        "summary_proj_to_labels": True,
        "summary_type": "cls_index",
        "summary_use_proj": True,
        "tie_word_embeddings": True,
        "torch_dtype": "float16",
        "use_cache": True,
        "vocab_size": cfg["vocab_size"],
    }
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(hf_config, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": EOT_ID, "eos_token_id": EOT_ID}, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(make_vocab(), f, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(out_dir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "GPT2Tokenizer", "model_max_length": cfg["n_positions"],
                   "bos_token": EOT_TOKEN, "eos_token": EOT_TOKEN, "unk_token": EOT_TOKEN,
                   "add_prefix_space": False}, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(out_dir, "model.safetensors"), hf_tensors(model))


def write_readme(out_dir, model, meta, step, check, greedy, sampled, args):
    fin = meta.get("final", {})
    files = sorted(os.listdir(out_dir))
    resumes = meta.get("resume_commands", [])
    res_txt = ""
    if resumes:
        cmds = [meta["command"]] + [c["command"] for c in resumes]
        stops = [c["from_step"] for c in resumes] + [None]
        res_txt = ("\nThe run was stopped and continued from its checkpoint (`--resume` restores\n"
                   "model, optimizer, step and RNG state) with a different `--steps`, which\n"
                   "changes the cosine schedule from that step on. The equivalent sequence of\n"
                   "commands (`--stop-at` marks where each part ended) is:\n\n"
                   + "\n".join(f"    {c}" + (f" --stop-at {st}" if st else "") for c, st in zip(cmds, stops))
                   + "\n")
    evals = "\n".join(f"| {e['step']} | {e['val_loss']:.4f} |" for e in meta.get("evals", []))
    C = model.cfg
    text = f"""# shakespeare-gpt2-mini

A tiny GPT-2 (`GPT2LMHeadModel`) trained from scratch on Tiny Shakespeare with a
byte-level tokenizer. It is the small reference model for gcattn: exactly the
GPT-2 architecture, only scaled down, so a standard Hugging Face GPT-2 loader
(and gcattn's C++ engine) can load it.

Produced by `scripts/train_small_gpt2.py` (torch + numpy only).

## Architecture

| | |
|---|---|
| layers / heads / width | n_layer={C['n_layer']}, n_head={C['n_head']}, n_embd={C['n_embd']} (head dim {C['n_embd'] // C['n_head']}) |
| MLP | n_inner = 4*n_embd = {4 * C['n_embd']}, `gelu_new` (tanh-approximation GELU) |
| context | n_positions = n_ctx = {C['n_positions']} |
| vocabulary | {C['vocab_size']} = 256 byte tokens + id 256 `<|endoftext|>` (bos = eos = 256) |
| normalisation | pre-LayerNorm blocks (ln_1, ln_2) + final ln_f, eps {C['layer_norm_epsilon']} |
| attention | fused QKV Conv1D `c_attn` [n_embd, 3*n_embd], softmax scaled by 1/sqrt(64), causal |
| LM head | tied to `wte` (logits = ln_f(h) @ wte^T); no `lm_head.weight` tensor stored |
| dropout | 0 everywhere |
| parameters | {model.num_params():,} (embeddings counted once) |

`model.safetensors` holds float16 tensors with the HF GPT-2 names without the
`transformer.` prefix (`wte.weight`, `wpe.weight`, `h.N.ln_1.weight`, ...,
`h.N.attn.c_attn.weight` [{C['n_embd']}, {3 * C['n_embd']}], `h.N.mlp.c_fc.weight`
[{C['n_embd']}, {4 * C['n_embd']}], `h.N.mlp.c_proj.weight` [{4 * C['n_embd']}, {C['n_embd']}],
`ln_f.*`). Conv1D weights use the GPT-2 layout [in, out]: y = x @ W + b.

## Tokenizer

Byte-level GPT-2 BPE with **no merges**: `vocab.json` maps the GPT-2
`bytes_to_unicode()` character of byte b to id b, plus `"<|endoftext|>": 256`;
`merges.txt` is only the `#version: 0.2` header. Encoding a text gives its
UTF-8 bytes as token ids; decoding maps ids 0..255 back to bytes.

## Training

* Data: `{meta.get('data', '')}` (Tiny Shakespeare, {meta.get('data_bytes', 1115394):,} bytes; not included here),
  first 90% for training, last 10% for validation.
* Random crops of {meta['context']} tokens, batch {meta['batch']}, {step} steps
  ({step * meta['batch'] * meta['context']:,} training tokens), seed {meta['seed']}.
* AdamW, betas (0.9, 0.95), weight decay {meta['weight_decay']} (matrices and embeddings only),
  lr {meta['lr']:g} with {meta['warmup']} linear warm-up steps then cosine decay to
  {meta['min_lr']:g}, gradient clipping {meta['grad_clip']}.
* CPU only (Debian python3-torch 1.13, 2 threads); training wall time
  {meta['train_time_s'] / 60:.1f} min (training loop incl. evaluations and checkpoints).

Command (from the repository root):

    {meta['command']}
{res_txt}
Export / sample again from the checkpoint:

    /usr/bin/python3 scripts/train_small_gpt2.py --export-only
    /usr/bin/python3 scripts/train_small_gpt2.py --sample --prompt "ROMEO:"

## Results

Losses are mean cross-entropy in nats per byte-token over a fixed set of
{args.eval_batches} batches x {meta['batch']} x {meta['context']} tokens
({fin.get('eval_tokens', 0):,} tokens) of each split, fp32 model:

* final train loss: **{fin.get('train_loss', float('nan')):.4f}**
* final validation loss: **{fin.get('val_loss', float('nan')):.4f}**
  ({fin.get('val_loss', float('nan')) / math.log(2):.3f} bits/byte)

| step | val loss |
|---|---|
{evals}

Export self-check: `model.safetensors` was re-read with a numpy parser and
both an independent numpy GPT-2 forward pass and the rebuilt PyTorch model
reproduce the fp32 model's logits on the prompt {json.dumps(check['prompt'])}
to max abs difference {check['max_abs_diff_fp16_vs_fp32']:.1e} (fp16 rounding); the two
implementations agree to {check['max_abs_diff_numpy_vs_torch']:.1e} on the same fp16 weights.

## Samples

From the exported fp16 weights, prompt `ROMEO:`, {args.sample_tokens} new tokens.

Greedy:

```
{greedy}
```

Top-k sampling (k={args.top_k}, temperature {args.temperature}, torch.Generator seed {args.sample_seed}):

```
{sampled}
```

## Files

{chr(10).join(f'* `{fn}` ({os.path.getsize(os.path.join(out_dir, fn)):,} bytes)' for fn in files if fn != 'README.md')}
"""
    with open(os.path.join(out_dir, "README.md"), "w", encoding="utf-8") as f:
        f.write(text)


def export(args, model, meta, step):
    out = args.out_dir
    write_hf_files(out, model, args)
    log(f"exported to {out}")
    check = self_check(model, out)
    fp16_model, _, _ = model_from_safetensors(out)
    greedy, sampled = samples(fp16_model, args.prompt, args.sample_tokens, args.top_k,
                              args.temperature, args.sample_seed)
    print("---- greedy ----\n" + greedy + "\n---- top-k ----\n" + sampled + "\n----", flush=True)
    write_readme(out, model, meta, step, check, greedy, sampled, args)
    for fn in sorted(os.listdir(out)):
        log(f"  {fn}: {os.path.getsize(os.path.join(out, fn))} bytes")


def export_only(args):
    ck = load_checkpoint(args)
    model = GPT2(ck["cfg"])
    model.load_state_dict(ck["model"])
    log(f"loaded {ckpt_path(args)} (step {ck['step']})")
    if "final" not in ck["meta"]:
        log("warning: checkpoint has no final evaluation (training not finished?)")
    export(args, model, ck["meta"], ck["step"])


def sample_mode(args):
    if os.path.exists(os.path.join(args.out_dir, "model.safetensors")):
        model, _, _ = model_from_safetensors(args.out_dir)
        log(f"sampling from {args.out_dir}/model.safetensors (fp16 weights)")
    else:
        ck = load_checkpoint(args)
        model = GPT2(ck["cfg"])
        model.load_state_dict(ck["model"])
        log(f"sampling from {ckpt_path(args)} (step {ck['step']})")
    greedy, sampled = samples(model, args.prompt, args.sample_tokens, args.top_k,
                              args.temperature, args.sample_seed)
    print("---- greedy ----\n" + greedy + "\n---- top-k "
          f"(k={args.top_k}, T={args.temperature}) ----\n" + sampled)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=DEFAULT_DATA, help="training text (default: %(default)s)")
    ap.add_argument("--out-dir", default=DEFAULT_OUT, help="export directory (default: %(default)s)")
    ap.add_argument("--ckpt-dir", default=DEFAULT_CKPT_DIR, help="checkpoint directory (default: %(default)s)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--export-only", action="store_true", help="export + self-check from the checkpoint")
    mode.add_argument("--sample", action="store_true", help="generate text from the exported model")
    mode.add_argument("--time-steps", type=int, default=0, metavar="N", help="only time N training steps")
    ap.add_argument("--resume", action="store_true", help="continue from --ckpt-dir/ckpt.pt if it exists")
    ap.add_argument("--stop-at", type=int, default=0, metavar="STEP",
                    help="stop (and checkpoint) after STEP steps without finishing the schedule")
    ap.add_argument("--no-export", action="store_true", help="do not export at the end of training")
    ap.add_argument("--steps", type=int, default=1000, help="total optimizer steps (default: %(default)s)")
    ap.add_argument("--batch", type=int, default=16, help="sequences per step (default: %(default)s)")
    ap.add_argument("--context", type=int, default=256, help="n_positions and crop length (default: %(default)s)")
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-embd", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (default: %(default)s)")
    ap.add_argument("--min-lr", type=float, default=1e-4, help="final learning rate (default: %(default)s)")
    ap.add_argument("--warmup", type=int, default=50, help="linear warm-up steps (default: %(default)s)")
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--grad-clip", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--eval-batches", type=int, default=8, help="fixed validation batches (default: %(default)s)")
    ap.add_argument("--ckpt-every", type=int, default=50)
    ap.add_argument("--log-every", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (default: %(default)s)")
    ap.add_argument("--prompt", default="ROMEO:")
    ap.add_argument("--sample-tokens", type=int, default=300)
    ap.add_argument("--top-k", type=int, default=40)
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--sample-seed", type=int, default=1337)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)  # Debian's torch is ~10x slower on denormals otherwise
    if args.export_only:
        export_only(args)
    elif args.sample:
        sample_mode(args)
    elif args.time_steps:
        time_steps(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
