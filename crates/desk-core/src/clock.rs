//! Time, injected: the engine never reads the system clock directly, so expiry, cooldowns and
//! rate limits are tested by moving a manual clock instead of sleeping.

use std::sync::{Arc, Mutex};

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, UtcOffset};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
    /// The workstation's offset from UTC, for times shown to people ("next send at 10:42").
    fn local_offset(&self) -> UtcOffset {
        UtcOffset::UTC
    }
}

/// The real clock. The local offset is read once, at start-up, while the process is still
/// single-threaded (reading it later is unsound on some platforms and `time` refuses).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    offset: UtcOffset,
}

impl SystemClock {
    pub fn new() -> Self {
        SystemClock { offset: UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC) }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
    fn local_offset(&self) -> UtcOffset {
        self.offset
    }
}

/// A clock that moves only when told to (tests, benchmarks).
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<OffsetDateTime>>);

impl ManualClock {
    pub fn at(start: OffsetDateTime) -> Self {
        ManualClock(Arc::new(Mutex::new(start)))
    }

    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

const TS_FORMAT: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// Fixed-width ISO-8601 UTC text, so SQLite compares timestamps correctly as strings.
pub fn ts(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC).format(TS_FORMAT).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Parse what [`ts`] wrote (and any RFC 3339 time, e.g. from the clinic's server).
pub fn parse_ts(s: &str) -> Option<OffsetDateTime> {
    time::PrimitiveDateTime::parse(s, TS_FORMAT)
        .map(|p| p.assume_utc())
        .ok()
        .or_else(|| OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok())
}

/// A time from the clinic's records: what [`parse_ts`] reads, or a naive ISO time, which the
/// clinic's Flask code writes in UTC (`datetime.utcnow().isoformat()`), or PostgreSQL's text
/// form (`2026-11-24 04:30:05.5+00`).
pub fn parse_clinic_ts(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Some(t) = parse_ts(s) {
        return Some(t);
    }
    let iso = s.replacen(' ', "T", 1);
    if let Some(t) = parse_ts(&iso) {
        return Some(t);
    }
    // "+00" (hours only) → "+00:00", for RFC 3339.
    let bytes = iso.as_bytes();
    if bytes.len() > 3 && matches!(bytes[bytes.len() - 3], b'+' | b'-') && bytes[bytes.len() - 2..].iter().all(u8::is_ascii_digit) {
        if let Some(t) = parse_ts(&format!("{iso}:00")) {
            return Some(t);
        }
    }
    let naive = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]");
    time::PrimitiveDateTime::parse(&iso, naive).ok().map(|p| p.assume_utc())
}

/// "10:42" in the workstation's local time.
pub fn local_hh_mm(t: OffsetDateTime, offset: UtcOffset) -> String {
    let l = t.to_offset(offset);
    format!("{:02}:{:02}", l.hour(), l.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_round_trip_and_sort_as_text() {
        let a = datetime!(2026-11-24 09:05:01.5 UTC);
        let b = a + Duration::milliseconds(700);
        assert_eq!(ts(a), "2026-11-24T09:05:01.500Z");
        assert_eq!(parse_ts(&ts(a)), Some(a));
        assert!(ts(a) < ts(b));
        assert_eq!(parse_ts("2025-04-05T17:07:10.182513+00:00").map(|t| t.year()), Some(2025));
    }

    #[test]
    fn clinic_times_naive_ones_are_utc() {
        let t = datetime!(2025-04-05 17:07:10.182513 UTC);
        assert_eq!(parse_clinic_ts("2025-04-05T17:07:10.182513"), Some(t));
        assert_eq!(parse_clinic_ts("2025-04-05 17:07:10.182513+00"), Some(t));
        assert_eq!(parse_clinic_ts("2025-04-05T22:37:10.182513+05:30"), Some(t));
        assert_eq!(parse_clinic_ts("2025-04-05T17:07:10"), Some(datetime!(2025-04-05 17:07:10 UTC)));
        assert_eq!(parse_clinic_ts("yesterday"), None);
    }

    #[test]
    fn local_time_uses_the_offset() {
        let t = datetime!(2026-11-24 05:12 UTC);
        assert_eq!(local_hh_mm(t, UtcOffset::from_hms(5, 30, 0).expect("IST")), "10:42");
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::at(datetime!(2026-01-01 0:00 UTC));
        let t0 = c.now();
        c.advance(Duration::seconds(31));
        assert_eq!(c.now() - t0, Duration::seconds(31));
    }
}
