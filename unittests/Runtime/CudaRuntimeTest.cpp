//===- CudaRuntimeTest.cpp - the CUDA runtime without a GPU
//----------------===//
//
// The runtime must load and fail cleanly where there is no driver (CI, this
// machine), and its bookkeeping (function cache, stream pool, error reports
// naming the kernel, the sticky error) is checked against a fake driver
// (FakeCudaDriver.cpp). Every case runs in a child process (EXPECT_EXIT)
// because the runtime initialises once per process, reading
// BITSINK_CUDA_LIBRARY.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Runtime/CudaRuntime.h"

#include "gtest/gtest.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dlfcn.h>
#include <string>
#include <unistd.h>
#include <vector>

// The mgpu* ABI as generated host code calls it.
extern "C" {
void *mgpuModuleLoad(void *data, size_t size);
void *mgpuModuleLoadJIT(void *data, int optLevel);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, size_t paramsCount);
void *mgpuStreamCreate();
void mgpuMemset32(void *dst, unsigned value, size_t count, void *stream);
void mgpuStreamSynchronize(void *stream);
void mgpuStreamDestroy(void *stream);
void *mgpuMemAlloc(uint64_t size, void *stream, bool isHostShared);
void mgpuMemFree(void *ptr, void *stream);
void mgpuMemcpy(void *dst, void *src, size_t size, void *stream);
void *mgpuEventCreate();
void mgpuEventRecord(void *event, void *stream);
void mgpuEventSynchronize(void *event);
void mgpuEventDestroy(void *event);
}

namespace {

/// What a generated artifact does, start to end, when nothing works: load
/// its module (from a global constructor), run an entry, unload at exit.
/// Exits 0 when every call returned and the API reported the failure.
[[noreturn]] void runArtifactWithoutDriver(const char *library,
                                           const char *expected) {
  setenv("BITSINK_CUDA_LIBRARY", library, 1);
  unsetenv("BITSINK_CUDA_ABORT_ON_ERROR");
  static char image[16] = "not a cubin";
  void *module = mgpuModuleLoad(image, sizeof(image));
  void *function = mgpuModuleGetFunction(module, "kernel_0");
  void *stream = mgpuStreamCreate();
  void *buffer = mgpuMemAlloc(256, stream, false);
  void *params[1] = {&buffer};
  mgpuLaunchKernel(function, 1, 1, 1, 32, 1, 1, 0, stream, params, nullptr, 1);
  mgpuMemcpy(buffer, buffer, 256, stream);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  mgpuMemFree(buffer, stream);
  mgpuModuleUnload(module);
  bool ok = module == nullptr && function == nullptr && buffer == nullptr &&
            bitsinkCudaDeviceCount() == -1 &&
            bitsinkCudaMalloc(64) == nullptr &&
            bitsinkCudaSynchronize() == -1 && bitsinkCudaLastError() &&
            std::strstr(bitsinkCudaLastError(), expected);
  std::exit(ok ? 0 : 1);
}

TEST(CudaRuntime, MissingDriverLibraryIsAClearErrorNotACrash) {
  // One message (the first failure), then every call returns quietly.
  EXPECT_EXIT(runArtifactWithoutDriver("/nonexistent/libcuda.so.1",
                                       "cannot load the CUDA driver library"),
              testing::ExitedWithCode(0),
              "^bitsink-cuda: error: cannot load the CUDA driver library "
              "'/nonexistent/libcuda.so.1' \\(.*No such file.*\\); an NVIDIA "
              "driver is needed to run GPU code\n$");
}

TEST(CudaRuntime, StubDriverReportsTheCudaErrorByName) {
  if (access(BITSINK_CUDA_STUB_LIBRARY, R_OK) != 0)
    GTEST_SKIP() << "no stub libcuda at " << BITSINK_CUDA_STUB_LIBRARY;
  EXPECT_EXIT(runArtifactWithoutDriver(BITSINK_CUDA_STUB_LIBRARY,
                                       "CUDA_ERROR_STUB_LIBRARY"),
              testing::ExitedWithCode(0),
              "^bitsink-cuda: error: cuInit failed \\(CUDA_ERROR_STUB_LIBRARY");
}

TEST(CudaRuntime, AbortOnErrorAborts) {
  EXPECT_DEATH(
      {
        setenv("BITSINK_CUDA_LIBRARY", "/nonexistent/libcuda.so.1", 1);
        setenv("BITSINK_CUDA_ABORT_ON_ERROR", "1", 1);
        bitsinkCudaDeviceCount();
      },
      "cannot load the CUDA driver library");
}

TEST(CudaRuntime, ClearErrorResetsTheStickyError) {
  EXPECT_EXIT(
      {
        setenv("BITSINK_CUDA_LIBRARY", "/nonexistent/libcuda.so.1", 1);
        unsetenv("BITSINK_CUDA_ABORT_ON_ERROR");
        bool before = bitsinkCudaDeviceCount() == -1 && bitsinkCudaLastError();
        bitsinkCudaClearError();
        bool cleared = bitsinkCudaLastError() == nullptr;
        // The driver stays unusable, but no second message is printed.
        bool still = bitsinkCudaDeviceCount() == -1;
        std::exit(before && cleared && still ? 0 : 1);
      },
      testing::ExitedWithCode(0), "cannot load the CUDA driver library");
}

/// A minimal cubin header: 64-bit ELF, e_machine EM_CUDA, SM in e_flags
/// bits 8-15 (ELF ABI version 8), as ptxas of CUDA 13 writes it.
std::vector<unsigned char> cubinHeader(int sm) {
  std::vector<unsigned char> image(64, 0);
  std::memcpy(image.data(),
              "\x7f"
              "ELF",
              4);
  image[4] = 2;
  image[8] = 8;
  uint16_t machine = 190;
  uint32_t flags = 0x6000004u | (uint32_t(sm) << 8);
  std::memcpy(&image[18], &machine, 2);
  std::memcpy(&image[48], &flags, 4);
  return image;
}

/// Loads the fake driver (the same instance the runtime will dlopen) and
/// points the runtime at it.
void *useFakeDriver() {
  setenv("BITSINK_CUDA_LIBRARY", BITSINK_FAKE_CUDA_LIBRARY, 1);
  unsetenv("BITSINK_CUDA_ABORT_ON_ERROR");
  unsetenv("BITSINK_CUDA_TIMEOUT_S");
  void *fake = dlopen(BITSINK_FAKE_CUDA_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (!fake)
    std::exit(3);
  return fake;
}

int fakeCalls(void *fake, const char *name) {
  auto calls =
      reinterpret_cast<int (*)(const char *)>(dlsym(fake, "fakeCudaCalls"));
  return calls(name);
}

/// Exits 0 if `ok`, else prints `what` and exits 1.
[[noreturn]] void finish(bool ok, const char *what) {
  if (!ok)
    std::fprintf(stderr, "check failed: %s\n", what);
  std::exit(ok ? 0 : 1);
}

[[noreturn]] void runArtifactOnFakeDriver() {
  void *fake = useFakeDriver();
  std::vector<unsigned char> cubin = cubinHeader(90);
  void *module = mgpuModuleLoad(cubin.data(), cubin.size());
  void *f1 = mgpuModuleGetFunction(module, "k");
  void *f2 = mgpuModuleGetFunction(module, "k");
  void *g = mgpuModuleGetFunction(module, "g");
  for (int call = 0; call < 3; ++call) {
    void *stream = mgpuStreamCreate();
    mgpuLaunchKernel(f1, 1, 1, 1, 32, 1, 1, 0, stream, nullptr, nullptr, 0);
    mgpuStreamSynchronize(stream);
    mgpuStreamDestroy(stream);
  }
  // Copies and memsets through device buffers.
  float host[4] = {1, 2, 3, 4}, back[4] = {0, 0, 0, 0};
  void *buffer = bitsinkCudaMalloc(sizeof(host));
  bool copies = bitsinkCudaCopyToDevice(buffer, host, sizeof(host)) == 0 &&
                bitsinkCudaCopyToHost(back, buffer, sizeof(back)) == 0 &&
                std::memcmp(host, back, sizeof(host)) == 0;
  mgpuMemset32(buffer, 0x3f800000u, 4, nullptr);
  bitsinkCudaCopyToHost(back, buffer, sizeof(back));
  bool memset = back[0] == 1.0f && back[3] == 1.0f;
  bitsinkCudaFree(buffer);
  char name[32];
  int major = 0, minor = 0;
  bool device = bitsinkCudaDeviceCount() == 1 &&
                bitsinkCudaDeviceName(0, name, sizeof(name)) == 0 &&
                std::strcmp(name, "Fake GPU") == 0 &&
                bitsinkCudaComputeCapability(0, &major, &minor) == 0 &&
                major == 9 && minor == 0;
  mgpuModuleUnload(module);
  finish(module && f1 && f1 == f2 && g && g != f1 &&
             fakeCalls(fake, "cuModuleGetFunction") == 2 &&
             fakeCalls(fake, "cuStreamCreate") == 1 &&
             fakeCalls(fake, "cuLaunchKernel") == 3 &&
             fakeCalls(fake, "cuStreamSynchronize") == 3 &&
             fakeCalls(fake, "cuModuleUnload") == 1 &&
             fakeCalls(fake, "cuCtxSetCurrent") == 1 && copies && memset &&
             device && !bitsinkCudaLastError(),
         "fake driver bookkeeping");
}

TEST(CudaRuntimeFake, FunctionsAreCachedStreamsPooledMemoryWorks) {
  EXPECT_EXIT(runArtifactOnFakeDriver(), testing::ExitedWithCode(0), "^$");
}

[[noreturn]] void failOneLaunch() {
  void *fake = useFakeDriver();
  std::vector<unsigned char> cubin = cubinHeader(90);
  void *module = mgpuModuleLoad(cubin.data(), cubin.size());
  void *kernel = mgpuModuleGetFunction(module, "attn_kernel");
  reinterpret_cast<void (*)(int)>(dlsym(fake, "fakeCudaSetLaunchResult"))(1);
  mgpuLaunchKernel(kernel, 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  // Later device work is skipped while the error is set...
  mgpuLaunchKernel(kernel, 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  bool skipped = fakeCalls(fake, "cuLaunchKernel") == 1 &&
                 bitsinkCudaMalloc(16) == nullptr;
  bool reported =
      bitsinkCudaLastError() &&
      std::strstr(bitsinkCudaLastError(), "'attn_kernel'") != nullptr;
  // ... and resumes once the host clears it.
  bitsinkCudaClearError();
  reinterpret_cast<void (*)(int)>(dlsym(fake, "fakeCudaSetLaunchResult"))(0);
  mgpuLaunchKernel(kernel, 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  finish(skipped && reported && fakeCalls(fake, "cuLaunchKernel") == 2 &&
             !bitsinkCudaLastError(),
         "sticky launch error");
}

TEST(CudaRuntimeFake, LaunchFailureNamesTheKernelAndIsSticky) {
  EXPECT_EXIT(
      failOneLaunch(), testing::ExitedWithCode(0),
      "^bitsink-cuda: error: cuLaunchKernel failed for kernel 'attn_kernel' "
      "\\(CUDA_ERROR_INVALID_VALUE: reported by the fake driver\\)\n$");
}

[[noreturn]] void loadCubinForSm80() {
  useFakeDriver();
  std::vector<unsigned char> cubin = cubinHeader(80);
  void *module = mgpuModuleLoad(cubin.data(), cubin.size());
  void *kernel = mgpuModuleGetFunction(module, "k");
  mgpuLaunchKernel(kernel, 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  mgpuModuleUnload(module);
  finish(!module && !kernel && bitsinkCudaLastError(), "wrong arch");
}

TEST(CudaRuntimeFake, CubinForAnotherArchitectureIsNamed) {
  EXPECT_EXIT(
      loadCubinForSm80(), testing::ExitedWithCode(0),
      "^bitsink-cuda: error: cuModuleLoadData \\(a cubin for sm_80\\) "
      "failed \\(CUDA_ERROR_NO_BINARY_FOR_GPU: reported by the fake "
      "driver\\); the kernel binary has no code for device 0 \\(sm_90\\): "
      "compile with bitsink-nvptx-pipeline chip=sm_90\n");
}

/// Temporaries that generated code allocates and frees on its stream (the
/// split-K workspace) come from the default memory pool, whose release
/// threshold is raised so that freed memory is reused; allocations without
/// a stream still use cuMemAlloc/cuMemFree.
[[noreturn]] void allocateInStreamOrder(bool enabled) {
  void *fake = useFakeDriver();
  if (!enabled)
    setenv("BITSINK_CUDA_ASYNC_ALLOC", "0", 1);
  void *stream = mgpuStreamCreate();
  void *temporary = mgpuMemAlloc(4096, stream, false);
  std::memset(temporary, 0x5a, 4096); // host memory in the fake driver
  mgpuMemFree(temporary, stream);
  void *plain = mgpuMemAlloc(64, nullptr, false);
  mgpuMemFree(plain, nullptr);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  auto threshold =
      reinterpret_cast<int (*)()>(dlsym(fake, "fakeCudaPoolThresholdSet"));
  int pooled = enabled ? 1 : 0;
  finish(temporary && plain && threshold() == pooled &&
             fakeCalls(fake, "cuMemAllocAsync") == pooled &&
             fakeCalls(fake, "cuMemFreeAsync") == pooled &&
             fakeCalls(fake, "cuMemAlloc") == 2 - pooled &&
             fakeCalls(fake, "cuMemFree") == 2 - pooled &&
             !bitsinkCudaLastError(),
         "stream-ordered allocation");
}

TEST(CudaRuntimeFake, StreamTemporariesComeFromTheMemoryPool) {
  EXPECT_EXIT(allocateInStreamOrder(true), testing::ExitedWithCode(0), "^$");
}

TEST(CudaRuntimeFake, MemoryPoolCanBeTurnedOff) {
  EXPECT_EXIT(allocateInStreamOrder(false), testing::ExitedWithCode(0), "^$");
}

/// The fake driver with BITSINK_CUDA_TIMEOUT_S=`timeout`, a loaded module
/// with kernel `name`, and a stream, as an entry of an artifact has them.
struct FakeEntry {
  void *fake, *module, *kernel, *stream;
};
FakeEntry fakeEntryWithTimeout(const char *timeout, const char *name) {
  void *fake = useFakeDriver();
  setenv("BITSINK_CUDA_TIMEOUT_S", timeout, 1);
  std::vector<unsigned char> cubin = cubinHeader(90);
  void *module = mgpuModuleLoad(cubin.data(), cubin.size());
  void *kernel = mgpuModuleGetFunction(module, name);
  return {fake, module, kernel, mgpuStreamCreate()};
}

/// BITSINK_CUDA_TIMEOUT_S: a wait that does not finish in time is an error
/// naming what was launched, not a hang; afterwards the runtime leaves the
/// (busy) device alone, module unloads at exit included.
[[noreturn]] void waitOnABusyDevice() {
  auto [fake, module, kernel, stream] =
      fakeEntryWithTimeout("0.05", "stuck_gemm");
  reinterpret_cast<void (*)(int)>(dlsym(fake, "fakeCudaSetBusy"))(1);
  mgpuLaunchKernel(kernel, 4, 2, 1, 64, 1, 1, 0, stream, nullptr, nullptr, 0);
  timespec start{}, end{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  mgpuStreamSynchronize(stream);
  clock_gettime(CLOCK_MONOTONIC, &end);
  double waited = double(end.tv_sec - start.tv_sec) +
                  1e-9 * double(end.tv_nsec - start.tv_nsec);
  // Nothing reaches the driver any more, even after clearing the error.
  bitsinkCudaClearError();
  mgpuLaunchKernel(kernel, 1, 1, 1, 32, 1, 1, 0, stream, nullptr, nullptr, 0);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  mgpuModuleUnload(module);
  finish(waited >= 0.05 && waited < 5 &&
             fakeCalls(fake, "cuLaunchKernel") == 1 &&
             fakeCalls(fake, "cuStreamQuery") > 1 &&
             fakeCalls(fake, "cuStreamSynchronize") == 0 &&
             fakeCalls(fake, "cuModuleUnload") == 0 &&
             bitsinkCudaSynchronize() == -1,
         "timeout");
}

TEST(CudaRuntimeFake, WaitThatTimesOutNamesTheKernelsAndStops) {
  EXPECT_EXIT(waitOnABusyDevice(), testing::ExitedWithCode(0),
              "^bitsink-cuda: error: work on a stream did not finish within "
              "0.05 s \\(BITSINK_CUDA_TIMEOUT_S\\); 1 kernel launch on "
              "stream 0x[0-9a-f]+ since its last synchronisation, the last "
              "1: 'stuck_gemm' grid \\(4, 2, 1\\) block \\(64, 1, 1\\); "
              "the device is left busy and later GPU calls of this process "
              "are skipped\n$");
}

/// With a timeout and a device that finishes, the waits poll and succeed;
/// an event and a whole-context wait too.
[[noreturn]] void waitWithATimeout() {
  auto [fake, module, kernel, stream] = fakeEntryWithTimeout("10", "k");
  for (int call = 0; call < 3; ++call)
    mgpuLaunchKernel(kernel, 1, 1, 1, 32, 1, 1, 0, stream, nullptr, nullptr, 0);
  void *event = mgpuEventCreate();
  mgpuEventRecord(event, stream);
  mgpuEventSynchronize(event);
  mgpuEventDestroy(event);
  bool context = bitsinkCudaSynchronize() == 0;
  mgpuLaunchKernel(kernel, 1, 1, 1, 32, 1, 1, 0, stream, nullptr, nullptr, 0);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  mgpuModuleUnload(module);
  finish(context && fakeCalls(fake, "cuLaunchKernel") == 4 &&
             fakeCalls(fake, "cuEventQuery") == 1 &&
             fakeCalls(fake, "cuStreamQuery") == 2 &&
             fakeCalls(fake, "cuStreamSynchronize") == 0 &&
             fakeCalls(fake, "cuModuleUnload") == 1 && !bitsinkCudaLastError(),
         "polled waits");
}

TEST(CudaRuntimeFake, WaitsWithATimeoutPollAndFinish) {
  EXPECT_EXIT(waitWithATimeout(), testing::ExitedWithCode(0), "^$");
}

[[noreturn]] void badTimeout() {
  void *fake = useFakeDriver();
  setenv("BITSINK_CUDA_TIMEOUT_S", "soon", 1);
  void *stream = mgpuStreamCreate();
  finish(!stream && fakeCalls(fake, "cuInit") == 0 &&
             bitsinkCudaDeviceCount() == -1,
         "bad timeout");
}

TEST(CudaRuntimeFake, TimeoutThatIsNotANumberIsAnError) {
  EXPECT_EXIT(badTimeout(), testing::ExitedWithCode(0),
              "^bitsink-cuda: error: BITSINK_CUDA_TIMEOUT_S='soon' is not a "
              "number of seconds \\(0 or more; 0 or unset waits for "
              "ever\\)\n$");
}

} // namespace
