#pragma once
// `gcattn sweep collect`: one row per unit (docs/sweeps.md lists the columns): its id and state,
// the trace, the swept values, and the main metrics of its report; failed and unfinished units
// keep their row with the error and empty metrics.
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "sweep/manifest.h"

namespace gcattn::sweep {

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<boost::json::value>> rows;  // null: no value
};

/// Reads every unit's state and report (InputError naming a malformed report).
Table collect(const Manifest& m);
/// RFC 4180 CSV; numbers in their shortest round-trip form, nulls empty.
void write_csv(const Table& t, std::ostream& out);
/// One JSON object per line.
void write_jsonl(const Table& t, std::ostream& out);

}  // namespace gcattn::sweep
