package dev.tributary.pluginhost;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.PrintStream;

/**
 * The plugin host's entry point. Tributary starts it with the host's class path and talks
 * to it over stdin and stdout; everything the host or a plugin prints goes to stderr.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        // Taken before anything can print: System.out becomes stderr, so a plugin's println
        // cannot corrupt the protocol stream.
        FileOutputStream protocolOut = new FileOutputStream(FileDescriptor.out);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        Wire wire = new Wire(new BufferedInputStream(new FileInputStream(FileDescriptor.in), 1 << 16),
                new BufferedOutputStream(protocolOut, 1 << 16));
        new Host(wire).serve();
        // Tributary closed stdin: it stopped (or died); the plugins go with it.
        System.exit(0);
    }
}
