//! The `campaign` command: see `campaign --help`.

fn main() -> std::process::ExitCode {
    campaign::cli::main()
}
