// The TimelineObserver hooks (Accelerator::set_timeline_observer): every phase of every step,
// every socket access, every DMA burst and every interrupt change, at their simulated times,
// and an observed accelerator simulates exactly like one without an observer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gcattn/systemc/register_map.h"
#include "gcattn/systemc/timeline_observer.h"
#include "model/systemc/bench_fixture.h"
#include "model/systemc/system_memory.h"

using namespace gcattn;
using gcattn::test::Bench;
using gcattn::test::SystemMemory;
using gcattn::test::Tokens;
using sc_core::sc_time;
namespace rm = gcattn::sc::regmap;

namespace {

constexpr int kHeads = 2, kDim = 64, kTokens = 3;
constexpr std::uint64_t kBase = 0x80000000ull, kRow = kDim * 4, kTokenStride = 0x1000;

// Keeps every event it is told about.
struct Recorder : sc::TimelineObserver {
  struct Access {
    sc::HostAccessEvent e;
    std::uint32_t value = 0;
  };
  std::vector<sc::PhaseEvent> phases;
  std::vector<Access> accesses;
  std::vector<sc::DmaBurstEvent> bursts;
  std::vector<std::pair<bool, sc_time>> irqs;
  void phase(const sc::PhaseEvent& e) override { phases.push_back(e); }
  void host_access(const sc::HostAccessEvent& e) override {
    Access a{e, 0};
    if (e.bytes == 4) std::memcpy(&a.value, e.data, 4);
    a.e.data = nullptr;  // valid during the call only
    accesses.push_back(a);
  }
  void dma_burst(const sc::DmaBurstEvent& e) override { bursts.push_back(e); }
  void irq(bool level, const sc_time& at) override { irqs.emplace_back(level, at); }
};

// Three DMA steps of layer 0 (polled), then one step of layer 1 through the windows (interrupt).
void body(Bench& b, const Tokens& tok, std::vector<float>& out) {
  auto write64 = [&b](std::uint64_t reg, std::uint64_t v) {
    b.host.write32(reg, static_cast<std::uint32_t>(v));
    b.host.write32(reg + 4, static_cast<std::uint32_t>(v >> 32));
  };
  b.host.write32(rm::kDmaHeadStride, kRow);
  for (int t = 0; t < kTokens; ++t) {
    const std::uint64_t a = kBase + t * kTokenStride;
    write64(rm::kDmaKAddrLo, a);
    write64(rm::kDmaVAddrLo, a + kHeads * kRow);
    write64(rm::kDmaQAddrLo, a + 2 * kHeads * kRow);
    write64(rm::kDmaOutAddrLo, a + 3 * kHeads * kRow);
    b.host.write32(rm::kLayer, 0);
    b.host.write32(rm::kPosition, static_cast<std::uint32_t>(t));
    b.host.write32(rm::kCommand, rm::kCmdWriteKv | rm::kCmdAttend | rm::kCmdDma);
    b.host.wait_done();
  }
  out.resize(kHeads * kDim);
  b.host.step(1, 0, rm::kCmdWriteKv | rm::kCmdAttend, tok.K(0), tok.V(0), tok.Q(0), out.data());
}

double ns(const sc_time& t) {
  return t.to_seconds() * 1e9;
}

}  // namespace

TEST_CASE("Timeline observer: phases, host accesses, DMA bursts and irq, simulation unchanged",
          "[systemc][timeline]") {
  const Tokens tok(kTokens, kHeads, kDim, 7);
  Config cfg = test::small_config({"timing.data_dependent=true"});
  struct Run {
    std::unique_ptr<SystemMemory> mem;
    std::unique_ptr<Bench> bench;
    std::vector<float> out;
  };
  Run runs[2];
  for (int i = 0; i < 2; ++i) {
    Run& r = runs[i];
    const std::string n = i == 0 ? "observed" : "plain";
    r.mem = std::make_unique<SystemMemory>((n + "_mem").c_str(), kBase, kTokens * kTokenStride);
    for (int t = 0; t < kTokens; ++t) {
      const std::uint64_t a = kBase + t * kTokenStride;
      r.mem->store(a, tok.K(t), kHeads * kDim);
      r.mem->store(a + kHeads * kRow, tok.V(t), kHeads * kDim);
      r.mem->store(a + 2 * kHeads * kRow, tok.Q(t), kHeads * kDim);
    }
    r.bench =
        std::make_unique<Bench>(n.c_str(), cfg, [&tok, &r](Bench& b) { body(b, tok, r.out); });
    r.bench->accel.dma_socket().bind(r.mem->socket);
  }
  Recorder rec;
  runs[0].bench->accel.set_timeline_observer(&rec);
  sc_core::sc_start();
  for (const Run& r : runs) {
    r.bench->check();
    REQUIRE(r.bench->finished);
  }
  const sc::AcceleratorStatistics& st = runs[0].bench->accel.statistics();
  const sc::AcceleratorStatistics& plain = runs[1].bench->accel.statistics();

  {
    INFO("the observer changes nothing");
    CHECK(runs[0].bench->end_time == runs[1].bench->end_time);
    CHECK(runs[0].out == runs[1].out);
    CHECK(st.steps() == plain.steps());
    CHECK(st.busy_time_ns() == plain.busy_time_ns());
    CHECK(st.phase_time_ns() == plain.phase_time_ns());
    CHECK(st.total_ledger().total() == plain.total_ledger().total());
    for (int t = 0; t < kTokens; ++t) {
      const std::uint64_t o = kBase + t * kTokenStride + 3 * kHeads * kRow;
      CHECK(runs[0].mem->load(o, kHeads * kDim) == runs[1].mem->load(o, kHeads * kDim));
    }
  }

  {
    INFO("phases: six per step, back to back, summing to the statistics");
    REQUIRE(st.steps() == kTokens + 1);
    REQUIRE(rec.phases.size() == 6 * st.steps());
    std::array<double, kPhaseCount> total{};
    for (std::size_t i = 0; i < rec.phases.size(); ++i) {
      const sc::PhaseEvent& e = rec.phases[i];
      CHECK(e.step == i / 6);
      CHECK(static_cast<std::size_t>(e.phase) == i % 6);
      CHECK(e.layer == (e.step < kTokens ? 0 : 1));
      CHECK(e.position == (e.step < kTokens ? static_cast<std::int64_t>(e.step) : 0));
      if (i % 6 != 0) CHECK(e.start == rec.phases[i - 1].start + rec.phases[i - 1].duration);
      total[i % 6] += ns(e.duration);
    }
    // The statistics add the schedule's durations, the events the simulated ones (rounded to the
    // 1 ps time resolution).
    for (std::size_t p = 0; p < kPhaseCount; ++p)
      CHECK(total[p] == Approx(st.phase_time_ns()[p]).margin(0.5e-3 * st.steps()));
    // The last step's phases end where its record ends.
    const sc::PhaseEvent& last = rec.phases.back();
    CHECK(last.start + last.duration == st.last_step().end);
  }

  {
    INFO("host accesses: every socket access in time order, with its data");
    REQUIRE(!rec.accesses.empty());
    int commands = 0;
    for (std::size_t i = 0; i < rec.accesses.size(); ++i) {
      const auto& a = rec.accesses[i];
      CHECK(a.e.status == tlm::TLM_OK_RESPONSE);
      if (i > 0) {
        const auto& p = rec.accesses[i - 1].e;
        CHECK(a.e.start >= p.start + p.duration);
      }
      if (a.e.write && a.e.address == rm::kCommand) {
        ++commands;
        CHECK((a.value & (rm::kCmdWriteKv | rm::kCmdAttend)) == 3u);
      }
    }
    CHECK(commands == kTokens + 1);
    // The window step starts as its COMMAND write takes effect.
    const auto cmd = std::find_if(rec.accesses.rbegin(), rec.accesses.rend(), [](const auto& a) {
      return a.e.write && a.e.address == rm::kCommand;
    });
    CHECK(cmd->e.start + cmd->e.duration == rec.phases[6 * kTokens].start);
  }

  {
    INFO("DMA bursts: every burst, fetches before the step, the write-back after it");
    const sc::DmaStatistics& d = st.dma();
    REQUIRE(rec.bursts.size() == d.bursts);
    CHECK(rec.bursts.size() == static_cast<std::size_t>(runs[0].mem->reads + runs[0].mem->writes));
    std::uint64_t read = 0, written = 0;
    for (std::size_t i = 0; i < rec.bursts.size(); ++i) {
      const auto& b = rec.bursts[i];
      CHECK(b.status == tlm::TLM_OK_RESPONSE);
      CHECK(b.end > b.start);
      if (i > 0) CHECK(b.start >= rec.bursts[i - 1].end);
      (b.write ? written : read) += b.bytes;
    }
    CHECK(read == d.bytes_read);
    CHECK(written == d.bytes_written);
    // Step s (DMA): its fetch ends before its first phase, its write-back starts after its last.
    for (int s = 0; s < kTokens; ++s) {
      const sc::PhaseEvent& first = rec.phases[6 * s];
      const sc::PhaseEvent& last = rec.phases[6 * s + 5];
      bool before = false, after = false;
      for (const auto& b : rec.bursts) {
        before =
            before || (!b.write && b.end <= first.start && b.address >= kBase + s * kTokenStride &&
                       b.address < kBase + (s + 1) * kTokenStride);
        after = after || (b.write && b.start >= last.start + last.duration &&
                          b.address >= kBase + s * kTokenStride &&
                          b.address < kBase + (s + 1) * kTokenStride);
      }
      CHECK(before);
      CHECK(after);
    }
  }

  {
    INFO("interrupt: rises when the window step ends, falls when the host clears it");
    REQUIRE(rec.irqs.size() == 2);
    CHECK(rec.irqs[0].first);
    CHECK(rec.irqs[0].second == st.last_step().end);
    CHECK_FALSE(rec.irqs[1].first);
    CHECK(rec.irqs[1].second > rec.irqs[0].second);
  }
}
