//===- FuzzNpy.cpp - libFuzzer target for the .npy / .npz readers -------===//
//
// Feeds arbitrary bytes to npy::parseNpy and npy::parseNpz (what bitsink-run,
// bitsink-quantize and the quantize-weights pass read). A parse must either
// fail with a message or produce an array whose storage matches its shape
// and dtype; conversion of a parsed array to f32 must not fault.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Support/Npy.h"

#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

using namespace bitsink;

static void checkArray(const npy::Array &array) {
  size_t bytes = array.numElements() * npy::elementSize(array.dtype);
  if (array.data.size() != bytes) {
    std::fprintf(stderr, "parsed array holds %zu bytes, shape needs %zu\n",
                 array.data.size(), bytes);
    std::abort();
  }
  // Bounded so that a huge but valid array does not slow the fuzzer down.
  if (array.numElements() <= (1 << 16))
    (void)npy::toFloat(array);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *bytes = reinterpret_cast<const char *>(data);
  std::string error;
  npy::Array array;
  if (npy::parseNpy(bytes, size, array, error))
    checkArray(array);
  else if (error.empty())
    std::abort(); // A failure must say why.

  std::map<std::string, npy::Array> arrays;
  error.clear();
  if (npy::parseNpz(std::vector<char>(bytes, bytes + size), arrays, error)) {
    for (const auto &member : arrays)
      checkArray(member.second);
  } else if (error.empty()) {
    std::abort();
  }
  return 0;
}
