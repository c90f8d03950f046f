//! The keeper's core. One [`Keeper::tick`]:
//!
//! 1. applies the group's queued parameter changes that are due (`params_apply`), then runs the
//!    cranks that are due ([`cranks`]: funding, realized volatility, the risk cache of held
//!    series, expiry settlement), so options are valued from current entries;
//! 2. finds every margin account of the group (`xmargin_client::discover`), settles positions in
//!    settled series (batched), ranks the accounts below maint health by shortfall from one
//!    snapshot of the group (`xmargin_client::liquidation::Snapshot`, no read per account), and
//!    liquidates each with the client's planner (`xmargin_client::liquidation`: the program's
//!    own liquidation code run on copies);
//! 3. settles what the liquidations leave behind ([`bankruptcy`]): an emptied account's unsettled
//!    losses against the group's gains (the insurance fund covering what it cannot pay), or its
//!    bankrupt loan.
//!
//! Every transaction is simulated before it is sent (with [`Keeper::dry_run`], only simulated).
//! It works over any [`Chain`]: the embedded chain, the SBF test backend and any JSON-RPC
//! endpoint (`xmargin_client::rpc::RpcChain`); the binary (`main.rs`) runs it in a loop.
//!
//! A step is sent only if its incentive is at least [`Keeper::min_incentive`] and its simulation
//! succeeds; a liquidatee takes at most [`MAX_STEPS_PER_ACCOUNT`] steps per tick (the planner's
//! steps go back to init health, so one or two usually do).

use cross_margin::engine::liquidation::{LiquidationStep, StepReport};
use cross_margin::engine::portfolio::contract_prices;
use cross_margin::state::{Group, Underlying};
use xmargin_client::chain::{Chain, TxFailure};
use xmargin_client::health::{fetch, fetch_inputs, HealthError};
use xmargin_client::liquidation::{Liquidation, Snapshot};
use xmargin_client::xmargin_risk::health::PriceInput;
use xmargin_client::{discover, ix, pda, Instruction, Keypair, Pubkey, Signer};

pub mod bankruptcy;
pub mod cranks;
pub mod demo;
pub mod metrics;

/// Most steps on one liquidatee in one tick.
pub const MAX_STEPS_PER_ACCOUNT: usize = 16;

/// Most settlement passes in one tick (each pass settles every emptied account once; a loss
/// larger than the largest unsettled gain needs one pass per winner it draws on).
pub const MAX_SETTLEMENT_PASSES: usize = 8;

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
    /// Simulate every transaction, send none: the report's "landed" figures count what would
    /// have been sent (one step per liquidatee, since nothing changes between them).
    pub dry_run: bool,
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
    /// Liquidatable accounts for which no step passed the planner (or whose inputs could not be
    /// read): each is logged; one that stays here tick after tick needs an operator.
    pub stuck: usize,
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
    /// Accounts whose loss the insurance fund or the depositors took this tick (a landed
    /// settlement or resolution that raised the group's totals), each once.
    pub bankrupt: Vec<Pubkey>,
    /// What the insurance fund paid this tick, native quote units (`Group::insurance_paid_total`).
    pub insurance_paid: u64,
    /// What was socialized over the quote deposits this tick, native quote units
    /// (`Group::socialized_total`).
    pub socialized: u64,
    /// Lamports left in the wallet that pays the keeper's fees, read at the end of the tick (0
    /// if it is gone): a keeper out of SOL stops liquidating without any other sign.
    pub wallet_lamports: u64,
}

/// Why a tick stopped.
#[derive(Debug)]
pub enum KeeperError {
    /// The group or one of its underlyings could not be read.
    Health(HealthError),
    /// A margin account of the group did not decode.
    Decode(Pubkey, xmargin_client::accounts::DecodeError),
    /// The chain did not answer a read during the tick (an RPC request lost): what the tick saw
    /// may be partial, so it counts as failed (what it sent had been simulated first).
    Transport(String),
}

impl core::fmt::Display for KeeperError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            KeeperError::Health(e) => write!(f, "reading the group: {e}"),
            KeeperError::Decode(group, e) => write!(f, "the accounts of {group}: {e}"),
            KeeperError::Transport(e) => write!(f, "the chain did not answer: {e}"),
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
        // A read lost before this tick is no concern of it.
        let _ = chain.transport_error();
        let report = self.tick_once(chain)?;
        match chain.transport_error() {
            Some(e) => Err(KeeperError::Transport(e)),
            None => Ok(report),
        }
    }

    fn tick_once(&self, chain: &mut dyn Chain) -> Result<TickReport, KeeperError> {
        let mut report = TickReport::default();
        // Queued parameter changes first: everything below runs under the parameters in effect.
        let before: Group = fetch(chain, &self.group)?;
        let pending = discover::pending_changes(chain, &self.group)
            .map_err(|e| KeeperError::Decode(self.group, e))?;
        let now = chain.now();
        for (index, crank, apply) in cranks::changes_due(&self.group, &before, &pending, now) {
            self.crank(chain, index, vec![(crank, apply)], &mut report);
        }
        let g: Group = fetch(chain, &self.group)?;
        let underlyings: Vec<Underlying> = (0..g.underlying_count)
            .map(|i| fetch(chain, &pda::underlying(&self.group, i)))
            .collect::<Result<_, _>>()?;
        let prices: Vec<Pubkey> = underlyings.iter().map(|u| u.oracle.price_account).collect();
        let price_of = |i: u16| prices.get(usize::from(i)).copied().unwrap_or_default();
        let now = chain.now();
        // Nothing is judged on a partial view: the group, its markets or the clock unread.
        if let Some(e) = chain.transport_error() {
            return Err(KeeperError::Transport(e));
        }
        // The quote asset (index 0) has no price, market or chain to crank. The refreshes are
        // judged on what the market cranks leave (a price sample can start a new vol epoch).
        for (i, u) in (0u16..).zip(&underlyings).skip(1) {
            let oracle = &prices[usize::from(i)];
            let due =
                cranks::market_due(&self.group, i, u, oracle, now, self.funding_interval_secs);
            let landed = report.cranks_landed;
            self.crank(chain, i, due, &mut report);
            let u = if report.cranks_landed > landed {
                fetch::<Underlying>(chain, &pda::underlying(&self.group, i))?
            } else {
                *u
            };
            let mid = option_mid(chain, &self.group, i, &u, g.quote_decimals, &price_of, now);
            let due = cranks::refreshes_due(&self.group, i, &u, oracle, mid, now);
            self.crank(chain, i, due, &mut report);
        }
        let accounts = discover::margin_accounts(chain, &self.group)
            .map_err(|e| KeeperError::Decode(self.group, e))?;
        // Positions in series the cranks (or anyone) settled, closed at their settlement value.
        let landed_before = report.cranks_landed;
        for (i, u) in (0u16..).zip(&underlyings).skip(1).filter(|(_, u)| u.options.listed == 1) {
            let u = fetch::<Underlying>(chain, &pda::underlying(&self.group, i)).unwrap_or(*u);
            let due = cranks::position_settlements(&self.group, i, &u, &accounts);
            self.crank(chain, i, due, &mut report);
        }
        let accounts = if report.cranks_landed > landed_before {
            discover::margin_accounts(chain, &self.group)
                .map_err(|e| KeeperError::Decode(self.group, e))?
        } else {
            accounts
        };
        report.tracked = accounts.len();
        // Triage from one snapshot of the group: no read per account.
        let snapshot = Snapshot::fetch(chain, &self.group, &price_of)?;
        let mut queue = Vec::new();
        for (key, account) in accounts.iter().filter(|(key, _)| *key != self.account) {
            // An account whose inputs cannot be valued now (a missing feed) waits for the next
            // tick: the planner runs the program's own checks, which would refuse it too.
            if let Ok((true, h)) = snapshot.liquidatable(account) {
                queue.push((h.maint_health, *key));
            }
        }
        report.liquidatable = queue.len();
        queue.sort();
        for (_, key) in queue {
            self.liquidate(chain, &key, &price_of, &mut report);
        }
        // What the liquidations emptied (and any account emptied before), settled; again while
        // a pass lands something (a loss larger than any one winner's gain takes several).
        for _ in 0..MAX_SETTLEMENT_PASSES {
            if self.settle_emptied(chain, &price_of, &mut report)? == 0 || self.dry_run {
                break;
            }
        }
        report.wallet_lamports = chain.account(&self.wallet.pubkey()).map_or(0, |a| a.lamports);
        Ok(report)
    }

    /// Simulates and sends each crank of underlying `index`, counting and logging the outcome.
    fn crank(
        &self,
        chain: &mut dyn Chain,
        index: u16,
        due: Vec<(cranks::Crank, Instruction)>,
        report: &mut TickReport,
    ) {
        for (crank, instruction) in due {
            match self.simulate_and_send(chain, &self.with_budget(instruction)) {
                Ok(cu) => {
                    report.cranks_landed += 1;
                    tracing::info!(underlying = index, ?crank, compute_units = cu, "crank");
                }
                Err(e) => {
                    report.cranks_failed += 1;
                    tracing::warn!(underlying = index, ?crank, error = %e.error, "crank refused");
                }
            }
        }
    }

    /// One settlement pass over the group's emptied accounts (module doc); how many transactions
    /// landed.
    fn settle_emptied(
        &self,
        chain: &mut dyn Chain,
        price_of: &dyn Fn(u16) -> Pubkey,
        report: &mut TickReport,
    ) -> Result<usize, KeeperError> {
        let accounts = discover::margin_accounts(chain, &self.group)
            .map_err(|e| KeeperError::Decode(self.group, e))?;
        let mut totals = loss_totals(&fetch::<Group>(chain, &self.group)?);
        let mut landed_in_pass = 0;
        for (key, account) in &accounts {
            let steps = bankruptcy::settlements(&self.group, key, account, &accounts, price_of);
            let mut landed_here = 0;
            for tries in steps {
                let landed = tries
                    .into_iter()
                    .any(|t| self.simulate_and_send(chain, &self.with_budget_all(t)).is_ok());
                landed_here += usize::from(landed);
            }
            if landed_here > 0 {
                tracing::info!(account = %key, transactions = landed_here, "settled");
                let after = loss_totals(&fetch::<Group>(chain, &self.group)?);
                if after != totals && !report.bankrupt.contains(key) {
                    report.bankrupt.push(*key);
                }
                // A node may answer with an older group: never below what was seen.
                report.insurance_paid += after.0.saturating_sub(totals.0);
                report.socialized += after.1.saturating_sub(totals.1);
                totals = after;
            }
            landed_in_pass += landed_here;
        }
        report.settlements_landed += landed_in_pass;
        Ok(landed_in_pass)
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
            let view = match Liquidation::fetch(chain, &self.account, liquidatee, price_of) {
                Ok(view) => view,
                Err(e) => {
                    report.stuck += 1;
                    tracing::warn!(%liquidatee, error = %e, "liquidation inputs unreadable");
                    return;
                }
            };
            if !view.liquidatable().unwrap_or(false) {
                return;
            }
            let Some((step, predicted)) = view.best_step(&authority) else {
                report.stuck += 1;
                tracing::warn!(%liquidatee, "liquidatable, but no step passes the planner");
                return;
            };
            if predicted.outcome.incentive < self.min_incentive {
                report.steps_unprofitable += 1;
                tracing::debug!(%liquidatee, incentive = predicted.outcome.incentive, "unprofitable");
                return;
            }
            let instructions = self.with_budget(view.instruction(&authority, step, 0, price_of));
            match self.simulate_and_send(chain, &instructions) {
                Ok(compute_units) => {
                    report.steps_landed += 1;
                    report.compute_units += compute_units;
                    let o = predicted.outcome;
                    tracing::info!(
                        %liquidatee, ?step, rate_bps = o.rate_bps, incentive = o.incentive,
                        maint_after = o.maint_after, compute_units, "liquidation step"
                    );
                    let liquidatee = *liquidatee;
                    report.steps.push(LandedStep { liquidatee, step, predicted, compute_units });
                    if self.dry_run {
                        return;
                    }
                }
                Err(e) => {
                    report.steps_failed += 1;
                    tracing::warn!(%liquidatee, ?step, error = %e.error, "liquidation step refused");
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

    /// Simulates `instructions`, then sends them (unless dry-running); the compute units they
    /// used (as simulated, when dry-running).
    fn simulate_and_send(
        &self,
        chain: &mut dyn Chain,
        instructions: &[Instruction],
    ) -> Result<u64, TxFailure> {
        let simulated = chain.simulate(instructions, &self.wallet, &[], &[])?;
        if self.dry_run {
            return Ok(simulated.compute_units);
        }
        Ok(chain.send(instructions, &self.wallet, &[])?.compute_units)
    }
}

/// The group's `(insurance_paid_total, socialized_total)`.
fn loss_totals(g: &Group) -> (u64, u64) {
    (g.insurance_paid_total, g.socialized_total)
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
