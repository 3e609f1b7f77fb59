//===- Deflate.h - raw deflate streams and CRC-32 ---------------*- C++ -*-===//
//
// Internal to lib/Support: the zlib calls of the zip code. Zip method 8
// stores a raw deflate stream (no zlib or gzip wrapper), and every zip
// member carries the CRC-32 of its uncompressed bytes.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_SUPPORT_DEFLATE_H
#define BITSINK_LIB_SUPPORT_DEFLATE_H

#include <cstdint>
#include <string>
#include <vector>

namespace bitsink::support {

/// Compresses `in` into the raw deflate stream `out` (zlib's default level).
bool deflateRaw(const std::vector<char> &in, std::vector<char> &out,
                std::string &error);

/// Inflates the raw deflate stream `in[0, inSize)`, which must hold exactly
/// `outSize` bytes, into `out[0, outSize)`. Sizes may exceed 4 GiB. On
/// corrupt data the error is "corrupt deflate data in <what>".
bool inflateRaw(const char *in, uint64_t inSize, char *out, uint64_t outSize,
                const std::string &what, std::string &error);

/// The CRC-32 (zip's polynomial) of `data[0, size)`.
uint32_t crc32Of(const char *data, uint64_t size);

} // namespace bitsink::support

#endif // BITSINK_LIB_SUPPORT_DEFLATE_H
