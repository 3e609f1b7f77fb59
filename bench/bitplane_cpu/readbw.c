// Memory read bandwidth: the best of several sums over a 1 GiB float array
// (much larger than any cache), split over the OpenMP threads. Prints GB/s.
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  size_t bytes = (argc > 1 ? strtoull(argv[1], 0, 10) : 1024) << 20;
  size_t n = bytes / sizeof(float);
  float *a = aligned_alloc(64, n * sizeof(float));
  if (!a)
    return 1;
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; ++i)
    a[i] = (float)(i & 7);
  double best = 1e30, sink = 0;
  for (int rep = 0; rep < 6; ++rep) {
    double t0 = omp_get_wtime();
    double total = 0;
#pragma omp parallel for schedule(static) reduction(+ : total)
    for (size_t i = 0; i < n; i += 16) {
      float s = 0;
#pragma omp simd reduction(+ : s)
      for (size_t j = 0; j < 16; ++j)
        s += a[i + j];
      total += s;
    }
    double t = omp_get_wtime() - t0;
    sink += total;
    if (t < best)
      best = t;
  }
  printf("read_bw_gbs=%.2f threads=%d checksum=%g\n", bytes / best / 1e9,
         omp_get_max_threads(), sink);
  free(a);
  return 0;
}
