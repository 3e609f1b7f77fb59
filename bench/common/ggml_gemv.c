// The llama.cpp peer of the CPU benchmarks: ggml's decode GEMV, timed, and
// ggml's quantisers with their dequantisers, as a small shared library that
// bench/common/ggml_lib.py builds against the ggml of the llama-cpp-python
// sdist and calls through ctypes.
//
// gg_time_gemv times what a llama.cpp decode step does for one weight
// matrix: ggml_mul_mat of a quantized K x N weight (ggml's ne0 = K, the row
// length) by a 1-row f32 activation, computed by the CPU backend
// (ggml_backend_graph_compute) on a persistent thread pool of n threads. The
// activation is quantized to the weight type's vec_dot_type (q8_K for the
// k-quants and TQ2_0) inside ggml_mul_mat, as in decode, so that is timed
// too. As llama.cpp does by default (its extra buffer types), weights go to
// the CPU_REPACK buffer when ggml has an interleaved kernel for the type on
// this CPU (Q2_K on AVX-512, Q4_K on AVX2, ...); `repack = 0` keeps the
// plain layout. The graph holds `copies` products, each with its own weight
// tensor (same bytes, distinct memory) and the same activation, so that the
// weights of one call exceed the last-level cache as a decoder's do; the
// time of one GEMV is the call's time over `copies`.
//
// gg_quantize_roundtrip quantizes rows of floats with ggml_quantize_chunk
// (with an optional importance matrix, one weight per column) and
// dequantizes them back with the type's to_float trait.

#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"
#include "ggml.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// ggml's log, warnings and errors only (the repack buffer logs every
// tensor it converts at info level).
static void quiet_log(enum ggml_log_level level, const char *text, void *user) {
  (void)user;
  if (level == GGML_LOG_LEVEL_WARN || level == GGML_LOG_LEVEL_ERROR)
    fputs(text, stderr);
}

// The ggml type of that name ("q2_K", "tq2_0", ...), or -1.
int gg_type_from_name(const char *name) {
  for (int t = 0; t < GGML_TYPE_COUNT; ++t) {
    const char *tn = ggml_type_name((enum ggml_type)t);
    if (tn && strcmp(tn, name) == 0 && ggml_get_type_traits(t)->blck_size)
      return t;
  }
  return -1;
}

// Bytes of one row of `n` values of type `type`; 0 if `n` is not a whole
// number of blocks.
size_t gg_row_size(int type, int64_t n) {
  int64_t block = ggml_blck_size((enum ggml_type)type);
  return n % block ? 0 : ggml_row_size((enum ggml_type)type, n);
}

int gg_block_size(int type) {
  return (int)ggml_blck_size((enum ggml_type)type);
}

int gg_requires_imatrix(int type) {
  return ggml_quantize_requires_imatrix((enum ggml_type)type);
}

// The CPU features this libggml-cpu was built for and detects, as a
// space-separated list.
const char *gg_features(void) {
  static char buf[512];
  struct {
    const char *name;
    int (*has)(void);
  } features[] = {
      {"SSE3", ggml_cpu_has_sse3},
      {"SSSE3", ggml_cpu_has_ssse3},
      {"AVX", ggml_cpu_has_avx},
      {"AVX_VNNI", ggml_cpu_has_avx_vnni},
      {"AVX2", ggml_cpu_has_avx2},
      {"BMI2", ggml_cpu_has_bmi2},
      {"F16C", ggml_cpu_has_f16c},
      {"FMA", ggml_cpu_has_fma},
      {"AVX512", ggml_cpu_has_avx512},
      {"AVX512_VBMI", ggml_cpu_has_avx512_vbmi},
      {"AVX512_VNNI", ggml_cpu_has_avx512_vnni},
      {"AVX512_BF16", ggml_cpu_has_avx512_bf16},
      {"AMX_INT8", ggml_cpu_has_amx_int8},
      {"NEON", ggml_cpu_has_neon},
      {"ARM_FMA", ggml_cpu_has_arm_fma},
      {"DOTPROD", ggml_cpu_has_dotprod},
      {"MATMUL_INT8", ggml_cpu_has_matmul_int8},
      {"SVE", ggml_cpu_has_sve},
      {"LLAMAFILE", ggml_cpu_has_llamafile},
  };
  size_t used = 0;
  buf[0] = 0;
  for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); ++i)
    if (features[i].has() && used + strlen(features[i].name) + 2 < sizeof(buf))
      used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
                               used ? " " : "", features[i].name);
  return buf;
}

// Quantizes `nrows` rows of `ncols` floats to `type` (ggml_quantize_chunk,
// with `imatrix` of `ncols` importance weights when not NULL) and
// dequantizes them into `dst`. `*qbytes` receives the quantized size.
// Returns 0, or -1 for an unusable type or row length, -2 when the type
// needs an importance matrix and none was given.
int gg_quantize_roundtrip(int type, const float *src, int64_t nrows,
                          int64_t ncols, const float *imatrix, float *dst,
                          size_t *qbytes) {
  enum ggml_type t = (enum ggml_type)type;
  const struct ggml_type_traits *traits = ggml_get_type_traits(t);
  size_t row = gg_row_size(type, ncols);
  if (!row || !traits->to_float)
    return -1;
  if (!imatrix && ggml_quantize_requires_imatrix(t))
    return -2;
  void *q = malloc(row * (size_t)nrows);
  if (!q)
    return -1;
  ggml_quantize_init(t);
  size_t written = ggml_quantize_chunk(t, src, q, 0, nrows, ncols, imatrix);
  for (int64_t r = 0; r < nrows; ++r)
    traits->to_float((const char *)q + r * row, dst + r * ncols, ncols);
  free(q);
  if (qbytes)
    *qbytes = written;
  return written == row * (size_t)nrows ? 0 : -1;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

// Standard normal numbers from a fixed xorshift seed (Box-Muller).
static void fill_normal(float *x, int64_t n, uint64_t seed) {
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (int64_t i = 0; i < n; i += 2) {
    double u[2];
    for (int j = 0; j < 2; ++j) {
      s ^= s << 13;
      s ^= s >> 7;
      s ^= s << 17;
      u[j] = ((s >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    }
    double r = sqrt(-2 * log(u[0])), a = 6.283185307179586 * u[1];
    x[i] = (float)(r * cos(a));
    if (i + 1 < n)
      x[i + 1] = (float)(r * sin(a));
  }
}

// The CPU_REPACK buffer type of the CPU backend, or NULL.
static ggml_backend_buffer_type_t repack_buffer_type(ggml_backend_t backend) {
  ggml_backend_dev_t dev = ggml_backend_get_device(backend);
  ggml_backend_dev_get_extra_bufts_t get =
      (ggml_backend_dev_get_extra_bufts_t)ggml_backend_reg_get_proc_address(
          ggml_backend_cpu_reg(), "ggml_backend_dev_get_extra_bufts");
  if (!get)
    return NULL;
  for (ggml_backend_buffer_type_t *b = get(dev); b && *b; ++b)
    if (strcmp(ggml_backend_buft_name(*b), "CPU_REPACK") == 0)
      return *b;
  return NULL;
}

// Times y = W x for `copies` K x N weights of `type` at each of the
// `nthreads` thread counts in `threads`: `runs` timed calls after 3 warm-up
// calls each. out[2 i] and out[2 i + 1] receive the best and the median
// milliseconds of one GEMV (call time over `copies`) at threads[i];
// `*repacked` whether the weights are in the CPU_REPACK layout;
// `*weight_bytes` the bytes of one weight matrix. Returns 0 or a negative
// error code.
int gg_time_gemv(int type, int64_t k, int64_t n, int copies, int repack,
                 const int *threads, int nthreads, int runs, double *out,
                 int *repacked, size_t *weight_bytes) {
  enum ggml_type t = (enum ggml_type)type;
  size_t row = gg_row_size(type, k);
  if (!row || copies < 1 || runs < 1 || ggml_quantize_requires_imatrix(t))
    return -1;
  ggml_log_set(quiet_log, NULL);
  ggml_cpu_init();
  ggml_backend_t backend = ggml_backend_cpu_init();
  if (!backend)
    return -2;

  // One weight matrix: `sample` random rows quantized, tiled over the N
  // rows (the kernels' cost does not depend on the values).
  int64_t sample = n < 64 ? n : 64;
  float *f = malloc(sizeof(float) * (size_t)(sample * k));
  char *q = malloc(row * (size_t)n);
  if (!f || !q)
    return -3;
  fill_normal(f, sample * k, 1);
  ggml_quantize_init(t);
  ggml_quantize_chunk(t, f, q, 0, sample, k, NULL);
  for (int64_t r = sample; r < n; ++r)
    memcpy(q + r * row, q + (r % sample) * row, row);
  free(f);

  struct ggml_init_params meta = {
      .mem_size = ggml_tensor_overhead() * (size_t)(copies + 1) +
                  ggml_graph_overhead_custom((size_t)copies * 2 + 8, false),
      .mem_buffer = NULL,
      .no_alloc = true};
  struct ggml_context *wctx = ggml_init(meta);
  struct ggml_tensor **w = malloc(sizeof(*w) * (size_t)copies);
  for (int i = 0; i < copies; ++i)
    w[i] = ggml_new_tensor_2d(wctx, t, k, n);

  ggml_backend_buffer_type_t rbuft = repack ? repack_buffer_type(backend) : 0;
  ggml_backend_buffer_t wbuf = NULL;
  *repacked = 0;
  if (rbuft) {
    wbuf = ggml_backend_alloc_ctx_tensors_from_buft(wctx, rbuft);
    // The repack buffer type marks the tensors it has a kernel for.
    if (wbuf && w[0]->extra) {
      *repacked = 1;
    } else if (wbuf) {
      ggml_backend_buffer_free(wbuf);
      wbuf = NULL;
      // Tensors keep their buffer pointer; start over on a fresh context.
      ggml_free(wctx);
      wctx = ggml_init(meta);
      for (int i = 0; i < copies; ++i)
        w[i] = ggml_new_tensor_2d(wctx, t, k, n);
    }
  }
  if (!wbuf)
    wbuf = ggml_backend_alloc_ctx_tensors_from_buft(
        wctx, ggml_backend_cpu_buffer_type());
  if (!wbuf)
    return -4;
  for (int i = 0; i < copies; ++i)
    ggml_backend_tensor_set(w[i], q, 0, ggml_nbytes(w[i]));
  *weight_bytes = ggml_nbytes(w[0]);
  free(q);

  // The activation, and the graph of `copies` products.
  struct ggml_context *gctx = ggml_init(meta);
  struct ggml_tensor *x = ggml_new_tensor_2d(gctx, GGML_TYPE_F32, k, 1);
  ggml_set_input(x);
  struct ggml_cgraph *graph =
      ggml_new_graph_custom(gctx, (size_t)copies * 2 + 8, false);
  for (int i = 0; i < copies; ++i) {
    struct ggml_tensor *y = ggml_mul_mat(gctx, w[i], x);
    ggml_set_output(y);
    ggml_build_forward_expand(graph, y);
  }
  ggml_gallocr_t galloc = ggml_gallocr_new(ggml_backend_cpu_buffer_type());
  if (!ggml_gallocr_alloc_graph(galloc, graph))
    return -5;
  float *xv = malloc(sizeof(float) * (size_t)k);
  fill_normal(xv, k, 2);
  ggml_backend_tensor_set(x, xv, 0, sizeof(float) * (size_t)k);
  free(xv);

  double *times = malloc(sizeof(double) * (size_t)runs);
  int status = 0;
  for (int ti = 0; ti < nthreads && !status; ++ti) {
    struct ggml_threadpool_params tpp =
        ggml_threadpool_params_default(threads[ti]);
    struct ggml_threadpool *pool = ggml_threadpool_new(&tpp);
    ggml_backend_cpu_set_n_threads(backend, threads[ti]);
    ggml_backend_cpu_set_threadpool(backend, pool);
    for (int r = -3; r < runs && !status; ++r) {
      double t0 = now_s();
      status = ggml_backend_graph_compute(backend, graph) == GGML_STATUS_SUCCESS
                   ? 0
                   : -6;
      double dt = now_s() - t0;
      if (r >= 0)
        times[r] = dt * 1e3 / copies;
    }
    ggml_backend_cpu_set_threadpool(backend, NULL);
    ggml_threadpool_free(pool);
    qsort(times, (size_t)runs, sizeof(double), cmp_double);
    out[2 * ti] = times[0];
    out[2 * ti + 1] = runs % 2 ? times[runs / 2]
                               : 0.5 * (times[runs / 2 - 1] + times[runs / 2]);
  }
  free(times);
  ggml_gallocr_free(galloc);
  ggml_free(gctx);
  ggml_backend_buffer_free(wbuf);
  ggml_free(wctx);
  free(w);
  ggml_backend_free(backend);
  return status;
}
