//! The stress-scenario grid: which price and volatility moves an underlying is tested against, and
//! how large they are.
//!
//! A scenario moves the price by `thirds` thirds of the **scan range** `R` and shifts every implied
//! volatility of the underlying, and counts the resulting loss at `weight`. Each level's grid
//! (init, maint) has sixteen: price unchanged, +/-1/3, +/-2/3, +/-1 of the range, each with vol up
//! and vol down (SPAN's fourteen), then two **gaps** of `+/-k/3` ranges (`k = gap_thirds`, beyond
//! the scan range) with vols up by the gap shock, counted at `gap_weight <= 3 / k`:
//!
//! ```text
//! R        = max(range_floor, range_multiplier * v * sqrt(horizon_years))     v = vol index
//! gap move = k R / 3,  weight w_gap <= 3 / k
//! ```
//!
//! so a linear book never loses more in a gap than in the full-range move (`w_gap k / 3 <= 1`),
//! while a written option carries `w_gap` of its loss in a gap of `k R / 3`.
//!
//! **Vol shocks** are relative to each series' own implied vol `s` and scaled by its tenor `T`
//! (short-dated vols move more), with `f(T) = clamp(sqrt(30 days / T), 1/2, 4)`:
//!
//! ```text
//! dV     = max(vol_shock_floor, vol_shock_ratio * f(T) * s)
//! up     = s + dV
//! down   = max(s - dV, s / 2)                   never to zero; long options are not over-margined
//! gap    = max(up, s (1 + gap_vol_ratio))
//! ```
//!
//! Every scenario values the option one `horizon` later ([`series`](crate::series)): no credit for
//! time that will not pass, and a series expiring within the horizon is worth its payoff there.
//! Init and maint each have their own parameters; init's are at least maint's except the gaps,
//! which are per level and not ordered (a book's init requirement is raised to its maint one where
//! it is below: [`Exposure::requirements`](crate::book::Exposure::requirements)).

use crate::error::MathError;
use crate::fixed::Fixed;
use crate::math::sqrt;

/// Scenarios per grid (the risk cache holds one P&L per scenario and level).
pub const MAX_SCENARIOS: usize = 16;
/// Index of the first gap scenario: in every grid the scenarios before it count fully.
pub const FIRST_GAP: usize = 14;
/// A full weight, basis points.
pub const FULL_WEIGHT: u16 = 10_000;
/// The scenario at an unchanged price with vols up (the net vega's first term).
pub const VOL_UP_AT_SPOT: usize = 0;
/// The scenario at an unchanged price with vols down (the net vega's second term).
pub const VOL_DOWN_AT_SPOT: usize = 1;

/// Reference tenor of the vol shock (30 days, in seconds): `f(T) = sqrt(TENOR_REF / T)`.
pub const TENOR_REF_SECS: i64 = 30 * 86_400;
/// Largest tenor factor (reached below 1.9 days).
pub const TENOR_FACTOR_MAX: Fixed = Fixed::from_int(4);
/// Smallest tenor factor (reached beyond 120 days).
pub const TENOR_FACTOR_MIN: Fixed = Fixed::lit(1, 2);
/// The vol-down scenario never takes a vol below this share of its level.
pub const VOL_DOWN_FLOOR: Fixed = Fixed::lit(1, 2);

/// Direction of the volatility shock in a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolShift {
    Up = 0,
    Down = 1,
    /// The gap shock (`max(up, s (1 + gap_vol_ratio))`).
    Gap = 2,
}

/// One scenario: price move of `thirds / 3` scan ranges, a vol shift, and the weight its loss
/// counts at (basis points, 10,000 = fully).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    pub thirds: i8,
    pub vol: VolShift,
    pub weight_bps: u16,
}

const fn sc(thirds: i8, vol: VolShift, weight_bps: u16) -> Scenario {
    Scenario { thirds, vol, weight_bps }
}

/// The grid of a level whose gaps are `+/-gap_thirds` thirds at `gap_weight_bps`: SPAN's
/// fourteen, then the gap down and the gap up.
pub const fn grid(gap_thirds: i8, gap_weight_bps: u16) -> [Scenario; MAX_SCENARIOS] {
    use VolShift::{Down, Gap, Up};
    [
        sc(0, Up, FULL_WEIGHT),
        sc(0, Down, FULL_WEIGHT),
        sc(1, Up, FULL_WEIGHT),
        sc(1, Down, FULL_WEIGHT),
        sc(-1, Up, FULL_WEIGHT),
        sc(-1, Down, FULL_WEIGHT),
        sc(2, Up, FULL_WEIGHT),
        sc(2, Down, FULL_WEIGHT),
        sc(-2, Up, FULL_WEIGHT),
        sc(-2, Down, FULL_WEIGHT),
        sc(3, Up, FULL_WEIGHT),
        sc(3, Down, FULL_WEIGHT),
        sc(-3, Up, FULL_WEIGHT),
        sc(-3, Down, FULL_WEIGHT),
        sc(-gap_thirds, Gap, gap_weight_bps),
        sc(gap_thirds, Gap, gap_weight_bps),
    ]
}

/// Smallest and largest gap, in thirds of the scan range (beyond the range, up to four ranges).
pub const GAP_THIRDS: (u8, u8) = (4, 12);

/// Least gap weight, basis points (a gap always counts).
pub const MIN_GAP_WEIGHT_BPS: u16 = 1_000;

/// Whether a gap of `thirds` at `weight_bps` leaves linear books bound by the full-range move
/// (`weight <= 3 / thirds`), counts at least [`MIN_GAP_WEIGHT_BPS`] and lies within
/// [`GAP_THIRDS`].
pub fn valid_gap(thirds: u8, weight_bps: u16) -> bool {
    (GAP_THIRDS.0..=GAP_THIRDS.1).contains(&thirds)
        && weight_bps >= MIN_GAP_WEIGHT_BPS
        && u32::from(weight_bps) * u32::from(thirds) <= 30_000
}

/// How large the moves are, for one requirement (init or maint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridParams {
    /// Multiple of `v * sqrt(horizon)` that makes the scan range.
    pub range_multiplier: Fixed,
    /// Smallest scan range, as a fraction of the price.
    pub range_floor: Fixed,
    /// Margin horizon in years (the time a position may take to close out; options are aged by it).
    pub horizon_years: Fixed,
    /// Vol shock at the reference tenor, as a fraction of the series' vol.
    pub vol_shock_ratio: Fixed,
    /// Smallest vol shock, in vol points (0.05 = 5 points).
    pub vol_shock_floor: Fixed,
    /// Gap move in thirds of the scan range ([`GAP_THIRDS`]).
    pub gap_thirds: u8,
    /// Weight of the gap scenarios, basis points (at most `30,000 / gap_thirds`).
    pub gap_weight_bps: u16,
    /// Gap vol shock: vols rise to at least `s (1 + gap_vol_ratio)`.
    pub gap_vol_ratio: Fixed,
}

/// The sizes a grid's scenarios use for one underlying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shocks {
    /// Scan range `R`, a fraction of the price.
    pub range: Fixed,
    /// Vol shock ratio at the reference tenor.
    pub vol_ratio: Fixed,
    /// Smallest vol shock, vol points.
    pub vol_floor: Fixed,
    /// Gap vol shock ratio.
    pub gap_vol_ratio: Fixed,
    /// Horizon the scenarios age options by, years.
    pub horizon_years: Fixed,
}

/// The vols a series with implied vol `s` takes in the scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShiftedVols {
    pub up: Fixed,
    pub down: Fixed,
    pub gap: Fixed,
}

impl GridParams {
    /// The scan range and vol shocks for a volatility index `vol_index` (1.00 = 100%).
    pub fn shocks(&self, vol_index: Fixed) -> Result<Shocks, MathError> {
        let range = self.range_multiplier.mul_up(vol_index)?.mul_up(sqrt(self.horizon_years)?)?;
        Ok(Shocks {
            range: range.max(self.range_floor),
            vol_ratio: self.vol_shock_ratio,
            vol_floor: self.vol_shock_floor,
            gap_vol_ratio: self.gap_vol_ratio,
            horizon_years: self.horizon_years,
        })
    }

    /// This level's scenarios.
    pub fn scenarios(&self) -> [Scenario; MAX_SCENARIOS] {
        grid(self.gap_thirds as i8, self.gap_weight_bps)
    }
}

/// `f(T) = clamp(sqrt(TENOR_REF / T), 1/2, 4)` for `T` in years (`T = 0`: the largest).
pub fn tenor_factor(years: Fixed) -> Result<Fixed, MathError> {
    let reference = Fixed::from_ratio(i128::from(TENOR_REF_SECS), 31_536_000)?;
    // T below REF / 16 takes the largest factor (and avoids dividing by a tiny T).
    if years.raw() * 16 <= reference.raw() {
        return Ok(TENOR_FACTOR_MAX);
    }
    Ok(sqrt(reference.div(years)?)?.max(TENOR_FACTOR_MIN).min(TENOR_FACTOR_MAX))
}

impl Shocks {
    /// The scenario vols of a series with implied vol `vol` and tenor factor `tenor`
    /// ([`tenor_factor`] of its time to expiry). Up-shocks round up, the down one rounds down.
    pub fn vols(&self, vol: Fixed, tenor: Fixed) -> Result<ShiftedVols, MathError> {
        let shock = self.vol_ratio.mul_up(tenor)?.mul_up(vol)?.max(self.vol_floor);
        let up = vol.checked_add(shock)?;
        let down = vol.checked_sub(shock)?.max(vol.mul(VOL_DOWN_FLOOR)?);
        let gap = vol.checked_add(vol.mul_up(self.gap_vol_ratio)?)?.max(up);
        Ok(ShiftedVols { up, down, gap })
    }
}

impl Scenario {
    /// Relative price move `thirds * third` for `third = ceil(R / 3)` (a grid computes it once):
    /// at least `thirds / 3 * R` in magnitude.
    pub fn move_from_third(&self, third: Fixed) -> Result<Fixed, MathError> {
        third.mul_int(i128::from(self.thirds))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fx(s: &str) -> Fixed {
        s.parse().unwrap()
    }

    fn params() -> GridParams {
        GridParams {
            range_multiplier: fx("3"),
            range_floor: fx("0.08"),
            horizon_years: fx("0.0027397260273972603"), // one day
            vol_shock_ratio: fx("0.25"),
            vol_shock_floor: fx("0.05"),
            gap_thirds: 6,
            gap_weight_bps: 5_000,
            gap_vol_ratio: fx("0.5"),
        }
    }

    fn near(a: Fixed, b: &str, ulps: i128) -> bool {
        (a.raw() - fx(b).raw()).abs() <= ulps
    }

    #[test]
    fn ranges_scale_with_vol_and_respect_floors() {
        let high = params().shocks(fx("1.2")).unwrap();
        // 3 * 1.2 * sqrt(1/365) = 0.188432...
        assert!((high.range.raw() - fx("0.188432").raw()).abs() < fx("0.000001").raw());
        let low = params().shocks(fx("0.1")).unwrap();
        assert_eq!(low.range, fx("0.08"));
    }

    #[test]
    fn vol_shocks_scale_with_tenor_and_never_reach_zero() {
        let s = params().shocks(fx("0.8")).unwrap();
        let day = fx("0.0027397260273972603");
        // 30 days: f = 1, dV = 25% of 80% = 20 points.
        let month = s.vols(fx("0.8"), tenor_factor(day.mul_int(30).unwrap()).unwrap()).unwrap();
        assert!(near(month.up, "1.0", 1 << 34) && near(month.down, "0.6", 1 << 34));
        assert!(near(month.gap, "1.2", 1 << 34));
        // 7.5 days: f = 2, dV = 40 points; 1 day: f = 4 (capped), the down shock floored at s / 2.
        let week = s.vols(fx("0.8"), tenor_factor(fx("7.5").mul(day).unwrap()).unwrap()).unwrap();
        assert!(near(week.up, "1.2", 1 << 34) && near(week.down, "0.4", 1 << 34));
        let one = s.vols(fx("0.8"), tenor_factor(day).unwrap()).unwrap();
        assert!(near(one.up, "1.6", 1 << 34) && one.down == fx("0.4") && one.gap == one.up);
        // Long-dated vols move less, but at least half the reference shock and the floor.
        let year = s.vols(fx("0.8"), tenor_factor(fx("1")).unwrap()).unwrap();
        assert!(near(year.up, "0.9", 1 << 34));
        let low = s.vols(fx("0.1"), tenor_factor(fx("1")).unwrap()).unwrap();
        assert!(near(low.up, "0.15", 1 << 34) && near(low.down, "0.05", 1 << 34));
        // A vol of 0 shocks up by the floor and never below 0.
        let zero = s.vols(Fixed::ZERO, tenor_factor(day).unwrap()).unwrap();
        assert!(zero.up == fx("0.05") && zero.down == Fixed::ZERO);
        assert_eq!(tenor_factor(Fixed::ZERO).unwrap(), TENOR_FACTOR_MAX);
        // The factor is non-increasing in the tenor.
        let mut last = TENOR_FACTOR_MAX;
        for days in 1..400 {
            let f = tenor_factor(day.mul_int(days).unwrap()).unwrap();
            assert!(f <= last && f >= TENOR_FACTOR_MIN, "{days}");
            last = f;
        }
    }

    #[test]
    fn grid_is_symmetric_and_gaps_are_bounded() {
        let scenarios = params().scenarios();
        let range = fx("0.09");
        let third = range.mul_div_up(1, 3).unwrap();
        let moves: Vec<Fixed> =
            scenarios.iter().map(|s| s.move_from_third(third).unwrap()).collect();
        assert_eq!(moves[0], Fixed::ZERO);
        assert!(near(moves[2], "0.03", 6) && moves[2] >= fx("0.03"));
        assert!(near(moves[4], "-0.03", 6) && moves[4] <= fx("-0.03"));
        assert!(near(moves[10], "0.09", 6) && near(moves[14], "-0.18", 12));
        assert!(near(moves[15], "0.18", 12));
        // The shape the engine relies on: the price unchanged with vols up then down, full
        // weights first, then the gaps.
        let at_spot = |i: usize| (scenarios[i].thirds, scenarios[i].vol);
        assert_eq!(at_spot(VOL_UP_AT_SPOT), (0, VolShift::Up));
        assert_eq!(at_spot(VOL_DOWN_AT_SPOT), (0, VolShift::Down));
        assert!(scenarios[..FIRST_GAP].iter().all(|s| s.weight_bps == FULL_WEIGHT));
        assert!(scenarios[FIRST_GAP..]
            .iter()
            .all(|s| s.vol == VolShift::Gap && s.weight_bps < FULL_WEIGHT));
        // Gaps stay beyond the range and light enough that linear books never bind on them.
        assert!(valid_gap(6, 5_000) && valid_gap(12, 2_500) && valid_gap(4, 7_500));
        assert!(!valid_gap(6, 5_001) && !valid_gap(3, 5_000) && !valid_gap(13, 100));
        assert!(!valid_gap(6, 0) && !valid_gap(6, MIN_GAP_WEIGHT_BPS - 1));
    }
}
