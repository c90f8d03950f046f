//! Governance: builders for the admin's and the guardian's instructions, and [`propose`], which
//! decides with the program's own rules (`engine::params`) whether a change applies at once
//! (`params_set`) or must be queued (`params_queue`).

use anchor_lang::prelude::Pubkey;
use anchor_lang::system_program;
use cross_margin::engine::governance;
use cross_margin::engine::params::{self, Direction, ParamChange, Target};
use cross_margin::instructions::{
    GroupProposeAdminArgs, GroupSetPauseArgs, ParamsQueueArgs, ParamsSetArgs,
    UnderlyingSetReduceOnlyArgs,
};
use cross_margin::state::{Group, PendingChange, GROUP_WIDE, VENUE_TARGET};
use cross_margin::{accounts as acc, instruction as data};
use solana_instruction::Instruction;

use crate::ix::build;
use crate::pda::{self, pending_change};

/// The underlying account a change names (`None` for a change of the group or a venue).
fn target(group: &Pubkey, underlying: Option<u16>) -> Option<Pubkey> {
    underlying.map(|index| pda::underlying(group, index))
}

/// The venue account a change names: its program's, for a venue change.
fn venue_of(group: &Pubkey, change: &ParamChange) -> Option<Pubkey> {
    match change {
        ParamChange::Venue(t) => Some(pda::venue(group, &t.program)),
        _ => None,
    }
}

/// `params_set`: applies `change` at once (refused if it raises risk).
pub fn params_set(
    admin: &Pubkey,
    group: &Pubkey,
    underlying: Option<u16>,
    change: ParamChange,
) -> Instruction {
    build(
        acc::ParamsSet {
            admin: *admin,
            group: *group,
            underlying: target(group, underlying),
            venue: venue_of(group, &change),
        },
        data::ParamsSet { args: ParamsSetArgs { change } },
    )
}

/// `params_queue`: queues `change` as the group's change `seq` (its `change_seq`).
pub fn params_queue(
    admin: &Pubkey,
    group: &Pubkey,
    underlying: Option<u16>,
    seq: u64,
    change: ParamChange,
) -> Instruction {
    build(
        acc::ParamsQueue {
            admin: *admin,
            group: *group,
            underlying: target(group, underlying),
            venue: venue_of(group, &change),
            pending: pending_change(group, seq),
            system_program: system_program::ID,
        },
        data::ParamsQueue { args: ParamsQueueArgs { seq, change } },
    )
}

/// `params_apply` of queued change `seq` of the group or of an underlying (anyone; `payer` gets
/// the rent back). [`params_apply_pending`] covers every kind.
pub fn params_apply(
    group: &Pubkey,
    underlying: Option<u16>,
    seq: u64,
    payer: &Pubkey,
) -> Instruction {
    build(
        acc::ParamsApply {
            group: *group,
            underlying: target(group, underlying),
            venue: None,
            pending: pending_change(group, seq),
            payer: *payer,
        },
        data::ParamsApply {},
    )
}

/// `params_apply` of the queued change `pending` holds, naming the target it was queued for.
pub fn params_apply_pending(group: &Pubkey, pending: &Pending) -> Instruction {
    build(
        acc::ParamsApply {
            group: *group,
            underlying: target(group, pending.underlying),
            venue: venue_of(group, &pending.change),
            pending: pending_change(group, pending.seq),
            payer: pending.payer,
        },
        data::ParamsApply {},
    )
}

/// `params_cancel` of queued change `seq` by the admin or the guardian.
pub fn params_cancel(signer: &Pubkey, group: &Pubkey, seq: u64, payer: &Pubkey) -> Instruction {
    build(
        acc::ParamsCancel {
            signer: *signer,
            group: *group,
            pending: pending_change(group, seq),
            payer: *payer,
        },
        data::ParamsCancel {},
    )
}

/// `group_propose_admin` (`Pubkey::default()` withdraws a proposal).
pub fn group_propose_admin(admin: &Pubkey, group: &Pubkey, proposed: &Pubkey) -> Instruction {
    build(
        acc::GroupProposeAdmin { admin: *admin, group: *group },
        data::GroupProposeAdmin { args: GroupProposeAdminArgs { proposed: *proposed } },
    )
}

/// `group_accept_admin`, signed by the proposed admin.
pub fn group_accept_admin(proposed: &Pubkey, group: &Pubkey) -> Instruction {
    build(acc::GroupAcceptAdmin { proposed: *proposed, group: *group }, data::GroupAcceptAdmin {})
}

/// `group_set_pause` to the whole mask `paused` (`engine::governance::pause` bits).
pub fn group_set_pause(signer: &Pubkey, group: &Pubkey, paused: u16) -> Instruction {
    build(
        acc::GroupSetPause { signer: *signer, group: *group },
        data::GroupSetPause { args: GroupSetPauseArgs { paused } },
    )
}

/// `underlying_set_reduce_only` of the underlying at `index`.
pub fn underlying_set_reduce_only(
    signer: &Pubkey,
    group: &Pubkey,
    index: u16,
    reduce_only: bool,
) -> Instruction {
    build(
        acc::UnderlyingSetReduceOnly {
            signer: *signer,
            group: *group,
            underlying: pda::underlying(group, index),
        },
        data::UnderlyingSetReduceOnly { args: UnderlyingSetReduceOnlyArgs { reduce_only } },
    )
}

/// What proposing a change will do, judged with the program's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// The values in effect now.
    pub old: ParamChange,
    /// Which way the change moves risk.
    pub direction: Direction,
}

/// Judges `change` against the group and its target (an underlying, a venue, or none for the
/// group) as they are at `now` (the program's own `engine::params::current` and `direction`),
/// and checks it as the program will.
pub fn judge<'a>(
    change: &ParamChange,
    group: &Group,
    target: impl Into<Target<'a>>,
    now: i64,
) -> anchor_lang::Result<Proposal> {
    let target = target.into();
    params::validate(change, target)?;
    let old = params::current(change, group, target, now)?;
    let quote = matches!(target, Target::Underlying(u) if u.is_quote());
    Ok(Proposal { old, direction: params::direction(&old, change, quote)? })
}

/// The instruction that proposes `change`: `params_set` when it raises no risk, else
/// `params_queue` at the group's next sequence number.
pub fn propose<'a>(
    admin: &Pubkey,
    group_key: &Pubkey,
    group: &Group,
    target: impl Into<Target<'a>>,
    change: ParamChange,
    now: i64,
) -> anchor_lang::Result<(Proposal, Instruction)> {
    let target = target.into();
    let proposal = judge(&change, group, target, now)?;
    let index = match target {
        Target::Underlying(u) => Some(u.index),
        _ => None,
    };
    let ix = if proposal.direction == Direction::Riskier {
        params_queue(admin, group_key, index, group.change_seq, change)
    } else {
        params_set(admin, group_key, index, change)
    };
    Ok((proposal, ix))
}

/// A queued change as its account shows it.
#[derive(Clone, Debug)]
pub struct Pending {
    pub seq: u64,
    /// Index of its underlying; `None` for a change of the group or a venue (`change` names
    /// the venue's program).
    pub underlying: Option<u16>,
    pub change: ParamChange,
    /// The values it replaces, as they were when it was queued (it applies only while they are
    /// still in effect).
    pub old: ParamChange,
    pub queued_ts: i64,
    /// Its due time if withdrawals are never paused meanwhile ([`Pending::due_at`] counts them).
    pub effective_ts: i64,
    pub payer: Pubkey,
    /// The account as stored.
    pub account: PendingChange,
}

impl Pending {
    /// Decodes a `PendingChange` account.
    pub fn of(account: &PendingChange) -> anchor_lang::Result<Pending> {
        let (change, old) = params::decode(account)?;
        Ok(Pending {
            seq: account.seq,
            underlying: (![GROUP_WIDE, VENUE_TARGET].contains(&account.underlying))
                .then_some(account.underlying),
            change,
            old,
            queued_ts: account.queued_ts,
            effective_ts: account.effective_ts,
            payer: account.payer,
            account: *account,
        })
    }

    /// When it is due as the program judges it at `now`: its effective time moved on by every
    /// second withdrawals have been paused in `group` since it was queued.
    pub fn due_at(&self, group: &Group, now: i64) -> i64 {
        governance::due_at(group, &self.account, now)
    }
}
