//! Rebuilds the crate when the web page's built assets change: `include_dir!`
//! embeds `web/dist` but cannot tell cargo which files it read.

fn main() {
    println!("cargo:rerun-if-changed=web/dist");
}
