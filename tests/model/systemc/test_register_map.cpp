// The register map of docs/register-map.md: every register's reset value and access rights,
// reserved and unmapped addresses, access shapes, and the error register on every bad access.
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
using rm::ErrorCode;

namespace {

struct Result {
  tlm::tlm_response_status status;
  std::uint32_t error_code;
  std::uint32_t error_addr;
};

/// A raw access followed by reads of ERROR_CODE and ERROR_ADDR (then the error is acknowledged).
Result probe(Bench& b, tlm::tlm_command cmd, std::uint64_t addr, unsigned len,
             std::uint32_t value = 0) {
  std::vector<unsigned char> buf(std::max(len, 4u), 0);
  std::memcpy(buf.data(), &value, 4);
  Result r;
  r.status = b.host.access(cmd, addr, buf.data(), len);
  r.error_code = b.host.read32(rm::kErrorCode);
  r.error_addr = b.host.read32(rm::kErrorAddr);
  b.host.write32(rm::kIrqClear, rm::kIrqError);
  return r;
}

std::uint32_t code(ErrorCode e) {
  return static_cast<std::uint32_t>(e);
}

}  // namespace

TEST_CASE("Register map: reset values of every register", "[systemc][regmap]") {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> expect = {
      {rm::kId, rm::kIdValue}, {rm::kVersion, rm::kVersionValue},
      {rm::kLayers, 2},        {rm::kHeads, 2},
      {rm::kDim, 64},          {rm::kWindow, 1024},
      {rm::kControl, 0},       {rm::kStatus, 0},
      {rm::kCommand, 0},       {rm::kLayer, 0},
      {rm::kPosition, 0},      {rm::kIrqEnable, 0},
      {rm::kIrqStatus, 0},     {rm::kIrqClear, 0},
      {rm::kErrorCode, 0},     {rm::kErrorAddr, 0},
      {rm::kStepCount, 0},     {rm::kLastStepPs, 0}};
  for (int i = 0; i < 6; ++i) expect.emplace_back(rm::kPhasePs0 + 4 * i, 0);
  std::vector<std::uint32_t> got, reserved;
  Bench b("b", test::small_config(), [&](Bench& b) {
    for (const auto& e : expect) got.push_back(b.host.read32(e.first));
    for (std::uint64_t a = rm::kPhasePs0 + 24; a < rm::kRegBlockEnd; a += 4)
      reserved.push_back(b.host.read32(a));
  });
  sc_core::sc_start();
  b.check();
  REQUIRE(got.size() == expect.size());
  for (std::size_t i = 0; i < expect.size(); ++i) {
    INFO("register 0x" << std::hex << expect[i].first);
    CHECK(got[i] == expect[i].second);
  }
  CHECK(reserved.size() == (rm::kRegBlockEnd - rm::kPhasePs0 - 24) / 4);
  for (auto v : reserved) CHECK(v == 0);
}

TEST_CASE("Register map: read-only and reserved registers reject writes", "[systemc][regmap]") {
  const std::vector<std::uint64_t> ro = {
      rm::kId,        rm::kVersion,    rm::kLayers,    rm::kHeads,        rm::kDim,
      rm::kWindow,    rm::kStatus,     rm::kIrqStatus, rm::kErrorCode,    rm::kErrorAddr,
      rm::kStepCount, rm::kLastStepPs, rm::kPhasePs0,  rm::kPhasePs0 + 20};
  std::vector<Result> ro_res, res_res;
  std::uint32_t id_after = 0;
  Bench b("b", test::small_config(), [&](Bench& b) {
    for (auto a : ro) ro_res.push_back(probe(b, tlm::TLM_WRITE_COMMAND, a, 4, 0x1234));
    for (std::uint64_t a : {std::uint64_t{0x060}, std::uint64_t{0x080}, std::uint64_t{0x0FC}}) {
      res_res.push_back(probe(b, tlm::TLM_WRITE_COMMAND, a, 4, 1));
    }
    id_after = b.host.read32(rm::kId);
  });
  sc_core::sc_start();
  b.check();
  for (std::size_t i = 0; i < ro.size(); ++i) {
    INFO("register 0x" << std::hex << ro[i]);
    CHECK(ro_res[i].status == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(ro_res[i].error_code == code(ErrorCode::ReadOnly));
    CHECK(ro_res[i].error_addr == ro[i]);
  }
  for (const auto& r : res_res) {
    CHECK(r.status == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(r.error_code == code(ErrorCode::ReservedWrite));
  }
  CHECK(id_after == rm::kIdValue);
}

TEST_CASE("Register map: unmapped addresses and bad access shapes", "[systemc][regmap]") {
  const std::uint64_t used = 2 * 64 * 4;  // heads x dim float32
  struct Case {
    tlm::tlm_command cmd;
    std::uint64_t addr;
    unsigned len;
    tlm::tlm_response_status status;
    ErrorCode code;
  };
  const std::vector<Case> cases = {
      {tlm::TLM_READ_COMMAND, rm::kRegBlockEnd, 4, tlm::TLM_ADDRESS_ERROR_RESPONSE,
       ErrorCode::UnmappedAddress},
      {tlm::TLM_WRITE_COMMAND, 0x8000, 4, tlm::TLM_ADDRESS_ERROR_RESPONSE,
       ErrorCode::UnmappedAddress},
      {tlm::TLM_READ_COMMAND, rm::kKWindow + used, 4, tlm::TLM_ADDRESS_ERROR_RESPONSE,
       ErrorCode::UnmappedAddress},
      {tlm::TLM_WRITE_COMMAND, rm::kQWindow + used - 4, 8, tlm::TLM_ADDRESS_ERROR_RESPONSE,
       ErrorCode::UnmappedAddress},
      {tlm::TLM_READ_COMMAND, 0x50000, 4, tlm::TLM_ADDRESS_ERROR_RESPONSE,
       ErrorCode::UnmappedAddress},
      {tlm::TLM_READ_COMMAND, rm::kScalerWindow + 2 * 2 * 8 * 4, 4, tlm::TLM_ADDRESS_ERROR_RESPONSE,
       ErrorCode::UnmappedAddress},
      {tlm::TLM_READ_COMMAND, rm::kAddressSpace, 4, tlm::TLM_ADDRESS_ERROR_RESPONSE,
       ErrorCode::UnmappedAddress},
      {tlm::TLM_READ_COMMAND, 0xFFFFFFF0ull, 4, tlm::TLM_ADDRESS_ERROR_RESPONSE,
       ErrorCode::UnmappedAddress},
      {tlm::TLM_READ_COMMAND, rm::kStatus + 2, 4, tlm::TLM_ADDRESS_ERROR_RESPONSE,
       ErrorCode::Misaligned},
      {tlm::TLM_WRITE_COMMAND, rm::kKWindow + 6, 4, tlm::TLM_ADDRESS_ERROR_RESPONSE,
       ErrorCode::Misaligned},
      {tlm::TLM_READ_COMMAND, rm::kStatus, 2, tlm::TLM_BURST_ERROR_RESPONSE,
       ErrorCode::AccessWidth},
      {tlm::TLM_WRITE_COMMAND, rm::kLayer, 8, tlm::TLM_BURST_ERROR_RESPONSE,
       ErrorCode::AccessWidth},
      {tlm::TLM_WRITE_COMMAND, rm::kKWindow, 6, tlm::TLM_BURST_ERROR_RESPONSE,
       ErrorCode::AccessWidth},
      {tlm::TLM_WRITE_COMMAND, rm::kOutWindow, 4, tlm::TLM_COMMAND_ERROR_RESPONSE,
       ErrorCode::ReadOnly},
  };
  std::vector<Result> got;
  Result be{}, sw{};
  Bench b("b", test::small_config(), [&](Bench& b) {
    for (const auto& c : cases) got.push_back(probe(b, c.cmd, c.addr, c.len));
    // Byte enables and streaming widths are not supported.
    unsigned char data[4] = {};
    unsigned char mask[4] = {0xFF, 0, 0xFF, 0};
    tlm::tlm_generic_payload t;
    t.set_command(tlm::TLM_READ_COMMAND);
    t.set_address(rm::kStatus);
    t.set_data_ptr(data);
    t.set_data_length(4);
    t.set_streaming_width(4);
    t.set_byte_enable_ptr(mask);
    t.set_byte_enable_length(4);
    sc_time d = sc_core::SC_ZERO_TIME;
    b.host.socket->b_transport(t, d);
    be = {t.get_response_status(), b.host.read32(rm::kErrorCode), 0};
    t.set_byte_enable_ptr(nullptr);
    t.set_address(rm::kKWindow);
    t.set_streaming_width(2);
    b.host.socket->b_transport(t, d);
    sw = {t.get_response_status(), b.host.read32(rm::kErrorCode), 0};
  });
  sc_core::sc_start();
  b.check();
  REQUIRE(got.size() == cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i << " address 0x" << std::hex << cases[i].addr);
    CHECK(got[i].status == cases[i].status);
    CHECK(got[i].error_code == code(cases[i].code));
    CHECK(got[i].error_addr == static_cast<std::uint32_t>(cases[i].addr));
  }
  CHECK(be.status == tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  CHECK(be.error_code == code(ErrorCode::ByteEnable));
  CHECK(sw.status == tlm::TLM_BURST_ERROR_RESPONSE);
  CHECK(sw.error_code == code(ErrorCode::AccessWidth));
}

TEST_CASE("Register map: read-write registers, ranges and data windows", "[systemc][regmap]") {
  std::uint32_t layer = 0, position = 0, irq_en = 0, status_err = 0;
  Result layer_bad{}, irq_bad{}, ctrl_bad{}, clear_bad{};
  std::vector<float> k_back(128), scaler_back(32);
  Bench b("b", test::small_config(), [&](Bench& b) {
    b.host.write32(rm::kLayer, 1);
    b.host.write32(rm::kPosition, 123456);
    b.host.write32(rm::kIrqEnable, rm::kIrqDone | rm::kIrqError);
    layer_bad = probe(b, tlm::TLM_WRITE_COMMAND, rm::kLayer, 4, 2);  // 2 layers: 0..1
    irq_bad = probe(b, tlm::TLM_WRITE_COMMAND, rm::kIrqEnable, 4, 4);
    ctrl_bad = probe(b, tlm::TLM_WRITE_COMMAND, rm::kControl, 4, 8);
    clear_bad = probe(b, tlm::TLM_WRITE_COMMAND, rm::kIrqClear, 4, 0x10);
    layer = b.host.read32(rm::kLayer);
    position = b.host.read32(rm::kPosition);
    irq_en = b.host.read32(rm::kIrqEnable);
    // Data windows read back what was written; scalers start at the configured defaults.
    std::vector<float> k(128);
    for (int i = 0; i < 128; ++i) k[i] = 0.01f * i - 0.5f;
    b.host.write_floats(rm::kKWindow, k.data(), k.size());
    b.host.read_floats(rm::kKWindow, k_back.data(), k_back.size());
    b.host.read_floats(rm::kScalerWindow, scaler_back.data(), scaler_back.size());
    // An error sets STATUS.ERROR until acknowledged.
    b.host.access(tlm::TLM_READ_COMMAND, 0x8000, reinterpret_cast<unsigned char*>(&status_err), 4);
    status_err = b.host.read32(rm::kStatus);
  });
  sc_core::sc_start();
  b.check();
  CHECK(layer == 1);
  CHECK(position == 123456);
  CHECK(irq_en == 3);
  CHECK(layer_bad.status == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(layer_bad.error_code == code(ErrorCode::LayerRange));
  CHECK(irq_bad.error_code == code(ErrorCode::BadCommand));
  CHECK(ctrl_bad.error_code == code(ErrorCode::BadCommand));
  CHECK(clear_bad.error_code == code(ErrorCode::BadCommand));
  for (int i = 0; i < 128; ++i) CHECK(k_back[i] == 0.01f * i - 0.5f);
  for (int s = 0; s < 4; ++s) {  // (layer, head) pairs
    CHECK(scaler_back[s * 8 + rm::kKOffset] == 0.45f);
    CHECK(scaler_back[s * 8 + rm::kOutGain] == 1.0f);
  }
  CHECK(status_err == rm::kStatusError);
}

TEST_CASE("Commands: bad value, busy, position order, NaN data, CLEAR_KV",
          "[systemc][regmap][command]") {
  Tokens tok(1, 2, 64, 1);
  std::vector<float> nan_k(tok.K(0), tok.K(0) + 128);
  nan_k[17] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> k_back(128), out(128);
  Result zero{}, unknown{}, busy_cmd{}, busy_k{}, busy_out{}, busy_layer{}, busy_ctrl{}, rewrite{},
      old_attend{}, nan_res{}, inf_scaler{};
  std::uint32_t status_busy = 0, status_done = 0, steps = 0;
  Bench b("b", test::small_config(), [&](Bench& b) {
    zero = probe(b, tlm::TLM_WRITE_COMMAND, rm::kCommand, 4, 0);
    unknown = probe(b, tlm::TLM_WRITE_COMMAND, rm::kCommand, 4, 4);
    b.host.write_floats(rm::kKWindow, tok.K(0), 128);
    b.host.write_floats(rm::kVWindow, tok.V(0), 128);
    b.host.write_floats(rm::kQWindow, tok.Q(0), 128);
    b.host.write32(rm::kPosition, 5);
    b.host.write32(rm::kCommand, rm::kCmdWriteKv | rm::kCmdAttend);
    status_busy = b.host.read32(rm::kStatus);
    busy_cmd = probe(b, tlm::TLM_WRITE_COMMAND, rm::kCommand, 4, rm::kCmdAttend);
    busy_k = probe(b, tlm::TLM_WRITE_COMMAND, rm::kKWindow, 4, 0);
    busy_out = probe(b, tlm::TLM_READ_COMMAND, rm::kOutWindow, 4);
    busy_layer = probe(b, tlm::TLM_WRITE_COMMAND, rm::kLayer, 4, 1);
    busy_ctrl = probe(b, tlm::TLM_WRITE_COMMAND, rm::kControl, 4, rm::kCtrlClearKv);
    b.host.wait_done();
    status_done = b.host.read32(rm::kStatus);
    rewrite =
        probe(b, tlm::TLM_WRITE_COMMAND, rm::kCommand, 4, rm::kCmdWriteKv);  // position 5 again
    b.host.write32(rm::kPosition, 4);
    old_attend = probe(b, tlm::TLM_WRITE_COMMAND, rm::kCommand, 4, rm::kCmdAttend);  // older than 5
    b.host.write32(rm::kPosition, 5);
    b.host.write32(rm::kCommand, rm::kCmdAttend);  // attending at the newest token is fine
    b.host.wait_done();
    // NaN: the whole burst is refused, nothing is written.
    nan_res.status = b.host.access(tlm::TLM_WRITE_COMMAND, rm::kKWindow,
                                   reinterpret_cast<unsigned char*>(nan_k.data()), 128 * 4);
    nan_res.error_code = b.host.read32(rm::kErrorCode);
    b.host.write32(rm::kIrqClear, rm::kIrqError);
    b.host.read_floats(rm::kKWindow, k_back.data(), 128);
    const float inf = std::numeric_limits<float>::infinity();
    inf_scaler = probe(b, tlm::TLM_WRITE_COMMAND, rm::kScalerWindow + 4, 4, 0);
    inf_scaler.status =
        b.host.access(tlm::TLM_WRITE_COMMAND, rm::kScalerWindow + 4,
                      reinterpret_cast<unsigned char*>(const_cast<float*>(&inf)), 4);
    inf_scaler.error_code = b.host.read32(rm::kErrorCode);
    b.host.write32(rm::kIrqClear, rm::kIrqError);
    // CLEAR_KV starts a new sequence: position 0 may be written again.
    b.host.write32(rm::kControl, rm::kCtrlClearKv);
    b.host.step(0, 0, rm::kCmdWriteKv | rm::kCmdAttend, tok.K(0), tok.V(0), tok.Q(0), out.data());
    steps = b.host.read32(rm::kStepCount);
  });
  sc_core::sc_start();
  b.check();
  CHECK(zero.error_code == code(ErrorCode::BadCommand));
  CHECK(zero.status == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(unknown.error_code == code(ErrorCode::BadCommand));
  CHECK((status_busy & rm::kStatusBusy) != 0);
  for (const auto* r : {&busy_cmd, &busy_k, &busy_out, &busy_layer, &busy_ctrl}) {
    CHECK(r->status == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(r->error_code == code(ErrorCode::Busy));
  }
  CHECK(status_done == rm::kStatusDone);
  CHECK(rewrite.error_code == code(ErrorCode::PositionRange));
  CHECK(old_attend.error_code == code(ErrorCode::PositionRange));
  CHECK(nan_res.status == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(nan_res.error_code == code(ErrorCode::NanData));
  for (int i = 0; i < 128; ++i) CHECK(k_back[i] == tok.K(0)[i]);
  CHECK(inf_scaler.error_code == code(ErrorCode::NanData));
  CHECK(steps == 3);
  CHECK(b.accel.statistics().last_step().position == 0);
}

TEST_CASE("Commands: NaN written through DMI or a debug write is refused at COMMAND",
          "[systemc][regmap][command]") {
  // Bursts are checked as they arrive, so COMMAND scans the windows only after a DMI grant or a
  // debug write: every such path must still be caught, for every layer's scalers too.
  Tokens tok(3, 2, 64, 1);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Result clean{}, dbg_k{}, after_fix{}, other_layer_ok{}, other_layer_bad{}, dmi_q{};
  bool dmi_ok = false;
  Bench b("b", test::small_config(), [&](Bench& b) {
    auto dbg_write = [&](std::uint64_t addr, const float* data, unsigned words) {
      tlm::tlm_generic_payload t;
      t.set_command(tlm::TLM_WRITE_COMMAND);
      t.set_address(addr);
      t.set_data_ptr(reinterpret_cast<unsigned char*>(const_cast<float*>(data)));
      t.set_data_length(4 * words);
      return b.host.socket->transport_dbg(t);
    };
    auto windows = [&](int t) {
      b.host.write_floats(rm::kKWindow, tok.K(t), 128);
      b.host.write_floats(rm::kVWindow, tok.V(t), 128);
      b.host.write_floats(rm::kQWindow, tok.Q(t), 128);
    };
    auto command = [&](std::uint32_t layer, std::uint32_t pos) {
      b.host.write32(rm::kLayer, layer);
      b.host.write32(rm::kPosition, pos);
      const Result r =
          probe(b, tlm::TLM_WRITE_COMMAND, rm::kCommand, 4, rm::kCmdWriteKv | rm::kCmdAttend);
      if (r.error_code == 0) b.host.wait_done();
      return r;
    };
    windows(0);
    clean = command(0, 0);
    dbg_write(rm::kKWindow + 12, &nan, 1);  // a debug write bypasses the burst check
    dbg_k = command(0, 1);
    windows(1);
    after_fix = command(0, 1);
    // Layer 1's scalers through a debug write: a layer-0 command still runs (it uses layer 0's
    // scalers), and layer 1's command is refused afterwards.
    dbg_write(rm::kScalerWindow + 4 * 2 * rm::kScalerWords, &nan, 1);
    windows(2);
    other_layer_ok = command(0, 2);
    other_layer_bad = command(1, 0);
    // A DMI pointer to the Q window: a NaN written through it is refused at COMMAND.
    const float one = 1.0f;
    dbg_write(rm::kScalerWindow + 4 * 2 * rm::kScalerWords, &one, 1);
    tlm::tlm_generic_payload t;
    t.set_address(rm::kQWindow);
    t.set_command(tlm::TLM_WRITE_COMMAND);
    tlm::tlm_dmi dmi;
    dmi_ok = b.host.socket->get_direct_mem_ptr(t, dmi);
    if (dmi_ok) std::memcpy(dmi.get_dmi_ptr() + 4 * 5, &nan, 4);
    dmi_q = command(1, 0);
  });
  sc_core::sc_start();
  b.check();
  CHECK(clean.error_code == 0);
  CHECK(dbg_k.error_code == code(ErrorCode::NanData));
  CHECK(after_fix.error_code == 0);
  CHECK(other_layer_ok.error_code == 0);
  CHECK(other_layer_bad.error_code == code(ErrorCode::NanData));
  REQUIRE(dmi_ok);
  CHECK(dmi_q.error_code == code(ErrorCode::NanData));
  CHECK(b.accel.statistics().steps() == 3);
}

TEST_CASE("transport_dbg reads and writes without side effects or time",
          "[systemc][regmap][debug]") {
  std::uint32_t id = 0, err = 0;
  unsigned n_id = 0, n_reg_write = 1, n_unmapped = 1, n_out_write = 1, n_win = 0, n_back = 0;
  std::vector<float> w(4, 0.25f), r(4);
  sc_time t0, t1;
  Bench b("b", test::small_config(), [&](Bench& b) {
    t0 = sc_core::sc_time_stamp();
    auto dbg = [&](tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len) {
      tlm::tlm_generic_payload t;
      t.set_command(cmd);
      t.set_address(addr);
      t.set_data_ptr(static_cast<unsigned char*>(data));
      t.set_data_length(len);
      return b.host.socket->transport_dbg(t);
    };
    n_id = dbg(tlm::TLM_READ_COMMAND, rm::kId, &id, 4);
    std::uint32_t one = 1;
    n_reg_write = dbg(tlm::TLM_WRITE_COMMAND, rm::kLayer, &one, 4);
    n_unmapped = dbg(tlm::TLM_READ_COMMAND, 0x8000, &one, 4);
    n_out_write = dbg(tlm::TLM_WRITE_COMMAND, rm::kOutWindow, w.data(), 16);
    n_win = dbg(tlm::TLM_WRITE_COMMAND, rm::kVWindow + 16, w.data(), 16);
    n_back = dbg(tlm::TLM_READ_COMMAND, rm::kVWindow + 16, r.data(), 16);
    dbg(tlm::TLM_READ_COMMAND, rm::kErrorCode, &err, 4);
    t1 = sc_core::sc_time_stamp();
  });
  sc_core::sc_start();
  b.check();
  CHECK(n_id == 4);
  CHECK(id == rm::kIdValue);
  CHECK(n_reg_write == 0);
  CHECK(n_unmapped == 0);
  CHECK(n_out_write == 0);
  CHECK(n_win == 16);
  CHECK(n_back == 16);
  CHECK(r == w);
  CHECK(err == 0);
  CHECK(t1 == t0);
}
