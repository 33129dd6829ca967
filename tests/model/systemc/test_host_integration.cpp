// Platform integration of the host interface and the DMA engine (issue 11): reports that name
// the instance, annotated END_RESP in AT, agreement of PHASE_PS, LAST_STEP_PS and the interrupt
// at a coarse time resolution, cached DMI refusals, an unbound interrupt, a 64-bit initiator.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>

#include "model/systemc/bench_fixture.h"
#include "model/systemc/system_memory.h"

using namespace gcattn;
using gcattn::test::Bench;
using gcattn::test::SystemMemory;
using sc_core::SC_NS;
using sc_core::sc_time;
namespace rm = gcattn::sc::regmap;

namespace {

constexpr int kHeads = 2, kDim = 64;
constexpr std::uint64_t kMemBase = 0x80000000ull;

struct Report {
  std::string type, msg;
};
std::vector<Report> g_reports;

void record_report(const sc_core::sc_report& r, const sc_core::sc_actions&) {
  g_reports.push_back({r.get_msg_type(), r.get_msg()});
}

/// K, V, Q rows of one token at kMemBase (+0, +0x200, +0x400), OUT at +0x600.
void describe_dma(Bench& b) {
  const std::uint64_t rows = kHeads * kDim * 4;
  const std::uint64_t addrs[] = {kMemBase, kMemBase + rows, kMemBase + 2 * rows,
                                 kMemBase + 3 * rows};
  const std::uint64_t regs[] = {rm::kDmaKAddrLo, rm::kDmaVAddrLo, rm::kDmaQAddrLo,
                                rm::kDmaOutAddrLo};
  for (int i = 0; i < 4; ++i) {
    b.host.write32(regs[i], static_cast<std::uint32_t>(addrs[i]));
    b.host.write32(regs[i] + 4, static_cast<std::uint32_t>(addrs[i] >> 32));
  }
  b.host.write32(rm::kDmaHeadStride, kDim * 4);
  b.host.write32(rm::kDmaLayerStride, 0);
}

}  // namespace

TEST_CASE("Reports: host interface and DMA warnings name their accelerator, two accelerators",
          "[systemc][integration][errors]") {
  g_reports.clear();
  sc_core::sc_report_handler::set_handler(record_report);
  auto bad_read = [](Bench& b) {
    std::uint32_t word = 0;
    REQUIRE(b.host.access(tlm::TLM_READ_COMMAND, 0x2000, reinterpret_cast<unsigned char*>(&word),
                          4) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  };
  Bench one("one", test::small_config(), bad_read);
  Bench two("two", test::small_config(), [&bad_read](Bench& b) {
    bad_read(b);
    b.host.write32(rm::kIrqClear, rm::kIrqError);
    describe_dma(b);
    b.host.write32(rm::kCommand, rm::kCmdWriteKv | rm::kCmdDma);  // its fetch gets a bus error
    b.host.wait_done();
  });
  SystemMemory mem("mem", kMemBase, 0x1000);
  mem.fault_lo = kMemBase;
  mem.fault_hi = kMemBase + 0xFFF;
  two.accel.dma_socket().bind(mem.socket);
  sc_core::sc_start();
  sc_core::sc_report_handler::set_handler(sc_core::sc_report_handler::default_handler);
  one.check();
  two.check();

  REQUIRE(g_reports.size() == 3);
  for (const Report& r : g_reports) CHECK(r.type == "gcattn/host_interface");
  auto count = [](const std::string& what) {
    int n = 0;
    for (const Report& r : g_reports) n += r.msg.find(what) != std::string::npos;
    return n;
  };
  CHECK(count("one.accel.host: read of 4 bytes at 0x2000") == 1);
  CHECK(count("two.accel.host: read of 4 bytes at 0x2000") == 1);
  CHECK(count("two.accel.host: DMA bus error") == 1);
  CHECK(count("one.accel") == 1);
}
