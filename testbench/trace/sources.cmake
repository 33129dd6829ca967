# KV-cache traces: safetensors I/O, the trace format, synthetic traces, `gcattn trace`.
target_sources(gcattn_testbench PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/safetensors.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trace_file.cpp)
target_sources(gcattn_testbench PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/synth.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../cli/cmd_trace.cpp)
