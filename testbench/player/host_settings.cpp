#include "player/host_settings.h"

#include <cmath>
#include <cstdio>

#include "base/errors.h"

namespace gcattn::player {

HostSettings HostSettings::from(const Config& cfg) {
  HostSettings s;
  s.gap_ns = cfg.number("player.host_gap_ns");
  s.completion =
      cfg.string("player.completion") == "poll" ? Completion::Poll : Completion::Interrupt;
  s.poll_interval = sc_core::sc_time(cfg.number("player.poll_interval_ns"), sc_core::SC_NS);
  return s;
}

const char* HostSettings::completion_name() const {
  return completion == Completion::Poll ? "poll" : "irq";
}

void set_host_gap(Config& cfg, double ns, const std::string& option) {
  if (!(ns >= 0.0) || !std::isfinite(ns))
    throw UsageError(option + " must be a finite number of ns >= 0");
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", ns);
  cfg.set("player.host_gap_ns", text, option);
}

}  // namespace gcattn::player
