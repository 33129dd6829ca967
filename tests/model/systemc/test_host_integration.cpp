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

#include "gcattn/systemc/socket_width_adapter.h"
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

void fill_memory(SystemMemory& m) {
  std::vector<float> rows(4 * kHeads * kDim);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = 0.01f * static_cast<float>(i % 37);
  m.store(kMemBase, rows.data(), rows.size());
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

namespace {

/// An AT initiator with two transactions outstanding; it answers BEGIN_RESP with TLM_ACCEPTED
/// and sends END_RESP later, with an annotated delay.
struct AtInitiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<AtInitiator> socket;
  tlm::tlm_generic_payload t1, t2;
  std::uint32_t d1 = 0, d2 = 0;
  sc_core::sc_event end_req, begin_resp;
  bool got1 = false, got2 = false;
  sc_time resp1, resp2, end_resp1;
  sc_time end_resp_delay{7, SC_NS};

  SC_HAS_PROCESS(AtInitiator);
  explicit AtInitiator(const sc_core::sc_module_name& n) : sc_core::sc_module(n), socket("socket") {
    socket.register_nb_transport_bw(this, &AtInitiator::nb_transport_bw);
    SC_THREAD(run);
  }
  static void read(tlm::tlm_generic_payload& t, std::uint64_t addr, std::uint32_t& data) {
    t.set_command(tlm::TLM_READ_COMMAND);
    t.set_address(addr);
    t.set_data_ptr(reinterpret_cast<unsigned char*>(&data));
    t.set_data_length(4);
    t.set_streaming_width(4);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_time&) {
    if (ph == tlm::END_REQ) {
      end_req.notify();
    } else if (ph == tlm::BEGIN_RESP) {
      (&t == &t1 ? resp1 : resp2) = sc_core::sc_time_stamp();
      (&t == &t1 ? got1 : got2) = true;
      begin_resp.notify();
    }
    return tlm::TLM_ACCEPTED;
  }
  void send(tlm::tlm_generic_payload& t, tlm::tlm_phase ph, sc_time d) {
    socket->nb_transport_fw(t, ph, d);
  }
  void run() {
    read(t1, rm::kId, d1);
    read(t2, rm::kVersion, d2);
    send(t1, tlm::BEGIN_REQ, sc_core::SC_ZERO_TIME);
    wait(end_req);
    send(t2, tlm::BEGIN_REQ, sc_core::SC_ZERO_TIME);
    wait(end_req);
    while (!got1) wait(begin_resp);
    end_resp1 = sc_core::sc_time_stamp();
    send(t1, tlm::END_RESP, end_resp_delay);
    while (!got2) wait(begin_resp);
    send(t2, tlm::END_RESP, sc_core::SC_ZERO_TIME);
  }
};

}  // namespace

TEST_CASE("AT: an annotated END_RESP holds back the next queued response until it takes effect",
          "[systemc][integration][at]") {
  sc::Accelerator accel("accel", test::small_config());
  AtInitiator init("init");
  sc_core::sc_signal<bool> irq("irq");
  init.socket.bind(accel.socket());
  accel.irq(irq);
  sc_core::sc_start();
  REQUIRE(init.got1);
  REQUIRE(init.got2);
  CHECK(init.d1 == rm::kIdValue);
  CHECK(init.d2 == rm::kVersionValue);
  // Both responses were due at the same time; the second waits for END_RESP + 7 ns.
  CHECK(init.resp1 == init.end_resp1);
  CHECK(init.resp2 == init.end_resp1 + init.end_resp_delay);
}

namespace {

struct IrqWatch : sc_core::sc_module {
  sc_core::sc_in<bool> irq;
  std::vector<sc_time> rises;
  SC_HAS_PROCESS(IrqWatch);
  explicit IrqWatch(const sc_core::sc_module_name& n) : sc_core::sc_module(n), irq("irq") {
    SC_METHOD(on_change);
    sensitive << irq.pos();
    dont_initialize();
  }
  void on_change() { rises.push_back(sc_core::sc_time_stamp()); }
};

}  // namespace

TEST_CASE("1 ns time resolution, data-dependent timing: PHASE_PS, LAST_STEP_PS and irq agree",
          "[systemc][integration][timing]") {
  sc_core::sc_set_time_resolution(1, SC_NS);
  const test::Tokens tok(1, kHeads, kDim, 7);
  std::vector<std::uint32_t> phase_ps(kPhaseCount);
  std::uint32_t last_ps = 0;
  Bench b("b", test::small_config({"timing.data_dependent=true"}), [&](Bench& bb) {
    std::vector<float> out(kHeads * kDim);
    bb.host.step(0, 0, rm::kCmdWriteKv | rm::kCmdAttend, tok.K(0), tok.V(0), tok.Q(0), out.data());
    last_ps = bb.host.read32(rm::kLastStepPs);
    for (std::size_t i = 0; i < kPhaseCount; ++i)
      phase_ps[i] = bb.host.read32(rm::kPhasePs0 + 4 * i);
  });
  IrqWatch watch("watch");
  watch.irq(b.irq);
  sc_core::sc_start();
  b.check();

  const sc::StepRecord& rec = b.accel.statistics().last_step();
  bool fractional = false;  // the schedule needs rounding at 1 ns: what the test is about
  for (double ns : rec.phase_ns) fractional = fractional || ns != std::floor(ns);
  REQUIRE(fractional);
  std::uint64_t sum = 0;
  for (std::uint32_t ps : phase_ps) {
    CHECK(ps % 1000 == 0);
    sum += ps;
  }
  CHECK(sum == last_ps);
  REQUIRE(watch.rises.size() == 1);
  CHECK(watch.rises[0] - rec.start == sc_time(last_ps / 1000.0, SC_NS));
}

TEST_CASE("DMA: a refused DMI range is not asked for again until the target invalidates it",
          "[systemc][integration][dma][dmi]") {
  SystemMemory mem("mem", kMemBase, 0x1000);
  mem.hint_dmi = true;  // the responses invite DMI, get_direct_mem_ptr refuses
  fill_memory(mem);
  std::vector<int> requests;
  Bench b("b", test::small_config({"leakage.mode=token_age"}), [&](Bench& bb) {
    describe_dma(bb);
    for (std::uint32_t pos = 0; pos < 3; ++pos) {
      if (pos == 2) mem.socket->invalidate_direct_mem_ptr(0, ~std::uint64_t{0});
      bb.host.write32(rm::kPosition, pos);
      bb.host.write32(rm::kCommand, rm::kCmdWriteKv | rm::kCmdAttend | rm::kCmdDma);
      bb.host.wait_done();
      REQUIRE(bb.host.read32(rm::kErrorCode) == 0);
      requests.push_back(mem.dmi_requests);
    }
  });
  b.accel.dma_socket().bind(mem.socket);
  sc_core::sc_start();
  b.check();
  // Each command moves 8 bursts (K, V, Q, OUT of 512 bytes, 256-byte bursts).
  CHECK(b.accel.statistics().dma().bursts == 24);
  CHECK(requests == std::vector<int>{1, 1, 2});
}

TEST_CASE("DMI: a refusal at an unmapped address spans the unmapped gap around it",
          "[systemc][integration][dmi]") {
  const std::uint64_t used = kHeads * kDim * 4;
  const std::uint64_t scalers = 2 * kHeads * rm::kScalerWords * 4;
  struct Case {
    std::uint64_t addr, start, end;
  };
  const Case cases[] = {
      {0x200, rm::kRegBlockEnd, rm::kDmaBlock - 1},
      {0x1100, rm::kDmaBlockEnd, rm::kKWindow - 1},
      {rm::kKWindow + used + 8, rm::kKWindow + used, rm::kVWindow - 1},
      {rm::kOutWindow + used, rm::kOutWindow + used, rm::kScalerWindow - 1},
      {0x60000, rm::kOutWindow + used, rm::kScalerWindow - 1},
      {rm::kScalerWindow + scalers, rm::kScalerWindow + scalers, rm::kAddressSpace - 1},
      {rm::kAddressSpace + 0x40, rm::kAddressSpace, ~std::uint64_t{0}},
  };
  std::vector<std::pair<std::uint64_t, std::uint64_t>> got;
  Bench b("b", test::small_config(), [&](Bench& bb) {
    for (const Case& c : cases) {
      tlm::tlm_generic_payload t;
      t.set_command(tlm::TLM_READ_COMMAND);
      t.set_address(c.addr);
      tlm::tlm_dmi dmi;
      CHECK_FALSE(bb.host.socket->get_direct_mem_ptr(t, dmi));
      CHECK(dmi.get_granted_access() == tlm::tlm_dmi::DMI_ACCESS_NONE);
      got.emplace_back(dmi.get_start_address(), dmi.get_end_address());
    }
  });
  sc_core::sc_start();
  b.check();
  REQUIRE(got.size() == std::size(cases));
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("address 0x" << std::hex << cases[i].addr);
    CHECK(got[i].first == cases[i].start);
    CHECK(got[i].second == cases[i].end);
  }
}

TEST_CASE("Interrupt left unbound: a polling platform elaborates and runs a step",
          "[systemc][integration][irq]") {
  const test::Tokens tok(1, kHeads, kDim, 3);
  sc::Accelerator accel("accel", test::small_config());
  sc::HostDriver host("host");
  host.socket.bind(accel.socket());  // neither accel.irq nor host.irq is bound
  std::vector<float> out(kHeads * kDim, 0.0f);
  std::uint32_t status = 0, last_ps = 0;
  bool irq_enabled = true;
  sc_core::sc_spawn(
      [&]() {
        host.step(0, 0, rm::kCmdWriteKv | rm::kCmdAttend, tok.K(0), tok.V(0), tok.Q(0), out.data());
        irq_enabled = host.irq_enabled();
        status = host.read32(rm::kStatus);
        last_ps = host.read32(rm::kLastStepPs);
      },
      "poll");
  sc_core::sc_start();
  CHECK_FALSE(irq_enabled);  // the driver polled STATUS
  CHECK(status == rm::kStatusDone);
  CHECK(last_ps == 65000);
  CHECK(accel.statistics().steps() == 1);
  bool nonzero = false;
  for (float x : out) nonzero = nonzero || x != 0.0f;
  CHECK(nonzero);
}

namespace {

/// A 64-bit initiator: LT accesses, DMI, debug, one AT access; counts invalidations.
struct Initiator64 : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Initiator64, 64> socket;
  std::uint32_t id = 0, dbg_id = 0, at_version = 0;
  bool dmi_granted = false;
  tlm::tlm_dmi dmi;
  int invalidations = 0;
  bool at_done = false;
  sc_core::sc_event at_ev;

  SC_HAS_PROCESS(Initiator64);
  explicit Initiator64(const sc_core::sc_module_name& n) : sc_core::sc_module(n), socket("socket") {
    socket.register_invalidate_direct_mem_ptr(this, &Initiator64::invalidate);
    socket.register_nb_transport_bw(this, &Initiator64::nb_transport_bw);
    SC_THREAD(run);
  }
  void invalidate(sc_dt::uint64, sc_dt::uint64) { ++invalidations; }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload&, tlm::tlm_phase& ph, sc_time&) {
    if (ph == tlm::BEGIN_RESP) {
      at_done = true;
      at_ev.notify();
      return tlm::TLM_COMPLETED;
    }
    return tlm::TLM_ACCEPTED;
  }
  static void setup(tlm::tlm_generic_payload& t, tlm::tlm_command cmd, std::uint64_t addr,
                    std::uint32_t& data) {
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(reinterpret_cast<unsigned char*>(&data));
    t.set_data_length(4);
    t.set_streaming_width(4);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  }
  void run() {
    tlm::tlm_generic_payload t;
    sc_time delay;
    setup(t, tlm::TLM_READ_COMMAND, rm::kId, id);
    socket->b_transport(t, delay);
    setup(t, tlm::TLM_READ_COMMAND, rm::kId, dbg_id);
    socket->transport_dbg(t);
    setup(t, tlm::TLM_READ_COMMAND, rm::kKWindow, id);
    dmi_granted = socket->get_direct_mem_ptr(t, dmi);
    std::uint32_t cmd = rm::kCmdWriteKv;  // zero K/V rows: a valid command; revokes the grant
    setup(t, tlm::TLM_WRITE_COMMAND, rm::kCommand, cmd);
    socket->b_transport(t, delay);
    wait(delay + sc_time(1, sc_core::SC_US));
    tlm::tlm_phase ph = tlm::BEGIN_REQ;
    sc_time d;
    setup(t, tlm::TLM_READ_COMMAND, rm::kVersion, at_version);
    socket->nb_transport_fw(t, ph, d);
    if (!at_done) wait(at_ev);
  }
};

}  // namespace

TEST_CASE("A 64-bit initiator reaches the 32-bit target socket through SocketWidthAdapter",
          "[systemc][integration]") {
  sc::Accelerator accel("accel", test::small_config());
  Initiator64 cpu("cpu");
  sc::SocketWidthAdapter<64> width("width");
  sc_core::sc_signal<bool> irq("irq");
  cpu.socket.bind(width.target);
  width.initiator.bind(accel.socket());
  accel.irq(irq);
  sc_core::sc_start();
  CHECK(cpu.id == rm::kIdValue);
  CHECK(cpu.dbg_id == rm::kIdValue);
  CHECK(cpu.dmi_granted);
  CHECK(cpu.dmi.get_start_address() == rm::kKWindow);
  CHECK(cpu.invalidations >= 1);
  CHECK(cpu.at_done);
  CHECK(cpu.at_version == rm::kVersionValue);
  CHECK(accel.statistics().steps() == 1);
}
