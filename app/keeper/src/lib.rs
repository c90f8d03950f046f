//! The keeper's core. One [`Keeper::tick`]:
//!
//! 1. runs the cranks that are due ([`cranks`]: funding, realized volatility, the risk cache of
//!    held series), so options are valued from current entries;
//! 2. finds every margin account of the group (`xmargin_client::discover`), ranks those below
//!    maint health by shortfall, and liquidates each with the client's planner
//!    (`xmargin_client::liquidation`: the program's own liquidation code run on copies);
//! 3. settles what the liquidations leave behind ([`bankruptcy`]): an emptied account's unsettled
//!    losses against the group's gains (the insurance fund covering what it cannot pay), or its
//!    bankrupt loan.
//!
//! Every transaction is simulated before it is sent. It works over any [`Chain`]: today the
//! embedded chain and the SBF test backend (an RPC backend is issue 16's next step).
//!
//! A step is sent only if its incentive is at least [`Keeper::min_incentive`] and its simulation
//! succeeds; a liquidatee takes at most [`MAX_STEPS_PER_ACCOUNT`] steps per tick (the planner's
//! steps go back to init health, so one or two usually do).

use cross_margin::engine::liquidation::{LiquidationStep, StepReport};
use cross_margin::engine::portfolio::contract_prices;
use cross_margin::state::{Group, Underlying};
use xmargin_client::chain::{Chain, TxFailure};
use xmargin_client::health::{fetch, fetch_inputs, HealthError};
use xmargin_client::liquidation::Liquidation;
use xmargin_client::xmargin_risk::health::PriceInput;
use xmargin_client::{discover, ix, pda, Instruction, Keypair, Pubkey, Signer};

pub mod bankruptcy;
pub mod cranks;

/// Most steps on one liquidatee in one tick.
pub const MAX_STEPS_PER_ACCOUNT: usize = 16;

/// A keeper acting through its own margin account (a liquidator takes over what it liquidates, so
/// it needs collateral of its own).
pub struct Keeper {
    pub group: Pubkey,
    /// Signs and pays for every transaction; the owner (or delegate) of `account`.
    pub wallet: Keypair,
    /// The keeper's margin account in `group`.
    pub account: Pubkey,
    /// Least incentive worth a step, native quote units.
    pub min_incentive: i64,
    /// Compute-unit limit of each transaction.
    pub compute_unit_limit: u32,
    /// Priority fee, micro-lamports per compute unit (0: none).
    pub priority_micro_lamports: u64,
    /// Least time between two funding updates of a perpetual, seconds.
    pub funding_interval_secs: i64,
}

/// A step that landed, with the planner's prediction of it (which the program's own checks then
/// confirmed: the chain ran the same code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LandedStep {
    pub liquidatee: Pubkey,
    pub step: LiquidationStep,
    pub predicted: StepReport,
    /// Compute units the transaction used (as the chain reports them).
    pub compute_units: u64,
}

/// What one tick saw and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Margin accounts of the group.
    pub tracked: usize,
    /// Of them, below maint health (liquidatable) at the start of the tick.
    pub liquidatable: usize,
    /// Steps whose simulation succeeded and that landed.
    pub steps_landed: usize,
    /// Steps refused in simulation or on sending (the account is retried next tick).
    pub steps_failed: usize,
    /// Steps skipped because their incentive was below the minimum.
    pub steps_unprofitable: usize,
    /// Compute units of the landed steps (as the chain reports them).
    pub compute_units: u64,
    /// Cranks that landed.
    pub cranks_landed: usize,
    /// Cranks refused in simulation or on sending.
    pub cranks_failed: usize,
    /// The landed steps, in order.
    pub steps: Vec<LandedStep>,
    /// Settlement and resolution transactions of emptied accounts that landed.
    pub settlements_landed: usize,
}

/// Why a tick stopped.
#[derive(Debug)]
pub enum KeeperError {
    /// The group or one of its underlyings could not be read.
    Health(HealthError),
    /// A margin account of the group did not decode.
    Decode(Pubkey, xmargin_client::accounts::DecodeError),
}

impl core::fmt::Display for KeeperError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            KeeperError::Health(e) => write!(f, "reading the group: {e}"),
            KeeperError::Decode(group, e) => write!(f, "margin accounts of {group}: {e}"),
        }
    }
}

impl std::error::Error for KeeperError {}

impl From<HealthError> for KeeperError {
    fn from(e: HealthError) -> Self {
        KeeperError::Health(e)
    }
}

impl Keeper {
    /// One pass over the group (see the module doc): the cranks due, then every liquidatable
    /// account, most underwater first, step by step while the planner finds a step worth sending,
    /// then the settlements of emptied accounts.
    pub fn tick(&self, chain: &mut dyn Chain) -> Result<TickReport, KeeperError> {
        let g: Group = fetch(chain, &self.group)?;
        let underlyings: Vec<Underlying> = (0..g.underlying_count)
            .map(|i| fetch(chain, &pda::underlying(&self.group, i)))
            .collect::<Result<_, _>>()?;
        let prices: Vec<Pubkey> = underlyings.iter().map(|u| u.oracle.price_account).collect();
        let price_of = |i: u16| prices.get(usize::from(i)).copied().unwrap_or_default();
        let mut report = TickReport::default();
        let now = chain.now();
        // The quote asset (index 0) has no price, market or chain to crank.
        for (i, u) in (0u16..).zip(&underlyings).skip(1) {
            let mid = option_mid(chain, &self.group, i, u, g.quote_decimals, &price_of, now);
            let oracle = &prices[usize::from(i)];
            let due = cranks::due(&self.group, i, u, oracle, mid, now, self.funding_interval_secs);
            for (_, instruction) in due {
                match self.simulate_and_send(chain, &self.with_budget(instruction)) {
                    Ok(_) => report.cranks_landed += 1,
                    Err(_) => report.cranks_failed += 1,
                }
            }
        }
        let accounts = discover::margin_accounts(chain, &self.group)
            .map_err(|e| KeeperError::Decode(self.group, e))?;
        report.tracked = accounts.len();
        let mut queue = Vec::new();
        for (key, _) in accounts.iter().filter(|(key, _)| *key != self.account) {
            // An account whose inputs cannot be valued now (a missing feed) waits for the next
            // tick: the planner runs the program's own checks, which would refuse it too.
            let Ok(view) = Liquidation::fetch(chain, &self.account, key, &price_of) else {
                continue;
            };
            if let (Ok(true), Ok(h)) = (view.liquidatable(), view.liquidatee_health()) {
                queue.push((h.maint_health, *key));
            }
        }
        report.liquidatable = queue.len();
        queue.sort();
        for (_, key) in queue {
            self.liquidate(chain, &key, &price_of, &mut report);
        }
        // What the liquidations emptied (and any account emptied before), settled.
        let accounts = discover::margin_accounts(chain, &self.group)
            .map_err(|e| KeeperError::Decode(self.group, e))?;
        for (key, account) in &accounts {
            let steps = bankruptcy::settlements(&self.group, key, account, &accounts, &price_of);
            for tries in steps {
                let landed = tries
                    .into_iter()
                    .any(|t| self.simulate_and_send(chain, &self.with_budget_all(t)).is_ok());
                report.settlements_landed += usize::from(landed);
            }
        }
        Ok(report)
    }

    /// Steps on `liquidatee` until it is no longer liquidatable, no step is worth it, or one fails.
    fn liquidate(
        &self,
        chain: &mut dyn Chain,
        liquidatee: &Pubkey,
        price_of: &dyn Fn(u16) -> Pubkey,
        report: &mut TickReport,
    ) {
        let authority = self.wallet.pubkey();
        for _ in 0..MAX_STEPS_PER_ACCOUNT {
            let Ok(view) = Liquidation::fetch(chain, &self.account, liquidatee, price_of) else {
                return;
            };
            if !view.liquidatable().unwrap_or(false) {
                return;
            }
            let Some((step, predicted)) = view.best_step(&authority) else {
                return;
            };
            if predicted.outcome.incentive < self.min_incentive {
                report.steps_unprofitable += 1;
                return;
            }
            let instructions = self.with_budget(view.instruction(&authority, step, 0, price_of));
            match self.simulate_and_send(chain, &instructions) {
                Ok(compute_units) => {
                    report.steps_landed += 1;
                    report.compute_units += compute_units;
                    let liquidatee = *liquidatee;
                    report.steps.push(LandedStep { liquidatee, step, predicted, compute_units });
                }
                Err(_) => {
                    report.steps_failed += 1;
                    return;
                }
            }
        }
    }

    /// `instruction` behind the keeper's compute budget (limit, and the priority fee if any).
    fn with_budget(&self, instruction: Instruction) -> Vec<Instruction> {
        self.with_budget_all(vec![instruction])
    }

    /// `instructions` behind the keeper's compute budget.
    fn with_budget_all(&self, instructions: Vec<Instruction>) -> Vec<Instruction> {
        let mut all = vec![ix::compute_unit_limit(self.compute_unit_limit)];
        if self.priority_micro_lamports > 0 {
            all.push(ix::compute_unit_price(self.priority_micro_lamports));
        }
        all.extend(instructions);
        all
    }

    /// Simulates `instructions`, then sends them; the compute units they used.
    fn simulate_and_send(
        &self,
        chain: &mut dyn Chain,
        instructions: &[Instruction],
    ) -> Result<u64, TxFailure> {
        chain.simulate(instructions, &self.wallet, &[], &[])?;
        Ok(chain.send(instructions, &self.wallet, &[])?.compute_units)
    }
}

/// The live mid per option contract of underlying `index`, qn, if its price is valid now.
fn option_mid(
    chain: &mut dyn Chain,
    group: &Pubkey,
    index: u16,
    u: &Underlying,
    quote_decimals: u8,
    price_of: &dyn Fn(u16) -> Pubkey,
    now: i64,
) -> Option<i64> {
    let inputs = fetch_inputs(chain, group, &[index], price_of, now).ok()?;
    let PriceInput::Valid(price) = inputs.first()?.1 else {
        return None;
    };
    contract_prices(&price, u.options.contract_size, u.decimals, quote_decimals).ok().map(|p| p.mid)
}
