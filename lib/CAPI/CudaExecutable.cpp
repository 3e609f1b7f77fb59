//===- CudaExecutable.cpp - run a CUDA artifact from the C API ------------===//
//
// Implements CudaExecutable.h.
//
//===----------------------------------------------------------------------===//

#include "CudaExecutable.h"

#include "bitsink/Execution/Artifact.h"
#include "bitsink/Runtime/CudaRuntime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <dlfcn.h>

using namespace mlir;
using namespace bitsink;

namespace {
/// The runtime's sticky error as a message, cleared for the next call.
bool takeCudaError(std::string &error) {
  const char *message = bitsinkCudaLastError();
  if (!message)
    return false;
  error = std::string("CUDA: ") + message;
  bitsinkCudaClearError();
  return true;
}

/// Device buffers of one call, freed when it returns.
struct DeviceBuffers {
  std::vector<void *> pointers;
  ~DeviceBuffers() {
    for (void *p : pointers)
      bitsinkCudaFree(p);
  }
  void *allocate(size_t bytes) {
    void *p = bytes ? bitsinkCudaMalloc(bytes) : nullptr;
    if (p)
      pointers.push_back(p);
    return p;
  }
};

/// The descriptor slots of a dense row-major memref on `data`.
std::vector<int64_t> descriptor(void *data, const std::vector<int64_t> &shape) {
  std::vector<int64_t> slots = {reinterpret_cast<int64_t>(data),
                                reinterpret_cast<int64_t>(data), 0};
  slots.insert(slots.end(), shape.begin(), shape.end());
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  slots.insert(slots.end(), strides.begin(), strides.end());
  return slots;
}
} // namespace

std::unique_ptr<CudaExecutable>
CudaExecutable::create(ModuleOp module, const std::string &entry,
                       const std::string &pipelineOptions,
                       std::string &error) {
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func) {
    error = "no function named '" + entry + "' in the module";
    return nullptr;
  }
  std::unique_ptr<CudaExecutable> exe(new CudaExecutable);
  if (!getEntrySignature(func.getFunctionType(), exe->signature_, error)) {
    error = "entry '" + entry + "': " + error;
    return nullptr;
  }
  SmallString<128> directory;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("bitsink-cuda", directory)) {
    error = "cannot create a temporary folder: " + ec.message();
    return nullptr;
  }
  exe->directory_ = directory.str().str();
  SmallString<128> library(directory);
  llvm::sys::path::append(library, "artifact.so");
  exe->library_ = library.str().str();

  OwningOpRef<ModuleOp> clone = module.clone();
  ArtifactOptions options;
  options.target = "cuda";
  options.pipelineOptions = pipelineOptions;
  // This process already has the runtime (the C API links it): the
  // artifact's DT_NEEDED resolves to that copy by its soname.
  options.copyRuntime = false;
  std::vector<ArtifactEntry> entries;
  if (!compileArtifact(*clone, options, exe->library_, entries, error))
    return nullptr;
  for (const ArtifactEntry &e : entries)
    if (e.name == entry)
      exe->resultAliases_ = e.resultAliases;

  bitsinkCudaClearError();
  exe->handle_ = dlopen(exe->library_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!exe->handle_) {
    error = std::string("cannot load the CUDA artifact: ") + dlerror();
    return nullptr;
  }
  // Its kernels were loaded by its constructor: a missing driver or GPU, or
  // a kernel image for another architecture, shows up here.
  if (takeCudaError(error))
    return nullptr;
  if (bitsinkCudaDeviceCount() <= 0) {
    if (!takeCudaError(error))
      error = "CUDA: no GPU device found";
    return nullptr;
  }
  exe->packed_ = reinterpret_cast<void (*)(void **)>(
      dlsym(exe->handle_, ("_bitsink_packed_" + entry).c_str()));
  if (!exe->packed_) {
    error = "the CUDA artifact has no entry '" + entry + "'";
    return nullptr;
  }
  return exe;
}

CudaExecutable::~CudaExecutable() {
  if (handle_)
    dlclose(handle_);
  if (!library_.empty())
    llvm::sys::fs::remove(library_);
  if (!directory_.empty())
    llvm::sys::fs::remove(directory_);
}

bool CudaExecutable::run(std::vector<npy::Array> &&inputs,
                         std::vector<npy::Array> &outputs,
                         std::string &error) {
  std::vector<npy::Array> prepared;
  if (!prepareInputs(signature_, std::move(inputs), prepared, error))
    return false;
  DeviceBuffers device;
  std::vector<void *> inputBuffers;
  std::vector<std::vector<int64_t>> descriptors;
  for (const npy::Array &input : prepared) {
    void *buffer = device.allocate(input.data.size());
    if ((input.data.size() && !buffer) ||
        (buffer && bitsinkCudaCopyToDevice(buffer, input.data.data(),
                                           input.data.size()) != 0)) {
      if (!takeCudaError(error))
        error = "CUDA: cannot allocate or copy an input";
      return false;
    }
    inputBuffers.push_back(buffer);
    descriptors.push_back(descriptor(buffer, input.shape));
  }
  outputs.clear();
  std::vector<void *> resultBuffers;
  for (auto [i, spec] : llvm::enumerate(signature_.results)) {
    outputs.push_back(npy::Array::zeros(spec.dtype, spec.shape));
    int64_t alias = i < resultAliases_.size() ? resultAliases_[i] : -1;
    if (alias >= 0) {
      resultBuffers.push_back(inputBuffers[alias]);
      continue;
    }
    void *buffer = device.allocate(outputs.back().data.size());
    if (outputs.back().data.size() && !buffer) {
      if (!takeCudaError(error))
        error = "CUDA: cannot allocate a result";
      return false;
    }
    resultBuffers.push_back(buffer);
    descriptors.push_back(descriptor(buffer, spec.shape));
  }
  std::vector<void *> args;
  for (std::vector<int64_t> &slots : descriptors)
    args.push_back(slots.data());
  packed_(args.data());
  bitsinkCudaSynchronize();
  if (takeCudaError(error))
    return false;
  for (auto [i, output] : llvm::enumerate(outputs)) {
    if (output.data.empty())
      continue;
    if (bitsinkCudaCopyToHost(output.data.data(), resultBuffers[i],
                              output.data.size()) != 0) {
      if (!takeCudaError(error))
        error = "CUDA: cannot copy a result back";
      return false;
    }
    if (output.dtype == npy::DType::BF16)
      output = npy::convert(output, npy::DType::F32);
  }
  return true;
}
