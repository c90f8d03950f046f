//! The keeper over real JSON-RPC: a `solana-test-validator` runs the real `cross_margin.so` (and a
//! stand-in Pyth receiver, `tests/programs/pyth_receiver_mock`) inside a private network
//! namespace; a client creates the group, its SOL market and perpetual, three margin accounts,
//! deposits and a trade, all by transaction over RPC; SOL gaps down; `xmargin-keeper --url`
//! liquidates; the test reads the result back from the chain.
//!
//! Genesis holds only what the in-process chains get as fixtures (`xmargin_client::genesis`):
//! funded wallets, the two SPL mints, the traders' token accounts and the price account.
//!
//! `cargo test -p xmargin-keeper --test validator` (after `scripts/sbf-build` and
//! `scripts/validator-install`; the test command runs both).

mod cluster;
mod netns;
mod scenario;

use std::process::ExitCode;
use std::time::Instant;

const NAME: &str = "validator::keeper_liquidates_over_json_rpc";

fn main() -> ExitCode {
    // libtest's lines, as the other custom runners print them (`xmargin_tests::run_all`).
    println!("\nrunning 1 test");
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.is_some_and(|f| !NAME.contains(f.as_str())) {
        println!("\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 1 filtered out\n");
        return ExitCode::SUCCESS;
    }
    let started = Instant::now();
    let outcome = netns::enter().and_then(|()| {
        std::panic::catch_unwind(scenario::run).map_err(|panic| {
            let text = panic.downcast_ref::<String>().cloned();
            text.or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
        })?
    });
    let secs = started.elapsed().as_secs_f64();
    match outcome {
        Ok(line) => {
            println!("{line}\ntest {NAME} ... ok");
            // The test command prints it with the other figures.
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/scenario-summary");
            let written = std::fs::create_dir_all(&dir).and_then(|()| {
                std::fs::write(dir.join("validator"), format!("validator: {line}\n"))
            });
            if let Err(e) = written {
                println!("writing the summary: {e}");
                return ExitCode::FAILURE;
            }
            println!(
                "\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; \
                 finished in {secs:.2}s\n"
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("test {NAME} ... FAILED\n\n{e}");
            println!(
                "\ntest result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; \
                 finished in {secs:.2}s\n"
            );
            ExitCode::FAILURE
        }
    }
}
