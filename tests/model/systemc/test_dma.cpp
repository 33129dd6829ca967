// COMMAND.DMA: the accelerator's initiator socket fetches K/V/Q rows from system memory and
// writes OUT back (docs/register-map.md, "DMA"), with and without DMI; bus errors during the
// fetch and the write-back; commands and descriptor writes while a transfer is in flight;
// descriptor validation; NaN in fetched rows; DMA energy.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "model/systemc/bench_fixture.h"
#include "model/systemc/system_memory.h"

using namespace gcattn;
using gcattn::test::Bench;
using gcattn::test::SystemMemory;
using gcattn::test::Tokens;
using sc_core::SC_NS;
using sc_core::sc_time;
namespace rm = gcattn::sc::regmap;
using rm::ErrorCode;

namespace {

constexpr int kHeads = 2, kDim = 64;
constexpr std::size_t kWords = kHeads * kDim;
constexpr std::uint64_t kRowBytes = kDim * 4;

std::uint32_t code(ErrorCode e) {
  return static_cast<std::uint32_t>(e);
}

/// Where a token's rows live in system memory: token t of layer l at
/// base + l * layer_stride + t * token_stride (+ 0 K, + kv V, + 2 kv Q, + 3 kv OUT), heads
/// head_stride apart.
struct Layout {
  std::uint64_t base = 0x80000000ull;
  std::uint32_t head_stride = kRowBytes;
  std::uint32_t layer_stride = 0x10000;
  std::uint64_t token_stride = 0x1000;
  std::uint64_t buffer() const { return std::uint64_t{head_stride} * kHeads; }
  std::uint64_t k(int l, int t) const {
    return base + std::uint64_t(l) * layer_stride + std::uint64_t(t) * token_stride;
  }
  std::uint64_t v(int l, int t) const { return k(l, t) + buffer(); }
  std::uint64_t q(int l, int t) const { return k(l, t) + 2 * buffer(); }
  std::uint64_t out(int l, int t) const { return k(l, t) + 3 * buffer(); }
  std::uint64_t size(int layers, int tokens) const {
    return std::uint64_t(layers) * layer_stride + std::uint64_t(tokens) * token_stride;
  }
};

void store_rows(SystemMemory& m, std::uint64_t addr, std::uint64_t stride, const float* rows) {
  for (int h = 0; h < kHeads; ++h) m.store(addr + h * stride, rows + h * kDim, kDim);
}

std::vector<float> load_rows(SystemMemory& m, std::uint64_t addr, std::uint64_t stride) {
  std::vector<float> out;
  for (int h = 0; h < kHeads; ++h) {
    const auto row = m.load(addr + h * stride, kDim);
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

/// The testbench loads every token's K, V, Q of `layer` into memory (a backdoor, like a loader).
void load_tokens(SystemMemory& m, const Layout& a, const Tokens& tok, int layer, int n) {
  for (int t = 0; t < n; ++t) {
    store_rows(m, a.k(layer, t), a.head_stride, tok.K(t));
    store_rows(m, a.v(layer, t), a.head_stride, tok.V(t));
    store_rows(m, a.q(layer, t), a.head_stride, tok.Q(t));
  }
}

void write64(Bench& b, std::uint64_t lo_reg, std::uint64_t value) {
  b.host.write32(lo_reg, static_cast<std::uint32_t>(value));
  b.host.write32(lo_reg + 4, static_cast<std::uint32_t>(value >> 32));
}

/// The descriptor of token t: base addresses of layer 0 (LAYER adds the layer stride).
void describe(Bench& b, const Layout& a, int t) {
  write64(b, rm::kDmaKAddrLo, a.k(0, t));
  write64(b, rm::kDmaVAddrLo, a.v(0, t));
  write64(b, rm::kDmaQAddrLo, a.q(0, t));
  write64(b, rm::kDmaOutAddrLo, a.out(0, t));
  b.host.write32(rm::kDmaHeadStride, a.head_stride);
  b.host.write32(rm::kDmaLayerStride, a.layer_stride);
}

/// One DMA command; returns the host's time when the COMMAND write completed (acceptance).
sc_time dma_command(Bench& b, int layer, std::uint32_t position, std::uint32_t cmd) {
  b.host.write32(rm::kLayer, static_cast<std::uint32_t>(layer));
  b.host.write32(rm::kPosition, position);
  b.host.write32(rm::kCommand, cmd | rm::kCmdDma);
  const sc_time accepted = b.host.local_time();
  b.host.wait_done();  // polls STATUS.BUSY: it covers the DMA transfers
  return accepted;
}

struct Probe {
  tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
  std::uint32_t error_code = 0;
};

/// A raw 4-byte access, then ERROR_CODE; the error is acknowledged.
Probe probe(Bench& b, tlm::tlm_command cmd, std::uint64_t addr, std::uint32_t value = 0) {
  Probe p;
  p.status = b.host.access(cmd, addr, reinterpret_cast<unsigned char*>(&value), 4);
  p.error_code = b.host.read32(rm::kErrorCode);
  b.host.write32(rm::kIrqClear, rm::kIrqError);
  return p;
}

/// Reference: the same tokens written through the host interface windows.
struct Reference {
  std::vector<float> out;  // [token][head][dim]
  double energy_pj = 0.0;
  std::uint64_t steps = 0;
};

Config dma_config(const std::vector<std::string>& extra = {}) {
  std::vector<std::string> o = {"leakage.mode=token_age"};  // outputs independent of timing
  o.insert(o.end(), extra.begin(), extra.end());
  return test::small_config(o);
}

}  // namespace

TEST_CASE("DMA: steps read K/V/Q from memory and write OUT, with and without DMI",
          "[systemc][dma]") {
  const int T = 3, L = 1;
  Tokens tok(T, kHeads, kDim, 31);
  const Layout a;
  struct Run {
    Run(std::string n, bool dmi, std::vector<std::string> c, sc::Coding cod)
        : name(std::move(n)), allow_dmi(dmi), cfg(std::move(c)), coding(cod) {}
    std::string name;
    bool allow_dmi;
    std::vector<std::string> cfg;
    sc::Coding coding;
    std::unique_ptr<Bench> bench;
    std::unique_ptr<SystemMemory> mem;
    std::vector<float> out;
    std::vector<sc_time> accepted, step_start;
    std::vector<std::uint32_t> dma_status, dma_last_ps, dma_bytes, last_step_ps;
  };
  std::vector<Run> runs;
  runs.emplace_back("bus", false, std::vector<std::string>{}, sc::Coding::LooselyTimed);
  runs.emplace_back("dmi", true, std::vector<std::string>{}, sc::Coding::LooselyTimed);
  runs.emplace_back("dmi_off", true, std::vector<std::string>{"dma.use_dmi=false"},
                    sc::Coding::LooselyTimed);
  runs.emplace_back("at_dmi", true, std::vector<std::string>{}, sc::Coding::ApproximatelyTimed);
  for (Run& r : runs) {
    r.mem = std::make_unique<SystemMemory>((r.name + "_mem").c_str(), a.base, a.size(2, T));
    r.mem->allow_dmi = r.allow_dmi;
    load_tokens(*r.mem, a, tok, L, T);
    Run* rp = &r;
    r.bench = std::make_unique<Bench>(
        r.name.c_str(), dma_config(r.cfg),
        [rp, &a](Bench& b) {
          for (int t = 0; t < T; ++t) {
            describe(b, a, t);
            rp->accepted.push_back(
                dma_command(b, L, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend));
            rp->step_start.push_back(b.accel.statistics().last_step().start);
            rp->dma_status.push_back(b.host.read32(rm::kDmaStatus));
            rp->dma_last_ps.push_back(b.host.read32(rm::kDmaLastPs));
            rp->dma_bytes.push_back(b.host.read32(rm::kDmaBytes));
            rp->last_step_ps.push_back(b.host.read32(rm::kLastStepPs));
            REQUIRE(b.host.read32(rm::kStatus) == rm::kStatusDone);
          }
        },
        r.coding);
    r.bench->accel.dma_socket().bind(r.mem->socket);
  }
  Reference ref;
  Bench host_bench("host", dma_config(), [&](Bench& b) {
    std::vector<float> o(kWords);
    for (int t = 0; t < T; ++t) {
      b.host.step(L, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend, tok.K(t),
                  tok.V(t), tok.Q(t), o.data());
      ref.out.insert(ref.out.end(), o.begin(), o.end());
    }
  });
  sc_core::sc_start();
  host_bench.check();
  ref.energy_pj = host_bench.accel.statistics().total_ledger().total();
  double sum = 0.0;
  for (float x : ref.out) sum += std::fabs(x);
  REQUIRE(sum > 1.0);  // the outputs are not trivially zero

  const std::uint64_t per_step_bytes = 4 * kWords * 4;  // K, V, Q in; OUT out
  for (Run& r : runs) {
    INFO("run " << r.name);
    r.bench->check();
    REQUIRE(r.bench->finished);
    // OUT rows in memory equal the host-written reference, token by token.
    for (int t = 0; t < T; ++t) {
      const auto o = load_rows(*r.mem, a.out(L, t), a.head_stride);
      CHECK(std::equal(o.begin(), o.end(), ref.out.begin() + t * kWords));
    }
    const sc::AcceleratorStatistics& st = r.bench->accel.statistics();
    CHECK(st.steps() == T);
    CHECK(st.total_ledger().total() == ref.energy_pj);  // dma.energy_fj_per_bit = 0
    CHECK(st.dma().commands == T);
    CHECK(st.dma().transfers == 2 * T);
    CHECK(st.dma().bytes_read == 3 * kWords * 4 * T);
    CHECK(st.dma().bytes_written == kWords * 4 * T);
    CHECK(st.dma().errors == 0);
    for (int t = 0; t < T; ++t) {
      CHECK(r.last_step_ps[t] == 65000);  // the step itself is the same 65 ns
      CHECK(r.dma_bytes[t] == per_step_bytes);
      CHECK(r.step_start[t] > r.accepted[t]);  // the fetch takes simulated time
    }
    const bool dmi_used = r.name == "dmi" || r.name == "at_dmi";
    if (dmi_used) {
      CHECK(r.mem->dmi_grants >= 1);
      CHECK(st.dma().dmi_bursts > 0);
      CHECK(r.mem->reads < 6 * T);  // most bursts went through the pointer
      for (auto s : r.dma_status) CHECK(s == rm::kDmaStatusDmi);
    } else {
      CHECK(r.mem->dmi_grants == 0);
      CHECK(st.dma().dmi_bursts == 0);
      // 512-byte contiguous buffers in bursts of dma.max_burst_bytes = 256: 2 per buffer.
      CHECK(r.mem->reads == 6 * T);
      CHECK(r.mem->writes == 2 * T);
      for (auto s : r.dma_status) CHECK(s == 0u);
      // Timing without DMI: setup (4 cycles of 1 ns) + 10 ns per burst, for the fetch (6
      // bursts) and the write-back (2 bursts).
      for (int t = 0; t < T; ++t) {
        CHECK(r.step_start[t] - r.accepted[t] == sc_time(4 + 6 * 10, SC_NS));
        CHECK(r.dma_last_ps[t] == (4 + 6 * 10 + 4 + 2 * 10) * 1000u);
      }
    }
  }
}

TEST_CASE("DMA: strided rows, layer stride and 64-bit addresses", "[systemc][dma]") {
  Tokens tok(1, kHeads, kDim, 5);
  Layout a;
  a.base = 0x120000000ull;  // above 4 GiB: the _HI words matter
  a.head_stride = 0x400;    // rows 1 KiB apart: gaps between heads
  a.layer_stride = 0x8000;
  SystemMemory mem("mem", a.base, a.size(2, 1));
  std::fill(mem.bytes.begin(), mem.bytes.end(), 0xA5);  // sentinel in the gaps
  load_tokens(mem, a, tok, 1, 1);
  std::vector<float> k_window(kWords), out_window(kWords);
  std::uint32_t k_hi = 0, head_stride = 0;
  Bench b("b", dma_config({"dma.max_burst_bytes=64"}), [&](Bench& b) {
    describe(b, a, 0);
    k_hi = b.host.read32(rm::kDmaKAddrHi);
    head_stride = b.host.read32(rm::kDmaHeadStride);
    dma_command(b, 1, 0, rm::kCmdWriteKv | rm::kCmdAttend);
    // The windows hold what the DMA fetched and computed.
    b.host.read_floats(rm::kKWindow, k_window.data(), kWords);
    b.host.read_floats(rm::kOutWindow, out_window.data(), kWords);
  });
  b.accel.dma_socket().bind(mem.socket);
  sc_core::sc_start();
  b.check();
  CHECK(k_hi == 1);
  CHECK(head_stride == 0x400);
  CHECK(std::equal(k_window.begin(), k_window.end(), tok.K(0)));
  const auto out = load_rows(mem, a.out(1, 0), a.head_stride);
  CHECK(out == out_window);
  // Strided rows are not merged: 3 buffers x 2 heads x (256-byte row / 64-byte bursts).
  CHECK(mem.reads == 3 * 2 * 4);
  CHECK(mem.writes == 2 * 4);
  // Gaps between the OUT rows and layer 0's area are untouched.
  const unsigned char* gap = mem.at(a.out(1, 0) + kRowBytes);
  CHECK(std::all_of(gap, gap + (a.head_stride - kRowBytes),
                    [](unsigned char c) { return c == 0xA5; }));
  const unsigned char* l0 = mem.at(a.out(0, 0));
  CHECK(std::all_of(l0, l0 + a.buffer(), [](unsigned char c) { return c == 0xA5; }));
}

TEST_CASE(
    "DMA: a bus error in the fetch aborts the command and changes nothing, "
    "in the write-back it is reported after the step",
    "[systemc][dma][error]") {
  Tokens tok(3, kHeads, kDim, 9);
  const Layout a;
  SystemMemory mem("mem", a.base, a.size(1, 3));
  mem.allow_dmi = true;  // the fault must revoke the pointer the engine holds
  load_tokens(mem, a, tok, 0, 3);
  struct Seen {
    std::uint32_t error_code, error_addr, dma_status, dma_err_lo, dma_err_hi, dma_err_resp, status,
        irq_status, steps;
    bool irq;
  };
  Seen fetch{}, fetch_cleared{}, wb{};
  std::vector<float> k_before(kWords), k_after(kWords), out_window(kWords);
  std::uint64_t fault_addr = 0;
  auto seen = [](Bench& b) {
    Seen s{};
    s.error_code = b.host.read32(rm::kErrorCode);
    s.error_addr = b.host.read32(rm::kErrorAddr);
    s.dma_status = b.host.read32(rm::kDmaStatus);
    s.dma_err_lo = b.host.read32(rm::kDmaErrorAddrLo);
    s.dma_err_hi = b.host.read32(rm::kDmaErrorAddrHi);
    s.dma_err_resp = b.host.read32(rm::kDmaErrorResp);
    s.status = b.host.read32(rm::kStatus);
    s.irq_status = b.host.read32(rm::kIrqStatus);
    s.steps = b.host.read32(rm::kStepCount);
    s.irq = b.irq.read();
    return s;
  };
  Bench b(
      "b", dma_config(),
      [&](Bench& b) {
        b.host.write32(rm::kIrqEnable, rm::kIrqError);
        describe(b, a, 0);
        dma_command(b, 0, 0, rm::kCmdWriteKv | rm::kCmdAttend);
        b.host.write32(rm::kIrqClear, rm::kIrqDone);
        b.host.read_floats(rm::kKWindow, k_before.data(), kWords);
        // Token 1: head 1's V row answers with an address error.
        fault_addr = a.v(0, 1) + kRowBytes;
        mem.set_fault(fault_addr, fault_addr + kRowBytes - 1);
        describe(b, a, 1);
        dma_command(b, 0, 1, rm::kCmdWriteKv | rm::kCmdAttend);
        b.host.sync();
        wait(sc_core::SC_ZERO_TIME);
        fetch = seen(b);
        b.host.read_floats(rm::kKWindow, k_after.data(), kWords);
        b.host.write32(rm::kIrqClear, rm::kIrqError);
        fetch_cleared = seen(b);
        // The memory recovers: the same position is accepted again (nothing was stored).
        mem.set_fault(1, 0);
        dma_command(b, 0, 1, rm::kCmdWriteKv | rm::kCmdAttend);
        b.host.write32(rm::kIrqClear, rm::kIrqDone);
        // Token 2: the OUT write-back fails (generic error) after the step ran.
        mem.fault_status = tlm::TLM_GENERIC_ERROR_RESPONSE;
        mem.set_fault(a.out(0, 2), a.out(0, 2) + 3);
        describe(b, a, 2);
        dma_command(b, 0, 2, rm::kCmdWriteKv | rm::kCmdAttend);
        b.host.sync();
        wait(sc_core::SC_ZERO_TIME);
        wb = seen(b);
        b.host.read_floats(rm::kOutWindow, out_window.data(), kWords);
      },
      sc::Coding::LooselyTimed, /*wire_irq=*/false);
  b.accel.dma_socket().bind(mem.socket);
  Reference ref;
  Bench host_bench("host", dma_config(), [&](Bench& b) {
    std::vector<float> o(kWords);
    for (int t = 0; t < 3; ++t) {
      b.host.step(0, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend, tok.K(t),
                  tok.V(t), tok.Q(t), o.data());
      ref.out.insert(ref.out.end(), o.begin(), o.end());
    }
  });
  sc_core::sc_start();
  b.check();
  host_bench.check();

  // Fetch error: reported, nothing ran, the K window still holds token 0.
  CHECK(fetch.error_code == code(ErrorCode::DmaBusError));
  CHECK(fetch.error_addr == static_cast<std::uint32_t>(fault_addr));
  CHECK(fetch.dma_err_lo == static_cast<std::uint32_t>(fault_addr));
  CHECK(fetch.dma_err_hi == static_cast<std::uint32_t>(fault_addr >> 32));
  CHECK(fetch.dma_err_resp == GCATTN_DMA_RESP_ADDRESS_ERROR);
  CHECK(fetch.dma_status == rm::kDmaStatusBusError);
  CHECK(fetch.status == rm::kStatusError);  // not BUSY, not DONE
  CHECK(fetch.irq_status == rm::kIrqError);
  CHECK(fetch.irq);
  CHECK(fetch.steps == 1);
  CHECK(k_after == k_before);
  CHECK(std::equal(k_before.begin(), k_before.end(), tok.K(0)));
  // IRQ_CLEAR.ERROR acknowledges the DMA error registers too.
  CHECK(fetch_cleared.error_code == 0);
  CHECK(fetch_cleared.dma_status == 0);
  CHECK(fetch_cleared.dma_err_lo == 0);
  CHECK(fetch_cleared.dma_err_resp == 0);
  CHECK_FALSE(fetch_cleared.irq);
  // The retried token 1 and token 0 equal the reference: the KV cache was not disturbed.
  for (int t = 0; t < 2; ++t) {
    const auto o = load_rows(mem, a.out(0, t), a.head_stride);
    CHECK(std::equal(o.begin(), o.end(), ref.out.begin() + t * kWords));
  }
  // Write-back error: the step ran (STEP_COUNT, OUT window) but DONE is not set.
  CHECK(wb.error_code == code(ErrorCode::DmaBusError));
  CHECK(wb.error_addr == static_cast<std::uint32_t>(a.out(0, 2)));
  CHECK(wb.dma_err_resp == GCATTN_DMA_RESP_GENERIC_ERROR);
  CHECK(wb.dma_status == rm::kDmaStatusBusError);
  CHECK(wb.status == rm::kStatusError);
  CHECK(wb.steps == 3);  // token 0, token 1 retried, token 2
  CHECK(wb.irq);
  CHECK(std::equal(out_window.begin(), out_window.end(), ref.out.begin() + 2 * kWords));
  CHECK(b.accel.statistics().dma().errors == 2);
}

TEST_CASE(
    "DMA: commands and descriptor writes while a transfer is in flight are rejected "
    "and nothing is corrupted",
    "[systemc][dma][busy]") {
  Tokens tok(2, kHeads, kDim, 17);
  const Layout a;
  SystemMemory mem("mem", a.base, a.size(1, 2));
  mem.latency = sc_time(20, SC_NS);
  load_tokens(mem, a, tok, 0, 2);
  const std::vector<unsigned char> inputs_before = mem.bytes;
  std::vector<Probe> during_fetch, during_wb;
  std::uint32_t dma_status_fetch = 0, dma_status_wb = 0, k_lo_after = 0, status_end = 0,
                steps_end = 0;
  // Long transfers (100 setup cycles, 20 ns bursts) so that every interfering access lands
  // inside the fetch, then inside the write-back.
  Bench b("b", dma_config({"dma.setup_cycles=100"}), [&](Bench& b) {
    describe(b, a, 0);
    dma_command(b, 0, 0, rm::kCmdWriteKv | rm::kCmdAttend);
    describe(b, a, 1);
    b.host.write32(rm::kPosition, 1);
    b.host.write32(rm::kCommand, rm::kCmdWriteKv | rm::kCmdAttend | rm::kCmdDma);
    // The fetch is in flight.
    dma_status_fetch = b.host.read32(rm::kDmaStatus);
    auto interfere = [&](std::vector<Probe>& into) {
      into.push_back(probe(b, tlm::TLM_WRITE_COMMAND, rm::kCommand,
                           rm::kCmdWriteKv | rm::kCmdAttend | rm::kCmdDma));
      into.push_back(probe(b, tlm::TLM_WRITE_COMMAND, rm::kCommand, rm::kCmdAttend));
      into.push_back(probe(b, tlm::TLM_WRITE_COMMAND, rm::kDmaKAddrLo, 0x1234));
      into.push_back(probe(b, tlm::TLM_WRITE_COMMAND, rm::kDmaHeadStride, 4));
      into.push_back(probe(b, tlm::TLM_WRITE_COMMAND, rm::kKWindow, 0));
      into.push_back(probe(b, tlm::TLM_WRITE_COMMAND, rm::kLayer, 1));
      into.push_back(probe(b, tlm::TLM_WRITE_COMMAND, rm::kPosition, 7));
      into.push_back(probe(b, tlm::TLM_WRITE_COMMAND, rm::kControl, rm::kCtrlClearKv));
      into.push_back(probe(b, tlm::TLM_READ_COMMAND, rm::kOutWindow));
    };
    interfere(during_fetch);
    // Wait into the OUT write-back (the step has ended, the transfer runs).
    b.host.sync();
    while (b.accel.statistics().steps() < 2) wait(1, SC_NS);
    dma_status_wb = b.host.read32(rm::kDmaStatus);
    interfere(during_wb);
    b.host.wait_done();
    k_lo_after = b.host.read32(rm::kDmaKAddrLo);
    status_end = b.host.read32(rm::kStatus);
    steps_end = b.host.read32(rm::kStepCount);
  });
  b.accel.dma_socket().bind(mem.socket);
  Reference ref;
  Bench host_bench("host", dma_config(), [&](Bench& b) {
    std::vector<float> o(kWords);
    for (int t = 0; t < 2; ++t) {
      b.host.step(0, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend, tok.K(t),
                  tok.V(t), tok.Q(t), o.data());
      ref.out.insert(ref.out.end(), o.begin(), o.end());
    }
  });
  sc_core::sc_start();
  b.check();
  host_bench.check();
  CHECK(dma_status_fetch == rm::kDmaStatusActive);
  CHECK(dma_status_wb == rm::kDmaStatusActive);
  REQUIRE(during_fetch.size() == 9);
  REQUIRE(during_wb.size() == 9);
  for (const auto* v : {&during_fetch, &during_wb}) {
    for (std::size_t i = 0; i < v->size(); ++i) {
      INFO("interfering access " << i);
      CHECK((*v)[i].status == tlm::TLM_GENERIC_ERROR_RESPONSE);
      CHECK((*v)[i].error_code == code(ErrorCode::Busy));
    }
  }
  CHECK(k_lo_after == static_cast<std::uint32_t>(a.k(0, 1)));  // descriptor unchanged
  CHECK(status_end == rm::kStatusDone);
  CHECK(steps_end == 2);
  for (int t = 0; t < 2; ++t) {
    const auto o = load_rows(mem, a.out(0, t), a.head_stride);
    CHECK(std::equal(o.begin(), o.end(), ref.out.begin() + t * kWords));
  }
  // The input rows in memory are untouched; only the OUT rows were written.
  for (int t = 0; t < 2; ++t) {
    const std::size_t off = a.k(0, t) - a.base;
    CHECK(std::equal(mem.bytes.begin() + off, mem.bytes.begin() + off + 3 * a.buffer(),
                     inputs_before.begin() + off));
  }
}

TEST_CASE("DMA: descriptor validation, DMA registers, unbound socket", "[systemc][dma][regmap]") {
  Tokens tok(1, kHeads, kDim, 3);
  const Layout a;
  SystemMemory mem("mem", a.base, a.size(1, 1));
  load_tokens(mem, a, tok, 0, 1);
  std::vector<std::pair<const char*, Probe>> bad;
  Probe dma_alone{}, ro_status{}, ro_bytes{}, reserved{}, unbound{}, narrow{};
  std::uint32_t reserved_read = 1, steps_after_bad = 1, k_lo = 0, k_hi = 0, after_reset = 1;
  std::uint32_t version = 0;
  int writes_after_kv_only = -1;
  bool dmi_refused = false;
  tlm::tlm_dmi dmi;
  unsigned dbg_n = 0;
  std::uint32_t dbg_value = 0;
  Bench b("b", dma_config(), [&](Bench& b) {
    version = b.host.read32(rm::kVersion);
    dma_alone = probe(b, tlm::TLM_WRITE_COMMAND, rm::kCommand, rm::kCmdDma);
    ro_status = probe(b, tlm::TLM_WRITE_COMMAND, rm::kDmaStatus, 0);
    ro_bytes = probe(b, tlm::TLM_WRITE_COMMAND, rm::kDmaBytes, 0);
    reserved = probe(b, tlm::TLM_WRITE_COMMAND, rm::kDmaBlock + 0x40, 1);
    reserved_read = b.host.read32(rm::kDmaBlock + 0xFC);
    std::uint16_t half = 0;
    narrow.status = b.host.access(tlm::TLM_READ_COMMAND, rm::kDmaStatus,
                                  reinterpret_cast<unsigned char*>(&half), 2);
    narrow.error_code = b.host.read32(rm::kErrorCode);
    b.host.write32(rm::kIrqClear, rm::kIrqError);
    auto refused = [&](const char* what) {
      bad.emplace_back(what, probe(b, tlm::TLM_WRITE_COMMAND, rm::kCommand,
                                   rm::kCmdWriteKv | rm::kCmdAttend | rm::kCmdDma));
    };
    describe(b, a, 0);
    b.host.write32(rm::kDmaHeadStride, kRowBytes - 4);
    refused("head stride below a row");
    b.host.write32(rm::kDmaHeadStride, kRowBytes + 2);
    refused("head stride not a multiple of 4");
    b.host.write32(rm::kDmaHeadStride, kRowBytes);
    b.host.write32(rm::kDmaLayerStride, 6);
    refused("layer stride not a multiple of 4");
    b.host.write32(rm::kDmaLayerStride, a.layer_stride);
    write64(b, rm::kDmaQAddrLo, a.q(0, 0) + 2);
    refused("misaligned Q address");
    write64(b, rm::kDmaQAddrLo, a.q(0, 0));
    write64(b, rm::kDmaOutAddrLo, 0xFFFFFFFFFFFFFF00ull);
    refused("OUT rows past the 64-bit address space");
    steps_after_bad = b.host.read32(rm::kStepCount);
    // WRITE_KV alone needs no Q/OUT addresses and writes nothing back.
    dma_command(b, 0, 0, rm::kCmdWriteKv);
    writes_after_kv_only = mem.writes;
    k_lo = b.host.read32(rm::kDmaKAddrLo);
    k_hi = b.host.read32(rm::kDmaKAddrHi);
    // Debug reads and DMI requests on the DMA block.
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_READ_COMMAND);
    t.set_address(rm::kDmaKAddrLo);
    t.set_data_ptr(reinterpret_cast<unsigned char*>(&dbg_value));
    t.set_data_length(4);
    dbg_n = b.host.socket->transport_dbg(t);
    dmi_refused = !b.host.socket->get_direct_mem_ptr(t, dmi);
    b.host.write32(rm::kControl, rm::kCtrlSoftReset);
    after_reset = b.host.read32(rm::kDmaKAddrLo) | b.host.read32(rm::kDmaHeadStride) |
                  b.host.read32(rm::kDmaBytes);
  });
  b.accel.dma_socket().bind(mem.socket);
  Bench lone("lone", dma_config(), [&](Bench& b) {  // no system memory bound
    unbound = probe(b, tlm::TLM_WRITE_COMMAND, rm::kCommand, rm::kCmdWriteKv | rm::kCmdDma);
  });
  sc_core::sc_start();
  b.check();
  lone.check();
  CHECK(version == 0x00010100u);
  CHECK(dma_alone.error_code == code(ErrorCode::BadCommand));
  CHECK(ro_status.error_code == code(ErrorCode::ReadOnly));
  CHECK(ro_status.status == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(ro_bytes.error_code == code(ErrorCode::ReadOnly));
  CHECK(reserved.error_code == code(ErrorCode::ReservedWrite));
  CHECK(reserved_read == 0);
  CHECK(narrow.status == tlm::TLM_BURST_ERROR_RESPONSE);
  CHECK(narrow.error_code == code(ErrorCode::AccessWidth));
  REQUIRE(bad.size() == 5);
  for (const auto& [what, p] : bad) {
    INFO(what);
    CHECK(p.status == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(p.error_code == code(ErrorCode::DmaDescriptor));
  }
  CHECK(steps_after_bad == 0);
  CHECK(writes_after_kv_only == 0);
  CHECK(mem.reads == 4);  // K and V: 2 bursts each
  CHECK(k_lo == static_cast<std::uint32_t>(a.k(0, 0)));
  CHECK(k_hi == static_cast<std::uint32_t>(a.k(0, 0) >> 32));
  CHECK(dbg_n == 4);
  CHECK(dbg_value == k_lo);
  CHECK(dmi_refused);
  CHECK(dmi.get_start_address() == rm::kDmaBlock);
  CHECK(dmi.get_end_address() == rm::kDmaBlockEnd - 1);
  CHECK(after_reset == 0);
  CHECK(unbound.status == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(unbound.error_code == code(ErrorCode::DmaDescriptor));
}

TEST_CASE("DMA: NaN in a fetched row aborts the command with its system address",
          "[systemc][dma][error]") {
  Tokens tok(1, kHeads, kDim, 12);
  const Layout a;
  SystemMemory mem("mem", a.base, a.size(1, 1));
  load_tokens(mem, a, tok, 0, 1);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::uint64_t bad_addr = a.q(0, 0) + kRowBytes + 5 * 4;  // head 1, dimension 5
  std::memcpy(mem.at(bad_addr), &nan, 4);
  std::uint32_t err = 0, err_addr = 0, dma_lo = 0, steps = 1, status = 0;
  Bench b("b", dma_config(), [&](Bench& b) {
    describe(b, a, 0);
    dma_command(b, 0, 0, rm::kCmdWriteKv | rm::kCmdAttend);
    err = b.host.read32(rm::kErrorCode);
    err_addr = b.host.read32(rm::kErrorAddr);
    dma_lo = b.host.read32(rm::kDmaErrorAddrLo);
    steps = b.host.read32(rm::kStepCount);
    status = b.host.read32(rm::kStatus);
  });
  b.accel.dma_socket().bind(mem.socket);
  sc_core::sc_start();
  b.check();
  CHECK(err == code(ErrorCode::NanData));
  CHECK(err_addr == static_cast<std::uint32_t>(bad_addr));
  CHECK(dma_lo == static_cast<std::uint32_t>(bad_addr));
  CHECK(steps == 0);
  CHECK(status == rm::kStatusError);
  CHECK(mem.writes == 0);
}

TEST_CASE("DMA: dma.energy_fj_per_bit charges the moved bits to routing",
          "[systemc][dma][energy]") {
  Tokens tok(2, kHeads, kDim, 4);
  const Layout a;
  double routing[2] = {0.0, 0.0}, total[2] = {0.0, 0.0};
  std::uint64_t bytes[2] = {0, 0};
  const char* cfgs[2] = {"dma.energy_fj_per_bit=0", "dma.energy_fj_per_bit=150"};
  std::vector<std::unique_ptr<SystemMemory>> mems;
  std::vector<std::unique_ptr<Bench>> benches;
  for (int i = 0; i < 2; ++i) {
    mems.push_back(
        std::make_unique<SystemMemory>(("mem" + std::to_string(i)).c_str(), a.base, a.size(1, 2)));
    load_tokens(*mems.back(), a, tok, 0, 2);
    benches.push_back(std::make_unique<Bench>(
        ("b" + std::to_string(i)).c_str(), dma_config({cfgs[i]}), [&a](Bench& b) {
          for (int t = 0; t < 2; ++t) {
            describe(b, a, t);
            dma_command(b, 0, static_cast<std::uint32_t>(t), rm::kCmdWriteKv | rm::kCmdAttend);
          }
        }));
    benches.back()->accel.dma_socket().bind(mems.back()->socket);
  }
  sc_core::sc_start();
  for (int i = 0; i < 2; ++i) {
    benches[i]->check();
    const auto& st = benches[i]->accel.statistics();
    routing[i] = st.total_ledger().component(EnergyComponent::Routing);
    total[i] = st.total_ledger().total();
    bytes[i] = st.dma().bytes_read + st.dma().bytes_written;
  }
  REQUIRE(bytes[0] == bytes[1]);
  REQUIRE(bytes[1] == 2 * 4 * kWords * 4);
  const double expected_pj = static_cast<double>(bytes[1]) * 8.0 * 150.0 * 1e-3;
  CHECK(routing[1] - routing[0] == Approx(expected_pj).epsilon(1e-12));
  CHECK(total[1] - total[0] == Approx(expected_pj).epsilon(1e-12));
}
