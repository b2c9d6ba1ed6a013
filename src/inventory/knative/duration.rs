//! Go's `time.ParseDuration`, which Knative uses for duration annotations (`window`,
//! `scale-down-delay`, `rollout-duration`, …).

/// One second, in nanoseconds.
pub const SECOND: i128 = 1_000_000_000;

/// One hour, in nanoseconds.
pub const HOUR: i128 = 3600 * SECOND;

/// Go's `time.ParseDuration`, in nanoseconds: a sign, then numbers with optional fraction,
/// each followed by a unit (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`); `0` alone needs no
/// unit. `None` where Go returns an error, also past Go's `int64` range.
pub fn go_duration(s: &str) -> Option<i128> {
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let (value, after) = component(rest)?;
        rest = after;
        total = total.checked_add(value)?;
        if total > i128::from(i64::MAX) {
            return None;
        }
    }
    Some(if negative { -total } else { total })
}

/// One `<number>[.<fraction>]<unit>` at the start of `s`: its value and the rest of `s`.
fn component(s: &str) -> Option<(i128, &str)> {
    let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
    let (int_part, mut rest) = s.split_at(int_len);
    let mut frac = "";
    if let Some(after) = rest.strip_prefix('.') {
        let len = after.bytes().take_while(u8::is_ascii_digit).count();
        (frac, rest) = after.split_at(len);
    }
    if int_part.is_empty() && frac.is_empty() {
        return None;
    }
    let unit_len = rest
        .find(|c: char| c == '.' || c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (unit, rest) = rest.split_at(unit_len);
    let unit = unit_nanos(unit)?;
    if int_part.len() > 20 {
        return None;
    }
    let int: i128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().ok()?
    };
    let mut value = int.checked_mul(unit)?;
    // Go ignores digits past what an int64 holds; 18 keep the arithmetic in range.
    let digits = &frac[..frac.len().min(18)];
    if !digits.is_empty() {
        let f: i128 = digits.parse().ok()?;
        let scale = 10i128.checked_pow(u32::try_from(digits.len()).ok()?)?;
        value = value.checked_add(f.checked_mul(unit)? / scale)?;
    }
    Some((value, rest))
}

/// Nanoseconds in one `unit`.
fn unit_nanos(unit: &str) -> Option<i128> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => SECOND,
        "m" => 60 * SECOND,
        "h" => HOUR,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(go_duration("0"), Some(0));
        assert_eq!(go_duration("380s"), Some(380 * SECOND));
        assert_eq!(go_duration("1h2m3s"), Some(3723 * SECOND));
        assert_eq!(go_duration("1.5s"), Some(1_500_000_000));
        assert_eq!(go_duration(".5m"), Some(30 * SECOND));
        assert_eq!(go_duration("-2s"), Some(-2 * SECOND));
        assert_eq!(go_duration("+2h"), Some(2 * HOUR));
        assert_eq!(go_duration("10\u{b5}s"), Some(10_000));
        assert_eq!(go_duration("1.000000000000000000001s"), Some(SECOND));
        for bad in [
            "",
            "90",
            "s",
            "1x",
            "1.",
            "-",
            "5 m",
            "99999999999999999999999h",
            "3000000h",
        ] {
            assert_eq!(go_duration(bad), None, "{bad}");
        }
    }
}
