//! Parameter changes after listing: what each one is ([`ParamChange`], the new values of one
//! parameter set), which way it moves the protocol's risk ([`direction`]) and how it is written
//! ([`apply`]). `params_set` applies a change at once only when it is [`Direction::Safer`] or
//! [`Direction::Same`]; anything [`Direction::Riskier`] goes through `params_queue` and waits out
//! the group's timelock.
//!
//! "Safer" means safer for every account, not only for the pool: a change that applies at once
//! may raise what accounts must hold, never stop them from adding collateral, cutting risk, being
//! liquidated or being paid. Rules (one per field, docs/governance.md lists them all):
//! - **Higher is safer**: haircuts, the insurance share of fees, the timelock, the risk model's
//!   charges on a fixed loss (short-option minimum, the delta, gross and vega add-ons, the gap
//!   weight).
//! - **Lower is safer**: an asset's deposit cap, open-interest caps, price bands, add-on
//!   thresholds; fees, rates and the funding cap (raising what users pay is queued so they can see
//!   it coming).
//! - **Queued either way**: what moves the scenario points (range multiplier and floor, vol
//!   shocks and their floors, gap size and gap vol: a wider grid can miss a book's worst point,
//!   so a requirement can fall), the margin horizon, the liquidation incentive and its ramp
//!   (lower leaves keepers unpaid, higher takes more from the liquidated), the oracle bounds (a
//!   tighter bound can make every price invalid and stop liquidations), the chain's freshness
//!   bounds and its vol authority (tighter bounds, or no authority, make option positions
//!   unvaluable: holders could neither withdraw nor cut risk, and liquidations would need every
//!   series refreshed in the same transaction), the quote asset's deposit cap (a lower one stops
//!   top-ups in quote), the borrowing limit (a lower one stops winners from being paid), the rate
//!   model's kink, the risk-free rate and the settlement stage spacing.
//! - **Guardian key**: removing it (setting `Pubkey::default()`) is safer; a new key is queued.
//! - **Venues**: removing a venue's approval and lowering its fee cap are safer; approving it
//!   and raising its cap are queued.
//!
//! Invariants (tested below):
//! - A change is `Riskier` if any one of its fields is; [`direction`] of the current values is
//!   `Same`.
//! - [`apply`] validates the whole resulting parameter set first, with the same checks as
//!   listing, and writes nothing when it fails; it returns the values it replaced.
//! - [`apply`] increments its target's `params_version`. A queued change carries absolute values,
//!   the values it replaces, its target's version and its own due time, fixed when queued: it
//!   applies only if nothing was applied to its target since and those values are still in
//!   effect (`params_apply`), so it never undoes a later change, and no later change can reuse
//!   its account or time.

use anchor_lang::prelude::*;

use crate::engine::lending::{self, QuotePoolParams};
use crate::engine::liquidation::LiquidationParams;
use crate::engine::options::ChainTerms;
use crate::engine::perp::PerpTerms;
use crate::engine::underlying::{set_vol_index, validate_haircuts, validate_risk_params};
use crate::engine::venue::VenueTerms;
use crate::error::XmError;
use crate::state::{
    Group, PendingChange, RiskParams, Underlying, Venue, FULL_HAIRCUT_BPS, GROUP_WIDE, VENUE_TARGET,
};

/// Collateral terms of an underlying.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct CollateralTerms {
    /// Initial haircut, basis points (asset weight = 1 - haircut; 0 for the quote asset).
    pub init_haircut_bps: u16,
    /// Maintenance haircut, basis points (`<= init_haircut_bps`).
    pub maint_haircut_bps: u16,
    /// Maximum total deposits, native units (lowering it below the deposits only stops new ones).
    pub deposit_cap: u64,
}

/// Price validity bounds of an underlying's oracle.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct OracleBounds {
    /// Maximum price age, seconds (> 0).
    pub max_age_secs: u32,
    /// Maximum `conf / price`, basis points (1..=10,000).
    pub max_conf_bps: u32,
}

/// The new values of one parameter set. The first six and `QuotePool` are about one underlying
/// (`QuotePool` the quote asset's), the next four about the group, `Venue` about one venue.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamChange {
    /// Haircuts and deposit cap (the quote asset's haircuts stay 0).
    Collateral(CollateralTerms),
    /// Oracle age and confidence bounds (not for the quote asset).
    Oracle(OracleBounds),
    /// The listed perpetual's fee, band, funding cap and open-interest cap.
    Perp(PerpTerms),
    /// The listed option chain's fee, band, freshness bounds, settlement spacing, rate and
    /// open-interest cap.
    Chain(ChainTerms),
    /// Who posts the chain's volatilities.
    VolAuthority(Pubkey),
    /// The underlying's risk parameters (a new volatility epoch: every cache entry is stale).
    Risk(RiskParams),
    /// The quote pool's rate model and borrowing limit (interest is accrued at the old model
    /// first).
    QuotePool(QuotePoolParams),
    /// How liquidations pay their liquidators.
    Liquidation(LiquidationParams),
    /// Share of collected fees the sweep moves to the insurance fund, basis points (<= 10,000).
    InsuranceShare(u16),
    /// Delay before a queued change may be applied, seconds.
    Timelock(u32),
    /// The guardian (`Pubkey::default()`: none).
    Guardian(Pubkey),
    /// A venue's approval and fee cap (the venue account of `VenueTerms::program`).
    Venue(VenueTerms),
}

/// What a change is about, read-only: the group, one underlying or one venue.
#[derive(Clone, Copy)]
pub enum Target<'a> {
    Group,
    Underlying(&'a Underlying),
    Venue(&'a Venue),
}

impl<'a> From<Option<&'a Underlying>> for Target<'a> {
    fn from(underlying: Option<&'a Underlying>) -> Target<'a> {
        underlying.map_or(Target::Group, Target::Underlying)
    }
}

impl<'a> Target<'a> {
    /// The target an instruction names: an underlying, a venue, or neither (the group); not both.
    pub fn of(underlying: Option<&'a Underlying>, venue: Option<&'a Venue>) -> Result<Target<'a>> {
        match (underlying, venue) {
            (None, None) => Ok(Target::Group),
            (Some(u), None) => Ok(Target::Underlying(u)),
            (None, Some(v)) => Ok(Target::Venue(v)),
            (Some(_), Some(_)) => err!(XmError::ChangeTargetMismatch),
        }
    }

    /// The target's `params_version` (the group's for a group change).
    pub fn params_version(&self, group: &Group) -> u32 {
        match self {
            Target::Group => group.params_version,
            Target::Underlying(u) => u.params_version,
            Target::Venue(v) => v.params_version,
        }
    }

    /// `PendingChange::underlying` of a change of this target.
    pub fn code(&self) -> u16 {
        match self {
            Target::Group => GROUP_WIDE,
            Target::Underlying(u) => u.index,
            Target::Venue(_) => VENUE_TARGET,
        }
    }
}

/// What a change writes.
pub enum TargetMut<'a> {
    Group,
    Underlying(&'a mut Underlying),
    Venue(&'a mut Venue),
}

impl<'a> From<Option<&'a mut Underlying>> for TargetMut<'a> {
    fn from(underlying: Option<&'a mut Underlying>) -> TargetMut<'a> {
        underlying.map_or(TargetMut::Group, TargetMut::Underlying)
    }
}

impl<'a> TargetMut<'a> {
    /// [`Target::of`], writable.
    pub fn of(
        underlying: Option<&'a mut Underlying>,
        venue: Option<&'a mut Venue>,
    ) -> Result<TargetMut<'a>> {
        match (underlying, venue) {
            (None, None) => Ok(TargetMut::Group),
            (Some(u), None) => Ok(TargetMut::Underlying(u)),
            (None, Some(v)) => Ok(TargetMut::Venue(v)),
            (Some(_), Some(_)) => err!(XmError::ChangeTargetMismatch),
        }
    }

    /// The same target, read-only.
    pub fn as_ref(&self) -> Target<'_> {
        match self {
            TargetMut::Group => Target::Group,
            TargetMut::Underlying(u) => Target::Underlying(u),
            TargetMut::Venue(v) => Target::Venue(v),
        }
    }
}

/// Which way a change moves the protocol's risk. Ordered: a set of fields takes the greatest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    /// Nothing changes.
    Same,
    /// Applies at once.
    Safer,
    /// Waits out the timelock.
    Riskier,
}

impl ParamChange {
    /// Whether the change is about an underlying (else the group or a venue).
    pub fn targets_underlying(&self) -> bool {
        !matches!(
            self,
            ParamChange::Liquidation(_)
                | ParamChange::InsuranceShare(_)
                | ParamChange::Timelock(_)
                | ParamChange::Guardian(_)
                | ParamChange::Venue(_)
        )
    }
}

fn higher_safer<T: Ord>(old: T, new: T) -> Direction {
    match new.cmp(&old) {
        core::cmp::Ordering::Equal => Direction::Same,
        core::cmp::Ordering::Greater => Direction::Safer,
        core::cmp::Ordering::Less => Direction::Riskier,
    }
}

fn lower_safer<T: Ord>(old: T, new: T) -> Direction {
    higher_safer(new, old)
}

fn either_way<T: PartialEq>(old: T, new: T) -> Direction {
    if old == new {
        Direction::Same
    } else {
        Direction::Riskier
    }
}

fn key_rule(old: Pubkey, new: Pubkey) -> Direction {
    if old == new {
        Direction::Same
    } else if new == Pubkey::default() {
        Direction::Safer
    } else {
        Direction::Riskier
    }
}

/// Both levels of a `[init, maint]` pair, higher safer.
fn pair_higher<T: Ord + Copy>(old: [T; 2], new: [T; 2]) -> Direction {
    higher_safer(old[0], new[0]).max(higher_safer(old[1], new[1]))
}

fn all(directions: &[Direction]) -> Direction {
    directions.iter().copied().max().unwrap_or(Direction::Same)
}

/// Which way `new` moves the protocol's risk from `old` (the same kind, [`current`] values);
/// `quote` when the change is about the quote asset.
pub fn direction(old: &ParamChange, new: &ParamChange, quote: bool) -> Result<Direction> {
    use ParamChange as C;
    Ok(match (old, new) {
        (C::Collateral(o), C::Collateral(n)) => all(&[
            higher_safer(o.init_haircut_bps, n.init_haircut_bps),
            higher_safer(o.maint_haircut_bps, n.maint_haircut_bps),
            if quote {
                either_way(o.deposit_cap, n.deposit_cap)
            } else {
                lower_safer(o.deposit_cap, n.deposit_cap)
            },
        ]),
        (C::Oracle(o), C::Oracle(n)) => either_way(o, n),
        (C::Perp(o), C::Perp(n)) => all(&[
            lower_safer(o.fee_bps, n.fee_bps),
            lower_safer(o.band_bps, n.band_bps),
            lower_safer(o.max_funding_bps_per_hour, n.max_funding_bps_per_hour),
            lower_safer(o.max_open_interest, n.max_open_interest),
        ]),
        (C::Chain(o), C::Chain(n)) => all(&[
            lower_safer(o.fee_bps, n.fee_bps),
            lower_safer(o.band_bps, n.band_bps),
            either_way(o.max_vol_age_secs, n.max_vol_age_secs),
            either_way(o.cache_max_age_secs, n.cache_max_age_secs),
            either_way(o.cache_max_drift_bps, n.cache_max_drift_bps),
            either_way(o.settle_window_secs, n.settle_window_secs),
            either_way(o.rate, n.rate),
            lower_safer(o.max_series_open_interest, n.max_series_open_interest),
        ]),
        (C::VolAuthority(o), C::VolAuthority(n)) => either_way(o, n),
        (C::Guardian(o), C::Guardian(n)) => key_rule(*o, *n),
        (C::Risk(o), C::Risk(n)) => risk_direction(o, n),
        (C::QuotePool(o), C::QuotePool(n)) => all(&[
            lower_safer(o.base_rate_bps, n.base_rate_bps),
            lower_safer(o.slope1_bps, n.slope1_bps),
            lower_safer(o.slope2_bps, n.slope2_bps),
            either_way(o.optimal_utilization_bps, n.optimal_utilization_bps),
            either_way(o.max_utilization_bps, n.max_utilization_bps),
        ]),
        (C::Liquidation(o), C::Liquidation(n)) => either_way(o, n),
        (C::InsuranceShare(o), C::InsuranceShare(n)) => higher_safer(o, n),
        (C::Timelock(o), C::Timelock(n)) => higher_safer(o, n),
        (C::Venue(o), C::Venue(n)) if o.program == n.program => {
            all(&[lower_safer(o.approved, n.approved), lower_safer(o.max_fee_bps, n.max_fee_bps)])
        }
        _ => return err!(XmError::ChangeTargetMismatch),
    })
}

/// The risk model's rule: a charge on a fixed loss higher is safer, an add-on threshold lower;
/// whatever moves the scenario points (and the horizon) either way.
fn risk_direction(o: &RiskParams, n: &RiskParams) -> Direction {
    all(&[
        either_way(o.range_multiplier_x100, n.range_multiplier_x100),
        either_way(o.range_floor_bps, n.range_floor_bps),
        either_way(o.vol_shock_ratio_bps, n.vol_shock_ratio_bps),
        either_way(o.vol_shock_floor_bps, n.vol_shock_floor_bps),
        pair_higher(o.short_option_min_bps, n.short_option_min_bps),
        pair_higher(o.concentration_bps, n.concentration_bps),
        either_way(o.horizon_secs, n.horizon_secs),
        either_way(o.gap_thirds, n.gap_thirds),
        lower_safer(o.concentration_threshold, n.concentration_threshold),
        pair_higher(o.gap_weight_bps, n.gap_weight_bps),
        either_way(o.gap_vol_bps, n.gap_vol_bps),
        pair_higher(o.gross_concentration_bps, n.gross_concentration_bps),
        pair_higher(o.vega_concentration_bps, n.vega_concentration_bps),
        lower_safer(o.gross_threshold, n.gross_threshold),
        lower_safer(o.vega_threshold, n.vega_threshold),
    ])
}

/// Checks that `target` is what `change` is about: an underlying for an underlying's change (the
/// quote asset for `QuotePool`; never the quote asset for its oracle, markets or risk model), the
/// venue of its program for a venue's, the group for the group's.
pub fn check_target(change: &ParamChange, target: Target) -> Result<()> {
    let ok = match (change, target) {
        (ParamChange::Venue(t), Target::Venue(v)) => t.program == v.program,
        (ParamChange::Venue(_), _) | (_, Target::Venue(_)) => false,
        (c, Target::Group) => !c.targets_underlying(),
        (c, Target::Underlying(u)) => match c {
            _ if !c.targets_underlying() => false,
            ParamChange::QuotePool(_) => u.is_quote(),
            ParamChange::Collateral(_) => true,
            _ => !u.is_quote(),
        },
    };
    require!(ok, XmError::ChangeTargetMismatch);
    Ok(())
}

/// The values in effect at `now` of the parameter set `like` changes.
pub fn current<'a>(
    like: &ParamChange,
    group: &Group,
    target: impl Into<Target<'a>>,
    now: i64,
) -> Result<ParamChange> {
    use ParamChange as C;
    let target = target.into();
    check_target(like, target)?;
    if let Target::Venue(v) = target {
        return Ok(C::Venue(VenueTerms::current(v)));
    }
    if let Target::Underlying(u) = target {
        return Ok(match like {
            C::Collateral(_) => {
                let h = u.collateral.haircuts_at(now);
                C::Collateral(CollateralTerms {
                    init_haircut_bps: h.init_bps,
                    maint_haircut_bps: h.maint_bps,
                    deposit_cap: u.collateral.deposit_cap,
                })
            }
            C::Oracle(_) => C::Oracle(OracleBounds {
                max_age_secs: u.oracle.max_age_secs,
                max_conf_bps: u.oracle.max_conf_bps,
            }),
            C::Perp(_) => C::Perp(PerpTerms::current(&u.perp)),
            C::Chain(_) => C::Chain(ChainTerms::current(&u.options)),
            C::VolAuthority(_) => C::VolAuthority(u.options.vol_authority),
            C::Risk(_) => C::Risk(*u.risk_params),
            C::QuotePool(_) => C::QuotePool(QuotePoolParams::current(u)),
            C::Liquidation(_)
            | C::InsuranceShare(_)
            | C::Timelock(_)
            | C::Guardian(_)
            | C::Venue(_) => return err!(XmError::ChangeTargetMismatch),
        });
    }
    Ok(match like {
        C::Liquidation(_) => C::Liquidation(*group.liquidation),
        C::InsuranceShare(_) => C::InsuranceShare(group.insurance.fee_share_bps),
        C::Timelock(_) => C::Timelock(group.risk_timelock_secs),
        C::Guardian(_) => C::Guardian(group.guardian),
        _ => return err!(XmError::ChangeTargetMismatch),
    })
}

/// Checks `change` on its own: the ranges listing checks (haircuts ordered and within 100%, a
/// quote asset's at 0; oracle bounds; market terms of a listed market; the risk model; the rate
/// model; the liquidation incentive; a share within 100%).
pub fn validate<'a>(change: &ParamChange, target: impl Into<Target<'a>>) -> Result<()> {
    use ParamChange as C;
    let target = target.into();
    check_target(change, target)?;
    let underlying = match target {
        Target::Underlying(u) => Some(u),
        _ => None,
    };
    match change {
        C::Collateral(t) => {
            validate_haircuts(t.init_haircut_bps, t.maint_haircut_bps)?;
            let quote = underlying.is_some_and(|u| u.is_quote());
            require!(
                !quote || (t.init_haircut_bps == 0 && t.maint_haircut_bps == 0),
                XmError::InvalidHaircuts
            );
        }
        C::Oracle(b) => require!(
            b.max_age_secs > 0 && (1..=u32::from(FULL_HAIRCUT_BPS)).contains(&b.max_conf_bps),
            XmError::InvalidOracleParams
        ),
        C::Perp(t) => {
            require!(underlying.is_some_and(|u| u.perp.listed == 1), XmError::PerpNotListed);
            t.validate()?
        }
        C::Chain(t) => {
            require!(underlying.is_some_and(|u| u.options.listed == 1), XmError::ChainNotListed);
            t.validate()?
        }
        C::VolAuthority(_) => {
            require!(underlying.is_some_and(|u| u.options.listed == 1), XmError::ChainNotListed)
        }
        C::Risk(p) => validate_risk_params(p)?,
        C::QuotePool(p) => p.validate()?,
        C::Liquidation(p) => p.validate()?,
        C::InsuranceShare(bps) => require!(*bps <= 10_000, XmError::InvalidInsuranceParams),
        C::Venue(t) => t.validate()?,
        C::Timelock(_) | C::Guardian(_) => {}
    }
    Ok(())
}

/// Validates `change` and writes it at `now`, returning the values it replaced. A collateral
/// change replaces whatever haircuts the listing had scheduled (`CollateralParams::pending_*`);
/// a risk-model change re-derives the grid and starts a volatility epoch; a rate-model change
/// accrues interest at the old model first.
pub fn apply<'a>(
    change: &ParamChange,
    group: &mut Group,
    target: impl Into<TargetMut<'a>>,
    now: i64,
) -> Result<ParamChange> {
    use ParamChange as C;
    let target = target.into();
    let old = current(change, group, target.as_ref(), now)?;
    validate(change, target.as_ref())?;
    if let TargetMut::Venue(v) = target {
        let C::Venue(t) = change else { return err!(XmError::ChangeTargetMismatch) };
        t.write(v)?;
        v.params_version = v.params_version.wrapping_add(1);
        return Ok(old);
    }
    if let TargetMut::Underlying(u) = target {
        match change {
            C::Collateral(t) => {
                let c = &mut u.collateral;
                (c.init_haircut_bps, c.pending_init_haircut_bps) =
                    (t.init_haircut_bps, t.init_haircut_bps);
                (c.maint_haircut_bps, c.pending_maint_haircut_bps) =
                    (t.maint_haircut_bps, t.maint_haircut_bps);
                c.pending_effective_ts = 0;
                c.deposit_cap = t.deposit_cap;
            }
            C::Oracle(b) => {
                u.oracle.max_age_secs = b.max_age_secs;
                u.oracle.max_conf_bps = b.max_conf_bps;
            }
            C::Perp(t) => t.write(&mut u.perp)?,
            C::Chain(t) => t.write(&mut u.options)?,
            C::VolAuthority(key) => {
                require!(u.options.listed == 1, XmError::ChainNotListed);
                u.options.vol_authority = *key;
            }
            // A new epoch only when something changes: no free way to stale every entry.
            C::Risk(p) if *u.risk_params != *p => {
                u.risk_params = (*p).into();
                let index = u.risk.vol_index;
                set_vol_index(u, index)?;
            }
            C::Risk(_) => {}
            C::QuotePool(p) => lending::set_model(u, p, now)?,
            C::Liquidation(_)
            | C::InsuranceShare(_)
            | C::Timelock(_)
            | C::Guardian(_)
            | C::Venue(_) => return err!(XmError::ChangeTargetMismatch),
        }
        u.params_version = u.params_version.wrapping_add(1);
        return Ok(old);
    }
    match change {
        C::Liquidation(p) => group.liquidation = (*p).into(),
        C::InsuranceShare(bps) => group.insurance.fee_share_bps = *bps,
        C::Timelock(secs) => group.risk_timelock_secs = *secs,
        C::Guardian(key) => group.guardian = *key,
        _ => return err!(XmError::ChangeTargetMismatch),
    }
    group.params_version = group.params_version.wrapping_add(1);
    Ok(old)
}

/// The change a queued `PendingChange` holds, and the values it replaces.
pub fn decode(pending: &PendingChange) -> Result<(ParamChange, ParamChange)> {
    let read = |bytes: &[u8]| {
        ParamChange::try_from_slice(bytes).map_err(|_| error!(XmError::InvalidPendingChange))
    };
    Ok((read(pending.change_bytes())?, read(pending.old_bytes())?))
}

// In `params/tests.rs` (no `#[path]`: anchor's IDL build resolves modules by file name only).
#[cfg(test)]
mod tests;
