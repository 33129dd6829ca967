#include "player/simulation.h"

#include <string>

#include <systemc>

#include "base/errors.h"

namespace gcattn::player {

void run_simulation() {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                          sc_core::SC_DO_NOTHING);
  try {
    sc_core::sc_start();
  } catch (const sc_core::sc_report& e) {
    throw SimulationError(std::string("SystemC report: ") + e.what());
  }
}

}  // namespace gcattn::player
