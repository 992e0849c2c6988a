fn main() {
    std::process::exit(ctxlint::cli::run(std::env::args_os()));
}

// Parsing allocates many small nodes; mimalloc measured about a third faster than the
// system allocator here, and lets the second thread help (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
