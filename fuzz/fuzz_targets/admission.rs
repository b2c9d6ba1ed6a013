//! `kroute::fuzzing::admission`: the replay test in `tests/fuzz.rs` runs the same function.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kroute::fuzzing::admission(data));
