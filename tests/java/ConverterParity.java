// Runs Apache Kafka's JsonConverter and StringConverter over the vectors that
// tests/suite/converter_parity.rs builds the same way in Rust, and prints what they produce.
//
//   java ConverterParity write      every vector in every mode: the bytes (or the error),
//                                   a description of Java reading its own bytes back,
//                                   whether that read equals the vector it built, and the
//                                   bytes Java writes from that read
//   java ConverterParity read       stdin lines "mode<TAB>name<TAB>NULL|B:<base64>": the
//                                   description of what Java reads, and whether it equals
//                                   the vector of that name (EQ/NE, NA when there is none)
//   java ConverterParity string     StringConverter bytes of the string vectors
//   java ConverterParity roundtrip  stdin lines "mode<TAB>name<TAB>B:<base64>": Java reads
//                                   the bytes, then prints "mode<TAB>name<TAB>" the bytes
//                                   fromConnectData writes back ("B:<base64>"), a tab and
//                                   the value's toString (map order shows in both)
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.apache.kafka.connect.data.Date;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.connect.data.*;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.StringConverter;

public class ConverterParity {
    static final Map<String, SchemaAndValue> VECTORS = new LinkedHashMap<>();
    static final String[] MODES = {"schemas", "noschemas", "numeric", "keepnull"};

    static void v(String name, Schema schema, Object value) {
        VECTORS.put(name, new SchemaAndValue(schema, value));
    }

    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) out[i] = (byte) values[i];
        return out;
    }

    static <K, V> Map<K, V> map(Object... kv) {
        Map<K, V> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            @SuppressWarnings("unchecked") K k = (K) kv[i];
            @SuppressWarnings("unchecked") V val = (V) kv[i + 1];
            m.put(k, val);
        }
        return m;
    }

    static void build() {
        v("int8", Schema.INT8_SCHEMA, (byte) -128);
        v("int16", Schema.INT16_SCHEMA, (short) 32767);
        v("int32", Schema.INT32_SCHEMA, Integer.MIN_VALUE);
        v("int64", Schema.INT64_SCHEMA, Long.MAX_VALUE);
        v("bool", Schema.BOOLEAN_SCHEMA, true);
        v("string", Schema.STRING_SCHEMA, "hello");
        v("string_empty", Schema.STRING_SCHEMA, "");
        v("string_tricky", Schema.STRING_SCHEMA,
            "q\" b\\ s/ \u0000\u0001\u0008\t\n\u000B\f\r\u001F del\u007F \u00E9 \u4E2D \uD83D\uDE00 \u2028 \u00A0 \uFEFF end");
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) all[i] = (byte) i;
        v("bytes", Schema.BYTES_SCHEMA, all);
        v("bytes_empty", Schema.BYTES_SCHEMA, new byte[0]);

        v("f32_tenth", Schema.FLOAT32_SCHEMA, 0.1f);
        v("f32_1e10", Schema.FLOAT32_SCHEMA, 1e10f);
        v("f32_1e-5", Schema.FLOAT32_SCHEMA, 1e-5f);
        v("f32_neg_zero", Schema.FLOAT32_SCHEMA, -0.0f);
        v("f32_max", Schema.FLOAT32_SCHEMA, Float.MAX_VALUE);
        v("f32_min", Schema.FLOAT32_SCHEMA, Float.MIN_VALUE);
        v("f32_min_normal", Schema.FLOAT32_SCHEMA, Float.MIN_NORMAL);
        v("f32_nan", Schema.FLOAT32_SCHEMA, Float.NaN);
        v("f32_inf", Schema.FLOAT32_SCHEMA, Float.POSITIVE_INFINITY);
        v("f32_123456_7", Schema.FLOAT32_SCHEMA, 123456.7f);
        v("f32_1e7", Schema.FLOAT32_SCHEMA, 1e7f);
        v("f32_third", Schema.FLOAT32_SCHEMA, 1f / 3f);

        v("f64_tenth", Schema.FLOAT64_SCHEMA, 0.1);
        v("f64_1e10", Schema.FLOAT64_SCHEMA, 1e10);
        v("f64_1e-5", Schema.FLOAT64_SCHEMA, 1e-5);
        v("f64_neg_zero", Schema.FLOAT64_SCHEMA, -0.0);
        v("f64_max", Schema.FLOAT64_SCHEMA, Double.MAX_VALUE);
        v("f64_min", Schema.FLOAT64_SCHEMA, Double.MIN_VALUE);
        v("f64_min_normal", Schema.FLOAT64_SCHEMA, Double.MIN_NORMAL);
        v("f64_nan", Schema.FLOAT64_SCHEMA, Double.NaN);
        v("f64_neg_inf", Schema.FLOAT64_SCHEMA, Double.NEGATIVE_INFINITY);
        v("f64_1e7", Schema.FLOAT64_SCHEMA, 1e7);
        v("f64_9999999", Schema.FLOAT64_SCHEMA, 9999999.0);
        v("f64_0_001", Schema.FLOAT64_SCHEMA, 0.001);
        v("f64_1e-4", Schema.FLOAT64_SCHEMA, 0.0001);
        v("f64_third", Schema.FLOAT64_SCHEMA, 1.0 / 3.0);
        v("f64_1e23", Schema.FLOAT64_SCHEMA, 1e23);
        v("f64_neg_123_456", Schema.FLOAT64_SCHEMA, -123.456);

        v("opt_int32_null", Schema.OPTIONAL_INT32_SCHEMA, null);
        v("opt_string_value", Schema.OPTIONAL_STRING_SCHEMA, "x");
        v("default_int32_null", SchemaBuilder.int32().defaultValue(42).build(), null);
        v("opt_default_string_null", SchemaBuilder.string().optional().defaultValue("dflt").build(), null);
        v("named_string", SchemaBuilder.string().name("com.example.Name").version(3).doc("a \"doc\"")
            .parameter("a", "1").parameter("b", "2").build(), "v");
        v("required_null", Schema.INT32_SCHEMA, null);
        v("type_mismatch", Schema.INT32_SCHEMA, "str");
        v("opt_struct_null", SchemaBuilder.struct().optional()
            .field("a", Schema.INT32_SCHEMA).build(), null);

        v("array_int32", SchemaBuilder.array(Schema.INT32_SCHEMA).build(), Arrays.asList(1, 2, 3));
        v("array_opt_string", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).build(),
            Arrays.asList("a", null, "c"));
        v("array_empty", SchemaBuilder.array(Schema.INT64_SCHEMA).build(), new ArrayList<>());
        v("map_string_int", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build(),
            map("one", 1, "two", 2));
        v("map_int_string", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build(),
            map(1, "a", 2, "b"));
        v("map_empty", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.STRING_SCHEMA).build(), map());

        Schema inner = SchemaBuilder.struct().name("com.example.Inner")
            .field("flag", Schema.BOOLEAN_SCHEMA)
            .field("score", SchemaBuilder.float64().optional().defaultValue(1.5).build())
            .build();
        Schema outer = SchemaBuilder.struct().name("com.example.Outer").version(2).doc("outer")
            .field("id", Schema.INT64_SCHEMA)
            .field("name", Schema.OPTIONAL_STRING_SCHEMA)
            .field("inner", inner)
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("attrs", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_INT32_SCHEMA).build())
            .field("when", Timestamp.SCHEMA)
            .field("amount", Decimal.schema(2))
            .build();
        Struct innerValue = new Struct(inner).put("flag", true);
        Struct outerValue = new Struct(outer).put("id", 1L).put("inner", innerValue)
            .put("tags", Arrays.asList("a", "b")).put("attrs", map("k", null, "j", 5))
            .put("when", new java.util.Date(1700000000123L)).put("amount", new BigDecimal("123.45"));
        v("struct_nested", outer, outerValue);

        Schema point = SchemaBuilder.struct().field("x", Schema.INT32_SCHEMA).field("y", Schema.INT32_SCHEMA).build();
        Schema path = SchemaBuilder.struct().field("points", SchemaBuilder.array(point).build()).build();
        v("struct_array_of_structs", path, new Struct(path).put("points", Arrays.asList(
            new Struct(point).put("x", 1).put("y", 2), new Struct(point).put("x", 3).put("y", 4))));

        v("date", Date.SCHEMA, new java.util.Date(19000L * 86400000L));
        v("time", Time.SCHEMA, new java.util.Date(3723004L));
        v("time_bad", Time.SCHEMA, new java.util.Date(90000000L));
        v("timestamp", Timestamp.SCHEMA, new java.util.Date(1700000000123L));
        v("timestamp_negative", Timestamp.SCHEMA, new java.util.Date(-1L));
        v("decimal_2", Decimal.schema(2), new BigDecimal("12345.67"));
        v("decimal_neg", Decimal.schema(2), new BigDecimal("-0.01"));
        v("decimal_big", Decimal.schema(10), new BigDecimal("12345678901234567890.1234567890"));
        v("decimal_neg_scale", Decimal.schema(-2), new BigDecimal(BigInteger.valueOf(123), -2));
        v("decimal_zero", Decimal.schema(3), new BigDecimal("0.000"));
        v("decimal_tiny", Decimal.schema(9), new BigDecimal(BigInteger.ONE, 9));
        v("decimal_128", Decimal.schema(0), new BigDecimal("128"));

        v("null_no_schema", null, null);
        v("sl_int", null, 5);
        v("sl_long", null, 5000000000L);
        v("sl_string", null, "s");
        v("sl_double", null, 1.5);
        v("sl_float", null, 0.1f);
        v("sl_bool", null, false);
        v("sl_bytes", null, bytes(1, 2, 3));
        v("sl_list", null, Arrays.asList(1L, "a", null, true));
        v("sl_map_string", null, map("a", 1L, "b", Arrays.asList(1.5, "x")));
        v("sl_map_int", null, map(1L, "x", 2L, "y"));
        v("sl_struct", null, new Struct(point).put("x", 1).put("y", 2));
    }

    static JsonConverter converter(String mode) {
        Map<String, Object> config = new HashMap<>();
        switch (mode) {
            case "noschemas": config.put("schemas.enable", "false"); break;
            case "numeric": config.put("decimal.format", "NUMERIC"); break;
            case "keepnull": config.put("replace.null.with.default", "false"); break;
            default: break;
        }
        JsonConverter c = new JsonConverter();
        c.configure(config, false);
        return c;
    }

    static final ObjectMapper MAPPER = new ObjectMapper();

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x));
        return sb.toString();
    }

    static String clean(String s) {
        return s == null ? "null" : s.replace('\t', ' ').replace('\n', ' ');
    }

    /** A description of a read value that does not depend on map order. */
    static String describe(JsonConverter c, SchemaAndValue sv) throws Exception {
        String schema = sv.schema() == null ? "null" : MAPPER.writeValueAsString(c.asJsonSchema(sv.schema()));
        return schema + " " + value(sv.schema(), sv.value());
    }

    static String value(Schema s, Object v) {
        if (v == null) return "null";
        if (s != null && s.name() != null) {
            switch (s.name()) {
                case Decimal.LOGICAL_NAME: {
                    BigDecimal d = (BigDecimal) v;
                    return "dec:" + d.unscaledValue() + "s" + d.scale();
                }
                case Date.LOGICAL_NAME: return "date:" + Math.floorDiv(((java.util.Date) v).getTime(), 86400000L);
                case Time.LOGICAL_NAME: return "time:" + ((java.util.Date) v).getTime();
                case Timestamp.LOGICAL_NAME: return "ts:" + ((java.util.Date) v).getTime();
                default: break;
            }
        }
        if (v instanceof Byte) return "i8:" + v;
        if (v instanceof Short) return "i16:" + v;
        if (v instanceof Integer) return "i32:" + v;
        if (v instanceof Long) return "i64:" + v;
        if (v instanceof Float) return "f32:" + Integer.toHexString(Float.floatToRawIntBits((Float) v));
        if (v instanceof Double) return "f64:" + Long.toHexString(Double.doubleToRawLongBits((Double) v));
        if (v instanceof Boolean) return "bool:" + v;
        if (v instanceof String) return "str:" + hex(((String) v).getBytes(StandardCharsets.UTF_8));
        if (v instanceof byte[]) return "bytes:" + hex((byte[]) v);
        if (v instanceof BigDecimal) return "bigdec:" + v;
        if (v instanceof List) {
            StringBuilder sb = new StringBuilder("[");
            boolean first = true;
            for (Object e : (List<?>) v) {
                if (!first) sb.append(",");
                first = false;
                sb.append(value(s == null ? null : s.valueSchema(), e));
            }
            return sb.append("]").toString();
        }
        if (v instanceof Map) {
            List<String> entries = new ArrayList<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                entries.add(value(s == null ? null : s.keySchema(), e.getKey()) + "="
                    + value(s == null ? null : s.valueSchema(), e.getValue()));
            }
            Collections.sort(entries);
            return "{" + String.join(",", entries) + "}";
        }
        if (v instanceof Struct) {
            Struct st = (Struct) v;
            StringBuilder sb = new StringBuilder("struct{");
            boolean first = true;
            for (Field f : st.schema().fields()) {
                if (!first) sb.append(",");
                first = false;
                sb.append(f.name()).append("=").append(value(f.schema(), st.getWithoutDefault(f.name())));
            }
            return sb.append("}").toString();
        }
        return "other:" + v;
    }

    /** Deep equality that compares byte arrays by content, as Struct.equals does. */
    static boolean same(Object a, Object b) {
        if (a == null || b == null) return a == b;
        if (a instanceof byte[] && b instanceof byte[]) return Arrays.equals((byte[]) a, (byte[]) b);
        if (a instanceof List && b instanceof List) {
            List<?> x = (List<?>) a, y = (List<?>) b;
            if (x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!same(x.get(i), y.get(i))) return false;
            return true;
        }
        if (a instanceof Map && b instanceof Map) {
            Map<?, ?> x = (Map<?, ?>) a, y = (Map<?, ?>) b;
            if (x.size() != y.size()) return false;
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !same(e.getValue(), y.get(e.getKey()))) return false;
            }
            return true;
        }
        return a.equals(b);
    }

    static String equalsBuilt(String name, SchemaAndValue read) {
        SchemaAndValue built = VECTORS.get(name);
        if (built == null) return "NA";
        return Objects.equals(built.schema(), read.schema()) && same(built.value(), read.value()) ? "EQ" : "NE";
    }

    static String readLine(JsonConverter c, String name, byte[] input) {
        try {
            SchemaAndValue read = c.toConnectData("topic", input);
            return describe(c, read) + "\t" + equalsBuilt(name, read);
        } catch (Exception e) {
            return "E:" + clean(e.getMessage()) + "\tNA";
        }
    }

    // The bytes Java writes back from its own read of `input` (a map comes back in the
    // order of the HashMap it was read into), "-" when it cannot read them.
    static String rewrite(JsonConverter c, byte[] input) {
        try {
            SchemaAndValue read = c.toConnectData("topic", input);
            byte[] again = c.fromConnectData("topic", read.schema(), read.value());
            return again == null ? "NULL" : "B:" + Base64.getEncoder().encodeToString(again);
        } catch (Exception e) {
            return "-";
        }
    }

    public static void main(String[] args) throws Exception {
        build();
        StringBuilder out = new StringBuilder();
        switch (args[0]) {
            case "write":
                for (String mode : MODES) {
                    JsonConverter c = converter(mode);
                    for (Map.Entry<String, SchemaAndValue> e : VECTORS.entrySet()) {
                        String written;
                        String readBack = "-\tNA";
                        String rewritten = "-";
                        try {
                            byte[] b = c.fromConnectData("topic", e.getValue().schema(), e.getValue().value());
                            written = b == null ? "NULL" : "B:" + Base64.getEncoder().encodeToString(b);
                            readBack = readLine(c, e.getKey(), b);
                            rewritten = rewrite(c, b);
                        } catch (Exception ex) {
                            written = "E:" + clean(ex.getMessage());
                        }
                        out.append(mode).append('\t').append(e.getKey()).append('\t').append(written)
                            .append('\t').append(readBack).append('\t').append(rewritten).append('\n');
                    }
                }
                break;
            case "read": {
                Scanner in = new Scanner(System.in, StandardCharsets.UTF_8);
                Map<String, JsonConverter> converters = new HashMap<>();
                while (in.hasNextLine()) {
                    String line = in.nextLine();
                    if (line.isEmpty()) continue;
                    String[] parts = line.split("\t", -1);
                    JsonConverter c = converters.computeIfAbsent(parts[0], ConverterParity::converter);
                    byte[] input = parts[2].equals("NULL") ? null : Base64.getDecoder().decode(parts[2].substring(2));
                    out.append(parts[0]).append('\t').append(parts[1]).append('\t')
                        .append(readLine(c, parts[1], input)).append('\n');
                }
                break;
            }
            case "roundtrip": {
                Scanner in = new Scanner(System.in, StandardCharsets.UTF_8);
                while (in.hasNextLine()) {
                    String line = in.nextLine();
                    if (line.isEmpty()) continue;
                    String[] parts = line.split("\t", -1);
                    JsonConverter c = converter(parts[0]);
                    byte[] input = Base64.getDecoder().decode(parts[2].substring(2));
                    SchemaAndValue read = c.toConnectData("topic", input);
                    byte[] again = c.fromConnectData("topic", read.schema(), read.value());
                    out.append(parts[0]).append('\t').append(parts[1]).append("\tB:")
                        .append(Base64.getEncoder().encodeToString(again)).append('\t')
                        .append(String.valueOf(read.value())).append('\n');
                }
                break;
            }
            case "string": {
                StringConverter c = new StringConverter();
                c.configure(Map.of(), false);
                for (Map.Entry<String, SchemaAndValue> e : VECTORS.entrySet()) {
                    String written;
                    try {
                        byte[] b = c.fromConnectData("topic", e.getValue().schema(), e.getValue().value());
                        written = b == null ? "NULL" : "B:" + Base64.getEncoder().encodeToString(b);
                    } catch (Exception ex) {
                        written = "E:" + clean(ex.getMessage());
                    }
                    out.append("string\t").append(e.getKey()).append('\t').append(written).append('\n');
                }
                break;
            }
            default:
                throw new IllegalArgumentException("unknown command " + args[0]);
        }
        System.out.write(out.toString().getBytes(StandardCharsets.UTF_8));
        System.out.flush();
    }
}
