//! Generated documentation stays current: `docs/rules.md` is what `kroute rules --format
//! markdown` prints from the rules' doc comments.

mod common;

use common::kroute;

#[test]
fn docs_rules_md_is_generated_from_the_rules() {
    let assert = kroute()
        .args(["rules", "--format", "markdown"])
        .assert()
        .code(0);
    let generated = String::from_utf8(assert.get_output().stdout.clone()).expect("UTF-8");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rules.md is out of date with the rules' documentation; regenerate it with\n\n    \
         cargo run -q -- rules --format markdown > docs/rules.md\n"
    );
    for entry in kroute::checks::registry() {
        let heading = format!("\n## {}: ", entry.rule.code);
        assert!(generated.contains(&heading), "{heading:?} missing");
    }
}
