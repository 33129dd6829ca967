#include "timeline/timeline_recorder.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "gcattn/systemc/register_map.h"

namespace gcattn::timeline {
namespace regmap = sc::regmap;
namespace {

// Track ids: process 1 is the accelerator (a thread per layer, the DMA engine, the irq
// counter), process 2 the host (its register and window accesses, its gaps).
constexpr int kAccelPid = 1, kHostPid = 2;
constexpr int kDmaTid = 100000;  // after every layer's tid (layer + 1)
constexpr int kRegistersTid = 1, kWindowsTid = 2, kGapsTid = 3;

constexpr std::pair<const char*, Track> kTrackNames[] = {
    {"phases", kPhases},   {"registers", kRegisters},
    {"windows", kWindows}, {"dma", kDma},
    {"irq", kIrq},         {"gaps", kGaps}};

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    const auto first = part.find_first_not_of(' ');
    parts.push_back(first == std::string::npos
                        ? ""
                        : part.substr(first, part.find_last_not_of(' ') - first + 1));
  }
  if (text.empty() || text.back() == ',') parts.push_back("");
  return parts;
}

int parse_layer(const std::string& s, const std::string& whole) {
  std::size_t used = 0;
  long v = -1;
  try {
    v = std::stol(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (s.empty() || used != s.size() || v < 0 || v > std::numeric_limits<int>::max())
    throw std::invalid_argument("'" + whole + "': '" + s + "' is not a layer number (0, 1, ...)");
  return static_cast<int>(v);
}

std::string hex(std::uint64_t v) {
  std::ostringstream os;
  os << "\"0x" << std::hex << v << "\"";
  return os.str();
}

std::string command_name(std::uint32_t cmd) {
  std::string s;
  if (cmd & regmap::kCmdWriteKv) s += "write_kv";
  if (cmd & regmap::kCmdAttend) s += s.empty() ? "attend" : "+attend";
  if (cmd & regmap::kCmdDma) s += "+dma";
  return s;
}

const char* status_name(tlm::tlm_response_status s) {
  return s == tlm::TLM_OK_RESPONSE ? "ok" : regmap::response_status_name(s);
}

bool is_window(const std::string& name) {
  return name == "K" || name == "V" || name == "Q" || name == "OUT" || name == "SCALERS";
}

}  // namespace

std::vector<int> parse_layer_list(const std::string& text) {
  std::vector<int> layers;
  if (text == "all") return layers;
  for (const std::string& part : split(text)) {
    const std::size_t dash = part.find('-');
    if (dash == std::string::npos) {
      layers.push_back(parse_layer(part, text));
      continue;
    }
    const int a = parse_layer(part.substr(0, dash), text);
    const int b = parse_layer(part.substr(dash + 1), text);
    if (b < a) throw std::invalid_argument("'" + text + "': the range '" + part + "' is empty");
    for (int l = a; l <= b; ++l) layers.push_back(l);
  }
  return layers;
}

unsigned parse_track_list(const std::string& text) {
  if (text == "all") return kAllTracks;
  unsigned tracks = 0;
  for (const std::string& part : split(text)) {
    bool found = false;
    for (const auto& [name, bit] : kTrackNames) {
      if (part == name) {
        tracks |= bit;
        found = true;
      }
    }
    if (!found) {
      throw std::invalid_argument("'" + text + "': unknown track '" + part +
                                  "' (phases, registers, windows, dma, irq, gaps or all)");
    }
  }
  return tracks;
}

namespace {

// Validates the scope before the file is created (the writer opens it).
const std::string& checked_file(const TimelineOptions& opt, int layers) {
  for (int l : opt.layers) {
    if (l >= layers) {
      throw std::invalid_argument("layer " + std::to_string(l) + " does not exist (the trace has " +
                                  std::to_string(layers) + " layers, 0.." +
                                  std::to_string(layers - 1) + ")");
    }
  }
  if (opt.end <= opt.start)
    throw std::invalid_argument("the window's end must lie after its start");
  return opt.file;
}

}  // namespace

TimelineRecorder::TimelineRecorder(const TimelineOptions& opt, int layers,
                                   const std::string& other_data)
    : opt_(opt),
      layer_on_(static_cast<std::size_t>(layers), opt.layers.empty()),
      writer_(checked_file(opt, layers), other_data) {
  for (int l : opt.layers) layer_on_[static_cast<std::size_t>(l)] = true;
  const double res_ps = sc_core::sc_get_time_resolution().to_seconds() * 1e12;
  if (res_ps >= 1.0) {
    ps_per_tick_ = static_cast<std::uint64_t>(std::llround(res_ps));
  } else {
    ticks_per_ps_ = static_cast<std::uint64_t>(std::llround(1.0 / res_ps));
  }
  start_ps_ = ps(opt.start);
  end_ps_ = ps(opt.end);

  writer_.process_name(kAccelPid, "accelerator", 0);
  if (opt_.tracks & kPhases) {
    for (int l = 0; l < layers; ++l) {
      if (layer_on_[static_cast<std::size_t>(l)])
        writer_.thread_name(kAccelPid, l + 1, "layer " + std::to_string(l), l);
    }
  }
  if (opt_.tracks & kDma) writer_.thread_name(kAccelPid, kDmaTid, "DMA engine", kDmaTid);
  if (opt_.tracks & (kRegisters | kWindows | kGaps)) {
    writer_.process_name(kHostPid, "host", 1);
    if (opt_.tracks & kRegisters) writer_.thread_name(kHostPid, kRegistersTid, "registers", 1);
    if (opt_.tracks & kWindows) writer_.thread_name(kHostPid, kWindowsTid, "windows", 2);
    if (opt_.tracks & kGaps) writer_.thread_name(kHostPid, kGapsTid, "host gap", 3);
  }
}

std::uint64_t TimelineRecorder::ps(const sc_core::sc_time& t) const {
  if (t == sc_core::sc_max_time()) return std::numeric_limits<std::uint64_t>::max();
  return ticks_per_ps_ != 0 ? t.value() / ticks_per_ps_ : t.value() * ps_per_tick_;
}

bool TimelineRecorder::keep(std::uint64_t start_ps, std::uint64_t end_ps) const {
  return end_ps >= start_ps_ && start_ps <= end_ps_;
}

void TimelineRecorder::phase(const sc::PhaseEvent& e) {
  if (!(opt_.tracks & kPhases) || !layer_on_[static_cast<std::size_t>(e.layer)]) return;
  const std::uint64_t s = ps(e.start);
  const std::uint64_t d = ps(e.duration);
  if (!keep(s, s + d)) return;
  const std::string args =
      "{\"step\":" + std::to_string(e.step) + ",\"layer\":" + std::to_string(e.layer) +
      ",\"position\":" + std::to_string(e.position) + ",\"command\":\"" + command_name(e.command) +
      "\",\"start_ps\":" + std::to_string(s) + ",\"dur_ps\":" + std::to_string(d) + "}";
  writer_.complete(kAccelPid, e.layer + 1, phase_name(e.phase), "phase", s, d, args);
}

void TimelineRecorder::host_access(const sc::HostAccessEvent& e) {
  const std::string target = regmap::address_name(e.address);
  const bool window = is_window(target);
  if (!(opt_.tracks & (window ? kWindows : kRegisters))) return;
  const std::uint64_t s = ps(e.start);
  const std::uint64_t d = ps(e.duration);
  if (!keep(s, s + d)) return;
  std::string args = "{\"address\":" + hex(e.address) + ",\"bytes\":" + std::to_string(e.bytes);
  if (!window && e.bytes == 4 && e.data != nullptr && e.status == tlm::TLM_OK_RESPONSE) {
    std::uint32_t value = 0;
    std::memcpy(&value, e.data, 4);
    args += ",\"value\":" + std::to_string(value);
  }
  args += ",\"status\":" + quoted(status_name(e.status)) + ",\"start_ps\":" + std::to_string(s) +
          ",\"dur_ps\":" + std::to_string(d) + "}";
  writer_.complete(kHostPid, window ? kWindowsTid : kRegistersTid,
                   std::string(e.write ? "write " : "read ") + target, "host", s, d, args);
}

void TimelineRecorder::dma_burst(const sc::DmaBurstEvent& e) {
  if (!(opt_.tracks & kDma)) return;
  const std::uint64_t s = ps(e.start);
  const std::uint64_t t = ps(e.end);
  if (!keep(s, t)) return;
  const std::string args =
      "{\"address\":" + hex(e.address) + ",\"bytes\":" + std::to_string(e.bytes) +
      ",\"dmi\":" + (e.dmi ? "true" : "false") + ",\"status\":" + quoted(status_name(e.status)) +
      ",\"start_ps\":" + std::to_string(s) + ",\"dur_ps\":" + std::to_string(t - s) + "}";
  writer_.complete(kAccelPid, kDmaTid, e.write ? "write-back" : "fetch", "dma", s, t - s, args);
}

void TimelineRecorder::irq(bool level, const sc_core::sc_time& at) {
  if (!(opt_.tracks & kIrq)) return;
  const std::uint64_t s = ps(at);
  if (!keep(s, s)) return;
  writer_.counter(kAccelPid, "irq", s, level ? "{\"level\":1}" : "{\"level\":0}");
}

void TimelineRecorder::host_gap(const sc_core::sc_time& start, const sc_core::sc_time& length,
                                int layer, std::int64_t position) {
  if (!(opt_.tracks & kGaps)) return;
  const std::uint64_t s = ps(start);
  const std::uint64_t d = ps(length);
  if (!keep(s, s + d)) return;
  const std::string args =
      "{\"after_layer\":" + std::to_string(layer) + ",\"position\":" + std::to_string(position) +
      ",\"start_ps\":" + std::to_string(s) + ",\"dur_ps\":" + std::to_string(d) + "}";
  writer_.complete(kHostPid, kGapsTid, "host gap", "gap", s, d, args);
}

}  // namespace gcattn::timeline
