//! What the end-to-end test files share.

use assert_cmd::Command;

/// The `kroute` binary, run from the crate root, without colour or backtraces.
pub fn kroute() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kroute"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env("RUST_BACKTRACE", "0");
    cmd
}
