//! One underlying's book: its linear exposure and option positions summed in integers, then its
//! margin at each level. This is the health check's inner loop, on-chain and off: everything is
//! quote native units (qn), contracts, or `Q32` fractions; no fixed-point division runs here.
//!
//! Per underlying, with `X` the price per contract (mid), `m_s` the `Q32` moves of the level's grid
//! and `w_s` the scenario weights:
//!
//! ```text
//! linear      = sum of collateral value (that carries weight) + sum perps base * X       qn
//! P&L_s       = linear m_s + sum_options q pnl_s + m_s (A + (1 + m_s) B) - allowance
//!   A         = sum q dX delta,   B = sum q dX gamma_x                (the cache's carry)
//! weighted_s  = floor(P&L_s w_s / 10^4)
//! scan        = max(0, max_s -weighted_s)
//! som         = ceil(som_bps / 10^4 * sum_{q < 0} |q| X)                 short-option minimum
//! conc        = ceil(conc_bps / 10^4 * max(0, |linear + sum q delta X| - threshold))
//! value       = sum q * mark(X, t)                                       options' equity
//! ```
//!
//! Every intermediate product is floored (`>>`), which lowers P&L; where a floor is multiplied by a
//! negative number afterwards, `allowance` (8 qn per contract plus 4) covers it, so each figure is
//! on the protocol's side of the exact one. Inputs are bounded ([`MAX_CONTRACTS`], the cache's
//! `MAX_*`, [`MAX_MOVE`](crate::margin::MAX_MOVE)) so that the per-position arithmetic cannot
//! overflow and needs no checks; sums are checked.

use crate::cache::{SeriesEntry, MAX_DELTA, MAX_GAMMA_X, MAX_PRICE, MAX_THETA, Q, Q_ONE};
use crate::error::{MathError, RiskError};
use crate::margin::{Charges, Level, MAX_MOVE};
use crate::scenario::{Scenario, MAX_SCENARIOS};
use crate::wide::{div_floor, div_rem, mul_i128, mul_q32};

/// Largest position size in contracts (perpetual or option).
pub const MAX_CONTRACTS: i64 = i32::MAX as i64;
/// Largest stored P&L shift the engine accepts.
const MAX_SHIFT: u8 = 32;
/// Bound on the linear notional and the carry sums (keeps the per-scenario products in range).
const MAX_SUM: i128 = 1 << 90;
/// Largest `sum |q|` of a book's options (128 positions of `MAX_CONTRACTS` are below 2^38).
const MAX_BOOK_CONTRACTS: i128 = 1 << 40;

fn overflow(what: &'static str) -> RiskError {
    RiskError::Math { what, err: MathError::Overflow(what) }
}

/// `a + b`, naming `what` on overflow.
pub(crate) fn add(a: i128, b: i128, what: &'static str) -> Result<i128, RiskError> {
    a.checked_add(b).ok_or_else(|| overflow(what))
}

/// `floor(x * bps / 10^4)` for any sign, `|x| < 2^94` (so the product fits for any `u32` bps).
pub(crate) fn bps_floor(x: i128, bps: u32, what: &'static str) -> Result<i128, RiskError> {
    if x == 0 {
        return Ok(0);
    }
    if x.unsigned_abs() >= 1 << 94 {
        return Err(overflow(what));
    }
    Ok(div_floor(mul_i128(x, i128::from(bps)), 10_000))
}

/// `ceil(x * bps / 10^4)` for `x >= 0`.
fn bps_ceil(x: i128, bps: u32, what: &'static str) -> Result<i128, RiskError> {
    bps_floor(-x, bps, what).map(|v| -v)
}

/// `(scenario, loss)` of the most negative P&L (loss 0 if no scenario loses).
pub(crate) fn worst_loss(pnl: &[i128; MAX_SCENARIOS]) -> (usize, i128) {
    let (worst, min) =
        pnl.iter()
            .enumerate()
            .fold((0, pnl[0]), |(wi, wv), (i, &v)| if v < wv { (i, v) } else { (wi, wv) });
    (worst, (-min).max(0))
}

/// One underlying's exposure, accumulated position by position.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exposure {
    /// Linear notional at the mid price: weighted collateral plus perpetuals, qn.
    pub linear: i128,
    /// `sum q * mark(X, t)`, qn (rounded against the holder: down for long, up for written).
    pub option_value: i128,
    /// `sum q * pnl_s` per level and scenario, qn.
    pnl: [[i128; MAX_SCENARIOS]; 2],
    /// `A` and `B` of the carry, qn.
    carry_delta: i128,
    carry_gamma: i128,
    /// `sum q * delta * X`, qn.
    option_delta: i128,
    /// `sum |q|` over option positions: the rounding allowance.
    contracts: i128,
    /// `sum_{q < 0} |q| X`, qn.
    written: i128,
}

impl Exposure {
    /// Adds linear exposure (a notional in qn, negative when short).
    pub fn add_linear(&mut self, notional: i128) -> Result<(), RiskError> {
        self.linear = add(self.linear, notional, "linear exposure")?;
        Ok(())
    }

    /// Adds `quantity` contracts of a series whose cache entry is `e` at price `price` per
    /// contract (qn) and time `now` (whether the entry is fresh enough is the caller's decision:
    /// [`SeriesEntry::check`]).
    pub fn add_option(
        &mut self,
        quantity: i64,
        e: &SeriesEntry,
        price: i64,
        now: i64,
    ) -> Result<(), RiskError> {
        if quantity == 0 {
            return Ok(());
        }
        if quantity.abs() > MAX_CONTRACTS || self.contracts > MAX_BOOK_CONTRACTS {
            return Err(overflow("option quantity"));
        }
        // Products below use the unchecked multiplies of `wide` (SBF expands an overflow-checked
        // 128-bit multiply to a costly routine): `|q| <= 2^31`, `carry` bounds the entry and
        // price, and the sums stay below 2^127 for at most `MAX_BOOK_CONTRACTS` contracts.
        let q = i128::from(quantity);
        let short = quantity < 0;
        let Carried { low, delta_dx, gamma_dx } = e.carry(price, now)?;
        let mark = if short { low + 4 } else { low }.max(0);
        self.option_value = add(self.option_value, mul_i128(q, mark), "option value")?;
        // A stored P&L is a floor: a written position uses the next unit up. |q (p + adj)| < 2^62
        // and the shift is at most 32, so each term is below 2^94.
        let adj = i64::from(short);
        for (level, stored) in [(0, &e.init_pnl), (1, &e.maint_pnl)] {
            let sums = self.pnl[level].iter_mut().zip(stored);
            if e.shift == 0 {
                // The common case (contracts below ~$2,000 with 6 quote decimals): no shift.
                for (acc, p) in sums {
                    *acc = acc.wrapping_add(i128::from(quantity.wrapping_mul(i64::from(*p) + adj)));
                }
            } else {
                for (acc, p) in sums {
                    let term = i128::from(quantity.wrapping_mul(i64::from(*p) + adj)) << e.shift;
                    *acc = acc.wrapping_add(term);
                }
            }
        }
        self.carry_delta = self.carry_delta.wrapping_add(mul_i128(q, delta_dx));
        self.carry_gamma = self.carry_gamma.wrapping_add(mul_i128(q, gamma_dx));
        let delta_x = mul_i128(i128::from(e.delta), i128::from(price)) >> Q;
        self.option_delta = self.option_delta.wrapping_add(mul_i128(q, delta_x));
        self.contracts += q.abs();
        if short {
            self.written = self.written.wrapping_add(mul_i128(-q, i128::from(price)));
        }
        Ok(())
    }

    /// The book's margin at `level`, with that level's `Q32` moves and charges.
    pub fn margin(
        &self,
        underlying: u16,
        level: Level,
        scenarios: &[Scenario; MAX_SCENARIOS],
        moves: &[i64; MAX_SCENARIOS],
        charges: &Charges,
    ) -> Result<BookMargin, RiskError> {
        self.check_bounds(moves)?;
        let pnl = if self.contracts == 0 {
            self.linear_pnl(scenarios, moves)?
        } else {
            self.full_pnl(level, scenarios, moves)?
        };
        let (worst, scan_loss) = worst_loss(&pnl);
        let (short_option_min, concentration, net_delta) = self.charges(charges)?;
        Ok(BookMargin {
            underlying,
            pnl,
            worst,
            scan_loss,
            short_option_min,
            concentration,
            net_delta,
        })
    }

    /// The book's requirement at `level`: exactly `margin(..)?.requirement()`, without the
    /// per-scenario P&L (what the account health needs when no correlation credit is given).
    ///
    /// A book without options only evaluates its most adverse move of each weight: its P&L
    /// `weigh(floor(linear m) - 4, w)` is non-decreasing in `linear * m`, so that move's loss is
    /// the largest of its weight.
    pub fn requirement(
        &self,
        level: Level,
        scenarios: &[Scenario; MAX_SCENARIOS],
        moves: &[i64; MAX_SCENARIOS],
        charges: &Charges,
    ) -> Result<i128, RiskError> {
        self.check_bounds(moves)?;
        let scan_loss = if self.contracts == 0 {
            self.linear_loss(scenarios, moves)?
        } else {
            worst_loss(&self.full_pnl(level, scenarios, moves)?).1
        };
        let (short_option_min, concentration, _) = self.charges(charges)?;
        add(scan_loss, short_option_min, "underlying requirement")
            .and_then(|v| add(v, concentration, "underlying requirement"))
    }

    /// Refuses sums and moves beyond the bounds the per-scenario products rely on.
    fn check_bounds(&self, moves: &[i64; MAX_SCENARIOS]) -> Result<(), RiskError> {
        let (a, b) = (self.carry_delta, self.carry_gamma);
        if self.linear.abs() >= MAX_SUM || a.abs() >= MAX_SUM || b.abs() >= MAX_SUM {
            return Err(overflow("book exposure"));
        }
        if moves.iter().any(|m| m.abs() > MAX_MOVE) {
            return Err(RiskError::Math {
                what: "scenario move",
                err: MathError::Domain("move beyond 200%"),
            });
        }
        Ok(())
    }

    /// `(short_option_min, concentration, net_delta)` of the book under `charges`.
    fn charges(&self, charges: &Charges) -> Result<(i128, i128, i128), RiskError> {
        let net_delta = add(self.linear, self.option_delta, "net delta")?;
        let short_option_min =
            bps_ceil(self.written, charges.short_option_min_bps, "short-option minimum")?;
        let excess = net_delta.abs() + self.contracts - charges.concentration_threshold;
        let concentration = bps_ceil(excess.max(0), charges.concentration_bps, "concentration")?;
        Ok((short_option_min, concentration, net_delta))
    }

    /// Weighted scenario P&L of a book with options (bounds checked by the caller).
    fn full_pnl(
        &self,
        level: Level,
        scenarios: &[Scenario; MAX_SCENARIOS],
        moves: &[i64; MAX_SCENARIOS],
    ) -> Result<[i128; MAX_SCENARIOS], RiskError> {
        let (a, b) = (self.carry_delta, self.carry_gamma);
        let allowance = (self.contracts << 3) + 4; // contracts <= 2^40 + 2^31
        let stored = &self.pnl[level as usize];
        let mut pnl = [0i128; MAX_SCENARIOS];
        // No sum here can overflow, so none is checked: |linear|, |a|, |b| < 2^90 and
        // |m| <= 2^33 keep every product below 2^124, and |stored| < 2^104 (each position adds
        // below |q| 2^63 and sum |q| <= MAX_BOOK_CONTRACTS).
        for (i, s) in scenarios.iter().enumerate() {
            let m = i128::from(moves[i]);
            let gamma = mul_i128(i128::from(Q_ONE) + m, b) >> Q;
            let carry = mul_i128(m, a.wrapping_add(gamma)) >> Q;
            let total = mul_q32(self.linear, moves[i])
                .wrapping_add(stored[i])
                .wrapping_add(carry)
                .wrapping_sub(allowance);
            pnl[i] = weigh(total, s)?;
        }
        Ok(pnl)
    }

    /// Weighted scenario P&L of a book without options: `floor(linear m_s) - 4`. The common case
    /// (every collateral-only or perpetual-only book) takes 64-bit products: on SBF each
    /// 128-bit operation is several 64-bit ones.
    fn linear_pnl(
        &self,
        scenarios: &[Scenario; MAX_SCENARIOS],
        moves: &[i64; MAX_SCENARIOS],
    ) -> Result<[i128; MAX_SCENARIOS], RiskError> {
        let mut pnl = [0i128; MAX_SCENARIOS];
        // Consecutive scenarios with the same move (the vol-up/vol-down pairs of SPAN_16) share
        // one product.
        let mut last = (0i64, 0i128);
        for (i, s) in scenarios.iter().enumerate() {
            if i == 0 || moves[i] != last.0 {
                // |linear| < 2^90, |m| <= 2^33: the product, less 4, fits.
                last = (moves[i], mul_q32(self.linear, moves[i]) - 4);
            }
            pnl[i] = weigh(last.1, s)?;
        }
        Ok(pnl)
    }

    /// Scan loss of a book without options from one scenario per weight: the full-weight move
    /// most adverse to `linear`, and each reduced-weight scenario (SPAN_16 has two).
    fn linear_loss(
        &self,
        scenarios: &[Scenario; MAX_SCENARIOS],
        moves: &[i64; MAX_SCENARIOS],
    ) -> Result<i128, RiskError> {
        let long = self.linear >= 0;
        let mut adverse: Option<i64> = None;
        let mut low = i128::MAX;
        for (s, &m) in scenarios.iter().zip(moves) {
            if s.weight_bps == 10_000 {
                if adverse.is_none_or(|a| if long { m < a } else { m > a }) {
                    adverse = Some(m);
                }
            } else {
                low = low.min(weigh(mul_q32(self.linear, m) - 4, s)?);
            }
        }
        if let Some(m) = adverse {
            low = low.min(mul_q32(self.linear, m) - 4);
        }
        Ok((-low).max(0))
    }
}

/// A cache entry carried to a live price: the terms the book sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Carried {
    /// Mark per contract, qn, rounded down by at most 4 (the exact one is in `[low, low + 4]`).
    pub low: i128,
    /// `floor(delta dX)`, qn per contract.
    pub delta_dx: i128,
    /// `floor(gamma_x dX)`, qn per contract.
    pub gamma_dx: i128,
}

impl SeriesEntry {
    /// The entry carried to `price` per contract (qn) at `now`:
    /// `mark + delta dX + gamma_x dX^2 / (2 X0) + theta dt`. Refuses entries and prices outside
    /// the engine's bounds and a price more than doubled (or below zero) since the valuation.
    pub fn carry(&self, price: i64, now: i64) -> Result<Carried, RiskError> {
        let in_range = self.ref_price > 0
            && self.ref_price <= MAX_PRICE
            && price > 0
            && price <= MAX_PRICE
            && self.delta.abs() <= MAX_DELTA
            && (0..=MAX_GAMMA_X).contains(&self.gamma_x)
            && self.theta.abs() <= MAX_THETA
            && self.shift <= MAX_SHIFT;
        if !in_range {
            return Err(RiskError::Math {
                what: "risk cache entry",
                err: MathError::Domain("entry out of range"),
            });
        }
        let dx = i128::from(price) - i128::from(self.ref_price);
        if dx.abs() > i128::from(self.ref_price) {
            return Err(RiskError::Math {
                what: "risk cache carry",
                err: MathError::Domain("price more than doubled since the valuation"),
            });
        }
        // |delta|, gamma_x <= 2^44, |dX| <= 2^52, |theta| <= 2^56, dt < 2^32: every product
        // fits, so the unchecked multiplies apply.
        let delta_dx = mul_i128(i128::from(self.delta), dx) >> Q;
        let gamma_dx = mul_i128(i128::from(self.gamma_x), dx) >> Q;
        // gamma_x dX^2 / (2 X0) >= 0, unsigned; g <= 2^64, g |dX| < 2^117.
        let g = mul_i128(i128::from(self.gamma_x), dx.abs()) >> Q;
        let convex = div_rem(mul_i128(g, dx.abs()) as u128, 2 * self.ref_price as u128).0 as i128;
        let dt = i128::from(now.saturating_sub(self.ref_time).clamp(0, i64::from(u32::MAX)));
        let theta = mul_i128(i128::from(self.theta), dt) >> Q;
        // Four floors: the exact mark lies in [low, low + 4].
        Ok(Carried { low: i128::from(self.mark) + delta_dx + convex + theta, delta_dx, gamma_dx })
    }
}

/// A scenario's P&L at its weight.
#[inline]
fn weigh(total: i128, s: &Scenario) -> Result<i128, RiskError> {
    if s.weight_bps == 10_000 {
        Ok(total)
    } else {
        bps_floor(total, u32::from(s.weight_bps), "weighted scenario P&L")
    }
}

/// One underlying's margin at one level, qn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookMargin {
    pub underlying: u16,
    /// Weighted P&L per scenario (what the loss is taken from).
    pub pnl: [i128; MAX_SCENARIOS],
    /// Scenario with the largest loss (the first on ties).
    pub worst: usize,
    pub scan_loss: i128,
    pub short_option_min: i128,
    pub concentration: i128,
    /// Net delta notional (linear plus options' delta), qn.
    pub net_delta: i128,
}

impl BookMargin {
    /// This underlying's requirement before correlation credits.
    pub fn requirement(&self) -> Result<i128, RiskError> {
        add(self.scan_loss, self.short_option_min, "underlying requirement")
            .and_then(|v| add(v, self.concentration, "underlying requirement"))
    }
}

#[cfg(test)]
#[path = "book_tests.rs"]
mod tests;
