#include "base/version.h"

namespace gcattn {

const char* version() {
  return GCATTN_VERSION;
}

}  // namespace gcattn
