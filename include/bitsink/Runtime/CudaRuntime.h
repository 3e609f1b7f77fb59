/*===- CudaRuntime.h - the bitsink CUDA runtime, C API ------------*- C -*-===//
 *
 * libbitsink_cuda_runtime.so runs the host code of bitsink-nvptx-pipeline
 * artifacts (the `mgpu*` entry points, not declared here) over the CUDA
 * driver API, which it loads with dlopen at first use. These functions are
 * for hosts and test harnesses: devices, device buffers, copies and the
 * error state. See docs/gpu-runtime.md.
 *
 * Errors: every failing CUDA call prints one line on stderr naming the call,
 * the CUDA error and the kernel, and sets a sticky error. While it is set,
 * kernel launches, copies and allocations are skipped, so an entry function
 * returns (never hangs or reads freed memory) and the host checks
 * bitsinkCudaLastError() after the call. BITSINK_CUDA_ABORT_ON_ERROR=1 in
 * the environment aborts at the first error instead.
 *
 *===----------------------------------------------------------------------===*/

#ifndef BITSINK_RUNTIME_CUDARUNTIME_H
#define BITSINK_RUNTIME_CUDARUNTIME_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Number of CUDA devices, or -1 (with the reason in bitsinkCudaLastError())
 * when the driver cannot be loaded or initialised. */
int bitsinkCudaDeviceCount(void);

/* The name of `device` into `name` (NUL-terminated, truncated to `size`).
 * 0 on success, -1 on error. */
int bitsinkCudaDeviceName(int device, char *name, size_t size);

/* Compute capability of `device` (e.g. 9 and 0 for sm_90). 0 or -1. */
int bitsinkCudaComputeCapability(int device, int *major, int *minor);

/* Device memory on the runtime's device (BITSINK_CUDA_DEVICE, default 0).
 * NULL for 0 bytes or on error. */
void *bitsinkCudaMalloc(size_t bytes);
/* NULL is ignored. 0 or -1. */
int bitsinkCudaFree(void *devicePointer);

/* Synchronous copies between pageable host memory and device memory. 0 or
 * -1. */
int bitsinkCudaCopyToDevice(void *deviceDst, const void *hostSrc, size_t bytes);
int bitsinkCudaCopyToHost(void *hostDst, const void *deviceSrc, size_t bytes);

/* Waits for all work on the device. 0 or -1. */
int bitsinkCudaSynchronize(void);

/* The first error since the last bitsinkCudaClearError(), or NULL (valid
 * until that call). */
const char *bitsinkCudaLastError(void);
void bitsinkCudaClearError(void);

#ifdef __cplusplus
}
#endif

#endif /* BITSINK_RUNTIME_CUDARUNTIME_H */
