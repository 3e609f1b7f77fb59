// REQUIRES: cuda
// The GPU cases of Inputs/cases.mlir, compiled for GPU 0 (%cuda_chip) by
// bitsink-compile and checked by bitsink-gpu-check against lib/Reference,
// with the bounds of the CPU integration tests (see
// test/tools/bitsink-gpu-check/cpu-artifact.mlir for the same run on the
// host). scripts/gpu-check.sh builds the same artifacts on a machine without
// a GPU and runs them on one.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: bitsink-compile %S/Inputs/cases.mlir --target=cuda --chip=%cuda_chip -o %t/cases.so
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f32_gqa2 --op=sink_attention --shape=2,4,2,37,53,32,24 --num-sinks=3 --window=10 --causal --seed=1 | FileCheck %s --check-prefix=A1
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f16_sinks --op=sink_attention --shape=1,4,1,40,40,64,64 --window=16 --causal --sink-logits --dtype=f16 --seed=2 | FileCheck %s --check-prefix=A2
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_bf16_decode --op=sink_attention --shape=2,8,2,1,300,64,64 --num-sinks=4 --window=128 --causal --kv-len=300,173 --dtype=bf16 --seed=3 | FileCheck %s --check-prefix=A3
// RUN: bitsink-gpu-check %t/cases.so --entry=gemv_binary_p2 --op=bitplane_matmul --m=1 --k=257 --n=129 --planes=2 --group-size=128 --coeff-dtype=f16 --seed=4 | FileCheck %s --check-prefix=B1
// RUN: bitsink-gpu-check %t/cases.so --entry=gemm_ternary_p4_acc --op=bitplane_matmul --m=37 --k=96 --n=80 --planes=4 --group-size=32 --kind=ternary --dtype=f16 --acc-arg --seed=5 --operand-rtol=4.9e-4 | FileCheck %s --check-prefix=B2
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_bf16_gqa8_tc --op=sink_attention --shape=1,8,1,77,77,128,128 --num-sinks=4 --window=24 --causal --sink-logits --sink-dtype=f32 --dtype=bf16 --seed=6 | FileCheck %s --check-prefix=A4
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f16_gqa8_decode --op=sink_attention --shape=2,16,2,1,1000,128,128 --num-sinks=4 --window=512 --causal --dtype=f16 --seed=7 | FileCheck %s --check-prefix=A5
// RUN: bitsink-gpu-check %t/cases.so --entry=gemv_signed_p3_m16 --op=bitplane_matmul --m=16 --k=320 --n=200 --planes=3 --group-size=64 --kind=signed --dtype=bf16 --acc-dtype=f32 --coeff-dtype=f16 --seed=8 | FileCheck %s --check-prefix=B3
// RUN: bitsink-gpu-check %t/cases.so --entry=gemm_binary_p2_bf16 --op=bitplane_matmul --m=48 --k=256 --n=96 --planes=2 --group-size=256 --dtype=bf16 --acc-dtype=f32 --seed=9 --operand-rtol=9.8e-4 | FileCheck %s --check-prefix=B4
//
// The tensor-core GEMM (B2, B4) rounds Ŵ to f16, or to TF32 for bf16 x
// (docs/gpu-bitplane.md): --operand-rtol allows u·Σ|x·Ŵ| more, u = 2^-11
// and 2^-10. On the CUDA-core GEMM (tensor-cores=false) the same cases
// meet the plain bounds (S2, S4).
// RUN: bitsink-compile %S/Inputs/cases.mlir --target=cuda --chip=%cuda_chip --pipeline-options="matmul-options='tensor-cores=false'" -o %t/simt.so
// RUN: bitsink-gpu-check %t/simt.so --entry=gemm_ternary_p4_acc --op=bitplane_matmul --m=37 --k=96 --n=80 --planes=4 --group-size=32 --kind=ternary --dtype=f16 --acc-arg --seed=5 | FileCheck %s --check-prefix=S2
// RUN: bitsink-gpu-check %t/simt.so --entry=gemm_binary_p2_bf16 --op=bitplane_matmul --m=48 --k=256 --n=96 --planes=2 --group-size=256 --dtype=bf16 --acc-dtype=f32 --seed=9 | FileCheck %s --check-prefix=S4
// A long K (4096): B5 on tensor cores, S5 on CUDA cores.
// RUN: bitsink-gpu-check %t/cases.so --entry=gemm_f16_longk --op=bitplane_matmul --m=40 --k=4096 --n=192 --planes=3 --group-size=128 --coeff-dtype=f16 --dtype=f16 --acc-dtype=f32 --seed=14 --operand-rtol=4.9e-4 | FileCheck %s --check-prefix=B5
// RUN: bitsink-gpu-check %t/simt.so --entry=gemm_f16_longk --op=bitplane_matmul --m=40 --k=4096 --n=192 --planes=3 --group-size=128 --coeff-dtype=f16 --dtype=f16 --acc-dtype=f32 --seed=14 | FileCheck %s --check-prefix=S5
// The tensor-core GEMM with other CTA tiles (T2, T4, T5).
// RUN: bitsink-compile %S/Inputs/cases.mlir --target=cuda --chip=%cuda_chip --pipeline-options="matmul-options='tile-m=32 tile-n=128 tile-k=64'" -o %t/tiles.so
// RUN: bitsink-gpu-check %t/tiles.so --entry=gemm_ternary_p4_acc --op=bitplane_matmul --m=37 --k=96 --n=80 --planes=4 --group-size=32 --kind=ternary --dtype=f16 --acc-arg --seed=5 --operand-rtol=4.9e-4 | FileCheck %s --check-prefix=T2
// RUN: bitsink-gpu-check %t/tiles.so --entry=gemm_binary_p2_bf16 --op=bitplane_matmul --m=48 --k=256 --n=96 --planes=2 --group-size=256 --dtype=bf16 --acc-dtype=f32 --seed=9 --operand-rtol=9.8e-4 | FileCheck %s --check-prefix=T4
// RUN: bitsink-gpu-check %t/tiles.so --entry=gemm_f16_longk --op=bitplane_matmul --m=40 --k=4096 --n=192 --planes=3 --group-size=128 --coeff-dtype=f16 --dtype=f16 --acc-dtype=f32 --seed=14 --operand-rtol=4.9e-4 | FileCheck %s --check-prefix=T5
// Sub-block scale codes: the weight-rebuilding GEMV (C1, C2) and the GEMM on
// tensor cores (C3), CUDA cores (SC3) and other tiles (TC3).
// RUN: bitsink-gpu-check %t/cases.so --entry=gemv_codes_s16 --op=bitplane_matmul --m=1 --k=257 --n=132 --planes=2 --group-size=128 --coeff-dtype=f16 --sub-block=16 --seed=31 | FileCheck %s --check-prefix=C1
// RUN: bitsink-gpu-check %t/cases.so --entry=gemv_codes_s8_m5 --op=bitplane_matmul --m=5 --k=320 --n=200 --planes=3 --group-size=64 --kind=signed --dtype=bf16 --acc-dtype=f32 --coeff-dtype=f16 --sub-block=8 --seed=32 | FileCheck %s --check-prefix=C2
// RUN: bitsink-gpu-check %t/cases.so --entry=gemm_codes_s32 --op=bitplane_matmul --m=40 --k=1000 --n=192 --planes=3 --group-size=128 --dtype=f16 --acc-dtype=f32 --sub-block=32 --seed=33 --operand-rtol=4.9e-4 | FileCheck %s --check-prefix=C3
// RUN: bitsink-gpu-check %t/simt.so --entry=gemm_codes_s32 --op=bitplane_matmul --m=40 --k=1000 --n=192 --planes=3 --group-size=128 --dtype=f16 --acc-dtype=f32 --sub-block=32 --seed=33 | FileCheck %s --check-prefix=SC3
// RUN: bitsink-gpu-check %t/tiles.so --entry=gemm_codes_s32 --op=bitplane_matmul --m=40 --k=1000 --n=192 --planes=3 --group-size=128 --dtype=f16 --acc-dtype=f32 --sub-block=32 --seed=33 --operand-rtol=4.9e-4 | FileCheck %s --check-prefix=TC3
//
// Invisible keys (docs/semantics.md §2.1): --poison-invisible writes NaN keys
// and NaN/+Inf/-Inf values into every key row that no query of its batch
// entry and GQA group can see; the result must still match the reference on
// clean data (SIMT f32: P1, P4; tensor cores f16/bf16: P2, P3; split-KV
// decode with kv_len, an empty batch entry and the merge: P5, P6, P7).
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f32_gqa2 --op=sink_attention --shape=2,4,2,37,53,32,24 --num-sinks=3 --window=10 --causal --seed=1 --poison-invisible | FileCheck %s --check-prefix=P1
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f16_tc_kvlen --op=sink_attention --shape=2,4,2,77,200,64,64 --num-sinks=4 --window=48 --causal --kv-len=200,131 --dtype=f16 --seed=10 --poison-invisible | FileCheck %s --check-prefix=P2
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_bf16_tc_window --op=sink_attention --shape=1,2,1,64,160,128,64 --num-sinks=2 --window=20 --kv-len=150 --sink-logits --sink-dtype=f32 --dtype=bf16 --seed=11 --poison-invisible | FileCheck %s --check-prefix=P3
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f32_kvlen --op=sink_attention --shape=2,2,1,37,90,32,24 --num-sinks=3 --window=10 --causal --kv-len=90,61 --seed=12 --poison-invisible | FileCheck %s --check-prefix=P4
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f16_decode_empty --op=sink_attention --shape=2,4,1,2,600,64,64 --num-sinks=4 --window=100 --causal --kv-len=600,0 --sink-logits --dtype=f16 --seed=13 --poison-invisible | FileCheck %s --check-prefix=P5
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_bf16_decode --op=sink_attention --shape=2,8,2,1,300,64,64 --num-sinks=4 --window=128 --causal --kv-len=300,173 --dtype=bf16 --seed=3 --poison-invisible | FileCheck %s --check-prefix=P6
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f16_gqa8_decode --op=sink_attention --shape=2,16,2,1,1000,128,128 --num-sinks=4 --window=512 --causal --dtype=f16 --seed=7 --poison-invisible | FileCheck %s --check-prefix=P7
//
// Rotary embeddings (docs/semantics.md §2.1): --rope=THETA,DIMS,STYLE and
// --key-positions=shuffle (a random permutation of the key positions, a
// ring cache's order) on every kernel: SIMT f32 (R1, R2, R3), tensor cores
// f16 / bf16 (R4, R5, R6 with key_positions), split-KV decode (R7, R8 with
// key_positions); invisible keys still add nothing after rotation (PR1-PR3).
// The kernels turn f32 angles where the reference uses doubles (about
// 2^-24 · position radians), so f32 cases use 1e-4 (positions below a few
// hundred) and R3, whose queries sit near position 10^5, 2e-3.
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f32_rope_half --op=sink_attention --shape=2,4,2,37,53,32,24 --num-sinks=3 --window=10 --causal --kv-len=53,40 --rope=10000,32,half --seed=21 --atol=1e-4 --rtol=1e-4 | FileCheck %s --check-prefix=R1
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f32_rope_odd_pairs --op=sink_attention --shape=1,2,1,21,45,36,20 --num-sinks=1 --window=12 --rope=500000,6,half --seed=22 --atol=1e-4 --rtol=1e-4 | FileCheck %s --check-prefix=R2
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f32_rope_far --op=sink_attention --shape=1,2,2,16,64,32,32 --causal --kv-len=100000 --rope=10000,32,half --seed=23 --atol=2e-3 --rtol=2e-3 | FileCheck %s --check-prefix=R3
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f16_tc_rope --op=sink_attention --shape=2,4,2,77,200,64,64 --num-sinks=4 --window=48 --causal --kv-len=200,131 --dtype=f16 --rope=10000,64,half --seed=24 | FileCheck %s --check-prefix=R4
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_bf16_tc_rope_il --op=sink_attention --shape=1,2,1,64,160,128,64 --num-sinks=2 --window=20 --kv-len=150 --sink-logits --sink-dtype=f32 --dtype=bf16 --rope=500000,64,interleaved --seed=25 | FileCheck %s --check-prefix=R5
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f16_tc_rope_ring --op=sink_attention --shape=1,2,1,64,128,64,64 --num-sinks=2 --window=32 --causal --key-positions=shuffle --dtype=f16 --rope=10000,32,half --seed=26 | FileCheck %s --check-prefix=R6
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f16_decode_rope --op=sink_attention --shape=2,16,2,1,1000,128,128 --num-sinks=4 --window=512 --causal --dtype=f16 --rope=10000,128,half --seed=27 | FileCheck %s --check-prefix=R7
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_bf16_decode_rope_ring --op=sink_attention --shape=2,4,1,2,300,64,64 --num-sinks=4 --window=128 --causal --kv-len=300,173 --key-positions=shuffle --dtype=bf16 --rope=10000,64,interleaved --seed=28 | FileCheck %s --check-prefix=R8
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f16_tc_rope --op=sink_attention --shape=2,4,2,77,200,64,64 --num-sinks=4 --window=48 --causal --kv-len=200,131 --dtype=f16 --rope=10000,64,half --seed=24 --poison-invisible | FileCheck %s --check-prefix=PR1
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_f16_tc_rope_ring --op=sink_attention --shape=1,2,1,64,128,64,64 --num-sinks=2 --window=32 --causal --key-positions=shuffle --dtype=f16 --rope=10000,32,half --seed=26 --poison-invisible | FileCheck %s --check-prefix=PR2
// RUN: bitsink-gpu-check %t/cases.so --entry=attn_bf16_decode_rope_ring --op=sink_attention --shape=2,4,1,2,300,64,64 --num-sinks=4 --window=128 --causal --kv-len=300,173 --key-positions=shuffle --dtype=bf16 --rope=10000,64,interleaved --seed=28 --poison-invisible | FileCheck %s --check-prefix=PR3
//
// PTX loaded through the driver's JIT gives the same results.
// RUN: mkdir -p %t/ptx
// RUN: bitsink-compile %S/Inputs/cases.mlir --target=cuda --chip=%cuda_chip --cubin-format=isa -o %t/ptx/cases.so
// RUN: bitsink-gpu-check %t/ptx/cases.so --entry=attn_f32_gqa2 --op=sink_attention --shape=2,4,2,37,53,32,24 --num-sinks=3 --window=10 --causal --seed=1 | FileCheck %s --check-prefix=A1
//
// A cubin for another architecture: a clear error naming the device's sm.
// RUN: mkdir -p %t/other
// RUN: bitsink-compile %S/Inputs/cases.mlir --target=cuda --chip=%cuda_other_chip -o %t/other/cases.so
// RUN: not bitsink-gpu-check %t/other/cases.so --entry=attn_f32_gqa2 --op=sink_attention --shape=2,4,2,37,53,32,24 --num-sinks=3 --window=10 --causal 2>&1 | FileCheck %s --check-prefix=ARCH -DOTHER=%cuda_other_chip
//
// A1: attn_f32_gqa2 sink_attention: elements=7104 {{.*}} PASS
// A2: attn_f16_sinks sink_attention: elements=10240 {{.*}} PASS
// A3: attn_bf16_decode sink_attention: elements=1024 {{.*}} PASS
// B1: gemv_binary_p2 bitplane_matmul: elements=129 {{.*}} PASS
// B2: gemm_ternary_p4_acc bitplane_matmul: elements=2960 {{.*}} PASS
// A4: attn_bf16_gqa8_tc sink_attention: elements=78848 {{.*}} PASS
// A5: attn_f16_gqa8_decode sink_attention: elements=4096 {{.*}} PASS
// B3: gemv_signed_p3_m16 bitplane_matmul: elements=3200 {{.*}} PASS
// B4: gemm_binary_p2_bf16 bitplane_matmul: elements=4608 {{.*}} PASS
// S2: gemm_ternary_p4_acc bitplane_matmul: elements=2960 {{.*}} atol=0.001 rtol=0.002 PASS
// S4: gemm_binary_p2_bf16 bitplane_matmul: elements=4608 {{.*}} atol=0.01 rtol=0.01 PASS
// B5: gemm_f16_longk bitplane_matmul: elements=7680 {{.*}} PASS
// S5: gemm_f16_longk bitplane_matmul: elements=7680 {{.*}} atol=0.001 rtol=0.002 PASS
// T2: gemm_ternary_p4_acc bitplane_matmul: elements=2960 {{.*}} PASS
// T4: gemm_binary_p2_bf16 bitplane_matmul: elements=4608 {{.*}} PASS
// T5: gemm_f16_longk bitplane_matmul: elements=7680 {{.*}} PASS
// C1: gemv_codes_s16 bitplane_matmul: elements=132 {{.*}} atol=0.0001 rtol=0.0001 PASS
// C2: gemv_codes_s8_m5 bitplane_matmul: elements=1000 {{.*}} atol=0.01 rtol=0.01 PASS
// C3: gemm_codes_s32 bitplane_matmul: elements=7680 {{.*}} PASS
// SC3: gemm_codes_s32 bitplane_matmul: elements=7680 {{.*}} atol=0.001 rtol=0.002 PASS
// TC3: gemm_codes_s32 bitplane_matmul: elements=7680 {{.*}} PASS
// P1: poisoned 16 invisible key rows (keys NaN; values NaN, +Inf, -Inf)
// P1-NEXT: attn_f32_gqa2 sink_attention: elements=7104 {{.*}} PASS
// P2: poisoned 288 invisible key rows (keys NaN; values NaN, +Inf, -Inf)
// P2-NEXT: attn_f16_tc_kvlen sink_attention: elements=39424 {{.*}} PASS
// P3: poisoned 75 invisible key rows (keys NaN; values NaN, +Inf, -Inf)
// P3-NEXT: attn_bf16_tc_window sink_attention: elements=8192 {{.*}} PASS
// P4: poisoned 82 invisible key rows (keys NaN; values NaN, +Inf, -Inf)
// P4-NEXT: attn_f32_kvlen sink_attention: elements=3552 {{.*}} PASS
// P5: poisoned 1095 invisible key rows (keys NaN; values NaN, +Inf, -Inf)
// P5-NEXT: attn_f16_decode_empty sink_attention: elements=1024 {{.*}} PASS
// P6: poisoned 672 invisible key rows (keys NaN; values NaN, +Inf, -Inf)
// P6-NEXT: attn_bf16_decode sink_attention: elements=1024 {{.*}} PASS
// P7: poisoned 1936 invisible key rows (keys NaN; values NaN, +Inf, -Inf)
// P7-NEXT: attn_f16_gqa8_decode sink_attention: elements=4096 {{.*}} PASS
// R1: attn_f32_rope_half sink_attention: elements=7104 {{.*}} PASS
// R2: attn_f32_rope_odd_pairs sink_attention: elements=840 {{.*}} PASS
// R3: attn_f32_rope_far sink_attention: elements=1024 {{.*}} PASS
// R4: attn_f16_tc_rope sink_attention: elements=39424 {{.*}} PASS
// R5: attn_bf16_tc_rope_il sink_attention: elements=8192 {{.*}} PASS
// R6: attn_f16_tc_rope_ring sink_attention: elements=8192 {{.*}} PASS
// R7: attn_f16_decode_rope sink_attention: elements=4096 {{.*}} PASS
// R8: attn_bf16_decode_rope_ring sink_attention: elements=1024 {{.*}} PASS
// PR1: poisoned 288 invisible key rows (keys NaN; values NaN, +Inf, -Inf)
// PR1-NEXT: attn_f16_tc_rope sink_attention: elements=39424 {{.*}} PASS
// PR2: poisoned 31 invisible key rows (keys NaN; values NaN, +Inf, -Inf)
// PR2-NEXT: attn_f16_tc_rope_ring sink_attention: elements=8192 {{.*}} PASS
// PR3: poisoned 395 invisible key rows (keys NaN; values NaN, +Inf, -Inf)
// PR3-NEXT: attn_bf16_decode_rope_ring sink_attention: elements=1024 {{.*}} PASS
// ARCH: bitsink-cuda: error: cuModuleLoadData (a cubin for [[OTHER]]) failed (CUDA_ERROR_NO_BINARY_FOR_GPU{{.*}}); the kernel binary has no code for device 0 (sm_{{[0-9]+}}): compile with bitsink-nvptx-pipeline chip=sm_{{[0-9]+}}
