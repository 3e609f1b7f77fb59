//===- QuantSpeed.cpp - speed and quality driver of the quantizer ---------===//
//
// bitsink-quant-speed quantizes synthetic layers of real shapes and prints
// the time, peak memory and the calibration / held-out errors. Not a test:
// docs/quantizer.md records what it measured. Every layer gets a weight
// with structure (row and column scales, a low-rank part, heavy tails) and
// activations from a few hundred correlated factors with uneven channel
// scales and outlier channels, as LLM activations have; calibration and
// held-out rows are drawn from the same distribution. Data come from a
// fixed-seed generator, so every run sees the same layers.
//
//   bitsink-quant-speed smollm2 [--layers L]   30 x 7 SmolLM2-135M layers
//   bitsink-quant-speed minilm                 6 x 6 MiniLM-L6 layers
//   bitsink-quant-speed big [--columns N]      one 14336 x 4096 layer
//   bitsink-quant-speed KxN                    one K x N layer
// Options: --rows T (calibration rows, default 512), --heldout T (256),
// --planes P (3), --group G (128), --threads n (0 = all), --iterations n,
// --sweeps n, --method rtn|bpdq|trit, --act-order, --damp d, --plain-rtn (rtn
// and bpdq's rtn candidate on the plain min-max grid), --quiet, --profile
// (sets BITSINK_QUANT_PROFILE: the library prints where each layer's time
// went to stderr).
//
//===----------------------------------------------------------------------===//

#include "TestRandom.h"
#include "bitsink/Quant/Quantizer.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace bitsink::quant;
using bitsink::quant::test::Random;

namespace {

struct Layer {
  std::string name;
  int64_t K, N;
};

/// W[K][N] = r_k·c_n·(z + low-rank), z heavy-tailed.
std::vector<float> makeWeight(int64_t K, int64_t N, uint64_t seed) {
  Random random(seed);
  std::vector<double> rowScale(K), colScale(N);
  for (double &s : rowScale)
    s = std::exp(0.3 * random.normal());
  for (double &s : colScale)
    s = std::exp(0.2 * random.normal());
  const int rank = 8;
  std::vector<double> U(K * rank), V(rank * N);
  for (double &u : U)
    u = random.normal();
  for (double &v : V)
    v = random.normal() * 0.15;
  std::vector<float> W(K * N);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n) {
      double z = random.normal();
      if (random.uniform() < 0.01)
        z *= 4;
      double low = 0;
      for (int r = 0; r < rank; ++r)
        low += U[k * rank + r] * V[r * N + n];
      W[k * N + n] =
          static_cast<float>(0.02 * rowScale[k] * colScale[n] * (z + low));
    }
  return W;
}

/// Rows X[T][K] = (Z·B)·diag(s) + noise: `factors` correlated directions,
/// log-normal channel scales and 0.5 % outlier channels (x12). The same
/// (K, seed) gives the same distribution; `stream` picks the rows.
std::vector<float> makeActivations(int64_t T, int64_t K, uint64_t seed,
                                   uint64_t stream) {
  Random shape(seed);
  int64_t factors = std::min<int64_t>(K, 256);
  std::vector<float> B(factors * K);
  for (int64_t f = 0; f < factors; ++f) {
    double decay = 1.0 / std::sqrt(1.0 + 0.05 * static_cast<double>(f));
    for (int64_t k = 0; k < K; ++k)
      B[f * K + k] = static_cast<float>(decay * shape.normal());
  }
  std::vector<float> scale(K);
  for (int64_t k = 0; k < K; ++k) {
    double s = std::exp(0.5 * shape.normal());
    if (shape.uniform() < 0.005)
      s *= 12;
    scale[k] = static_cast<float>(s / std::sqrt(static_cast<double>(factors)));
  }
  Random rows(seed * 7919 + stream);
  std::vector<float> X(T * K, 0.0f), z(factors);
  for (int64_t t = 0; t < T; ++t) {
    for (float &value : z)
      value = static_cast<float>(rows.normal());
    float *x = &X[t * K];
    for (int64_t f = 0; f < factors; ++f) {
      float zf = z[f];
      const float *b = &B[f * K];
      for (int64_t k = 0; k < K; ++k)
        x[k] += zf * b[k];
    }
    for (int64_t k = 0; k < K; ++k)
      x[k] = scale[k] * (x[k] + static_cast<float>(0.3 * rows.normal()));
  }
  return X;
}

double cpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

double peakGiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / (1024.0 * 1024.0);
}

int usage() {
  std::fputs(
      "usage: bitsink-quant-speed smollm2|minilm|big|KxN [--rows T] "
      "[--heldout T] [--planes P] [--group G] [--threads n] "
      "[--iterations n] [--sweeps n] [--method m] [--act-order] [--damp d] "
      "[--plain-rtn] [--layers L] [--columns N] [--quiet] [--profile]\n",
      stderr);
  return 2;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2)
    return usage();
  std::string suite = argv[1];
  Options options;
  options.planes = 3;
  options.groupSize = 128;
  int64_t rows = 512, heldOutRows = 256, maxLayers = -1, columns = -1;
  bool quiet = false;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> const char * {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--rows")
      rows = std::atoll(next());
    else if (arg == "--heldout")
      heldOutRows = std::atoll(next());
    else if (arg == "--planes")
      options.planes = std::atoi(next());
    else if (arg == "--group")
      options.groupSize = std::atoll(next());
    else if (arg == "--threads")
      options.threads = std::atoi(next());
    else if (arg == "--iterations")
      options.iterations = std::atoi(next());
    else if (arg == "--sweeps")
      options.sweeps = std::atoi(next());
    else if (arg == "--damp")
      options.damp = std::atof(next());
    else if (arg == "--method") {
      if (!parseMethod(next(), options.method))
        return usage();
    } else if (arg == "--act-order")
      options.actOrder = true;
    else if (arg == "--plain-rtn")
      options.rtnSearch = false;
    else if (arg == "--layers")
      maxLayers = std::atoll(next());
    else if (arg == "--columns")
      columns = std::atoll(next());
    else if (arg == "--quiet")
      quiet = true;
    else if (arg == "--profile")
      setenv("BITSINK_QUANT_PROFILE", "1", 1);
    else
      return usage();
  }

  std::vector<Layer> layers;
  if (suite == "smollm2") {
    for (int l = 0; l < 30; ++l) {
      std::string p = "blk." + std::to_string(l) + ".";
      layers.push_back({p + "attn_q", 576, 576});
      layers.push_back({p + "attn_k", 576, 192});
      layers.push_back({p + "attn_v", 576, 192});
      layers.push_back({p + "attn_output", 576, 576});
      layers.push_back({p + "ffn_gate", 576, 1536});
      layers.push_back({p + "ffn_up", 576, 1536});
      layers.push_back({p + "ffn_down", 1536, 576});
    }
  } else if (suite == "minilm") {
    for (int l = 0; l < 6; ++l) {
      std::string p = "l" + std::to_string(l) + ".";
      layers.push_back({p + "q", 384, 384});
      layers.push_back({p + "k", 384, 384});
      layers.push_back({p + "v", 384, 384});
      layers.push_back({p + "attn_out", 384, 384});
      layers.push_back({p + "ffn_in", 384, 1536});
      layers.push_back({p + "ffn_out", 1536, 384});
    }
  } else if (suite == "big") {
    layers.push_back({"down_14336x4096", 14336, 4096});
  } else {
    size_t x = suite.find('x');
    if (x == std::string::npos)
      return usage();
    layers.push_back(
        {suite, std::atoll(suite.c_str()), std::atoll(suite.c_str() + x + 1)});
  }
  if (maxLayers > 0 && static_cast<int64_t>(layers.size()) > maxLayers)
    layers.resize(maxLayers);
  if (columns > 0)
    for (Layer &layer : layers)
      layer.N = std::min(layer.N, columns);

  std::printf("# %s: %zu layers, method %s, P = %d, g = %lld, %lld "
              "calibration + %lld held-out rows, threads %d, iterations %d\n",
              suite.c_str(), layers.size(), methodName(options.method),
              options.planes, static_cast<long long>(options.groupSize),
              static_cast<long long>(rows), static_cast<long long>(heldOutRows),
              options.threads, options.iterations);
  double totalWall = 0, totalCpu = 0, sumCal = 0, sumHeld = 0, sumWeight = 0;
  double bits = 0, weights = 0;
  for (size_t index = 0; index < layers.size(); ++index) {
    const Layer &layer = layers[index];
    // Layers sharing an input (q/k/v, gate/up) share the distribution of
    // their activations, as in the model.
    uint64_t inputSeed = 1000 + 31 * index;
    std::vector<float> W = makeWeight(layer.K, layer.N, 17 + index);
    std::vector<float> X = makeActivations(rows, layer.K, inputSeed, 1);
    std::vector<float> Xh = makeActivations(heldOutRows, layer.K, inputSeed, 2);
    HeldOut heldOut;
    heldOut.X = Xh.data();
    heldOut.T = heldOutRows;
    Result result;
    std::string error;
    double cpu0 = cpuSeconds();
    auto start = std::chrono::steady_clock::now();
    bool ok = quantize(W.data(), layer.K, layer.N, X.data(), rows, options,
                       result, error, heldOutRows > 0 ? &heldOut : nullptr);
    double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    double cpu = cpuSeconds() - cpu0;
    if (!ok) {
      std::fprintf(stderr, "%s: %s\n", layer.name.c_str(), error.c_str());
      return 1;
    }
    totalWall += wall;
    totalCpu += cpu;
    sumCal += result.report.relError;
    sumHeld += result.report.heldOutRelError;
    sumWeight += result.report.weightRelError;
    bits += result.report.bitsPerWeight * layer.K * layer.N;
    weights += static_cast<double>(layer.K * layer.N);
    if (!quiet)
      std::printf("%-18s %6lld x %-6lld wall %8.3f s  cpu %8.3f s  cal %.5f  "
                  "held-out %.5f  weight %.5f  bpw %.4f  rtn cols %lld\n",
                  layer.name.c_str(), static_cast<long long>(layer.K),
                  static_cast<long long>(layer.N), wall, cpu,
                  result.report.relError, result.report.heldOutRelError,
                  result.report.weightRelError, result.report.bitsPerWeight,
                  static_cast<long long>(result.report.rtnColumns));
    std::fflush(stdout);
  }
  double count = static_cast<double>(layers.size());
  std::printf("total wall %.2f s, cpu %.2f s, peak RSS %.2f GiB; mean "
              "calibration error %.6f, held-out %.6f, weight %.6f; %.4f bits "
              "per weight\n",
              totalWall, totalCpu, peakGiB(), sumCal / count, sumHeld / count,
              sumWeight / count, bits / weights);
  return 0;
}
