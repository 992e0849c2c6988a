fn main() {
    std::process::exit(ctxlint::cli::run(std::env::args_os()));
}
