//! Java's number parsing and printing where the SMTs rely on it: `BigDecimal` (Connect
//! decimals, `new BigDecimal(String)`), `Integer.parseInt` and friends, `Double.parseDouble`
//! and `Float.toString`.

use super::number_format::{
    decimal_to_twos_complement, java_double_to_string, minimal_twos_complement,
    twos_complement_to_decimal, write_big_decimal, write_java_float,
};

/// A `java.math.BigDecimal`: sign, decimal digits of the unscaled value and scale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BigDecimal {
    negative: bool,
    /// ASCII digits, at least one.
    digits: Vec<u8>,
    scale: i32,
}

impl BigDecimal {
    /// `new BigDecimal(text)`: `[+-]digits[.digits][(e|E)[+-]digits]`; None when Java
    /// would throw `NumberFormatException`.
    pub fn parse(text: &str) -> Option<BigDecimal> {
        let (negative, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => {
                let exp = &rest[at + 1..];
                let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (&rest[..at], exp.parse::<i64>().ok()?)
            }
            None => (rest, 0),
        };
        let (int_part, frac_part) = match mantissa.split_once('.') {
            Some((i, f)) => (i, f),
            None => (mantissa, ""),
        };
        if int_part.len() + frac_part.len() == 0
            || !int_part
                .bytes()
                .chain(frac_part.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let scale = i32::try_from(frac_part.len() as i64 - exponent).ok()?;
        let mut digits: Vec<u8> = int_part.bytes().chain(frac_part.bytes()).collect();
        let leading = digits.iter().take_while(|d| **d == b'0').count();
        digits.drain(..leading.min(digits.len() - 1));
        Some(BigDecimal {
            negative: negative && digits != b"0",
            digits,
            scale,
        })
    }

    /// A Connect decimal: big-endian two's-complement unscaled value and the schema scale.
    pub fn from_connect(unscaled: &[u8], scale: i32) -> BigDecimal {
        let (negative, digits) = twos_complement_to_decimal(unscaled);
        BigDecimal {
            negative,
            digits,
            scale,
        }
    }

    /// `BigDecimal.ZERO`.
    pub fn zero() -> BigDecimal {
        BigDecimal {
            negative: false,
            digits: b"0".to_vec(),
            scale: 0,
        }
    }

    /// The scale.
    pub fn scale(&self) -> i32 {
        self.scale
    }

    /// The unscaled value as Connect's `Decimal` carries it.
    pub fn unscaled_bytes(&self) -> Vec<u8> {
        let bytes = decimal_to_twos_complement(self.negative, &self.digits);
        minimal_twos_complement(&bytes).to_vec()
    }

    /// `longValue()`: the integer part, keeping its low 64 bits as Java does.
    pub fn long_value(&self) -> i64 {
        let kept = if self.scale > 0 {
            let cut = (self.scale as usize).min(self.digits.len());
            &self.digits[..self.digits.len() - cut]
        } else {
            &self.digits[..]
        };
        let mut acc: u64 = 0;
        for d in kept {
            acc = acc.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
        }
        // A negative scale multiplies by 10 per step; past 64 steps the low bits are 0.
        for _ in 0..(-(self.scale.min(0))).min(64) {
            acc = acc.wrapping_mul(10);
        }
        let value = acc as i64;
        if self.negative {
            value.wrapping_neg()
        } else {
            value
        }
    }

    /// The value in Rust's float syntax (`-1234e-2`), exact.
    fn scientific(&self) -> String {
        let sign = if self.negative { "-" } else { "" };
        let digits = std::str::from_utf8(&self.digits).unwrap_or("0");
        format!("{sign}{digits}e{}", -i64::from(self.scale))
    }

    /// `doubleValue()`, correctly rounded.
    pub fn double_value(&self) -> f64 {
        self.scientific().parse().unwrap_or(0.0)
    }

    /// `floatValue()`, correctly rounded (infinite beyond the float range, as in Java).
    pub fn float_value(&self) -> f32 {
        self.scientific().parse().unwrap_or(0.0)
    }

    /// The value as a `long` when it is a whole number within the `long` range, else None
    /// (the test `Values` makes before it picks an integer schema).
    pub fn exact_long(&self) -> Option<i64> {
        let kept = if self.scale > 0 {
            let cut = self.scale as usize;
            if cut >= self.digits.len() {
                // Only zero has no digit left of the point (leading zeros are dropped).
                return (self.digits == b"0").then_some(0);
            }
            let (whole, fraction) = self.digits.split_at(self.digits.len() - cut);
            if fraction.iter().any(|d| *d != b'0') {
                return None;
            }
            whole
        } else {
            &self.digits[..]
        };
        let mut acc: i128 = 0;
        for d in kept {
            acc = acc.checked_mul(10)?.checked_add(i128::from(d - b'0'))?;
        }
        if acc != 0 {
            for _ in 0..-(self.scale.min(0)) {
                acc = acc.checked_mul(10)?;
                if acc > i128::from(u64::MAX) {
                    return None;
                }
            }
        }
        i64::try_from(if self.negative { -acc } else { acc }).ok()
    }

    /// `toString()` (scientific notation for small or negative-scale values).
    pub fn to_java_string(&self) -> String {
        let mut out = Vec::new();
        write_big_decimal(&mut out, &self.unscaled_bytes(), self.scale);
        String::from_utf8(out).unwrap_or_default()
    }
}

/// `Integer.parseInt`/`Long.parseLong`/... on a string: optional sign, ASCII digits, in
/// range; None when Java throws `NumberFormatException`.
pub fn parse_java_integer<T: std::str::FromStr>(text: &str) -> Option<T> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `Double.parseDouble`: trims ASCII whitespace and control characters, accepts `NaN`,
/// `Infinity`, decimal and scientific notation with an optional `d`/`f` suffix.
pub fn parse_java_double(text: &str) -> Option<f64> {
    let trimmed = text.trim_matches(|c: char| c <= ' ');
    let unsigned = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    let negative = trimmed.starts_with('-');
    let magnitude = match unsigned {
        "NaN" => return Some(f64::NAN),
        "Infinity" => f64::INFINITY,
        _ => {
            let body = unsigned
                .strip_suffix(['d', 'D', 'f', 'F'])
                .unwrap_or(unsigned);
            // Same grammar as a BigDecimal, which Rust's parser then rounds correctly.
            BigDecimal::parse(body)?;
            body.parse::<f64>().ok()?
        }
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// `Float.parseFloat`: as [`parse_java_double`], rounded once to float precision.
pub fn parse_java_float(text: &str) -> Option<f32> {
    let trimmed = text.trim_matches(|c: char| c <= ' ');
    let unsigned = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    let body = unsigned
        .strip_suffix(['d', 'D', 'f', 'F'])
        .unwrap_or(unsigned);
    if matches!(body, "NaN" | "Infinity") {
        return parse_java_double(text).map(|d| d as f32);
    }
    BigDecimal::parse(body)?;
    let magnitude: f32 = body.parse().ok()?;
    Some(if trimmed.starts_with('-') {
        -magnitude
    } else {
        magnitude
    })
}

/// `Float.toString`.
pub fn java_float_to_string(value: f32) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let mut out = Vec::new();
    write_java_float(&mut out, value);
    String::from_utf8(out).unwrap_or_default()
}

/// `Double.toString`.
pub fn java_double_string(value: f64) -> String {
    java_double_to_string(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_decimal_parses_like_java() {
        let d = BigDecimal::parse("12.34").unwrap();
        assert_eq!(d.scale(), 2);
        assert_eq!(d.long_value(), 12);
        assert_eq!(BigDecimal::parse("-1.9").unwrap().long_value(), -1);
        assert_eq!(BigDecimal::parse("1E+3").unwrap().long_value(), 1000);
        assert_eq!(BigDecimal::parse("1E+3").unwrap().scale(), -3);
        assert_eq!(BigDecimal::parse(".5").unwrap().double_value(), 0.5);
        assert!(BigDecimal::parse("abc").is_none());
        assert!(BigDecimal::parse("1e").is_none());
        assert!(BigDecimal::parse("").is_none());
        assert!(BigDecimal::parse(".").is_none());
        // 2^64 + 5 keeps its low 64 bits.
        assert_eq!(
            BigDecimal::parse("18446744073709551621")
                .unwrap()
                .long_value(),
            5
        );
        assert_eq!(
            BigDecimal::parse("12.50").unwrap().to_java_string(),
            "12.50"
        );
        assert_eq!(BigDecimal::parse("1.50E+1").unwrap().exact_long(), Some(15));
        assert_eq!(BigDecimal::parse("-0.00").unwrap().exact_long(), Some(0));
        assert_eq!(BigDecimal::parse("1.5").unwrap().exact_long(), None);
        assert_eq!(BigDecimal::parse("0.5").unwrap().exact_long(), None);
        assert_eq!(
            BigDecimal::parse("-9223372036854775808")
                .unwrap()
                .exact_long(),
            Some(i64::MIN)
        );
        assert_eq!(
            BigDecimal::parse("9223372036854775808")
                .unwrap()
                .exact_long(),
            None
        );
        assert_eq!(BigDecimal::parse("1e100").unwrap().exact_long(), None);
        assert_eq!(
            BigDecimal::parse("1e39").unwrap().float_value(),
            f32::INFINITY
        );
        let back =
            BigDecimal::from_connect(&BigDecimal::parse("-3.14").unwrap().unscaled_bytes(), 2);
        assert_eq!(back.to_java_string(), "-3.14");
    }

    #[test]
    fn java_number_parsing() {
        assert_eq!(parse_java_integer::<i8>("127"), Some(127));
        assert_eq!(parse_java_integer::<i8>("128"), None);
        assert_eq!(parse_java_integer::<i32>(" 1"), None);
        assert_eq!(parse_java_double(" 1.5d "), Some(1.5));
        assert_eq!(parse_java_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_java_double("inf"), None);
        assert_eq!(parse_java_float("0.1"), Some(0.1f32));
        assert_eq!(java_float_to_string(1.5), "1.5");
        assert_eq!(java_double_string(1e10), "1.0E10");
    }
}
