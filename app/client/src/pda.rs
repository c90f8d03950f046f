//! Program-derived addresses of the cross-margin program.

use anchor_lang::prelude::Pubkey;
use cross_margin::state::{
    GROUP_SEED, INSURANCE_SEED, MARGIN_SEED, PENDING_SEED, UNDERLYING_SEED, VAULT_SEED,
    VENUE_AUTHORITY_SEED, VENUE_SEED,
};
use cross_margin::ID;

/// `["group", creator, group_num]`.
pub fn group(creator: &Pubkey, group_num: u32) -> Pubkey {
    Pubkey::find_program_address(&[GROUP_SEED, creator.as_ref(), &group_num.to_le_bytes()], &ID).0
}

/// `["underlying", group, index]`.
pub fn underlying(group: &Pubkey, index: u16) -> Pubkey {
    Pubkey::find_program_address(&[UNDERLYING_SEED, group.as_ref(), &index.to_le_bytes()], &ID).0
}

/// `["vault", underlying]`.
pub fn vault(underlying: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[VAULT_SEED, underlying.as_ref()], &ID).0
}

/// `["insurance", group]`: the insurance fund's vault.
pub fn insurance_vault(group: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[INSURANCE_SEED, group.as_ref()], &ID).0
}

/// `["margin", group, owner, account_num]`.
pub fn margin_account(group: &Pubkey, owner: &Pubkey, account_num: u32) -> Pubkey {
    Pubkey::find_program_address(
        &[MARGIN_SEED, group.as_ref(), owner.as_ref(), &account_num.to_le_bytes()],
        &ID,
    )
    .0
}

/// `["pending", group, seq]`: the account of the group's queued change `seq`.
pub fn pending_change(group: &Pubkey, seq: u64) -> Pubkey {
    Pubkey::find_program_address(&[PENDING_SEED, group.as_ref(), &seq.to_le_bytes()], &ID).0
}

/// `["venue", group, program]`: the group's account of a venue program.
pub fn venue(group: &Pubkey, program: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[VENUE_SEED, group.as_ref(), program.as_ref()], &ID).0
}

/// The venue program's PDA `["xmargin-venue", group]` that signs its fills.
pub fn venue_authority(group: &Pubkey, program: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[VENUE_AUTHORITY_SEED, group.as_ref()], program).0
}
