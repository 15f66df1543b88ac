package dev.jlm.tensor.kernels;

/**
 * Single-precision matrix multiply, BLAS-style: {@code C = op(A)·op(B) + beta·C} on row-major arrays with leading
 * dimensions, where {@code op(X)} is X or Xᵀ. Transposed operands are read in place: no copies by the caller.
 */
public final class Sgemm {
    private Sgemm() {
    }

    /**
     * C[m×n] = op(A)[m×k] · op(B)[k×n] + beta·C. A is stored m×k (k×m when {@code transA}) with row stride lda;
     * B is stored k×n (n×k when {@code transB}) with row stride ldb.
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        batched(1, transA, transB, m, n, k, a, aOff, 0, lda, b, bOff, 0, ldb, beta, c, cOff, 0, ldc);
    }

    /** {@code batch} independent products; a batch stride of 0 shares that operand across the batch. */
    public static void batched(int batch, boolean transA, boolean transB, int m, int n, int k,
                               float[] a, int aOff, long aStride, int lda,
                               float[] b, int bOff, long bStride, int ldb,
                               float beta, float[] c, int cOff, long cStride, int ldc) {
        long rows = (long) batch * m;
        Parallel.forRange((int) rows, (long) n * k, (start, end) -> {
            for (int r = start; r < end; r++) {
                int bi = r / m;
                int i = r % m;
                reference(transA, transB, i, i + 1, n, k, a, (int) (aOff + bi * aStride), lda,
                        b, (int) (bOff + bi * bStride), ldb, beta, c, (int) (cOff + bi * cStride), ldc);
            }
        });
    }

    /** Scalar reference over rows [rowStart, rowEnd) of C: the ground truth in kernel tests. */
    public static void reference(boolean transA, boolean transB, int rowStart, int rowEnd, int n, int k,
                                 float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                 float beta, float[] c, int cOff, int ldc) {
        for (int i = rowStart; i < rowEnd; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0 ? sum : sum + beta * c[ci];
            }
        }
    }
}
