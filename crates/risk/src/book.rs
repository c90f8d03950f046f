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
//! som         = ceil(som_bps / 10^4 * (short calls + short puts))   short-option minimum
//!   short calls = max(0, sum_{written calls} |q| X - sum_{long calls} q X - max(0, linear))
//!   short puts  = max(0, sum_{written puts} |q| X - sum_{long puts} q X - max(0, -linear))
//! requirement = max(scan, som) + conc                        SPAN: the larger of scan and som
//! conc        = add_delta(|linear + sum q delta X| + sum |q|) + add_gross(gross) + add_vega(|vega|)
//!   add_k(x)  = ceil(bps_k / 10^4 * max(0, x - threshold_k))                 per level
//!   gross     = sum |each linear notional| + sum |q| X
//!   vega      = P&L_0 - P&L_1 of the options (price unchanged, vols up less vols down)
//! value       = sum q * mark(X, t)                                       options' equity
//! ```
//!
//! Every intermediate product is floored (`>>`), which lowers P&L; where a floor is multiplied by a
//! negative number afterwards, `allowance` (8 qn per contract plus 4) covers it, so each figure is
//! on the protocol's side of the exact one. Inputs are bounded ([`MAX_CONTRACTS`], the cache's
//! `MAX_*`, [`MAX_MOVE`](crate::margin::MAX_MOVE)) so that the per-position arithmetic cannot
//! overflow and needs no checks; sums are checked.

use crate::cache::{SeriesEntry, MAX_DELTA, MAX_GAMMA_X, MAX_PRICE, MAX_THETA, Q};
use crate::error::{MathError, RiskError};
use crate::margin::{Charges, Level, MAX_MOVE};
use crate::scenario::{FIRST_GAP, FULL_WEIGHT, MAX_SCENARIOS, VOL_DOWN_AT_SPOT, VOL_UP_AT_SPOT};
use crate::wide::{div_floor, div_rem, mul_64, mul_i128, mul_q32, mul_q32_64, mul_wide};

/// Largest position size in contracts (perpetual or option).
pub const MAX_CONTRACTS: i64 = i32::MAX as i64;
/// Largest stored P&L shift the engine accepts.
const MAX_SHIFT: u8 = 32;
/// Bound on the linear notional and the carry sums (keeps the per-scenario products in range).
const MAX_SUM: i128 = 1 << 90;
/// Largest `sum |q|` of a book's options (128 positions of `MAX_CONTRACTS` are below 2^38).
const MAX_BOOK_CONTRACTS: i128 = 1 << 40;
/// Contracts the 64-bit pending P&L sums may hold: each position adds below `2^31 |q|` per
/// scenario, so `sum |q| < 2^32` keeps every pending sum below `2^63`.
const PENDING_CONTRACTS: u64 = 1 << 32;
/// Books below this in every sum (`|linear|`, `|A|`, `|B|`, each scenario's stored P&L; qn, $72
/// billion with 6 quote decimals) are stressed in 64-bit arithmetic: every term is then below 2^60.
const SMALL_BOOK: u64 = 1 << 56;

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
pub(crate) fn bps_ceil(x: i128, bps: u32, what: &'static str) -> Result<i128, RiskError> {
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
    /// Linear notional at the mid price: collateral at its init-weighted value
    /// ([`crate::health::HoldingValue::exposure`]) plus perpetuals, qn.
    pub linear: i128,
    /// `sum q * mark(X, t)`, qn (rounded against the holder: down for long, up for written).
    pub option_value: i128,
    /// `sum q * pnl_s` per level and scenario, qn, of the positions before the pending ones.
    pnl: [[i128; MAX_SCENARIOS]; 2],
    /// The same sums for the latest positions that share one stored shift, in units of
    /// `2^pending_shift` qn: 64-bit additions in the inner loop (on SBF each 128-bit one is
    /// several). Moved into `pnl` when the shift changes or `pending_contracts` would reach
    /// [`PENDING_CONTRACTS`].
    pending: [[i64; MAX_SCENARIOS]; 2],
    pending_shift: u8,
    /// `sum |q|` of the pending positions.
    pending_contracts: u64,
    /// Whether `pnl` holds anything (the 64-bit stress reads `pending` only).
    flushed: bool,
    /// `A` and `B` of the carry, qn.
    carry_delta: i128,
    carry_gamma: i128,
    /// `sum q * delta * X`, qn.
    option_delta: i128,
    /// `sum |q|` over option positions: the rounding allowance.
    contracts: i128,
    /// `sum |notional|` of the linear exposure, qn (the gross add-on's).
    gross_linear: i128,
    /// `[sum_puts q X, sum_calls q X, sum |q| X]`, qn, of the positions added before the latest
    /// price per contract (`held` and `contracts - priced_contracts` hold those at `held_price`).
    held_notional: [i128; 3],
    /// `[sum_puts q, sum_calls q]` at `held_price`: one product each when the margin is taken
    /// instead of one per position (every option of an on-chain book shares the mid).
    held: [i64; 2],
    /// `contracts` when `held_price` was set.
    priced_contracts: i128,
    /// Price per contract of `held`, qn.
    held_price: i64,
}

/// One level's stress inputs: the grid's `Q32` moves, the weight of its gaps and its charges.
/// Every grid has the shape of [`grid`](crate::scenario::grid): the scenarios before
/// [`FIRST_GAP`] count fully, the gaps at `gap_weight_bps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stress<'a> {
    pub moves: &'a [i64; MAX_SCENARIOS],
    /// Weight of the gap scenarios, basis points.
    pub gap_weight_bps: u16,
    pub charges: Charges,
}

/// What both levels' charges are taken of.
struct ChargeBase {
    /// Net delta notional, qn.
    net_delta: i128,
    /// Gross notional, qn.
    gross: i128,
    /// Written notional not covered by long options of its kind or the linear position, qn.
    uncovered: i128,
}

impl Exposure {
    /// Adds linear exposure (a notional in qn, negative when short).
    pub fn add_linear(&mut self, notional: i128) -> Result<(), RiskError> {
        self.linear = add(self.linear, notional, "linear exposure")?;
        self.gross_linear = add(self.gross_linear, notional.abs(), "gross notional")?;
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
        let Carried { low, delta_dx, gamma_dx } = e.carry(price, now)?;
        let q = i128::from(quantity);
        let short = quantity < 0;
        let mark = if short { low + 4 } else { low }.max(0);
        self.option_value = add(self.option_value, mul_i128(q, mark), "option value")?;
        self.add_scenario_pnl(quantity, e);
        self.carry_delta = self.carry_delta.wrapping_add(mul_i128(q, delta_dx));
        self.carry_gamma = self.carry_gamma.wrapping_add(mul_i128(q, gamma_dx));
        let delta_x = mul_wide(e.delta, price) >> Q;
        self.option_delta = self.option_delta.wrapping_add(mul_i128(q, delta_x));
        if price != self.held_price {
            self.held_notional = self.notional();
            (self.held, self.priced_contracts) = ([0; 2], self.contracts);
            self.held_price = price;
        }
        // At most 2^40 contracts in all (checked above): the sums fit.
        self.held[usize::from(e.call != 0)] += quantity;
        self.contracts += q.abs();
        Ok(())
    }

    /// Adds `quantity * (stored + adj)` of both levels to the pending sums. A stored P&L is a
    /// floor, so a written position uses the next unit up (`adj = 1`); `|q (p + adj)| <= 2^62`.
    fn add_scenario_pnl(&mut self, quantity: i64, e: &SeriesEntry) {
        let size = quantity.unsigned_abs();
        if e.shift != self.pending_shift || self.pending_contracts + size >= PENDING_CONTRACTS {
            self.flush_pending();
            self.pending_shift = e.shift;
        }
        self.pending_contracts += size;
        let adj = i64::from(quantity < 0);
        for (pending, stored) in self.pending.iter_mut().zip([&e.init_pnl, &e.maint_pnl]) {
            for (acc, p) in pending.iter_mut().zip(stored) {
                *acc = acc.wrapping_add(quantity.wrapping_mul(i64::from(*p) + adj));
            }
        }
    }

    /// Moves the pending sums into `pnl` (each below `2^63 2^32`; the totals stay below 2^104).
    fn flush_pending(&mut self) {
        let shift = self.pending_shift;
        for (sums, pending) in self.pnl.iter_mut().zip(self.pending.iter_mut()) {
            for (sum, p) in sums.iter_mut().zip(pending.iter_mut()) {
                *sum = sum.wrapping_add(i128::from(*p) << shift);
                *p = 0;
            }
        }
        self.pending_contracts = 0;
        self.flushed = true;
    }

    /// The book's margin at `level` under that level's `stress`.
    pub fn margin(
        &self,
        underlying: u16,
        level: Level,
        stress: &Stress,
    ) -> Result<BookMargin, RiskError> {
        self.check_exposure()?;
        check_moves(stress.moves)?;
        let pnl = if self.contracts == 0 {
            self.linear_pnl(stress)?
        } else {
            self.full_pnl(level, stress)?
        };
        let (worst, scan_loss) = worst_loss(&pnl);
        let base = self.charge_base();
        let vega = self.vega(level);
        let (som, concentration) = self.charges(&base, vega, &stress.charges)?;
        let short_option_min = (som - scan_loss).max(0);
        Ok(BookMargin {
            underlying,
            pnl,
            worst,
            scan_loss,
            short_option_min,
            concentration,
            net_delta: base.net_delta,
            gross: base.gross,
            vega,
            maint_floor: 0,
        })
    }

    /// The book's requirement at both levels (`[init, maint]` stresses): `margin(..)?.requirement()`
    /// of each, without the per-scenario P&L (what the account health needs when no correlation
    /// credit is given), init's raised to maint's where it is below (gaps are not ordered between
    /// levels, and an account must never be liquidatable above init: [`BookMargin::maint_floor`]);
    /// what both levels share is computed once.
    ///
    /// A book without options only evaluates its most adverse move of each weight: its P&L
    /// `weigh(floor(linear m) - 4, w)` is non-decreasing in `linear * m`, so that move's loss is
    /// the largest of its weight.
    pub fn requirements(&self, stresses: [&Stress; 2]) -> Result<[i128; 2], RiskError> {
        self.check_exposure()?;
        let base = self.charge_base();
        let requirement = |level: Level, stress: &Stress| {
            check_moves(stress.moves)?;
            let scan_loss = if self.contracts == 0 {
                self.linear_loss(stress)?
            } else if let Some(loss) = self.small_scan_loss(level, stress) {
                loss
            } else {
                worst_loss(&self.full_pnl(level, stress)?).1
            };
            let (som, concentration) = self.charges(&base, self.vega(level), &stress.charges)?;
            add(scan_loss.max(som), concentration, "underlying requirement")
        };
        let maint = requirement(Level::Maint, stresses[1])?;
        Ok([requirement(Level::Init, stresses[0])?.max(maint), maint])
    }

    /// Refuses sums beyond the bounds the per-scenario products and the charges rely on.
    fn check_exposure(&self) -> Result<(), RiskError> {
        let (a, b) = (self.carry_delta, self.carry_gamma);
        let sums = [self.linear, a, b, self.gross_linear];
        if sums.iter().any(|s| s.unsigned_abs() >= MAX_SUM as u128) {
            return Err(overflow("book exposure"));
        }
        Ok(())
    }

    /// What the charges of both levels are taken of (sums checked by `check_exposure`). Long
    /// options of a kind cover written ones; long underlying covers written calls, short
    /// underlying written puts (a box, a conversion and a covered call leave nothing uncovered).
    fn charge_base(&self) -> ChargeBase {
        // |linear|, gross_linear < 2^90; |option_delta| < 2^104 (MAX_BOOK_CONTRACTS contracts of
        // delta X below 2^64); each options notional below 2^103: no sum can wrap.
        let net_delta = self.linear.wrapping_add(self.option_delta);
        if self.contracts == 0 {
            return ChargeBase { net_delta, gross: self.gross_linear, uncovered: 0 };
        }
        // Written minus long notional of a kind, less what the linear position covers.
        let [puts, calls, options] = self.notional();
        let calls = (-calls - self.linear.max(0)).max(0);
        let puts = (-puts - (-self.linear).max(0)).max(0);
        ChargeBase { net_delta, gross: self.gross_linear + options, uncovered: calls + puts }
    }

    /// `[sum_puts q X, sum_calls q X, sum |q| X]`, qn: each below 2^103 (`MAX_BOOK_CONTRACTS`
    /// contracts at `MAX_PRICE`).
    fn notional(&self) -> [i128; 3] {
        let at_price = |sum: i128, n: i128| match n {
            0 => sum,
            n => sum.wrapping_add(mul_i128(n, i128::from(self.held_price))),
        };
        let [puts, calls, all] = self.held_notional;
        [
            at_price(puts, i128::from(self.held[0])),
            at_price(calls, i128::from(self.held[1])),
            at_price(all, self.contracts - self.priced_contracts),
        ]
    }

    /// The options' net vega at `level`, qn: the P&L of the vol-up scenario at an unchanged price
    /// less the vol-down one's ([`VOL_UP_AT_SPOT`], [`VOL_DOWN_AT_SPOT`]; the linear, carry and
    /// rounding terms are the same in both and cancel). Each sum is below 2^104.
    fn vega(&self, level: Level) -> i128 {
        if self.contracts == 0 {
            return 0;
        }
        let (up, down) = (VOL_UP_AT_SPOT, VOL_DOWN_AT_SPOT);
        let (stored, pending) = (&self.pnl[level as usize], &self.pending[level as usize]);
        let pending = i128::from(pending[up]) - i128::from(pending[down]);
        let pending = if self.pending_shift == 0 { pending } else { pending << self.pending_shift };
        if self.flushed {
            stored[up].wrapping_sub(stored[down]).wrapping_add(pending)
        } else {
            pending
        }
    }

    /// `(short_option_min, concentration)` of the book under `charges` (the minimum before it is
    /// compared with the scan loss). The delta add-on counts `sum |q|` over the delta's floors.
    fn charges(
        &self,
        base: &ChargeBase,
        vega: i128,
        charges: &Charges,
    ) -> Result<(i128, i128), RiskError> {
        let som = bps_ceil(base.uncovered, charges.short_option_min_bps, "short-option minimum")?;
        let delta = charges.delta.charge(base.net_delta.abs() + self.contracts, "delta add-on")?;
        let gross = charges.gross.charge(base.gross, "gross add-on")?;
        let vega = charges.vega.charge(vega.abs(), "vega add-on")?;
        // Each add-on is below 2^113 (`bps_floor`'s bounds): the sum cannot wrap.
        Ok((som, delta + gross + vega))
    }

    /// Weighted scenario P&L of a book with options (bounds checked by the caller).
    fn full_pnl(&self, level: Level, stress: &Stress) -> Result<[i128; MAX_SCENARIOS], RiskError> {
        let (a, b, moves) = (self.carry_delta, self.carry_gamma, stress.moves);
        let allowance = (self.contracts << 3) + 4; // contracts <= 2^40 + 2^31
        let (stored, pending) = (&self.pnl[level as usize], &self.pending[level as usize]);
        let mut pnl = [0i128; MAX_SCENARIOS];
        // No sum here can overflow, so none is checked: |linear|, |a|, |b| < 2^90 and
        // |m| <= 2^33 keep every product below 2^126, and |stored| < 2^104 (each position adds
        // below |q| 2^63 and sum |q| <= MAX_BOOK_CONTRACTS). Consecutive scenarios with the same
        // move (the vol-up/vol-down pairs) share the move's terms.
        let mut last = (0i64, 0i128);
        for (i, pnl) in pnl.iter_mut().enumerate() {
            if i == 0 || moves[i] != last.0 {
                // floor((2^32 + m) b / 2^32) = b + floor(m b / 2^32): two products of at most
                // 64-bit ones each (`mul_q32`) where the sums are below 2^60.
                let m = moves[i];
                let carry = mul_q32(a.wrapping_add(b).wrapping_add(mul_q32(b, m)), m);
                let moved = mul_q32(self.linear, m).wrapping_add(carry);
                last = (m, moved.wrapping_sub(allowance));
            }
            let total = last
                .1
                .wrapping_add(stored[i])
                .wrapping_add(i128::from(pending[i]) << self.pending_shift);
            *pnl = weigh(total, stress.weight(i))?;
        }
        Ok(pnl)
    }

    /// The scan loss of `full_pnl` in 64-bit arithmetic, if the book is small enough
    /// ([`SMALL_BOOK`]; `None` otherwise): the same floors, so the same number. On SBF each
    /// 128-bit operation is several 64-bit ones and spills registers.
    fn small_scan_loss(&self, level: Level, stress: &Stress) -> Option<i128> {
        let small = |x: i128| i64::try_from(x).ok().filter(|v| v.unsigned_abs() < SMALL_BOOK);
        let (linear, a, b) =
            (small(self.linear)?, small(self.carry_delta)?, small(self.carry_gamma)?);
        let (pending, shift) = (&self.pending[level as usize], self.pending_shift);
        // Each pending sum is below `pending_contracts 2^31` in magnitude (a stored P&L, plus
        // one, is below 2^31 per contract): one comparison bounds all sixteen when that is small.
        let bounded = u128::from(self.pending_contracts) << (31 + u32::from(shift));
        let small_sums = bounded < u128::from(SMALL_BOOK)
            || pending.iter().all(|p| p.unsigned_abs() < SMALL_BOOK >> shift);
        if self.flushed || !small_sums {
            return None;
        }
        // contracts <= 2^40 + 2^31. With |m| <= 2^33 (checked): |floor(linear m)| < 2^57,
        // |a + b + floor(b m)| < 2^58, the carry below 2^59, each total below 2^60.
        let allowance = ((self.contracts << 3) + 4) as i64;
        let moved = |m: i64| {
            let sum = a.wrapping_add(b).wrapping_add(mul_q32_64(b, m));
            mul_q32_64(linear, m).wrapping_add(mul_q32_64(sum, m)).wrapping_sub(allowance)
        };
        let (moves, (full, gaps)) = (stress.moves, pending.split_at(FIRST_GAP));
        let mut lowest = i64::MAX;
        let mut last = (moves[0], moved(moves[0]));
        for (&m, &p) in moves.iter().zip(full) {
            if m != last.0 {
                last = (m, moved(m));
            }
            lowest = lowest.min(last.1.wrapping_add(p << shift));
        }
        for (&m, &p) in moves[FIRST_GAP..].iter().zip(gaps) {
            let total = moved(m).wrapping_add(p << shift);
            lowest = lowest.min(weigh_small(total, stress.gap_weight_bps));
        }
        Some(i128::from(lowest.min(0)).wrapping_neg())
    }

    /// Weighted scenario P&L of a book without options: `floor(linear m_s) - 4`. The common case
    /// (every collateral-only or perpetual-only book) takes 64-bit products: on SBF each
    /// 128-bit operation is several 64-bit ones.
    fn linear_pnl(&self, stress: &Stress) -> Result<[i128; MAX_SCENARIOS], RiskError> {
        let mut pnl = [0i128; MAX_SCENARIOS];
        // Consecutive scenarios with the same move (the vol-up/vol-down pairs) share one product.
        let mut last = (0i64, 0i128);
        for (i, (pnl, &m)) in pnl.iter_mut().zip(stress.moves).enumerate() {
            if i == 0 || m != last.0 {
                // |linear| < 2^90, |m| <= 2^33: the product, less 4, fits.
                last = (m, mul_q32(self.linear, m) - 4);
            }
            *pnl = weigh(last.1, stress.weight(i))?;
        }
        Ok(pnl)
    }

    /// Scan loss of a book without options from the full-weight move most adverse to `linear`
    /// and each gap.
    fn linear_loss(&self, stress: &Stress) -> Result<i128, RiskError> {
        let (full, gaps) = stress.moves.split_at(FIRST_GAP);
        let adverse = if self.linear >= 0 { full.iter().min() } else { full.iter().max() };
        let mut low = adverse.map_or(i128::MAX, |&m| mul_q32(self.linear, m) - 4);
        for &m in gaps {
            low = low.min(weigh(mul_q32(self.linear, m) - 4, stress.gap_weight_bps)?);
        }
        Ok((-low).max(0))
    }
}

/// Refuses moves beyond [`MAX_MOVE`] (the per-scenario products rely on it).
fn check_moves(moves: &[i64; MAX_SCENARIOS]) -> Result<(), RiskError> {
    if moves.iter().any(|m| m.abs() > MAX_MOVE) {
        return Err(RiskError::Math {
            what: "scenario move",
            err: MathError::Domain("move beyond 200%"),
        });
    }
    Ok(())
}

impl Stress<'_> {
    /// Weight of scenario `i`, basis points.
    #[inline(always)]
    fn weight(&self, i: usize) -> u16 {
        if i < FIRST_GAP {
            FULL_WEIGHT
        } else {
            self.gap_weight_bps
        }
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
        // Both prices are in (0, 2^52]: the difference fits.
        let dx = price - self.ref_price;
        if dx.unsigned_abs() > self.ref_price.unsigned_abs() {
            return Err(RiskError::Math {
                what: "risk cache carry",
                err: MathError::Domain("price more than doubled since the valuation"),
            });
        }
        // |delta|, gamma_x <= 2^44, |dX| <= 2^52, |theta| <= 2^56, dt < 2^32: every product
        // fits, so the unchecked multiplies apply.
        let delta_dx = mul_wide(self.delta, dx) >> Q;
        // gamma_x >= 0: one product gives both floor(gamma_x dX / 2^Q) (the floor of a negative
        // one is minus the ceiling of its magnitude) and g = floor(gamma_x |dX| / 2^Q).
        let p = mul_64(self.gamma_x as u64, dx.unsigned_abs()); // < 2^96
        let g = p >> Q;
        let gamma_dx = if dx < 0 { -(((p + (1 << Q) - 1) >> Q) as i128) } else { g as i128 };
        // gamma_x dX^2 / (2 X0) >= 0, unsigned; g <= 2^64, g |dX| <= 2^116.
        let convex = if g == 0 {
            0
        } else {
            let num = mul_i128(g as i128, i128::from(dx.unsigned_abs())) as u128;
            div_rem(num, 2 * self.ref_price as u128).0 as i128
        };
        let dt = now.saturating_sub(self.ref_time).clamp(0, i64::from(u32::MAX));
        let theta = mul_wide(self.theta, dt) >> Q;
        // Four floors: the exact mark lies in [low, low + 4].
        Ok(Carried { low: i128::from(self.mark) + delta_dx + convex + theta, delta_dx, gamma_dx })
    }
}

/// A scenario's P&L at its weight (basis points).
#[inline]
fn weigh(total: i128, weight_bps: u16) -> Result<i128, RiskError> {
    if weight_bps == FULL_WEIGHT {
        Ok(total)
    } else {
        bps_floor(total, u32::from(weight_bps), "weighted scenario P&L")
    }
}

/// [`weigh`] for `|total| < 2^60`, without the 128-bit product: `floor(total w / 10^4) =
/// q w + floor(r w / 10^4)` with `total = 10^4 q + r`, `0 <= r < 10^4`; `|q| < 2^47`, `w < 2^16`.
#[inline]
fn weigh_small(total: i64, weight_bps: u16) -> i64 {
    if weight_bps == FULL_WEIGHT {
        return total;
    }
    // Unsigned divisions only (SBF has no signed one).
    let n = total.unsigned_abs();
    let (q, r) = ((n / 10_000) as i64, n % 10_000);
    let (q, r) = match (total < 0, r) {
        (false, _) => (q, r),
        (true, 0) => (-q, 0),
        (true, r) => (-q - 1, 10_000 - r),
    };
    let w = u64::from(weight_bps);
    q.wrapping_mul(w as i64).wrapping_add((r * w / 10_000) as i64)
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
    /// What the short-option minimum adds above the scan loss: `max(0, som - scan_loss)`.
    pub short_option_min: i128,
    /// The delta, gross and vega add-ons, qn.
    pub concentration: i128,
    /// Net delta notional (linear plus options' delta), qn.
    pub net_delta: i128,
    /// Gross notional, qn.
    pub gross: i128,
    /// Net vega at this level (vol-up less vol-down P&L at an unchanged price), qn.
    pub vega: i128,
    /// Init only: what lifts the book's init requirement to its maint requirement where it is
    /// below (set by whoever has both levels, [`crate::portfolio::assess`]); 0 at maint.
    pub maint_floor: i128,
}

impl BookMargin {
    /// This underlying's requirement before correlation credits.
    pub fn requirement(&self) -> Result<i128, RiskError> {
        add(self.scan_loss, self.short_option_min, "underlying requirement")
            .and_then(|v| add(v, self.concentration, "underlying requirement"))
            .and_then(|v| add(v, self.maint_floor, "underlying requirement"))
    }
}

#[cfg(test)]
#[path = "book_tests.rs"]
mod tests;
