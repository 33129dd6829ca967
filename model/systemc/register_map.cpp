#include "gcattn/systemc/register_map.h"

namespace gcattn::sc::regmap {

const char* error_name(ErrorCode e) {
  switch (e) {
    case ErrorCode::None:
      return "none";
    case ErrorCode::UnmappedAddress:
      return "unmapped address";
    case ErrorCode::AccessWidth:
      return "access width";
    case ErrorCode::Misaligned:
      return "misaligned address";
    case ErrorCode::ByteEnable:
      return "byte enables not supported";
    case ErrorCode::ReadOnly:
      return "write to read-only location";
    case ErrorCode::ReservedWrite:
      return "write to reserved register";
    case ErrorCode::Busy:
      return "busy";
    case ErrorCode::LayerRange:
      return "layer out of range";
    case ErrorCode::PositionRange:
      return "position out of range";
    case ErrorCode::NanData:
      return "NaN or infinity in data";
    case ErrorCode::BadCommand:
      return "bad command";
    case ErrorCode::DmaBusError:
      return "DMA bus error";
    case ErrorCode::DmaDescriptor:
      return "bad DMA descriptor";
  }
  return "unknown";
}

}  // namespace gcattn::sc::regmap
