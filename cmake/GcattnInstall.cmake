# Installable CMake package: `cmake --install` puts the public headers under include/gcattn/
# (umbrella header gcattn/gcattn.h, C register header gcattn/gcattn_regs.h), the libraries, and
# gcattnConfig.cmake + version file under lib/cmake/gcattn/, so that
#   find_package(gcattn CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE gcattn::model)
# works in any SystemC virtual platform. SystemC is found the same way the build finds it
# (GcattnFindSystemC.cmake is installed next to the config). Tested by tests/install/.
include(CMakePackageConfigHelpers)

set_target_properties(gcattn_numerics PROPERTIES EXPORT_NAME numerics)
set(_gcattn_export_targets gcattn_numerics)
if(TARGET gcattn_model)
  set_target_properties(gcattn_model PROPERTIES EXPORT_NAME model)
  list(APPEND _gcattn_export_targets gcattn_model)
endif()
# The libraries are C++17 (so is Debian's libsystemc: sc_api_version_* must match); consumers
# inherit the requirement instead of having to know it.
foreach(_t ${_gcattn_export_targets})
  target_compile_features(${_t} PUBLIC cxx_std_17)
endforeach()

# Dependencies the installed targets carry. The libraries are static, so their private link
# dependencies reach consumers too ($<LINK_ONLY:...>): collect them from the targets, so that a
# dependency added to a library later is found by consumers without editing the config.
set(_gcattn_boost_components "")
set(GCATTN_FIND_DEPENDENCIES "")
foreach(_t ${_gcattn_export_targets})
  get_target_property(_libs ${_t} LINK_LIBRARIES)
  get_target_property(_ilibs ${_t} INTERFACE_LINK_LIBRARIES)
  foreach(_lib IN LISTS _libs _ilibs)
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" _lib "${_lib}")
    if(_lib MATCHES "^Boost::(.+)$")
      list(APPEND _gcattn_boost_components ${CMAKE_MATCH_1})
    elseif(_lib STREQUAL "Threads::Threads")
      set(_gcattn_need_threads ON)
    elseif(_lib MATCHES "^OpenMP::")
      set(_gcattn_need_openmp ON)
    elseif(_lib MATCHES "^Eigen3::")
      set(_gcattn_need_eigen ON)
    elseif(_lib MATCHES "::" AND NOT _lib MATCHES "^gcattn::")
      message(WARNING "cmake/GcattnInstall.cmake: installed target ${_t} links ${_lib}; add how "
                      "consumers find it to GCATTN_FIND_DEPENDENCIES, or the installed package "
                      "will not link (test install.consumer)")
    endif()
  endforeach()
endforeach()
if(_gcattn_boost_components)
  list(REMOVE_DUPLICATES _gcattn_boost_components)
  list(JOIN _gcattn_boost_components " " _comps)
  string(APPEND GCATTN_FIND_DEPENDENCIES "find_dependency(Boost ${Boost_VERSION_MAJOR}.${Boost_VERSION_MINOR} COMPONENTS ${_comps})\n")
endif()
if(_gcattn_need_threads)
  string(APPEND GCATTN_FIND_DEPENDENCIES "find_dependency(Threads)\n")
endif()
if(_gcattn_need_openmp)
  string(APPEND GCATTN_FIND_DEPENDENCIES "find_dependency(OpenMP)\n")
endif()
if(_gcattn_need_eigen)
  string(APPEND GCATTN_FIND_DEPENDENCIES "find_dependency(Eigen3)\n")
endif()

install(TARGETS ${_gcattn_export_targets} EXPORT gcattnTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/model/include/gcattn DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

set(GCATTN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/gcattn)
install(EXPORT gcattnTargets NAMESPACE gcattn:: DESTINATION ${GCATTN_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/gcattnConfig.cmake.in
  ${PROJECT_BINARY_DIR}/gcattnConfig.cmake INSTALL_DESTINATION ${GCATTN_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
# 0.x: a minor version may change the API (SemVer), so only the same minor version matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/gcattnConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/gcattnConfig.cmake ${PROJECT_BINARY_DIR}/gcattnConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/GcattnFindSystemC.cmake DESTINATION ${GCATTN_CMAKE_DIR})
