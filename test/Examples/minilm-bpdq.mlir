// REQUIRES: minilm
// RUN: %numpy_python %S/../../examples/minilm/bind_weights.py %S/../../examples/minilm/minilm-b16x16.mlir resources %t.const
// RUN: %numpy_python %S/../../examples/minilm/run_minilm.py calibration %t.cal.npz --rows 4018
// RUN: bitsink-opt %t.const.mlir --bitsink-raise-attention --bitsink-quantize-weights="method=bpdq planes=3 group-size=128 layer-config=encoder.layer.5.=4 calibration=%t.cal.npz" --linalg-fuse-elementwise-ops --canonicalize -o %t.q.mlir
// RUN: FileCheck %s --check-prefix=IR --input-file=%t.q.mlir
// RUN: FileCheck %s --check-prefix=BITS --input-file=%t.q.mlir
// RUN: %numpy_python %S/../../examples/minilm/run_minilm.py run %t.q.mlir --arg-names %t.const.args.json --bitsink-run bitsink-run --out %t.emb.npy
// RUN: %numpy_python %S/../../examples/minilm/run_minilm.py compare %t.emb.npy --min-cosine 0.95 --min-spearman 0.9 | FileCheck %s
//
// all-MiniLM-L6-v2 with 3-bit weights, end to end: bind_weights.py makes
// the 36 linear weights dense_resource constants (keyed by their
// safetensors names), run_minilm.py writes the activations of all 4018
// calibration tokens per layer from sentences.txt (none of them is a test
// sentence), bitsink-quantize-weights (bpdq, P = 3, g = 128: 3.5 bits per
// weight; the last encoder layer, which holds half of the 3-bit error, at
// P = 4: 4.625 bits; 3.6875 bits per weight on average) replaces every
// linear layer by a bitplane_matmul, and the result runs through
// bitsink-cpu-pipeline. The 16 test sentences' embeddings are compared with
// the fp32 PyTorch ones: cosine of each, and the Spearman rank correlation
// of the 8 pair similarities. Measured: min cosine 0.956, mean 0.973,
// Spearman 0.976; plain P = 3 with the same calibration: min 0.945, mean
// 0.960 (docs/quantization.md has the other settings).
//
// BITS-COUNT-30: bits_per_weight = 3.500000e+00
// BITS-COUNT-6: bits_per_weight = 4.625000e+00
// BITS-NOT: bits_per_weight
// IR-COUNT-36: bitsink.bitplane_matmul
// IR-NOT: bitsink.bitplane_matmul
// IR-NOT: linalg.matmul
// The issue's 3-bit target: mean cosine >= 0.97.
// CHECK: min_cosine={{[0-9.]+}} mean_cosine=0.9{{[789]}}
// CHECK-NEXT: PASS
