// REQUIRES: nvptx
// Options are validated when the pipeline is parsed, before any pass runs:
// LLVM aborts on some chip/PTX pairs and CUDA 13's ptxas rejects old chips.
//
// RUN: not bitsink-opt %s --bitsink-nvptx-pipeline="chip=sm_50" 2>&1 | FileCheck %s --check-prefix=CHIP
// (chip, opt-level and cubin-format are checked by bitsink::OptionChecker's
// oneOf / inRange rules, hence its wording "<option> must be ..., got ...".)
// CHIP: error: bitsink-nvptx-pipeline: chip must be one of sm_80, sm_86, sm_89, sm_90, sm_90a, got 'sm_50'
//
// RUN: not bitsink-opt %s --bitsink-nvptx-pipeline="chip=sm_90 features=+ptx60" 2>&1 | FileCheck %s --check-prefix=PTX60
// PTX60: error: bitsink-nvptx-pipeline: chip sm_90 needs PTX ISA 7.8 or newer (features=+ptx78 or above), got '+ptx60'
//
// RUN: not bitsink-opt %s --bitsink-nvptx-pipeline="chip=sm_90a features=+ptx78" 2>&1 | FileCheck %s --check-prefix=PTX78
// PTX78: error: bitsink-nvptx-pipeline: chip sm_90a needs PTX ISA 8.0 or newer (features=+ptx80 or above), got '+ptx78'
//
// RUN: not bitsink-opt %s --bitsink-nvptx-pipeline="chip=sm_80 features=+ptx79" 2>&1 | FileCheck %s --check-prefix=PTX79
// PTX79: error: bitsink-nvptx-pipeline: unsupported features '+ptx79' (expected one PTX ISA version as +ptxNN, e.g. +ptx80; LLVM 22 knows up to +ptx90)
//
// RUN: not bitsink-opt %s --bitsink-nvptx-pipeline="features=ptx80" 2>&1 | FileCheck %s --check-prefix=NOPLUS
// NOPLUS: error: bitsink-nvptx-pipeline: unsupported features 'ptx80'
//
// RUN: not bitsink-opt %s --bitsink-nvptx-pipeline="opt-level=4" 2>&1 | FileCheck %s --check-prefix=OPT
// OPT: error: bitsink-nvptx-pipeline: opt-level must be in [0, 3], got 4
//
// RUN: not bitsink-opt %s --bitsink-nvptx-pipeline="cubin-format=elf" 2>&1 | FileCheck %s --check-prefix=FORMAT
// FORMAT: error: bitsink-nvptx-pipeline: cubin-format must be one of bin, fatbin, isa, got 'elf'
//
// RUN: not bitsink-opt %s --bitsink-nvptx-pipeline="toolkit=/nonexistent" 2>&1 | FileCheck %s --check-prefix=TOOLKIT
// TOOLKIT: error: bitsink-nvptx-pipeline: no CUDA toolkit at '/nonexistent' (nvvm/libdevice/libdevice.10.bc is missing); pass toolkit=DIR
//
// The pass-through kernel options are read by the pass's own option parser,
// so the message names which of the two is bad.
// RUN: not bitsink-opt %s --bitsink-nvptx-pipeline="attention-options='no-such-option=1'" 2>&1 | FileCheck %s --check-prefix=PASSTHROUGH
// PASSTHROUGH: error: bitsink-nvptx-pipeline: bad attention-options 'no-such-option=1': {{.*}}no-such-option
// RUN: not bitsink-opt %s --bitsink-nvptx-pipeline="matmul-options='gemv-max-rows=x'" 2>&1 | FileCheck %s --check-prefix=MATMULOPTS
// MATMULOPTS: error: bitsink-nvptx-pipeline: bad matmul-options 'gemv-max-rows=x'
//
// What would run on the host over device memory is rejected at its
// location: a reduction with no parallel dimension left for the threads.
// RUN: bitsink-opt %s --bitsink-nvptx-pipeline -verify-diagnostics -o /dev/null

func.func @full_sum(%x: tensor<1024xf32>) -> tensor<f32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<f32>) -> tensor<f32>
  // expected-error @below {{'linalg.reduce' op has no parallel dimension to map to GPU threads (it would run as a host loop over device memory)}}
  %s = linalg.reduce ins(%x : tensor<1024xf32>) outs(%acc : tensor<f32>) dimensions = [0]
    (%in: f32, %a: f32) {
      %t = arith.addf %in, %a : f32
      linalg.yield %t : f32
    }
  return %s : tensor<f32>
}
