//! Parsing of converter config values the way Kafka's `ConfigDef` parses them, with its
//! `ConfigException` messages.

use super::ConversionError;

/// A `BOOLEAN` config: `true`/`false`, any case, surrounding blanks ignored.
pub fn parse_bool(name: &str, value: &str) -> Result<bool, ConversionError> {
    let trimmed = value.trim();
    if trimmed.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if trimmed.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(ConversionError::Config(format!(
            "Invalid value {value} for configuration {name}: Expected value to be either true or false"
        )))
    }
}

/// An `INT` config.
pub fn parse_int(name: &str, value: &str) -> Result<i32, ConversionError> {
    value.trim().parse().map_err(|_| {
        ConversionError::Config(format!(
            "Invalid value {value} for configuration {name}: Not a number of type INT"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_and_ints() {
        assert!(parse_bool("x", " TRUE ").unwrap());
        assert!(!parse_bool("x", "false").unwrap());
        assert!(parse_bool("x", "1").is_err());
        assert_eq!(parse_int("x", " 12 ").unwrap(), 12);
        assert_eq!(
            parse_int("x", "a").unwrap_err().to_string(),
            "Invalid value a for configuration x: Not a number of type INT"
        );
    }
}
