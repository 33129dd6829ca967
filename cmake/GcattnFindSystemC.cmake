# Finds SystemC 2.3+ (with TLM-2.0) and exposes it as the single target gcattn::systemc.
# Prefers an upstream SystemCLanguage CMake package; falls back to pkg-config (Debian's
# libsystemc-dev ships only systemc.pc).
if(TARGET gcattn::systemc)
  return()
endif()
find_package(SystemCLanguage CONFIG QUIET)
if(SystemCLanguage_FOUND)
  add_library(gcattn::systemc INTERFACE IMPORTED)
  target_link_libraries(gcattn::systemc INTERFACE SystemC::systemc)
  set(GCATTN_SYSTEMC_PROVIDER "SystemCLanguage ${SystemCLanguage_VERSION}")
else()
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(SystemC REQUIRED IMPORTED_TARGET systemc)
  add_library(gcattn::systemc INTERFACE IMPORTED)
  target_link_libraries(gcattn::systemc INTERFACE PkgConfig::SystemC)
  set(GCATTN_SYSTEMC_PROVIDER "pkg-config systemc ${SystemC_VERSION}")
endif()
message(STATUS "gcattn: SystemC from ${GCATTN_SYSTEMC_PROVIDER}")
