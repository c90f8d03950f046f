//! Who may change what, and what the pause switches stop.
//!
//! - **Admin**: every parameter change (`engine::params`: at once when it raises no risk, else
//!   queued behind the timelock), pause bits and reduce-only flags both ways, cancelling queued
//!   changes, proposing its successor (who must accept: two steps, so a typo never loses the
//!   group).
//! - **Guardian** (optional, set through the timelock, removed at once): can only make things
//!   safer: set pause bits, make an underlying reduce-only, cancel queued changes. It can never
//!   clear a bit, lift reduce-only, or change a parameter.
//! - **Pause bits** ([`pause`]): each stops one class of instruction. Never paused, by design:
//!   deposits, trades that shrink both sides' positions, liquidations, bankruptcy settlement and
//!   resolution, expiry settlement of options, the risk-cache crank (liquidating an account with
//!   options values them from it), and insurance deposits, so an account can always reduce its
//!   risk and every loss can always be liquidated and settled.
//! - **Reduce-only** (per underlying, and every underlying while `TRADING` is paused): a trade
//!   must shrink both sides' positions, without flipping either.

use anchor_lang::prelude::*;

use crate::engine::trade::Fill;
use crate::error::XmError;
use crate::state::Group;

/// Pause bits of `Group::paused`. Positions are part of the layout: append only.
pub mod pause {
    /// `trade_execute` (and venue fills) only shrink positions ([`super::check_reducing`]).
    pub const TRADING: u16 = 1 << 0;
    /// `collateral_withdraw`.
    pub const WITHDRAWALS: u16 = 1 << 1;
    /// `underlying_add`, `perp_list`, `option_list`, `option_series_add`.
    pub const LISTING: u16 = 1 << 2;
    /// Fills booked by approved venues (the venue interface checks it).
    pub const VENUE_FILLS: u16 = 1 << 3;
    /// The cranks nothing else waits for: `perp_update_funding`, `perp_settle_pnl`,
    /// `perp_settle_fees`, `risk_sample_price`, `insurance_sweep`. (`risk_refresh` is never
    /// paused: liquidating an account that holds options needs its series' cache entries.)
    pub const CRANKS: u16 = 1 << 4;
    /// Every bit defined.
    pub const ALL: u16 = TRADING | WITHDRAWALS | LISTING | VENUE_FILLS | CRANKS;
}

/// Who signed a guarded instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    Guardian,
}

/// The role of `signer` in `group`: the admin, or the guardian when there is one.
pub fn role(group: &Group, signer: &Pubkey) -> Result<Role> {
    if *signer == group.admin {
        Ok(Role::Admin)
    } else if group.guardian != Pubkey::default() && *signer == group.guardian {
        Ok(Role::Guardian)
    } else {
        err!(XmError::NotAdminOrGuardian)
    }
}

/// Fails when any bit of `class` is paused in `group`.
pub fn check_not_paused(group: &Group, class: u16) -> Result<()> {
    if group.paused & class != 0 {
        xm_msg!("paused: bits {:#x} of {:#x}", class, group.paused);
        return err!(XmError::Paused);
    }
    Ok(())
}

/// Checks a new pause mask: defined bits only; a guardian may only add bits.
pub fn check_pause_change(role: Role, old: u16, new: u16) -> Result<()> {
    require!(new & !pause::ALL == 0, XmError::InvalidPauseBits);
    require!(role == Role::Admin || new & old == old, XmError::GuardianCanOnlyRestrict);
    Ok(())
}

/// Checks a new reduce-only flag: a guardian may only set it.
pub fn check_reduce_only_change(role: Role, old: bool, new: bool) -> Result<()> {
    require!(role == Role::Admin || new || !old, XmError::GuardianCanOnlyRestrict);
    Ok(())
}

/// Whether a trade must only shrink positions: trading paused in the group, or the underlying
/// reduce-only.
pub fn reduce_only(group: &Group, underlying_reduce_only: u8) -> bool {
    group.paused & pause::TRADING != 0 || underlying_reduce_only != 0
}

/// Checks that every side of a fill ends closer to zero without crossing it.
pub fn check_reducing(fills: &[Fill]) -> Result<()> {
    for f in fills {
        let shrinks = f.after.unsigned_abs() < f.before.unsigned_abs()
            && (f.after == 0 || f.after.signum() == f.before.signum());
        if !shrinks {
            xm_msg!("reduce-only: a position would go from {} to {}", f.before, f.after);
            return err!(XmError::ReduceOnly);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(before: i64, after: i64) -> Fill {
        Fill { before, after }
    }

    #[test]
    fn reducing_means_closer_to_zero_without_a_flip() {
        assert!(check_reducing(&[fill(10, 4), fill(-10, -4)]).is_ok());
        assert!(check_reducing(&[fill(10, 0), fill(-3, 0)]).is_ok());
        for bad in [fill(0, 1), fill(4, 10), fill(-4, -10), fill(3, -1), fill(-3, 1), fill(5, 5)] {
            assert!(check_reducing(&[fill(10, 4), bad]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_guardian_only_restricts() {
        use pause::*;
        assert!(check_pause_change(Role::Guardian, TRADING, TRADING | CRANKS).is_ok());
        assert!(check_pause_change(Role::Guardian, TRADING | CRANKS, CRANKS).is_err());
        assert!(check_pause_change(Role::Admin, TRADING | CRANKS, 0).is_ok());
        assert!(check_pause_change(Role::Admin, 0, 1 << 5).is_err());
        assert!(check_reduce_only_change(Role::Guardian, false, true).is_ok());
        assert!(check_reduce_only_change(Role::Guardian, true, false).is_err());
        assert!(check_reduce_only_change(Role::Admin, true, false).is_ok());
    }

    #[test]
    fn every_mask_is_judged_bit_by_bit() {
        // Exhaustive over the defined bits: a guardian's change is allowed exactly when it keeps
        // every bit already set.
        for old in 0..=pause::ALL {
            for new in 0..=pause::ALL {
                let allowed = check_pause_change(Role::Guardian, old, new).is_ok();
                assert_eq!(allowed, new & old == old, "{old:#x} -> {new:#x}");
            }
        }
    }
}
