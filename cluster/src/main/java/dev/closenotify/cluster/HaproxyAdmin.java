package dev.closenotify.cluster;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * HAProxy's runtime API over its admin UNIX socket ({@code stats socket ... level admin}): one
 * command per connection, answered and closed by HAProxy (its non-interactive mode).
 */
final class HaproxyAdmin {
    /** The administrative states of {@code set server B/S state ...}. */
    enum State {
        READY, DRAIN, MAINT
    }

    /**
     * One server row of {@code show stat}.
     *
     * @param name the server's name in the backend
     * @param status HAProxy's status, e.g. {@code UP}, {@code DOWN}, {@code DRAIN}, {@code MAINT}
     * @param sessions current sessions ({@code scur}): connections open to the server now
     * @param total sessions since HAProxy started ({@code stot})
     */
    record ServerStat(String name, String status, int sessions, long total) {
        boolean up() {
            return status.equals("UP");
        }
    }

    /**
     * One server row of {@code show servers state}: where the server is.
     *
     * @param name the server's name in the backend
     * @param host its address
     * @param port its port
     */
    record ServerAddress(String name, String host, int port) {}

    private static final System.Logger LOG = System.getLogger(HaproxyAdmin.class.getName());

    private final Path socket;
    private final Duration timeout;

    HaproxyAdmin(Path socket, Duration timeout) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    Path socket() {
        return socket;
    }

    /** Sends {@code command} and returns HAProxy's whole answer; fails when it does not come within the timeout. */
    String execute(String command) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX); Selector selector = Selector.open()) {
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new IOException("cannot connect to HAProxy's runtime API at " + socket + ": " + e.getMessage(), e);
            }
            // A command line is far below any socket buffer: the blocking write returns at once.
            ByteBuffer out = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            ByteBuffer in = ByteBuffer.allocate(16 * 1024);
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("HAProxy did not answer '" + command + "' within " + timeout + " (" + socket + ")");
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                int n = ch.read(in);
                if (n < 0) {
                    LOG.log(System.Logger.Level.DEBUG, "runtime API {0}: ''{1}'' answered {2} bytes", socket, command, answer.size());
                    return answer.toString(StandardCharsets.US_ASCII);
                }
                answer.write(in.array(), 0, in.position());
                in.clear();
            }
        }
    }

    /** {@code set server BACKEND/SERVER state STATE}; fails with HAProxy's answer when it refuses. */
    void setState(String backend, String server, State state) throws IOException {
        String command = "set server " + backend + "/" + server + " state " + state.name().toLowerCase(Locale.ROOT);
        String answer = execute(command).strip();
        if (!answer.isEmpty()) {
            throw new IOException("HAProxy refused '" + command + "': " + answer);
        }
    }

    /** The servers of {@code backend} as {@code show stat} reports them, in configuration order. */
    List<ServerStat> stats(String backend) throws IOException {
        List<Map<String, String>> rows = csv(execute("show stat"));
        List<ServerStat> servers = new ArrayList<>();
        for (Map<String, String> row : rows) {
            String name = row.getOrDefault("svname", "");
            if (backend.equals(row.get("pxname")) && !name.equals("BACKEND") && !name.equals("FRONTEND")) {
                servers.add(new ServerStat(name, row.getOrDefault("status", ""), parseInt(row.get("scur")),
                        parseInt(row.get("stot"))));
            }
        }
        if (servers.isEmpty()) {
            throw new IOException("HAProxy has no backend '" + backend + "' with servers (show stat)");
        }
        return servers;
    }

    /** One server of {@code backend}; fails naming the servers there are. */
    ServerStat stat(String backend, String server) throws IOException {
        List<ServerStat> all = stats(backend);
        return all.stream().filter(s -> s.name().equals(server)).findFirst().orElseThrow(() -> new IOException(
                "no server '" + server + "' in backend '" + backend + "' (servers: "
                        + all.stream().map(ServerStat::name).toList() + ")"));
    }

    /** Where the servers of {@code backend} are ({@code show servers state BACKEND}). */
    List<ServerAddress> addresses(String backend) throws IOException {
        String answer = execute("show servers state " + backend);
        List<String> lines = answer.lines().filter(l -> !l.isBlank()).toList();
        // "1" (the format version), "# be_id be_name srv_id srv_name srv_addr ...", then one line per server.
        int header = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("# ")) {
                header = i;
                break;
            }
        }
        if (header < 0) {
            throw new IOException("unexpected answer to 'show servers state " + backend + "': " + answer.strip());
        }
        List<String> names = Arrays.asList(lines.get(header).substring(2).trim().split("\\s+"));
        int nameAt = names.indexOf("srv_name");
        int addrAt = names.indexOf("srv_addr");
        int portAt = names.indexOf("srv_port");
        if (nameAt < 0 || addrAt < 0 || portAt < 0) {
            throw new IOException("'show servers state' lacks srv_name/srv_addr/srv_port: " + lines.get(header));
        }
        List<ServerAddress> servers = new ArrayList<>();
        for (String line : lines.subList(header + 1, lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length > Math.max(nameAt, Math.max(addrAt, portAt))) {
                servers.add(new ServerAddress(f[nameAt], f[addrAt], parseInt(f[portAt])));
            }
        }
        if (servers.isEmpty()) {
            throw new IOException("HAProxy has no servers in backend '" + backend + "': " + answer.strip());
        }
        return servers;
    }

    private static List<Map<String, String>> csv(String text) throws IOException {
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty() || !lines.get(0).startsWith("# ")) {
            throw new IOException("unexpected answer to 'show stat': " + text.strip());
        }
        String[] names = lines.get(0).substring(2).split(",", -1);
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] values = line.split(",", -1);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < Math.min(names.length, values.length); i++) {
                row.put(names[i], values[i]);
            }
            rows.add(row);
        }
        return rows;
    }

    private static int parseInt(String s) {
        if (s == null || s.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
