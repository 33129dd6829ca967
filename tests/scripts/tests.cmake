# Tests of the Python scripts, with pytest (Debian python3-pytest, python3-torch). Included by
# tests/CMakeLists.txt.
add_test(NAME scripts.gpu.measure_attention
  COMMAND /usr/bin/python3 -m pytest -q -p no:cacheprovider
          ${CMAKE_CURRENT_LIST_DIR}/gpu/test_measure_attention.py)
set_tests_properties(scripts.gpu.measure_attention PROPERTIES
  ENVIRONMENT "GCATTN_BINARY=$<TARGET_FILE:gcattn>;GCATTN_SOURCE_DIR=${PROJECT_SOURCE_DIR};SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1"
  TIMEOUT 600 LABELS "scripts")

# The training-time attention (scripts/hw_attention.py) against the accelerator. Registered only
# where torch imports (python3-torch, installed by scripts/setup.sh): it cannot pass without it.
execute_process(COMMAND /usr/bin/python3 -c "import torch" RESULT_VARIABLE gcattn_no_torch
                OUTPUT_QUIET ERROR_QUIET)
if(gcattn_no_torch EQUAL 0)
  add_test(NAME scripts.hw_attention
    COMMAND /usr/bin/python3 -m pytest -q -p no:cacheprovider
            ${CMAKE_CURRENT_LIST_DIR}/test_hw_attention.py)
  set_tests_properties(scripts.hw_attention PROPERTIES
    ENVIRONMENT "GCATTN_BINARY=$<TARGET_FILE:gcattn>;GCATTN_SOURCE_DIR=${PROJECT_SOURCE_DIR};SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1"
    TIMEOUT 600 LABELS "scripts")
else()
  message(STATUS "torch does not import: scripts.hw_attention not registered")
endif()
