//! Off-chain health of 100,000 margin accounts on one core: the keeper's triage
//! (`Snapshot::liquidatable`: the program's own risk code on decoded accounts), timed.
//!
//! `cargo bench -p xmargin-keeper --bench health [-- ACCOUNTS]`. The accounts cycle through the
//! crowd's 201 portfolios (`xmargin_client::crowd`: perpetuals, written and bought options on two
//! underlyings, multi-collateral, owed quote), valued at the crowd's prices. Built with
//! optimizations (`cargo bench`), it asserts the keeper's target: 100,000 accounts within 1 s.

use std::time::{Duration, Instant};

use cross_margin::state::MarginAccount;
use xmargin_client::crowd::CrowdMarket;
use xmargin_client::embedded::EmbeddedChain;
use xmargin_client::health::fetch;
use xmargin_client::liquidation::Snapshot;

/// The target: this many accounts within [`BUDGET`].
const ACCOUNTS: usize = 100_000;
const BUDGET: Duration = Duration::from_secs(1);

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(ACCOUNTS);
    let start = 1_760_000_000;
    let mut chain = EmbeddedChain::start(start);
    let mut market = CrowdMarket::stand_up(&mut chain, start, 0).expect("market");
    market.populate(&mut chain, 200, 16).expect("crowd");
    let prices: Vec<_> = market.markets.iter().map(|m| m.price_account).collect();
    let snapshot =
        Snapshot::fetch(&mut chain, &market.group, &|i| prices[usize::from(i)]).expect("snapshot");
    let portfolios: Vec<MarginAccount> = market
        .accounts()
        .iter()
        .map(|key| fetch(&mut chain, key).expect("margin account"))
        .collect();
    let book: Vec<MarginAccount> = (0..n).map(|i| portfolios[i % portfolios.len()]).collect();
    let options: usize =
        book.iter().map(|a| a.options.iter().filter(|o| o.quantity != 0).count()).sum();

    let timer = Instant::now();
    let (mut liquidatable, mut total_maint) = (0usize, 0i128);
    for account in &book {
        let (below, h) = snapshot.liquidatable(account).expect("health");
        liquidatable += usize::from(below);
        total_maint += h.maint_health;
    }
    let elapsed = timer.elapsed();
    println!(
        "health of {n} accounts ({} portfolios, {options} option positions) on one core: {:.3} s, \
         {:.2} us an account; {liquidatable} liquidatable, total maint health {} USDC",
        portfolios.len(),
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / n as f64,
        total_maint / 1_000_000
    );
    if cfg!(debug_assertions) {
        println!("(a debug build: the {BUDGET:?} target applies to `cargo bench` only)");
    } else if n >= ACCOUNTS {
        assert!(elapsed <= BUDGET, "{n} accounts took {elapsed:?}, above {BUDGET:?}");
    }
}
