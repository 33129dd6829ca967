# Script (cmake -P): install the build tree into a fresh prefix, then configure, build and run
# the consumer project against that prefix. Variables: BUILD_DIR, CONSUMER_DIR, WORK_DIR, CONFIG,
# CXX_COMPILER, C_COMPILER, GENERATOR, CXX_FLAGS, EXE_LINKER_FLAGS.
cmake_minimum_required(VERSION 3.16)
set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/consumer-build)
file(REMOVE_RECURSE ${prefix} ${consumer_build})  # a clean prefix every time

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(step_output "${out}${err}" PARENT_SCOPE)
endfunction()

set(config_args "")
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()
step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} ${config_args})

# The layout the issue asks for.
foreach(f include/gcattn/gcattn.h include/gcattn/gcattn_regs.h
          include/gcattn/systemc/accelerator.h include/gcattn/systemc/dma_engine.h
          lib/cmake/gcattn/gcattnConfig.cmake lib/cmake/gcattn/gcattnConfigVersion.cmake
          lib/cmake/gcattn/gcattnTargets.cmake lib/cmake/gcattn/GcattnFindSystemC.cmake)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "cmake --install did not produce ${prefix}/${f}")
  endif()
endforeach()
file(GLOB libs ${prefix}/lib/libgcattn_model.* ${prefix}/lib/libgcattn_numerics.*)
list(LENGTH libs nlibs)
if(nlibs LESS 2)
  message(FATAL_ERROR "cmake --install did not install libgcattn_model and libgcattn_numerics under ${prefix}/lib")
endif()

# Consumers need nothing of Boost (Boost.JSON is compiled into gcattn::numerics).
file(READ ${prefix}/lib/cmake/gcattn/gcattnConfig.cmake installed_config)
file(READ ${prefix}/lib/cmake/gcattn/gcattnTargets.cmake installed_targets)
if(installed_config MATCHES "Boost" OR installed_targets MATCHES "Boost")
  message(FATAL_ERROR "the installed package depends on Boost; consumers should not need it")
endif()

# Only the prefix: no package registry, no path into the build or source tree.
step("configure the consumer" ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${consumer_build}
     -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix}
     -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON
     -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_C_COMPILER=${C_COMPILER}
     "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}")
string(FIND "${step_output}" "gcattn_DIR=${prefix}/" found)
if(found EQUAL -1)
  message(FATAL_ERROR "the consumer did not find gcattn in the prefix ${prefix}:\n${step_output}")
endif()
step("build the consumer" ${CMAKE_COMMAND} --build ${consumer_build} -j 2)
set(ENV{SYSTEMC_DISABLE_COPYRIGHT_MESSAGE} 1)
step("run the consumer" ${consumer_build}/gcattn_consumer)
message(STATUS "${step_output}")
foreach(expect "ID 0x47434154" "step 65 ns" "consumer OK")
  string(FIND "${step_output}" "${expect}" found)
  if(found EQUAL -1)
    message(FATAL_ERROR "the consumer's output lacks '${expect}':\n${step_output}")
  endif()
endforeach()
