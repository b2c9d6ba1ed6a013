//! Replays the fuzz regression corpus on stable: every input under
//! `tests/fuzz-regressions/<target>/` goes through `kroute::fuzzing::<target>`, the function
//! the cargo-fuzz target of that name calls (`fuzz/`, `scripts/fuzz.sh`). An input that
//! once crashed or hung a target stays here, beside the fix.

use std::path::Path;
use std::time::{Duration, Instant};

use kroute::fuzzing::TARGETS;

/// A regression input is small: more than this (in a debug build) is a hang come back.
const SLOW: Duration = Duration::from_secs(20);

#[test]
fn every_regression_input_runs_through_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    for (name, target) in TARGETS {
        let dir = root.join(name);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.expect("directory entry").path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{}: no regression input", dir.display());
        for input in inputs {
            let data = std::fs::read(&input).expect("readable regression input");
            let start = Instant::now();
            target(&data);
            assert!(
                start.elapsed() < SLOW,
                "{} took {:?}",
                input.display(),
                start.elapsed()
            );
        }
    }
}

#[test]
fn every_target_has_a_fuzz_target_and_a_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).expect("fuzz/Cargo.toml");
    for (name, _) in TARGETS {
        let source = root.join(format!("fuzz/fuzz_targets/{name}.rs"));
        let text = std::fs::read_to_string(&source).expect("the target's source");
        assert!(
            text.contains(&format!("kroute::fuzzing::{name}(")),
            "{} does not call kroute::fuzzing::{name}",
            source.display()
        );
        assert!(
            manifest.contains(&format!("path = \"fuzz_targets/{name}.rs\"")),
            "fuzz/Cargo.toml has no [[bin]] for {name}"
        );
        assert!(
            root.join(format!("fuzz/corpus/{name}")).is_dir(),
            "no seed corpus for {name}"
        );
    }
}
