//! Every scenario on the native backend: solana-program-test with the program as a builtin.

use xmargin_client::embedded::EmbeddedChain;
use xmargin_tests::{run_all, world::T0};

#[test]
fn all_scenarios_native() {
    let run = run_all("native", || Box::new(EmbeddedChain::start(T0)));
    assert!(run.failures.is_empty(), "{} scenario(s) failed on native", run.failures.len());
}
