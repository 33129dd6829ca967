# Tests of the Python scripts, with pytest (Debian python3-pytest, python3-torch). Included by
# tests/CMakeLists.txt.
add_test(NAME scripts.gpu.measure_attention
  COMMAND /usr/bin/python3 -m pytest -q -p no:cacheprovider
          ${CMAKE_CURRENT_LIST_DIR}/gpu/test_measure_attention.py)
set_tests_properties(scripts.gpu.measure_attention PROPERTIES
  ENVIRONMENT "GCATTN_BINARY=$<TARGET_FILE:gcattn>;GCATTN_SOURCE_DIR=${PROJECT_SOURCE_DIR};SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1"
  TIMEOUT 600 LABELS "scripts")
