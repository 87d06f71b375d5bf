//! The `kernelscript` command line. Placeholder until the CLI lands.
fn main() {}
