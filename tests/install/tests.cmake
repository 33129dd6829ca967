# The installed package from a clean prefix: `cmake --install` into a temporary prefix, then
# configure, build and run tests/install/consumer/ against it with find_package(gcattn CONFIG
# REQUIRED) only (no access to this build tree). Included by tests/CMakeLists.txt.
set(GCATTN_INSTALL_TEST_DIR ${CMAKE_BINARY_DIR}/install-test)
add_test(NAME install.consumer_from_clean_prefix
  COMMAND ${CMAKE_COMMAND}
          -DBUILD_DIR=${CMAKE_BINARY_DIR}
          -DCONSUMER_DIR=${CMAKE_CURRENT_LIST_DIR}/consumer
          -DWORK_DIR=${GCATTN_INSTALL_TEST_DIR}
          -DCONFIG=$<CONFIG>
          -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
          -DC_COMPILER=${CMAKE_C_COMPILER}
          -DGENERATOR=${CMAKE_GENERATOR}
          # The consumer links our static libraries: it needs the same instrumentation (sanitize preset).
          "-DCXX_FLAGS=${CMAKE_CXX_FLAGS}"
          "-DEXE_LINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}"
          -P ${CMAKE_CURRENT_LIST_DIR}/consumer_test.cmake)
# Builds a project: minutes on a loaded machine, and never next to other heavy tests.
set_tests_properties(install.consumer_from_clean_prefix
  PROPERTIES TIMEOUT 1800 RESOURCE_LOCK gcattn_heavy_build LABELS "install")
