"""numpy side of the bit-plane format (docs/semantics.md §2.3), written
independently of the C++ quantizer so that its packed output can be checked
from outside.

  planes: [P][KW][N] uint32/int32, bit i (LSB = 0) of word w holds row 32w+i
  coeffs: [G][C][N] f16/f32, g = k // group_size
  Ŵ[k, n] = c[g, 0, n] + Σ_{l<L} c[g, l+1, n] · t_l[k, n]

  binary:  L = P,   t_l = b_l             ∈ {0, 1}
  signed:  L = P,   t_l = 2 b_l − 1       ∈ {−1, +1}
  ternary: L = P/2, t_l = m (2 s − 1)     ∈ {−1, 0, +1},  m = plane 2l, s = plane 2l+1
"""

import numpy as np

KINDS = ("binary", "signed", "ternary")


def unpack_planes(planes, K):
    """[P][KW][N] 32-bit words -> [P][K][N] uint8 bits."""
    planes = np.ascontiguousarray(np.asarray(planes).astype("<u4", copy=False))
    P, KW, N = planes.shape
    assert KW == -(-K // 32), f"KW = {KW} but K = {K} needs {-(-K // 32)}"
    by = np.ascontiguousarray(planes.transpose(0, 2, 1)).view(np.uint8)  # P,N,KW*4
    bits = np.unpackbits(by, axis=-1, bitorder="little")                 # P,N,KW*32
    return np.ascontiguousarray(bits[:, :, :K].transpose(0, 2, 1))


def dequantize(planes, coeffs, K, group_size, kind):
    """Ŵ [K][N] float64 from packed planes and coefficients."""
    if kind not in KINDS:
        raise ValueError(f"plane kind {kind!r}")
    bits = unpack_planes(planes, K).astype(np.float64)
    c = np.asarray(coeffs).astype(np.float64)
    G, C, N = c.shape
    P = bits.shape[0]
    if kind == "ternary":
        assert P % 2 == 0
        terms = bits[0::2] * (2.0 * bits[1::2] - 1.0)
    elif kind == "signed":
        terms = 2.0 * bits - 1.0
    else:
        terms = bits
    L = terms.shape[0]
    assert C == L + 1, f"C = {C} coefficients for {L} terms of a {kind} P={P} code"
    gs = K if group_size <= 0 or group_size >= K else group_size
    assert G == -(-K // gs), f"G = {G}, K = {K}, group size {gs}"
    g_of_k = np.arange(K) // gs
    cr = c[g_of_k]                        # K, C, N
    return cr[:, 0, :] + np.einsum("lkn,kln->kn", terms, cr[:, 1:, :])


def bits_per_weight(P, C, group_size, K, coeff_bits=16):
    """Everything stored per weight, as the quantizer reports it: P planes
    of ceil(K/32) words and ceil(K/g) groups of C coefficients, over K."""
    gs = K if group_size <= 0 or group_size >= K else group_size
    return (P * 32 * -(-K // 32) + coeff_bits * C * -(-K // gs)) / K


def fit_grid(w, levels, f16):
    """The asymmetric uniform grid of a group's rows w (per column): offset
    lo = min and step (max − min)/levels (1 where the column is constant),
    both rounded to f16 when the coefficients are stored as f16."""
    lo, hi = w.min(0), w.max(0)
    scale = (hi - lo) / levels
    scale[scale == 0] = 1.0
    if f16:
        lo = lo.astype(np.float16).astype(np.float64)
        scale = scale.astype(np.float16).astype(np.float64)
    return lo, scale


def rtn_reference(W, bits, group_size, f16=True):
    """Per-group asymmetric round-to-nearest, written as binary bit-planes:
    c0 = min, c_{p+1} = scale·2^p. A plain numpy model of `rtn`
    (docs/semantics.md §3), used only to cross-check the tool's rtn numbers.
    Returns Ŵ."""
    K, N = W.shape
    gs = K if group_size <= 0 or group_size >= K else group_size
    out = np.empty_like(W, dtype=np.float64)
    levels = (1 << bits) - 1
    for g0 in range(0, K, gs):
        w = W[g0:g0 + gs].astype(np.float64)
        lo, scale = fit_grid(w, levels, f16)
        q = np.clip(np.rint((w - lo) / scale), 0, levels)
        coef = [scale * (1 << p) for p in range(bits)]
        if f16:
            coef = [x.astype(np.float16).astype(np.float64) for x in coef]
        qi = q.astype(np.int64)
        rec = lo + sum(((qi >> p) & 1) * coef[p] for p in range(bits))
        out[g0:g0 + gs] = rec
    return out


def rel_output_error(X, W, What):
    """‖X(W − Ŵ)‖_F / ‖XW‖_F, plus the two norms (for weighted totals)."""
    X = X.astype(np.float64)
    num = np.linalg.norm(X @ (W.astype(np.float64) - What))
    den = np.linalg.norm(X @ W.astype(np.float64))
    return num / den, num, den


def gptq_reference(W, X, bits, group_size, damp=0.01, f16=True):
    """Plain GPTQ (Frantar et al. 2022) on the same per-group asymmetric
    uniform grid as rtn_reference: rows k in order, error propagated through
    the upper Cholesky factor of the damped inverse Hessian H = XᵀX, group
    grids fitted to the error-updated weights on entering each group. A
    numpy yardstick for what Hessian-aware rounding reaches on these layers,
    not a bitsink method. Returns Ŵ (K x N)."""
    K, N = W.shape
    gs = K if group_size <= 0 or group_size >= K else group_size
    Wc = W.astype(np.float64).copy()
    X = X.astype(np.float64)
    H = X.T @ X
    dead = np.diag(H) == 0
    H[dead, dead] = 1.0
    Wc[dead, :] = 0.0
    H += damp * np.mean(np.diag(H)) * np.eye(K)
    Hinv = np.linalg.cholesky(np.linalg.inv(H)).T  # upper
    levels = (1 << bits) - 1
    Q = np.zeros_like(Wc)
    for k in range(K):
        if k % gs == 0:
            lo, scale = fit_grid(Wc[k:k + gs], levels, f16)
        q = lo + scale * np.clip(np.rint((Wc[k] - lo) / scale), 0, levels)
        Q[k] = q
        err = (Wc[k] - q) / Hinv[k, k]
        Wc[k + 1:] -= np.outer(Hinv[k, k + 1:], err)
    return Q
