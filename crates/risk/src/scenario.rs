//! The stress-scenario grid: which price and volatility moves an underlying is tested against, and
//! how large they are.
//!
//! A scenario moves the price by `moves` thirds of the **scan range** `R` and shifts every implied
//! volatility of the underlying up or down by the **vol shock** `dV` (or leaves it), and counts the
//! resulting loss at `weight`. The default grid is SPAN's sixteen: price unchanged, +/-1/3, +/-2/3,
//! +/-1 of the range, each with vol up and vol down (14), then +/-2 ranges with vol unchanged counted
//! at 35% (the extreme moves that only bind for short options).
//!
//! Both sizes scale with the underlying's **volatility index** `v` (the larger of the at-the-money
//! implied vol and the realized vol) and never go below a floor:
//!
//! ```text
//! R  = max(range_floor, range_multiplier * v * sqrt(horizon_years))
//! dV = max(vol_shock_floor, vol_shock_ratio * v)
//! ```
//!
//! Init and maint each have their own parameters; init's are larger.

use crate::error::MathError;
use crate::fixed::Fixed;
use crate::math::sqrt;

/// Scenarios per grid (the risk cache holds one P&L per scenario).
pub const MAX_SCENARIOS: usize = 16;

/// Direction of the volatility shock in a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolShift {
    Up,
    Down,
    Unchanged,
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

/// SPAN's sixteen scenarios, in SPAN's order.
pub const SPAN_16: [Scenario; MAX_SCENARIOS] = {
    use VolShift::{Down, Unchanged, Up};
    [
        sc(0, Up, 10_000),
        sc(0, Down, 10_000),
        sc(1, Up, 10_000),
        sc(1, Down, 10_000),
        sc(-1, Up, 10_000),
        sc(-1, Down, 10_000),
        sc(2, Up, 10_000),
        sc(2, Down, 10_000),
        sc(-2, Up, 10_000),
        sc(-2, Down, 10_000),
        sc(3, Up, 10_000),
        sc(3, Down, 10_000),
        sc(-3, Up, 10_000),
        sc(-3, Down, 10_000),
        sc(6, Unchanged, 3_500),
        sc(-6, Unchanged, 3_500),
    ]
};

/// How large the moves are, for one requirement (init or maint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridParams {
    /// Multiple of `v * sqrt(horizon)` that makes the scan range.
    pub range_multiplier: Fixed,
    /// Smallest scan range, as a fraction of the price.
    pub range_floor: Fixed,
    /// Margin horizon in years (the time a position may take to close out).
    pub horizon_years: Fixed,
    /// Vol shock as a fraction of the volatility index.
    pub vol_shock_ratio: Fixed,
    /// Smallest vol shock, in vol points (0.05 = 5 points).
    pub vol_shock_floor: Fixed,
}

/// The sizes a grid's scenarios use for one underlying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shocks {
    /// Scan range `R`, a fraction of the price.
    pub range: Fixed,
    /// Vol shock `dV`, in vol points.
    pub vol: Fixed,
}

impl GridParams {
    /// The scan range and vol shock for a volatility index `vol_index` (1.00 = 100%).
    pub fn shocks(&self, vol_index: Fixed) -> Result<Shocks, MathError> {
        let range = self.range_multiplier.mul_up(vol_index)?.mul_up(sqrt(self.horizon_years)?)?;
        let vol = self.vol_shock_ratio.mul_up(vol_index)?;
        Ok(Shocks { range: range.max(self.range_floor), vol: vol.max(self.vol_shock_floor) })
    }
}

impl Scenario {
    /// Relative price move `thirds * third` for `third = ceil(R / 3)` (a grid computes it once):
    /// at least `thirds / 3 * R` in magnitude.
    pub fn move_from_third(&self, third: Fixed) -> Result<Fixed, MathError> {
        third.mul_int(i128::from(self.thirds))
    }

    /// The volatility of a series with implied vol `vol` in this scenario (never below zero).
    pub fn shifted_vol(&self, vol: Fixed, shocks: &Shocks) -> Result<Fixed, MathError> {
        match self.vol {
            VolShift::Up => vol.checked_add(shocks.vol),
            VolShift::Down => Ok(vol.checked_sub(shocks.vol)?.max(Fixed::ZERO)),
            VolShift::Unchanged => Ok(vol),
        }
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
        }
    }

    #[test]
    fn ranges_scale_with_vol_and_respect_floors() {
        let high = params().shocks(fx("1.2")).unwrap();
        // 3 * 1.2 * sqrt(1/365) = 0.188432...
        assert!((high.range.raw() - fx("0.188432").raw()).abs() < fx("0.000001").raw());
        assert!(high.vol >= fx("0.3") && high.vol.raw() - fx("0.3").raw() <= 2); // rounded up
        let low = params().shocks(fx("0.1")).unwrap();
        assert_eq!((low.range, low.vol), (fx("0.08"), fx("0.05")));
    }

    #[test]
    fn span_grid_is_symmetric_and_complete() {
        let shocks = Shocks { range: fx("0.09"), vol: fx("0.1") };
        let third = shocks.range.mul_div_up(1, 3).unwrap();
        let moves: Vec<Fixed> = SPAN_16.iter().map(|s| s.move_from_third(third).unwrap()).collect();
        // Multiples of ceil(R / 3): away from zero by at most one ulp per third.
        let near = |a: Fixed, b: &str| (a.raw() - fx(b).raw()).abs() <= 6;
        assert_eq!(moves[0], Fixed::ZERO);
        assert!(near(moves[2], "0.03") && moves[2] >= fx("0.03"));
        assert!(near(moves[4], "-0.03") && moves[4] <= fx("-0.03"));
        assert!(near(moves[10], "0.09") && near(moves[14], "0.18") && near(moves[15], "-0.18"));
        assert_eq!(SPAN_16.iter().filter(|s| s.weight_bps < 10_000).count(), 2);
        let down = SPAN_16[1].shifted_vol(fx("0.05"), &shocks).unwrap();
        assert_eq!(down, Fixed::ZERO);
    }
}
