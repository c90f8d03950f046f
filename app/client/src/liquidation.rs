//! Liquidation off-chain with the program's own code (`engine::liquidation::liquidate` on decoded
//! copies): whether an account is liquidatable, what a step would do, each holding's largest
//! acceptable step and the best next one, and the instruction (`ix::account_liquidate`). The
//! keeper, the CLI and the tests all use these.

use anchor_lang::prelude::Pubkey;
use cross_margin::engine::lending;
use cross_margin::engine::liquidation::{
    self, LiquidationInputs, LiquidationParams, LiquidationStep, StepReport,
};
use cross_margin::engine::portfolio::{
    compute_valued, required_underlyings, AccountHealth, QuoteTerms,
};
use cross_margin::engine::valuation::Valuation;
use cross_margin::error::{error_code, XmError};
use cross_margin::instructions::LiquidateArgs;
use cross_margin::state::{
    Group, MarginAccount, PerpPosition, Underlying, EMPTY_SLOT, QUOTE_INDEX,
};
use solana_instruction::Instruction;
use xmargin_risk::health::PriceInput;

use crate::chain::Chain;
use crate::health::{fetch, fetch_inputs, program_error, risks_of, HealthError};
use crate::ix;

/// Basis points of a whole slice.
const WHOLE: u64 = 10_000;

/// A liquidatee and a liquidator with everything a step over them reads, fetched from a chain.
#[derive(Clone)]
pub struct Liquidation {
    pub liquidatee: (Pubkey, MarginAccount),
    pub liquidator: (Pubkey, MarginAccount),
    pub params: LiquidationParams,
    /// The group's quote terms.
    pub quote: QuoteTerms,
    /// Unix time of the chain when fetched.
    pub now: i64,
    /// Both accounts' underlyings with their graded prices, ascending.
    pub underlyings: Vec<(Underlying, PriceInput)>,
}

/// Decoded underlyings standing in for the health accounts.
struct Copies<'a> {
    underlyings: &'a mut [(Underlying, PriceInput)],
    quote: QuoteTerms,
    now: i64,
}

impl LiquidationInputs for Copies<'_> {
    fn health(
        &self,
        account: &MarginAccount,
        valuation: Valuation,
    ) -> anchor_lang::Result<AccountHealth> {
        let risks = risks_of(self.underlyings, self.now);
        compute_valued(account, &risks, self.quote, self.now, valuation)
    }

    fn quiet(&self) -> bool {
        true
    }

    fn with_underlying(
        &mut self,
        index: u16,
        f: &mut dyn FnMut(&mut Underlying, PriceInput) -> anchor_lang::Result<bool>,
    ) -> anchor_lang::Result<bool> {
        let Some((u, price)) = self.underlyings.iter_mut().find(|(u, _)| u.index == index) else {
            return Err(XmError::LiquidationStepInvalid.into());
        };
        f(u, *price)
    }
}

/// A group as one keeper tick sees it: its liquidation parameters, quote terms, clock and every
/// underlying whose price could be read, with that price graded, fetched once; any account's
/// liquidation health then needs no further read ([`Snapshot::health`]), so triaging every
/// account of a group costs one `getProgramAccounts` and one read per underlying.
pub struct Snapshot {
    pub params: LiquidationParams,
    pub quote: QuoteTerms,
    pub now: i64,
    /// Ascending by index; an underlying whose price account is missing or unreadable is left
    /// out (the accounts holding it fail with `HealthAccountMissing`, as the program would).
    pub underlyings: Vec<(Underlying, PriceInput)>,
}

impl Snapshot {
    /// Fetches the group, its underlyings and their prices (`price_of(index)`).
    pub fn fetch(
        chain: &mut dyn Chain,
        group: &Pubkey,
        price_of: &dyn Fn(u16) -> Pubkey,
    ) -> Result<Snapshot, HealthError> {
        let g: Group = fetch(chain, group)?;
        let now = chain.now();
        let mut underlyings = Vec::with_capacity(usize::from(g.underlying_count));
        for index in 0..g.underlying_count {
            // One unreadable feed leaves out only its underlying (module doc).
            if let Ok(mut one) = fetch_inputs(chain, group, &[index], price_of, now) {
                underlyings.append(&mut one);
            }
        }
        Ok(Snapshot { params: *g.liquidation, quote: g.quote_terms(), now, underlyings })
    }

    /// `account`'s health as a liquidation step judges it (stale option inputs valued
    /// conservatively), exactly as [`Liquidation::liquidatee_health`] computes it.
    pub fn health(&self, account: &MarginAccount) -> Result<AccountHealth, HealthError> {
        let risks = risks_of(&self.underlyings, self.now);
        compute_valued(account, &risks, self.quote, self.now, Valuation::Conservative)
            .map_err(program_error)
    }

    /// Whether a step may liquidate `account` now, and its health.
    pub fn liquidatable(
        &self,
        account: &MarginAccount,
    ) -> Result<(bool, AccountHealth), HealthError> {
        let h = self.health(account)?;
        Ok((liquidation::liquidatable(account, &h), h))
    }
}

impl Liquidation {
    /// Fetches the two accounts, the group's parameters and both accounts' underlyings, reading
    /// each price from `price_of(index)`.
    pub fn fetch(
        chain: &mut dyn Chain,
        liquidator: &Pubkey,
        liquidatee: &Pubkey,
        price_of: &dyn Fn(u16) -> Pubkey,
    ) -> Result<Liquidation, HealthError> {
        let l: MarginAccount = fetch(chain, liquidatee)?;
        let k: MarginAccount = fetch(chain, liquidator)?;
        let group: Group = fetch(chain, &l.group)?;
        let now = chain.now();
        let needed = required_underlyings(&[&l, &k]);
        let underlyings = fetch_inputs(chain, &l.group, &needed, price_of, now)?;
        Ok(Liquidation {
            liquidatee: (*liquidatee, l),
            liquidator: (*liquidator, k),
            params: *group.liquidation,
            quote: group.quote_terms(),
            now,
            underlyings,
        })
    }

    /// The liquidatee's health as a step judges it (stale option inputs valued conservatively).
    pub fn liquidatee_health(&self) -> Result<AccountHealth, HealthError> {
        let mut underlyings = self.underlyings.clone();
        let copies = Copies { underlyings: &mut underlyings, quote: self.quote, now: self.now };
        copies.health(&self.liquidatee.1, Valuation::Conservative).map_err(program_error)
    }

    /// Whether a step may liquidate the liquidatee now (`engine::liquidation::liquidatable`).
    pub fn liquidatable(&self) -> Result<bool, HealthError> {
        Ok(liquidation::liquidatable(&self.liquidatee.1, &self.liquidatee_health()?))
    }

    /// The auction's incentive rate for a step now, basis points.
    pub fn rate_bps(&self) -> Result<u64, HealthError> {
        let since =
            liquidation::auction_start(&self.liquidatee.1, &self.liquidatee_health()?, self.now);
        Ok(self.params.rate_bps(since, self.now))
    }

    /// What `step` signed by `authority` would do, run by the program's own code on copies.
    pub fn predict(
        &self,
        authority: &Pubkey,
        step: &LiquidationStep,
    ) -> Result<StepReport, anchor_lang::error::Error> {
        let (mut l, mut k) = (self.liquidatee.1, self.liquidator.1);
        let mut underlyings = self.underlyings.clone();
        let mut copies = Copies { underlyings: &mut underlyings, quote: self.quote, now: self.now };
        liquidation::liquidate(
            &mut l,
            &mut k,
            authority,
            step,
            &self.params,
            0,
            self.quote.decimals,
            self.now,
            &mut copies,
        )
    }

    /// Every holding of the liquidatee as a whole step, and the whole slice.
    pub fn candidates(&self) -> Vec<LiquidationStep> {
        let l = &self.liquidatee.1;
        let collateral =
            l.active_collateral().filter(|c| c.underlying != QUOTE_INDEX && c.balance > 0);
        let collateral = collateral.map(|c| LiquidationStep::Collateral {
            underlying: c.underlying,
            amount: c.balance as u64,
        });
        let perps = l.perps.iter().filter(|p| p.base != 0).map(|p| LiquidationStep::Perp {
            underlying: p.underlying,
            contracts: p.base.unsigned_abs(),
        });
        let options =
            l.options.iter().filter(|o| o.quantity != 0).map(|o| LiquidationStep::Option {
                underlying: o.underlying,
                series: o.series,
                contracts: o.quantity.unsigned_abs(),
            });
        let slice = LiquidationStep::Slice { fraction_bps: WHOLE as u16 };
        collateral.chain(perps).chain(options).chain([slice]).collect()
    }

    /// The largest acceptable size of `whole` (a step at its full size), with what it would do:
    /// the largest size the target and the liquidator's init health allow, if a step that size
    /// passes every check.
    pub fn largest(
        &self,
        authority: &Pubkey,
        whole: &LiquidationStep,
    ) -> Option<(LiquidationStep, StepReport)> {
        let too_large = |e: &anchor_lang::error::Error| {
            let code = error_code(e);
            code == u32::from(XmError::OverLiquidation)
                || code == u32::from(XmError::InitHealthNegative)
        };
        let (mut lo, mut hi) = (1u64, whole.units());
        // The largest size that is not too large: sizes past the target only grow.
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            match self.predict(authority, &sized(whole, mid)) {
                Err(e) if too_large(&e) => hi = mid - 1,
                _ => lo = mid,
            }
        }
        let step = sized(whole, lo);
        self.predict(authority, &step).ok().map(|report| (step, report))
    }

    /// The step that raises the liquidatee's maint health the most (so pays the liquidator the
    /// most), at its largest acceptable size; `None` when no step passes.
    pub fn best_step(&self, authority: &Pubkey) -> Option<(LiquidationStep, StepReport)> {
        self.candidates()
            .iter()
            .filter_map(|whole| self.largest(authority, whole))
            .max_by_key(|(_, report)| report.outcome.gain)
    }

    /// The instruction for `step`, the liquidator accepting at least `min_rate_bps`.
    pub fn instruction(
        &self,
        authority: &Pubkey,
        step: LiquidationStep,
        min_rate_bps: u16,
        price_of: impl Fn(u16) -> Pubkey,
    ) -> Instruction {
        let (lk, l) = &self.liquidatee;
        let (kk, k) = &self.liquidator;
        ix::account_liquidate(
            authority,
            (kk, k),
            (lk, l),
            LiquidateArgs { step, min_rate_bps },
            price_of,
        )
    }
}

/// `whole` at `units` of its unit.
fn sized(whole: &LiquidationStep, units: u64) -> LiquidationStep {
    match *whole {
        LiquidationStep::Collateral { underlying, .. } => {
            LiquidationStep::Collateral { underlying, amount: units }
        }
        LiquidationStep::Perp { underlying, .. } => {
            LiquidationStep::Perp { underlying, contracts: units }
        }
        LiquidationStep::Option { underlying, series, .. } => {
            LiquidationStep::Option { underlying, series, contracts: units }
        }
        LiquidationStep::Slice { .. } => LiquidationStep::Slice { fraction_bps: units as u16 },
    }
}

/// Where an account stands towards bankruptcy (`engine::bankruptcy`), for keepers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BankruptcyState {
    /// It holds something to liquidate, or owes no quote.
    NotBankrupt,
    /// Nothing left to liquidate but unsettled quote: settle it (`perp_settle_pnl`,
    /// `perp_settle_fees`), its gains first; a settled loss it cannot pay is resolved in the
    /// settlement itself (its fees waived).
    NeedsSettlement,
    /// `account_resolve_bankruptcy` resolves it: it owes this much (a bankrupt account is charged
    /// no interest).
    Bankrupt { owed: u64 },
}

/// `account`'s bankruptcy state.
pub fn bankruptcy_state(account: &MarginAccount) -> BankruptcyState {
    if !account.has_no_holdings() {
        return BankruptcyState::NotBankrupt;
    }
    let unsettled = |gain: bool| {
        let open = |p: &&PerpPosition| p.underlying != EMPTY_SLOT && p.quote != 0;
        account.perps.iter().filter(open).any(|p| (p.quote > 0) == gain)
    };
    let balance = lending::quote_balance(account);
    if unsettled(true) {
        BankruptcyState::NeedsSettlement
    } else if balance < 0 {
        BankruptcyState::Bankrupt { owed: balance.unsigned_abs() }
    } else if unsettled(false) {
        BankruptcyState::NeedsSettlement
    } else {
        BankruptcyState::NotBankrupt
    }
}
