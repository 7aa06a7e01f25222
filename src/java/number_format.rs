//! Numbers the way the Java side writes and reads them: `Double.toString`/`Float.toString`
//! (what Jackson emits for `double`/`float` nodes), `BigDecimal.toString` (NUMERIC
//! decimals), and the two's-complement big integers that Connect's `Decimal` carries.

use std::fmt::Write as _;

/// Appends `value` as Java's `Double.toString` writes it (`1.0E10`, `1.0E-5`, `0.001`,
/// `-0.0`). Non-finite values are the caller's business: Jackson quotes them.
pub fn write_java_double(out: &mut Vec<u8>, value: f64) {
    let mut buf = StackBuf::new();
    // `{:e}` gives the shortest digits that round-trip, as Java 19+ does.
    let _ = write!(buf, "{value:e}");
    let shortest = buf.as_str();
    if digit_count(shortest) == 1 {
        // Java picks, among the decimals of one or two digits that round to the value,
        // the one closest to it (`4.9E-324`, not `5.0E-324`).
        let mut two = StackBuf::new();
        let _ = write!(two, "{value:.1e}");
        if two.as_str().parse::<f64>().ok() == Some(value) {
            return write_java_style(out, two.as_str());
        }
    }
    write_java_style(out, shortest)
}

/// Java's `Double.toString` of any double, non-finite ones included (`NaN`, `Infinity`):
/// the one Java-double printer of the crate (config messages, offsets JSON, converters).
pub fn java_double_to_string(value: f64) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let mut out = Vec::with_capacity(24);
    write_java_double(&mut out, value);
    // Only ASCII digits, signs, points and `E` are written.
    String::from_utf8(out).expect("ASCII")
}

/// Appends `value` as Java's `Float.toString` writes it.
pub fn write_java_float(out: &mut Vec<u8>, value: f32) {
    let mut buf = StackBuf::new();
    let _ = write!(buf, "{value:e}");
    let shortest = buf.as_str();
    if digit_count(shortest) == 1 {
        let mut two = StackBuf::new();
        let _ = write!(two, "{value:.1e}");
        if two.as_str().parse::<f32>().ok() == Some(value) {
            return write_java_style(out, two.as_str());
        }
    }
    write_java_style(out, shortest)
}

fn digit_count(scientific: &str) -> usize {
    let mantissa = scientific.split('e').next().unwrap_or("");
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    // Trailing zeros after the point (from `{:.1e}`) are not significant.
    digits.iter().rposition(|d| *d != b'0').map_or(1, |p| p + 1)
}

/// Rewrites Rust's `d.ddde±x` into Java's layout: plain for 1e-3 <= |v| < 1e7, else
/// `d.dddE±x`, always with at least one digit after the point.
fn write_java_style(out: &mut Vec<u8>, scientific: &str) {
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    if negative {
        out.push(b'-');
    }
    if digits == [b'0'] {
        out.extend_from_slice(b"0.0");
        return;
    }
    if (-3..7).contains(&exponent) {
        if exponent < 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', (-exponent - 1) as usize));
            out.extend_from_slice(&digits);
        } else {
            let int_len = exponent as usize + 1;
            if digits.len() <= int_len {
                out.extend_from_slice(&digits);
                out.extend(std::iter::repeat_n(b'0', int_len - digits.len()));
                out.extend_from_slice(b".0");
            } else {
                out.extend_from_slice(&digits[..int_len]);
                out.push(b'.');
                out.extend_from_slice(&digits[int_len..]);
            }
        }
    } else {
        out.push(digits[0]);
        out.push(b'.');
        if digits.len() > 1 {
            out.extend_from_slice(&digits[1..]);
        } else {
            out.push(b'0');
        }
        out.push(b'E');
        let _ = write!(VecWriter(out), "{exponent}");
    }
}

/// Appends the decimal `unscaled × 10^-scale` as Java's `BigDecimal.toString` writes it:
/// plain when the scale is non-negative and the adjusted exponent is at least -6,
/// otherwise scientific with a signed exponent (`1.23E+4`, `1E-7`).
pub fn write_big_decimal(out: &mut Vec<u8>, unscaled_be: &[u8], scale: i32) {
    let (negative, digits) = twos_complement_to_decimal(unscaled_be);
    if negative {
        out.push(b'-');
    }
    let len = digits.len() as i64;
    let adjusted = -(scale as i64) + (len - 1);
    if scale >= 0 && adjusted >= -6 {
        let scale = scale as i64;
        if scale == 0 {
            out.extend_from_slice(&digits);
        } else if len > scale {
            let split = (len - scale) as usize;
            out.extend_from_slice(&digits[..split]);
            out.push(b'.');
            out.extend_from_slice(&digits[split..]);
        } else {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', (scale - len) as usize));
            out.extend_from_slice(&digits);
        }
    } else {
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'E');
        if adjusted >= 0 {
            out.push(b'+');
        }
        let _ = write!(VecWriter(out), "{adjusted}");
    }
}

/// The shortest big-endian two's-complement form of the same integer, which is what
/// Java's `BigInteger.toByteArray` produces.
pub fn minimal_twos_complement(bytes: &[u8]) -> &[u8] {
    let mut start = 0;
    while start + 1 < bytes.len() {
        let (first, next) = (bytes[start], bytes[start + 1]);
        let redundant = (first == 0x00 && next & 0x80 == 0) || (first == 0xFF && next & 0x80 != 0);
        if !redundant {
            break;
        }
        start += 1;
    }
    &bytes[start..]
}

/// Sign and decimal digits (no leading zeros, `"0"` for zero) of a big-endian
/// two's-complement integer of any length.
pub fn twos_complement_to_decimal(bytes: &[u8]) -> (bool, Vec<u8>) {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    // Magnitude as big-endian bytes: negate (invert, add one) when negative.
    let mut magnitude: Vec<u8> = if negative {
        let mut m: Vec<u8> = bytes.iter().map(|b| !b).collect();
        for byte in m.iter_mut().rev() {
            let (sum, carry) = byte.overflowing_add(1);
            *byte = sum;
            if !carry {
                break;
            }
        }
        m
    } else {
        bytes.to_vec()
    };
    if magnitude.len() <= 16 {
        let mut padded = [0u8; 16];
        padded[16 - magnitude.len()..].copy_from_slice(&magnitude);
        return (
            negative,
            u128::from_be_bytes(padded).to_string().into_bytes(),
        );
    }
    // Long division by 10^9, repeated: fine for the rare huge decimal.
    let mut chunks = Vec::new();
    while magnitude.iter().any(|b| *b != 0) {
        let mut remainder: u64 = 0;
        for byte in magnitude.iter_mut() {
            let current = (remainder << 8) | u64::from(*byte);
            *byte = (current / 1_000_000_000) as u8;
            remainder = current % 1_000_000_000;
        }
        chunks.push(remainder as u32);
    }
    let mut text = String::new();
    for (i, chunk) in chunks.iter().rev().enumerate() {
        if i == 0 {
            let _ = write!(text, "{chunk}");
        } else {
            let _ = write!(text, "{chunk:09}");
        }
    }
    if text.is_empty() {
        text.push('0');
    }
    (negative, text.into_bytes())
}

/// The minimal big-endian two's-complement bytes of the integer with these decimal
/// `digits` (ASCII, no sign) and sign.
pub fn decimal_to_twos_complement(negative: bool, digits: &[u8]) -> Vec<u8> {
    // Little-endian magnitude, multiplied by ten and added to digit by digit.
    let mut magnitude: Vec<u8> = vec![0];
    for digit in digits {
        let mut carry = u32::from(digit - b'0');
        for byte in magnitude.iter_mut() {
            let value = u32::from(*byte) * 10 + carry;
            *byte = value as u8;
            carry = value >> 8;
        }
        while carry > 0 {
            magnitude.push(carry as u8);
            carry >>= 8;
        }
    }
    magnitude.push(0); // room for the sign bit
    if negative {
        let mut carry = true;
        for byte in magnitude.iter_mut() {
            let inverted = !*byte;
            let (sum, overflow) = inverted.overflowing_add(u8::from(carry));
            *byte = sum;
            carry = overflow;
        }
    }
    magnitude.reverse();
    minimal_twos_complement(&magnitude).to_vec()
}

/// A small fixed buffer for formatting one number without a heap allocation.
struct StackBuf {
    bytes: [u8; 64],
    len: usize,
}

impl StackBuf {
    fn new() -> Self {
        StackBuf {
            bytes: [0; 64],
            len: 0,
        }
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.bytes.len() {
            return Err(std::fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// `fmt::Write` over a byte vector.
pub struct VecWriter<'a>(pub &'a mut Vec<u8>);

impl std::fmt::Write for VecWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double(v: f64) -> String {
        let mut out = Vec::new();
        write_java_double(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    fn float(v: f32) -> String {
        let mut out = Vec::new();
        write_java_float(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    fn decimal(bytes: &[u8], scale: i32) -> String {
        let mut out = Vec::new();
        write_big_decimal(&mut out, bytes, scale);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn doubles_follow_java_layout() {
        assert_eq!(double(1e10), "1.0E10");
        assert_eq!(double(1e-5), "1.0E-5");
        assert_eq!(double(0.1), "0.1");
        assert_eq!(double(0.001), "0.001");
        assert_eq!(double(1e7), "1.0E7");
        assert_eq!(double(9999999.0), "9999999.0");
        assert_eq!(double(100.0), "100.0");
        assert_eq!(double(-0.0), "-0.0");
        assert_eq!(double(0.0), "0.0");
        assert_eq!(double(123.456), "123.456");
        assert_eq!(double(f64::MAX), "1.7976931348623157E308");
        assert_eq!(double(f64::MIN_POSITIVE), "2.2250738585072014E-308");
        assert_eq!(double(4.9e-324), "4.9E-324");
        assert_eq!(double(-1.5e-7), "-1.5E-7");
    }

    #[test]
    fn floats_follow_java_layout() {
        assert_eq!(float(0.1), "0.1");
        assert_eq!(float(1e10), "1.0E10");
        assert_eq!(float(f32::MAX), "3.4028235E38");
        assert_eq!(float(1.4e-45), "1.4E-45");
        assert_eq!(float(3.0), "3.0");
    }

    #[test]
    fn big_decimals_follow_java_layout() {
        assert_eq!(decimal(&[0x30, 0x39], 2), "123.45");
        assert_eq!(decimal(&[0xFF], 2), "-0.01");
        assert_eq!(decimal(&[0x7B], -2), "1.23E+4");
        assert_eq!(decimal(&[0x01], 7), "1E-7");
        assert_eq!(decimal(&[0x01], 6), "0.000001");
        assert_eq!(decimal(&[0x00], 0), "0");
        assert_eq!(decimal(&[0x00], 3), "0.000");
    }

    #[test]
    fn big_integers_round_trip() {
        for text in [
            "0",
            "1",
            "127",
            "128",
            "255",
            "256",
            "123456789012345678901234567890123456789012",
        ] {
            for negative in [false, true] {
                let bytes = decimal_to_twos_complement(negative, text.as_bytes());
                let (back_negative, digits) = twos_complement_to_decimal(&bytes);
                assert_eq!(String::from_utf8(digits).unwrap(), text);
                assert_eq!(back_negative, negative && text != "0");
            }
        }
        assert_eq!(decimal_to_twos_complement(false, b"128"), vec![0x00, 0x80]);
        assert_eq!(decimal_to_twos_complement(true, b"128"), vec![0x80]);
        assert_eq!(minimal_twos_complement(&[0x00, 0x00, 0x01]), &[0x01]);
        assert_eq!(minimal_twos_complement(&[0xFF, 0xFF, 0x80]), &[0x80]);
        assert_eq!(minimal_twos_complement(&[0xFF, 0x7F]), &[0xFF, 0x7F]);
    }
}
