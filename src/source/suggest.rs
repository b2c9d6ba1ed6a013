//! Suggestions for a misspelt name: used wherever a name is looked up and not found.

/// The candidate closest to `wanted`, if it is a plausible typo of it: a few edits away
/// (a transposition counts as one), ties broken by Jaro-Winkler similarity and then name.
/// Edit distance alone decides closeness because Jaro-Winkler rates any two names with a
/// long common prefix (`checkout-tls`, `checkout-db`) as close, and short transpositions
/// (`wbe`, `web`) as far.
pub fn nearest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let shorter = |c: &str| wanted.chars().count().min(c.chars().count());
    candidates
        .into_iter()
        .filter(|c| *c != wanted)
        .map(|c| {
            (
                strsim::osa_distance(wanted, c),
                strsim::jaro_winkler(wanted, c),
                c,
            )
        })
        .filter(|(distance, _, c)| {
            *distance <= (shorter(c) / 4).max(2).min(shorter(c).saturating_sub(1))
        })
        .min_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| b.1.total_cmp(&a.1))
                .then_with(|| a.2.cmp(b.2))
        })
        .map(|(_, _, c)| c)
}

/// `; did you mean `x`?` or nothing.
pub fn did_you_mean<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    nearest(wanted, candidates).map_or_else(String::new, |c| format!("; did you mean `{c}`?"))
}
