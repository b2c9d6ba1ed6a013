//! Suggestions for a misspelt name: used wherever a name is looked up and not found.

/// The candidate closest to `wanted`, if it is a plausible typo of it: a few edits away
/// (a transposition counts as one), ties broken by Jaro-Winkler similarity and then name.
/// Edit distance alone decides closeness because Jaro-Winkler rates any two names with a
/// long common prefix (`checkout-tls`, `checkout-db`) as close, and short transpositions
/// (`wbe`, `web`) as far.
pub fn nearest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted_chars = wanted.chars().count();
    candidates
        .into_iter()
        .filter(|c| *c != wanted)
        .filter_map(|c| {
            let chars = c.chars().count();
            let shorter = wanted_chars.min(chars);
            let allowed = (shorter / 4).max(2).min(shorter.saturating_sub(1));
            // Each character one name has more than the other is an edit: most candidates
            // are ruled out without computing a distance.
            if chars.abs_diff(wanted_chars) > allowed {
                return None;
            }
            let distance = strsim::osa_distance(wanted, c);
            (distance <= allowed).then_some((distance, c))
        })
        .map(|(distance, c)| (distance, strsim::jaro_winkler(wanted, c), c))
        .min_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| b.1.total_cmp(&a.1))
                .then_with(|| a.2.cmp(b.2))
        })
        .map(|(_, _, c)| c)
}

/// The candidate `wanted` is certainly a typo of: the nearest candidate ([`nearest`]), when
/// it is within two edits and no other candidate is. `None` when there is no such candidate
/// or several: then a human chooses.
pub fn sole_typo_of<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let best = nearest(wanted, candidates.iter().copied())?;
    let close = candidates
        .iter()
        .filter(|c| {
            let apart = c.chars().count().abs_diff(wanted.chars().count());
            **c != wanted && apart <= 2 && strsim::osa_distance(wanted, c) <= 2
        })
        .collect::<std::collections::BTreeSet<_>>();
    (close.len() == 1 && strsim::osa_distance(wanted, best) <= 2).then_some(best)
}

/// `; did you mean `x`?` or nothing.
pub fn did_you_mean<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(wanted, candidates).map_or_else(String::new, |c| format!("; did you mean `{c}`?"))
}
