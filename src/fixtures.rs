//! Builders shared by the unit tests.

/// A string map (properties, a connector config, client settings) from literal pairs.
pub fn string_map<M: FromIterator<(String, String)>>(pairs: &[(&str, &str)]) -> M {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
