//===- CudaRuntime.cpp - bitsink CUDA runtime over the driver API ---------===//
//
// The `mgpu*` entry points that host code from bitsink-nvptx-pipeline calls
// (gpu-to-llvm and the gpu.binary translation emit them), plus the small C
// API of include/bitsink/Runtime/CudaRuntime.h. libcuda.so.1 is opened with
// dlopen at first use, so this library (and every artifact linked to it)
// loads on machines without a driver and fails there with a message instead
// of a loader error. cuda.h is used for types and constants only.
//
// Modules are loaded by global constructors of the artifacts, before main:
// initialisation is lazy and failure-tolerant, and the matching destructors
// never touch a driver that did not load (or that the process already shut
// down).
//
//===----------------------------------------------------------------------===//

#include "bitsink/Runtime/CudaRuntime.h"

#include <cuda.h>

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dlfcn.h>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#define BITSINK_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/// The driver functions we call, resolved by their versioned ABI names.
struct DriverApi {
#define BITSINK_DRIVER_FUNCTIONS(X)                                            \
  X(cuInit, "cuInit")                                                          \
  X(cuGetErrorName, "cuGetErrorName")                                          \
  X(cuGetErrorString, "cuGetErrorString")                                      \
  X(cuDeviceGetCount, "cuDeviceGetCount")                                      \
  X(cuDeviceGet, "cuDeviceGet")                                                \
  X(cuDeviceGetName, "cuDeviceGetName")                                        \
  X(cuDeviceGetAttribute, "cuDeviceGetAttribute")                              \
  X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")                      \
  X(cuCtxSetCurrent, "cuCtxSetCurrent")                                        \
  X(cuCtxGetCurrent, "cuCtxGetCurrent")                                        \
  X(cuCtxSynchronize, "cuCtxSynchronize")                                      \
  X(cuModuleLoadData, "cuModuleLoadData")                                      \
  X(cuModuleLoadDataEx, "cuModuleLoadDataEx")                                  \
  X(cuModuleUnload, "cuModuleUnload")                                          \
  X(cuModuleGetFunction, "cuModuleGetFunction")                                \
  X(cuFuncSetAttribute, "cuFuncSetAttribute")                                  \
  X(cuLaunchKernel, "cuLaunchKernel")                                          \
  X(cuLaunchKernelEx, "cuLaunchKernelEx")                                      \
  X(cuStreamCreate, "cuStreamCreate")                                          \
  X(cuStreamDestroy, "cuStreamDestroy_v2")                                     \
  X(cuStreamSynchronize, "cuStreamSynchronize")                                \
  X(cuStreamQuery, "cuStreamQuery")                                            \
  X(cuStreamWaitEvent, "cuStreamWaitEvent")                                    \
  X(cuEventCreate, "cuEventCreate")                                            \
  X(cuEventDestroy, "cuEventDestroy_v2")                                       \
  X(cuEventRecord, "cuEventRecord")                                            \
  X(cuEventSynchronize, "cuEventSynchronize")                                  \
  X(cuEventQuery, "cuEventQuery")                                              \
  X(cuMemAlloc, "cuMemAlloc_v2")                                               \
  X(cuMemAllocManaged, "cuMemAllocManaged")                                    \
  X(cuMemFree, "cuMemFree_v2")                                                 \
  X(cuMemcpy, "cuMemcpy")                                                      \
  X(cuMemcpyAsync, "cuMemcpyAsync")                                            \
  X(cuMemsetD32Async, "cuMemsetD32Async")                                      \
  X(cuMemsetD16Async, "cuMemsetD16Async")                                      \
  X(cuMemHostRegister, "cuMemHostRegister_v2")                                 \
  X(cuMemHostUnregister, "cuMemHostUnregister")
// Stream-ordered allocation (CUDA 11.2+): used when the driver has it.
#define BITSINK_OPTIONAL_DRIVER_FUNCTIONS(X)                                   \
  X(cuMemAllocAsync, "cuMemAllocAsync")                                        \
  X(cuMemFreeAsync, "cuMemFreeAsync")                                          \
  X(cuDeviceGetDefaultMemPool, "cuDeviceGetDefaultMemPool")                    \
  X(cuMemPoolSetAttribute, "cuMemPoolSetAttribute")
#define BITSINK_DECLARE(name, symbol) decltype(&::name) name = nullptr;
  BITSINK_DRIVER_FUNCTIONS(BITSINK_DECLARE)
  BITSINK_OPTIONAL_DRIVER_FUNCTIONS(BITSINK_DECLARE)
#undef BITSINK_DECLARE
};

/// Process-wide state. Never destroyed (it is heap-allocated and leaked on
/// purpose) so artifacts' global destructors can still call into it.
struct Runtime {
  std::mutex mutex;
  bool initialised = false;
  bool usable = false;
  DriverApi api;
  int deviceOrdinal = 0;
  CUdevice device = 0;
  CUcontext context = nullptr;
  int ccMajor = 0, ccMinor = 0;
  std::string firstError;
  bool hasError = false;
  std::vector<CUstream> freeStreams;
  std::map<std::pair<CUmodule, std::string>, CUfunction> functions;
  std::map<CUfunction, std::string> functionNames;
  std::map<CUfunction, int32_t> dynamicSmemLimit;
  /// mgpuMemAlloc/mgpuMemFree with a stream use the device's default memory
  /// pool (cuMemAllocAsync/cuMemFreeAsync), which keeps freed memory for
  /// reuse: a temporary (the split-K workspace) then costs no cuMemAlloc
  /// and no synchronising cuMemFree per call.
  bool streamOrderedAlloc = false;
  /// Live pool allocations: only these are freed with cuMemFreeAsync.
  std::set<CUdeviceptr> poolAllocations;
  /// BITSINK_CUDA_TIMEOUT_S: how long a synchronisation may wait (seconds;
  /// 0 = for ever, the driver's own blocking wait).
  double timeoutSeconds = 0;
  /// With a timeout: per stream, the launches since its last completed
  /// synchronisation (at most kPendingNames names kept, plus the count),
  /// to name in the report of a wait that timed out.
  struct Pending {
    std::vector<std::string> launches;
    size_t count = 0;
  };
  std::map<CUstream, Pending> pending;
};

constexpr size_t kPendingNames = 4;

Runtime &runtime() {
  static Runtime *state = new Runtime();
  return *state;
}

bool abortOnError() {
  const char *value = std::getenv("BITSINK_CUDA_ABORT_ON_ERROR");
  return value && *value && std::strcmp(value, "0") != 0;
}

/// Prints `bitsink-cuda: error: <message>`, records the first one, and
/// aborts if asked to. The caller holds the mutex.
void reportLocked(Runtime &rt, const std::string &message) {
  std::fprintf(stderr, "bitsink-cuda: error: %s\n", message.c_str());
  std::fflush(stderr);
  if (!rt.hasError) {
    rt.hasError = true;
    rt.firstError = message;
  }
  if (abortOnError())
    std::abort();
}

std::string format(const char *fmt, ...) {
  char buffer[1024];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buffer, sizeof(buffer), fmt, args);
  va_end(args);
  return buffer;
}

/// Names of the errors a user is likely to meet, for drivers that cannot
/// name them (the toolkit's stub libcuda cannot).
const char *knownErrorName(CUresult result) {
  switch (result) {
  case CUDA_ERROR_INVALID_VALUE:
    return "CUDA_ERROR_INVALID_VALUE";
  case CUDA_ERROR_OUT_OF_MEMORY:
    return "CUDA_ERROR_OUT_OF_MEMORY";
  case CUDA_ERROR_NOT_INITIALIZED:
    return "CUDA_ERROR_NOT_INITIALIZED";
  case CUDA_ERROR_DEINITIALIZED:
    return "CUDA_ERROR_DEINITIALIZED";
  case CUDA_ERROR_STUB_LIBRARY:
    return "CUDA_ERROR_STUB_LIBRARY (the CUDA toolkit's stub libcuda, not a "
           "driver)";
  case CUDA_ERROR_NO_DEVICE:
    return "CUDA_ERROR_NO_DEVICE";
  case CUDA_ERROR_NO_BINARY_FOR_GPU:
    return "CUDA_ERROR_NO_BINARY_FOR_GPU";
  case CUDA_ERROR_INVALID_PTX:
    return "CUDA_ERROR_INVALID_PTX";
  case CUDA_ERROR_UNSUPPORTED_PTX_VERSION:
    return "CUDA_ERROR_UNSUPPORTED_PTX_VERSION";
  case CUDA_ERROR_ILLEGAL_ADDRESS:
    return "CUDA_ERROR_ILLEGAL_ADDRESS";
  case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES:
    return "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES";
  case CUDA_ERROR_LAUNCH_FAILED:
    return "CUDA_ERROR_LAUNCH_FAILED";
  default:
    return nullptr;
  }
}

/// "CUDA_ERROR_X: description" for `result`.
std::string describe(Runtime &rt, CUresult result) {
  const char *name = nullptr, *text = nullptr;
  if (rt.api.cuGetErrorName &&
      rt.api.cuGetErrorName(result, &name) != CUDA_SUCCESS)
    name = nullptr;
  if (rt.api.cuGetErrorString &&
      rt.api.cuGetErrorString(result, &text) != CUDA_SUCCESS)
    text = nullptr;
  if (!name)
    name = knownErrorName(result);
  std::string out = name ? name : format("CUDA error %d", int(result));
  if (text)
    out += std::string(": ") + text;
  return out;
}

/// Reports a failed driver call `call` (for kernel `kernel` if known).
bool checkLocked(Runtime &rt, CUresult result, const char *call,
                 const std::string &kernel = std::string()) {
  if (result == CUDA_SUCCESS)
    return true;
  std::string message = std::string(call) + " failed";
  if (!kernel.empty())
    message += " for kernel '" + kernel + "'";
  message += " (" + describe(rt, result) + ")";
  if (result == CUDA_ERROR_NO_BINARY_FOR_GPU)
    message += format("; the kernel binary has no code for device %d "
                      "(sm_%d%d): compile with bitsink-nvptx-pipeline "
                      "chip=sm_%d%d",
                      rt.deviceOrdinal, rt.ccMajor, rt.ccMinor, rt.ccMajor,
                      rt.ccMinor);
  reportLocked(rt, message);
  return false;
}

/// Turns on stream-ordered allocation when the driver and device support
/// memory pools, unless BITSINK_CUDA_ASYNC_ALLOC=0. The default pool's
/// release threshold is raised to "never": memory freed in stream order
/// stays in the pool for the next allocation instead of going back to the
/// driver at every synchronisation (the pool holds at most the peak of what
/// was live at once).
void enableStreamOrderedAllocLocked(Runtime &rt) {
  const char *flag = std::getenv("BITSINK_CUDA_ASYNC_ALLOC");
  if (flag && std::strcmp(flag, "0") == 0)
    return;
  DriverApi &api = rt.api;
  if (!api.cuMemAllocAsync || !api.cuMemFreeAsync ||
      !api.cuDeviceGetDefaultMemPool || !api.cuMemPoolSetAttribute)
    return;
  int supported = 0;
  if (api.cuDeviceGetAttribute(&supported,
                               CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED,
                               rt.device) != CUDA_SUCCESS ||
      !supported)
    return;
  CUmemoryPool pool = nullptr;
  cuuint64_t threshold = ~cuuint64_t(0);
  if (api.cuDeviceGetDefaultMemPool(&pool, rt.device) != CUDA_SUCCESS ||
      api.cuMemPoolSetAttribute(pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD,
                                &threshold) != CUDA_SUCCESS)
    return;
  rt.streamOrderedAlloc = true;
}

/// Reads BITSINK_CUDA_TIMEOUT_S (unset or empty: no timeout). A value that
/// is not a non-negative finite number is an error: the runtime stays
/// unusable rather than wait for ever against the user's wish.
bool parseTimeoutLocked(Runtime &rt) {
  const char *text = std::getenv("BITSINK_CUDA_TIMEOUT_S");
  if (!text || !*text)
    return true;
  char *end = nullptr;
  double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(value >= 0) || value > 1e9) {
    reportLocked(rt, format("BITSINK_CUDA_TIMEOUT_S='%s' is not a number of "
                            "seconds (0 or more; 0 or unset waits for ever)",
                            text));
    return false;
  }
  rt.timeoutSeconds = value;
  return true;
}

/// Loads libcuda, initialises the driver and retains the primary context of
/// the device, once. Later calls return whether that worked.
bool initialiseLocked(Runtime &rt) {
  if (rt.initialised)
    return rt.usable;
  rt.initialised = true;
  if (!parseTimeoutLocked(rt))
    return false;
  const char *library = std::getenv("BITSINK_CUDA_LIBRARY");
  if (!library || !*library)
    library = "libcuda.so.1";
  void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    reportLocked(rt, format("cannot load the CUDA driver library '%s' (%s); "
                            "an NVIDIA driver is needed to run GPU code",
                            library, why ? why : "unknown reason"));
    return false;
  }
  // The handle stays open for the life of the process: artifacts' global
  // destructors may still unload modules after main returns.
#define BITSINK_RESOLVE(name, symbol)                                          \
  rt.api.name =                                                                \
      reinterpret_cast<decltype(rt.api.name)>(dlsym(handle, symbol));          \
  if (!rt.api.name) {                                                          \
    reportLocked(rt, format("the CUDA driver library '%s' has no %s (driver "  \
                            "too old?)",                                       \
                            library, symbol));                                 \
    rt.api = DriverApi();                                                      \
    return false;                                                              \
  }
  BITSINK_DRIVER_FUNCTIONS(BITSINK_RESOLVE)
#undef BITSINK_RESOLVE
#define BITSINK_RESOLVE_OPTIONAL(name, symbol)                                 \
  rt.api.name = reinterpret_cast<decltype(rt.api.name)>(dlsym(handle, symbol));
  BITSINK_OPTIONAL_DRIVER_FUNCTIONS(BITSINK_RESOLVE_OPTIONAL)
#undef BITSINK_RESOLVE_OPTIONAL
  if (!checkLocked(rt, rt.api.cuInit(0), "cuInit"))
    return false;
  int count = 0;
  if (!checkLocked(rt, rt.api.cuDeviceGetCount(&count), "cuDeviceGetCount"))
    return false;
  if (const char *ordinal = std::getenv("BITSINK_CUDA_DEVICE"))
    rt.deviceOrdinal = std::atoi(ordinal);
  if (rt.deviceOrdinal < 0 || rt.deviceOrdinal >= count) {
    reportLocked(rt, format("no CUDA device %d (the driver sees %d)",
                            rt.deviceOrdinal, count));
    return false;
  }
  if (!checkLocked(rt, rt.api.cuDeviceGet(&rt.device, rt.deviceOrdinal),
                   "cuDeviceGet") ||
      !checkLocked(rt,
                   rt.api.cuDeviceGetAttribute(
                       &rt.ccMajor,
                       CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, rt.device),
                   "cuDeviceGetAttribute") ||
      !checkLocked(rt,
                   rt.api.cuDeviceGetAttribute(
                       &rt.ccMinor,
                       CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, rt.device),
                   "cuDeviceGetAttribute") ||
      !checkLocked(rt, rt.api.cuDevicePrimaryCtxRetain(&rt.context, rt.device),
                   "cuDevicePrimaryCtxRetain"))
    return false;
  rt.usable = true;
  enableStreamOrderedAllocLocked(rt);
  return true;
}

/// Entry of every operation: initialises, makes the primary context current
/// on this thread, and says whether device work may proceed (not while a
/// sticky error is set).
struct Session {
  Runtime &rt;
  std::lock_guard<std::mutex> lock;
  bool ok;

  explicit Session(bool skipAfterError = true)
      : rt(runtime()), lock(rt.mutex), ok(initialiseLocked(rt)) {
    if (ok && skipAfterError && rt.hasError)
      ok = false;
    if (ok) {
      CUcontext current = nullptr;
      rt.api.cuCtxGetCurrent(&current);
      if (current != rt.context)
        ok = checkLocked(rt, rt.api.cuCtxSetCurrent(rt.context),
                         "cuCtxSetCurrent");
    }
  }
  bool check(CUresult result, const char *call,
             const std::string &kernel = std::string()) {
    return checkLocked(rt, result, call, kernel);
  }
};

std::string kernelName(Runtime &rt, CUfunction function) {
  auto it = rt.functionNames.find(function);
  return it == rt.functionNames.end() ? std::string("<unknown>") : it->second;
}

double monotonicSeconds() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return double(now.tv_sec) + 1e-9 * double(now.tv_nsec);
}

/// With a timeout, remembers a launch on `stream` for the report of a wait
/// that does not finish.
void notePendingLaunchLocked(Runtime &rt, CUstream stream,
                             const std::string &name, intptr_t gridX,
                             intptr_t gridY, intptr_t gridZ, intptr_t blockX,
                             intptr_t blockY, intptr_t blockZ) {
  if (rt.timeoutSeconds <= 0)
    return;
  Runtime::Pending &pending = rt.pending[stream];
  if (pending.launches.size() == kPendingNames)
    pending.launches.erase(pending.launches.begin());
  pending.launches.push_back(
      format("'%s' grid (%ld, %ld, %ld) block (%ld, %ld, %ld)", name.c_str(),
             long(gridX), long(gridY), long(gridZ), long(blockX), long(blockY),
             long(blockZ)));
  ++pending.count;
}

/// "; N launches on stream S since its last synchronisation, the last: ..."
/// for `stream`, or for every stream with launches when `all`.
std::string describePendingLocked(Runtime &rt, CUstream stream, bool all) {
  std::string out;
  for (const auto &[key, pending] : rt.pending) {
    if (!all && key != stream)
      continue;
    out += format("; %zu kernel launch%s on stream %p since its last "
                  "synchronisation, the last %zu: ",
                  pending.count, pending.count == 1 ? "" : "es",
                  static_cast<void *>(key), pending.launches.size());
    for (size_t i = 0; i < pending.launches.size(); ++i)
      out += (i ? ", " : "") + pending.launches[i];
  }
  if (out.empty())
    out = "; no kernel launch of this runtime is pending";
  return out;
}

/// Calls `query` (cuStreamQuery / cuEventQuery) until it stops answering
/// CUDA_ERROR_NOT_READY or `deadline` (monotonic seconds) passes; then
/// returns CUDA_ERROR_NOT_READY. It queries without pause for the first
/// 50 ms (a timed call then ends when the device does, as with the blocking
/// wait), then every 200 µs.
template <typename Query>
CUresult pollUntilLocked(Query query, double deadline) {
  double start = monotonicSeconds();
  for (;;) {
    CUresult result = query();
    if (result != CUDA_ERROR_NOT_READY)
      return result;
    double now = monotonicSeconds();
    if (now >= deadline)
      return CUDA_ERROR_NOT_READY;
    if (now - start > 0.05) {
      timespec pause{0, 200000};
      nanosleep(&pause, nullptr);
    }
  }
}

/// Polls `query` until `deadline` (pollUntilLocked). A wait that times out
/// is reported with the launches pending on `stream` (on every stream when
/// `all`), and the runtime stops calling the driver: a kernel that runs on
/// keeps every later call waiting, module unloads at exit included, and the
/// process must end to free the device. Returns the query's last result
/// (CUDA_ERROR_NOT_READY after a timeout).
template <typename Query>
CUresult pollOrTimeOutLocked(Runtime &rt, Query query, double deadline,
                             const char *what, CUstream stream, bool all) {
  CUresult result = pollUntilLocked(query, deadline);
  if (result == CUDA_ERROR_NOT_READY) {
    reportLocked(rt, format("%s did not finish within %g s "
                            "(BITSINK_CUDA_TIMEOUT_S)",
                            what, rt.timeoutSeconds) +
                         describePendingLocked(rt, stream, all) +
                         "; the device is left busy and later GPU calls of "
                         "this process are skipped");
    rt.usable = false;
  }
  return result;
}

/// cuStreamSynchronize, or with a timeout its polled equivalent.
bool synchronizeStreamLocked(Runtime &rt, CUstream stream, const char *call) {
  if (rt.timeoutSeconds <= 0)
    return checkLocked(rt, rt.api.cuStreamSynchronize(stream), call);
  CUresult result = pollOrTimeOutLocked(
      rt, [&] { return rt.api.cuStreamQuery(stream); },
      monotonicSeconds() + rt.timeoutSeconds, "work on a stream", stream,
      /*all=*/false);
  if (result == CUDA_ERROR_NOT_READY)
    return false;
  rt.pending.erase(stream);
  return checkLocked(rt, result, call);
}

/// cuCtxSynchronize; with a timeout, first every stream this runtime
/// launched on is polled (the driver has no query for a whole context).
bool synchronizeContextLocked(Runtime &rt, const char *call) {
  if (rt.timeoutSeconds > 0) {
    double deadline = monotonicSeconds() + rt.timeoutSeconds;
    while (!rt.pending.empty()) {
      CUstream stream = rt.pending.begin()->first;
      CUresult result = pollOrTimeOutLocked(
          rt, [&] { return rt.api.cuStreamQuery(stream); }, deadline,
          "work on the device", stream, /*all=*/true);
      if (result == CUDA_ERROR_NOT_READY)
        return false;
      rt.pending.erase(stream);
      if (!checkLocked(rt, result, call))
        return false;
    }
  }
  return checkLocked(rt, rt.api.cuCtxSynchronize(), call);
}

/// The sm_XY a cubin was built for (XY), or -1 when `data` is not a cubin
/// (a fatbin, PTX). A cubin is a 64-bit ELF with e_machine EM_CUDA (190);
/// e_flags holds the SM in bits 8-15 from ELF ABI version 8 (CUDA 12.8 and
/// later), in bits 0-7 before.
int cubinArch(const void *data, size_t size) {
  const auto *bytes = static_cast<const unsigned char *>(data);
  if (size < 52 ||
      std::memcmp(bytes,
                  "\x7f"
                  "ELF",
                  4) != 0 ||
      bytes[4] != 2)
    return -1;
  uint16_t machine;
  uint32_t flags;
  std::memcpy(&machine, bytes + 18, sizeof(machine));
  std::memcpy(&flags, bytes + 48, sizeof(flags));
  if (machine != 190)
    return -1;
  return bytes[8] >= 8 ? int((flags >> 8) & 0xff) : int(flags & 0xff);
}

CUmodule loadModule(const void *data, size_t size, bool jit, int optLevel) {
  Session s(/*skipAfterError=*/false);
  if (!s.ok)
    return nullptr;
  CUmodule module = nullptr;
  if (!jit) {
    CUresult result = s.rt.api.cuModuleLoadData(&module, data);
    int arch = cubinArch(data, size);
    if (result == CUDA_ERROR_NO_BINARY_FOR_GPU && arch > 0)
      s.check(result,
              format("cuModuleLoadData (a cubin for sm_%d)", arch).c_str());
    else
      s.check(result, "cuModuleLoadData");
    return module;
  }
  // PTX: the driver compiles it for the device now; keep its error log.
  char log[4096] = {0};
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                            CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {log, reinterpret_cast<void *>(uintptr_t(sizeof(log))),
                    reinterpret_cast<void *>(uintptr_t(optLevel))};
  CUresult result =
      s.rt.api.cuModuleLoadDataEx(&module, data, 3, options, values);
  if (result != CUDA_SUCCESS && log[0])
    std::fprintf(stderr, "bitsink-cuda: PTX JIT log:\n%s\n", log);
  s.check(result, "cuModuleLoadDataEx (PTX JIT)");
  return module;
}

} // namespace

//===----------------------------------------------------------------------===//
// mgpu* entry points (the ABI of MLIR's gpu-to-llvm and gpu.binary lowering)
//===----------------------------------------------------------------------===//

BITSINK_EXPORT CUmodule mgpuModuleLoad(void *data, size_t size) {
  return loadModule(data, size, /*jit=*/false, 0);
}

BITSINK_EXPORT CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  return loadModule(data, 0, /*jit=*/true, optLevel);
}

BITSINK_EXPORT void mgpuModuleUnload(CUmodule module) {
  if (!module)
    return;
  Runtime &rt = runtime();
  std::lock_guard<std::mutex> lock(rt.mutex);
  if (!rt.usable)
    return;
  for (auto it = rt.functions.begin(); it != rt.functions.end();) {
    if (it->first.first == module) {
      rt.functionNames.erase(it->second);
      rt.dynamicSmemLimit.erase(it->second);
      it = rt.functions.erase(it);
    } else {
      ++it;
    }
  }
  CUresult result = rt.api.cuModuleUnload(module);
  // At exit the driver may already be shut down: nothing left to free.
  if (result != CUDA_ERROR_DEINITIALIZED)
    checkLocked(rt, result, "cuModuleUnload");
}

BITSINK_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module,
                                                const char *name) {
  Session s(/*skipAfterError=*/false);
  if (!s.ok)
    return nullptr;
  if (!module) {
    reportLocked(s.rt, format("kernel '%s' is in a module that did not load "
                              "(see the first error)",
                              name));
    return nullptr;
  }
  auto key = std::make_pair(module, std::string(name));
  auto it = s.rt.functions.find(key);
  if (it != s.rt.functions.end())
    return it->second;
  CUfunction function = nullptr;
  if (!s.check(s.rt.api.cuModuleGetFunction(&function, module, name),
               "cuModuleGetFunction", name))
    return nullptr;
  s.rt.functions.emplace(key, function);
  s.rt.functionNames.emplace(function, name);
  return function;
}

/// Kernels asking for more than 48 KiB of dynamic shared memory must opt
/// in once per function.
static bool allowDynamicSmem(Session &s, CUfunction function, int32_t smem,
                             const std::string &name) {
  if (smem <= 48 * 1024)
    return true;
  int32_t &limit = s.rt.dynamicSmemLimit[function];
  if (limit >= smem)
    return true;
  if (!s.check(
          s.rt.api.cuFuncSetAttribute(
              function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem),
          "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)", name))
    return false;
  limit = smem;
  return true;
}

BITSINK_EXPORT void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                     intptr_t gridY, intptr_t gridZ,
                                     intptr_t blockX, intptr_t blockY,
                                     intptr_t blockZ, int32_t smem,
                                     CUstream stream, void **params,
                                     void **extra, size_t /*paramsCount*/) {
  Session s;
  if (!s.ok)
    return;
  if (!function) {
    reportLocked(s.rt, "kernel launch skipped: its function did not load "
                       "(see the first error)");
    return;
  }
  std::string name = kernelName(s.rt, function);
  if (!allowDynamicSmem(s, function, smem, name))
    return;
  if (s.check(s.rt.api.cuLaunchKernel(function, gridX, gridY, gridZ, blockX,
                                      blockY, blockZ, smem, stream, params,
                                      extra),
              "cuLaunchKernel", name))
    notePendingLaunchLocked(s.rt, stream, name, gridX, gridY, gridZ, blockX,
                            blockY, blockZ);
}

BITSINK_EXPORT void mgpuLaunchClusterKernel(
    CUfunction function, intptr_t clusterX, intptr_t clusterY,
    intptr_t clusterZ, intptr_t gridX, intptr_t gridY, intptr_t gridZ,
    intptr_t blockX, intptr_t blockY, intptr_t blockZ, int32_t smem,
    CUstream stream, void **params, void **extra, size_t /*paramsCount*/) {
  Session s;
  if (!s.ok)
    return;
  if (!function) {
    reportLocked(s.rt, "cluster kernel launch skipped: its function did not "
                       "load (see the first error)");
    return;
  }
  std::string name = kernelName(s.rt, function);
  if (!allowDynamicSmem(s, function, smem, name))
    return;
  CUlaunchAttribute cluster{};
  cluster.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  cluster.value.clusterDim.x = unsigned(clusterX);
  cluster.value.clusterDim.y = unsigned(clusterY);
  cluster.value.clusterDim.z = unsigned(clusterZ);
  CUlaunchConfig config{};
  config.gridDimX = unsigned(gridX);
  config.gridDimY = unsigned(gridY);
  config.gridDimZ = unsigned(gridZ);
  config.blockDimX = unsigned(blockX);
  config.blockDimY = unsigned(blockY);
  config.blockDimZ = unsigned(blockZ);
  config.sharedMemBytes = unsigned(smem);
  config.hStream = stream;
  config.attrs = &cluster;
  config.numAttrs = 1;
  if (s.check(s.rt.api.cuLaunchKernelEx(&config, function, params, extra),
              "cuLaunchKernelEx (cluster launch)", name))
    notePendingLaunchLocked(s.rt, stream, name, gridX, gridY, gridZ, blockX,
                            blockY, blockZ);
}

/// Streams are pooled: generated code creates and destroys one per call of
/// an entry function.
BITSINK_EXPORT CUstream mgpuStreamCreate() {
  Session s(/*skipAfterError=*/false);
  if (!s.ok)
    return nullptr;
  if (!s.rt.freeStreams.empty()) {
    CUstream stream = s.rt.freeStreams.back();
    s.rt.freeStreams.pop_back();
    return stream;
  }
  CUstream stream = nullptr;
  s.check(s.rt.api.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING),
          "cuStreamCreate");
  return stream;
}

BITSINK_EXPORT void mgpuStreamDestroy(CUstream stream) {
  if (!stream)
    return;
  Runtime &rt = runtime();
  std::lock_guard<std::mutex> lock(rt.mutex);
  if (rt.usable)
    rt.freeStreams.push_back(stream);
}

BITSINK_EXPORT void mgpuStreamSynchronize(CUstream stream) {
  Session s(/*skipAfterError=*/false);
  if (s.ok)
    synchronizeStreamLocked(
        s.rt, stream,
        "cuStreamSynchronize (a kernel or copy before it failed)");
}

BITSINK_EXPORT void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  Session s;
  if (s.ok)
    s.check(s.rt.api.cuStreamWaitEvent(stream, event, 0), "cuStreamWaitEvent");
}

BITSINK_EXPORT CUevent mgpuEventCreate() {
  Session s(/*skipAfterError=*/false);
  CUevent event = nullptr;
  if (s.ok)
    s.check(s.rt.api.cuEventCreate(&event, CU_EVENT_DISABLE_TIMING),
            "cuEventCreate");
  return event;
}

BITSINK_EXPORT void mgpuEventDestroy(CUevent event) {
  if (!event)
    return;
  Session s(/*skipAfterError=*/false);
  if (s.ok)
    s.check(s.rt.api.cuEventDestroy(event), "cuEventDestroy");
}

BITSINK_EXPORT void mgpuEventSynchronize(CUevent event) {
  Session s(/*skipAfterError=*/false);
  if (!s.ok)
    return;
  if (s.rt.timeoutSeconds <= 0) {
    s.check(s.rt.api.cuEventSynchronize(event), "cuEventSynchronize");
    return;
  }
  CUresult result = pollOrTimeOutLocked(
      s.rt, [&] { return s.rt.api.cuEventQuery(event); },
      monotonicSeconds() + s.rt.timeoutSeconds, "an event", nullptr,
      /*all=*/true);
  if (result != CUDA_ERROR_NOT_READY)
    s.check(result, "cuEventSynchronize");
}

BITSINK_EXPORT void mgpuEventRecord(CUevent event, CUstream stream) {
  Session s;
  if (s.ok)
    s.check(s.rt.api.cuEventRecord(event, stream), "cuEventRecord");
}

BITSINK_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, CUstream stream,
                                  bool isHostShared) {
  Session s;
  if (!s.ok || sizeBytes == 0)
    return nullptr;
  CUdeviceptr ptr = 0;
  if (isHostShared)
    s.check(s.rt.api.cuMemAllocManaged(&ptr, sizeBytes, CU_MEM_ATTACH_GLOBAL),
            "cuMemAllocManaged");
  else if (stream && s.rt.streamOrderedAlloc) {
    if (s.check(s.rt.api.cuMemAllocAsync(&ptr, sizeBytes, stream),
                "cuMemAllocAsync"))
      s.rt.poolAllocations.insert(ptr);
  } else
    s.check(s.rt.api.cuMemAlloc(&ptr, sizeBytes), "cuMemAlloc");
  return reinterpret_cast<void *>(ptr);
}

/// A pool allocation is freed in the order of `stream` (generated code
/// frees on the stream it allocated on, before synchronising it; without a
/// stream, after the whole context is idle); other memory with cuMemFree.
BITSINK_EXPORT void mgpuMemFree(void *ptr, CUstream stream) {
  if (!ptr)
    return;
  Session s(/*skipAfterError=*/false);
  if (!s.ok)
    return;
  auto device = reinterpret_cast<CUdeviceptr>(ptr);
  if (s.rt.poolAllocations.erase(device)) {
    if (stream ||
        synchronizeContextLocked(s.rt, "cuCtxSynchronize (before a free)"))
      s.check(s.rt.api.cuMemFreeAsync(device, stream), "cuMemFreeAsync");
  } else
    s.check(s.rt.api.cuMemFree(device), "cuMemFree");
}

BITSINK_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                               CUstream stream) {
  Session s;
  if (s.ok && sizeBytes)
    s.check(s.rt.api.cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                                   reinterpret_cast<CUdeviceptr>(src),
                                   sizeBytes, stream),
            "cuMemcpyAsync");
}

BITSINK_EXPORT void mgpuMemset32(void *dst, unsigned value, size_t count,
                                 CUstream stream) {
  Session s;
  if (s.ok && count)
    s.check(s.rt.api.cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                      count, stream),
            "cuMemsetD32Async");
}

BITSINK_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                                 CUstream stream) {
  Session s;
  if (s.ok && count)
    s.check(s.rt.api.cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                      count, stream),
            "cuMemsetD16Async");
}

BITSINK_EXPORT void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes) {
  Session s;
  if (s.ok)
    s.check(s.rt.api.cuMemHostRegister(ptr, sizeBytes, 0), "cuMemHostRegister");
}

BITSINK_EXPORT void mgpuMemHostUnregister(void *ptr) {
  Session s(/*skipAfterError=*/false);
  if (s.ok)
    s.check(s.rt.api.cuMemHostUnregister(ptr), "cuMemHostUnregister");
}

/// A ranked memref descriptor: allocated and aligned pointers, offset, then
/// `rank` sizes and `rank` strides.
struct MemRefHeader {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizesAndStrides[1];
};

BITSINK_EXPORT void mgpuMemHostRegisterMemRef(int64_t rank,
                                              MemRefHeader *descriptor,
                                              int64_t elementSizeBytes) {
  int64_t elements = 1;
  for (int64_t i = 0; i < rank; ++i)
    elements *= descriptor->sizesAndStrides[i];
  mgpuMemHostRegister(descriptor->aligned +
                          descriptor->offset * elementSizeBytes,
                      uint64_t(elements * elementSizeBytes));
}

BITSINK_EXPORT void mgpuMemHostUnregisterMemRef(int64_t /*rank*/,
                                                MemRefHeader *descriptor,
                                                int64_t elementSizeBytes) {
  mgpuMemHostUnregister(descriptor->aligned +
                        descriptor->offset * elementSizeBytes);
}

/// Only before the first CUDA call: the device is fixed at initialisation.
BITSINK_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  Runtime &rt = runtime();
  std::lock_guard<std::mutex> lock(rt.mutex);
  if (rt.initialised && device != rt.deviceOrdinal)
    reportLocked(rt, format("mgpuSetDefaultDevice(%d) after the runtime "
                            "initialised on device %d; set "
                            "BITSINK_CUDA_DEVICE instead",
                            int(device), rt.deviceOrdinal));
  else
    rt.deviceOrdinal = device;
}

//===----------------------------------------------------------------------===//
// C API for hosts and harnesses
//===----------------------------------------------------------------------===//

BITSINK_EXPORT int bitsinkCudaDeviceCount(void) {
  Session s(/*skipAfterError=*/false);
  if (!s.ok)
    return -1;
  int count = 0;
  return s.check(s.rt.api.cuDeviceGetCount(&count), "cuDeviceGetCount") ? count
                                                                        : -1;
}

BITSINK_EXPORT int bitsinkCudaDeviceName(int device, char *name, size_t size) {
  Session s(/*skipAfterError=*/false);
  if (!s.ok || !name || size == 0)
    return -1;
  CUdevice handle = 0;
  if (!s.check(s.rt.api.cuDeviceGet(&handle, device), "cuDeviceGet") ||
      !s.check(s.rt.api.cuDeviceGetName(name, int(size), handle),
               "cuDeviceGetName"))
    return -1;
  name[size - 1] = '\0';
  return 0;
}

BITSINK_EXPORT int bitsinkCudaComputeCapability(int device, int *major,
                                                int *minor) {
  Session s(/*skipAfterError=*/false);
  if (!s.ok || !major || !minor)
    return -1;
  CUdevice handle = 0;
  if (!s.check(s.rt.api.cuDeviceGet(&handle, device), "cuDeviceGet") ||
      !s.check(s.rt.api.cuDeviceGetAttribute(
                   major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, handle),
               "cuDeviceGetAttribute") ||
      !s.check(s.rt.api.cuDeviceGetAttribute(
                   minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, handle),
               "cuDeviceGetAttribute"))
    return -1;
  return 0;
}

BITSINK_EXPORT void *bitsinkCudaMalloc(size_t bytes) {
  return mgpuMemAlloc(bytes, nullptr, false);
}

BITSINK_EXPORT int bitsinkCudaFree(void *devicePointer) {
  if (!devicePointer)
    return 0;
  Session s(/*skipAfterError=*/false);
  return s.ok && s.check(s.rt.api.cuMemFree(
                             reinterpret_cast<CUdeviceptr>(devicePointer)),
                         "cuMemFree")
             ? 0
             : -1;
}

static int copySync(void *dst, const void *src, size_t bytes,
                    const char *call) {
  Session s;
  if (!s.ok)
    return -1;
  if (bytes == 0)
    return 0;
  return s.check(s.rt.api.cuMemcpy(reinterpret_cast<CUdeviceptr>(dst),
                                   reinterpret_cast<CUdeviceptr>(src), bytes),
                 call)
             ? 0
             : -1;
}

BITSINK_EXPORT int bitsinkCudaCopyToDevice(void *deviceDst, const void *hostSrc,
                                           size_t bytes) {
  return copySync(deviceDst, hostSrc, bytes, "cuMemcpy (host to device)");
}

BITSINK_EXPORT int bitsinkCudaCopyToHost(void *hostDst, const void *deviceSrc,
                                         size_t bytes) {
  return copySync(hostDst, deviceSrc, bytes, "cuMemcpy (device to host)");
}

BITSINK_EXPORT int bitsinkCudaSynchronize(void) {
  Session s(/*skipAfterError=*/false);
  return s.ok && synchronizeContextLocked(s.rt, "cuCtxSynchronize") ? 0 : -1;
}

BITSINK_EXPORT const char *bitsinkCudaLastError(void) {
  Runtime &rt = runtime();
  std::lock_guard<std::mutex> lock(rt.mutex);
  return rt.hasError ? rt.firstError.c_str() : nullptr;
}

BITSINK_EXPORT void bitsinkCudaClearError(void) {
  Runtime &rt = runtime();
  std::lock_guard<std::mutex> lock(rt.mutex);
  rt.hasError = false;
  rt.firstError.clear();
}
