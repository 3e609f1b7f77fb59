//===- NpyInternal.h - pieces of the .npy code shared with .npz -*- C++ -*-===//
//
// Internal to lib/Support: the .npy serialiser and whole-file reads and
// writes, which the .npz reader and writer (Npz.cpp) share with Npy.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_SUPPORT_NPYINTERNAL_H
#define BITSINK_LIB_SUPPORT_NPYINTERNAL_H

#include "bitsink/Support/Npy.h"

#include <string>
#include <vector>

namespace bitsink::npy::detail {

/// Serialises `array` as a .npy image: v1 when the header fits in 64 KiB,
/// else v2; the data starts on a 64-byte boundary as numpy's writer does.
/// Fails for BF16 (no NumPy dtype) and for data that does not match the
/// shape.
bool serializeNpy(const Array &array, std::vector<char> &out,
                  std::string &error);

/// Reads the whole file at `path` into `out`.
bool readFile(const std::string &path, std::vector<char> &out,
              std::string &error);
/// Writes `data` as the whole file at `path`.
bool writeFile(const std::string &path, const std::vector<char> &data,
               std::string &error);

} // namespace bitsink::npy::detail

#endif // BITSINK_LIB_SUPPORT_NPYINTERNAL_H
