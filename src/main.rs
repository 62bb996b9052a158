//! The `redflag` binary (being wired up).
fn main() {}
