"""`cmake --install` puts the Python package in Debian's layout under the prefix; a fresh
interpreter imports it from there (not from the build tree) and runs a simulation."""

import os
import subprocess
import sys


def test_installed_package_imports_and_runs(tmp_path):
    build = os.environ["GCATTN_BUILD_DIR"]
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", build, "--prefix", str(prefix)], check=True,
                   capture_output=True)
    site = prefix / "lib" / "python3" / "dist-packages"
    assert (site / "gcattn" / "__init__.py").is_file()
    trace = os.path.join(os.environ["GCATTN_SOURCE_DIR"], "traces",
                         "shakespeare-gpt2-mini.safetensors")
    code = ("import gcattn, sys; r = gcattn.run(sys.argv[1], tokens=2); "
            "print(gcattn.__file__); print(r['timing']['layer_steps'])")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    out = subprocess.run([sys.executable, "-c", code, trace], check=True, capture_output=True,
                         text=True, env=env, cwd=tmp_path).stdout.split()
    assert out[0].startswith(str(site))
    assert int(out[1]) > 0
