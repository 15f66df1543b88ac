package dev.jlm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs a peer (numpy, PyTorch) as a Python script at its best: {@code OPENBLAS_CORETYPE}/{@code OPENBLAS_L2_SIZE}
 * unset, {@code OMP_WAIT_POLICY=passive}, and the BLAS and OpenMP thread counts set to jlm's, in the peer's
 * environment alone. Left to itself, Debian's PyTorch runs OpenMP and OpenBLAS threads on top of each other and
 * measured 2–5× slower than its best. The script prints one JSON line last, with the BLAS it ran on
 * ({@code blas_info.py}).
 */
public final class Peer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Peer() {
    }

    /**
     * Runs {@code python} on a peer script bundled next to this class, with arguments, on {@code threads} BLAS and
     * OpenMP threads; the bundled {@code modules} it imports are written beside it. Returns the script's last
     * stdout line, a JSON object.
     */
    public static JsonNode runPython(String python, int threads, String script, List<String> args, String... modules)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jlm-peer");
        try {
            for (String module : Stream.concat(Stream.of("blas_info.py"), Arrays.stream(modules)).toList()) {
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
            for (String variable : List.of("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")) {
                env.put(variable, String.valueOf(threads));
            }
            env.put("PYTHONDONTWRITEBYTECODE", "1");
            Process process = builder.start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = process.waitFor();
            if (code != 0) {
                throw new IOException("peer " + python + " exited with " + code + "; install it with: "
                        + installHint(python));
            }
            String[] lines = out.strip().split("\n");
            return JSON.readTree(lines[lines.length - 1]);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** The peer's BLAS and thread counts, for a bench's JSON line: a figure says what it was measured on. */
    public static void describe(JsonNode peer, ObjectNode out) {
        out.put("peer_blas", peer.path("blas").asText("unknown")).put("peer_blas_threads", peer.path("blas_threads").asInt());
        if (peer.has("threads")) {
            out.put("peer_torch_threads", peer.path("threads").asInt());
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
