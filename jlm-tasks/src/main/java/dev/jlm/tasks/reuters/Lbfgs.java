package dev.jlm.tasks.reuters;

/**
 * Limited-memory BFGS (Nocedal 1980) with a backtracking Armijo line search: the last {@value #HISTORY} steps and
 * gradient changes approximate the inverse Hessian through the two-loop recursion.
 */
final class Lbfgs {
    private static final int HISTORY = 10;

    /** A differentiable function: returns f(x) and writes ∇f(x) into {@code gradient}. */
    interface Function {
        double evaluate(double[] x, double[] gradient);
    }

    private Lbfgs() {
    }

    /**
     * Minimizes {@code f} from {@code x} (updated in place and returned) until the largest gradient entry is below
     * {@code gradientTolerance}, the objective stops decreasing, or {@code maxIterations} pass.
     */
    static double[] minimize(Function f, double[] x, int maxIterations, double gradientTolerance) {
        int n = x.length;
        double[][] s = new double[HISTORY][n];
        double[][] y = new double[HISTORY][n];
        double[] rho = new double[HISTORY];
        double[] alpha = new double[HISTORY];
        int stored = 0;
        int newest = -1;
        double[] g = new double[n];
        double[] gNext = new double[n];
        double[] xNext = new double[n];
        double[] d = new double[n];
        double fx = f.evaluate(x, g);
        for (int iteration = 0; iteration < maxIterations && maxAbs(g) > gradientTolerance; iteration++) {
            // d = -H g by the two-loop recursion (plain steepest descent, scaled to unit length, before any history).
            System.arraycopy(g, 0, d, 0, n);
            for (int k = 0; k < stored; k++) {
                int i = Math.floorMod(newest - k, HISTORY);
                alpha[i] = rho[i] * dot(s[i], d);
                axpy(-alpha[i], y[i], d);
            }
            double scale = stored > 0 ? dot(s[newest], y[newest]) / dot(y[newest], y[newest]) : 1 / Math.sqrt(dot(g, g));
            for (int j = 0; j < n; j++) {
                d[j] *= scale;
            }
            for (int k = stored - 1; k >= 0; k--) {
                int i = Math.floorMod(newest - k, HISTORY);
                axpy(alpha[i] - rho[i] * dot(y[i], d), s[i], d);
            }
            for (int j = 0; j < n; j++) {
                d[j] = -d[j];
            }
            double slope = dot(g, d);
            if (slope >= 0) { // not a descent direction: forget the curvature pairs and go downhill
                stored = 0;
                for (int j = 0; j < n; j++) {
                    d[j] = -g[j];
                }
                slope = -dot(g, g);
            }
            double step = 1;
            double fNext = Double.NaN;
            for (int tries = 0; tries < 50; tries++, step *= 0.5) {
                for (int j = 0; j < n; j++) {
                    xNext[j] = x[j] + step * d[j];
                }
                fNext = f.evaluate(xNext, gNext);
                if (fNext <= fx + 1e-4 * step * slope) {
                    break;
                }
            }
            if (!(fNext < fx)) {
                break; // no progress possible at this precision
            }
            newest = (newest + 1) % HISTORY;
            for (int j = 0; j < n; j++) {
                s[newest][j] = xNext[j] - x[j];
                y[newest][j] = gNext[j] - g[j];
            }
            double sy = dot(s[newest], y[newest]);
            if (sy > 1e-12) {
                rho[newest] = 1 / sy;
                stored = Math.min(stored + 1, HISTORY);
            } else {
                newest = Math.floorMod(newest - 1, HISTORY);
            }
            double decrease = fx - fNext;
            System.arraycopy(xNext, 0, x, 0, n);
            System.arraycopy(gNext, 0, g, 0, n);
            fx = fNext;
            if (decrease <= 1e-12 * Math.max(1, Math.abs(fx))) {
                break;
            }
        }
        return x;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static double maxAbs(double[] a) {
        double max = 0;
        for (double v : a) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
