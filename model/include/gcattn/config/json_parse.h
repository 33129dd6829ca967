#pragma once
// JSON parsing with correctly rounded numbers. Boost.JSON 1.81's parser is not correctly
// rounded (about 8 % of the shortest round-trip doubles that std::to_chars writes read back one
// ulp off), so every number written by gcattn (scalers, reports) and every configuration value
// goes through this parser: Boost.JSON's tokenizer, std::from_chars for the numbers.
#include <cstddef>
#include <string_view>

#include <boost/json/value.hpp>

namespace gcattn {

/// Parses one JSON document (trailing whitespace allowed). On error, ec is set and *consumed
/// (when given) is the byte offset where parsing stopped.
boost::json::value parse_json_exact(std::string_view text, boost::json::error_code& ec,
                                    std::size_t* consumed = nullptr);

}  // namespace gcattn
