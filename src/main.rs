fn main() {
    std::process::exit(corte::cli::main());
}
