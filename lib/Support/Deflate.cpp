//===- Deflate.cpp - raw deflate streams and CRC-32 -----------------------===//
//
// zlib with negative window bits reads and writes the raw deflate streams
// of zip members. zlib counts bytes in uInt, so large buffers are fed in
// chunks of at most 1 GiB.
//
//===----------------------------------------------------------------------===//

#include "Deflate.h"

#include <zlib.h>

#include <algorithm>

bool bitsink::support::deflateRaw(const std::vector<char> &in,
                                  std::vector<char> &out, std::string &error) {
  z_stream s{};
  if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    error = "zlib: deflateInit2 failed";
    return false;
  }
  out.assign(deflateBound(&s, in.size()), 0);
  s.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  s.next_out = reinterpret_cast<Bytef *>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  if (rc != Z_STREAM_END) {
    error = "zlib: deflate failed";
    return false;
  }
  return true;
}

bool bitsink::support::inflateRaw(const char *in, uint64_t inSize, char *out,
                                  uint64_t outSize, const std::string &what,
                                  std::string &error) {
  z_stream s{};
  if (inflateInit2(&s, -MAX_WBITS) != Z_OK) {
    error = "zlib: inflateInit2 failed";
    return false;
  }
  s.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in));
  s.next_out = reinterpret_cast<Bytef *>(out);
  uint64_t inLeft = inSize, outLeft = outSize;
  int rc;
  do {
    if (s.avail_in == 0 && inLeft) {
      s.avail_in = static_cast<uInt>(std::min<uint64_t>(inLeft, 1u << 30));
      inLeft -= s.avail_in;
    }
    if (s.avail_out == 0 && outLeft) {
      s.avail_out = static_cast<uInt>(std::min<uint64_t>(outLeft, 1u << 30));
      outLeft -= s.avail_out;
    }
    rc = inflate(&s, Z_NO_FLUSH);
  } while (rc == Z_OK);
  uint64_t produced = s.total_out;
  inflateEnd(&s);
  if (rc != Z_STREAM_END || produced != outSize) {
    error = "corrupt deflate data in " + what;
    return false;
  }
  return true;
}

uint32_t bitsink::support::crc32Of(const char *data, uint64_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (uint64_t done = 0; done < size;) {
    uInt chunk = static_cast<uInt>(std::min<uint64_t>(size - done, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef *>(data + done), chunk);
    done += chunk;
  }
  return static_cast<uint32_t>(crc);
}
