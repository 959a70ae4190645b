//! The `colloquy` binary: parse the command line, set up logging, hand over to the library.

use std::{io::IsTerminal, process::ExitCode};

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// The HTML parser logs every text it sanitizes (private feedback, held comments) at debug and every character
/// at trace: whatever `RUST_LOG` asks for, it says only warnings.
fn quiet_parsers(filter: EnvFilter) -> EnvFilter {
    ["html5ever=warn", "markup5ever=warn", "ammonia=warn"]
        .into_iter()
        .filter_map(|directive| directive.parse().ok())
        .fold(filter, EnvFilter::add_directive)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = colloquy::config::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(quiet_parsers(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        ))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match colloquy::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
