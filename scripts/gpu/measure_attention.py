#!/usr/bin/env python3
"""Measures the attention of one decode step on this machine's GPU (or, for testing, its CPU) and
writes a GPU reference file (configs/gpus/<id>.json, the format of docs/validation.md section 5)
that `gcattn run --gpu FILE` shows as a measured comparison row.

The workload is the paper's GPU measurement (Leroux et al. 2025, PAPER.md section 7): the
attention of GPT-2-shaped heads alone, one token at a time: write the new token's K and V into
the KV cache, then softmax(q K^T / sqrt(d)) V over the cache, for a batch of sequences, in
float16 and float32. Time comes from CUDA events around the decode loop (perf_counter on CPU),
energy from NVML power sampling during the loop minus the idle power measured before it. The
figures are per-sample throughput, as the paper's: loop time / (steps x batch), for 12 heads.

A CPU run is labelled as a CPU: its name starts with "CPU", it is never written into
configs/gpus (whose files are compiled into gcattn as GPU references), and a GPU name for a CPU
run is refused. See docs/validation.md, "Measuring your own GPU".

Exit status: 0 written, 2 usage or a refused label/output, 3 the requested device or an energy
source is not available.
"""
import argparse
import ctypes
import datetime
import json
import math
import os
import platform
import re
import sys
import threading
import time

import torch

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GPU_DIR = os.path.join(REPO, "configs", "gpus")
PAPER_HEADS = 12  # the GPU reference files hold figures for one 12-head GPT-2 layer
GPU_WORDS = re.compile(
    r"nvidia|geforce|quadro|tesla|rtx|gtx|jetson|radeon|instinct|\bgpu\b|\ba100\b|\bh100\b|"
    r"\bh200\b|\bv100\b|\bl4\b|\bl40", re.IGNORECASE)


class Refused(Exception):
    """A label or output the script will not write (exit status 2)."""


class Unavailable(Exception):
    """The requested device or energy source is missing (exit status 3)."""


# ---------------------------------------------------------------- NVML (ctypes, no extra package)

class Nvml:
    """The few NVML calls needed, through the driver's libnvidia-ml.so.1."""

    def __init__(self, cuda_index, cuda_name):
        try:
            self.lib = ctypes.CDLL("libnvidia-ml.so.1")
        except OSError as e:
            raise Unavailable(f"NVML (libnvidia-ml.so.1, part of the NVIDIA driver) not found: {e}")
        self._check(self.lib.nvmlInit_v2(), "nvmlInit_v2")
        # CUDA numbers the visible devices; NVML all of them in PCI order (CUDA_DEVICE_ORDER is
        # set to PCI_BUS_ID in main()).
        self.handle = ctypes.c_void_p()
        visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").strip()
        entry = visible.split(",")[cuda_index].strip() if visible else str(cuda_index)
        if entry.isdigit():
            rc = self.lib.nvmlDeviceGetHandleByIndex_v2(int(entry), ctypes.byref(self.handle))
        else:
            rc = self.lib.nvmlDeviceGetHandleByUUID(entry.encode(), ctypes.byref(self.handle))
        self._check(rc, f"device lookup for CUDA device {cuda_index} ('{entry}')")
        buf = ctypes.create_string_buffer(96)
        self._check(self.lib.nvmlDeviceGetName(self.handle, buf, 96), "nvmlDeviceGetName")
        if buf.value.decode() != cuda_name:
            raise Unavailable(f"NVML device '{buf.value.decode()}' is not the CUDA device "
                              f"'{cuda_name}'; select the GPU with CUDA_VISIBLE_DEVICES=<index>")

    def _check(self, rc, what):
        if rc != 0:
            raise Unavailable(f"NVML {what} failed with code {rc}")

    def power_w(self):
        mw = ctypes.c_uint()
        self._check(self.lib.nvmlDeviceGetPowerUsage(self.handle, ctypes.byref(mw)),
                    "nvmlDeviceGetPowerUsage")
        return mw.value / 1000.0

    def peak_bandwidth_gbs(self):
        """Bus width x maximum memory clock x 2 (double data rate), or None."""
        width, clock = ctypes.c_uint(), ctypes.c_uint()
        if self.lib.nvmlDeviceGetMemoryBusWidth(self.handle, ctypes.byref(width)) != 0:
            return None
        if self.lib.nvmlDeviceGetMaxClockInfo(self.handle, 2, ctypes.byref(clock)) != 0:  # MEM
            return None
        return width.value / 8 * clock.value * 1e6 * 2 / 1e9 if width.value and clock.value else None

    def driver_version(self):
        buf = ctypes.create_string_buffer(96)
        if self.lib.nvmlSystemGetDriverVersion(buf, 96) != 0:
            return "unknown"
        return buf.value.decode()


class PowerSampler(threading.Thread):
    """Samples a power reading every `interval` s until stopped."""

    def __init__(self, read_w, interval):
        super().__init__(daemon=True)
        self.read_w, self.interval = read_w, interval
        self.samples = []
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.is_set():
            self.samples.append(self.read_w())
            self.stop_event.wait(self.interval)

    def stop(self):
        self.stop_event.set()
        self.join()
        return self.samples


def rapl_energy_j():
    """The CPU package energy counter (Linux powercap), or None where it is not readable."""
    path = "/sys/class/powercap/intel-rapl:0/energy_uj"
    try:
        with open(path) as f:
            return int(f.read()) * 1e-6
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------- the workload

def decode_loop(q, k_new, v_new, K, V, steps, fill, window):
    """`steps` decode steps: write token t's K and V at slot t mod window, attend over the cache."""
    scale = 1.0 / math.sqrt(q.shape[-1])
    pool = q.shape[0]
    out = None
    for t in range(steps):
        i = t % pool
        slot = t % window
        K[:, :, slot] = k_new[i]
        V[:, :, slot] = v_new[i]
        n = window if fill == "full" else min(t + 1, window)
        s = torch.matmul(q[i].unsqueeze(2), K[:, :, :n].transpose(-1, -2)) * scale  # [B,H,1,n]
        p = torch.softmax(s, dim=-1)
        out = torch.matmul(p, V[:, :, :n])  # [B,H,1,d]
    return out


def measure(args, device, dtype, energy):
    """Times the decode loop in `dtype`; returns per-token figures for 12 heads."""
    g = torch.Generator(device="cpu").manual_seed(args.seed)
    B, H, D, W = args.batch, args.heads, args.d_head, args.window
    pool = min(args.steps, 16)  # new tokens cycle through a small pool (no RNG in the loop)

    def randn(*shape):
        return torch.randn(*shape, generator=g).to(device=device, dtype=dtype)

    K, V = randn(B, H, W, D), randn(B, H, W, D)
    q, k_new, v_new = randn(pool, B, H, D), randn(pool, B, H, D), randn(pool, B, H, D)
    cuda = device.type == "cuda"

    def sync():
        if cuda:
            torch.cuda.synchronize(device)

    def run(repeats):
        for _ in range(repeats):
            out = decode_loop(q, k_new, v_new, K, V, args.steps, args.fill, W)
        return out

    with torch.inference_mode():
        run(1)  # warm-up: kernels, allocator, caches
        sync()
        # Repeat the loop until it lasts --min-seconds (enough power samples).
        t0 = time.perf_counter()
        run(1)
        sync()
        once = max(time.perf_counter() - t0, 1e-6)
        repeats = max(1, math.ceil(args.min_seconds / once))

        sampler = None
        if energy["method"] == "nvml":
            sampler = PowerSampler(energy["nvml"].power_w, args.sample_interval_ms / 1000.0)
        rapl0 = rapl_energy_j() if energy["method"] == "rapl" else None
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        if sampler:
            sampler.start()
        wall0 = time.perf_counter()
        if cuda:
            start.record()
        out = run(repeats)
        if cuda:
            end.record()
        sync()
        wall = time.perf_counter() - wall0
        samples = sampler.stop() if sampler else []
        seconds = start.elapsed_time(end) / 1000.0 if cuda else wall
        if not torch.isfinite(out.float()).all():
            raise RuntimeError(f"{dtype}: the attention output holds NaN or infinity")

    if energy["method"] == "nvml":
        if len(samples) < 2:
            raise Unavailable("fewer than two NVML power samples: raise --min-seconds")
        active_w = sum(samples) / len(samples)
        joules = max(active_w - energy["idle_w"], 0.0) * seconds
        power = {"mean_w": active_w, "idle_w": energy["idle_w"], "samples": len(samples)}
    elif energy["method"] == "rapl":
        joules = max(rapl_energy_j() - rapl0, 0.0)  # package energy, idle not subtracted
        power = {"mean_w": joules / wall}
    else:
        joules = args.assumed_power_w * seconds
        power = {"assumed_w": args.assumed_power_w}

    samples_done = repeats * args.steps * B  # (token, sequence) pairs
    head_scale = PAPER_HEADS / H
    return {
        "dtype": str(dtype).replace("torch.", ""),
        "seconds": seconds,
        "repeats": repeats,
        "tokens_x_batch": samples_done,
        "latency_per_layer_token_us": seconds / samples_done * 1e6 * head_scale,
        "energy_per_layer_token_mj": joules / samples_done * 1e3 * head_scale,
        "energy_j": joules,
        "power": power,
    }


# ---------------------------------------------------------------- labels and output

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def slug(name):
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def label(args, device):
    """(name, id) of the result; refuses a GPU label for a CPU run."""
    if device.type == "cuda":
        name = args.name or torch.cuda.get_device_name(device)
    else:
        name = args.name or f"CPU {cpu_model()}"
        if not name.startswith("CPU") or GPU_WORDS.search(name):
            raise Refused(f"--name '{name}': this run used the CPU, so its name must start with "
                          "'CPU' and name no GPU; a CPU result is never a GPU reference")
    ident = args.id or slug(name)
    if device.type != "cuda" and GPU_WORDS.search(ident.replace("_", " ")):
        raise Refused(f"--id '{ident}' names a GPU, but this run used the CPU")
    return name, ident


def output_path(args, device, ident):
    path = args.output or os.path.join(GPU_DIR, ident + ".json")
    if device.type != "cuda":
        if not args.output:
            raise Refused("a CPU run is not written into configs/gpus (its files are compiled into "
                          "gcattn as GPU references); give -o FILE")
        if os.path.realpath(os.path.dirname(os.path.abspath(path))) == os.path.realpath(GPU_DIR):
            raise Refused(f"-o {path}: a CPU result does not go into configs/gpus")
    if os.path.exists(path) and not args.force:
        raise Refused(f"{path} exists; pass --force to replace it")
    return path


def energy_source(args, device):
    if device.type == "cuda":
        if args.assumed_power_w is not None:
            raise Refused("--assumed-power-w is for CPU test runs; a GPU run measures its power")
        nvml = Nvml(device.index or 0, torch.cuda.get_device_name(device))
        idle = PowerSampler(nvml.power_w, args.sample_interval_ms / 1000.0)
        idle.start()
        time.sleep(args.idle_seconds)
        samples = idle.stop()
        return {"method": "nvml", "nvml": nvml, "idle_w": sum(samples) / len(samples),
                "note": (f"NVML power sampled every {args.sample_interval_ms:g} ms during the loop, "
                         f"minus the idle power ({args.idle_seconds:g} s before it)")}
    if args.assumed_power_w is not None:
        return {"method": "assumed",
                "note": f"assumed {args.assumed_power_w:g} W x loop time (not measured)"}
    if rapl_energy_j() is not None:
        return {"method": "rapl", "note": "CPU package energy (RAPL), idle not subtracted"}
    raise Unavailable("no energy source on this CPU (RAPL /sys/class/powercap/intel-rapl:0 is not "
                      "readable); pass --assumed-power-w W for a test run")


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Measure decode-step attention (GPT-2 heads) on a GPU and write a "
                    "configs/gpus/<id>.json reference for `gcattn run --gpu`.")
    p.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"],
                   help="auto: CUDA when available, else the CPU (labelled as CPU)")
    p.add_argument("--batch", type=int, default=64, help="sequences decoded together (64)")
    p.add_argument("--heads", type=int, default=12, help="heads of the layer (12; results are "
                   "scaled to 12 heads)")
    p.add_argument("--d-head", type=int, default=64, help="head dimension (64)")
    p.add_argument("--window", type=int, default=1024, help="KV-cache window in tokens (1024)")
    p.add_argument("--fill", default="full", choices=["full", "growing"],
                   help="full: every step attends to the whole window (steady state of a sliding "
                        "window); growing: step t attends to t + 1 tokens, as the paper's run")
    p.add_argument("--steps", type=int, default=1024, help="decode steps per loop (1024)")
    p.add_argument("--dtypes", default="float16,float32", help="comma list (float16,float32)")
    p.add_argument("--report-dtype", default="float32",
                   help="the dtype whose figures go into `measured` (float32, as the paper)")
    p.add_argument("--min-seconds", type=float, default=2.0,
                   help="repeat the loop until it lasts this long (power samples)")
    p.add_argument("--idle-seconds", type=float, default=1.0, help="idle power sampling time")
    p.add_argument("--sample-interval-ms", type=float, default=10.0, help="NVML sampling period")
    p.add_argument("--assumed-power-w", type=float,
                   help="CPU test runs without RAPL: energy = this power x time (labelled assumed)")
    p.add_argument("--peak-bandwidth-gbs", type=float,
                   help="memory bandwidth from the data sheet (default: NVML bus width x clock)")
    p.add_argument("--memory-energy-pj-per-bit", type=float, help="memory energy, if known")
    p.add_argument("--name", help="name in the file (default: the device's name)")
    p.add_argument("--id", help="file name without .json (default: from the name)")
    p.add_argument("-o", "--output", help="output file (default configs/gpus/<id>.json; required "
                   "on CPU)")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    for key in ("batch", "heads", "d_head", "window", "steps"):
        if getattr(args, key) < 1:
            p.error(f"--{key.replace('_', '-')} must be at least 1")
    for key in ("min_seconds", "idle_seconds", "sample_interval_ms", "assumed_power_w",
                "peak_bandwidth_gbs", "memory_energy_pj_per_bit"):
        v = getattr(args, key)
        if v is not None and not (math.isfinite(v) and v > 0):
            p.error(f"--{key.replace('_', '-')} must be a positive number")
    args.dtypes = [d.strip() for d in args.dtypes.split(",") if d.strip()]
    for d in args.dtypes + [args.report_dtype]:
        if d not in ("float16", "float32"):
            p.error(f"dtype '{d}': use float16 or float32")
    if args.report_dtype not in args.dtypes:
        p.error(f"--report-dtype {args.report_dtype} is not in --dtypes")
    return args


def main(argv):
    args = parse_args(argv)
    os.environ.setdefault("CUDA_DEVICE_ORDER", "PCI_BUS_ID")  # as NVML numbers them; before CUDA
    torch.set_flush_denormal(True)  # denormals would slow the CPU path by orders of magnitude
    if args.device == "cuda" and not torch.cuda.is_available():
        raise Unavailable("--device cuda but torch sees no CUDA device (torch "
                          f"{torch.__version__}, CUDA build: {torch.version.cuda})")
    use_cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    device = torch.device("cuda", torch.cuda.current_device()) if use_cuda else torch.device("cpu")
    name, ident = label(args, device)
    path = output_path(args, device, ident)
    energy = energy_source(args, device)

    results = {}
    for d in args.dtypes:
        try:
            results[d] = measure(args, device, getattr(torch, d), energy)
        except RuntimeError as e:  # e.g. float16 matmul on CPU in older torch
            if d == args.report_dtype:
                raise
            results[d] = {"dtype": d, "unsupported": str(e).splitlines()[0]}
        r = results[d]
        if "unsupported" in r:
            print(f"{d}: not measured ({r['unsupported']})")
        else:
            print(f"{d}: {r['latency_per_layer_token_us']:.4g} us, "
                  f"{r['energy_per_layer_token_mj']:.4g} mJ per token and 12-head layer "
                  f"({r['tokens_x_batch']} tokens x sequences in {r['seconds']:.3g} s)")
    rep = results[args.report_dtype]

    kind = "GPU" if use_cuda else "CPU (not a GPU: pipeline test)"
    device_desc = (f"{torch.cuda.get_device_name(device)}, CUDA {torch.version.cuda}, driver "
                   f"{energy['nvml'].driver_version()}" if use_cuda else f"CPU {cpu_model()}")
    workload = (f"attention only (KV-cache write + QK^T, softmax, PV), PyTorch {rep['dtype']}, "
                f"batch {args.batch}, {args.heads} heads"
                + ("" if args.heads == PAPER_HEADS else f" scaled to {PAPER_HEADS}")
                + f", head dim {args.d_head}, window {args.window} tokens "
                + ("(full at every step)" if args.fill == "full" else "(growing from 1)")
                + f", {args.steps} decode steps per loop on the {kind}; {energy['note']}; "
                "divided by batch x steps (per-sample throughput, not single-stream latency)")
    source = (f"measured with scripts/gpu/measure_attention.py on "
              f"{datetime.date.today().isoformat()}: {device_desc}, torch {torch.__version__}")

    bandwidth = args.peak_bandwidth_gbs
    memory_source = "--peak-bandwidth-gbs (data sheet)" if bandwidth else ""
    if bandwidth is None and use_cuda:
        bandwidth = energy["nvml"].peak_bandwidth_gbs()
        memory_source = "NVML: memory bus width x maximum memory clock x 2 (double data rate)"
    if bandwidth is None:
        memory_source = "not measured (pass --peak-bandwidth-gbs from the data sheet)"
    if args.memory_energy_pj_per_bit:
        memory_source += "; energy per bit from --memory-energy-pj-per-bit"

    doc = {
        "_doc": "Reference GPU for the paper's comparison. Format: docs/validation.md (GPU "
                "reference files). Measured figures are per token for one 12-head GPT-2 layer; "
                "null = not published. Written by scripts/gpu/measure_attention.py; _measurement "
                "holds the raw figures.",
        "name": name,
        "measured": {
            "latency_per_layer_token_us": rep["latency_per_layer_token_us"],
            "energy_per_layer_token_mj": rep["energy_per_layer_token_mj"],
            "workload": workload,
            "source": source,
        },
        "paper_ratios": None,
        "memory": {
            "peak_bandwidth_gbs": bandwidth,
            "energy_pj_per_bit": args.memory_energy_pj_per_bit,
            "source": memory_source,
        },
        "_measurement": {
            "device": "cuda" if use_cuda else "cpu",
            "device_name": device_desc,
            "torch": torch.__version__,
            "python": platform.python_version(),
            "batch": args.batch, "heads": args.heads, "d_head": args.d_head,
            "window": args.window, "fill": args.fill, "steps": args.steps,
            "energy_method": energy["method"],
            "report_dtype": args.report_dtype,
            "results": results,
        },
    }
    tmp = path + ".partial"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
    print(f"wrote {path}: `gcattn run --trace T --gpu {path}` adds its measured row")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Refused as e:
        print(f"measure_attention.py: refused: {e}", file=sys.stderr)
        sys.exit(2)
    except Unavailable as e:
        print(f"measure_attention.py: {e}", file=sys.stderr)
        sys.exit(3)
