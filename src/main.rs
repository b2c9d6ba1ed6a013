use std::process::ExitCode;

// kroute allocates millions of small nodes across threads; mimalloc is markedly faster at
// that than the system allocator (see the benchmark figures in the README).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use kroute::cli::{run, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    // stderr is not locked for the whole run: the webhook's threads log to it too.
    let code = run(cli, &mut stdout.lock(), &mut std::io::stderr());
    ExitCode::from(code)
}
