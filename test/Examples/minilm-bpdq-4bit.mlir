// REQUIRES: minilm
// RUN: %numpy_python %S/../../examples/minilm/bind_weights.py %S/../../examples/minilm/minilm-b16x16.mlir resources %t.const
// RUN: %numpy_python %S/../../examples/minilm/run_minilm.py calibration %t.cal.npz --rows 4018
// RUN: bitsink-opt %t.const.mlir --bitsink-raise-attention --bitsink-quantize-weights="method=bpdq planes=4 group-size=128 layer-config=encoder.layer.5.=4:64 calibration=%t.cal.npz" --linalg-fuse-elementwise-ops --canonicalize -o %t.q.mlir
// RUN: FileCheck %s --check-prefix=BITS --input-file=%t.q.mlir
// RUN: %numpy_python %S/../../examples/minilm/run_minilm.py run %t.q.mlir --arg-names %t.const.args.json --bitsink-run bitsink-run --out %t.emb.npy
// RUN: %numpy_python %S/../../examples/minilm/run_minilm.py compare %t.emb.npy --min-cosine 0.985 --min-spearman 0.95 | FileCheck %s
//
// all-MiniLM-L6-v2 with 4-bit weights, end to end, as minilm-bpdq.mlir does
// for 3 bits: bpdq, P = 4, groups of 128 (4.625 bits per weight), the last
// encoder layer with groups of 64 (5.25 bits; 4.729 bits per weight on
// average), calibrated on the 4018 tokens of sentences.txt (no test
// sentence). Measured on the 16 test sentences: mean cosine to the fp32
// PyTorch embeddings 0.991, min 0.988, Spearman 1.0; uniform g = 128 gives
// mean 0.989 (docs/quantization.md).
//
// BITS-COUNT-30: bits_per_weight = 4.625000e+00
// BITS-COUNT-6: bits_per_weight = 5.250000e+00
// BITS-NOT: bits_per_weight
// The issue's 4-bit target: mean cosine >= 0.99.
// CHECK: min_cosine={{[0-9.]+}} mean_cosine=0.99
// CHECK-NEXT: PASS
