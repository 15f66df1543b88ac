package dev.jlm.cli;

import dev.jlm.models.hub.HttpDownloader;

/** Download progress on standard error: one line per file, redrawn at most five times a second and when it ends. */
final class DownloadProgress implements HttpDownloader.Progress {
    private long lastPrint;

    @Override
    public void update(String file, long done, long total) {
        long now = System.nanoTime();
        if (now - lastPrint > 200_000_000L || done == total) {
            lastPrint = now;
            System.err.printf("\r%-24s %,12d / %s bytes", file, done, total < 0 ? "?" : String.format("%,d", total));
            if (done == total) {
                System.err.println();
            }
        }
    }
}
