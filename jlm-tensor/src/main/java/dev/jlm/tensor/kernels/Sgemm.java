package dev.jlm.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision matrix multiply, BLAS-style: {@code C = op(A)·op(B) + beta·C} on row-major arrays with leading
 * dimensions, where {@code op(X)} is X or Xᵀ. Transposed operands are read in place: packing absorbs the transpose.
 *
 * <p>The structure is GotoBLAS/BLIS: B is packed in KC×NC blocks of NR-wide column panels, A in MC×KC blocks of
 * MR-tall row panels, and an MR×NR register-blocked micro-kernel (8 rows × 2 vectors = 16 accumulators)
 * runs over the packed panels. The micro-kernel writes its tile to a scratch buffer; a separate small method adds it
 * into C, so edge tiles and beta never reach the hot loop. Matrix-vector products (one row of A) take a
 * bandwidth-bound path instead.
 */
public final class Sgemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = 8;
    private static final int NR = 2 * L;
    private static final int KC = 256;
    private static final int MC = 128;
    private static final int NC = 3072;

    private static final ThreadLocal<float[]> PACKED_A = ThreadLocal.withInitial(() -> new float[MC * KC]);
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[MR * NR]);
    private static final ThreadLocal<float[]> PACKED_B = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * Bytes of packing buffers a thread keeps for good once it has run a product: an MC×KC block of A, a KC×NC
     * block of B (always allocated at full size) and one MR×NR tile.
     */
    public static final long WORKSPACE_BYTES_PER_THREAD = 4L * (MC * KC + KC * (NC / NR) * NR + MR * NR);

    private Sgemm() {
    }

    /**
     * C[m×n] = op(A)[m×k] · op(B)[k×n] + beta·C. A is stored m×k (k×m when {@code transA}) with row stride lda;
     * B is stored k×n (n×k when {@code transB}) with row stride ldb.
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            scaleC(m, n, beta, c, cOff, ldc);
            return;
        }
        if (m == 1) {
            gemv(transA, transB, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff);
            return;
        }
        int threads = Parallel.insideLoop() ? 1 : (int) Math.min(Parallel.THREADS, Math.max(1, (long) m * n * k / 300_000L));
        if (threads == 1) {
            blocked(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        // One hand-off per product: each thread computes a band of C with its own packing. Split the dimension whose
        // band needs the larger operand, so the operand every thread packs again is the smaller one.
        boolean splitRows = n <= m;
        int extent = splitRows ? m : n;
        int unit = splitRows ? MR : NR;
        int units = (extent + unit - 1) / unit;
        int parts = Math.min(threads, units);
        Parallel.forChunks(parts, parts, (first, last) -> {
            for (int part = first; part < last; part++) {
                int from = (int) ((long) units * part / parts) * unit;
                int to = Math.min(extent, (int) ((long) units * (part + 1) / parts) * unit);
                if (from >= to) {
                    continue;
                }
                if (splitRows) {
                    int aStart = aOff + (transA ? from : from * lda);
                    blocked(transA, transB, to - from, n, k, a, aStart, lda, b, bOff, ldb, beta, c, cOff + from * ldc, ldc);
                } else {
                    int bStart = bOff + (transB ? from * ldb : from);
                    blocked(transA, transB, m, to - from, k, a, aOff, lda, b, bStart, ldb, beta, c, cOff + from, ldc);
                }
            }
        });
    }

    /** {@code batch} independent products; a batch stride of 0 shares that operand across the batch. */
    public static void batched(int batch, boolean transA, boolean transB, int m, int n, int k,
                               float[] a, int aOff, long aStride, int lda,
                               float[] b, int bOff, long bStride, int ldb,
                               float beta, float[] c, int cOff, long cStride, int ldc) {
        if (batch == 1) {
            gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        long work = (long) m * n * k;
        if (work < 4_000_000L && batch >= 2) {
            // Many small products: one thread per product beats splitting each one.
            Parallel.forRange(batch, work, (start, end) -> {
                for (int i = start; i < end; i++) {
                    gemm(transA, transB, m, n, k, a, (int) (aOff + i * aStride), lda, b, (int) (bOff + i * bStride), ldb,
                            beta, c, (int) (cOff + i * cStride), ldc);
                }
            });
            return;
        }
        for (int i = 0; i < batch; i++) {
            gemm(transA, transB, m, n, k, a, (int) (aOff + i * aStride), lda, b, (int) (bOff + i * bStride), ldb,
                    beta, c, (int) (cOff + i * cStride), ldc);
        }
    }

    /** The single-threaded blocked product: B in KC×NC blocks, A in MC×KC blocks, MR×NR tiles. */
    private static void blocked(boolean transA, boolean transB, int m, int n, int k,
                                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                float beta, float[] c, int cOff, int ldc) {
        float[] packedA = PACKED_A.get();
        float[] tile = TILE.get();
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int panels = (nc + NR - 1) / NR;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float betaHere = pc == 0 ? beta : 1f;
                float[] packedB = packedB(panels * NR * kc);
                for (int panel = 0; panel < panels; panel++) {
                    packB(transB, b, bOff, ldb, pc, kc, jc + panel * NR, Math.min(NR, nc - panel * NR), packedB, panel * NR * kc);
                }
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    packA(transA, a, aOff, lda, ic, mc, pc, kc, packedA);
                    for (int panel = 0; panel < panels; panel++) {
                        int j = jc + panel * NR;
                        int nr = Math.min(NR, n - j);
                        for (int ir = 0; ir < mc; ir += MR) {
                            kernel(packedA, ir * kc, packedB, panel * NR * kc, kc, tile);
                            addTile(tile, Math.min(MR, mc - ir), nr, betaHere, c, cOff + (ic + ir) * ldc + j, ldc);
                        }
                    }
                }
            }
        }
    }

    private static float[] packedB(int size) {
        float[] buffer = PACKED_B.get();
        if (buffer.length < size) {
            buffer = new float[Math.max(size, NR * KC * (NC / NR))];
            PACKED_B.set(buffer);
        }
        return buffer;
    }

    /** Packs rows [ic, ic+mc) × columns [pc, pc+kc) of op(A) into MR-row panels: panel[p·MR + r], zero-padded. */
    private static void packA(boolean transA, float[] a, int aOff, int lda, int ic, int mc, int pc, int kc, float[] out) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int base = ir * kc;
            if (transA) {
                // op(A)(i, p) = A[p][i]: MR consecutive values per p.
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (pc + p) * lda + ic + ir;
                    int dst = base + p * MR;
                    for (int r = 0; r < MR; r++) {
                        out[dst + r] = r < mr ? a[src + r] : 0f;
                    }
                }
            } else {
                for (int r = 0; r < MR; r++) {
                    if (r < mr) {
                        int src = aOff + (ic + ir + r) * lda + pc;
                        for (int p = 0; p < kc; p++) {
                            out[base + p * MR + r] = a[src + p];
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            out[base + p * MR + r] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** Packs op(B) rows [pc, pc+kc) × columns [j, j+nr) into one NR-wide panel: panel[p·NR + col], zero-padded. */
    private static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int kc, int j, int nr,
                              float[] out, int base) {
        if (!transB) {
            for (int p = 0; p < kc; p++) {
                int src = bOff + (pc + p) * ldb + j;
                int dst = base + p * NR;
                System.arraycopy(b, src, out, dst, nr);
                for (int col = nr; col < NR; col++) {
                    out[dst + col] = 0f;
                }
            }
        } else {
            // op(B)(p, col) = B[col][p]: read each stored row once, scatter down the panel.
            for (int col = 0; col < NR; col++) {
                if (col < nr) {
                    int src = bOff + (j + col) * ldb + pc;
                    for (int p = 0; p < kc; p++) {
                        out[base + p * NR + col] = b[src + p];
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        out[base + p * NR + col] = 0f;
                    }
                }
            }
        }
    }

    /** The MR×NR micro-kernel: tile = Σ_p A-panel[p]ᵀ ⊗ B-panel[p] over kc steps, 16 vector accumulators. */
    private static void kernel(float[] pa, int aBase, float[] pb, int bBase, int kc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int ai = aBase;
        int bi = bBase;
        for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, pa[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, pa[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, pa[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, pa[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, pa[ai + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, pa[ai + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, pa[ai + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, pa[ai + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, 1 * L);
        c10.intoArray(tile, 2 * L);
        c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L);
        c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L);
        c31.intoArray(tile, 7 * L);
        c40.intoArray(tile, 8 * L);
        c41.intoArray(tile, 9 * L);
        c50.intoArray(tile, 10 * L);
        c51.intoArray(tile, 11 * L);
        c60.intoArray(tile, 12 * L);
        c61.intoArray(tile, 13 * L);
        c70.intoArray(tile, 14 * L);
        c71.intoArray(tile, 15 * L);
    }

    /** C[0..mr)[0..nr) = tile + beta·C (beta 0 overwrites, so C may hold garbage). */
    private static void addTile(float[] tile, int mr, int nr, float beta, float[] c, int cBase, int ldc) {
        for (int r = 0; r < mr; r++) {
            int row = cBase + r * ldc;
            int t = r * NR;
            if (nr == NR) {
                FloatVector t0 = FloatVector.fromArray(S, tile, t);
                FloatVector t1 = FloatVector.fromArray(S, tile, t + L);
                if (beta != 0f) {
                    t0 = t0.add(FloatVector.fromArray(S, c, row).mul(beta));
                    t1 = t1.add(FloatVector.fromArray(S, c, row + L).mul(beta));
                }
                t0.intoArray(c, row);
                t1.intoArray(c, row + L);
            } else {
                for (int col = 0; col < nr; col++) {
                    c[row + col] = beta == 0f ? tile[t + col] : tile[t + col] + beta * c[row + col];
                }
            }
        }
    }

    private static void scaleC(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c[cOff + i * ldc + j] = beta == 0f ? 0f : beta * c[cOff + i * ldc + j];
            }
        }
    }

    private static final ThreadLocal<float[]> GEMV_PARTIAL = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * One row of A times op(B), which is memory-bound: B must stream through in storage order. With B stored
     * transposed (n×k) each output is a dot product of a stored row, split over outputs; with B stored k×n each
     * thread streams a band of B's rows into a private partial row of C, and the partial rows are summed.
     */
    private static void gemv(boolean transA, boolean transB, int n, int k, float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb, float beta, float[] c, int cOff) {
        float[] x;
        int xOff;
        if (transA) {
            // A is stored k×1: the row's elements are lda apart.
            x = new float[k];
            for (int p = 0; p < k; p++) {
                x[p] = a[aOff + p * lda];
            }
            xOff = 0;
        } else {
            x = a;
            xOff = aOff;
        }
        boolean parallel = !Parallel.insideLoop() && (long) n * k >= 1 << 16;
        if (transB) {
            Parallel.RangeBody body = (s, e) -> {
                for (int j = s; j < e; j++) {
                    float dot = Elementwise.dot(x, xOff, b, bOff + j * ldb, k);
                    c[cOff + j] = beta == 0f ? dot : dot + beta * c[cOff + j];
                }
            };
            if (parallel) {
                Parallel.forChunks(n, Parallel.THREADS, body);
            } else {
                body.run(0, n);
            }
            return;
        }
        int parts = parallel ? Math.min(Parallel.THREADS, k) : 1;
        float[][] partials = new float[parts][];
        Parallel.ChunkBody rows = (chunk, s, e) -> {
            float[] partial = GEMV_PARTIAL.get();
            if (partial.length < n) {
                partial = new float[n];
                GEMV_PARTIAL.set(partial);
            }
            java.util.Arrays.fill(partial, 0, n, 0f);
            for (int p = s; p < e; p++) {
                Elementwise.accumulateScaled(b, bOff + p * ldb, x[xOff + p], partial, 0, n);
            }
            partials[chunk] = partial;
        };
        if (parts > 1) {
            Parallel.forChunksIndexed(k, parts, rows);
        } else {
            rows.run(0, 0, k);
        }
        if (beta == 0f) {
            System.arraycopy(partials[0], 0, c, cOff, n);
        } else {
            Elementwise.scale(c, cOff, beta, n);
            Elementwise.accumulate(partials[0], 0, c, cOff, n);
        }
        for (int i = 1; i < parts; i++) {
            Elementwise.accumulate(partials[i], 0, c, cOff, n);
        }
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
