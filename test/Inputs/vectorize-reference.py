"""Expected result of the test functions of
Integration/CPU/vectorize-linalg.mlir, from the inputs that
`bitsink-run --save-inputs=PREFIX` wrote (PREFIXarg0.npy ...), in float64.

Usage: vectorize-reference.py FORM PREFIX OUT.npy
"""

import sys
from math import erf

import numpy as np

form, prefix, out = sys.argv[1:4]
n_args = {"chain": 2, "bias": 3, "softmax": 1, "layernorm": 3, "rmsnorm": 2,
          "matvec": 2, "rows3": 2, "dynamic": 1, "columns": 1,
          "transpose": 1, "permute3": 1, "transposed_add": 2,
          "matmul": 2, "gather": 2, "gather_sum": 4}[form]
args = [np.load(f"{prefix}arg{i}.npy").astype(np.float64) for i in range(n_args)]
if form == "chain":
    a, b = args
    r = np.exp(np.tanh(np.vectorize(erf)(a + b))) * 0.5
elif form == "bias":
    x, b, s = args
    r = (x + b[None, :]) * s[:, None]
elif form == "softmax":
    (x,) = args
    e = np.exp(x - x.max(axis=1, keepdims=True))
    r = e / e.sum(axis=1, keepdims=True)
elif form == "layernorm":
    x, g, b = args
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    r = (x - mean) / np.sqrt(var + 1e-12) * g + b
elif form == "rmsnorm":
    x, w = args
    r = x / np.sqrt((x * x).mean(axis=1, keepdims=True) + 1e-5) * w
elif form in ("matvec", "rows3"):
    a, b = args
    r = a @ b.T
elif form == "matmul":
    a, b = args
    r = a @ b
elif form == "transpose":
    r = args[0].T
elif form == "permute3":
    r = args[0].transpose(2, 0, 1)
elif form == "transposed_add":
    a, b = args
    r = a.T + b
elif form == "gather":
    ids, table = args
    r = table[ids.astype(np.int64)]
elif form == "gather_sum":
    ids, words, pos, tt = args
    ids = np.clip(ids.astype(np.int64), 0, words.shape[0] - 1)
    r = words[ids] + pos[: ids.shape[-1]][None] + tt[0]
elif form == "dynamic":
    (x,) = args
    r = np.exp(x).sum(axis=1)
else:
    (x,) = args
    r = x.sum(axis=1)
np.save(out, r.astype(np.float32))
