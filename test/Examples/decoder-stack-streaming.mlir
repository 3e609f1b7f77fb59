// REQUIRES: numpy
// RUN: bitsink-run %S/../../examples/decoder_stack/decoder_stack.mlir -e check --seed=1 -o %t.dense.npy -o %t.stream.npy
// RUN: %numpy_python %S/../../examples/decoder_stack/gen_decoder_stack.py compare %t.dense.npy %t.stream.npy --tol 1e-5 | FileCheck %s
// RUN: %numpy_python %S/../../examples/decoder_stack/gen_decoder_stack.py write %t.regen.mlir
// RUN: diff %S/../../examples/decoder_stack/decoder_stack.mlir %t.regen.mlir
//
// A 2-layer GPT-style decoder stack (pre-norm GQA attention with 4 query
// and 2 key/value heads, ReLU MLP, random weights from --seed) written in
// linalg by examples/decoder_stack/gen_decoder_stack.py, compiled by
// bitsink-cpu-pipeline. @check runs it twice on the same 24 tokens:
// densely (causal sink_attention with 2 sinks and a window of 8 over the
// whole sequence) and streamed (prefill of 6 tokens, then token-by-token
// decode in an scf.for, each layer with a 10-slot StreamingLLM cache:
// cache_append, then sink_attention with kv_len and key_positions). The
// ring rolls over after 10 tokens; the outputs must agree to f32 rounding
// for every token (measured 4e-7 relative). A window one shorter in the
// dense form gives 0.29. The last two RUN lines check that the committed
// module is what the generator writes.
//
// CHECK: tokens=24
// CHECK-NEXT: PASS
