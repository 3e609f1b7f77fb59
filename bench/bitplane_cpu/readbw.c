// Memory read bandwidth: the best of several sums over a 1 GiB float array
// (far larger than any cache), split over the OpenMP threads. Each thread
// reads its part as STREAMS interleaved sequential streams (one stream per
// core leaves memory-level parallelism unused; BLAS GEMV reads several rows
// at once) and keeps 64 partial sums per stream in vector registers, so
// that the loads, not the adds, bound the loop. Prints GB/s.
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#define LANES 64
#define STREAMS 8

int main(int argc, char **argv) {
  size_t bytes = (size_t)(argc > 1 ? strtoull(argv[1], 0, 10) : 1024) << 20;
  size_t blocks = bytes / sizeof(float) / LANES;
  float *a = aligned_alloc(64, blocks * LANES * sizeof(float));
  if (!a)
    return 1;
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < blocks * LANES; ++i)
    a[i] = (float)(i & 7);
  double best = 1e30, checksum = 0;
  size_t read = 0;
  for (int rep = 0; rep < 6; ++rep) {
    double total = 0;
    read = 0;
    double t0 = omp_get_wtime();
#pragma omp parallel reduction(+ : total, read)
    {
      // This thread's blocks [first, last), read as STREAMS equal runs.
      size_t threads = omp_get_num_threads(), id = omp_get_thread_num();
      size_t first = blocks * id / threads, last = blocks * (id + 1) / threads;
      size_t run = (last - first) / STREAMS;
      float partial[STREAMS][LANES] = {{0}};
      for (size_t b = 0; b < run; ++b)
        for (int s = 0; s < STREAMS; ++s) {
          const float *p = a + (first + s * run + b) * LANES;
#pragma omp simd
          for (int j = 0; j < LANES; ++j)
            partial[s][j] += p[j];
        }
      for (int s = 0; s < STREAMS; ++s)
        for (int j = 0; j < LANES; ++j)
          total += partial[s][j];
      read += run * STREAMS * LANES * sizeof(float);
    }
    double t = omp_get_wtime() - t0;
    checksum += total;
    if (t < best)
      best = t;
  }
  printf("read_bw_gbs=%.2f threads=%d checksum=%g\n", read / best / 1e9,
         omp_get_max_threads(), checksum);
  free(a);
  return 0;
}
