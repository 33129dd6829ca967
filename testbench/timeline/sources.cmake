# Timeline recorder (`gcattn run --timeline`, docs/timeline.md).
target_sources(gcattn_testbench PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/trace_event_writer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/timeline_recorder.cpp)
