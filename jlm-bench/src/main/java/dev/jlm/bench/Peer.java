package dev.jlm.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a peer (numpy, PyTorch) as a Python script at its best: {@code OPENBLAS_CORETYPE}/{@code OPENBLAS_L2_SIZE}
 * unset and {@code OMP_WAIT_POLICY=passive} in the peer's environment alone. The script prints one JSON line last.
 */
public final class Peer {
    private Peer() {
    }

    /**
     * Runs {@code python} on a peer script bundled next to this class, with arguments; the bundled {@code modules} it
     * imports are written beside it. Returns the script's last stdout line.
     */
    public static String runPython(String python, String script, List<String> args, String... modules)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jlm-peer");
        try {
            for (String module : modules) {
                Files.writeString(dir.resolve(module), bundled(module));
            }
            Path file = Files.writeString(dir.resolve(script), bundled(script));
            List<String> command = new ArrayList<>(List.of(python, file.toString()));
            command.addAll(args);
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
            Map<String, String> env = builder.environment();
            env.remove("OPENBLAS_CORETYPE");
            env.remove("OPENBLAS_L2_SIZE");
            env.put("OMP_WAIT_POLICY", "passive");
            env.put("PYTHONDONTWRITEBYTECODE", "1");
            Process process = builder.start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = process.waitFor();
            if (code != 0) {
                throw new IOException("peer " + python + " exited with " + code + "; install it with: "
                        + installHint(python));
            }
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static String bundled(String resource) throws IOException {
        try (var in = Peer.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("missing bundled peer script " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String installHint(String python) {
        return python.equals("/usr/bin/python3") ? "apt-get install -y python3-torch libopenblas0-pthread" : "pip install numpy";
    }
}
