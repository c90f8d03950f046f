//! Who may change what, and what the pause switches stop.
//!
//! - **Admin**: every parameter change (`engine::params`: at once when it raises no risk, else
//!   queued behind the timelock), pause bits and reduce-only flags both ways, cancelling queued
//!   changes, proposing its successor (who must accept: two steps, so a typo never loses the
//!   group).
//! - **Guardian** (optional, set through the timelock, removed at once): can only make things
//!   safer: set pause bits, make an underlying reduce-only, cancel queued changes. It can never
//!   clear a bit, lift reduce-only, or change a parameter.
//! - **Pause bits** ([`pause`]): each stops one class of instruction. While exits are blocked
//!   (withdrawals or trading paused, or any underlying reduce-only) no queued change comes due
//!   ([`due_at`]): a timelock only runs while users can leave.
//!   Never paused, by design:
//!   deposits, trades that shrink both sides' positions, liquidations, bankruptcy settlement and
//!   resolution, expiry settlement of options, P&L and fee settlement, the risk-cache crank, the
//!   price sample, the insurance sweep and insurance deposits, so an account can always reduce its
//!   risk and every loss can always be liquidated and settled.
//! - **Reduce-only** (per underlying, and every underlying while `TRADING` is paused): a trade
//!   must shrink both sides' positions, without flipping either.

use anchor_lang::prelude::*;

use crate::engine::trade::Fill;
use crate::error::XmError;
use crate::state::{Group, PendingChange, APPLY_WINDOW_SECS};

/// Pause bits of `Group::paused`. Positions are part of the layout: append only.
pub mod pause {
    /// `trade_execute` and `venue_fill` only shrink positions ([`super::check_reducing`]).
    pub const TRADING: u16 = 1 << 0;
    /// `collateral_withdraw`.
    pub const WITHDRAWALS: u16 = 1 << 1;
    /// `underlying_add`, `perp_list`, `option_list`, `option_series_add`, `venue_add`.
    pub const LISTING: u16 = 1 << 2;
    /// `venue_fill` only shrinks positions ([`super::fill_reduce_only`]).
    pub const VENUE_FILLS: u16 = 1 << 3;
    /// `perp_update_funding`: health counts funding up to now whether or not it is booked, so
    /// stopping it moves no value. The other cranks are never paused: liquidating an account
    /// with options needs `risk_refresh`; settling a bankrupt account's gains needs
    /// `perp_settle_pnl` and `perp_settle_fees`; `risk_sample_price` lets realized volatility
    /// raise the margins; `insurance_sweep` fills the fund that pays bankruptcies.
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

/// Pause bits that block an exit: withdrawals, and trading (then a position only shrinks against
/// a counterparty that also shrinks).
pub const EXIT_BLOCKING: u16 = pause::WITHDRAWALS | pause::TRADING;

/// Whether exits are blocked in `group`: an [`EXIT_BLOCKING`] bit set or an underlying reduce-only.
pub fn exits_blocked(group: &Group) -> bool {
    group.paused & EXIT_BLOCKING != 0 || group.reduce_only_count > 0
}

/// Seconds exits have been blocked in `group` up to `now`, the stretch running now included.
pub fn exits_blocked_secs_at(group: &Group, now: i64) -> u64 {
    let running = if exits_blocked(group) {
        u64::try_from(now.saturating_sub(group.exits_blocked_since)).unwrap_or(0)
    } else {
        0
    };
    group.exits_blocked_secs.saturating_add(running)
}

/// Applies `change` (of the pause bits or the reduce-only count) to `group` at `now`, keeping the
/// exit clock: the running stretch is booked first, and a new one starts now if exits stay or
/// become blocked.
fn restrict(group: &mut Group, now: i64, change: impl FnOnce(&mut Group)) {
    group.exits_blocked_secs = exits_blocked_secs_at(group, now);
    change(group);
    group.exits_blocked_since = if exits_blocked(group) { now } else { 0 };
}

/// Writes a new pause mask at `now`.
pub fn set_paused(group: &mut Group, new: u16, now: i64) {
    restrict(group, now, |g| g.paused = new);
}

/// Counts an underlying's reduce-only flag going from `old` to `new` at `now`.
pub fn set_reduce_only(group: &mut Group, old: bool, new: bool, now: i64) -> Result<()> {
    let count = match (old, new) {
        (false, true) => group.reduce_only_count.checked_add(1),
        (true, false) => group.reduce_only_count.checked_sub(1),
        _ => Some(group.reduce_only_count),
    };
    let count = count.ok_or(XmError::MathOverflow)?;
    restrict(group, now, |g| g.reduce_only_count = count);
    Ok(())
}

/// When a queued change is due: its `effective_ts` moved on by every second exits have been
/// blocked since it was queued (up to `now`), so a timelock only runs while users can leave. (A
/// change already due when exits become blocked stays appliable: cancel it, pausing does not.)
pub fn due_at(group: &Group, pending: &PendingChange, now: i64) -> i64 {
    let blocked = exits_blocked_secs_at(group, now).saturating_sub(pending.blocked_secs_at_queue);
    pending.effective_ts.saturating_add(i64::try_from(blocked).unwrap_or(i64::MAX))
}

/// Checks that a queued change may be applied at `now`: due, and within [`APPLY_WINDOW_SECS`]
/// of it.
pub fn check_due(group: &Group, pending: &PendingChange, now: i64) -> Result<()> {
    let due = due_at(group, pending, now);
    if now < due {
        xm_msg!("change {} is due at {}, now {}", pending.seq, due, now);
        return err!(XmError::ChangeNotDue);
    }
    if now > due.saturating_add(APPLY_WINDOW_SECS) {
        xm_msg!(
            "change {} was due at {} and expired {} s later",
            pending.seq,
            due,
            APPLY_WINDOW_SECS
        );
        return err!(XmError::ChangeExpired);
    }
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

/// Whether a venue fill must shrink both sides: as [`reduce_only`], or venue fills paused.
pub fn fill_reduce_only(group: &Group, underlying_reduce_only: u8) -> bool {
    reduce_only(group, underlying_reduce_only) || group.paused & pause::VENUE_FILLS != 0
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
    fn blocked_exits_stop_the_timelock() {
        use bytemuck::Zeroable;
        let mut g = Group::zeroed();
        let mut p = PendingChange::zeroed();
        (p.queued_ts, p.effective_ts, p.blocked_secs_at_queue) = (1_000, 2_000, 0);
        assert_eq!(due_at(&g, &p, 1_500), 2_000);
        set_paused(&mut g, pause::WITHDRAWALS, 1_500);
        // While exits are blocked the due time moves with the clock: never due.
        assert_eq!(due_at(&g, &p, 1_900), 2_400);
        assert_eq!(due_at(&g, &p, 5_000), 5_500);
        assert!(check_due(&g, &p, 5_000).is_err());
        // Trading paused blocks too, and so does a reduce-only underlying; a pause of listing or
        // cranks does not. Booked across every change of the restrictions.
        set_paused(&mut g, pause::TRADING, 1_600);
        set_reduce_only(&mut g, false, true, 1_700).unwrap();
        set_paused(&mut g, pause::LISTING | pause::CRANKS, 1_750);
        set_reduce_only(&mut g, true, false, 1_800).unwrap();
        assert_eq!((g.exits_blocked_secs, g.exits_blocked_since, g.reduce_only_count), (300, 0, 0));
        assert_eq!(due_at(&g, &p, 9_000), 2_300);
        assert!(check_due(&g, &p, 2_299).is_err());
        assert!(check_due(&g, &p, 2_300).is_ok());
        assert!(check_due(&g, &p, 2_300 + APPLY_WINDOW_SECS).is_ok());
        assert!(check_due(&g, &p, 2_301 + APPLY_WINDOW_SECS).is_err(), "expired");
        // A pause and its lifting in one slot adds nothing; a change queued after a stretch
        // does not count it.
        set_paused(&mut g, pause::WITHDRAWALS, 3_000);
        set_paused(&mut g, 0, 3_000);
        assert_eq!(g.exits_blocked_secs, 300);
        p.blocked_secs_at_queue = 300;
        assert_eq!(due_at(&g, &p, 9_000), 2_000);
        assert!(set_reduce_only(&mut g, true, false, 9_000).is_err(), "count below zero");
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
