//! Invariant fuzzing on the native backend: random sequences of every instruction, valid and
//! invalid, by many actors (owners, delegates, strangers, the keeper, the admin), with price and
//! time moves, crank calls, governance (pause bits, reduce-only, parameter changes set or queued
//! and applied, strangers' attempts) and venue fills through the example RFQ venue (approvals,
//! quotes by makers and by strangers, fills), over the crowd market (`xmargin_client::crowd`).
//! After every step:
//!
//! 1. **conservation** (`World::check_conservation`, after every transaction): every vault holds
//!    exactly what the books say; perpetual base and quote sum to zero per market; option
//!    quantities sum to zero per series and match the open interests;
//! 2. **the init rule**: a transaction signed by an owner or a delegate that landed leaves each
//!    account it signed for at init health >= 0, or with more init health than before;
//! 3. **the keeper's promise**: after a keeper tick, no account is liquidatable (every price being
//!    valid, as the fuzzer keeps them except in its stale-feed steps, which it repairs before a
//!    tick);
//! 4. **no panic**: every refused transaction fails with a named error (a custom error code:
//!    the program's, Anchor's or the token program's).
//!
//! A violation panics with the seed and step, so `cargo test -p xmargin-tests --test fuzz --
//! --seed S --steps N` replays it.

mod actions;
mod venue;

use std::collections::BTreeMap;

use cross_margin::engine::portfolio::AccountHealth;
use xmargin_client::chain::{TxFailure, TxReport};
use xmargin_client::crowd::CrowdMarket;
use xmargin_client::liquidation::Snapshot;
use xmargin_client::sandbox::Rng;
use xmargin_client::{Keypair, Pubkey, Signer};
use xmargin_keeper::Keeper;

use crate::world::{Trader, World, T0};

/// Accounts the crowd starts with (positions of every kind), and actors with only USDC.
const CROWD: usize = 16;
const FRESH: usize = 4;

/// What a run did.
#[derive(Debug, Default)]
pub struct Stats {
    pub steps: u64,
    pub transactions: u64,
    pub landed: u64,
    pub refused: u64,
    pub keeper_ticks: u64,
    pub liquidations: u64,
    pub bankruptcies: u64,
    /// Per action: (landed, refused).
    pub by_action: BTreeMap<&'static str, (u64, u64)>,
    /// Refusals per error name.
    pub by_error: BTreeMap<String, u64>,
}

/// The fuzzer's state.
pub struct Fuzz {
    pub w: World,
    market: CrowdMarket,
    actors: Vec<Trader>,
    keeper: Keeper,
    rng: Rng,
    seed: u64,
    /// Each market's price when the run started (`actions::PRICE_RANGE` bounds the walk).
    start_prices: Vec<i64>,
    pub stats: Stats,
}

/// Who signs a transaction for which accounts (for the init rule).
pub(crate) struct Signed {
    /// The accounts an owner or delegate signed for.
    pub accounts: Vec<Pubkey>,
}

impl Fuzz {
    /// The crowd market with [`CROWD`] + [`FRESH`] actors on `w`'s chain, drawn from `seed`.
    pub fn new(mut w: World, seed: u64) -> Fuzz {
        let mut market =
            CrowdMarket::stand_up(&mut *w.chain, T0, 100_000 * 1_000_000).expect("stand up");
        market.populate(&mut *w.chain, CROWD, seed).expect("populate");
        w.group = market.group;
        w.markets = market.markets.clone();
        w.accounts = market.accounts();
        let mut actors: Vec<Trader> = market
            .members
            .iter()
            .map(|m| Trader {
                label: m.label.clone(),
                wallet: m.wallet.insecure_clone(),
                account: m.account,
            })
            .collect();
        for i in 0..FRESH {
            let t = w.new_trader(&format!("fuzz-{i}"));
            w.fund_and_deposit(&t, 0, 5_000 * 1_000_000);
            actors.push(t);
        }
        let keeper = Keeper {
            group: market.group,
            wallet: market.keeper.wallet.insecure_clone(),
            account: market.keeper.account,
            min_incentive: 0,
            compute_unit_limit: 1_400_000,
            priority_micro_lamports: 0,
            funding_interval_secs: 3_600,
            dry_run: false,
        };
        let start_prices = (0..market.markets.len() as u16).map(|i| market.price(i)).collect();
        let rng = Rng::new(seed);
        let mut fuzz =
            Fuzz { w, market, actors, keeper, rng, seed, start_prices, stats: Stats::default() };
        fuzz.set_up_venue();
        fuzz
    }

    /// Runs `steps` random steps, checking every invariant after each.
    pub fn run(&mut self, steps: u64) {
        for _ in 0..steps {
            self.stats.steps += 1;
            self.step();
        }
    }

    /// Fails the run with the seed and step that replay it.
    pub(crate) fn violation(&self, what: String) -> ! {
        panic!("fuzz seed {} step {}: {what}", self.seed, self.stats.steps)
    }

    /// Every account's init health now, where computable.
    pub(crate) fn healths(&mut self, keys: &[Pubkey]) -> Vec<Option<AccountHealth>> {
        keys.iter().map(|k| self.w.account_health(k).ok()).collect()
    }

    /// Sends `instructions` for action `what`, signed as `signed` says, and checks the init rule
    /// and the refusal's name.
    pub(crate) fn send(
        &mut self,
        what: &'static str,
        instructions: &[xmargin_client::Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
        signed: Signed,
    ) -> Result<TxReport, TxFailure> {
        self.top_up(&payer.pubkey());
        let before = self.healths(&signed.accounts);
        let result = self.w.send(instructions, payer, signers);
        self.stats.transactions += 1;
        let entry = self.stats.by_action.entry(what).or_default();
        match &result {
            Ok(_) => {
                entry.0 += 1;
                self.stats.landed += 1;
                let after = self.healths(&signed.accounts);
                for ((key, b), a) in signed.accounts.iter().zip(before).zip(after) {
                    let Some(a) = a else { continue };
                    let raised = b.is_some_and(|b| a.init_health >= b.init_health);
                    if a.init_health < 0 && !raised {
                        self.violation(format!(
                            "{what} signed for {key} left it below init without raising its \
                             health: before {b:?}, after {a:?}"
                        ));
                    }
                }
            }
            Err(failure) => {
                entry.1 += 1;
                self.stats.refused += 1;
                let Some(code) = failure.custom_code() else {
                    self.violation(format!("{what} failed without a named error: {failure}"));
                };
                let name = failure.program_error().map_or(format!("code {code}"), |(n, _)| n);
                *self.stats.by_error.entry(name).or_default() += 1;
            }
        }
        result
    }

    /// Tops a fee payer's wallet up below 0.1 SOL (a million steps pay more fees than any
    /// starting balance; an operator refills the keeper's wallet the same way).
    pub(crate) fn top_up(&mut self, payer: &Pubkey) {
        let lamports = self.w.chain.account(payer).map_or(0, |a| a.lamports);
        if lamports < 100_000_000 {
            self.w.chain.airdrop(payer, 10_000_000_000);
        }
    }

    /// A keeper tick, then the keeper's promise: nothing liquidatable.
    pub(crate) fn keeper_tick(&mut self) {
        actions::refresh_all_prices(self);
        let keeper = self.keeper.wallet.pubkey();
        self.top_up(&keeper);
        let report = match self.keeper.tick(&mut *self.w.chain) {
            Ok(r) => r,
            Err(e) => self.violation(format!("keeper tick failed: {e}")),
        };
        self.w.check_conservation();
        self.stats.keeper_ticks += 1;
        self.stats.liquidations += report.steps_landed as u64;
        self.stats.bankruptcies += report.bankrupt.len() as u64;
        let markets = self.w.markets.clone();
        let price_of = |i: u16| markets[usize::from(i)].price_account;
        let snapshot =
            Snapshot::fetch(&mut *self.w.chain, &self.w.group, &price_of).expect("snapshot");
        for t in &self.actors {
            let Some(data) = self.w.chain.account(&t.account) else { continue };
            let account = xmargin_client::accounts::decode(&data.data).expect("margin account");
            if let Ok((true, h)) = snapshot.liquidatable(&account) {
                self.violation(format!(
                    "{} is liquidatable after a keeper tick: {h:?}; tick {report:?}",
                    t.label
                ));
            }
        }
    }

    /// The figures of the run, one line.
    pub fn summary(&self) -> String {
        let s = &self.stats;
        let errors: Vec<String> = s.by_error.iter().map(|(n, c)| format!("{n} {c}")).collect();
        let venue = s.by_action.get("venue_fill").copied().unwrap_or_default();
        format!(
            "fuzz seed {}: {} steps, {} transactions ({} landed, {} refused, every refusal a named \
             error), {} keeper ticks, {} liquidation steps, {} bankruptcies, {} venue fills landed \
             ({} refused); refusals: {}",
            self.seed,
            s.steps,
            s.transactions,
            s.landed,
            s.refused,
            s.keeper_ticks,
            s.liquidations,
            s.bankruptcies,
            venue.0,
            venue.1,
            errors.join(", ")
        )
    }
}
