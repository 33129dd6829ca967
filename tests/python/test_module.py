"""The gcattn Python module against the command-line program it wraps (same reports, same
arrays, same messages) and against an independent numpy reader of the trace format."""

import json
import os
import signal
import struct
import subprocess
import threading
import time

import numpy as np
import pytest

import gcattn

SRC = os.environ["GCATTN_SOURCE_DIR"]
GCATTN = os.environ["GCATTN_BINARY"]
TRACE = os.path.join(SRC, "traces", "shakespeare-gpt2-mini.safetensors")

# Report fields that hold wall-clock time or the invocation itself.
VOLATILE = {"wall_time_s", "command_line"}


def cli(*args, check=True):
    return subprocess.run([GCATTN, *args], capture_output=True, text=True, check=check)


def strip(report):
    return {k: v for k, v in report.items() if k not in VOLATILE}


def cli_report(tmp_path, *args):
    out = tmp_path / "cli.json"
    cli("run", "--trace", TRACE, "--report-json", str(out), *args)
    return json.loads(out.read_text())


@pytest.mark.parametrize(
    "kwargs,args",
    [
        ({"tokens": 8}, ["--tokens", "8"]),
        (
            {"tokens": 6, "mode": "at", "set": {"kv_dac.levels": 4}, "host_gap_ns": 500.0},
            ["--tokens", "6", "--mode", "at", "--set", "kv_dac.levels=4", "--host-gap", "500"],
        ),
        ({"tokens": 5, "functional": False, "accuracy": False},
         ["--tokens", "5", "--functional", "off", "--accuracy", "off"]),
    ],
)
def test_run_gives_the_cli_report(tmp_path, kwargs, args):
    py = gcattn.run(TRACE, **kwargs)
    ref = cli_report(tmp_path, *args)
    assert py["format"] == "gcattn-run-report"
    assert py["complete"] is True
    assert strip(py) == strip(ref)
    # The recorded command line is the equivalent CLI invocation.
    assert py["command_line"][:4] == ["gcattn", "run", "--trace", TRACE]


def test_run_twice_in_one_process_gives_a_fresh_kernel_each_time():
    a = gcattn.run(TRACE, tokens=4, threads=1)
    b = gcattn.run(TRACE, tokens=4, threads=3)
    assert strip(a) == strip(b)
    assert a["timing"]["layer_steps"] == 4 * a["trace"]["layers"]


def test_run_with_scalers_file(tmp_path):
    scalers = tmp_path / "s.json"
    cli("calibrate", "--trace", TRACE, "--tokens", "8", "-o", str(scalers))
    py = gcattn.run(TRACE, tokens=8, scalers=str(scalers))
    ref = cli_report(tmp_path, "--tokens", "8", "--scalers", str(scalers))
    assert strip(py) == strip(ref)


def test_run_releases_the_gil():
    done = threading.Event()
    result = {}

    def work():
        result["r"] = gcattn.run(TRACE, tokens=64)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    spins = 0
    while not done.is_set():
        spins += 1
    t.join()
    assert result["r"]["complete"]
    # With the GIL held for the whole simulation this thread could not have run at all.
    assert spins > 1000


def test_interrupt_stops_the_child_and_raises_keyboard_interrupt(tmp_path):
    # One run long enough (GPT-2-small shape) that the signal arrives while it is in flight:
    # the only place KeyboardInterrupt can come from inside the `with` is the running call.
    big = tmp_path / "big.safetensors"
    cli("trace", "synth", "--shape", "gpt2", "--tokens", "300", "-o", str(big))
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        gcattn.run(str(big))
    timer.join()
    with pytest.raises(ChildProcessError):  # the child was reaped
        os.waitpid(-1, os.WNOHANG)


def test_run_errors_carry_the_cli_messages(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        gcattn.run(str(tmp_path / "missing.safetensors"))
    assert e.value.filename.endswith("missing.safetensors")

    with pytest.raises(gcattn.InputError) as e:
        gcattn.run(TRACE, tokens=100000)
    assert isinstance(e.value, ValueError) and e.value.exit_code == 4
    cli_err = cli("run", "--trace", TRACE, "--tokens", "100000", check=False)
    assert cli_err.returncode == 4
    assert str(e.value) in cli_err.stderr

    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    with pytest.raises(gcattn.InputError, match="bad.safetensors"):
        gcattn.run(str(bad))

    with pytest.raises(gcattn.ConfigError, match="kv_dac.levels") as e:
        gcattn.run(TRACE, tokens=2, set={"kv_dac.levels": -3})
    assert e.value.exit_code == 3
    with pytest.raises(gcattn.UsageError, match="mode"):
        gcattn.run(TRACE, mode="xx")
    with pytest.raises(gcattn.UsageError, match="threads"):
        gcattn.run(TRACE, threads=-1)
    with pytest.raises(gcattn.ConfigError):
        gcattn.run(TRACE, config="no-such-preset")


def test_config_resolves_presets_and_overrides(tmp_path):
    paper = gcattn.config()
    assert paper["array"]["rows"] == 64
    assert set(gcattn.presets()) >= {"paper", "ideal", "reference-code"}
    c = gcattn.config("paper", set={"kv_dac.levels": 4, "signal.quantize": False})
    assert c["kv_dac"]["levels"] == 4 and c["signal"]["quantize"] is False
    assert gcattn.config("paper", set=["kv_dac.levels=4"]) == gcattn.config(
        "paper", set={"kv_dac.levels": 4})
    shown = json.loads(cli("config", "show", "--config", "ideal", "--json").stdout)
    assert gcattn.config("ideal") == shown
    f = tmp_path / "mine.json"
    f.write_text(json.dumps({"extends": "paper", "kv_dac": {"levels": 16}}))
    assert gcattn.config(str(f))["kv_dac"]["levels"] == 16
    with pytest.raises(FileNotFoundError):
        gcattn.config(str(tmp_path / "none.json"))
    with pytest.raises(gcattn.ConfigError, match="did you mean|unknown"):
        gcattn.config("paper", set={"kv_dac.levles": 4})


def write_npy(path, a):
    np.save(path, np.asarray(a, dtype=np.float32))


def test_tile_equals_the_tile_command(tmp_path):
    rng = np.random.default_rng(7)
    t, rows = 12, 64
    q = rng.uniform(0, 1, (t, rows)).astype(np.float32)
    k = rng.uniform(0, 0.9, (t, rows)).astype(np.float32)
    v = rng.uniform(0, 0.9, (t, rows)).astype(np.float32)
    for name, a in (("Q", q), ("K", k), ("V", v)):
        write_npy(tmp_path / f"{name}.npy", a)
    out = tmp_path / "out"
    cli("tile", "--q", str(tmp_path / "Q.npy"), "--k", str(tmp_path / "K.npy"), "--v",
        str(tmp_path / "V.npy"), "--out-dir", str(out), "--decay-per-token", "0.01")
    r = gcattn.tile(q, k, v, decay_per_token=0.01)
    for key, f in (("S", "S.npy"), ("phi", "phi.npy"), ("out", "out.npy")):
        ref = np.load(out / f)
        assert r[key].dtype == np.float32 and r[key].shape == ref.shape
        np.testing.assert_array_equal(r[key], ref)
    assert np.all(np.triu(r["S"], 1) == 0)  # causal
    # Float64 and list inputs are converted like the CLI converts float64 .npy files.
    r64 = gcattn.tile(q.astype(np.float64).tolist(), k, v, decay_per_token=0.01)
    np.testing.assert_array_equal(r64["out"], r["out"])
    # The configuration is honoured: fewer K/V levels change the result.
    r4 = gcattn.tile(q, k, v, set={"kv_dac.levels": 4})
    assert not np.array_equal(r4["out"], gcattn.tile(q, k, v)["out"])


def test_tile_rejects_bad_arrays():
    q = np.full((4, 64), 0.5)
    k = np.full((4, 64), 0.3)
    with pytest.raises(gcattn.InputError, match=r"q: shape \(4, 63\)"):
        gcattn.tile(q[:, :63], k, k)
    bad = k.copy()
    bad[2, 5] = 1.5
    with pytest.raises(gcattn.InputError, match=r"k: value 1.5 at \[2, 5\] outside"):
        gcattn.tile(q, bad, k)
    nan = q.copy()
    nan[1, 1] = np.nan
    with pytest.raises(gcattn.InputError, match=r"\[1, 1\]"):
        gcattn.tile(nan, k, k)
    with pytest.raises(gcattn.InputError, match="token counts differ"):
        gcattn.tile(q, k[:3], k)
    with pytest.raises(gcattn.InputError, match="sub-tile holds 1 to 64"):
        gcattn.tile(np.full((65, 64), 0.5), np.full((65, 64), 0.3), np.full((65, 64), 0.3))


def read_safetensors(path):
    """An independent reader of the trace format (docs/trace-format.md)."""
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    dtypes = {"F32": np.float32, "F16": np.float16, "I32": np.int32}
    tensors = {}
    for name, info in header.items():
        a, b = info["data_offsets"]
        tensors[name] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=dtypes[info["dtype"]]).reshape(
            info["shape"])
    return tensors, meta


def test_read_trace_matches_an_independent_reader(tmp_path):
    tr = gcattn.read_trace(TRACE)
    ref, meta = read_safetensors(TRACE)
    for key in ("q", "k", "v"):
        assert tr[key].dtype == np.float32
        np.testing.assert_array_equal(tr[key], ref[key].astype(np.float32))
    if "attn_out" in ref:
        np.testing.assert_array_equal(tr["attn_out"], ref["attn_out"].astype(np.float32))
    np.testing.assert_array_equal(tr["tokens"], ref["tokens"])
    m = tr["meta"]
    assert (m["tokens"], m["layers"], m["heads"], m["d_head"]) == tr["q"].shape
    assert m["model"] == meta["model"]
    # An F16 trace reads back as float32 of the stored halves.
    f16 = tmp_path / "f16.safetensors"
    cli("trace", "synth", "--layers", "1", "--heads", "2", "--dhead", "64", "--tokens", "5",
        "--dtype", "f16",
        "-o", str(f16))
    t16 = gcattn.read_trace(str(f16))
    r16, _ = read_safetensors(f16)
    np.testing.assert_array_equal(t16["k"], r16["k"].astype(np.float32))
    assert t16["meta"]["synthetic"] is True


def test_read_trace_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        gcattn.read_trace(str(tmp_path / "x.safetensors"))
    trunc = tmp_path / "trunc.safetensors"
    trunc.write_bytes(open(TRACE, "rb").read()[:5000])
    with pytest.raises(gcattn.InputError, match="trunc.safetensors"):
        gcattn.read_trace(str(trunc))
