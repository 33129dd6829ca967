// The JSON writer of run reports: field layout of docs/report-format.md, null for what is not
// available or not finite, CSV with one row per layer and head.
#include <catch2/catch.hpp>

#include <sstream>

#include <boost/json.hpp>

#include "report/json_text.h"
#include "report/report.h"

using namespace gcattn;
namespace json = boost::json;

TEST_CASE("Report JSON: fields and nulls and the CSV table", "[report]") {
  report::Report r;
  r.layers = 1;
  r.heads = 2;
  r.d_head = 64;
  r.tokens_requested = r.tokens_simulated = 3;
  r.timing.phases.push_back({"write_kv", 24.0, 8.0});
  r.energy.per_token_head_pj = {1, 2, 3, 4, 10};
  r.energy.components.push_back({"kv_write_dac", "dac", 6.0, 1.0});
  r.accuracy.softmax = {true, 0.5, 0.25, 6};
  r.layer_accuracy.push_back({0, r.accuracy});
  for (int h = 0; h < 2; ++h) {
    report::HeadRow row;
    row.head = h;
    row.accuracy.softmax = {true, 0.1 * h, 1.0, 3};
    row.accuracy.ideal = {true, 1.0, 0.0, 3};
    row.energy_per_step_pj = {1, 2, 3, 4, 10};
    r.heads_table.push_back(row);
  }
  report::GpuRow g;
  g.id = "x";
  g.kind = "bandwidth_floor";
  g.latency_per_token_ns = 5;  // energy stays NaN
  r.gpu.rows.push_back(g);
  const std::string text = report::pretty_json(report::to_json(r));
  const json::value v = json::parse(text);
  const auto& o = v.as_object();
  CHECK(o.at("format").as_string() == "gcattn-run-report");
  CHECK(o.at("timing").at("phases_ns").at("write_kv").to_number<double>() == 8.0);
  CHECK(o.at("energy").at("per_token_head_pj").at("total").to_number<double>() == 10.0);
  CHECK(o.at("energy").at("components").at("kv_write_dac").at("category").as_string() == "dac");
  CHECK(o.at("accuracy").at("overall").at("softmax").at("cosine").to_number<double>() == 0.5);
  CHECK(o.at("accuracy").at("overall").at("ideal").is_null());  // not measured
  CHECK(o.at("accuracy").at("layers").as_array().size() == 1);
  CHECK(o.at("accuracy").at("heads").as_array().size() == 2);
  CHECK(o.at("gpu").at("rows").as_array()[0].at("energy_per_token_pj").is_null());
  CHECK(o.at("gpu").at("rows").as_array()[0].at("latency_per_token_ns").to_number<double>() == 5.0);
  CHECK(report::pretty_json(report::json_number(0.1)) == "0.1\n");  // shortest round trip
  CHECK(report::pretty_json(report::json_number(INFINITY)) == "null\n");

  std::ostringstream csv;
  report::write_csv(r, csv);
  std::istringstream lines(csv.str());
  std::string header, l0, l1, extra;
  std::getline(lines, header);
  std::getline(lines, l0);
  std::getline(lines, l1);
  CHECK_FALSE(std::getline(lines, extra));
  CHECK(header.rfind("layer,head,cosine_softmax,relative_rms_softmax,cosine_ideal", 0) == 0);
  CHECK(l0.rfind("0,0,0,1,1,0,,,1,2,3,4,10,", 0) == 0);  // no attn_out: empty cells
  CHECK(l1.rfind("0,1,0.1,1,1,0,,,", 0) == 0);
}
