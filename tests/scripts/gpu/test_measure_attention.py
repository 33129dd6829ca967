"""scripts/gpu/measure_attention.py on the CPU (the pipeline test; no GPU needed): the file it
writes is a GPU reference file `gcattn run --gpu` accepts and shows as a measured row, labelled
as a CPU; GPU labels and configs/gpus are refused for a CPU run. Run by ctest with GCATTN_BINARY
and GCATTN_SOURCE_DIR set (tests/scripts/tests.cmake)."""
import json
import os
import subprocess
import sys

import pytest
import torch

SOURCE = os.environ.get("GCATTN_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
                            os.path.abspath(__file__))))))
SCRIPT = os.path.join(SOURCE, "scripts", "gpu", "measure_attention.py")
TINY = ["--device", "cpu", "--batch", "2", "--window", "32", "--steps", "6", "--min-seconds",
        "0.02", "--assumed-power-w", "20"]


def measure(*args):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def cpu_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("measure") / "cpu_test.json"
    r = measure(*TINY, "-o", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "float32:" in r.stdout
    return out


def test_cpu_run_writes_a_reference_file_labelled_as_cpu(cpu_file):
    doc = json.loads(cpu_file.read_text())
    assert doc["name"].startswith("CPU")
    m = doc["measured"]
    assert set(m) == {"latency_per_layer_token_us", "energy_per_layer_token_mj", "workload",
                      "source"}
    assert m["latency_per_layer_token_us"] > 0 and m["energy_per_layer_token_mj"] > 0
    assert "on the CPU (not a GPU" in m["workload"]
    assert "assumed 20 W" in m["workload"] and "batch 2" in m["workload"]
    assert "window 32 tokens" in m["workload"]
    assert doc["paper_ratios"] is None
    assert set(doc["memory"]) == {"peak_bandwidth_gbs", "energy_pj_per_bit", "source"}
    assert doc["memory"]["peak_bandwidth_gbs"] is None and doc["memory"]["source"]
    raw = doc["_measurement"]
    assert raw["device"] == "cpu" and raw["energy_method"] == "assumed"
    f32 = raw["results"]["float32"]
    # The reported figures are the float32 loop's: time / (repeats x steps x batch), 12 heads.
    assert f32["tokens_x_batch"] == f32["repeats"] * 6 * 2
    assert m["latency_per_layer_token_us"] == pytest.approx(
        f32["seconds"] / f32["tokens_x_batch"] * 1e6)
    assert m["energy_per_layer_token_mj"] == pytest.approx(
        20.0 * f32["seconds"] / f32["tokens_x_batch"] * 1e3)
    assert set(raw["results"]) == {"float16", "float32"}  # float16 measured or marked unsupported


def test_gcattn_run_shows_the_measured_row(cpu_file, tmp_path):
    binary = os.environ["GCATTN_BINARY"]
    report = tmp_path / "run.json"
    trace = os.path.join(SOURCE, "traces", "shakespeare-gpt2-mini.safetensors")
    r = subprocess.run([binary, "run", "--trace", trace, "--tokens", "3", "--accuracy", "off",
                        "--gpu", str(cpu_file), "--report-json", str(report)],
                       capture_output=True, text=True, timeout=300,
                       env={**os.environ, "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE": "1"})
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(cpu_file.read_text())
    rows = json.loads(report.read_text())["gpu"]["rows"]
    # 12-head measurement, 4 x 4 trace: scaled, and labelled so; no memory figures: no floor row
    assert [row["kind"] for row in rows] == ["measured_scaled"]
    row = rows[0]
    assert row["id"] == "cpu_test" and row["name"] == doc["name"]
    shape = json.loads(report.read_text())["gpu"]["shape"]
    scale = shape["layers"] * shape["heads"] / 12
    assert row["latency_per_token_ns"] == pytest.approx(
        doc["measured"]["latency_per_layer_token_us"] * 1e3 * scale)
    assert row["energy_per_token_pj"] == pytest.approx(
        doc["measured"]["energy_per_layer_token_mj"] * 1e9 * scale)
    assert row["speedup"] > 1
    assert doc["name"] in r.stdout


@pytest.mark.parametrize("extra, message", [
    (["--name", "NVIDIA H100 SXM5"], "must start with 'CPU'"),
    (["--name", "CPU attached to an RTX 4090"], "must start with 'CPU'"),
    (["--id", "h100"], "names a GPU"),
    (["--id", "cpu_vs_a100"], "names a GPU"),
    ([], "give -o FILE"),
])
def test_cpu_run_refuses_gpu_labels_and_configs_gpus(extra, message, tmp_path):
    out = [] if not extra else ["-o", str(tmp_path / "x.json")]
    r = measure(*TINY, *extra, *out)
    assert r.returncode == 2, r.stdout + r.stderr
    assert message in r.stderr
    assert not (tmp_path / "x.json").exists()


def test_cpu_result_never_goes_into_configs_gpus():
    target = os.path.join(SOURCE, "configs", "gpus", "cpu_pipeline_test.json")
    r = measure(*TINY, "-o", target)
    assert r.returncode == 2 and "does not go into configs/gpus" in r.stderr
    assert not os.path.exists(target)


def test_existing_file_needs_force(cpu_file):
    r = measure(*TINY, "-o", str(cpu_file))
    assert r.returncode == 2 and "--force" in r.stderr


def test_bad_values_are_usage_errors():
    for args in (["--batch", "0"], ["--dtypes", "float64"], ["--report-dtype", "float16",
                                                             "--dtypes", "float32"]):
        r = measure(*TINY, *args, "-o", "/tmp/never.json")
        assert r.returncode == 2, args
        assert "error:" in r.stderr


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_cuda_requested_without_cuda_is_unavailable(tmp_path):
    r = measure("--device", "cuda", "-o", str(tmp_path / "x.json"))
    assert r.returncode == 3 and "no CUDA device" in r.stderr
    assert not (tmp_path / "x.json").exists()
