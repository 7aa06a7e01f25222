//! Parity of our properties parser with `java.util.Properties.load(InputStream)`, the call
//! Apache Connect makes in `Utils.loadProps`: the same bytes must give the same entries, or
//! the same error message. Needs the lab's Java (`TRIBUTARY_LAB_JAVA`,
//! `TRIBUTARY_LAB_KAFKA_LIBS`); fails loudly without it.

use crate::common;

use tributary::java::properties;

/// Hand-written inputs for each rule of the grammar.
fn tricky_inputs() -> Vec<Vec<u8>> {
    let texts: &[&[u8]] = &[
        b"",
        b"a=1\nb:2\nc 3\nd\t4\ne\x0c5\n",
        b"   leading = spaces   \n\t\x0ctab=x",
        b"k = =v\nk2 : :v\nk3 =: v\nk4 \t = \t v",
        b"# comment\n! bang\n   # indented comment\n\t! tab bang\nx=1 # not a comment",
        b"#comment with continuation \\\nnext=line",
        b"a=one \\\n     two \\\n\tthree",
        b"a=x\\\r\n  y\r\nb=z\r\n",
        b"a=x\\\r  y\rb=z\r",
        b"a=x\\\\\nb=y\\\\\\\nz",
        b"a=x\\\n\nb=y",
        b"a=x\\\n  #y\n!c\n",
        b"a=x\\",
        b"\\",
        b"\\\n",
        b"\\\n#comment\nk=v",
        b"key\\ with\\ spaces=v\nkey\\=eq\\:colon=v2\n\\#notcomment=v3\n\\!x=v4",
        b"esc=\\t\\n\\r\\f\\b\\q\\\\\\\"\\'",
        b"u=\\u0041\\u00e9\\u20AC\\uD83D\\uDE00",
        b"bad=\\u12G4",
        b"bad=\\u12",
        b"\\uzzzz=v",
        b"dup=1\nother=x\ndup=2\ndup=3",
        b"empty=\nempty2\nempty3:\n=novalue\n:alsonovalue",
        b"latin1=\xe9\xe8\xff\nutf8=\xc3\xa9\xe2\x82\xac",
        b"crlf=1\r\n\r\n\r\ncrlf2=2\r\n",
        b"mixed=1\r\rmixed2=2\n\rmixed3=3\r\n",
        b"   \n\t\n\x0c\n",
        b"k=v\\\n",
        b"k=v\\\r",
        b"k=v\\\r\n",
        b"k=\\\n\\\n\\\nend",
        b"nul=a\x00b\nctl=\x01\x7f",
        b"key=value with = and : inside",
        b"key  value with spaces  ",
        b"k\\\n  ey=v",
        b"offset.flush.interval.ms=10000\nname=local-file-source\nconnector.class=FileStreamSource\ntasks.max=1\nfile=/tmp/test.txt\ntopic=connect-test\n",
    ];
    let mut inputs: Vec<Vec<u8>> = texts.iter().map(|t| t.to_vec()).collect();
    inputs.extend(random_inputs(400));
    inputs
}

/// Deterministic random inputs over the characters that matter to the grammar. No `d`, so no
/// `\uDxxx` lone surrogates, which a Rust `String` cannot hold.
fn random_inputs(count: usize) -> Vec<Vec<u8>> {
    const ALPHABET: &[u8] = b"==::  \t\x0c\\\\\\\n\n\r#!u0aAfFntrx\xe9\xc3k";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let len = (next() % 48) as usize;
            (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect()
        })
        .collect()
}

/// The escaping of `PropertiesParity.escape`, applied to UTF-16 units.
fn escape(s: &str) -> String {
    let mut out = String::new();
    for unit in s.encode_utf16() {
        if !(0x20..=0x7e).contains(&unit) || unit == u16::from(b'\\') || unit == u16::from(b'\t') {
            out.push_str(&format!("\\u{unit:04x}"));
        } else {
            out.push(char::from(unit as u8));
        }
    }
    out
}

fn ours(input: &[u8]) -> Vec<String> {
    match properties::parse_bytes(input) {
        Ok(props) => {
            let mut lines: Vec<(String, String)> =
                props.iter().map(|(k, v)| (escape(k), escape(v))).collect();
            lines.sort();
            lines
                .into_iter()
                .map(|(k, v)| format!("{k}\t{v}"))
                .collect()
        }
        Err(e) => vec![format!(
            "ERROR\t{}",
            escape(e.java_message().expect("a syntax error, not I/O"))
        )],
    }
}

#[test]
fn properties_match_java_util_properties() {
    let classpath = common::compile_java("PropertiesParity");
    let dir = tempfile::tempdir().unwrap();
    let inputs = tricky_inputs();
    let paths: Vec<String> = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| {
            let path = dir.path().join(format!("case{i}.properties"));
            std::fs::write(&path, input).unwrap();
            path.display().to_string()
        })
        .collect();
    let args: Vec<&str> = paths.iter().map(String::as_str).collect();
    let output = common::run_java(&classpath, "PropertiesParity", &args, b"");
    let stdout = String::from_utf8(output.stdout).unwrap();

    let mut java: Vec<Vec<String>> = Vec::new();
    for line in stdout.lines() {
        if line.starts_with("== ") {
            java.push(Vec::new());
        } else {
            java.last_mut()
                .expect("output starts with a case header")
                .push(line.to_owned());
        }
    }
    assert_eq!(java.len(), inputs.len(), "one Java result per input");

    let mut errors_seen = 0;
    for (i, (input, expected)) in inputs.iter().zip(&java).enumerate() {
        let actual = ours(input);
        assert_eq!(
            &actual,
            expected,
            "case {i}: input {:?}",
            String::from_utf8_lossy(input)
        );
        errors_seen += usize::from(expected.first().is_some_and(|l| l.starts_with("ERROR")));
    }
    // The corpus must exercise the error path too, or this test proves less than it claims.
    assert!(errors_seen >= 3, "only {errors_seen} error cases");
}
