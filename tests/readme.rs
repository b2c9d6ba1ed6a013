//! The README is part of the product: its rule table must list every registered rule with
//! its severity and summary, as `kroute rules` prints them, in the same order.

#[test]
fn readme_rule_table_matches_the_registry() {
    let readme = include_str!("../README.md");
    let mut missing = Vec::new();
    for entry in kroute::checks::registry() {
        let rule = entry.rule;
        let row = format!(
            "| {} | {} | {} |",
            rule.code,
            rule.severity.as_str(),
            rule.summary.replace('|', "\\|")
        );
        if !readme.contains(&row) {
            missing.push(row);
        }
    }
    assert!(
        missing.is_empty(),
        "README.md rule table is out of date: {missing:#?}"
    );
    let positions: Vec<(usize, &str)> = kroute::checks::registry()
        .iter()
        .filter_map(|e| Some((readme.find(&format!("| {} |", e.rule.code))?, e.rule.code)))
        .collect();
    let mut sorted = positions.clone();
    sorted.sort();
    assert_eq!(
        positions, sorted,
        "README.md rule table is not in registry order"
    );
}
