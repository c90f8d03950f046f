//! The market `xmargin-keeper` keeps when given no `--url`: the crowd market
//! (`xmargin_client::crowd`, the crash simulation's) on the embedded in-process chain, with a
//! price feed standing in for Pyth: before each tick the chain's clock moves on by the tick
//! interval and every price and vol is posted again (so nothing goes stale however long it runs),
//! and before tick `crash_at` the crash (`crowd::CRASH`: SOL -40% with its vols doubled, BTC
//! -25%) is posted instead.

use xmargin_client::chain::Chain;
use xmargin_client::crowd::{CrowdError, CrowdMarket, CRASH, USDC};
use xmargin_client::embedded::EmbeddedChain;

/// The demo's clock at the start (unix seconds).
pub const START: i64 = 1_760_000_000;
/// The demo's insurance fund, native USDC.
pub const INSURANCE: u64 = 50_000 * USDC;
/// The crowd's seed (the crash simulation's).
const SEED: u64 = 16;

/// The embedded chain and its market.
pub struct DemoMarket {
    pub chain: EmbeddedChain,
    pub market: CrowdMarket,
    /// Ticks so far.
    ticks: u64,
    crash_at: u64,
    interval_secs: i64,
}

/// What the feed posted before a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// Every price and vol unchanged, at the new time.
    Steady,
    /// The crash.
    Crash,
}

impl DemoMarket {
    /// The market with `accounts` accounts, crashing before tick `crash_at` (counted from 1; 0:
    /// never), the clock moving `interval_secs` a tick.
    pub fn start(
        accounts: usize,
        crash_at: u64,
        interval_secs: i64,
    ) -> Result<DemoMarket, CrowdError> {
        let mut chain = EmbeddedChain::start(START);
        let mut market = CrowdMarket::stand_up(&mut chain, START, INSURANCE)?;
        market.populate(&mut chain, accounts, SEED)?;
        Ok(DemoMarket { chain, market, ticks: 0, crash_at, interval_secs })
    }

    /// Moves the clock on and posts the prices of the next tick.
    pub fn advance(&mut self) -> Result<Feed, CrowdError> {
        self.ticks += 1;
        let now = self.chain.now() + self.interval_secs.max(1);
        let (moves, feed) = if self.ticks == self.crash_at {
            (&CRASH[..], Feed::Crash)
        } else {
            (&[][..], Feed::Steady)
        };
        self.market.crash(&mut self.chain, moves, now)?;
        Ok(feed)
    }
}
