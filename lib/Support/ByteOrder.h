//===- ByteOrder.h - little-endian integers in byte buffers -----*- C++ -*-===//
//
// Internal to lib/Support: reading and appending the little-endian integers
// of the .npy header and the zip records.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_SUPPORT_BYTEORDER_H
#define BITSINK_LIB_SUPPORT_BYTEORDER_H

#include <cstdint>
#include <vector>

namespace bitsink::support {

inline uint32_t readLE32(const unsigned char *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
         uint32_t(p[3]) << 24;
}
inline uint16_t readLE16(const unsigned char *p) {
  return uint16_t(p[0] | p[1] << 8);
}
inline uint64_t readLE64(const unsigned char *p) {
  return uint64_t(readLE32(p)) | uint64_t(readLE32(p + 4)) << 32;
}

/// Appends little-endian integers to a byte vector.
struct ByteWriter {
  std::vector<char> &out;
  void u16(uint32_t v) {
    out.push_back(static_cast<char>(v & 0xff));
    out.push_back(static_cast<char>((v >> 8) & 0xff));
  }
  void u32(uint32_t v) {
    u16(v & 0xffff);
    u16(v >> 16);
  }
};

} // namespace bitsink::support

#endif // BITSINK_LIB_SUPPORT_BYTEORDER_H
