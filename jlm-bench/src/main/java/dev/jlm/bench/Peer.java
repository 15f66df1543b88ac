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

    /** Runs {@code python} on the script text with arguments; returns the script's last stdout line. */
    public static String runPython(String python, String script, List<String> args) throws IOException, InterruptedException {
        Path file = Files.createTempFile("jlm-peer", ".py");
        try {
            Files.writeString(file, script);
            List<String> command = new ArrayList<>(List.of(python, file.toString()));
            command.addAll(args);
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
            Map<String, String> env = builder.environment();
            env.remove("OPENBLAS_CORETYPE");
            env.remove("OPENBLAS_L2_SIZE");
            env.put("OMP_WAIT_POLICY", "passive");
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
            Files.deleteIfExists(file);
        }
    }

    /** Loads a peer script bundled as a resource next to the benchmark class. */
    public static String script(String resource) throws IOException {
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
