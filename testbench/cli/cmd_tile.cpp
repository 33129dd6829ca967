// gcattn tile --q Q.npy --k K.npy --v V.npy --out-dir DIR
#include <filesystem>
#include <optional>
#include <ostream>

#include "base/errors.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "io/npy.h"
#include "io/output_paths.h"
#include "tile/tile_runner.h"

namespace gcattn::cli {
int cmd_tile(const Args& args, std::ostream& out) {
  const std::string usage =
      "usage: gcattn tile --q Q.npy --k K.npy --v V.npy --out-dir DIR [--quantize on|off]\n"
      "                   [--decay-per-token F] [--config P] [--set key=value ...]\n"
      "Writes tokens 0..T-1 into one sub-tile and evaluates each query t causally.\n"
      "Inputs (T, rows) float32/float64 in hardware units: Q pulse fractions in [0, 1], K and V\n"
      "stored volts in [kv_dac.v_min_v, kv_dac.v_max_v]. Outputs S.npy, phi.npy (T, T), out.npy "
      "(T, rows).";
  po::options_description desc("tile options");
  desc.add_options()("help,h", "show this help")("q", po::value<std::string>()->required(),
                                                 "query pulse fractions .npy (T, rows)")(
      "k", po::value<std::string>()->required(), "stored key volts .npy (T, rows)")(
      "v", po::value<std::string>()->required(), "stored value volts .npy (T, rows)")(
      "out-dir", po::value<std::string>()->required(), "output directory (created)")(
      "quantize", po::value<bool>(),
      "on | off: quantisers everywhere (default: the preset's signal.quantize)")(
      "decay-per-token", po::value<double>(),
      "stored deviation x exp(-F * age in tokens); 0 disables leakage (default: the preset's "
      "leakage.decay_per_token, or 0 when leakage.mode = off)");
  add_config_options(desc);
  po::variables_map vm;
  if (!parse_options(args, desc, vm, out, usage)) return kExitOk;

  Config cfg = resolve_config(vm);
  // Only a flag the user gives overrides the preset (`--config ideal` stays unquantised).
  if (vm.count("quantize"))
    cfg.set("signal.quantize", vm["quantize"].as<bool>() ? "true" : "false", "--quantize");
  const std::string quant = cfg.boolean("signal.quantize") ? "on" : "off";
  std::optional<double> decay;
  if (vm.count("decay-per-token")) decay = vm["decay-per-token"].as<double>();
  const double rate = tile_decay_per_token(cfg, decay);
  const HardwareParams p = tile_params(cfg, decay, "--decay-per-token");

  const std::string qpath = vm["q"].as<std::string>(), kpath = vm["k"].as<std::string>(),
                    vpath = vm["v"].as<std::string>();
  const std::filesystem::path dir(vm["out-dir"].as<std::string>());
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError(dir.string() + ": cannot create output directory: " + ec.message());
  io::PathCheck paths;
  paths.input("--q", qpath).input("--k", kpath).input("--v", vpath);
  for (const char* name : {"S.npy", "phi.npy", "out.npy"})
    paths.output("--out-dir", (dir / name).string());
  paths.check();
  const io::NpyArray q = io::read_npy(qpath), k = io::read_npy(kpath), v = io::read_npy(vpath);
  check_tile_input(p, TileInput::Q, qpath, q.shape, q.data);
  check_tile_input(p, TileInput::K, kpath, k.shape, k.data);
  check_tile_input(p, TileInput::V, vpath, v.shape, v.data);
  check_tile_tokens(qpath, q.shape[0], kpath, k.shape[0], vpath, v.shape[0]);

  const TileResult r = run_tile(p, q.data, k.data, v.data, q.shape[0]);
  io::write_npy_f32((dir / "S.npy").string(), {r.tokens, r.tokens}, r.s);
  io::write_npy_f32((dir / "phi.npy").string(), {r.tokens, r.tokens}, r.phi);
  io::write_npy_f32((dir / "out.npy").string(), {r.tokens, r.dim}, r.out);
  out << "tile: " << r.tokens << " tokens x " << r.dim << " rows, quantize " << quant << ", decay "
      << rate << "/token -> " << (dir / "S.npy").string() << ", phi.npy, out.npy\n";
  return kExitOk;
}

}  // namespace gcattn::cli
