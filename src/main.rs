use std::process::ExitCode;

use clap::Parser;
use kroute::cli::{run, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let code = run(cli, &mut stdout.lock(), &mut stderr.lock());
    ExitCode::from(code)
}
