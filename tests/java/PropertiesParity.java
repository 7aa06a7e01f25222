import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Loads each file named on the command line with java.util.Properties, through an InputStream
 * as Apache's Utils.loadProps does, and prints "== <index>" followed by either
 * "ERROR\t<message>" or one "key\tvalue" line per entry, sorted by escaped key. Every UTF-16
 * unit outside printable ASCII, and the backslash and tab, is printed as a lowercase backslash-u
 * escape, so the output is plain ASCII and one line per entry.
 */
public class PropertiesParity {
    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i++) {
            System.out.println("== " + i);
            Properties props = new Properties();
            try (InputStream in = Files.newInputStream(Paths.get(args[i]))) {
                props.load(in);
            } catch (IllegalArgumentException e) {
                System.out.println("ERROR\t" + escape(e.getMessage()));
                continue;
            }
            TreeMap<String, String> sorted = new TreeMap<>();
            for (String key : props.stringPropertyNames()) {
                sorted.put(escape(key), escape(props.getProperty(key)));
            }
            sorted.forEach((k, v) -> System.out.println(k + "\t" + v));
        }
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '\\' || c == '\t') {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
