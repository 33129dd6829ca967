// Boost.JSON compiled into gcattn::numerics (header-only mode, one translation unit): the
// installed package's consumers then need neither libboost_json nor a find_dependency(Boost),
// whether or not they load configurations from JSON files (docs/integration.md). The testbench
// takes its Boost.JSON symbols from here too, so a process holds one copy.
#include <boost/json/src.hpp>
