"""gcattn from Python: the SystemC/TLM-2.0 model of the gain-cell analog in-memory attention
accelerator of Leroux et al. (2025).

    import gcattn
    report = gcattn.run("traces/shakespeare-gpt2-mini.safetensors", tokens=16)
    report["timing"]["latency_per_token_ns"]

Functions (see README, "From Python"):
    run(trace, *, config="paper", set=None, scalers=None, tokens=0, mode="lt",
        functional=True, accuracy=True, host_gap_ns=None, gpus=(), threads=0) -> dict
    tile(q, k, v, *, config="paper", set=None, decay_per_token=None) -> dict of arrays
    read_trace(path, *, check_finite=True) -> dict of arrays and metadata
    config(name_or_file="paper", set=None) -> dict
    presets() -> list of preset names

`set` takes {"section.key": value} or ["section.key=value", ...], applied in order like the
CLI's --set. Errors raise the exceptions below (ValueError or RuntimeError subclasses) or
FileNotFoundError, with the command-line program's messages.
"""

from ._errors import ConfigError, GcattnError, InputError, SimulationError, UsageError
from ._gcattn import __version__, config, presets, read_trace, run, tile

__all__ = [
    "ConfigError",
    "GcattnError",
    "InputError",
    "SimulationError",
    "UsageError",
    "__version__",
    "config",
    "presets",
    "read_trace",
    "run",
    "tile",
]
