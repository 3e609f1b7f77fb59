"""Expected result of the test functions of
Integration/CPU/fuse-elementwise.mlir, from the inputs that
`bitsink-run --save-inputs=PREFIX` wrote (PREFIXarg0.npy ...), in float64.

Usage: fuse-reference.py FORM PREFIX OUT.npy
"""

import sys
from math import erf

import numpy as np

form, prefix, out = sys.argv[1:4]
n_args = {"ffn": 5, "layernorm": 4, "swiglu": 2, "softmax": 2,
          "bias_transpose": 2, "linear_t": 3}[form]
args = [np.load(f"{prefix}arg{i}.npy").astype(np.float64) for i in range(n_args)]
if form == "ffn":
    x, w1, b1, w2, b2 = args
    h = x @ w1 + b1
    g = 0.5 * h * (1.0 + np.vectorize(erf)(h / np.sqrt(2.0)))
    r = g @ w2 + b2 + x
elif form == "layernorm":
    x, res, gamma, beta = args
    y = x + res
    mean = y.mean(axis=-1, keepdims=True)
    var = ((y - mean) ** 2).mean(axis=-1, keepdims=True)
    r = (y - mean) / np.sqrt(var + 1e-5) * gamma + beta
elif form == "swiglu":
    gate, up = args
    r = gate / (1.0 + np.exp(-gate)) * up
elif form == "linear_t":
    x, w, b = args
    r = x @ w.T + b
elif form == "bias_transpose":
    p, b = args
    r = (p + b).transpose(0, 2, 3, 1)
else:
    s, mask = args
    z = s * 0.125 + mask
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    r = e / e.sum(axis=-1, keepdims=True)
np.save(out, r.astype(np.float32))
