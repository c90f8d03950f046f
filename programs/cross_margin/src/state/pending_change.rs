//! `PendingChange`: one queued parameter change (`params_queue`), public on-chain with its
//! effective time until it is applied (`params_apply`, by anyone, once due) or cancelled
//! (`params_cancel`, by the admin or the guardian). Both close it and return its rent.

use anchor_lang::prelude::*;

use crate::assert_layout;

pub const PENDING_SEED: &[u8] = b"pending";
pub const PENDING_CHANGE_VERSION: u8 = 1;

/// Bytes for the Borsh encoding of one `engine::params::ParamChange` (the largest, a whole
/// `RiskParams`, takes 73; a unit test checks every kind fits).
pub const CHANGE_BYTES: usize = 96;

/// `PendingChange::underlying` of a group-wide change (timelock, guardian, liquidation, insurance).
pub const GROUP_WIDE: u16 = u16::MAX;

/// `PendingChange::underlying` of a venue's change (`ParamChange::Venue` names the venue's
/// program, hence its account).
pub const VENUE_TARGET: u16 = u16::MAX - 1;

/// How long a due change stays appliable: 14 days after it is due. Later it has expired and can
/// only be cancelled (a change nobody applied for two weeks is not what users expect any more).
pub const APPLY_WINDOW_SECS: i64 = 14 * 86_400;

/// PDA `["pending", group, seq (u64 LE)]`, `seq` the group's `change_seq` when it was queued, so
/// every change has an account of its own that no later change can reuse.
#[account(zero_copy)]
#[derive(Debug)]
pub struct PendingChange {
    /// Layout version, [`PENDING_CHANGE_VERSION`].
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// Index of the underlying the change is about, [`GROUP_WIDE`] for a change of the group,
    /// [`VENUE_TARGET`] for a venue's.
    pub underlying: u16,
    /// Bytes of `change` in use.
    pub change_len: u16,
    /// Bytes of `old` in use.
    pub old_len: u16,
    /// Group the change is for.
    pub group: Pubkey,
    /// Who paid the rent (the admin that queued it); it goes back there on apply or cancel.
    pub payer: Pubkey,
    /// The change's sequence number (part of the seeds).
    pub seq: u64,
    /// Unix time (seconds) it was queued.
    pub queued_ts: i64,
    /// Unix time (seconds) from which it may be applied if exits are never blocked meanwhile:
    /// `queued_ts` plus the group's timelock when it was queued. Every second exits are blocked
    /// after queueing (withdrawals or trading paused, an underlying reduce-only) moves the real
    /// due time on by a second (`engine::governance::due_at`).
    pub effective_ts: i64,
    /// The group's `exits_blocked_secs_at` when the change was queued.
    pub blocked_secs_at_queue: u64,
    /// The change: the Borsh encoding of an `engine::params::ParamChange` (the new values of
    /// one parameter set), zero-padded.
    pub change: [u8; CHANGE_BYTES],
    /// The values the change replaces, as they were when it was queued (Borsh, zero-padded): it
    /// applies only while they are still the values in effect, so a queued change can never undo
    /// a later one.
    pub old: [u8; CHANGE_BYTES],
    /// The target's `params_version` when the change was queued: any change applied to the
    /// target since makes it stale for good.
    pub params_version: u32,
    /// Reserved for future fields; zero.
    pub reserved: [u8; 28],
}

assert_layout!(PendingChange, 8 + 32 * 2 + 8 * 4 + CHANGE_BYTES * 2 + 4 + 28);

impl PendingChange {
    /// Account size including the 8-byte discriminator.
    pub const SPACE: usize = 8 + core::mem::size_of::<PendingChange>();

    /// The encoded change.
    pub fn change_bytes(&self) -> &[u8] {
        &self.change[..usize::from(self.change_len).min(CHANGE_BYTES)]
    }

    /// The encoded values it replaces.
    pub fn old_bytes(&self) -> &[u8] {
        &self.old[..usize::from(self.old_len).min(CHANGE_BYTES)]
    }
}
