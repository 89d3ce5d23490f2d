//! The `carrel` binary: parse arguments, install error hooks, hand over to the library.

fn main() {
    println!("carrel");
}
