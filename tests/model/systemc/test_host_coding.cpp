// LT (with and without a quantum keeper) and AT drive the same command sequence to identical
// outputs and identical end times; DMI grant and invalidation; interrupt raise and clear.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "model/systemc/bench_fixture.h"

using namespace gcattn;
using gcattn::test::Bench;
using gcattn::test::Tokens;
using sc_core::SC_NS;
using sc_core::sc_time;
namespace rm = gcattn::sc::regmap;

namespace {

struct Run {
  std::vector<float> out;
  std::vector<sc_time> step_end;  // the accelerator's completion times
  std::vector<sc_time> seen;      // when the initiator saw each step complete
};

/// Two layers, scalers, write+attend, attend only, write only, host time between layers.
void sequence(Bench& b, const Tokens& tok, Run& run) {
  HeadScalers s;
  s.q = {0.9, 0.02};
  s.k = {1.0, 0.45};
  s.v = {1.2, 0.45};
  s.out = {2.0, 0.0};
  b.host.set_scalers(1, 0, s);
  std::vector<float> out(128);
  for (int t = 0; t < 4; ++t) {
    for (int l = 0; l < 2; ++l) {
      const std::uint32_t cmd =
          (t == 2 && l == 1) ? rm::kCmdWriteKv : rm::kCmdWriteKv | rm::kCmdAttend;
      b.host.step(l, static_cast<std::uint32_t>(t), cmd, tok.K(t), tok.V(t), tok.Q(t), out.data());
      run.out.insert(run.out.end(), out.begin(), out.end());
      run.step_end.push_back(b.accel.statistics().last_step().end);
      run.seen.push_back(b.host.local_time());
      wait(100, SC_NS);  // projections / MLP on the host
    }
    b.host.step(1, static_cast<std::uint32_t>(t), rm::kCmdAttend, nullptr, nullptr, tok.Q(t),
                out.data());
    run.out.insert(run.out.end(), out.begin(), out.end());
    run.step_end.push_back(b.accel.statistics().last_step().end);
    run.seen.push_back(b.host.local_time());
  }
}

}  // namespace

TEST_CASE("LT, LT under a quantum keeper and AT give identical outputs and end times",
          "[systemc][tlm][lt][at]") {
  const Config cfg = test::small_config();
  Tokens tok(4, 2, 64, 21);
  Run lt, ltq, at;
  Bench b_lt(
      "lt", cfg, [&](Bench& b) { sequence(b, tok, lt); }, sc::Coding::LooselyTimed);
  Bench b_ltq(
      "ltq", cfg, [&](Bench& b) { sequence(b, tok, ltq); }, sc::Coding::LooselyTimed);
  b_ltq.host.set_quantum(sc_time(1, sc_core::SC_US));
  Bench b_at(
      "at", cfg, [&](Bench& b) { sequence(b, tok, at); }, sc::Coding::ApproximatelyTimed);
  sc_core::sc_start();
  b_lt.check();
  b_ltq.check();
  b_at.check();
  REQUIRE(lt.out.size() == 12 * 128);
  CHECK(lt.out == at.out);
  CHECK(lt.out == ltq.out);
  CHECK(lt.step_end == at.step_end);
  CHECK(lt.step_end == ltq.step_end);
  CHECK(lt.seen == at.seen);
  CHECK(lt.seen == ltq.seen);
  CHECK(b_lt.end_time == b_at.end_time);
  CHECK(b_lt.end_time == b_ltq.end_time);
  CHECK(b_lt.accel.statistics().total_ledger().total() ==
        b_at.accel.statistics().total_ledger().total());
  double sum = 0.0;
  for (float x : lt.out) sum += std::fabs(x);
  CHECK(sum > 1.0);
  CHECK(b_lt.end_time > sc_time(12 * 65 + 8 * 100, SC_NS));
}

TEST_CASE("AT: a raw initiator sees END_REQ, BEGIN_RESP after the latency, completes with END_RESP",
          "[systemc][tlm][at]") {
  const Config cfg = test::small_config();
  std::vector<tlm::tlm_phase> phases;
  sc_time begin_resp_at;
  struct Probe : sc_core::sc_module, tlm::tlm_bw_transport_if<> {
    tlm::tlm_initiator_socket<> socket;
    std::vector<tlm::tlm_phase>* phases;
    sc_time* resp_at;
    sc_core::sc_event resp_ev;
    SC_HAS_PROCESS(Probe);
    Probe(const sc_core::sc_module_name& n, std::vector<tlm::tlm_phase>* p, sc_time* r)
        : sc_core::sc_module(n), socket("socket"), phases(p), resp_at(r) {
      socket.bind(*this);
      SC_THREAD(run);
    }
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload&, tlm::tlm_phase& ph,
                                       sc_time&) override {
      phases->push_back(ph);
      if (ph == tlm::BEGIN_RESP) {
        *resp_at = sc_core::sc_time_stamp();
        resp_ev.notify();
      }
      return tlm::TLM_ACCEPTED;
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}
    void run() {
      std::uint32_t v = 0;
      tlm::tlm_generic_payload t;
      t.set_command(tlm::TLM_READ_COMMAND);
      t.set_address(rm::kId);
      t.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
      t.set_data_length(4);
      t.set_streaming_width(4);
      tlm::tlm_phase ph = tlm::BEGIN_REQ;
      sc_time d = sc_core::SC_ZERO_TIME;
      wait(10, SC_NS);
      CHECK(socket->nb_transport_fw(t, ph, d) == tlm::TLM_ACCEPTED);
      wait(resp_ev);
      ph = tlm::END_RESP;
      CHECK(socket->nb_transport_fw(t, ph, d) == tlm::TLM_COMPLETED);
      CHECK(v == rm::kIdValue);
      CHECK(t.get_response_status() == tlm::TLM_OK_RESPONSE);
    }
  };
  sc::Accelerator accel("accel", cfg);
  sc_core::sc_signal<bool> irq;
  accel.irq(irq);
  Probe probe("probe", &phases, &begin_resp_at);
  probe.socket.bind(accel.socket());
  sc_core::sc_start();
  REQUIRE(phases.size() == 2);
  CHECK(phases[0] == tlm::END_REQ);
  CHECK(phases[1] == tlm::BEGIN_RESP);
  CHECK(begin_resp_at == sc_time(10, SC_NS) + accel.params().host.register_latency());
}

TEST_CASE("DMI: grant on data windows, refused while busy, invalidated around commands",
          "[systemc][tlm][dmi]") {
  const Config cfg = test::small_config();
  Tokens tok(1, 2, 64, 4);
  bool k_ok = false, out_ok = false, reg_ok = true, busy_ok = true, after_ok = false;
  tlm::tlm_dmi k_dmi, out_dmi, reg_dmi;
  int inval_before = -1, inval_after_cmd = -1, inval_after_done = -1;
  std::vector<float> back(128);
  std::vector<float> dmi_out(128), bus_out(128);
  Bench b("b", cfg, [&](Bench& b) {
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_WRITE_COMMAND);
    t.set_address(rm::kKWindow + 40);
    k_ok = b.host.socket->get_direct_mem_ptr(t, k_dmi);
    t.set_address(rm::kOutWindow);
    t.set_command(tlm::TLM_READ_COMMAND);
    out_ok = b.host.socket->get_direct_mem_ptr(t, out_dmi);
    t.set_address(rm::kStatus);
    reg_ok = b.host.socket->get_direct_mem_ptr(t, reg_dmi);
    // Write K through the pointer; the bus sees it.
    std::memcpy(k_dmi.get_dmi_ptr(), tok.K(0), 128 * 4);
    b.host.read_floats(rm::kKWindow, back.data(), 128);
    inval_before = b.host.dmi_invalidations();
    b.host.write_floats(rm::kVWindow, tok.V(0), 128);
    b.host.write_floats(rm::kQWindow, tok.Q(0), 128);
    b.host.write32(rm::kIrqEnable, rm::kIrqDone);
    b.host.write32(rm::kCommand, rm::kCmdWriteKv | rm::kCmdAttend);
    inval_after_cmd = b.host.dmi_invalidations();
    tlm::tlm_dmi busy_dmi;
    t.set_address(rm::kQWindow);
    busy_ok = b.host.socket->get_direct_mem_ptr(t, busy_dmi);
    b.host.wait_done();
    inval_after_done = b.host.dmi_invalidations();
    tlm::tlm_dmi again;
    after_ok = b.host.socket->get_direct_mem_ptr(t, again);
    std::memcpy(dmi_out.data(), out_dmi.get_dmi_ptr(), 128 * 4);
    b.host.read_floats(rm::kOutWindow, bus_out.data(), 128);
  });
  sc_core::sc_start();
  b.check();
  REQUIRE(k_ok);
  CHECK(k_dmi.get_start_address() == rm::kKWindow);
  CHECK(k_dmi.get_end_address() == rm::kKWindow + 128 * 4 - 1);
  CHECK(k_dmi.is_read_write_allowed());
  CHECK(k_dmi.get_read_latency() == cfg.number("host.clock_period_ns") * sc_time(1, SC_NS) *
                                        cfg.integer("host.dmi_access_cycles"));
  REQUIRE(out_ok);
  CHECK(out_dmi.is_read_allowed());
  CHECK_FALSE(out_dmi.is_write_allowed());
  CHECK_FALSE(reg_ok);
  CHECK(reg_dmi.get_start_address() == 0);
  CHECK(reg_dmi.get_end_address() == rm::kRegBlockEnd - 1);
  for (int i = 0; i < 128; ++i) CHECK(back[i] == tok.K(0)[i]);
  CHECK(inval_before == 0);
  CHECK(inval_after_cmd == 1);   // grants revoked when the command is accepted
  CHECK_FALSE(busy_ok);          // no DMI while the command owns the windows
  CHECK(inval_after_done == 2);  // the refusal (and OUT) invalidated at completion
  CHECK(after_ok);
  CHECK(dmi_out == bus_out);
  double s = 0;
  for (float x : bus_out) s += std::fabs(x);
  CHECK(s > 0.0);
}

TEST_CASE("DMI: a driver using DMI gets the same outputs, NaN written by DMI is caught",
          "[systemc][tlm][dmi]") {
  const Config cfg = test::small_config();
  Tokens tok(3, 2, 64, 8);
  std::vector<float> out_dmi, out_bus, o(128);
  tlm::tlm_response_status nan_status = tlm::TLM_OK_RESPONSE;
  std::uint32_t nan_code = 0;
  Bench a("a", cfg, [&](Bench& b) {
    b.host.set_use_dmi(true);
    for (int t = 0; t < 3; ++t) {
      b.host.step(0, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend, tok.K(t),
                  tok.V(t), tok.Q(t), o.data());
      out_dmi.insert(out_dmi.end(), o.begin(), o.end());
    }
    std::vector<float> bad(tok.Q(0), tok.Q(0) + 128);
    bad[3] = std::numeric_limits<float>::quiet_NaN();
    b.host.write_floats(rm::kQWindow, bad.data(), 128);  // through the DMI pointer: no check here
    b.host.write32(rm::kPosition, 2);
    std::uint32_t cmd = rm::kCmdAttend;
    nan_status = b.host.access(tlm::TLM_WRITE_COMMAND, rm::kCommand,
                               reinterpret_cast<unsigned char*>(&cmd), 4);
    nan_code = b.host.read32(rm::kErrorCode);
  });
  Bench c("c", cfg, [&](Bench& b) {
    for (int t = 0; t < 3; ++t) {
      b.host.step(0, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend, tok.K(t),
                  tok.V(t), tok.Q(t), o.data());
      out_bus.insert(out_bus.end(), o.begin(), o.end());
    }
  });
  sc_core::sc_start();
  a.check();
  c.check();
  CHECK(out_dmi == out_bus);
  CHECK(a.host.dmi_invalidations() >= 3);
  CHECK(nan_status == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(nan_code == static_cast<std::uint32_t>(rm::ErrorCode::NanData));
  CHECK(a.accel.statistics().steps() == 3);
}

TEST_CASE("Interrupt: raised at completion when enabled, latched, cleared by IRQ_CLEAR",
          "[systemc][irq]") {
  const Config cfg = test::small_config();
  Tokens tok(2, 2, 64, 2);
  sc_time rise, step_end;
  bool low_while_disabled = false, high_after_enable = false, low_after_clear = false,
       err_high = false, err_low = false;
  std::uint32_t irq_status_disabled = 0;
  Bench b(
      "b", cfg,
      [&](Bench& b) {
        // Disabled: the line stays low but IRQ_STATUS latches DONE.
        b.host.write_floats(rm::kKWindow, tok.K(0), 128);
        b.host.write_floats(rm::kVWindow, tok.V(0), 128);
        b.host.write32(rm::kCommand, rm::kCmdWriteKv);
        b.host.wait_done();  // polls STATUS (the interrupt is not enabled)
        wait(5, SC_NS);
        low_while_disabled = !b.irq.read();
        irq_status_disabled = b.host.read32(rm::kIrqStatus);
        b.host.write32(rm::kIrqEnable, rm::kIrqDone);  // enabling a latched cause raises the line
        wait(sc_core::SC_ZERO_TIME);
        wait(sc_core::SC_ZERO_TIME);
        high_after_enable = b.irq.read();
        b.host.write32(rm::kIrqClear, rm::kIrqDone);
        wait(sc_core::SC_ZERO_TIME);
        wait(sc_core::SC_ZERO_TIME);
        low_after_clear = !b.irq.read();
        // Enabled: the line rises when the step ends.
        b.host.write32(rm::kPosition, 1);
        b.host.write32(rm::kCommand, rm::kCmdWriteKv);
        wait(b.irq.posedge_event());
        rise = sc_core::sc_time_stamp();
        step_end = b.accel.statistics().last_step().end;
        b.host.write32(rm::kIrqClear, rm::kIrqDone);
        // ERROR interrupt.
        b.host.write32(rm::kIrqEnable, rm::kIrqError);
        std::uint32_t v = 0;
        b.host.access(tlm::TLM_READ_COMMAND, 0x8000, reinterpret_cast<unsigned char*>(&v), 4);
        wait(sc_core::SC_ZERO_TIME);
        wait(sc_core::SC_ZERO_TIME);
        err_high = b.irq.read();
        b.host.write32(rm::kIrqClear, rm::kIrqError);
        wait(sc_core::SC_ZERO_TIME);
        wait(sc_core::SC_ZERO_TIME);
        err_low = !b.irq.read() && b.host.read32(rm::kErrorCode) == 0;
      },
      sc::Coding::LooselyTimed, /*wire_irq=*/false);
  sc_core::sc_start();
  b.check();
  CHECK(low_while_disabled);
  CHECK(irq_status_disabled == rm::kIrqDone);
  CHECK(high_after_enable);
  CHECK(low_after_clear);
  CHECK(rise == step_end);
  CHECK(err_high);
  CHECK(err_low);
}
