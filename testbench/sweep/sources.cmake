# Design-space sweeps (`gcattn sweep`): spec, unit plan, manifest, backends, results table.
target_sources(gcattn_testbench PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/spec.cpp
  ${CMAKE_CURRENT_LIST_DIR}/plan.cpp
  ${CMAKE_CURRENT_LIST_DIR}/manifest.cpp
  ${CMAKE_CURRENT_LIST_DIR}/process.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unit_runner.cpp
  ${CMAKE_CURRENT_LIST_DIR}/local_pool.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parallel_backend.cpp
  ${CMAKE_CURRENT_LIST_DIR}/slurm_backend.cpp
  ${CMAKE_CURRENT_LIST_DIR}/collect.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../cli/cmd_sweep.cpp)
