package dev.tributary.pluginhost;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The frames between Tributary and the host (docs/plugin-host.md). Each frame is a
 * big-endian u32 length of the rest, then an i64 correlation id, a one-byte type, a u32
 * length of a UTF-8 JSON part, the JSON, and a binary block filling the rest (record
 * batches; empty otherwise). One reader thread reads; any thread writes, one frame at a
 * time.
 */
final class Wire {
    /** Tributary asks the host: a JSON request, {"op": ...}. */
    static final byte REQUEST = 1;
    /** The host's answer to a request: JSON result, block for record batches. */
    static final byte OK = 2;
    /** The host's answer when the plugin or the host threw: {"exception","message","trace"}. */
    static final byte ERROR = 3;
    /** The host asks Tributary (an offset read): ids the host chose, answered by REPLY. */
    static final byte CALL = 4;
    /** Tributary's answer to a CALL. */
    static final byte REPLY = 5;
    /** Something a plugin did on its own (raiseError, requestTaskReconfiguration, ...). */
    static final byte EVENT = 6;

    record Frame(long id, byte type, byte[] json, byte[] block) {}

    private static final byte[] EMPTY = new byte[0];

    private final DataInputStream in;
    private final DataOutputStream out;

    Wire(InputStream in, OutputStream out) {
        this.in = new DataInputStream(in);
        this.out = new DataOutputStream(out);
    }

    /** The next frame, or null when Tributary closed the stream (it stopped or died). */
    Frame read() throws IOException {
        int length;
        try {
            length = in.readInt();
        } catch (EOFException closed) {
            return null;
        }
        long id = in.readLong();
        byte type = in.readByte();
        int jsonLength = in.readInt();
        byte[] json = new byte[jsonLength];
        in.readFully(json);
        int blockLength = length - 8 - 1 - 4 - jsonLength;
        if (blockLength < 0) {
            throw new IOException("frame of " + length + " bytes is shorter than its JSON part");
        }
        byte[] block = blockLength == 0 ? EMPTY : new byte[blockLength];
        in.readFully(block);
        return new Frame(id, type, json, block);
    }

    synchronized void write(long id, byte type, byte[] json, byte[] block) throws IOException {
        byte[] rest = block == null ? EMPTY : block;
        out.writeInt(8 + 1 + 4 + json.length + rest.length);
        out.writeLong(id);
        out.writeByte(type);
        out.writeInt(json.length);
        out.write(json);
        out.write(rest);
        out.flush();
    }
}
