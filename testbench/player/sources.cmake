# Trace player, run reports and scaler calibration (`gcattn run`, `gcattn calibrate`).
target_sources(gcattn_testbench PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/../scalers/scalers.cpp
  ${CMAKE_CURRENT_LIST_DIR}/accuracy.cpp
  ${CMAKE_CURRENT_LIST_DIR}/layer_step.cpp
  ${CMAKE_CURRENT_LIST_DIR}/simulation.cpp
  ${CMAKE_CURRENT_LIST_DIR}/hardware_report.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trace_player.cpp
  ${CMAKE_CURRENT_LIST_DIR}/run_session.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../report/json_text.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../report/report.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../report/nonideal_sections.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../cli/monte_carlo.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../report/gpu_comparison.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../calibrate/calibrate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../cli/cmd_run.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../cli/cmd_calibrate.cpp)
