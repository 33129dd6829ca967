# Tests of the example platform (examples/soc) and of the C register header; included by
# tests/CMakeLists.txt after the gcattn_tests target exists.

# gcattn_regs.h as plain C: compiled as C89 and C99 with -pedantic -Werror, and run.
foreach(std 90 99)
  add_executable(gcattn_regs_c${std} ${CMAKE_CURRENT_LIST_DIR}/regs_c.c)
  set_target_properties(gcattn_regs_c${std} PROPERTIES C_STANDARD ${std} C_STANDARD_REQUIRED ON
                                                       C_EXTENSIONS OFF)
  target_include_directories(gcattn_regs_c${std} PRIVATE ${PROJECT_SOURCE_DIR}/model/include)
  target_compile_options(gcattn_regs_c${std} PRIVATE -Wall -Wextra -Wpedantic -Werror)
  add_test(NAME regs_header.c${std} COMMAND gcattn_regs_c${std})
endforeach()

# The SoC example against `gcattn run` (Catch2 cases in gcattn_tests, discovered like the rest).
if(TARGET gcattn_soc)
  target_sources(gcattn_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/test_soc_platform.cpp)
  target_compile_definitions(gcattn_tests PRIVATE GCATTN_SOC_BINARY="$<TARGET_FILE:gcattn_soc>")
  add_dependencies(gcattn_tests gcattn_soc)
endif()
