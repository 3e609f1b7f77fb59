//===- Npy.cpp - .npy arrays ----------------------------------------------===//
//
// NumPy's format (numpy/lib/format.py): magic "\x93NUMPY", a version byte
// pair, a little-endian header length (2 bytes for v1, 4 for v2/v3) and a
// Python dict literal {'descr', 'fortran_order', 'shape'}, then the raw data.
// Also the element types and the conversions between them. .npz archives
// are in Npz.cpp, on top of Zip.cpp; fp16 and bf16 bits in Half.cpp.
//
//===----------------------------------------------------------------------===//

#include "NpyInternal.h"

#include "ByteOrder.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

using namespace bitsink::npy;
using bitsink::support::readLE16;
using bitsink::support::readLE32;

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
bool bitsink::npy::detail::serializeNpy(const Array &array,
                                        std::vector<char> &out,
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

bool bitsink::npy::detail::readFile(const std::string &path,
                                    std::vector<char> &out,
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

bool bitsink::npy::detail::writeFile(const std::string &path,
                                     const std::vector<char> &data,
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
  if (!detail::readFile(path, bytes, error))
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
  if (!detail::serializeNpy(array, bytes, error)) {
    error = path + ": " + error;
    return false;
  }
  return detail::writeFile(path, bytes, error);
}

//===----------------------------------------------------------------------===//
// Conversions
//===----------------------------------------------------------------------===//

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
