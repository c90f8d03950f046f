//! Interest on owed quote, in integers: a utilization-based rate and a cumulative borrow index.
//!
//! - **Utilization** `u = B / D` of the quote pool (what is owed over what is deposited), basis
//!   points, rounded up, at most 100% (100% when nothing is deposited but something is owed).
//! - **Rate** per year, basis points, kinked at the optimal utilization `opt`:
//!   `r(u) = base + slope1 min(u, opt) / opt + slope2 max(0, u - opt) / (1 - opt)`, each term
//!   rounded up.
//! - **Index**: one cumulative borrow index per pool, `2^40` = 1.0 at creation. Over `dt` seconds
//!   at rate `r` it grows to `I + ceil(I r dt / (10^4 year))`: simple interest within an accrual,
//!   compounded across accruals, rounded up (borrowers never pay less than the rate).
//! - **Owed**: an amount `o` borrowed when the index was `I0` is owed as `ceil(o I / I0)`.
//! - **Socialized losses**: one deposit index per pool, `2^40` at creation, only ever falling. A
//!   loss `L` spread over deposits `D` takes it to `floor(J (D - L) / D)`; a deposit `d` made at
//!   index `J0` is worth `floor(d J / J0)`. So the deposits together lose at least `L`.
//!
//! Every rounding is in the pool's favour; every bound is checked.

use crate::error::MathError;

/// The borrow index at creation (precision: 2^-40).
pub const INDEX_ONE: u64 = 1 << 40;
/// Seconds in the rate's year (365 days).
pub const SECONDS_PER_YEAR: u64 = 365 * 86_400;
/// 100% in basis points.
pub const BPS: u64 = 10_000;

/// The kinked rate model (every figure per year, basis points).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateModel {
    /// Rate at zero utilization.
    pub base_bps: u16,
    /// Rate added from zero to the optimal utilization.
    pub slope1_bps: u16,
    /// Rate added from the optimal utilization to 100%.
    pub slope2_bps: u16,
    /// The kink, in `1..10_000`.
    pub optimal_bps: u16,
}

impl RateModel {
    /// Whether the model is usable: the kink strictly inside `(0, 100%)`.
    pub fn is_valid(&self) -> bool {
        (1..BPS as u16).contains(&self.optimal_bps)
    }

    /// The rate per year at utilization `u` (basis points).
    pub fn rate_bps(&self, utilization_bps: u64) -> u64 {
        let u = utilization_bps.min(BPS);
        let opt = u64::from(self.optimal_bps.clamp(1, BPS as u16 - 1));
        let below = (u64::from(self.slope1_bps) * u.min(opt)).div_ceil(opt);
        let above = (u64::from(self.slope2_bps) * u.saturating_sub(opt)).div_ceil(BPS - opt);
        u64::from(self.base_bps) + below + above
    }
}

/// Utilization of a pool with `deposits` and `borrows` (basis points, rounded up, at most 100%).
pub fn utilization_bps(deposits: u64, borrows: u64) -> u64 {
    if borrows == 0 {
        return 0;
    }
    if deposits == 0 {
        return BPS;
    }
    let u = (u128::from(borrows) * u128::from(BPS)).div_ceil(u128::from(deposits));
    u.min(u128::from(BPS)) as u64
}

/// The index after `dt` seconds at `rate_bps` a year: `I + ceil(I r dt / (10^4 year))`.
pub fn grow_index(index: u64, rate_bps: u64, dt: u64) -> Result<u64, MathError> {
    // I < 2^64, r < 2^18 (three u16 terms), dt < 2^40: the product is below 2^122.
    if rate_bps >= 1 << 18 || dt >= 1 << 40 {
        return Err(MathError::Domain("interest accrual"));
    }
    let growth = (u128::from(index) * u128::from(rate_bps) * u128::from(dt))
        .div_ceil(u128::from(BPS) * u128::from(SECONDS_PER_YEAR));
    u64::try_from(u128::from(index) + growth).map_err(|_| MathError::Overflow("borrow index"))
}

/// What an amount `owed` when the index was `snapshot` is owed at index `index`, rounded up.
pub fn owed_at(owed: u64, snapshot: u64, index: u64) -> Result<u64, MathError> {
    if snapshot == 0 || index < snapshot {
        return Err(MathError::Domain("borrow index snapshot"));
    }
    // owed < 2^64 and index < 2^64: the product fits.
    let now = (u128::from(owed) * u128::from(index)).div_ceil(u128::from(snapshot));
    u64::try_from(now).map_err(|_| MathError::Overflow("owed quote"))
}

/// A deposit `deposit` made (or last booked) at deposit index `snapshot`, worth now at `index`:
/// `floor(deposit index / snapshot)`. A snapshot of 0 is `INDEX_ONE` (every pool starts there).
pub fn deposit_at(deposit: u64, snapshot: u64, index: u64) -> Result<u64, MathError> {
    let snapshot = if snapshot == 0 { INDEX_ONE } else { snapshot };
    if index == snapshot {
        // No loss since the snapshot, the usual case: no 128-bit division (costly on SBF).
        return Ok(deposit);
    }
    if index > snapshot {
        return Err(MathError::Domain("deposit index snapshot"));
    }
    // Both below 2^64 and index <= snapshot: the quotient fits and never exceeds the deposit.
    Ok((u128::from(deposit) * u128::from(index) / u128::from(snapshot)) as u64)
}

/// The lowest deposit index a loss may leave (`INDEX_ONE / 2^20`, about one millionth): below it
/// the index would lose the resolution that makes every depositor bear its share, and 0 would
/// value every deposit at nothing forever.
pub const MIN_DEPOSIT_INDEX: u64 = INDEX_ONE >> 20;

/// The deposit index after a loss of `loss` is spread over `deposits` (what they are worth now):
/// `floor(index (deposits - loss) / deposits)`. Needs `0 < loss <= deposits` and a result of at
/// least [`MIN_DEPOSIT_INDEX`] (a loss of nearly all the deposits is refused).
pub fn shrink_index(index: u64, loss: u64, deposits: u64) -> Result<u64, MathError> {
    if loss == 0 || loss > deposits {
        return Err(MathError::Domain("socialized loss against deposits"));
    }
    let kept = (u128::from(index) * u128::from(deposits - loss) / u128::from(deposits)) as u64;
    if kept < MIN_DEPOSIT_INDEX {
        return Err(MathError::Domain("deposit index below its minimum"));
    }
    Ok(kept)
}

/// The most that may be newly borrowed from a pool with `deposits` and `borrows` while its
/// utilization stays at most `max_bps`: `floor((max D - 10^4 B) / 10^4)`, 0 when already above.
pub fn borrow_capacity(deposits: u64, borrows: u64, max_bps: u16) -> u64 {
    let allowed = u128::from(deposits) * u128::from(max_bps);
    let used = u128::from(borrows) * u128::from(BPS);
    (allowed.saturating_sub(used) / u128::from(BPS)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MODEL: RateModel =
        RateModel { base_bps: 100, slope1_bps: 900, slope2_bps: 10_000, optimal_bps: 8_000 };

    #[test]
    fn the_rate_is_kinked_at_the_optimal_utilization() {
        assert_eq!(MODEL.rate_bps(0), 100);
        assert_eq!(MODEL.rate_bps(4_000), 100 + 450);
        assert_eq!(MODEL.rate_bps(8_000), 1_000);
        assert_eq!(MODEL.rate_bps(9_000), 1_000 + 5_000);
        assert_eq!(MODEL.rate_bps(10_000), 11_000);
        assert_eq!(MODEL.rate_bps(20_000), 11_000); // capped at 100%
    }

    #[test]
    fn utilization_rounds_up_and_is_capped() {
        assert_eq!(utilization_bps(0, 0), 0);
        assert_eq!(utilization_bps(0, 1), 10_000);
        assert_eq!(utilization_bps(3, 1), 3_334);
        assert_eq!(utilization_bps(100, 250), 10_000);
    }

    /// A year at 10% grows the index by 10% (rounded up), owed amounts with it.
    #[test]
    fn a_year_at_ten_percent() {
        let index = grow_index(INDEX_ONE, 1_000, SECONDS_PER_YEAR).unwrap();
        assert_eq!(index, INDEX_ONE + INDEX_ONE.div_ceil(10));
        assert_eq!(owed_at(1_000_000, INDEX_ONE, index).unwrap(), 1_100_001);
        assert!(owed_at(1, INDEX_ONE, INDEX_ONE - 1).is_err());
    }

    #[test]
    fn deposits_lose_their_share_of_a_loss() {
        // 10% of 1,000,000 lost: a deposit of 300,000 keeps 270,000 (rounded down).
        let index = shrink_index(INDEX_ONE, 100_000, 1_000_000).unwrap();
        assert_eq!(deposit_at(300_000, INDEX_ONE, index).unwrap(), 269_999);
        assert_eq!(deposit_at(300_000, 0, INDEX_ONE).unwrap(), 300_000);
        assert_eq!(deposit_at(300_000, index, index).unwrap(), 300_000);
        assert!(deposit_at(1, index, INDEX_ONE).is_err());
        assert!(shrink_index(INDEX_ONE, 0, 10).is_err());
        assert!(shrink_index(INDEX_ONE, 11, 10).is_err());
        // A loss of all (or nearly all) the deposits would take the index to 0 or near it.
        assert!(shrink_index(INDEX_ONE, 10, 10).is_err());
        assert!(shrink_index(INDEX_ONE, 2_000_000 - 1, 2_000_000).is_err());
        assert!(shrink_index(MIN_DEPOSIT_INDEX, 1, 10).is_err());
        assert_eq!(shrink_index(INDEX_ONE, 999_999, 1_000_000).unwrap(), INDEX_ONE / 1_000_000);
    }

    #[test]
    fn capacity_keeps_utilization_at_most_the_maximum() {
        assert_eq!(borrow_capacity(1_000, 0, 9_000), 900);
        assert_eq!(borrow_capacity(1_000, 899, 9_000), 1);
        assert_eq!(borrow_capacity(1_000, 950, 9_000), 0);
    }

    proptest! {
        /// Accruing in steps never charges less than accruing at once at the same rate (each step
        /// rounds up and compounds), and the index never falls.
        #[test]
        fn steps_charge_at_least_one_accrual(
            rate in 0u64..20_000,
            dts in proptest::collection::vec(0u64..86_400 * 30, 1..12),
        ) {
            let mut stepped = INDEX_ONE;
            for &dt in &dts {
                let next = grow_index(stepped, rate, dt).unwrap();
                prop_assert!(next >= stepped);
                stepped = next;
            }
            let once = grow_index(INDEX_ONE, rate, dts.iter().sum()).unwrap();
            prop_assert!(stepped >= once);
        }

        /// Deposits at any snapshots lose together at least the loss spread over them, and each
        /// loses no more than its share rounded up by one unit.
        #[test]
        fn a_socialized_loss_is_borne_in_full(
            deposits in proptest::collection::vec(1u64..1 << 40, 1..20),
            loss_share in 1u64..10_000,
        ) {
            let total: u64 = deposits.iter().sum();
            let loss = (total / 10_000 * loss_share).max(1);
            let index = shrink_index(INDEX_ONE, loss, total).unwrap();
            let after: Vec<u64> =
                deposits.iter().map(|&d| deposit_at(d, INDEX_ONE, index).unwrap()).collect();
            prop_assert!(after.iter().sum::<u64>() <= total - loss);
            for (&d, &a) in deposits.iter().zip(&after) {
                let share = u128::from(d) * u128::from(loss) / u128::from(total);
                // The index's own rounding costs a deposit below 2^40 at most one more unit.
                prop_assert!(u128::from(d - a) <= share + 2, "{d} -> {a}, share {share}");
            }
        }

        /// Borrowing up to the capacity leaves utilization at most the maximum (or, for a pool
        /// already above it, allows nothing); one more unit would exceed it.
        #[test]
        fn borrowing_the_capacity_stays_within_the_maximum(
            deposits in 1u64..1 << 50,
            share in 0u64..10_000,
            max in 1u16..10_000,
        ) {
            let borrows = deposits / 10_000 * share;
            let cap = borrow_capacity(deposits, borrows, max);
            let limit = u128::from(deposits) * u128::from(max);
            let within = |b: u64| u128::from(b) * 10_000 <= limit;
            if within(borrows) {
                prop_assert!(within(borrows + cap) && !within(borrows + cap + 1));
            } else {
                prop_assert_eq!(cap, 0);
            }
        }
    }
}
