//! `java.text.SimpleDateFormat` formatting in UTC, for `TimestampRouter`'s
//! `timestamp.format`. Supported pattern letters: G y M L d D E u a H k K h m s S z Z X,
//! with Java's padding rules and `'quoted'` literals. The week-based letters (Y w W F)
//! are refused with a message saying so; any other ASCII letter is Java's
//! `Illegal pattern character` error.

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
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// One piece of a parsed pattern.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Literal(String),
    /// A pattern letter and how many times it is repeated.
    Field(char, usize),
}

/// A compiled `SimpleDateFormat` pattern.
#[derive(Debug, Clone)]
pub struct DateFormat {
    pieces: Vec<Piece>,
}

impl DateFormat {
    /// Compiles a pattern; the error is Java's `IllegalArgumentException` message.
    pub fn new(pattern: &str) -> Result<Self, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                if chars.get(i + 1) == Some(&'\'') {
                    literal.push('\'');
                    i += 2;
                    continue;
                }
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("Unterminated quote".to_owned()),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            literal.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(other) => {
                            literal.push(*other);
                            i += 1;
                        }
                    }
                }
                continue;
            }
            if !c.is_ascii_alphabetic() {
                literal.push(c);
                i += 1;
                continue;
            }
            match c {
                'G' | 'y' | 'M' | 'L' | 'd' | 'D' | 'E' | 'u' | 'a' | 'H' | 'k' | 'K' | 'h'
                | 'm' | 's' | 'S' | 'z' | 'Z' | 'X' => {}
                'Y' | 'w' | 'W' | 'F' => {
                    return Err(format!(
                        "Pattern character '{c}' (week-based fields) is not supported by this build"
                    ));
                }
                _ => return Err(format!("Illegal pattern character '{c}'")),
            }
            let mut count = 1;
            while chars.get(i + count) == Some(&c) {
                count += 1;
            }
            if c == 'X' && count > 3 {
                return Err("invalid ISO 8601 format: length=".to_owned() + &count.to_string());
            }
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            }
            pieces.push(Piece::Field(c, count));
            i += count;
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(DateFormat { pieces })
    }

    /// Formats milliseconds since the epoch, in UTC.
    pub fn format(&self, epoch_millis: i64) -> String {
        let t = Civil::from_millis(epoch_millis);
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Field(letter, count) => t.write_field(*letter, *count, &mut out),
            }
        }
        out
    }
}

/// A UTC instant split into calendar fields (proleptic Gregorian).
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    day_of_year: u32,
    /// 0 = Sunday.
    weekday: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
}

impl Civil {
    fn from_millis(ms: i64) -> Self {
        let days = ms.div_euclid(86_400_000);
        let in_day = ms.rem_euclid(86_400_000);
        // Howard Hinnant's days-to-civil.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy_march = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy_march + 2) / 153;
        let day = (doy_march - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        const BEFORE: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        let day_of_year = BEFORE[month as usize - 1] + day + u32::from(leap && month > 2);
        Civil {
            year,
            month,
            day,
            day_of_year,
            weekday: (days + 4).rem_euclid(7) as u32,
            hour: (in_day / 3_600_000) as u32,
            minute: (in_day / 60_000 % 60) as u32,
            second: (in_day / 1000 % 60) as u32,
            millis: (in_day % 1000) as u32,
        }
    }

    fn write_field(&self, letter: char, count: usize, out: &mut String) {
        let pad = |out: &mut String, value: i64, width: usize| {
            out.push_str(&format!("{value:0width$}"));
        };
        match letter {
            'G' => out.push_str(if self.year > 0 { "AD" } else { "BC" }),
            'y' => {
                // Java prints the year of era: no sign, 1 BC is year 1.
                let year = if self.year > 0 {
                    self.year
                } else {
                    1 - self.year
                };
                if count == 2 {
                    pad(out, year % 100, 2);
                } else {
                    pad(out, year, count);
                }
            }
            'M' | 'L' => match count {
                1 | 2 => pad(out, i64::from(self.month), count),
                3 => out.push_str(&MONTHS[self.month as usize - 1][..3]),
                _ => out.push_str(MONTHS[self.month as usize - 1]),
            },
            'd' => pad(out, i64::from(self.day), count),
            'D' => pad(out, i64::from(self.day_of_year), count),
            'E' => {
                let name = WEEKDAYS[self.weekday as usize];
                out.push_str(if count >= 4 { name } else { &name[..3] });
            }
            'u' => pad(
                out,
                i64::from(if self.weekday == 0 { 7 } else { self.weekday }),
                count,
            ),
            'a' => out.push_str(if self.hour < 12 { "AM" } else { "PM" }),
            'H' => pad(out, i64::from(self.hour), count),
            'k' => pad(
                out,
                i64::from(if self.hour == 0 { 24 } else { self.hour }),
                count,
            ),
            'K' => pad(out, i64::from(self.hour % 12), count),
            'h' => {
                let h = self.hour % 12;
                pad(out, i64::from(if h == 0 { 12 } else { h }), count)
            }
            'm' => pad(out, i64::from(self.minute), count),
            's' => pad(out, i64::from(self.second), count),
            'S' => pad(out, i64::from(self.millis), count),
            'z' => out.push_str(if count >= 4 {
                "Coordinated Universal Time"
            } else {
                "UTC"
            }),
            'Z' => out.push_str("+0000"),
            'X' => out.push('Z'),
            _ => unreachable!("letters are checked when the pattern is compiled"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(pattern: &str, ms: i64) -> String {
        DateFormat::new(pattern).unwrap().format(ms)
    }

    #[test]
    fn formats_like_simple_date_format_in_utc() {
        // 2023-11-14T22:13:20.000Z, a Tuesday.
        let t = 1_700_000_000_000;
        assert_eq!(fmt("yyyyMMdd", t), "20231114");
        assert_eq!(
            fmt("yyyy-MM-dd'T'HH:mm:ss.SSSX", t + 7),
            "2023-11-14T22:13:20.007Z"
        );
        assert_eq!(
            fmt("yy MMM MMMM EEE EEEE a hh K k D G", t),
            "23 Nov November Tue Tuesday PM 10 10 22 318 AD"
        );
        assert_eq!(fmt("'it''s' y S z Z", t + 5), "it's 2023 5 UTC +0000");
        assert_eq!(fmt("yyyyMMddHH", -1), "1969123123");
        assert_eq!(fmt("yyyy-MM-dd", 951_782_400_000), "2000-02-29");
    }

    #[test]
    fn refuses_what_java_refuses() {
        assert_eq!(
            DateFormat::new("yyyyq").unwrap_err(),
            "Illegal pattern character 'q'"
        );
        assert_eq!(DateFormat::new("'open").unwrap_err(), "Unterminated quote");
    }
}
