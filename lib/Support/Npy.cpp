//===- Npy.cpp - .npy / .npz arrays ---------------------------------------===//
//
// NumPy's format (numpy/lib/format.py): magic "\x93NUMPY", a version byte
// pair, a little-endian header length (2 bytes for v1, 4 for v2/v3) and a
// Python dict literal {'descr', 'fortran_order', 'shape'}, then the raw data.
// .npz files are zip archives of .npy members, stored or deflated; numpy
// writes them with zip64 local headers, so the sizes come from the central
// directory.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Support/Npy.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

using namespace bitsink::npy;

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

size_t bitsink::npy::elementSize(DType dtype) {
  switch (dtype) {
  case DType::Bool:
  case DType::I8:
  case DType::U8:
    return 1;
  case DType::I16:
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::I32:
  case DType::U32:
  case DType::F32:
    return 4;
  case DType::I64:
  case DType::F64:
    return 8;
  }
  return 0;
}

const char *bitsink::npy::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::Bool:
    return "|b1";
  case DType::I8:
    return "|i1";
  case DType::U8:
    return "|u1";
  case DType::I16:
    return "<i2";
  case DType::I32:
    return "<i4";
  case DType::U32:
    return "<u4";
  case DType::I64:
    return "<i8";
  case DType::F16:
    return "<f2";
  case DType::BF16:
    return "bf16";
  case DType::F32:
    return "<f4";
  case DType::F64:
    return "<f8";
  }
  return "?";
}

const char *bitsink::npy::dtypeTypeName(DType dtype) {
  switch (dtype) {
  case DType::Bool:
    return "bool";
  case DType::I8:
    return "int8";
  case DType::U8:
    return "uint8";
  case DType::I16:
    return "int16";
  case DType::I32:
    return "int32";
  case DType::U32:
    return "uint32";
  case DType::I64:
    return "int64";
  case DType::F16:
    return "float16";
  case DType::BF16:
    return "bfloat16";
  case DType::F32:
    return "float32";
  case DType::F64:
    return "float64";
  }
  return "?";
}

int64_t Array::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Array Array::zeros(DType dtype, std::vector<int64_t> shape) {
  Array array;
  array.dtype = dtype;
  array.shape = std::move(shape);
  array.data.assign(array.numElements() * elementSize(dtype), 0);
  return array;
}

bool bitsink::npy::parseDType(const std::string &descr, DType &dtype,
                              std::string &error) {
  if (descr.size() < 3) {
    error = "unsupported dtype '" + descr + "'";
    return false;
  }
  char order = descr[0];
  std::string kind = descr.substr(1);
  static const struct {
    const char *kind;
    DType dtype;
  } kinds[] = {{"b1", DType::Bool}, {"i1", DType::I8},  {"u1", DType::U8},
               {"i2", DType::I16},  {"i4", DType::I32}, {"u4", DType::U32},
               {"i8", DType::I64},  {"f2", DType::F16}, {"f4", DType::F32},
               {"f8", DType::F64}};
  for (const auto &k : kinds) {
    if (kind != k.kind)
      continue;
    if (order == '>' && elementSize(k.dtype) > 1) {
      error = "big-endian dtype '" + descr + "' is not supported";
      return false;
    }
    if (order != '<' && order != '|' && order != '=' && order != '>')
      break;
    dtype = k.dtype;
    return true;
  }
  error = "unsupported dtype '" + descr +
          "' (supported: b1, i1, u1, i2, i4, u4, i8, f2, f4, f8)";
  return false;
}

//===----------------------------------------------------------------------===//
// The header dict
//===----------------------------------------------------------------------===//

namespace {
/// Parses the Python literal numpy writes as the header: a dict with string
/// keys whose values are strings, booleans or tuples of integers.
class HeaderParser {
public:
  HeaderParser(const char *begin, const char *end) : p(begin), end(end) {}

  bool parse(std::string &descr, bool &fortranOrder,
             std::vector<int64_t> &shape, std::string &error) {
    bool haveDescr = false, haveOrder = false, haveShape = false;
    if (!expect('{', error))
      return false;
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key, error) || !expect(':', error))
        return false;
      skipSpace();
      if (key == "descr") {
        if (p < end && *p == '[') {
          error = "structured dtypes are not supported";
          return false;
        }
        if (!parseString(descr, error))
          return false;
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (!parseBool(fortranOrder, error))
          return false;
        haveOrder = true;
      } else if (key == "shape") {
        if (!parseShape(shape, error))
          return false;
        haveShape = true;
      } else {
        error = "unexpected key '" + key + "' in header";
        return false;
      }
      skipSpace();
      if (consume(','))
        continue;
      if (!expect('}', error))
        return false;
      break;
    }
    skipSpace();
    if (p != end) {
      error = "unexpected text after the header dict";
      return false;
    }
    if (!haveDescr || !haveOrder || !haveShape) {
      error = std::string("header lacks '") +
              (!haveDescr   ? "descr"
               : !haveOrder ? "fortran_order"
                            : "shape") +
              "'";
      return false;
    }
    return true;
  }

private:
  void skipSpace() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
      ++p;
  }
  bool consume(char c) {
    skipSpace();
    if (p < end && *p == c) {
      ++p;
      return true;
    }
    return false;
  }
  bool expect(char c, std::string &error) {
    if (consume(c))
      return true;
    error = std::string("malformed header: expected '") + c + "'";
    return false;
  }
  bool parseString(std::string &out, std::string &error) {
    skipSpace();
    if (p >= end || (*p != '\'' && *p != '"')) {
      error = "malformed header: expected a string";
      return false;
    }
    char quote = *p++;
    const char *start = p;
    while (p < end && *p != quote) {
      if (*p == '\\') {
        error = "malformed header: escapes in strings are not supported";
        return false;
      }
      ++p;
    }
    if (p >= end) {
      error = "malformed header: unterminated string";
      return false;
    }
    out.assign(start, p);
    ++p;
    return true;
  }
  bool parseBool(bool &out, std::string &error) {
    skipSpace();
    auto word = [&](const char *w) {
      size_t n = std::strlen(w);
      if (static_cast<size_t>(end - p) >= n && std::memcmp(p, w, n) == 0) {
        p += n;
        return true;
      }
      return false;
    };
    if (word("True")) {
      out = true;
      return true;
    }
    if (word("False")) {
      out = false;
      return true;
    }
    error = "malformed header: expected True or False";
    return false;
  }
  bool parseShape(std::vector<int64_t> &shape, std::string &error) {
    if (!expect('(', error))
      return false;
    while (true) {
      if (consume(')'))
        return true;
      skipSpace();
      if (p >= end || *p < '0' || *p > '9') {
        error = "malformed header: shape entries must be non-negative "
                "integers";
        return false;
      }
      int64_t value = 0;
      while (p < end && *p >= '0' && *p <= '9') {
        if (__builtin_mul_overflow(value, 10, &value) ||
            __builtin_add_overflow(value, *p - '0', &value)) {
          error = "shape entry too large";
          return false;
        }
        ++p;
      }
      if (p < end && *p == 'L') // Python 2 longs.
        ++p;
      if (shape.size() >= 64) {
        error = "more than 64 dimensions";
        return false;
      }
      shape.push_back(value);
      if (consume(','))
        continue;
      if (!expect(')', error))
        return false;
      // A one-element tuple needs its comma: "(3)" is an int, not a shape.
      if (shape.size() == 1) {
        error = "malformed header: shape is not a tuple";
        return false;
      }
      return true;
    }
  }

  const char *p;
  const char *end;
};
} // namespace

/// Returns the byte count of `shape` x `dtype`, or false on overflow.
static bool byteCount(const std::vector<int64_t> &shape, DType dtype,
                      uint64_t &bytes) {
  uint64_t n = elementSize(dtype);
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(n, static_cast<uint64_t>(d), &n))
      return false;
  if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return false;
  bytes = n;
  return true;
}

static uint32_t readLE32(const unsigned char *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
         uint32_t(p[3]) << 24;
}
static uint16_t readLE16(const unsigned char *p) {
  return uint16_t(p[0] | p[1] << 8);
}
static uint64_t readLE64(const unsigned char *p) {
  return uint64_t(readLE32(p)) | uint64_t(readLE32(p + 4)) << 32;
}

bool bitsink::npy::parseNpy(const char *bytes, size_t size, Array &array,
                            std::string &error) {
  static const char magic[] = "\x93NUMPY";
  const auto *u = reinterpret_cast<const unsigned char *>(bytes);
  if (size < 8 || std::memcmp(bytes, magic, 6) != 0) {
    error = "not a .npy file (bad magic)";
    return false;
  }
  unsigned major = u[6];
  if (major < 1 || major > 3) {
    error = "unsupported .npy version " + std::to_string(major) + "." +
            std::to_string(u[7]);
    return false;
  }
  size_t prefix = major == 1 ? 10 : 12;
  if (size < prefix) {
    error = "truncated .npy header";
    return false;
  }
  uint64_t headerLen = major == 1 ? readLE16(u + 8) : readLE32(u + 8);
  if (headerLen > size - prefix) {
    error = "truncated .npy header: header length " +
            std::to_string(headerLen) + " exceeds the file";
    return false;
  }
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
  HeaderParser parser(bytes + prefix, bytes + prefix + headerLen);
  if (!parser.parse(descr, fortranOrder, shape, error))
    return false;
  DType dtype;
  if (!parseDType(descr, dtype, error))
    return false;
  if (fortranOrder) {
    error = "fortran_order=True is not supported (save a C-contiguous array)";
    return false;
  }
  uint64_t bytesNeeded;
  if (!byteCount(shape, dtype, bytesNeeded)) {
    error = "shape too large";
    return false;
  }
  uint64_t available = size - prefix - headerLen;
  if (bytesNeeded > available) {
    error = "truncated data: shape needs " + std::to_string(bytesNeeded) +
            " bytes, file has " + std::to_string(available);
    return false;
  }
  if (bytesNeeded < available) {
    error = "unexpected " + std::to_string(available - bytesNeeded) +
            " bytes after the array data";
    return false;
  }
  array.dtype = dtype;
  array.shape = std::move(shape);
  const char *data = bytes + prefix + headerLen;
  array.data.assign(data, data + bytesNeeded);
  return true;
}

/// Serialises `array` as a .npy image: v1 when the header fits in 64 KiB,
/// else v2; the data starts on a 64-byte boundary as numpy's writer does.
static bool serializeNpy(const Array &array, std::vector<char> &out,
                         std::string &error) {
  if (array.dtype == DType::BF16) {
    error = "bf16 has no NumPy dtype; convert the array to f32 first";
    return false;
  }
  uint64_t bytes;
  if (!byteCount(array.shape, array.dtype, bytes) ||
      bytes != array.data.size()) {
    error = "array data size does not match its shape";
    return false;
  }
  std::string dict = std::string("{'descr': '") + dtypeName(array.dtype) +
                     "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < array.shape.size(); ++i) {
    if (i)
      dict += ", ";
    dict += std::to_string(array.shape[i]);
  }
  if (array.shape.size() == 1)
    dict += ",";
  dict += "), }";
  unsigned major = 1;
  size_t prefix = 10;
  size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  if (total - prefix > 0xffff) {
    major = 2;
    prefix = 12;
    total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  }
  size_t headerLen = total - prefix;
  dict.append(headerLen - dict.size() - 1, ' ');
  dict += '\n';
  out.clear();
  out.reserve(total + array.data.size());
  out.insert(out.end(), {'\x93', 'N', 'U', 'M', 'P', 'Y'});
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  for (size_t i = 0; i < prefix - 8; ++i)
    out.push_back(static_cast<char>((headerLen >> (8 * i)) & 0xff));
  out.insert(out.end(), dict.begin(), dict.end());
  out.insert(out.end(), array.data.begin(), array.data.end());
  return true;
}

static bool readFile(const std::string &path, std::vector<char> &out,
                     std::string &error) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  out.clear();
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0)
    out.insert(out.end(), buffer, buffer + n);
  bool failed = std::ferror(f);
  std::fclose(f);
  if (failed) {
    error = "cannot read '" + path + "'";
    return false;
  }
  return true;
}

static bool writeFile(const std::string &path, const std::vector<char> &data,
                      std::string &error) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f) {
    error = "cannot open '" + path + "' for writing: " + std::strerror(errno);
    return false;
  }
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok)
    error = "cannot write '" + path + "'";
  return ok;
}

bool bitsink::npy::readNpy(const std::string &path, Array &array,
                           std::string &error) {
  std::vector<char> bytes;
  if (!readFile(path, bytes, error))
    return false;
  if (!parseNpy(bytes.data(), bytes.size(), array, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

bool bitsink::npy::writeNpy(const std::string &path, const Array &array,
                            std::string &error) {
  std::vector<char> bytes;
  if (!serializeNpy(array, bytes, error)) {
    error = path + ": " + error;
    return false;
  }
  return writeFile(path, bytes, error);
}

//===----------------------------------------------------------------------===//
// .npz (zip)
//===----------------------------------------------------------------------===//

namespace {
struct ZipEntry {
  std::string name;
  uint16_t flags, method;
  uint32_t crc;
  uint64_t compressedSize, size, localOffset;
};
} // namespace

/// Reads the zip64 extended information of a central directory entry: only
/// the fields whose 32-bit value is 0xffffffff are present, in this order.
static bool readZip64Extra(const unsigned char *extra, size_t len,
                           ZipEntry &entry, bool needSize, bool needCompressed,
                           bool needOffset) {
  size_t i = 0;
  while (i + 4 <= len) {
    uint16_t id = readLE16(extra + i), size = readLE16(extra + i + 2);
    if (i + 4 + size > len)
      return false;
    if (id == 0x0001) {
      const unsigned char *q = extra + i + 4, *qEnd = q + size;
      auto take = [&](uint64_t &v) {
        if (q + 8 > qEnd)
          return false;
        v = readLE64(q);
        q += 8;
        return true;
      };
      if ((needSize && !take(entry.size)) ||
          (needCompressed && !take(entry.compressedSize)) ||
          (needOffset && !take(entry.localOffset)))
        return false;
      return true;
    }
    i += 4 + size;
  }
  return !needSize && !needCompressed && !needOffset;
}

static bool readZipDirectory(const std::vector<char> &file,
                             std::vector<ZipEntry> &entries,
                             std::string &error) {
  const auto *u = reinterpret_cast<const unsigned char *>(file.data());
  size_t size = file.size();
  // The end-of-central-directory record is 22 bytes plus a comment of up to
  // 64 KiB at the end of the file.
  if (size < 22) {
    error = "not a zip archive (too short)";
    return false;
  }
  size_t eocd = std::string::npos;
  size_t lowest = size >= 22 + 0xffff ? size - 22 - 0xffff : 0;
  for (size_t i = size - 22 + 1; i-- > lowest;) {
    if (readLE32(u + i) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string::npos) {
    error = "not a zip archive (no end of central directory)";
    return false;
  }
  uint64_t count = readLE16(u + eocd + 10);
  uint64_t dirSize = readLE32(u + eocd + 12);
  uint64_t dirOffset = readLE32(u + eocd + 16);
  if (count == 0xffff || dirSize == 0xffffffff || dirOffset == 0xffffffff) {
    // Zip64: a locator just before the record points at the zip64 record.
    if (eocd < 20 || readLE32(u + eocd - 20) != 0x07064b50) {
      error = "corrupt zip64 archive (no zip64 locator)";
      return false;
    }
    uint64_t rec = readLE64(u + eocd - 20 + 8);
    if (rec > size || size - rec < 56 || readLE32(u + rec) != 0x06064b50) {
      error = "corrupt zip64 archive (bad zip64 end record)";
      return false;
    }
    count = readLE64(u + rec + 32);
    dirSize = readLE64(u + rec + 40);
    dirOffset = readLE64(u + rec + 48);
  }
  if (dirOffset > size || dirSize > size - dirOffset) {
    error = "corrupt zip archive (central directory outside the file)";
    return false;
  }
  size_t p = dirOffset, dirEnd = dirOffset + dirSize;
  for (uint64_t n = 0; n < count; ++n) {
    if (dirEnd - p < 46 || readLE32(u + p) != 0x02014b50) {
      error = "corrupt zip archive (bad central directory entry)";
      return false;
    }
    ZipEntry e;
    e.flags = readLE16(u + p + 8);
    e.method = readLE16(u + p + 10);
    e.crc = readLE32(u + p + 16);
    e.compressedSize = readLE32(u + p + 20);
    e.size = readLE32(u + p + 24);
    size_t nameLen = readLE16(u + p + 28), extraLen = readLE16(u + p + 30),
           commentLen = readLE16(u + p + 32);
    e.localOffset = readLE32(u + p + 42);
    if (dirEnd - p - 46 < nameLen + extraLen + commentLen) {
      error = "corrupt zip archive (truncated central directory entry)";
      return false;
    }
    e.name.assign(file.data() + p + 46, nameLen);
    bool needSize = e.size == 0xffffffff,
         needCompressed = e.compressedSize == 0xffffffff,
         needOffset = e.localOffset == 0xffffffff;
    if (!readZip64Extra(u + p + 46 + nameLen, extraLen, e, needSize,
                        needCompressed, needOffset)) {
      error = "corrupt zip archive (bad zip64 field of '" + e.name + "')";
      return false;
    }
    entries.push_back(std::move(e));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return true;
}

static bool extractMember(const std::vector<char> &file, const ZipEntry &e,
                          std::vector<char> &out, std::string &error) {
  const auto *u = reinterpret_cast<const unsigned char *>(file.data());
  size_t size = file.size();
  if (e.flags & 1) {
    error = "member '" + e.name + "' is encrypted";
    return false;
  }
  if (e.localOffset > size || size - e.localOffset < 30 ||
      readLE32(u + e.localOffset) != 0x04034b50) {
    error = "corrupt zip archive (bad local header of '" + e.name + "')";
    return false;
  }
  uint64_t dataOffset = e.localOffset + 30 + readLE16(u + e.localOffset + 26) +
                        readLE16(u + e.localOffset + 28);
  if (dataOffset > size || e.compressedSize > size - dataOffset) {
    error = "corrupt zip archive (data of '" + e.name + "' is truncated)";
    return false;
  }
  const char *data = file.data() + dataOffset;
  if (e.method == 0) {
    if (e.compressedSize != e.size) {
      error = "corrupt zip archive (stored member '" + e.name +
              "' has different sizes)";
      return false;
    }
    out.assign(data, data + e.size);
  } else if (e.method == 8) {
    // Deflate expands at most ~1032:1; a larger claim is a corrupt header
    // and must not turn into a huge allocation.
    if (e.size > e.compressedSize * 1032 + 1024) {
      error = "corrupt zip archive (impossible size of '" + e.name + "')";
      return false;
    }
    out.assign(e.size, 0);
    z_stream s{};
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK) {
      error = "zlib: inflateInit2 failed";
      return false;
    }
    s.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data));
    s.next_out = reinterpret_cast<Bytef *>(out.data());
    // zlib counts in uInt: feed and drain in chunks of at most 1 GiB.
    uint64_t inLeft = e.compressedSize, outLeft = e.size;
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
    if (rc != Z_STREAM_END || produced != e.size) {
      error = "corrupt deflate data in member '" + e.name + "'";
      return false;
    }
  } else {
    error = "member '" + e.name + "' uses unsupported compression method " +
            std::to_string(e.method);
    return false;
  }
  uLong crc = crc32(0L, Z_NULL, 0);
  for (uint64_t done = 0; done < out.size();) {
    uInt chunk =
        static_cast<uInt>(std::min<uint64_t>(out.size() - done, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef *>(out.data() + done), chunk);
    done += chunk;
  }
  if (static_cast<uint32_t>(crc) != e.crc) {
    error = "CRC mismatch in member '" + e.name + "'";
    return false;
  }
  return true;
}

bool bitsink::npy::parseNpz(const std::vector<char> &file,
                            std::map<std::string, Array> &arrays,
                            std::string &error) {
  std::vector<ZipEntry> entries;
  if (!readZipDirectory(file, entries, error))
    return false;
  arrays.clear();
  for (const ZipEntry &e : entries) {
    if (!e.name.empty() && e.name.back() == '/')
      continue; // A directory entry.
    std::string key = e.name;
    if (key.size() < 4 || key.compare(key.size() - 4, 4, ".npy") != 0) {
      error = "member '" + e.name + "' is not a .npy file";
      return false;
    }
    key.resize(key.size() - 4);
    std::vector<char> bytes;
    Array array;
    if (!extractMember(file, e, bytes, error) ||
        !parseNpy(bytes.data(), bytes.size(), array, error)) {
      if (error.find(e.name) == std::string::npos)
        error = "member '" + e.name + "': " + error;
      return false;
    }
    if (!arrays.emplace(key, std::move(array)).second) {
      error = "duplicate member '" + e.name + "'";
      return false;
    }
  }
  return true;
}

bool bitsink::npy::readNpz(const std::string &path,
                           std::map<std::string, Array> &arrays,
                           std::string &error) {
  std::vector<char> file;
  if (!readFile(path, file, error))
    return false;
  if (!parseNpz(file, arrays, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

namespace {
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
} // namespace

static bool deflateRaw(const std::vector<char> &in, std::vector<char> &out,
                       std::string &error) {
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

bool bitsink::npy::writeNpz(const std::string &path,
                            const std::map<std::string, Array> &arrays,
                            std::string &error) {
  return writeNpz(path, arrays, /*compressed=*/false, error);
}

bool bitsink::npy::writeNpz(const std::string &path,
                            const std::map<std::string, Array> &arrays,
                            bool compressed, std::string &error) {
  std::vector<char> file, directory;
  ByteWriter w{file}, d{directory};
  // 1980-01-01 00:00, the zip epoch: archives are byte-reproducible.
  const uint32_t dosTime = 0, dosDate = (1 << 5) | 1;
  for (const auto &[key, array] : arrays) {
    std::string name = key + ".npy";
    std::vector<char> npy, stored;
    if (!serializeNpy(array, npy, error)) {
      error = path + ": array '" + key + "': " + error;
      return false;
    }
    if (compressed && !deflateRaw(npy, stored, error))
      return false;
    const std::vector<char> &payload = compressed ? stored : npy;
    if (npy.size() >= 0xffffffffu || payload.size() >= 0xffffffffu ||
        file.size() >= 0xffffffffu || name.size() > 0xffff) {
      error = path + ": array '" + key +
              "' is too large for a zip archive without zip64";
      return false;
    }
    uint32_t crc = static_cast<uint32_t>(
        crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef *>(npy.data()),
              static_cast<uInt>(npy.size())));
    uint16_t method = compressed ? 8 : 0;
    uint32_t offset = static_cast<uint32_t>(file.size());
    w.u32(0x04034b50);
    w.u16(20);
    w.u16(0);
    w.u16(method);
    w.u16(dosTime);
    w.u16(dosDate);
    w.u32(crc);
    w.u32(static_cast<uint32_t>(payload.size()));
    w.u32(static_cast<uint32_t>(npy.size()));
    w.u16(static_cast<uint32_t>(name.size()));
    w.u16(0);
    file.insert(file.end(), name.begin(), name.end());
    file.insert(file.end(), payload.begin(), payload.end());

    d.u32(0x02014b50);
    d.u16(20);
    d.u16(20);
    d.u16(0);
    d.u16(method);
    d.u16(dosTime);
    d.u16(dosDate);
    d.u32(crc);
    d.u32(static_cast<uint32_t>(payload.size()));
    d.u32(static_cast<uint32_t>(npy.size()));
    d.u16(static_cast<uint32_t>(name.size()));
    d.u16(0); // extra
    d.u16(0); // comment
    d.u16(0); // disk
    d.u16(0); // internal attributes
    d.u32(0); // external attributes
    d.u32(offset);
    directory.insert(directory.end(), name.begin(), name.end());
  }
  if (arrays.size() > 0xfffe || file.size() >= 0xffffffffu ||
      directory.size() >= 0xffffffffu) {
    error = path + ": too large for a zip archive without zip64";
    return false;
  }
  uint32_t dirOffset = static_cast<uint32_t>(file.size());
  file.insert(file.end(), directory.begin(), directory.end());
  w.u32(0x06054b50);
  w.u16(0);
  w.u16(0);
  w.u16(static_cast<uint32_t>(arrays.size()));
  w.u16(static_cast<uint32_t>(arrays.size()));
  w.u32(static_cast<uint32_t>(directory.size()));
  w.u32(dirOffset);
  w.u16(0);
  return writeFile(path, file, error);
}

//===----------------------------------------------------------------------===//
// Conversions
//===----------------------------------------------------------------------===//

uint16_t bitsink::npy::floatToHalf(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  x &= 0x7fffffff;
  if (x >= 0x7f800000) {
    if (x > 0x7f800000) // NaN: keep it quiet and keep the top payload bits.
      return sign | 0x7e00 | static_cast<uint16_t>((x >> 13) & 0x3ff);
    return sign | 0x7c00;
  }
  if (x >= 0x477ff000) // >= 65520 rounds to infinity.
    return sign | 0x7c00;
  if (x < 0x38800000) { // Below 2^-14: a half subnormal or zero.
    if (x < 0x33000000) // <= 2^-25 rounds to zero (2^-25 ties to even 0).
      return sign;
    uint32_t exponent = x >> 23;
    uint32_t mantissa = (x & 0x7fffff) | 0x800000;
    // value = mantissa * 2^(exponent - 150); in units of 2^-24 that is
    // mantissa >> (126 - exponent).
    uint32_t shift = 126 - exponent;
    uint32_t result = mantissa >> shift;
    uint32_t rest = mantissa & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (result & 1)))
      ++result;
    return sign | static_cast<uint16_t>(result);
  }
  // Normal: rebias the exponent (127 -> 15) and round the low 13 bits.
  uint32_t result = (x - 0x38000000) >> 13;
  uint32_t rest = x & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (result & 1)))
    ++result;
  return sign | static_cast<uint16_t>(result);
}

float bitsink::npy::halfToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f, mantissa = bits & 0x3ff;
  uint32_t x;
  if (exponent == 0x1f) {
    x = sign | 0x7f800000 | (mantissa << 13);
  } else if (exponent != 0) {
    x = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    x = sign;
  } else {
    float value = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -value : value;
  }
  float value;
  std::memcpy(&value, &x, 4);
  return value;
}

uint16_t bitsink::npy::floatToBFloat16(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  if ((x & 0x7fffffff) > 0x7f800000)
    return static_cast<uint16_t>((x >> 16) | 0x40);
  x += 0x7fff + ((x >> 16) & 1);
  return static_cast<uint16_t>(x >> 16);
}

float bitsink::npy::bfloat16ToFloat(uint16_t bits) {
  uint32_t x = uint32_t(bits) << 16;
  float value;
  std::memcpy(&value, &x, 4);
  return value;
}

/// Element `i` of `array` as a double.
static double loadElement(const Array &array, int64_t i) {
  switch (array.dtype) {
  case DType::Bool:
    return array.as<uint8_t>()[i] != 0;
  case DType::I8:
    return array.as<int8_t>()[i];
  case DType::U8:
    return array.as<uint8_t>()[i];
  case DType::I16:
    return array.as<int16_t>()[i];
  case DType::I32:
    return array.as<int32_t>()[i];
  case DType::U32:
    return array.as<uint32_t>()[i];
  case DType::I64:
    return static_cast<double>(array.as<int64_t>()[i]);
  case DType::F16:
    return halfToFloat(array.as<uint16_t>()[i]);
  case DType::BF16:
    return bfloat16ToFloat(array.as<uint16_t>()[i]);
  case DType::F32:
    return array.as<float>()[i];
  case DType::F64:
    return array.as<double>()[i];
  }
  return 0;
}

std::vector<float> bitsink::npy::toFloat(const Array &array) {
  std::vector<float> out(array.numElements());
  for (int64_t i = 0, e = out.size(); i < e; ++i)
    out[i] = static_cast<float>(loadElement(array, i));
  return out;
}

std::vector<double> bitsink::npy::toDouble(const Array &array) {
  std::vector<double> out(array.numElements());
  for (int64_t i = 0, e = out.size(); i < e; ++i)
    out[i] = loadElement(array, i);
  return out;
}

/// Rounds toward zero and saturates at the limits of T; NaN becomes 0.
template <typename T> static T toInteger(double value) {
  if (std::isnan(value))
    return 0;
  if (value <= static_cast<double>(std::numeric_limits<T>::min()))
    return std::numeric_limits<T>::min();
  if (value >= static_cast<double>(std::numeric_limits<T>::max()))
    return std::numeric_limits<T>::max();
  return static_cast<T>(value);
}

Array bitsink::npy::convert(const Array &array, DType to) {
  Array out = Array::zeros(to, array.shape);
  if (to == array.dtype) {
    out.data = array.data;
    return out;
  }
  for (int64_t i = 0, e = array.numElements(); i < e; ++i) {
    double v = loadElement(array, i);
    // Values from float arrays round to half/bfloat16 from their float
    // value (one rounding); doubles round through float.
    float f = static_cast<float>(v);
    switch (to) {
    case DType::Bool:
      out.as<uint8_t>()[i] = v != 0;
      break;
    case DType::I8:
      out.as<int8_t>()[i] = toInteger<int8_t>(v);
      break;
    case DType::U8:
      out.as<uint8_t>()[i] = toInteger<uint8_t>(v);
      break;
    case DType::I16:
      out.as<int16_t>()[i] = toInteger<int16_t>(v);
      break;
    case DType::I32:
      out.as<int32_t>()[i] = toInteger<int32_t>(v);
      break;
    case DType::U32:
      out.as<uint32_t>()[i] = toInteger<uint32_t>(v);
      break;
    case DType::I64:
      out.as<int64_t>()[i] = array.dtype == DType::I64 ? array.as<int64_t>()[i]
                                                       : toInteger<int64_t>(v);
      break;
    case DType::F16:
      out.as<uint16_t>()[i] = floatToHalf(f);
      break;
    case DType::BF16:
      out.as<uint16_t>()[i] = floatToBFloat16(f);
      break;
    case DType::F32:
      out.as<float>()[i] = f;
      break;
    case DType::F64:
      out.as<double>()[i] = v;
      break;
    }
  }
  return out;
}
