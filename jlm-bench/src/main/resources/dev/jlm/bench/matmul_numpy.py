# numpy peer of `./jlm bench matmul`: best-of-N GFLOP/s for each shape given as MxKxN[t] (t: B used transposed).
# Usage: python3 matmul_numpy.py REPEATS SHAPE... -> prints one JSON line {"rows": {...}, "blas": ..., "blas_threads": ...}
import json, sys, time
import numpy as np
from blas_info import blas_info

repeats = int(sys.argv[1])
rows = {}
for spec in sys.argv[2:]:
    transposed = spec.endswith("t")
    m, k, n = (int(v) for v in spec.rstrip("t").split("x"))
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if transposed else (k, n), dtype=np.float32)
    out = np.empty((m, n), dtype=np.float32)
    op = (lambda: np.matmul(a, b.T, out=out)) if transposed else (lambda: np.matmul(a, b, out=out))
    op()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        op()
        best = min(best, time.perf_counter() - t0)
    rows[spec] = 2.0 * m * n * k / best / 1e9
print(json.dumps({"rows": rows, **blas_info()}))
