// Consumer of the installed gcattn package: a platform that instantiates the accelerator, binds
// an initiator socket to it, reads ID and runs one layer step (gcattn::model via find_package).
#include <cstdint>
#include <exception>
#include <iostream>
#include <vector>

#include <gcattn/gcattn.h>

extern "C" unsigned long consumer_c_reg_id(void);
extern "C" unsigned long consumer_c_id_value(void);
extern "C" unsigned long consumer_c_dma_step(void);

namespace {

struct Platform : sc_core::sc_module {
  gcattn::sc::Accelerator accel;
  gcattn::sc::HostDriver cpu;
  sc_core::sc_signal<bool> irq;
  std::uint32_t id = 0;
  double step_ns = 0.0;
  float out0 = 0.0f;
  std::exception_ptr error;

  SC_HAS_PROCESS(Platform);
  Platform(const sc_core::sc_module_name& n, const gcattn::Config& cfg)
      : sc_core::sc_module(n), accel("gcattn", cfg), cpu("cpu"), irq("irq") {
    cpu.socket.bind(accel.socket());  // the one binding a platform needs
    accel.irq(irq);
    cpu.irq(irq);
    SC_THREAD(run);
  }
  void run() {
    try {
      id = cpu.read32(consumer_c_reg_id());
      const auto geo = cpu.identify();
      std::vector<float> k(geo.words(), 0.1f), v(geo.words(), -0.2f), q(geo.words(), 0.5f),
          out(geo.words());
      cpu.step(0, 0, GCATTN_CMD_STEP, k.data(), v.data(), q.data(), out.data());
      step_ns = cpu.read32(GCATTN_REG_LAST_STEP_PS) / 1000.0;
      out0 = out[0];
    } catch (...) {
      error = std::current_exception();
    }
  }
};

}  // namespace

int sc_main(int, char*[]) {
  gcattn::Config cfg = gcattn::Config::paper();
  cfg.set("model.layers=1");
  cfg.set("model.heads=2");
  Platform p("platform", cfg);
  sc_core::sc_start();
  if (p.error) {
    try {
      std::rethrow_exception(p.error);
    } catch (const std::exception& e) {
      std::cerr << "consumer failed: " << e.what() << "\n";
      return 1;
    }
  }
  std::cout << "ID 0x" << std::hex << p.id << std::dec << "\n";
  std::cout << "step " << p.step_ns << " ns, out[0] = " << p.out0 << ", energy "
            << p.accel.statistics().total_ledger().total() << " pJ\n";
  const bool ok = p.id == consumer_c_id_value() && p.id == gcattn::sc::regmap::kIdValue &&
                  p.step_ns == 65.0 && consumer_c_dma_step() == 7u &&
                  p.accel.statistics().steps() == 1;
  std::cout << (ok ? "consumer OK" : "consumer FAILED") << "\n";
  return ok ? 0 : 1;
}
