use clap::Parser;

fn main() {
    // Before anything reads the environment: credentials move out of it (re-exec).
    octagit::secret_handoff::enter();
    let cli = octagit::cli::Cli::parse();
    octagit::logging::init();
    let code = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => match rt.block_on(octagit::commands::dispatch(cli)) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {}", octagit::secret::redact(&format!("{e:#}")));
                octagit::cli::exit::USAGE
            }
        },
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            octagit::cli::exit::USAGE
        }
    };
    std::process::exit(code);
}
