//! Liquidation on plain account structs: who may be liquidated, the Dutch-auction incentive, and
//! the value transfer of one step from the liquidatee `L` to the liquidator `K`.
//!
//! - **Liquidatable** iff `L`'s maint health is below 0, computed by the step itself with stale
//!   option inputs valued conservatively (`valuation::Valuation::Conservative`). The first step
//!   flags the account (`MarginAccount::liquidation_since`); while flagged its owner may only
//!   deposit and reduce risk, and steps may go on until its init health is back at 0 or above (the
//!   **target**), when the flag clears.
//! - **Steps** move holdings of `L` to `K` at their value: collateral at the oracle mid, a
//!   perpetual at the oracle mid (both accounts' funding booked first), an option position at its
//!   carried mark (the holder's bid for a long, the writer's ask for a written one; a stale
//!   series at its conservative value: nothing for a long, the larger of intrinsic value and last
//!   mark for a written one, whose scenario risk is the requirement the step releases), a
//!   **slice** the same fraction of every holding but the quote asset and the
//!   unsettled quote. What changes hands is booked in both accounts' unsettled quote on the
//!   holding's underlying, so `perp_settle_pnl` later moves it into quote balances.
//! - **Incentive**: `L` pays `K` `rate * gain` into their unsettled quote on the step's first
//!   underlying, where `gain` is the maint health the transfer gives `L` (the maint requirement
//!   it releases, and the maint haircut of collateral sold at the mid) and `rate`
//!   rises linearly from `incentive_start_bps` to `incentive_max_bps` over `incentive_ramp_secs`
//!   from the flag (a Dutch auction: keepers compete on the rate they accept, `min_rate_bps`). It
//!   never exceeds `L`'s maint equity above zero after the transfer, so no step makes a solvent
//!   account bankrupt. With the rate below 100%, every step with a gain raises `L`'s maint
//!   health by `(1 - rate) gain` at least.
//! - **Checks** (`judge`): the step must raise `L`'s maint health (or, for the step that leaves `L`
//!   no holdings, not lower it: worthless remainders must not keep an account from bankruptcy
//!   resolution); it may leave `L`'s init health
//!   above 0 by at most what one unit of the step releases (no over-liquidation); `K` must end with
//!   init health >= 0.

use anchor_lang::prelude::*;
use xmargin_risk::health::PriceInput;
use xmargin_risk::portfolio::to_native;

use crate::engine::portfolio::{contract_prices, required_underlyings, AccountHealth};
use crate::engine::valuation::Valuation;
use crate::engine::{collateral, option_positions, perp};
use crate::error::{risk_error, XmError};
use crate::state::{MarginAccount, SeriesStatus, Underlying, QUOTE_INDEX};

/// Basis points in one.
const BPS: u64 = 10_000;

crate::twin_params! {
    /// The group's liquidation parameters.
    pub struct LiquidationParams / StoredLiquidationParams {
        /// The incentive when an account is flagged, basis points of the maint requirement a
        /// step releases.
        pub incentive_start_bps: u16,
        /// The incentive's cap, basis points (`< 10,000`, so every step raises maint health).
        pub incentive_max_bps: u16,
        /// Seconds from the flag to the cap (the incentive rises linearly in between).
        pub incentive_ramp_secs: u32,
    }
}

impl LiquidationParams {
    /// 10% of the released maint requirement at first, rising to 50% over ten minutes.
    pub const DEFAULT: LiquidationParams = LiquidationParams {
        incentive_start_bps: 1_000,
        incentive_max_bps: 5_000,
        incentive_ramp_secs: 600,
    };

    /// Checks `start <= max < 100%` and a ramp of at least a second.
    pub fn validate(&self) -> Result<()> {
        require!(
            self.incentive_start_bps <= self.incentive_max_bps
                && u64::from(self.incentive_max_bps) < BPS
                && self.incentive_ramp_secs > 0,
            XmError::InvalidLiquidationParams
        );
        Ok(())
    }

    /// The incentive rate at `now` for an account flagged at `since`, basis points.
    pub fn rate_bps(&self, since: i64, now: i64) -> u64 {
        let (start, max) = (u64::from(self.incentive_start_bps), u64::from(self.incentive_max_bps));
        let elapsed = now.saturating_sub(since).max(0) as u64;
        let ramp = u64::from(self.incentive_ramp_secs);
        start + (max - start) * elapsed.min(ramp) / ramp
    }
}

/// Where a step's refusals are explained: the program log on-chain, nowhere in a prediction.
pub type Log = fn(&str);

/// One liquidation step: what moves from the liquidatee to the liquidator.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiquidationStep {
    /// `amount` native units of the liquidatee's collateral of `underlying` (not the quote asset).
    Collateral { underlying: u16, amount: u64 },
    /// `contracts` of the liquidatee's perpetual on `underlying`, in the position's direction.
    Perp { underlying: u16, contracts: u64 },
    /// `contracts` of the liquidatee's position in `series` of `underlying`'s chain.
    Option { underlying: u16, series: u16, contracts: u64 },
    /// `fraction_bps` of every holding of the liquidatee but the quote asset and unsettled quote,
    /// each rounded toward zero (so hedges move together).
    Slice { fraction_bps: u16 },
}

impl LiquidationStep {
    /// The step's size in its own unit (native units, contracts, basis points), > 0.
    pub fn units(&self) -> u64 {
        match *self {
            LiquidationStep::Collateral { amount, .. } => amount,
            LiquidationStep::Perp { contracts, .. } => contracts,
            LiquidationStep::Option { contracts, .. } => contracts,
            LiquidationStep::Slice { fraction_bps } => u64::from(fraction_bps),
        }
    }

    /// The underlyings the step writes, ascending: a single-holding step's own, a slice every one
    /// the liquidatee `l` holds but the quote asset's. Their health accounts must be writable.
    pub fn touched(&self, l: &MarginAccount) -> Vec<u16> {
        match *self {
            LiquidationStep::Collateral { underlying, .. }
            | LiquidationStep::Perp { underlying, .. }
            | LiquidationStep::Option { underlying, .. } => vec![underlying],
            LiquidationStep::Slice { .. } => {
                required_underlyings(&[l]).into_iter().filter(|&i| i != QUOTE_INDEX).collect()
            }
        }
    }
}

/// What a liquidation step reads and writes besides the two margin accounts: the health of an
/// account from the step's health accounts (stale option inputs valued conservatively), and each
/// underlying the step moves, mutably with its graded price. On-chain the health accounts of the
/// instruction (`instructions::account_liquidate`); off-chain decoded copies (the client's
/// prediction), so both run [`liquidate`].
pub trait LiquidationInputs {
    /// `account`'s health valued as `valuation` says.
    fn health(&self, account: &MarginAccount, valuation: Valuation) -> Result<AccountHealth>;
    /// Whether the step's refusals go unlogged (off-chain predictions probe many sizes).
    fn quiet(&self) -> bool {
        false
    }
    /// Runs `f` on the underlying of `index` and its price; returns what `f` returns.
    fn with_underlying(
        &mut self,
        index: u16,
        f: &mut dyn FnMut(&mut Underlying, PriceInput) -> Result<bool>,
    ) -> Result<bool>;
}

/// What one step did, for the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepReport {
    /// The liquidatee's health before the step.
    pub before: AccountHealth,
    /// The gain, incentive and the liquidatee's health after.
    pub outcome: StepOutcome,
    /// The liquidator's health after.
    pub liquidator_after: AccountHealth,
    /// When the liquidatee was flagged (this step's time if it was not).
    pub since: i64,
}

/// Whether `l`, of conservative health `h`, may be liquidated: maint health < 0, or flagged and
/// init health still below the target (0).
pub fn liquidatable(l: &MarginAccount, h: &AccountHealth) -> bool {
    h.maint_health < 0 || l.liquidation_since != 0 && h.init_health < 0
}

/// When the auction of a step on `l` (of conservative health `h`) at `now` started: the flag's
/// time while `l` stays below maint, else now (a flagged account back above maint but below init
/// is liquidated at the starting rate, its clock restarted).
pub fn auction_start(l: &MarginAccount, h: &AccountHealth, now: i64) -> i64 {
    if l.liquidation_since != 0 && h.maint_health < 0 {
        l.liquidation_since
    } else {
        now
    }
}

/// One liquidation step of `l` by `k` (signed by `signer`), with every check of the module doc:
/// not the same owner or `l`'s owner or delegate signing; `l` liquidatable (maint health < 0, or
/// flagged and init health < 0); the auction's rate at least `min_rate_bps`; the transfer; the
/// gain, target and incentive (`judge`); the incentive paid; the flag set or cleared; `k` at init
/// health >= 0 after.
#[allow(clippy::too_many_arguments)]
pub fn liquidate(
    l: &mut MarginAccount,
    k: &mut MarginAccount,
    signer: &Pubkey,
    step: &LiquidationStep,
    params: &LiquidationParams,
    min_rate_bps: u16,
    quote_decimals: u8,
    now: i64,
    inputs: &mut dyn LiquidationInputs,
) -> Result<StepReport> {
    require!(step.units() > 0, XmError::LiquidationStepInvalid);
    require!(k.owner != l.owner && !l.is_owner_or_delegate(signer), XmError::SelfLiquidation);
    let log: Log = if inputs.quiet() { |_| {} } else { |m| xm_msg!("{}", m) };
    let before = inputs.health(l, Valuation::Conservative)?;
    if !liquidatable(l, &before) {
        log(&format!("maint health {}, init health {}", before.maint_health, before.init_health));
        return err!(XmError::NotLiquidatable);
    }
    let since = auction_start(l, &before, now);
    let rate = params.rate_bps(since, now);
    if rate < u64::from(min_rate_bps) {
        log(&format!("incentive {} bps < the liquidator's minimum {}", rate, min_rate_bps));
        return err!(XmError::IncentiveBelowMinimum);
    }
    let mut paid_on = None;
    for index in step.touched(l) {
        let moved = inputs.with_underlying(index, &mut |u, price| {
            transfer_on(u, price, [&mut *l, &mut *k], step, (quote_decimals, now), log)
        })?;
        if moved {
            paid_on.get_or_insert(index);
        }
    }
    let Some(paid_on) = paid_on else {
        log("the step moves nothing the liquidatee holds");
        return err!(XmError::LiquidationStepInvalid);
    };
    let after = inputs.health(l, Valuation::Conservative)?;
    let outcome = judge(&before, &after, rate, step.units(), l.has_no_holdings(), log)?;
    inputs.with_underlying(paid_on, &mut |u, _| {
        pay_incentive(u, [&mut *l, &mut *k], outcome.incentive).map(|_| true)
    })?;
    // Cleared at the target; the auction restarts once maint health is back at 0 or above.
    l.liquidation_since = match (outcome.init_after >= 0, outcome.maint_after >= 0) {
        (true, _) => 0,
        (false, true) => now,
        (false, false) => since,
    };
    let liquidator_after = inputs.health(k, Valuation::CurrentEntries)?;
    if liquidator_after.init_negative() {
        log(&format!("the liquidator would end at init health {}", liquidator_after.init_health));
        return err!(XmError::InitHealthNegative);
    }
    Ok(StepReport { before, outcome, liquidator_after, since })
}

/// Moves what `step` takes of `l`'s holdings on `u` (priced by `price`) to `k`, at their value.
/// For a slice, call once per underlying `l` holds. Returns whether anything moved.
///
/// Where `l`'s options on `u` are not all fresh, the conservative valuation gives them no delta,
/// so a single holding could leave a hedge behind at a gain the valuation only imagines: only a
/// slice may move there, and only if every live series of `l` on `u` has a current entry
/// (`option_positions::current_entry`; a keeper refreshes them, stale vols are tolerated), else
/// the slice leaves the underlying. Options always move at the carried mark of a current entry.
/// Settled series never move (`option_settle_positions` pays them).
pub fn transfer_on(
    u: &mut Underlying,
    price: PriceInput,
    sides: [&mut MarginAccount; 2],
    step: &LiquidationStep,
    (quote_decimals, now): (u8, i64),
    log: Log,
) -> Result<bool> {
    let [l, k] = sides;
    let index = u.index;
    let slice = matches!(step, LiquidationStep::Slice { .. });
    let x_options = match u.options.listed {
        1 => Some(mid(u, price, u.options.contract_size, quote_decimals)?),
        _ => None,
    };
    if let Some(x) = x_options {
        match option_inputs(l, u, x, now)? {
            OptionInputs::Fresh => {}
            OptionInputs::Current(_) if slice => {}
            OptionInputs::Current(e) | OptionInputs::Stale(e) if !slice => return Err(e),
            _ => {
                log(&format!(
                    "underlying {index}: an option entry is not current; the slice leaves it"
                ));
                return Ok(false);
            }
        }
    }
    let fraction = |held: u64| -> u64 {
        match *step {
            LiquidationStep::Slice { fraction_bps } => held * u64::from(fraction_bps) / BPS,
            _ => held,
        }
    };
    let mut moved = false;
    // Collateral.
    let held = l.active_collateral().find(|c| c.underlying == index).map_or(0, |c| c.balance);
    let amount = match *step {
        LiquidationStep::Collateral { underlying, amount } if underlying == index => amount,
        LiquidationStep::Slice { .. } => fraction(held.max(0) as u64),
        _ => 0,
    };
    if amount > 0 {
        require!(index != QUOTE_INDEX, XmError::LiquidationStepInvalid);
        require!(amount <= held.max(0) as u64, XmError::LiquidationStepInvalid);
        let value = collateral_value(u, price, amount, quote_decimals)?;
        let signed = i64::try_from(amount).map_err(|_| XmError::BalanceOverflow)?;
        collateral::apply(l, u, -signed)?;
        collateral::apply(k, u, signed)?;
        perp::pay(l, index, &u.perp, value)?;
        perp::pay(k, index, &u.perp, -value)?;
        moved = true;
    }
    // The perpetual.
    let base = l.perps.iter().find(|p| p.underlying == index).map_or(0, |p| p.base);
    let contracts = match *step {
        LiquidationStep::Perp { underlying, contracts } if underlying == index => contracts,
        LiquidationStep::Slice { .. } => fraction(base.unsigned_abs()),
        _ => 0,
    };
    if contracts > 0 {
        require!(contracts <= base.unsigned_abs(), XmError::LiquidationStepInvalid);
        let x = mid(u, price, u.perp.contract_size, quote_decimals)?;
        let q = i64::try_from(contracts).map_err(|_| XmError::PositionTooLarge)?;
        // K buys a long position from L, or sells L back a short one, at the mid, without fee.
        let sides = if base > 0 { [&mut *k, &mut *l] } else { [&mut *l, &mut *k] };
        perp::transfer(u, sides, q, x, 0, x, now)?;
        moved = true;
    }
    // Options, live series only.
    let Some(x) = x_options else { return Ok(moved) };
    for slot in 0..l.options.len() {
        let o = l.options[slot];
        if o.underlying != index || o.quantity == 0 {
            continue;
        }
        let contracts = match *step {
            LiquidationStep::Option { underlying, series, contracts }
                if underlying == index && series == o.series =>
            {
                contracts
            }
            LiquidationStep::Slice { .. } => fraction(o.quantity.unsigned_abs()),
            _ => 0,
        };
        let settled = option_positions::series(&u.options, o.series)?.is(SeriesStatus::Settled);
        if contracts == 0 || settled && slice {
            continue;
        }
        if settled {
            log(&format!("series {} is settled: option_settle_positions pays it", o.series));
            return err!(XmError::LiquidationStepInvalid);
        }
        require!(contracts <= o.quantity.unsigned_abs(), XmError::LiquidationStepInvalid);
        move_option(u, [&mut *l, &mut *k], o.quantity, o.series, contracts, x, now)?;
        moved = true;
    }
    Ok(moved)
}

/// How fresh `l`'s live option inputs on `u` are, at `x` per contract and `now`.
enum OptionInputs {
    /// Every series fresh (vols and entry).
    Fresh,
    /// Every entry current, some vols stale (the first error).
    Current(Error),
    /// Some entry not current (the first error).
    Stale(Error),
}

fn option_inputs(l: &MarginAccount, u: &Underlying, x: i64, now: i64) -> Result<OptionInputs> {
    let mut inputs = OptionInputs::Fresh;
    for o in l.options.iter().filter(|o| o.underlying == u.index && o.quantity != 0) {
        let s = option_positions::series(&u.options, o.series)?;
        if s.is(SeriesStatus::Settled) {
            continue;
        }
        if let Err(e) = option_positions::current_entry(u, o.series, s, x, now) {
            return Ok(OptionInputs::Stale(e));
        }
        if let (Err(e), OptionInputs::Fresh) =
            (option_positions::fresh_entry(u, o.series, s, x, now), &inputs)
        {
            inputs = OptionInputs::Current(e);
        }
    }
    Ok(inputs)
}

/// Moves `contracts` of `l`'s position in `series` (of `held` contracts) to `k` at the carried
/// mark of its current entry: the holder's bid for a long, the writer's ask for a written one.
fn move_option(
    u: &mut Underlying,
    sides: [&mut MarginAccount; 2],
    held: i64,
    series: u16,
    contracts: u64,
    x: i64,
    now: i64,
) -> Result<()> {
    let [l, k] = sides;
    let s = option_positions::series(&u.options, series)?;
    let entry = option_positions::current_entry(u, series, s, x, now)?;
    let r = option_positions::reference_at(u, entry, x, now)?;
    let value = if held > 0 { r.bid } else { r.ask };
    let q = i64::try_from(contracts).map_err(|_| XmError::PositionTooLarge)?;
    // K buys a long position from L, or sells L back a written one, at its value, without fee.
    let sides = if held > 0 { [k, l] } else { [l, k] };
    option_positions::transfer(u, series, sides, q, value, 0)?;
    Ok(())
}

/// The oracle mid per contract of `contract_size` native units.
fn mid(u: &Underlying, price: PriceInput, contract_size: u64, quote_decimals: u8) -> Result<i64> {
    let p = match price {
        PriceInput::Valid(p) => p,
        _ => return err!(XmError::LiquidationStepInvalid),
    };
    Ok(contract_prices(&p, contract_size, u.decimals, quote_decimals).map_err(risk_error)?.mid)
}

/// `amount` native units of `u` at the oracle mid, native quote units, rounded down.
fn collateral_value(u: &Underlying, price: PriceInput, amount: u64, qd: u8) -> Result<i64> {
    let PriceInput::Valid(p) = price else {
        return err!(XmError::LiquidationStepInvalid);
    };
    let scale = 10u64.checked_pow(u32::from(u.decimals)).ok_or(XmError::MathOverflow)?;
    let value = p.mid.mul_div(i128::from(amount), scale).map_err(|e| {
        xm_msg!("collateral value: {}", e);
        error!(XmError::MathOverflow)
    })?;
    let native = to_native(value, qd).map_err(risk_error)?;
    i64::try_from(native).map_err(|_| error!(XmError::MathOverflow))
}

/// What a step did to the liquidatee, for the checks and the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepOutcome {
    /// Maint health the transfer gave the liquidatee before the incentive, qn: the maint
    /// requirement it released and the haircut of collateral sold at the mid.
    pub gain: i128,
    /// The incentive the liquidatee paid the liquidator, qn.
    pub incentive: i64,
    /// The rate it was computed at, basis points.
    pub rate_bps: u64,
    /// The liquidatee's init and maint health after the step (incentive included), qn.
    pub init_after: i128,
    pub maint_after: i128,
}

/// The incentive and the checks of a step, from the liquidatee's health before the step and after
/// its transfer (`judge` in the module doc). `units` is the step's size; `empties` says the step
/// leaves the liquidatee no holdings, where a gain of 0 is enough (the last holdings may be worth
/// nothing, dust or options far out of the money, and the account must still be emptied to be
/// resolved). Refusals are explained to `log`.
pub fn judge(
    before: &AccountHealth,
    after_transfer: &AccountHealth,
    rate_bps: u64,
    units: u64,
    empties: bool,
    log: Log,
) -> Result<StepOutcome> {
    let gain = after_transfer.maint_health - before.maint_health;
    if gain < 0 || gain == 0 && !empties {
        log(&format!(
            "maint health {} -> {}: the step must raise it",
            before.maint_health, after_transfer.maint_health
        ));
        return err!(XmError::LiquidationDoesNotRaiseHealth);
    }
    let equity = after_transfer.equity[1].max(0);
    let incentive = (gain * i128::from(rate_bps) / i128::from(BPS)).min(equity);
    let incentive = i64::try_from(incentive).map_err(|_| XmError::MathOverflow)?;
    let maint_after = after_transfer.maint_health - i128::from(incentive);
    let init_after = after_transfer.init_health - i128::from(incentive);
    // One unit of the step's worth of init health above the target is the granularity.
    let init_gain = (after_transfer.init_health - before.init_health).max(0);
    let tolerance = init_gain / i128::from(units.max(1)) + 1;
    if init_after > tolerance {
        log(&format!(
            "init health would reach {init_after} (target 0, one unit {tolerance}): too large"
        ));
        return err!(XmError::OverLiquidation);
    }
    Ok(StepOutcome { gain, incentive, rate_bps, init_after, maint_after })
}

/// Books the incentive: `l` pays `k` into their unsettled quote on `u`.
pub fn pay_incentive(u: &Underlying, sides: [&mut MarginAccount; 2], incentive: i64) -> Result<()> {
    let [l, k] = sides;
    if incentive > 0 {
        perp::pay(l, u.index, &u.perp, -incentive)?;
        perp::pay(k, u.index, &u.perp, incentive)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use xmargin_risk::health::Health;

    const NO_LOG: Log = |_| {};

    fn health(init: i128, maint: i128, maint_equity: i128) -> AccountHealth {
        AccountHealth {
            collateral: Health::default(),
            perp_pnl: 0,
            option_value: 0,
            equity: [maint_equity, maint_equity],
            requirement: [maint_equity - init, maint_equity - maint],
            init_health: init,
            maint_health: maint,
        }
    }

    #[test]
    fn the_rate_rises_linearly_to_the_cap() {
        let p = LiquidationParams::DEFAULT;
        assert_eq!(p.rate_bps(100, 100), 1_000);
        assert_eq!(p.rate_bps(100, 400), 3_000);
        assert_eq!(p.rate_bps(100, 700), 5_000);
        assert_eq!(p.rate_bps(100, i64::MAX), 5_000);
        // A clock before the flag (never on-chain) counts as the flag.
        assert_eq!(p.rate_bps(100, 0), 1_000);
        let mut last = 0;
        for t in 0..1_000 {
            let r = p.rate_bps(0, t);
            assert!(r >= last && r <= 5_000);
            last = r;
        }
    }

    #[test]
    fn params_keep_every_step_raising_health() {
        assert!(LiquidationParams::DEFAULT.validate().is_ok());
        let bad = [
            LiquidationParams { incentive_start_bps: 6_000, ..LiquidationParams::DEFAULT },
            LiquidationParams { incentive_max_bps: 10_000, ..LiquidationParams::DEFAULT },
            LiquidationParams { incentive_ramp_secs: 0, ..LiquidationParams::DEFAULT },
        ];
        for p in bad {
            assert!(p.validate().is_err(), "{p:?}");
        }
    }

    #[test]
    fn judge_pays_a_share_of_the_gain_within_the_equity() {
        // Maint -66 -> -7.5 (gain 58.5), init -222 -> 2.25 + 5.85; the incentive is 10% of it.
        let before = health(-222_000, -66_000, 194_000);
        let after = health(8_100, -7_500, 194_000);
        let o = judge(&before, &after, 1_000, 9, false, NO_LOG).unwrap();
        assert_eq!((o.gain, o.incentive), (58_500, 5_850));
        assert_eq!((o.init_after, o.maint_after), (2_250, -13_350));
        // Capped by the maint equity left after the transfer.
        let poor = health(8_100, -7_500, 1_000);
        assert_eq!(judge(&before, &poor, 1_000, 9, false, NO_LOG).unwrap().incentive, 1_000);
        // Nothing left: nothing paid.
        let broke = health(8_100, -7_500, -5);
        assert_eq!(judge(&before, &broke, 5_000, 9, false, NO_LOG).unwrap().incentive, 0);
    }

    #[test]
    fn judge_refuses_no_gain_and_overshooting_the_target() {
        let before = health(-222_000, -66_000, 194_000);
        let same = health(-222_000, -66_000, 194_000);
        assert_eq!(
            judge(&before, &same, 1_000, 1, false, NO_LOG).unwrap_err(),
            error!(XmError::LiquidationDoesNotRaiseHealth)
        );
        let worse = health(-230_000, -70_000, 194_000);
        assert!(judge(&before, &worse, 1_000, 1, false, NO_LOG).is_err());
        // The step that empties the account may move what is worth nothing, never less.
        let emptied = judge(&before, &same, 1_000, 1, true, NO_LOG).unwrap();
        assert_eq!((emptied.gain, emptied.incentive), (0, 0));
        assert!(judge(&before, &worse, 1_000, 1, true, NO_LOG).is_err());
        // Ten units from -222,000 to 33,001: one unit is 25,500 (+1), too little for 33,001 above
        // the target; to 24,000 (one unit 24,600) is within it.
        let far = health(33_001, -6_000, 194_000);
        assert_eq!(
            judge(&before, &far, 0, 10, false, NO_LOG).unwrap_err(),
            error!(XmError::OverLiquidation)
        );
        let within = health(24_000, -6_000, 194_000);
        assert!(judge(&before, &within, 0, 10, false, NO_LOG).is_ok());
    }
}
