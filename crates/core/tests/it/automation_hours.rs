//! Active days and hours in the bot's time zone: midnight, wrapping windows, DST changes.

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use proptest::prelude::*;
use switchboard_core::automation::hours::{is_active, parse_window, timestamp};
use switchboard_core::automation::{ActiveDays, ActiveHours, BotSettings, Window};

const HOUR: i64 = 3_600_000;

fn settings(tz: &str, from: &str, to: &str, days: ActiveDays) -> BotSettings {
    BotSettings {
        bot_timezone: tz.into(),
        active_hours: ActiveHours {
            from: from.into(),
            to: to.into(),
        },
        active_days: days,
        ..BotSettings::default()
    }
}

fn only(days: &[Weekday]) -> ActiveDays {
    let mut d = ActiveDays::all(false);
    for day in days {
        d.set(*day, true);
    }
    d
}

/// Epoch milliseconds of an RFC 3339 instant.
fn at(rfc3339: &str) -> i64 {
    rfc3339
        .parse::<Timestamp>()
        .unwrap_or_else(|e| panic!("{rfc3339}: {e}"))
        .as_millisecond()
}

#[test]
fn seed_window_midnight_to_five() {
    let s = settings("+1", "00:00", "5:00", ActiveDays::default());
    assert!(is_active(&s, at("2025-06-01T23:00:00Z"))); // 00:00 local
    assert!(is_active(&s, at("2025-06-02T03:59:59Z"))); // 04:59:59
    assert!(!is_active(&s, at("2025-06-02T04:00:00Z"))); // 05:00, end excluded
    assert!(!is_active(&s, at("2025-06-02T22:59:59Z"))); // 23:59:59
}

#[test]
fn always_and_equal_ends_mean_all_day() {
    for (from, to) in [
        ("always", "always"),
        ("00:00", "00:00"),
        ("09:00", "9:00"),
        ("00:00", "24:00"),
    ] {
        let s = settings("Europe/Berlin", from, to, ActiveDays::default());
        for h in 0..48 {
            assert!(
                is_active(&s, at("2025-03-29T00:00:00Z") + h * HOUR),
                "{from}-{to} +{h}h"
            );
        }
        assert_eq!(parse_window(&s.active_hours), Ok(Window::AllDay));
    }
}

#[test]
fn no_active_day_means_never() {
    let s = settings("UTC", "always", "always", ActiveDays::all(false));
    for h in 0..(24 * 8) {
        assert!(!is_active(&s, at("2025-01-01T00:00:00Z") + h * HOUR));
    }
}

#[test]
fn days_are_judged_on_the_local_calendar() {
    // Monday only, in UTC+14: Sunday 10:00 UTC is Monday 00:00 there.
    let s = settings(
        "Pacific/Kiritimati",
        "always",
        "always",
        only(&[Weekday::Monday]),
    );
    assert!(!is_active(&s, at("2025-06-01T09:59:59Z")));
    assert!(is_active(&s, at("2025-06-01T10:00:00Z")));
    assert!(is_active(&s, at("2025-06-02T09:59:59Z")));
    assert!(!is_active(&s, at("2025-06-02T10:00:00Z")));
}

#[test]
fn wrapping_window_belongs_to_the_day_it_started() {
    // 2025-06-06 is a Friday. Friday only, 22:00–06:00, UTC.
    let s = settings("UTC", "22:00", "06:00", only(&[Weekday::Friday]));
    let w = parse_window(&s.active_hours).expect("valid");
    assert!(w.wraps());
    assert!(
        !is_active(&s, at("2025-06-06T02:00:00Z")),
        "Fri 02:00 started Thursday"
    );
    assert!(!is_active(&s, at("2025-06-06T21:59:59Z")));
    assert!(is_active(&s, at("2025-06-06T22:00:00Z")), "Fri 22:00");
    assert!(is_active(&s, at("2025-06-06T23:59:59Z")));
    assert!(
        is_active(&s, at("2025-06-07T00:00:00Z")),
        "Sat 00:00, Friday's window"
    );
    assert!(is_active(&s, at("2025-06-07T05:59:59Z")), "Sat 05:59");
    assert!(
        !is_active(&s, at("2025-06-07T06:00:00Z")),
        "Sat 06:00, end excluded"
    );
    assert!(
        !is_active(&s, at("2025-06-07T23:00:00Z")),
        "Sat 23:00, Saturday inactive"
    );
    assert!(
        !is_active(&s, at("2025-06-08T02:00:00Z")),
        "Sun 02:00, started Saturday"
    );
    // Ending at midnight: 09:00–24:00 is the rest of the day, not past it.
    let s = settings("UTC", "09:00", "24:00", only(&[Weekday::Friday]));
    assert!(is_active(&s, at("2025-06-06T23:59:59Z")));
    assert!(!is_active(&s, at("2025-06-07T00:00:00Z")));
}

#[test]
fn dst_days_follow_the_wall_clock() {
    let ny = settings("America/New_York", "01:00", "02:00", ActiveDays::default());
    // Fall back, 2025-11-02: 01:30 happens twice, an hour apart; both are in the window.
    let first = at("2025-11-02T01:30:00-04:00");
    let second = at("2025-11-02T01:30:00-05:00");
    assert_eq!(second - first, HOUR);
    assert!(is_active(&ny, first) && is_active(&ny, second));
    assert!(!is_active(&ny, at("2025-11-02T02:00:00-05:00")));
    // Spring forward, 2025-03-09: 02:00–03:00 does not exist; 01:59 EST then 03:00 EDT.
    let window = settings("America/New_York", "02:00", "03:00", ActiveDays::default());
    let before = at("2025-03-09T01:59:59-05:00");
    let after = at("2025-03-09T03:00:00-04:00");
    assert_eq!(after - before, 1000);
    assert!(!is_active(&window, before) && !is_active(&window, after));
    // Berlin, spring forward 2025-03-30 02:00 → 03:00, window 01:00–04:00: active on both
    // sides of the jump, and the window is only two real hours long that night.
    let berlin = settings("Europe/Berlin", "01:00", "04:00", ActiveDays::default());
    let start = at("2025-03-30T01:00:00+01:00");
    let active_ms = (0..(4 * 60))
        .map(|m| start + m * 60_000)
        .filter(|t| is_active(&berlin, *t))
        .count();
    assert_eq!(active_ms, 120);
    // Berlin, fall back 2025-10-26 03:00 → 02:00: the same window lasts four real hours.
    let start = at("2025-10-26T01:00:00+02:00");
    let active_ms = (0..(6 * 60))
        .map(|m| start + m * 60_000)
        .filter(|t| is_active(&berlin, *t))
        .count();
    assert_eq!(active_ms, 240);
}

#[test]
fn never_panics_at_the_ends_of_time_and_on_bad_settings() {
    let s = settings("Europe/Berlin", "22:00", "06:00", only(&[Weekday::Sunday]));
    for t in [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX] {
        let _ = is_active(&s, t);
    }
    assert_eq!(timestamp(i64::MIN), Timestamp::MIN);
    assert_eq!(timestamp(i64::MAX), Timestamp::MAX);
    // Invalid time zone → UTC; invalid hours → all day.
    let bad = settings("Nowhere/Land", "25:00", "nope", ActiveDays::default());
    assert!(bad.validate().is_err());
    assert!(is_active(&bad, at("2025-01-01T03:00:00Z")));
    let s = bad.schedule();
    assert_eq!(s.tz, TimeZone::UTC);
    assert_eq!(s.window, Window::AllDay);
    assert_eq!(
        settings("Europe/Berlin", "always", "always", ActiveDays::default())
            .schedule()
            .describe_local(at("2025-03-08T22:10:00Z")),
        "Sat 2025-03-08 23:10 (Europe/Berlin)"
    );
}

/// The documented semantics, restated independently: local time from the zone's offset at
/// that instant, then the rules.
fn reference(tz: &TimeZone, days: &ActiveDays, window: Window, t: i64) -> bool {
    let ts = timestamp(t);
    let offset = tz.to_offset(ts).seconds() as i64;
    let local_secs = t.div_euclid(1000) + offset;
    let day_index = local_secs.div_euclid(86_400); // days since 1970-01-01, a Thursday
    let secs_of_day = local_secs.rem_euclid(86_400);
    let weekday = |d: i64| Weekday::Thursday.wrapping_add(d);
    let secs = |t: Time| i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60;
    match window {
        Window::AllDay => days.is_active(weekday(day_index)),
        Window::Between { from, to } => {
            let (f, e) = (secs(from), secs(to));
            if f < e {
                f <= secs_of_day && secs_of_day < e && days.is_active(weekday(day_index))
            } else if secs_of_day >= f {
                days.is_active(weekday(day_index))
            } else if secs_of_day < e {
                days.is_active(weekday(day_index - 1))
            } else {
                false
            }
        }
    }
}

/// Instants within two days of a DST change (or of a plain midnight) in these zones.
const AROUND: [&str; 8] = [
    "2025-03-09T07:00:00Z", // New York spring forward
    "2025-11-02T06:00:00Z", // New York fall back
    "2025-03-30T01:00:00Z", // Berlin spring forward
    "2025-10-26T01:00:00Z", // Berlin fall back
    "2024-03-10T07:00:00Z",
    "2024-11-03T06:00:00Z",
    "2024-12-31T23:00:00Z", // New Year's midnight in Berlin
    "2025-06-07T00:00:00Z",
];
const ZONES: [&str; 5] = [
    "America/New_York",
    "Europe/Berlin",
    "UTC",
    "+05:45",
    "-03:30",
];

fn hhmm() -> impl Strategy<Value = (u8, u8)> {
    (0u8..24, prop_oneof![Just(0u8), Just(30u8), 0u8..60])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn matches_the_reference_around_dst_and_midnight(
        zone in 0..ZONES.len(),
        around in 0..AROUND.len(),
        offset_min in -2_880i64..2_880,
        sec in 0i64..60,
        (fh, fm) in hhmm(),
        (th, tm) in hhmm(),
        day_bits in 0u8..128,
        always in any::<bool>(),
    ) {
        let mut days = ActiveDays::all(false);
        for (i, day) in (0..7).map(|i| (i, Weekday::Monday.wrapping_add(i))) {
            days.set(day, day_bits & (1 << i) != 0);
        }
        let (from, to) = if always {
            ("always".to_string(), "always".to_string())
        } else {
            (format!("{fh}:{fm:02}"), format!("{th:02}:{tm:02}"))
        };
        let s = settings(ZONES[zone], &from, &to, days);
        prop_assert_eq!(s.validate(), Ok(()));
        let schedule = s.schedule();
        let t = at(AROUND[around]) + offset_min * 60_000 + sec * 1000;
        prop_assert_eq!(
            is_active(&s, t),
            reference(&schedule.tz, &days, schedule.window, t),
            "{} {}-{} at {}", ZONES[zone], from, to, timestamp(t)
        );
    }

    #[test]
    fn a_window_and_its_complement_cover_every_instant_once(
        zone in 0..ZONES.len(),
        around in 0..AROUND.len(),
        offset_min in -2_880i64..2_880,
        (fh, fm) in hhmm(),
        (th, tm) in hhmm(),
    ) {
        prop_assume!((fh, fm) != (th, tm));
        let a = format!("{fh:02}:{fm:02}");
        let b = format!("{th:02}:{tm:02}");
        let one = settings(ZONES[zone], &a, &b, ActiveDays::default());
        let other = settings(ZONES[zone], &b, &a, ActiveDays::default());
        let t = at(AROUND[around]) + offset_min * 60_000;
        prop_assert!(is_active(&one, t) != is_active(&other, t));
    }

    #[test]
    fn instants_an_hour_apart_in_an_all_day_window_agree_on_the_same_local_day(
        zone in 0..ZONES.len(),
        around in 0..AROUND.len(),
        offset_min in -2_880i64..2_880,
        day_bits in 0u8..128,
    ) {
        let mut days = ActiveDays::all(false);
        for i in 0..7 {
            days.set(Weekday::Monday.wrapping_add(i), day_bits & (1 << i) != 0);
        }
        let s = settings(ZONES[zone], "always", "always", days);
        let tz = s.schedule().tz;
        let t = at(AROUND[around]) + offset_min * 60_000;
        let (d1, d2) = (
            tz.to_datetime(timestamp(t)).date(),
            tz.to_datetime(timestamp(t + HOUR)).date(),
        );
        if d1 == d2 {
            prop_assert_eq!(is_active(&s, t), is_active(&s, t + HOUR));
        }
    }

    #[test]
    fn never_panics_on_any_instant(t in any::<i64>(), zone in 0..ZONES.len(), (fh, fm) in hhmm(), (th, tm) in hhmm()) {
        let s = settings(ZONES[zone], &format!("{fh}:{fm:02}"), &format!("{th}:{tm:02}"), only(&[Weekday::Tuesday]));
        let _ = is_active(&s, t);
        let _ = s.schedule().describe_local(t);
    }
}

/// Time zones must work on machines without /usr/share/zoneinfo: the bundled copy of the
/// database (jiff's `tzdb-bundle-always`) is compiled in.
#[test]
fn bundled_tz_database_is_compiled_in() {
    let db = jiff::tz::TimeZoneDatabase::bundled();
    for name in [
        "America/New_York",
        "Europe/Berlin",
        "Africa/Harare",
        "Asia/Kathmandu",
    ] {
        assert!(
            db.get(name).is_ok(),
            "{name} missing from the bundled database"
        );
    }
}
