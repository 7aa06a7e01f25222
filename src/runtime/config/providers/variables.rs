//! `${provider:path:key}` placeholders (Apache's `ConfigTransformer` syntax and rules).
//!
//! A placeholder is `${`, a provider name up to the first `:`, an optional path up to
//! the next `:`, and a key up to the first `}`; `${provider:key}` has an empty path.
//! A placeholder whose provider is not configured, or whose key has no value, is left
//! as written. Replaced text is not scanned again.

use std::ops::Range;

/// One placeholder in a config value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable<'a> {
    pub provider: &'a str,
    /// Empty for `${provider:key}`.
    pub path: &'a str,
    pub key: &'a str,
    /// Where the whole `${...}` sits in the value.
    pub span: Range<usize>,
}

/// Every placeholder of `value`, left to right (the matches Java's
/// `\$\{([^}]*?):(([^}]*?):)?([^}]*?)\}` finds).
pub fn variables(value: &str) -> Vec<Variable<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = value[from..].find("${") {
        let start = from + offset;
        let inner_start = start + 2;
        let Some(close) = value[inner_start..].find('}') else {
            break;
        };
        let inner_end = inner_start + close;
        let inner = &value[inner_start..inner_end];
        match inner.split_once(':') {
            Some((provider, rest)) => {
                let (path, key) = rest.split_once(':').unwrap_or(("", rest));
                found.push(Variable {
                    provider,
                    path,
                    key,
                    span: start..inner_end + 1,
                });
                from = inner_end + 1;
            }
            // No match starts here; the next one may start inside (after this `$`).
            None => from = start + 1,
        }
    }
    found
}

/// Whether `value` holds at least one placeholder.
pub fn has_variables(value: &str) -> bool {
    !variables(value).is_empty()
}

/// `value` with each placeholder replaced by `lookup(variable)`, or kept when that is
/// `None`.
pub fn replace<'v>(
    value: &'v str,
    mut lookup: impl FnMut(&Variable<'v>) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(value.len());
    let mut copied = 0;
    for variable in variables(value) {
        if let Some(replacement) = lookup(&variable) {
            out.push_str(&value[copied..variable.span.start]);
            out.push_str(&replacement);
            copied = variable.span.end;
        }
    }
    out.push_str(&value[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(value: &str) -> Vec<(&str, &str, &str)> {
        variables(value)
            .into_iter()
            .map(|v| (v.provider, v.path, v.key))
            .collect()
    }

    #[test]
    fn provider_path_and_key() {
        assert_eq!(
            parts("${file:/etc/secrets.properties:password}"),
            [("file", "/etc/secrets.properties", "password")]
        );
    }

    #[test]
    fn key_without_path() {
        assert_eq!(parts("${env:HOME}"), [("env", "", "HOME")]);
    }

    #[test]
    fn extra_colons_belong_to_the_key() {
        assert_eq!(parts("${file:/a:b:c}"), [("file", "/a", "b:c")]);
    }

    #[test]
    fn several_and_embedded() {
        assert_eq!(
            parts("jdbc://${env:HOST}:${file:/p:port}/db"),
            [("env", "", "HOST"), ("file", "/p", "port")]
        );
    }

    #[test]
    fn not_placeholders() {
        assert!(parts("${nocolon}").is_empty());
        assert!(parts("${file:unclosed").is_empty());
        assert!(parts("plain").is_empty());
        // The first `${` has no colon before `}`: the match starts at the second one.
        assert_eq!(parts("${x}${env:A}"), [("env", "", "A")]);
        // A `${` inside the provider part is part of the name, as in Java.
        assert_eq!(parts("${a${b:c}"), [("a${b", "", "c")]);
    }

    #[test]
    fn replace_keeps_unknown_placeholders() {
        let out = replace("u=${env:USER} p=${env:MISSING}", |v| {
            (v.key == "USER").then(|| "alice".to_owned())
        });
        assert_eq!(out, "u=alice p=${env:MISSING}");
    }
}
