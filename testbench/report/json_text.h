#pragma once
// Readable JSON text for reports and scalers files: objects indented one key per line, arrays
// of scalars on one line, numbers in their shortest round-trip form (std::to_chars), and
// non-finite numbers as null (JSON has no NaN or infinity).
#include <string>

#include <boost/json.hpp>

namespace gcattn::report {

/// Pretty JSON of v, ending with a newline.
std::string pretty_json(const boost::json::value& v);
/// A number as JSON: shortest round-trip text, or null when not finite.
boost::json::value json_number(double x);

}  // namespace gcattn::report
