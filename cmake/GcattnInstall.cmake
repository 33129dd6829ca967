# Installable CMake package: `cmake --install` puts the public headers under include/gcattn/,
# the libraries, and gcattnConfig.cmake + version file under lib/cmake/gcattn/, so that
#   find_package(gcattn CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE gcattn::model)
# works in any SystemC virtual platform. SystemC is found the same way the build finds it.
include(CMakePackageConfigHelpers)

set_target_properties(gcattn_numerics PROPERTIES EXPORT_NAME numerics)
set(_gcattn_export_targets gcattn_numerics)
if(TARGET gcattn_model)
  set_target_properties(gcattn_model PROPERTIES EXPORT_NAME model)
  list(APPEND _gcattn_export_targets gcattn_model)
endif()

install(TARGETS ${_gcattn_export_targets} EXPORT gcattnTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/model/include/gcattn DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(GCATTN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/gcattn)
install(EXPORT gcattnTargets NAMESPACE gcattn:: DESTINATION ${GCATTN_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/gcattnConfig.cmake.in
  ${PROJECT_BINARY_DIR}/gcattnConfig.cmake INSTALL_DESTINATION ${GCATTN_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/gcattnConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/gcattnConfig.cmake ${PROJECT_BINARY_DIR}/gcattnConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/GcattnFindSystemC.cmake DESTINATION ${GCATTN_CMAKE_DIR})
