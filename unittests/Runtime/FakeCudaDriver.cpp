//===- FakeCudaDriver.cpp - a libcuda stand-in for runtime tests ----------===//
//
// Exports the driver entry points the bitsink CUDA runtime resolves (under
// the same versioned names), backed by host memory, so the runtime's logic
// (caching, pooling, error reports, the sticky error) is tested without a
// GPU. Tests steer it through the fakeCuda* functions. Device 0 is "sm_90";
// a cubin built for another SM fails to load with CUDA_ERROR_NO_BINARY_FOR_GPU
// (209), as the real driver does.
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#define FAKE_EXPORT extern "C" __attribute__((visibility("default")))

namespace {
std::map<std::string, int> &calls() {
  // Never destroyed: artifacts unload their modules from their destructors
  // at exit, which may run after this library's static destructors (a
  // destroyed map there crashed the process intermittently).
  static auto *counts = new std::map<std::string, int>;
  return *counts;
}
int launchResult = 0;
int busy = 0; // queries answer CUDA_ERROR_NOT_READY (600) while set
void *currentContext = nullptr;
int primaryContext = 0;
int count(const char *name) { return ++calls()[name], 0; }
} // namespace

FAKE_EXPORT int fakeCudaCalls(const char *name) { return calls()[name]; }
FAKE_EXPORT void fakeCudaSetLaunchResult(int result) { launchResult = result; }
/// While set, streams and events never finish: the queries answer
/// CUDA_ERROR_NOT_READY (the blocking waits are not called with a timeout).
FAKE_EXPORT void fakeCudaSetBusy(int value) { busy = value; }

/// FAKE_CUDA_BUSY=1 in the environment: busy from the start (for tools).
FAKE_EXPORT int cuInit(unsigned) {
  const char *value = std::getenv("FAKE_CUDA_BUSY");
  if (value && std::strcmp(value, "1") == 0)
    busy = 1;
  return count("cuInit");
}
FAKE_EXPORT int cuGetErrorName(int error, const char **name) {
  switch (error) {
  case 1:
    *name = "CUDA_ERROR_INVALID_VALUE";
    return 0;
  case 209:
    *name = "CUDA_ERROR_NO_BINARY_FOR_GPU";
    return 0;
  default:
    return 1;
  }
}
FAKE_EXPORT int cuGetErrorString(int, const char **text) {
  *text = "reported by the fake driver";
  return 0;
}
FAKE_EXPORT int cuDeviceGetCount(int *n) { return *n = 1, 0; }
FAKE_EXPORT int cuDeviceGet(int *device, int ordinal) {
  return ordinal == 0 ? (*device = 0, 0) : 101;
}
FAKE_EXPORT int cuDeviceGetName(char *name, int size, int) {
  std::strncpy(name, "Fake GPU", size_t(size));
  return 0;
}
FAKE_EXPORT int cuDeviceGetAttribute(int *value, int attribute, int) {
  // 75/76: compute capability major/minor; 115: memory pools supported.
  *value = attribute == 75 ? 9 : attribute == 115 ? 1 : 0;
  return 0;
}
FAKE_EXPORT int cuDevicePrimaryCtxRetain(void **context, int) {
  *context = &primaryContext;
  return 0;
}
FAKE_EXPORT int cuCtxSetCurrent(void *context) {
  currentContext = context;
  return count("cuCtxSetCurrent");
}
FAKE_EXPORT int cuCtxGetCurrent(void **context) {
  *context = currentContext;
  return 0;
}
FAKE_EXPORT int cuCtxSynchronize() { return 0; }
FAKE_EXPORT int cuModuleLoadData(void **module, const void *image) {
  count("cuModuleLoadData");
  const auto *bytes = static_cast<const unsigned char *>(image);
  if (std::memcmp(bytes,
                  "\x7f"
                  "ELF",
                  4) == 0) {
    uint32_t flags;
    std::memcpy(&flags, bytes + 48, sizeof(flags));
    if (((flags >> 8) & 0xff) != 90)
      return 209;
  }
  *module = std::malloc(1);
  return 0;
}
FAKE_EXPORT int cuModuleLoadDataEx(void **module, const void *image, unsigned,
                                   void *, void **) {
  return cuModuleLoadData(module, image);
}
FAKE_EXPORT int cuModuleUnload(void *module) {
  std::free(module);
  return count("cuModuleUnload");
}
FAKE_EXPORT int cuModuleGetFunction(void **function, void *, const char *) {
  *function = std::malloc(1);
  return count("cuModuleGetFunction");
}
FAKE_EXPORT int cuFuncSetAttribute(void *, int, int) {
  return count("cuFuncSetAttribute");
}
FAKE_EXPORT int cuLaunchKernel(void *, unsigned, unsigned, unsigned, unsigned,
                               unsigned, unsigned, unsigned, void *, void **,
                               void **) {
  count("cuLaunchKernel");
  return launchResult;
}
FAKE_EXPORT int cuLaunchKernelEx(const void *, void *, void **, void **) {
  count("cuLaunchKernelEx");
  return launchResult;
}
FAKE_EXPORT int cuStreamCreate(void **stream, unsigned) {
  *stream = std::malloc(1);
  return count("cuStreamCreate");
}
FAKE_EXPORT int cuStreamDestroy_v2(void *stream) {
  std::free(stream);
  return 0;
}
FAKE_EXPORT int cuStreamSynchronize(void *) {
  return count("cuStreamSynchronize");
}
FAKE_EXPORT int cuStreamQuery(void *) {
  count("cuStreamQuery");
  return busy ? 600 : 0;
}
FAKE_EXPORT int cuStreamWaitEvent(void *, void *, unsigned) { return 0; }
FAKE_EXPORT int cuEventCreate(void **event, unsigned) {
  *event = std::malloc(1);
  return 0;
}
FAKE_EXPORT int cuEventDestroy_v2(void *event) {
  std::free(event);
  return 0;
}
FAKE_EXPORT int cuEventRecord(void *, void *) { return 0; }
FAKE_EXPORT int cuEventSynchronize(void *) { return 0; }
FAKE_EXPORT int cuEventQuery(void *) {
  count("cuEventQuery");
  return busy ? 600 : 0;
}
FAKE_EXPORT int cuMemAlloc_v2(uintptr_t *ptr, size_t size) {
  *ptr = reinterpret_cast<uintptr_t>(std::malloc(size));
  return count("cuMemAlloc");
}
FAKE_EXPORT int cuMemAllocManaged(uintptr_t *ptr, size_t size, unsigned) {
  return cuMemAlloc_v2(ptr, size);
}
FAKE_EXPORT int cuMemFree_v2(uintptr_t ptr) {
  std::free(reinterpret_cast<void *>(ptr));
  return count("cuMemFree");
}
// Stream-ordered allocation; the pool is host memory too.
int poolThresholdSet = 0;
FAKE_EXPORT int cuDeviceGetDefaultMemPool(void **pool, int) {
  static int defaultPool;
  *pool = &defaultPool;
  return 0;
}
FAKE_EXPORT int cuMemPoolSetAttribute(void *, int attribute,
                                      const uint64_t *value) {
  // 4: CU_MEMPOOL_ATTR_RELEASE_THRESHOLD.
  poolThresholdSet = attribute == 4 && *value == ~uint64_t(0);
  return 0;
}
FAKE_EXPORT int fakeCudaPoolThresholdSet() { return poolThresholdSet; }
FAKE_EXPORT int cuMemAllocAsync(uintptr_t *ptr, size_t size, void *) {
  *ptr = reinterpret_cast<uintptr_t>(std::malloc(size));
  return count("cuMemAllocAsync");
}
FAKE_EXPORT int cuMemFreeAsync(uintptr_t ptr, void *) {
  std::free(reinterpret_cast<void *>(ptr));
  return count("cuMemFreeAsync");
}
FAKE_EXPORT int cuMemcpy(uintptr_t dst, uintptr_t src, size_t size) {
  std::memcpy(reinterpret_cast<void *>(dst), reinterpret_cast<void *>(src),
              size);
  return 0;
}
FAKE_EXPORT int cuMemcpyAsync(uintptr_t dst, uintptr_t src, size_t size,
                              void *) {
  return cuMemcpy(dst, src, size);
}
FAKE_EXPORT int cuMemsetD32Async(uintptr_t dst, unsigned value, size_t n,
                                 void *) {
  for (size_t i = 0; i < n; ++i)
    reinterpret_cast<uint32_t *>(dst)[i] = value;
  return 0;
}
FAKE_EXPORT int cuMemsetD16Async(uintptr_t dst, unsigned short value, size_t n,
                                 void *) {
  for (size_t i = 0; i < n; ++i)
    reinterpret_cast<uint16_t *>(dst)[i] = value;
  return 0;
}
FAKE_EXPORT int cuMemHostRegister_v2(void *, size_t, unsigned) { return 0; }
FAKE_EXPORT int cuMemHostUnregister(void *) { return 0; }
