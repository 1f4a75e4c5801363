//! The two date forms the crate reads: ISO 8601 / RFC 3339 UTC times (the `date` option of
//! signing, as `Date.prototype.toISOString` writes them) and HTTP dates (a response's `Date`,
//! for clock-skew correction).
//!
//! Hand-written (one civil-calendar conversion) rather than through aws-smithy-types'
//! general parsers, which cost ~11 KB of wasm for these two fixed formats.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (`T`/`Z` in either case, as RFC 3339 allows).
/// Offsets other than `Z` are refused, like the signer's other inputs: UTC only.
pub fn parse_iso8601(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    let (date, rest) = (&b[..10], &b[11..]);
    let (clock, tail) = rest.split_at(8);
    let seconds = clock_seconds(clock)?;
    let (fraction, zone) = match tail.split_first()? {
        (b'.', more) => {
            let n = more.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            more.split_at(n)
        }
        _ => (&[][..], tail),
    };
    if !matches!(zone, [b'Z' | b'z']) {
        return None;
    }
    // Nanoseconds from the first nine digits; further digits are below the clock's resolution.
    let nanos = (0..9).fold(0u32, |n, i| n * 10 + fraction.get(i).map_or(0, |d| u32::from(d - b'0')));
    let days = civil_days(number(&date[..4])?, number(&date[5..7])?, number(&date[8..10])?)?;
    at(days, seconds, nanos)
}

/// Parses an IMF-fixdate HTTP date: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let b = text.as_bytes();
    if b.len() != 29 || &b[3..5] != b", " || b[7] != b' ' || b[11] != b' ' || b[16] != b' ' || &b[25..] != b" GMT" {
        return None;
    }
    DAYS.iter().position(|d| d.as_bytes() == &b[..3])?;
    let month = MONTHS.iter().position(|m| m.as_bytes() == &b[8..11])? as u32 + 1;
    let days = civil_days(number(&b[12..16])?, month, number(&b[5..7])?)?;
    at(days, clock_seconds(&b[17..25])?, 0)
}

/// `HH:MM:SS` as seconds of the day.
fn clock_seconds(b: &[u8]) -> Option<u32> {
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (number(&b[..2])?, number(&b[3..5])?, number(&b[6..8])?);
    (h < 24 && m < 60 && s < 60).then_some(h * 3600 + m * 60 + s)
}

/// Decimal digits only (no sign, no spaces).
fn number(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
}

/// Days since 1970-01-01 of a valid proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn civil_days(year: u32, month: u32, day: u32) -> Option<i64> {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if day == 0 || day > days_in_month {
        return None;
    }
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The date of day number `z` (days since 1970-01-01): year, month 1-12, day 1-31 (the signer
/// crate's, which formats its signing dates with it).
pub use magnus_s3_sigv4::civil_from_days;

/// Whole seconds and milliseconds since the epoch (times before it count as the epoch).
fn split_ms(t: SystemTime) -> (i64, u64, u32) {
    let ms = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let secs = ms / 1000;
    ((secs / 86_400) as i64, secs % 86_400, (ms % 1000) as u32)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, as `Date.prototype.toISOString` writes it.
pub fn format_iso8601(t: SystemTime) -> String {
    let (days, s, ms) = split_ms(t);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z", s / 3600, s / 60 % 60, s % 60)
}

/// An IMF-fixdate HTTP date: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn format_http_date(t: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let (days, s, _) = split_ms(t);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[m as usize - 1],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

fn at(days: i64, seconds: u32, nanos: u32) -> Option<SystemTime> {
    let secs = days * 86_400 + i64::from(seconds);
    if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::new(secs as u64, nanos))
    } else {
        UNIX_EPOCH
            .checked_sub(Duration::from_secs(secs.unsigned_abs()))?
            .checked_add(Duration::from_nanos(nanos.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nanoseconds since the epoch.
    fn ns(t: SystemTime) -> i128 {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128,
            Err(e) => -(e.duration().as_nanos() as i128),
        }
    }

    #[test]
    fn iso8601_times() {
        let cases = [
            ("1970-01-01T00:00:00Z", 0i64, 0u32),
            ("2015-08-30T12:36:00Z", 1_440_938_160, 0),
            ("2015-08-30T12:36:00.5z", 1_440_938_160, 500_000_000),
            ("2024-02-29t23:59:59.123456789123Z", 1_709_251_199, 123_456_789),
            ("2000-03-01T00:00:00Z", 951_868_800, 0),
            ("1969-12-31T23:59:59.250Z", -1, 250_000_000),
            ("0001-01-01T00:00:00Z", -62_135_596_800, 0),
        ];
        for (text, secs, nanos) in cases {
            let got = ns(parse_iso8601(text).unwrap_or_else(|| panic!("{text}")));
            assert_eq!(got, secs as i128 * 1_000_000_000 + nanos as i128, "{text}");
        }
        for bad in [
            "",
            "2015-08-30",
            "2015-08-30T12:36:00",
            "2015-08-30 12:36:00Z",
            "2015-08-30T12:36:00+01:00",
            "2015-08-30T12:36:00.Z",
            "2015-02-29T12:36:00Z",
            "2015-13-01T12:36:00Z",
            "2015-00-01T12:36:00Z",
            "2015-08-00T12:36:00Z",
            "2015-08-30T24:00:00Z",
            "2015-08-30T12:60:00Z",
            "2015-08-30T12:36:60Z",
            "2015-08-30T12:36:00ZZ",
            "+015-08-30T12:36:00Z",
            "2015-08-30T12:36:0xZ",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }

    #[test]
    fn http_dates() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(ns(t), 784_111_777_000_000_000);
        assert_eq!(parse_http_date("Wed, 25 Nov 2026 16:11:27 GMT").map(ns), Some(1_795_623_087_000_000_000));
        for bad in [
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nom 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_read_back() {
        let mut t = 0u64;
        while t < 253_402_300_799 {
            let time = UNIX_EPOCH + Duration::from_millis(t * 1000 + 123);
            assert_eq!(parse_iso8601(&format_iso8601(time)), Some(time), "{t}");
            assert_eq!(parse_http_date(&format_http_date(time)), Some(UNIX_EPOCH + Duration::from_secs(t)), "{t}");
            t += 7_777_777;
        }
        assert_eq!(format_http_date(UNIX_EPOCH + Duration::from_secs(784_111_777)), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(format_iso8601(UNIX_EPOCH + Duration::from_millis(1_440_938_160_500)), "2015-08-30T12:36:00.500Z");
    }

    /// Every 7,777,777th second from year 1 to 9999, written by aws-smithy-types, reads back.
    #[test]
    fn agrees_with_aws_smithy_types() {
        use aws_smithy_types::date_time::{DateTime, Format};
        let mut t = -62_135_596_800i64;
        while t < 253_402_300_799 {
            let d = DateTime::from_secs_and_nanos(t, 120_000_000);
            let iso = d.fmt(Format::DateTime).unwrap();
            assert_eq!(parse_iso8601(&iso), SystemTime::try_from(d).ok(), "{iso}");
            let http = DateTime::from_secs(t).fmt(Format::HttpDate).unwrap();
            assert_eq!(parse_http_date(&http), SystemTime::try_from(DateTime::from_secs(t)).ok(), "{http}");
            t += 7_777_777;
        }
    }
}
