//! Every scenario on the native backend: solana-program-test with the program as a builtin.
//! `cargo test -p xmargin-tests --test native NAME` runs the scenarios whose name contains NAME.

use xmargin_client::embedded::EmbeddedChain;
use xmargin_tests::{filter_from_args, run_all, world::T0};

fn main() {
    let filter = filter_from_args();
    let run = run_all("native", filter.as_deref(), || Box::new(EmbeddedChain::start(T0)));
    if !run.failures.is_empty() {
        eprintln!("{} scenario(s) failed on native", run.failures.len());
        std::process::exit(1);
    }
}
