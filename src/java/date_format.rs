//! The part of Java's `SimpleDateFormat` (in UTC, as TimestampConverter sets it) that
//! timestamp patterns use: eras, years, months (numbers and English names), days, day of
//! year, day of week, AM/PM, the hour fields, minutes, seconds, milliseconds and zones,
//! with quoting. Parsing is lenient like Java's (out-of-range values roll over, trailing
//! text is ignored). The week-based letters `Y`, `w`, `W` and `F` are refused at
//! configuration time rather than given a different meaning. Formatting follows Java's
//! calendar (Julian before 1582-10-15); parsing reads every date as proleptic Gregorian.
//! Used by TimestampConverter (format and parse), TimestampRouter (format) and Cast and
//! InsertHeader (ISO dates).

use std::time::{SystemTime, UNIX_EPOCH};

pub const MILLIS_PER_DAY: i64 = 86_400_000;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1..=12).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Year, month (1..=12) and day of a day count since the epoch.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since the epoch of 1582-10-15, the first day of the Gregorian calendar in Java's
/// `GregorianCalendar`; earlier days are Julian calendar dates.
const GREGORIAN_CUTOVER_DAY: i64 = -141_427;

/// Year, month and day of a day count in Java's calendar: Julian before the cutover.
fn java_civil_from_days(days: i64) -> (i64, i64, i64) {
    if days >= GREGORIAN_CUTOVER_DAY {
        return civil_from_days(days);
    }
    // Julian calendar from the Julian day number (Richards' algorithm, floored).
    let c = days + 2_440_588 + 32_082;
    let d = (4 * c + 3).div_euclid(1461);
    let e = c - (1461 * d).div_euclid(4);
    let m = (5 * e + 2).div_euclid(153);
    let day = e - (153 * m + 2).div_euclid(5) + 1;
    let month = m + 3 - 12 * m.div_euclid(10);
    let year = d - 4800 + m.div_euclid(10);
    (year, month, day)
}

/// Days since the epoch of January 1 of `year` in Java's calendar.
fn java_new_year(year: i64) -> i64 {
    let gregorian = days_from_civil(year, 1, 1);
    if gregorian >= GREGORIAN_CUTOVER_DAY {
        return gregorian;
    }
    // Julian day number of a Julian January 1 (a = 1, y = year + 4799, m = 10).
    let y = year + 4799;
    let jdn = 1 + (153 * 10 + 2) / 5 + 365 * y + y.div_euclid(4) - 32_083;
    jdn - 2_440_588
}

/// Connect's `Values.dateFormatFor(date).format(date)`: a time of day before the first
/// day ends, a date at midnight, else a full timestamp (in UTC; Java uses the JVM zone).
pub fn iso_format_for(millis: i64) -> String {
    let pattern = if millis < MILLIS_PER_DAY {
        "HH:mm:ss.SSS'Z'"
    } else if millis % MILLIS_PER_DAY == 0 {
        "yyyy-MM-dd"
    } else {
        "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
    };
    match SimpleDateFormat::new(pattern) {
        Ok(format) => format.format(millis),
        Err(_) => millis.to_string(),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Literal(String),
    Field(char, usize),
}

/// A compiled pattern.
#[derive(Clone, Debug)]
pub struct SimpleDateFormat {
    pattern: String,
    tokens: Vec<Token>,
    /// The first year of the hundred-year window two-digit years are read in.
    century_start_year: i64,
}

/// Why a pattern cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
    /// Java refuses it too (its message).
    Java(String),
    /// Java accepts it, this implementation does not.
    Unsupported(char),
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PatternError::Java(message) => f.write_str(message),
            PatternError::Unsupported(letter) => write!(
                f,
                "Pattern character '{letter}' (week-based fields) is not supported by this build"
            ),
        }
    }
}

impl SimpleDateFormat {
    /// Compiles `pattern`.
    pub fn new(pattern: &str) -> Result<SimpleDateFormat, PatternError> {
        let mut tokens = Vec::new();
        let chars: Vec<char> = pattern.chars().collect();
        let mut i = 0;
        let mut literal = String::new();
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                if chars.get(i + 1) == Some(&'\'') {
                    literal.push('\'');
                    i += 2;
                    continue;
                }
                let Some(end) = chars[i + 1..].iter().position(|x| *x == '\'') else {
                    return Err(PatternError::Java("Unterminated quote".to_owned()));
                };
                // Inside quotes, '' is a quote too.
                let mut j = i + 1;
                let mut end = i + 1 + end;
                loop {
                    literal.extend(&chars[j..end]);
                    if chars.get(end + 1) == Some(&'\'') {
                        literal.push('\'');
                        j = end + 2;
                        match chars[j..].iter().position(|x| *x == '\'') {
                            Some(next) => end = j + next,
                            None => {
                                return Err(PatternError::Java("Unterminated quote".to_owned()));
                            }
                        }
                    } else {
                        break;
                    }
                }
                i = end + 1;
                continue;
            }
            if c.is_ascii_alphabetic() {
                if !"GyMdkHmsSEDFwWahKzZYuXL".contains(c) {
                    return Err(PatternError::Java(format!(
                        "Illegal pattern character '{c}'"
                    )));
                }
                if "YwWF".contains(c) {
                    return Err(PatternError::Unsupported(c));
                }
                let count = chars[i..].iter().take_while(|x| **x == c).count();
                if c == 'X' && count > 3 {
                    return Err(PatternError::Java(format!(
                        "invalid ISO 8601 format: length={count}"
                    )));
                }
                if !literal.is_empty() {
                    tokens.push(Token::Literal(std::mem::take(&mut literal)));
                }
                tokens.push(Token::Field(c, count));
                i += count;
                continue;
            }
            literal.push(c);
            i += 1;
        }
        if !literal.is_empty() {
            tokens.push(Token::Literal(literal));
        }
        let now_millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let (now_year, _, _) = civil_from_days(now_millis.div_euclid(MILLIS_PER_DAY));
        Ok(SimpleDateFormat {
            pattern: pattern.to_owned(),
            tokens,
            century_start_year: now_year - 80,
        })
    }

    /// The pattern as given (`toPattern`).
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Formats epoch milliseconds in UTC.
    pub fn format(&self, millis: i64) -> String {
        let days = millis.div_euclid(MILLIS_PER_DAY);
        let in_day = millis.rem_euclid(MILLIS_PER_DAY);
        let (year, month, day) = java_civil_from_days(days);
        let hour = in_day / 3_600_000;
        let minute = in_day / 60_000 % 60;
        let second = in_day / 1000 % 60;
        let milli = in_day % 1000;
        // Monday = 0; 1970-01-01 was a Thursday.
        let weekday = (days + 3).rem_euclid(7) as usize;
        let day_of_year = days - java_new_year(year) + 1;
        let era_year = if year <= 0 { 1 - year } else { year };
        let mut out = String::new();
        let pad = |out: &mut String, n: i64, width: usize| {
            out.push_str(&format!("{n:0width$}"));
        };
        for token in &self.tokens {
            match token {
                Token::Literal(text) => out.push_str(text),
                Token::Field(c, n) => {
                    let n = *n;
                    match c {
                        'G' => out.push_str(if year <= 0 { "BC" } else { "AD" }),
                        'y' if n == 2 => pad(&mut out, era_year % 100, 2),
                        'y' => pad(&mut out, era_year, n),
                        'M' | 'L' if n >= 4 => out.push_str(MONTHS[(month - 1) as usize]),
                        'M' | 'L' if n == 3 => out.push_str(&MONTHS[(month - 1) as usize][..3]),
                        'M' | 'L' => pad(&mut out, month, n),
                        'd' => pad(&mut out, day, n),
                        'D' => pad(&mut out, day_of_year, n),
                        'E' if n >= 4 => out.push_str(DAYS[weekday]),
                        'E' => out.push_str(&DAYS[weekday][..3]),
                        'u' => pad(&mut out, weekday as i64 + 1, n),
                        'a' => out.push_str(if hour < 12 { "AM" } else { "PM" }),
                        'H' => pad(&mut out, hour, n),
                        'k' => pad(&mut out, if hour == 0 { 24 } else { hour }, n),
                        'K' => pad(&mut out, hour % 12, n),
                        'h' => pad(&mut out, if hour % 12 == 0 { 12 } else { hour % 12 }, n),
                        'm' => pad(&mut out, minute, n),
                        's' => pad(&mut out, second, n),
                        'S' => pad(&mut out, milli, n),
                        'z' if n >= 4 => out.push_str("Coordinated Universal Time"),
                        'z' => out.push_str("UTC"),
                        'Z' => out.push_str("+0000"),
                        'X' => out.push('Z'),
                        _ => {}
                    }
                }
            }
        }
        out
    }

    /// Parses the start of `text` as Java's lenient `parse(String)` does; None where Java
    /// throws `ParseException`.
    pub fn parse(&self, text: &str) -> Option<i64> {
        let chars: Vec<char> = text.chars().collect();
        let mut pos = 0usize;
        let mut year: Option<i64> = None;
        let mut bc = false;
        let mut month: Option<i64> = None;
        let mut day: Option<i64> = None;
        let mut day_of_year: Option<i64> = None;
        let mut hour_of_day: Option<i64> = None;
        let mut hour12: Option<i64> = None;
        let mut pm: Option<bool> = None;
        let (mut minute, mut second, mut milli, mut offset) = (0i64, 0i64, 0i64, 0i64);
        for (index, token) in self.tokens.iter().enumerate() {
            match token {
                Token::Literal(lit) => {
                    for expected in lit.chars() {
                        if chars.get(pos) != Some(&expected) {
                            return None;
                        }
                        pos += 1;
                    }
                }
                Token::Field(c, n) => {
                    let n = *n;
                    // Numeric fields directly followed by another numeric field take exactly
                    // their width (e.g. `yyyyMMdd`).
                    let next_numeric = matches!(
                        self.tokens.get(index + 1),
                        Some(Token::Field(next, m)) if is_numeric(*next, *m)
                    );
                    let width = (next_numeric && is_numeric(*c, n)).then_some(n);
                    while matches!(chars.get(pos), Some(' ' | '\t')) {
                        pos += 1;
                    }
                    match c {
                        'G' => {
                            let (i, len) = match_name(&chars[pos..], &["AD", "BC"])?;
                            bc = i == 1;
                            pos += len;
                        }
                        'M' | 'L' if n >= 3 => {
                            let mut names: Vec<&str> = MONTHS.to_vec();
                            names.extend(MONTHS.iter().map(|m| &m[..3]));
                            let (i, len) = match_name(&chars[pos..], &names)?;
                            month = Some((i % 12) as i64 + 1);
                            pos += len;
                        }
                        'E' => {
                            let mut names: Vec<&str> = DAYS.to_vec();
                            names.extend(DAYS.iter().map(|d| &d[..3]));
                            let (_, len) = match_name(&chars[pos..], &names)?;
                            pos += len;
                        }
                        'a' => {
                            let (i, len) = match_name(&chars[pos..], &["AM", "PM"])?;
                            pm = Some(i == 1);
                            pos += len;
                        }
                        'z' | 'Z' | 'X' => {
                            let (value, len) = parse_zone(&chars[pos..])?;
                            offset = value;
                            pos += len;
                        }
                        _ => {
                            let start = pos;
                            let (value, len) = parse_number(&chars[pos..], width)?;
                            pos += len;
                            match c {
                                'y' => {
                                    let digits = &chars[start..pos];
                                    let two_digits = n <= 2
                                        && digits.len() == 2
                                        && digits.iter().all(char::is_ascii_digit);
                                    year = Some(if two_digits {
                                        let ambiguous = self.century_start_year.rem_euclid(100);
                                        value
                                            + self.century_start_year.div_euclid(100) * 100
                                            + if value < ambiguous { 100 } else { 0 }
                                    } else {
                                        value
                                    });
                                }
                                'M' | 'L' => month = Some(value),
                                'd' => day = Some(value),
                                'D' => day_of_year = Some(value),
                                'u' => {}
                                'H' => hour_of_day = Some(value),
                                'k' => hour_of_day = Some(if value == 24 { 0 } else { value }),
                                'K' => hour12 = Some(value),
                                'h' => hour12 = Some(if value == 12 { 0 } else { value }),
                                'm' => minute = value,
                                's' => second = value,
                                'S' => milli = value,
                                _ => {}
                            }
                        }
                    }
                }
            }
        }
        let mut year = year.unwrap_or(1970);
        if bc {
            year = 1 - year;
        }
        let days = match (month, day, day_of_year) {
            (None, None, Some(doy)) => days_from_civil(year, 1, 1) + doy - 1,
            (m, d, _) => {
                let m0 = m.unwrap_or(1) - 1;
                days_from_civil(year + m0.div_euclid(12), m0.rem_euclid(12) + 1, 1) + d.unwrap_or(1)
                    - 1
            }
        };
        let hour = match (hour12, hour_of_day) {
            (Some(h), _) => h + if pm == Some(true) { 12 } else { 0 },
            (None, Some(h)) => h,
            (None, None) => {
                if pm == Some(true) {
                    12
                } else {
                    0
                }
            }
        };
        let millis = days
            .checked_mul(MILLIS_PER_DAY)?
            .checked_add(hour * 3_600_000 + minute * 60_000 + second * 1000 + milli)?
            .checked_sub(offset)?;
        Some(millis)
    }
}

fn is_numeric(c: char, count: usize) -> bool {
    match c {
        'M' | 'L' => count <= 2,
        'y' | 'd' | 'D' | 'u' | 'H' | 'k' | 'K' | 'h' | 'm' | 's' | 'S' => true,
        _ => false,
    }
}

/// A number: an optional minus and digits, all of them or exactly `width` characters.
fn parse_number(chars: &[char], width: Option<usize>) -> Option<(i64, usize)> {
    let limit = width.unwrap_or(chars.len()).min(chars.len());
    let scope = &chars[..limit];
    let negative = scope.first() == Some(&'-');
    let start = usize::from(negative);
    let digits = scope[start..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    let text: String = scope[start..start + digits].iter().collect();
    let value: i64 = text.parse().ok()?;
    Some((if negative { -value } else { value }, start + digits))
}

/// The longest name matching the start of `chars`, ignoring case: (index, length).
fn match_name(chars: &[char], names: &[&str]) -> Option<(usize, usize)> {
    names
        .iter()
        .enumerate()
        .filter(|(_, name)| {
            let len = name.chars().count();
            chars.len() >= len
                && chars[..len]
                    .iter()
                    .zip(name.chars())
                    .all(|(a, b)| a.eq_ignore_ascii_case(&b))
        })
        .max_by_key(|(_, name)| name.len())
        .map(|(i, name)| (i, name.chars().count()))
}

/// Up to `max` leading ASCII digits: (their value, how many).
fn leading_digits(chars: &[char], max: usize) -> (i64, usize) {
    let len = chars
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count()
        .min(max);
    let value = chars[..len]
        .iter()
        .filter_map(|c| c.to_digit(10))
        .fold(0, |acc, d| acc * 10 + i64::from(d));
    (value, len)
}

/// `Z`, `UTC`/`GMT` with an optional offset, or `+hh[:]mm`: (offset in ms, length).
fn parse_zone(chars: &[char]) -> Option<(i64, usize)> {
    if chars.first() == Some(&'Z') {
        return Some((0, 1));
    }
    let text: String = chars.iter().take(3).collect();
    let mut pos = 0;
    if text.eq_ignore_ascii_case("UTC") || text.eq_ignore_ascii_case("GMT") {
        pos = 3;
        if !matches!(chars.get(pos), Some('+' | '-')) {
            return Some((0, pos));
        }
    }
    let sign = match chars.get(pos)? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    pos += 1;
    let (hours, hours_len) = leading_digits(&chars[pos..], 2);
    if hours_len == 0 {
        return None;
    }
    pos += hours_len;
    if chars.get(pos) == Some(&':') {
        pos += 1;
    }
    // Minutes count only as two digits.
    let minutes = match leading_digits(&chars[pos..], 2) {
        (minutes, 2) => {
            pos += 2;
            minutes
        }
        _ => 0,
    };
    Some((sign * (hours * 3_600_000 + minutes * 60_000), pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(19_675), (2023, 11, 14));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for d in [-800_000, -1, 0, 59, 60, 11_016, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }

    #[test]
    fn formats_like_java() {
        // (pattern, epoch millis, what Java 17 prints in UTC).
        let cases: [(&str, i64, &str); 11] = [
            (
                "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
                1_700_000_000_123,
                "2023-11-14T22:13:20.123Z",
            ),
            (
                "EEE, d MMM yy h:mm a z ''Z''",
                1_700_000_000_123,
                "Tue, 14 Nov 23 10:13 PM UTC '+0000'",
            ),
            ("EEEE MMMM D k K", 0, "Thursday January 1 24 0"),
            (
                "yy MMM MMMM EEE EEEE a hh K k D G u",
                1_700_000_000_000,
                "23 Nov November Tue Tuesday PM 10 10 22 318 AD 2",
            ),
            (
                "'it''s' y S z Z",
                1_700_000_000_005,
                "it's 2023 5 UTC +0000",
            ),
            ("yyyyMMddHH", -1, "1969123123"),
            // Julian dates before the cutover.
            (
                "G yyyy-MM-dd HH:mm:ss.SSS EEEE D",
                -62_135_596_800_001,
                "AD 0001-01-02 23:59:59.999 Sunday 2",
            ),
            (
                "G yyyy-MM-dd HH:mm:ss.SSS EEEE D",
                -12_219_292_800_001,
                "AD 1582-10-04 23:59:59.999 Thursday 277",
            ),
            (
                "G yyyy-MM-dd HH:mm:ss.SSS EEEE D",
                -12_219_292_800_000,
                "AD 1582-10-15 00:00:00.000 Friday 278",
            ),
            (
                "G yyyy-MM-dd HH:mm:ss.SSS EEEE D",
                -100_000_000_000_000,
                "BC 1200-02-26 14:13:20.000 Thursday 57",
            ),
            ("yyyy-MM-dd", 951_782_400_000, "2000-02-29"),
        ];
        for (pattern, millis, expected) in cases {
            let format = SimpleDateFormat::new(pattern).unwrap();
            assert_eq!(format.format(millis), expected, "{pattern} at {millis}");
        }
        assert_eq!(iso_format_for(5), "00:00:00.005Z");
        assert_eq!(iso_format_for(MILLIS_PER_DAY * 2), "1970-01-03");
    }

    #[test]
    fn refuses_patterns_like_java() {
        let refused = [
            (
                "yyyy-bb",
                PatternError::Java("Illegal pattern character 'b'".into()),
            ),
            ("'abc", PatternError::Java("Unterminated quote".into())),
            (
                "XXXX",
                PatternError::Java("invalid ISO 8601 format: length=4".into()),
            ),
            ("YYYY", PatternError::Unsupported('Y')),
        ];
        for (pattern, error) in refused {
            assert_eq!(
                SimpleDateFormat::new(pattern).unwrap_err(),
                error,
                "{pattern}"
            );
        }
        assert_eq!(
            PatternError::Unsupported('w').to_string(),
            "Pattern character 'w' (week-based fields) is not supported by this build"
        );
    }

    #[test]
    fn parses_leniently_like_java() {
        let f = SimpleDateFormat::new("yyyy-MM-dd HH:mm:ss").unwrap();
        assert_eq!(f.parse("2023-11-14 22:13:20"), Some(1_700_000_000_000));
        assert_eq!(
            f.parse("2023-11-14 22:13:20 trailing"),
            Some(1_700_000_000_000)
        );
        assert_eq!(
            f.parse("2023-13-01 00:00:00"),
            f.parse("2024-01-01 00:00:00")
        );
        assert_eq!(f.parse("2023-1-1 0:0:0"), f.parse("2023-01-01 00:00:00"));
        assert_eq!(f.parse("x"), None);
        let compact = SimpleDateFormat::new("yyyyMMddHHmm").unwrap();
        assert_eq!(compact.parse("202311142213"), Some(1_699_999_980_000));
        let zoned = SimpleDateFormat::new("yyyy-MM-dd'T'HH:mmXXX").unwrap();
        assert_eq!(zoned.parse("1970-01-01T01:00+01:00"), Some(0));
        assert_eq!(zoned.parse("1970-01-01T00:00Z"), Some(0));
        let named = SimpleDateFormat::new("dd MMM yyyy hh a").unwrap();
        assert_eq!(named.parse("01 jan 1970 12 AM"), Some(0));
        assert_eq!(named.parse("01 January 1970 01 PM"), Some(13 * 3_600_000));
    }
}
