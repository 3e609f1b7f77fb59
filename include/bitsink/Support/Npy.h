//===- Npy.h - .npy / .npz arrays -------------------------------*- C++ -*-===//
//
// Reading and writing NumPy's .npy files and .npz archives (zip of .npy,
// stored or deflated), for bitsink-run, the quantizer tools and the
// quantize-weights pass. Plain C++17, no MLIR dependency. Every malformed
// input is reported through `error`, never by crashing.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_SUPPORT_NPY_H
#define BITSINK_SUPPORT_NPY_H

#include "bitsink/Support/Half.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bitsink::npy {

/// Element types. BF16 has no NumPy dtype: it is never read from a file, only
/// produced in memory (e.g. converting an F32 array for a bf16 argument).
enum class DType { Bool, I8, U8, I16, I32, U32, I64, F16, BF16, F32, F64 };

/// Bytes per element.
size_t elementSize(DType dtype);
/// NumPy descr string ("<f4", "|b1", ...); "bf16" for BF16.
const char *dtypeName(DType dtype);
/// NumPy's name of the type ("float32", "int64", "bool", ...; "bfloat16"
/// for BF16), for messages.
const char *dtypeTypeName(DType dtype);
/// Maps a NumPy descr string to a dtype. The byte-order character must be
/// '<', '|' or '=' (little-endian host); '>' is accepted only for 1-byte
/// types. BF16 has no descr.
bool parseDType(const std::string &descr, DType &dtype, std::string &error);

struct Array {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// Little-endian, C order.
  std::vector<char> data;

  int64_t numElements() const;
  /// Allocates zeroed storage for `shape`.
  static Array zeros(DType dtype, std::vector<int64_t> shape);
  template <typename T> T *as() { return reinterpret_cast<T *>(data.data()); }
  template <typename T> const T *as() const {
    return reinterpret_cast<const T *>(data.data());
  }
};

/// Parses a whole .npy file image (used by the readers and the fuzzer).
bool parseNpy(const char *bytes, size_t size, Array &array, std::string &error);
bool readNpy(const std::string &path, Array &array, std::string &error);
bool writeNpy(const std::string &path, const Array &array, std::string &error);

/// Parses a whole .npz file image (used by readNpz and the fuzzer).
bool parseNpz(const std::vector<char> &file,
              std::map<std::string, Array> &arrays, std::string &error);
/// Arrays keyed by name (the member name without ".npy").
bool readNpz(const std::string &path, std::map<std::string, Array> &arrays,
             std::string &error);
bool writeNpz(const std::string &path,
              const std::map<std::string, Array> &arrays, std::string &error);
/// Same, with the members deflated (like numpy.savez_compressed) when
/// `compressed`; the plain overload stores them (like numpy.savez).
bool writeNpz(const std::string &path,
              const std::map<std::string, Array> &arrays, bool compressed,
              std::string &error);

/// Element conversion: any numeric dtype to float / double values, and an
/// F32 array to F16/BF16 (round to nearest even) or back. `convert` goes
/// between any two dtypes: to an integer type it rounds toward zero and
/// saturates (NaN -> 0); to Bool it tests for non-zero.
std::vector<float> toFloat(const Array &array);
std::vector<double> toDouble(const Array &array);
Array convert(const Array &array, DType to);

/// The IEEE half / bfloat16 bit conversions (floatToHalf, halfToFloat,
/// floatToBFloat16, bfloat16ToFloat; round to nearest even) are declared in
/// bitsink/Support/Half.h, included above.

} // namespace bitsink::npy

#endif // BITSINK_SUPPORT_NPY_H
