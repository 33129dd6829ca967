#pragma once
// The tool's version (the CMake project version), for reports and --version.

namespace gcattn {

/// "0.1.0": the version every report's "tool" field and `gcattn --version` print.
const char* version();

}  // namespace gcattn
