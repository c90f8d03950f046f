//! One underlying's book while an account's health is computed: its collateral, market position
//! and options valued and stressed together (`portfolio::compute` sums the books).
//!
//! **Valuations.** Every action that relies on a health figure values live option positions from
//! fresh cache entries ([`Valuation::Fresh`]): a stale vol or entry fails the computation. A
//! liquidation must not fail because inputs went stale when prices moved, so it values a series
//! that is not fresh (stale vols, a stale entry, an expired series awaiting settlement)
//! conservatively instead ([`Valuation::Conservative`], the liquidatee's): a long position counts
//! for nothing and carries no risk; a written one counts at the larger of its intrinsic value at
//! the live price and its last mark (4 qn up), and adds to both levels' requirement the largest
//! gain a long contract showed in any scenario of either grid at that valuation (one stored unit up). With a
//! current entry (refreshed at about the live price) that is worse than a fresh valuation for any
//! move the scenarios cover; with a stale one it may be lenient after a large move, which only
//! delays a liquidation (a keeper refreshes the entries to see more). The liquidator's own check
//! ([`Valuation::CurrentEntries`]) tolerates stale vols and series in their last day (valued
//! conservatively) only: every entry it values must be current, so it cannot take on risk
//! against a lenient figure.

use anchor_lang::prelude::*;
use xmargin_risk::book::{BookMargin, Exposure, Stress};
use xmargin_risk::health::{value_holding, CollateralInput, Health};
use xmargin_risk::margin::Level;
use xmargin_risk::portfolio::to_native;
use xmargin_risk::wide::{mul_i128, mul_wide};

use crate::engine::options::settlement_value;
use crate::engine::portfolio::{contract_prices, ContractPrices, UnderlyingRisk};
use crate::engine::{option_positions, perp};
use crate::error::{risk_error, XmError};
use crate::state::{OptionPosition, OptionSeries, PerpPosition, SeriesStatus, Underlying};

/// How live option positions are valued (see the module doc).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Valuation {
    /// From fresh cache entries only.
    #[default]
    Fresh,
    /// Series that are not fresh conservatively (the liquidatee in a liquidation).
    Conservative,
    /// Series with stale vols or in their last day conservatively, every entry current (the
    /// liquidator).
    CurrentEntries,
}

/// What one written contract of a stale series counts for, qn per contract: the larger of its
/// intrinsic value at the price `x` per contract and its last mark, 4 qn up.
fn stale_written_value(s: &OptionSeries, x: i64) -> i64 {
    settlement_value(s, x).max(s.cache.entry().mark.saturating_add(4))
}

/// What one written contract of a stale series adds to both levels' requirement, qn: the largest
/// gain of a long contract in any scenario of either grid at its last valuation, one stored unit
/// up (the grids' gaps are not ordered, so the maint grid may reach further than init's).
fn stale_gain(s: &OptionSeries) -> i128 {
    let e = s.cache.entry();
    let stored = e.init_pnl.iter().chain(&e.maint_pnl);
    let gain = stored.map(|&p| i64::from(p).max(0)).max().unwrap_or(0);
    i128::from(gain + 1) << e.shift
}

/// Whether a valuation error is an input that is not fresh (the conservative valuation's case).
fn is_stale(e: &Error) -> bool {
    let stale =
        [XmError::VolatilityStale, XmError::RiskCacheStale, XmError::SeriesAwaitingSettlement];
    stale.iter().any(|&k| *e == error!(k))
}

/// One underlying's positions while an account's health is computed.
#[derive(Default)]
pub(crate) struct Book {
    pub exposure: Exposure,
    /// Whether anything was added (an untouched underlying adds no requirement).
    pub touched: bool,
    /// Value of positions with no scenario risk, qn: settled series at their settlement value,
    /// stale series under [`Valuation::Conservative`].
    pub settled_value: i128,
    /// What stale written series add to both levels' requirement under
    /// [`Valuation::Conservative`], qn.
    pub stale_requirement: i128,
    /// How live option positions are valued.
    pub valuation: Valuation,
    /// Prices per contract of the last contract size asked for (the perpetual's and the options'
    /// are usually the same).
    prices: Option<(u64, ContractPrices)>,
}

impl Book {
    /// An empty book valuing options as `valuation` says.
    pub fn new(valuation: Valuation) -> Book {
        Book { valuation, ..Book::default() }
    }

    /// Values a collateral balance into `collateral`; if it carries weight its init-weighted
    /// value (`HoldingValue::exposure`) also moves with the price in every scenario.
    pub fn add_collateral(
        &mut self,
        balance: i64,
        risk: &UnderlyingRisk,
        quote_decimals: u8,
        collateral: &mut Health,
    ) -> Result<()> {
        let input = CollateralInput {
            underlying: risk.index(),
            balance,
            decimals: risk.underlying.decimals,
            haircuts: risk.haircuts,
            price: risk.price,
        };
        let v = value_holding(&input).map_err(risk_error)?;
        collateral.add(&v).map_err(risk_error)?;
        if !v.value.is_zero() {
            // Stressed at its init-weighted value (risk model, section 3).
            let notional = to_native(v.exposure(), quote_decimals).map_err(risk_error)?;
            self.exposure.add_linear(notional).map_err(risk_error)?;
            self.touched = true;
        }
        Ok(())
    }

    /// Adds a market position; returns its unrealized P&L including the funding owed up to now,
    /// the perpetual valued at the asset price when long and the liability price when short.
    pub fn add_perp(
        &mut self,
        p: &PerpPosition,
        risk: &UnderlyingRisk,
        quote_decimals: u8,
        now: i64,
    ) -> Result<i128> {
        if p.base == 0 {
            // Unsettled quote only: no price, no risk.
            return Ok(i128::from(p.quote));
        }
        let u = risk.underlying;
        let prices = self.prices(risk, u.perp.contract_size, quote_decimals)?;
        // |base| <= 2^31 (trades refuse more) and the prices and the funding difference are below
        // 2^64: the products are exact without overflow-checked 128-bit multiplies.
        let base = i128::from(p.base);
        let index = perp::funding_index_at(&u.perp, prices.mid, now)?;
        let unbooked = mul_i128(base, i128::from(index) - i128::from(p.funding_snapshot));
        let value = mul_wide(p.base, if p.base > 0 { prices.asset } else { prices.liability });
        self.exposure.add_linear(mul_wide(p.base, prices.mid)).map_err(risk_error)?;
        self.touched = true;
        Ok(value + i128::from(p.quote) - unbooked)
    }

    /// Adds an option position: a settled series at its settlement value; a live one from its
    /// cache entry, which must be fresh (`option_positions::fresh_entry`), carried to the mid.
    pub fn add_option(
        &mut self,
        o: &OptionPosition,
        risk: &UnderlyingRisk,
        quote_decimals: u8,
        now: i64,
    ) -> Result<()> {
        let u = risk.underlying;
        let s = option_positions::series(&u.options, o.series)?;
        option_positions::require_generation(o, s.generation)?;
        if s.is(SeriesStatus::Settled) {
            let value = mul_wide(o.quantity, s.settlement_value);
            self.settled_value =
                self.settled_value.checked_add(value).ok_or(XmError::MathOverflow)?;
            return Ok(());
        }
        let x = self.prices(risk, u.options.contract_size, quote_decimals)?.mid;
        let entry = match (option_positions::fresh_entry(u, o.series, s, x, now), self.valuation) {
            (Ok(entry), _) => entry,
            (Err(e), Valuation::Conservative) if is_stale(&e) => {
                return self.add_stale_option(o.quantity, s, x);
            }
            (Err(e), Valuation::CurrentEntries) if is_stale(&e) => {
                // Stale vols, or a series in its last day: valued conservatively, but only at
                // a current entry.
                option_positions::current_entry(u, o.series, s, x, now)?;
                return self.add_stale_option(o.quantity, s, x);
            }
            (Err(e), _) => return Err(e),
        };
        self.exposure.add_option(o.quantity, entry, x, now).map_err(risk_error)?;
        self.touched = true;
        Ok(())
    }

    /// A series whose inputs are stale, valued conservatively (see [`Valuation::Conservative`]).
    fn add_stale_option(&mut self, quantity: i64, s: &OptionSeries, x: i64) -> Result<()> {
        if quantity >= 0 {
            return Ok(());
        }
        let (value, gain) = (i128::from(stale_written_value(s, x)), stale_gain(s));
        let q = i128::from(quantity);
        self.settled_value =
            (self.settled_value).checked_add(value * q).ok_or(XmError::MathOverflow)?;
        self.stale_requirement =
            (self.stale_requirement).checked_add(gain * -q).ok_or(XmError::MathOverflow)?;
        self.touched = true;
        Ok(())
    }

    /// Prices per contract of `contract_size` native units, computed once per size.
    fn prices(
        &mut self,
        risk: &UnderlyingRisk,
        contract_size: u64,
        quote_decimals: u8,
    ) -> Result<ContractPrices> {
        match self.prices {
            Some((size, prices)) if size == contract_size => Ok(prices),
            _ => {
                let price = risk.valid_price().map_err(risk_error)?;
                let decimals = risk.underlying.decimals;
                let prices = contract_prices(&price, contract_size, decimals, quote_decimals)
                    .map_err(risk_error)?;
                self.prices = Some((contract_size, prices));
                Ok(prices)
            }
        }
    }

    /// Stresses the book at both levels and adds its requirements to `sums`.
    #[inline(never)]
    pub fn add_requirements(&self, risk: &UnderlyingRisk, sums: &mut [i128; 2]) -> Result<()> {
        let u = risk.underlying;
        let [init, maint] = [Level::Init, Level::Maint].map(|level| stress(u, level));
        let requirements = self.exposure.requirements([&init, &maint]).map_err(risk_error)?;
        for (sum, r) in sums.iter_mut().zip(requirements) {
            let r = r.checked_add(self.stale_requirement);
            *sum = r.and_then(|r| sum.checked_add(r)).ok_or(XmError::MathOverflow)?;
        }
        Ok(())
    }

    /// The book's margin at `level` in detail (per-scenario P&L, scan loss, worst scenario, net
    /// delta), for readers: the same stress as [`Book::add_requirements`].
    pub fn margin(&self, risk: &UnderlyingRisk, level: Level) -> Result<BookMargin> {
        let stress = stress(risk.underlying, level);
        self.exposure.margin(risk.index(), level, &stress).map_err(risk_error)
    }
}

/// The stress of `u`'s grid at `level`.
fn stress(u: &Underlying, level: Level) -> Stress<'_> {
    Stress {
        moves: match level {
            Level::Init => &u.risk.init_moves,
            Level::Maint => &u.risk.maint_moves,
        },
        gap_weight_bps: u.risk_params.gap_weight_bps[level as usize],
        charges: crate::engine::underlying::charges(&u.risk_params, level),
    }
}
