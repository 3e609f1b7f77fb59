// REQUIRES: minilm
// RUN: %numpy_python %S/../../examples/minilm/bind_weights.py %S/../../examples/minilm/minilm-b16x16.mlir resources %t.const
// RUN: %numpy_python %S/../../examples/minilm/run_minilm.py calibration %t.cal.npz --rows 2048
// RUN: bitsink-opt %t.const.mlir --bitsink-raise-attention --bitsink-quantize-weights="method=bpdq planes=3 group-size=128 calibration=%t.cal.npz" --linalg-fuse-elementwise-ops --canonicalize -o %t.q.mlir
// RUN: FileCheck %s --check-prefix=IR --input-file=%t.q.mlir
// RUN: %numpy_python %S/../../examples/minilm/run_minilm.py run %t.q.mlir --arg-names %t.const.args.json --bitsink-run bitsink-run --out %t.emb.npy
// RUN: %numpy_python %S/../../examples/minilm/run_minilm.py compare %t.emb.npy --min-cosine 0.92 --min-spearman 0.9 | FileCheck %s
//
// all-MiniLM-L6-v2 with 3-bit weights, end to end: bind_weights.py makes
// the 36 linear weights dense_resource constants (keyed by their
// safetensors names), run_minilm.py writes 2048 rows of calibration
// activations per layer from sentences.txt (none of them is a test
// sentence), bitsink-quantize-weights (bpdq, P = 3, g = 128: 3.5 bits per
// weight) replaces every linear layer by a bitplane_matmul, and the result
// runs through bitsink-cpu-pipeline. The 16 test sentences' embeddings are
// compared with the fp32 PyTorch ones: cosine of each, and the Spearman
// rank correlation of the 8 pair similarities. Measured: min cosine 0.928,
// mean 0.956, Spearman 1.0 (docs/quantization.md has the other settings).
//
// IR-COUNT-36: bitsink.bitplane_matmul
// IR-NOT: bitsink.bitplane_matmul
// IR-NOT: linalg.matmul
// CHECK: min_cosine=
// CHECK-NEXT: PASS
