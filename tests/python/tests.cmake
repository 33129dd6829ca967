# pytest suites of the Python module (python/), run against the module in this build tree.
# Included by tests/CMakeLists.txt when the module is built.
if(TARGET gcattn_python)
  add_test(NAME python.module
    COMMAND /usr/bin/python3 -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_LIST_DIR}/test_module.py)
  set_tests_properties(python.module PROPERTIES
    ENVIRONMENT "PYTHONPATH=${CMAKE_BINARY_DIR}/python;GCATTN_BINARY=$<TARGET_FILE:gcattn>;GCATTN_SOURCE_DIR=${PROJECT_SOURCE_DIR};SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1"
    TIMEOUT 600)
  # cmake --install puts the package in Debian's dist-packages layout; import it from there.
  add_test(NAME python.installed_package
    COMMAND /usr/bin/python3 -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_LIST_DIR}/test_install.py)
  set_tests_properties(python.installed_package PROPERTIES
    ENVIRONMENT "GCATTN_BUILD_DIR=${CMAKE_BINARY_DIR};GCATTN_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    TIMEOUT 600 RESOURCE_LOCK gcattn_heavy_build)
endif()
