// bitsink.bitplane_matmul with blocked planes (#bitsink.layout<n_tile,
// k_tile>, docs/semantics.md §2.3) through bitsink-cpu-pipeline: the GEMV
// kernels (bit tests, f32 tables) and the GEMM kernel read the rank-5
// planes directly, checked against the reference interpreter, which
// unblocks them (bitsink-run --check-reference) on random inputs. The planes
// are random 32-bit words, so the padding words and columns of the last
// blocks and the bits of rows k >= K are set: the kernels must ignore them.
// Bounds: f32 results 1e-4 + 1e-4|ref|, f16 outputs or inputs one rounding.
// The last entry's constant planes go through bitsink-block-planes first.
// bitplane-gemv-blocked-int16.mlir runs the GEMV entries through the int16
// and int8 tables; python-bindings/tests/test_block_planes.py checks every
// kernel bit-identical on blocked and canonical planes.
//
// REQUIRES: host-avx2
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p2_m1_g128 --seed=1 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p3_m3_g32_n40 --seed=2 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e signed_p1_m1_channel_bf16x --seed=3 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e signed_p4_m3_g128_f16 --seed=4 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e ternary_p2_m1_g128 --seed=5 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e ternary_p4_m3_g32 --seed=6 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p1_m1_exact --seed=7 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e binary_p2_m20_gemm --seed=8 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=false}" -e signed_p3_m12_gemm_f16 --seed=9 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p2_m1_g128 --seed=10 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p3_m3_g32_n40 --seed=11 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p1_m1_channel_bf16x --seed=12 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e signed_p4_m3_g128_f16 --seed=13 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p2_m1_g128 --seed=14 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e ternary_p4_m3_g32 --seed=15 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="bitsink-cpu-pipeline{gemv-lut=true}" -e binary_p1_m1_exact --seed=16 --int-min=-2147483648 --int-max=2147483647 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="builtin.module(bitsink-block-planes,bitsink-cpu-pipeline)" -e constant_planes_p2_m1 --seed=40 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
// RUN: bitsink-run %s --pipeline="builtin.module(bitsink-block-planes{n-tile=16 k-tile=3},bitsink-cpu-pipeline{gemv-lut=false})" -e constant_planes_p2_m1 --seed=41 --check-reference --atol=1e-4 --rtol=1e-4 | FileCheck %s
//
// CHECK: output 0: {{.*}} PASS

// Binary P = 2 (2-bit BPDQ), M = 1, g = 128, f16 coefficients, K = 257 (last
// word 1 row, KW = 9: the last word block holds 1 word and 3 padding words),
// N = 129 (9 blocks, the last with 1 column).
func.func @binary_p2_m1_g128(%x: tensor<1x257xf32>, %p: tensor<9x3x2x4x16xi32>,
    %c: tensor<3x3x129xf16>, %acc: tensor<1x129xf32>) -> tensor<1x129xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x257xf32>, tensor<9x3x2x4x16xi32>, tensor<3x3x129xf16>)
         outs(%acc : tensor<1x129xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, layout = #bitsink.layout<n_tile = 16, k_tile = 4>} -> tensor<1x129xf32>
  return %y : tensor<1x129xf32>
}

// Binary P = 3, M = 3, g = 32, k_tile = 1, N = 40 (3 blocks, 3 column
// vectors, one task with 8 padding columns).
func.func @binary_p3_m3_g32_n40(%x: tensor<3x100xf32>, %p: tensor<3x4x3x1x16xi32>,
    %c: tensor<4x4x40xf32>, %acc: tensor<3x40xf32>) -> tensor<3x40xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<3x100xf32>, tensor<3x4x3x1x16xi32>, tensor<4x4x40xf32>)
         outs(%acc : tensor<3x40xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 32, layout = #bitsink.layout<n_tile = 16, k_tile = 1>} -> tensor<3x40xf32>
  return %y : tensor<3x40xf32>
}

// Signed P = 1, per-channel (group_size = K = 100), bf16 x, N = 1040 (65
// column vectors: the last task's other vectors lie past N).
func.func @signed_p1_m1_channel_bf16x(%x: tensor<1x100xbf16>, %p: tensor<65x1x1x4x16xi32>,
    %c: tensor<1x2x1040xf16>, %acc: tensor<1x1040xf32>) -> tensor<1x1040xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x100xbf16>, tensor<65x1x1x4x16xi32>, tensor<1x2x1040xf16>)
         outs(%acc : tensor<1x1040xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 100, layout = #bitsink.layout<n_tile = 16, k_tile = 4>} -> tensor<1x1040xf32>
  return %y : tensor<1x1040xf32>
}

// Signed P = 4, M = 3, f16 x and acc, n_tile = 32 (two column vectors per
// block), k_tile = 3 (blocks across group boundaries).
func.func @signed_p4_m3_g128_f16(%x: tensor<3x257xf16>, %p: tensor<2x3x4x3x32xi32>,
    %c: tensor<3x5x37xf32>, %acc: tensor<3x37xf16>) -> tensor<3x37xf16> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<3x257xf16>, tensor<2x3x4x3x32xi32>, tensor<3x5x37xf32>)
         outs(%acc : tensor<3x37xf16>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 128, layout = #bitsink.layout<n_tile = 32, k_tile = 3>} -> tensor<3x37xf16>
  return %y : tensor<3x37xf16>
}

// Ternary P = 2, M = 1, g = 128, N = 160 (10 whole vectors).
func.func @ternary_p2_m1_g128(%x: tensor<1x257xf32>, %p: tensor<10x3x2x4x16xi32>,
    %c: tensor<3x2x160xf16>, %acc: tensor<1x160xf32>) -> tensor<1x160xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x257xf32>, tensor<10x3x2x4x16xi32>, tensor<3x2x160xf16>)
         outs(%acc : tensor<1x160xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 128, layout = #bitsink.layout<n_tile = 16, k_tile = 4>} -> tensor<1x160xf32>
  return %y : tensor<1x160xf32>
}

// Ternary P = 4, M = 3, g = 32, k_tile = 2.
func.func @ternary_p4_m3_g32(%x: tensor<3x100xf32>, %p: tensor<3x2x4x2x16xi32>,
    %c: tensor<4x3x37xf32>, %acc: tensor<3x37xf32>) -> tensor<3x37xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<3x100xf32>, tensor<3x2x4x2x16xi32>, tensor<4x3x37xf32>)
         outs(%acc : tensor<3x37xf32>)
         {plane_kind = #bitsink.plane_kind<ternary>, group_size = 32, layout = #bitsink.layout<n_tile = 16, k_tile = 2>} -> tensor<3x37xf32>
  return %y : tensor<3x37xf32>
}

// Binary P = 1, M = 1, K = 64, N = 16: one block, no padding.
func.func @binary_p1_m1_exact(%x: tensor<1x64xf32>, %p: tensor<1x1x1x2x16xi32>,
    %c: tensor<1x2x16xf32>, %acc: tensor<1x16xf32>) -> tensor<1x16xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x64xf32>, tensor<1x1x1x2x16xi32>, tensor<1x2x16xf32>)
         outs(%acc : tensor<1x16xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 64, layout = #bitsink.layout<n_tile = 16, k_tile = 2>} -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

// Binary P = 2, M = 20 (> gemv-max-rows: the GEMM kernel reads the blocked
// planes a tile at a time), N = 70.
func.func @binary_p2_m20_gemm(%x: tensor<20x257xf32>, %p: tensor<5x3x2x4x16xi32>,
    %c: tensor<3x3x70xf16>, %acc: tensor<20x70xf32>) -> tensor<20x70xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<20x257xf32>, tensor<5x3x2x4x16xi32>, tensor<3x3x70xf16>)
         outs(%acc : tensor<20x70xf32>)
         {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, layout = #bitsink.layout<n_tile = 16, k_tile = 4>} -> tensor<20x70xf32>
  return %y : tensor<20x70xf32>
}

// Signed P = 3, M = 12 (GEMM), f16 x, n_tile = 32, k_tile = 1.
func.func @signed_p3_m12_gemm_f16(%x: tensor<12x100xf16>, %p: tensor<2x4x3x1x32xi32>,
    %c: tensor<4x4x33xf32>, %acc: tensor<12x33xf32>) -> tensor<12x33xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<12x100xf16>, tensor<2x4x3x1x32xi32>, tensor<4x4x33xf32>)
         outs(%acc : tensor<12x33xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 32, layout = #bitsink.layout<n_tile = 32, k_tile = 1>} -> tensor<12x33xf32>
  return %y : tensor<12x33xf32>
}

// Constant planes for bitsink-block-planes (P = 2, K = 100, N = 37, random
// words): blocked by the pass, then lowered; the reference reads the
// canonical constant of the input module.
func.func @constant_planes_p2_m1(%x: tensor<1x100xf32>, %c: tensor<1x3x37xf32>,
    %acc: tensor<1x37xf32>) -> tensor<1x37xf32> {
  %p = arith.constant dense<[[[1910852235, 537280937, 791046805, 1706020284, 336263522, 1184061023, 1433020226, -1180226133, -1908977339, -858279271, -923130060, 1604399831, 1772203120, -2124869338, -915747, 1379665551, -1582950050, 1275903481, -1636026079, -137718329, 1359207496, -845969286, -680308091, -951654750, 942620400, -1052827105, 2106508690, -235895471, -93849826, 19534623, 354519181, 229769377, 40575851, 2128157512, 1321405795, 1256973371, 860172215], [524755794, -682788498, 2100067843, -145038871, -1222739831, 1482138913, -1459378203, 1535232877, 483353919, -1654793189, -1958754161, -237259765, -1994238018, -1539498619, 63946996, 2019771390, -145144017, 1324766601, 1791721942, 1389263217, 555022536, -251694540, 60634830, -1003862651, -13428493, -518075128, -1084415153, 2118499459, -2096828695, -1730045017, -1321122732, 2014417788, 824771678, 1640005279, -1285884330, 949085986, -560337280], [-47182529, -2131445201, 504838761, 1417544205, 703040485, -1484078357, 145179421, -998153387, 1996711659, 1633514162, -1347623393, 42051208, 1888720774, 1490998954, 893021713, 600080662, -1966604684, 1038398312, -113759287, -1754513017, -1097428756, 176711367, 974043316, 33381500, 485104402, 1594890478, 798955221, -595866330, 615237680, 421697357, -1682651160, -1892999782, 687867416, -482617740, 422322226, -760053106, -1178318548], [-1502380724, -508597669, 1358661810, -425209938, -517774751, 323778078, 2056206506, -462812483, 386511378, -259904226, 451213174, -233178440, 592690801, 202517316, 757848026, 1961789967, -1499854038, 264720343, -256351707, -609904880, -1118564267, -1923027673, -418766621, 1400844361, -1732142728, -403268991, 2009306179, 1939038122, -1224048340, -2114880566, 737725756, -2086226806, -857189223, -12633154, 1606648593, -1748667005, 696706996]], [[141877162, -1582198024, 1484404881, 1482082922, -74310573, 1911037843, 458979694, 1734809395, 1978194706, 299441459, -941227649, -1522737904, 269931252, -1320859232, 1074681141, 1837840921, -1093303529, 224740553, -1936316387, -1372016572, -527547501, 1649511800, 2016518521, 608045843, 358428605, 299334629, -1887146685, -531339698, 2075866497, -382444152, -1231313831, -1118885312, 916408524, -1984028847, 2016139237, 1615847476, 290048552], [-138597664, 1122869031, 204591622, -97994584, -763802769, -228763895, 1079432311, -1910839050, -2039263912, 946599264, -548960075, 1304520304, -2017130127, 1748931482, -1619666089, -361618446, 2006386393, -1681459383, 677577176, 978756553, -308291695, -1808077276, 101962987, -286262568, 1601203358, 782883649, -669110091, -1898203356, 387796816, -946633210, 788918376, 1562597901, -620993100, 1732483912, 82027374, 132422550, 1139228836], [1241797354, 1757411771, 2143963366, -1498676105, -375380014, 1861522115, -826121805, -2125240589, 326743160, 1086530104, 1044147151, 1333702580, 617815282, -1560086520, 1490916323, -348306168, 1492095149, 1354015403, 2020418198, -2086189356, 1572713212, 551739864, -62954598, 1258527028, 1942240582, 55849962, -1771802651, 970015875, -1156824725, -1175002195, -1318958577, -1294841810, 1760805853, -587865272, -1691491657, -1376940627, -451871785], [-661161085, -815419812, 1924678188, 1574397298, 314961623, 2089202750, -686902421, -1556638182, -981294286, -1763923994, 1941494829, -1206957355, -238464274, -1279044967, 2063279744, -1468604662, 66669356, 1935091084, 90907831, 1713417003, 1703128580, 1150836024, 1042678121, 329052312, 346401412, 1423164255, -315037983, 1914526654, 1624304487, -539450384, -379476897, 920794511, 1815738553, -1732934693, -1852353458, -1081799947, -300661189]]]> : tensor<2x4x37xi32>
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x100xf32>, tensor<2x4x37xi32>, tensor<1x3x37xf32>)
         outs(%acc : tensor<1x37xf32>)
         {plane_kind = #bitsink.plane_kind<signed>, group_size = 100} -> tensor<1x37xf32>
  return %y : tensor<1x37xf32>
}
