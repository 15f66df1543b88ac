package dev.jlm.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision matrix multiply, BLAS-style: {@code C = op(A)·op(B) + beta·C (+ bias per column)} on row-major
 * arrays with leading dimensions, where {@code op(X)} is X or Xᵀ. Transposed operands are read in place.
 *
 * <p>An MR×NR register-blocked micro-kernel (8 rows × 2 vectors = 16 accumulators) multiplies 8 rows of op(A), read
 * straight from A (8 broadcasts per step, from 8 rows or from one stored row when A is transposed), by one NR-wide
 * panel of op(B) packed k-major (a last panel at most one vector wide is packed and multiplied at half width),
 * which is the only operand that is packed: a panel serves every row of C, so its
 * packing cost is spread over m rows, while packing A would cost as much as reading it. Threads take disjoint column
 * ranges of C and pack only their own panels, so nothing is packed twice. K is blocked only beyond {@link #KC}. The
 * micro-kernel writes a whole tile of a product that overwrites C straight into C with the bias; edge tiles and
 * products that accumulate (beta ≠ 0, later K slices) go through a scratch tile that a separate small method adds
 * into C, so they never reach the hot loop. Matrix-vector products (one row of A) take a bandwidth-bound path instead.
 */
public final class Sgemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int MR = 8;
    private static final int NR = 2 * L;
    /** Depth of one pass over K: a packed panel of KC×NR floats (128 KiB at 1024) stays in L2 across a row block. */
    private static final int KC = 1024;
    /** Rows of A swept across a group of panels before the next rows: MB×KC of A stays in L2. */
    private static final int MB = 64;
    /** Floats of packed B per group of panels (256 KiB). */
    private static final int GROUP_FLOATS = 64 * 1024;

    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[MR * NR]);
    private static final ThreadLocal<float[]> PACKED_B = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<float[]> EDGE_A = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * Bytes of buffers a thread keeps for good once it has run a product (at most): a group of packed B panels,
     * a KC×MR block of the last rows of A when m is not a multiple of MR, and one MR×NR tile.
     */
    public static final long WORKSPACE_BYTES_PER_THREAD = 4L * (GROUP_FLOATS + KC * MR + MR * NR);

    private Sgemm() {
    }

    /**
     * C[m×n] = op(A)[m×k] · op(B)[k×n] + beta·C. A is stored m×k (k×m when {@code transA}) with row stride lda;
     * B is stored k×n (n×k when {@code transB}) with row stride ldb.
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] c, int cOff, int ldc) {
        gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, null, 0, null, c, cOff, ldc);
    }

    /** An element-wise function applied in place to each finished run of C, e.g. the activation after a layer. */
    @FunctionalInterface
    public interface Epilogue {
        void apply(float[] c, int off, int n);
    }

    /**
     * {@link #gemm(boolean, boolean, int, int, int, float[], int, int, float[], int, int, float, float[], int, int)}
     * plus {@code bias[biasOff + j]} added to every row's column j (no bias when {@code bias} is null), then
     * {@code epilogue} (may be null) applied to the result: a layer's {@code act(x·Wᵀ + b)} while each tile of C is
     * still in cache, with no further pass over C.
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float beta, float[] bias, int biasOff, Epilogue epilogue, float[] c, int cOff, int ldc) {
        multiply(transA, m, n, k, a, aOff, lda, new Operand(transB, b, bOff, ldb, null), beta, bias, biasOff, epilogue,
                c, cOff, ldc);
    }

    /**
     * op(B) packed once in the layout the kernels read, for a B that many products multiply — a layer's weight in
     * inference — so that no product packs it again. The packed copy does not follow later changes to B.
     */
    public static final class Packed {
        private final float[] panels;
        private final int k;
        private final int n;
        private final int panelCount;

        private Packed(float[] panels, int k, int n) {
            this.panels = panels;
            this.k = k;
            this.n = n;
            this.panelCount = (n + NR - 1) / NR;
        }

        /** Where panel {@code panel} of the K slice starting at row {@code pc} begins. */
        private int offset(int pc, int panel) {
            return pc * panelCount * NR + panel * Math.min(KC, k - pc) * NR;
        }
    }

    /** op(B)[k×n] packed once: B is stored n×k when {@code transB} (a linear layer's weight), else k×n. */
    public static Packed pack(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        int panels = (n + NR - 1) / NR;
        Packed packed = new Packed(new float[k * panels * NR], k, n);
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            for (int panel = 0; panel < panels; panel++) {
                int j = panel * NR;
                int nr = Math.min(NR, n - j);
                packB(transB, b, bOff, ldb, pc, kc, j, nr, nr <= L ? L : NR, packed.panels, packed.offset(pc, panel));
            }
        }
        return packed;
    }

    /** C[m×n] = A[m×k]·B + beta·C + bias, then the epilogue, for a B packed beforehand (A row-major, row stride lda). */
    public static void gemm(int m, float[] a, int aOff, int lda, Packed b, float beta, float[] bias, int biasOff,
                            Epilogue epilogue, float[] c, int cOff, int ldc) {
        multiply(false, m, b.n, b.k, a, aOff, lda, new Operand(false, null, 0, 0, b), beta, bias, biasOff, epilogue,
                c, cOff, ldc);
    }

    /** B as the kernels get it: stored (and packed by each product), or packed beforehand. */
    private record Operand(boolean trans, float[] data, int off, int ld, Packed packed) {
    }

    private static void multiply(boolean transA, int m, int n, int k, float[] a, int aOff, int lda, Operand b,
                                 float beta, float[] bias, int biasOff, Epilogue epilogue, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            scaleC(m, n, beta, bias, biasOff, c, cOff, ldc);
            if (epilogue != null) {
                for (int i = 0; i < m; i++) {
                    epilogue.apply(c, cOff + i * ldc, n);
                }
            }
            return;
        }
        if (m == 1 && bias == null && epilogue == null && b.packed == null) {
            gemv(transA, b.trans, n, k, a, aOff, lda, b.data, b.off, b.ld, beta, c, cOff);
            return;
        }
        int threads = Parallel.insideLoop() ? 1 : (int) Math.min(Parallel.THREADS, Math.max(1, (long) m * n * k / 300_000L));
        int panels = (n + NR - 1) / NR;
        if (threads == 1) {
            product(transA, 0, m, 0, panels, n, k, a, aOff, lda, b, beta, bias, biasOff, epilogue, c, cOff, ldc);
            return;
        }
        // One hand-off per product, cut into parts that the threads take as they come free. A packed B is shared, so
        // the parts are bands of rows. Otherwise each part packs the panels it multiplies: with more rows than columns
        // the threads take one band of rows each (each packs B again, but A, the larger, is read once); with more
        // columns, parts are column ranges (each packs only its own panels, and A is read once per part).
        boolean splitColumns = b.packed == null && n > m && panels >= 2 * threads;
        int units = splitColumns ? panels : (m + MR - 1) / MR;
        int parts = Math.min(units, splitColumns || b.packed != null ? threads * Parallel.PARTS_PER_THREAD : threads);
        Parallel.forChunks(parts, parts, (first, last) -> {
            for (int part = first; part < last; part++) {
                int from = (int) ((long) units * part / parts);
                int to = (int) ((long) units * (part + 1) / parts);
                if (splitColumns) {
                    product(transA, 0, m, from, to, n, k, a, aOff, lda, b, beta, bias, biasOff, epilogue, c, cOff, ldc);
                } else {
                    product(transA, from * MR, Math.min(m, to * MR), 0, panels, n, k, a, aOff, lda, b, beta, bias,
                            biasOff, epilogue, c, cOff, ldc);
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

    /**
     * Rows [rowStart, rowEnd) × panels [panelStart, panelEnd) of C on the calling thread: for each group of panels and
     * each KC-deep slice of K, the group is packed once (unless B came packed) and swept by row blocks of MB rows,
     * 8 rows at a time.
     */
    private static void product(boolean transA, int rowStart, int rowEnd, int panelStart, int panelEnd, int n, int k,
                                float[] a, int aOff, int lda, Operand b, float beta, float[] bias, int biasOff,
                                Epilogue epilogue, float[] c, int cOff, int ldc) {
        float[] tile = TILE.get();
        int fullRowsEnd = rowStart + (rowEnd - rowStart) / MR * MR;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            float betaHere = pc == 0 ? beta : 1f;
            float[] biasHere = pc == 0 ? bias : null;
            Epilogue epilogueHere = pc + kc == k ? epilogue : null;
            int groupPanels = Math.max(1, GROUP_FLOATS / (kc * NR));
            float[] edgeA = fullRowsEnd < rowEnd ? edgeRows(transA, a, aOff, lda, fullRowsEnd, rowEnd - fullRowsEnd, pc, kc) : null;
            for (int g = panelStart; g < panelEnd; g += groupPanels) {
                int groupEnd = Math.min(panelEnd, g + groupPanels);
                float[] packed = b.packed != null ? b.packed.panels : packedB((groupEnd - g) * kc * NR);
                for (int panel = g; b.packed == null && panel < groupEnd; panel++) {
                    int j = panel * NR;
                    int nr = Math.min(NR, n - j);
                    packB(b.trans, b.data, b.off, b.ld, pc, kc, j, nr, nr <= L ? L : NR, packed, (panel - g) * kc * NR);
                }
                for (int ib = rowStart; ib < rowEnd; ib += MB) {
                    int blockEnd = Math.min(rowEnd, ib + MB);
                    for (int panel = g; panel < groupEnd; panel++) {
                        int j = panel * NR;
                        int nr = Math.min(NR, n - j);
                        int bBase = b.packed != null ? b.packed.offset(pc, panel) : (panel - g) * kc * NR;
                        for (int i = ib; i < blockEnd; i += MR) {
                            int mr = Math.min(MR, rowEnd - i);
                            // A last panel at most one vector wide runs the half-width kernels. A whole tile of a
                            // product that overwrites C goes straight from the registers into C, bias included.
                            boolean half = nr <= L;
                            boolean direct = mr == MR && nr == NR && betaHere == 0f;
                            float[] out = direct ? c : tile;
                            int outBase = direct ? cOff + i * ldc + j : 0;
                            int ldo = direct ? ldc : NR;
                            float[] kernelBias = direct ? biasHere : null;
                            if (mr < MR) {
                                if (half) {
                                    halfKernelTransposedA(edgeA, 0, MR, packed, bBase, kc, tile);
                                } else {
                                    kernelTransposedA(edgeA, 0, MR, packed, bBase, kc, null, 0, tile, 0, NR);
                                }
                            } else if (transA) {
                                if (half) {
                                    halfKernelTransposedA(a, aOff + pc * lda + i, lda, packed, bBase, kc, tile);
                                } else {
                                    kernelTransposedA(a, aOff + pc * lda + i, lda, packed, bBase, kc, kernelBias,
                                            biasOff + j, out, outBase, ldo);
                                }
                            } else if (half) {
                                halfKernelRowsA(a, aOff + i * lda + pc, lda, packed, bBase, kc, tile);
                            } else {
                                kernelRowsA(a, aOff + i * lda + pc, lda, packed, bBase, kc, kernelBias, biasOff + j,
                                        out, outBase, ldo);
                            }
                            if (!direct) {
                                addTile(tile, mr, nr, betaHere, biasHere, biasOff + j, c, cOff + i * ldc + j, ldc);
                            }
                            if (epilogueHere != null) {
                                for (int r = 0; r < mr; r++) {
                                    epilogueHere.apply(c, cOff + (i + r) * ldc + j, nr);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static float[] packedB(int size) {
        float[] buffer = PACKED_B.get();
        if (buffer.length < size) {
            buffer = new float[Math.max(size, GROUP_FLOATS)];
            PACKED_B.set(buffer);
        }
        return buffer;
    }

    /** The last mr < MR rows of op(A), columns [pc, pc+kc), as a zero-padded kc×MR block (op(A)ᵀ, row stride MR). */
    private static float[] edgeRows(boolean transA, float[] a, int aOff, int lda, int i, int mr, int pc, int kc) {
        float[] out = EDGE_A.get();
        if (out.length < kc * MR) {
            out = new float[KC * MR];
            EDGE_A.set(out);
        }
        for (int p = 0; p < kc; p++) {
            for (int r = 0; r < MR; r++) {
                out[p * MR + r] = r >= mr ? 0f : transA ? a[aOff + (pc + p) * lda + i + r] : a[aOff + (i + r) * lda + pc + p];
            }
        }
        return out;
    }

    /**
     * Packs op(B) rows [pc, pc+kc) × columns [j, j+nr) into one panel {@code width} (NR, or L for a narrow last
     * panel) wide: panel[p·width + col], zero-padded.
     */
    private static void packB(boolean transB, float[] b, int bOff, int ldb, int pc, int kc, int j, int nr, int width,
                              float[] out, int base) {
        if (!transB) {
            for (int p = 0; p < kc; p++) {
                int src = bOff + (pc + p) * ldb + j;
                int dst = base + p * width;
                System.arraycopy(b, src, out, dst, nr);
                for (int col = nr; col < width; col++) {
                    out[dst + col] = 0f;
                }
            }
        } else {
            // op(B)(p, col) = B[col][p]: read each stored row once, scatter down the panel.
            for (int col = 0; col < width; col++) {
                if (col < nr) {
                    int src = bOff + (j + col) * ldb + pc;
                    for (int p = 0; p < kc; p++) {
                        out[base + p * width + col] = b[src + p];
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        out[base + p * width + col] = 0f;
                    }
                }
            }
        }
    }

    /** The MR×NR micro-kernel over rows of a row-major A (8 rows lda apart): out rows (ldo apart) = Σ_p A[·][p] ⊗ panel[p] + bias (none when null). */
    private static void kernelRowsA(float[] a, int aBase, int lda, float[] pb, int bBase, int kc, float[] bias,
                       int biasOff, float[] out, int outBase, int ldo) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int r0 = aBase;
        int r1 = r0 + lda;
        int r2 = r1 + lda;
        int r3 = r2 + lda;
        int r4 = r3 + lda;
        int r5 = r4 + lda;
        int r6 = r5 + lda;
        int r7 = r6 + lda;
        int bi = bBase;
        for (int p = 0; p < kc; p++, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + p]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[r1 + p]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[r2 + p]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[r3 + p]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[r4 + p]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[r5 + p]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a[r6 + p]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a[r7 + p]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        FloatVector bias0 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasOff);
        FloatVector bias1 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasOff + L);
        c00.add(bias0).intoArray(out, outBase);
        c01.add(bias1).intoArray(out, outBase + L);
        c10.add(bias0).intoArray(out, outBase + 1 * ldo);
        c11.add(bias1).intoArray(out, outBase + 1 * ldo + L);
        c20.add(bias0).intoArray(out, outBase + 2 * ldo);
        c21.add(bias1).intoArray(out, outBase + 2 * ldo + L);
        c30.add(bias0).intoArray(out, outBase + 3 * ldo);
        c31.add(bias1).intoArray(out, outBase + 3 * ldo + L);
        c40.add(bias0).intoArray(out, outBase + 4 * ldo);
        c41.add(bias1).intoArray(out, outBase + 4 * ldo + L);
        c50.add(bias0).intoArray(out, outBase + 5 * ldo);
        c51.add(bias1).intoArray(out, outBase + 5 * ldo + L);
        c60.add(bias0).intoArray(out, outBase + 6 * ldo);
        c61.add(bias1).intoArray(out, outBase + 6 * ldo + L);
        c70.add(bias0).intoArray(out, outBase + 7 * ldo);
        c71.add(bias1).intoArray(out, outBase + 7 * ldo + L);
    }

    /** The MR×NR micro-kernel when op(A)ᵀ is stored (the 8 values of step p are adjacent, steps lda apart). */
    private static void kernelTransposedA(float[] a, int aBase, int lda, float[] pb, int bBase, int kc, float[] bias,
                             int biasOff, float[] out, int outBase, int ldo) {
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
        for (int p = 0; p < kc; p++, ai += lda, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            FloatVector b1 = FloatVector.fromArray(S, pb, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, a[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[ai + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[ai + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(S, a[ai + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(S, a[ai + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        FloatVector bias0 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasOff);
        FloatVector bias1 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasOff + L);
        c00.add(bias0).intoArray(out, outBase);
        c01.add(bias1).intoArray(out, outBase + L);
        c10.add(bias0).intoArray(out, outBase + 1 * ldo);
        c11.add(bias1).intoArray(out, outBase + 1 * ldo + L);
        c20.add(bias0).intoArray(out, outBase + 2 * ldo);
        c21.add(bias1).intoArray(out, outBase + 2 * ldo + L);
        c30.add(bias0).intoArray(out, outBase + 3 * ldo);
        c31.add(bias1).intoArray(out, outBase + 3 * ldo + L);
        c40.add(bias0).intoArray(out, outBase + 4 * ldo);
        c41.add(bias1).intoArray(out, outBase + 4 * ldo + L);
        c50.add(bias0).intoArray(out, outBase + 5 * ldo);
        c51.add(bias1).intoArray(out, outBase + 5 * ldo + L);
        c60.add(bias0).intoArray(out, outBase + 6 * ldo);
        c61.add(bias1).intoArray(out, outBase + 6 * ldo + L);
        c70.add(bias0).intoArray(out, outBase + 7 * ldo);
        c71.add(bias1).intoArray(out, outBase + 7 * ldo + L);
    }

    /** The MR×L half-width micro-kernel of {@link #kernelRowsA}, for a last panel at most one vector wide. */
    private static void halfKernelRowsA(float[] a, int aBase, int lda, float[] pb, int bBase, int kc, float[] tile) {
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S);
        FloatVector c5 = FloatVector.zero(S);
        FloatVector c6 = FloatVector.zero(S);
        FloatVector c7 = FloatVector.zero(S);
        int r0 = aBase;
        int r1 = r0 + lda;
        int r2 = r1 + lda;
        int r3 = r2 + lda;
        int r4 = r3 + lda;
        int r5 = r4 + lda;
        int r6 = r5 + lda;
        int r7 = r6 + lda;
        int bi = bBase;
        for (int p = 0; p < kc; p++, bi += L) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            c0 = FloatVector.broadcast(S, a[r0 + p]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[r1 + p]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[r2 + p]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[r3 + p]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[r4 + p]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[r5 + p]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, a[r6 + p]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, a[r7 + p]).fma(b0, c7);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, 2 * L);
        c2.intoArray(tile, 4 * L);
        c3.intoArray(tile, 6 * L);
        c4.intoArray(tile, 8 * L);
        c5.intoArray(tile, 10 * L);
        c6.intoArray(tile, 12 * L);
        c7.intoArray(tile, 14 * L);
    }

    /** The MR×L half-width micro-kernel of {@link #kernelTransposedA}. */
    private static void halfKernelTransposedA(float[] a, int aBase, int lda, float[] pb, int bBase, int kc, float[] tile) {
        FloatVector c0 = FloatVector.zero(S);
        FloatVector c1 = FloatVector.zero(S);
        FloatVector c2 = FloatVector.zero(S);
        FloatVector c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S);
        FloatVector c5 = FloatVector.zero(S);
        FloatVector c6 = FloatVector.zero(S);
        FloatVector c7 = FloatVector.zero(S);
        int ai = aBase;
        int bi = bBase;
        for (int p = 0; p < kc; p++, ai += lda, bi += L) {
            FloatVector b0 = FloatVector.fromArray(S, pb, bi);
            c0 = FloatVector.broadcast(S, a[ai]).fma(b0, c0);
            c1 = FloatVector.broadcast(S, a[ai + 1]).fma(b0, c1);
            c2 = FloatVector.broadcast(S, a[ai + 2]).fma(b0, c2);
            c3 = FloatVector.broadcast(S, a[ai + 3]).fma(b0, c3);
            c4 = FloatVector.broadcast(S, a[ai + 4]).fma(b0, c4);
            c5 = FloatVector.broadcast(S, a[ai + 5]).fma(b0, c5);
            c6 = FloatVector.broadcast(S, a[ai + 6]).fma(b0, c6);
            c7 = FloatVector.broadcast(S, a[ai + 7]).fma(b0, c7);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, 2 * L);
        c2.intoArray(tile, 4 * L);
        c3.intoArray(tile, 6 * L);
        c4.intoArray(tile, 8 * L);
        c5.intoArray(tile, 10 * L);
        c6.intoArray(tile, 12 * L);
        c7.intoArray(tile, 14 * L);
    }

    /** C[0..mr)[0..nr) = tile + beta·C + bias (beta 0 overwrites, so C may hold garbage; bias may be null). */
    private static void addTile(float[] tile, int mr, int nr, float beta, float[] bias, int biasOff, float[] c, int cBase,
                                int ldc) {
        if (nr == NR) {
            FloatVector bias0 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasOff);
            FloatVector bias1 = bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasOff + L);
            for (int r = 0; r < mr; r++) {
                int row = cBase + r * ldc;
                FloatVector t0 = FloatVector.fromArray(S, tile, r * NR).add(bias0);
                FloatVector t1 = FloatVector.fromArray(S, tile, r * NR + L).add(bias1);
                if (beta != 0f) {
                    t0 = FloatVector.fromArray(S, c, row).mul(beta).add(t0);
                    t1 = FloatVector.fromArray(S, c, row + L).mul(beta).add(t1);
                }
                t0.intoArray(c, row);
                t1.intoArray(c, row + L);
            }
            return;
        }
        for (int r = 0; r < mr; r++) {
            int row = cBase + r * ldc;
            for (int col = 0; col < nr; col++) {
                float v = tile[r * NR + col] + (bias == null ? 0f : bias[biasOff + col]);
                c[row + col] = beta == 0f ? v : v + beta * c[row + col];
            }
        }
    }

    private static void scaleC(int m, int n, float beta, float[] bias, int biasOff, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float v = beta == 0f ? 0f : beta * c[cOff + i * ldc + j];
                c[cOff + i * ldc + j] = bias == null ? v : v + bias[biasOff + j];
            }
        }
    }

    /** The calling thread's partial rows of a GEMV, one per chunk (whichever thread runs the chunk). */
    private static final ThreadLocal<float[][]> GEMV_PARTIALS = ThreadLocal.withInitial(() -> new float[0][]);

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
        float[][] partials = partialRows(parts, n);
        Parallel.ChunkBody rows = (chunk, s, e) -> {
            float[] partial = partials[chunk];
            java.util.Arrays.fill(partial, 0, n, 0f);
            for (int p = s; p < e; p++) {
                Elementwise.accumulateScaled(b, bOff + p * ldb, x[xOff + p], partial, 0, n);
            }
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

    private static float[][] partialRows(int parts, int n) {
        float[][] rows = GEMV_PARTIALS.get();
        if (rows.length < parts || rows[0].length < n) {
            rows = new float[Math.max(parts, rows.length)][Math.max(n, rows.length == 0 ? 0 : rows[0].length)];
            GEMV_PARTIALS.set(rows);
        }
        return rows;
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
