//! Account images for local chains: SPL mints and token accounts, Pyth `PriceUpdateV2` accounts.
//! Used by the demo and the tests to stand up markets without external programs.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::program_option::COption;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::AccountSerialize;
use anchor_spl::token::spl_token;
use pyth_solana_receiver_sdk::price_update::{PriceFeedMessage, PriceUpdateV2, VerificationLevel};
use solana_rent::Rent;

use crate::chain::AccountData;

fn rent_exempt(data: Vec<u8>, owner: Pubkey) -> AccountData {
    AccountData {
        lamports: Rent::default().minimum_balance(data.len()),
        data,
        owner,
        executable: false,
    }
}

/// An initialized SPL mint.
pub fn mint(decimals: u8, mint_authority: &Pubkey, supply: u64) -> AccountData {
    let mut data = vec![0; spl_token::state::Mint::LEN];
    spl_token::state::Mint {
        mint_authority: COption::Some(*mint_authority),
        supply,
        decimals,
        is_initialized: true,
        freeze_authority: COption::None,
    }
    .pack_into_slice(&mut data);
    rent_exempt(data, spl_token::ID)
}

/// An initialized SPL token account.
pub fn token_account(mint: &Pubkey, owner: &Pubkey, amount: u64) -> AccountData {
    let mut data = vec![0; spl_token::state::Account::LEN];
    spl_token::state::Account {
        mint: *mint,
        owner: *owner,
        amount,
        delegate: COption::None,
        state: spl_token::state::AccountState::Initialized,
        is_native: COption::None,
        delegated_amount: 0,
        close_authority: COption::None,
    }
    .pack_into_slice(&mut data);
    rent_exempt(data, spl_token::ID)
}

/// A Pyth price as posted: `(price +/- conf) * 10^exponent` at `publish_time`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PythPrice {
    pub feed_id: [u8; 32],
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
    /// Publish time of the feed's previous price.
    pub prev_publish_time: i64,
    pub verification: VerificationLevel,
}

/// A `PriceUpdateV2` account owned by the Pyth receiver program.
pub fn price_update(p: &PythPrice) -> AccountData {
    price_update_by(p, &Pubkey::default())
}

/// [`price_update`] with `write_authority` as the key that may rewrite it (on a local validator,
/// the stand-in receiver lets that key post new prices into it).
pub fn price_update_by(p: &PythPrice, write_authority: &Pubkey) -> AccountData {
    let update = PriceUpdateV2 {
        write_authority: *write_authority,
        verification_level: p.verification,
        price_message: PriceFeedMessage {
            feed_id: p.feed_id,
            price: p.price,
            conf: p.conf,
            exponent: p.exponent,
            publish_time: p.publish_time,
            prev_publish_time: p.prev_publish_time,
            ema_price: p.price,
            ema_conf: p.conf,
        },
        posted_slot: 0,
    };
    let mut data = Vec::with_capacity(PriceUpdateV2::LEN);
    update.try_serialize(&mut data).expect("PriceUpdateV2 serializes");
    data.resize(PriceUpdateV2::LEN, 0);
    rent_exempt(data, pyth_solana_receiver_sdk::ID)
}

/// The address lookup table program.
pub const LOOKUP_TABLE_PROGRAM_ID: Pubkey =
    Pubkey::from_str_const("AddressLookupTab1e1111111111111111111111111");

/// A deterministic address for a lookup table holding `addresses`.
pub fn lookup_table_address(addresses: &[Pubkey]) -> Pubkey {
    let bytes: Vec<u8> = addresses.iter().flat_map(|a| a.to_bytes()).collect();
    crate::sandbox::address_of(&bytes)
}

/// An address lookup table account holding `addresses`, active at once: the program's state
/// (`ProgramState::LookupTable`, bincode) with a meta that says every address was extended before
/// the current slot, followed by the addresses.
pub fn lookup_table(addresses: &[Pubkey]) -> AccountData {
    assert!(addresses.len() < 256, "a lookup table made here holds at most 255 addresses");
    // The meta takes the first 56 bytes: the state's tag (u32), deactivation slot, last extended
    // slot, its start index, the authority (an option) and padding, then zeros.
    let mut data = vec![0u8; 56];
    data[..4].copy_from_slice(&1u32.to_le_bytes()); // ProgramState::LookupTable
    data[4..12].copy_from_slice(&u64::MAX.to_le_bytes()); // never deactivated
    data[20] = addresses.len() as u8; // every address extended before slot 0's start index
                                      // data[21] = 0: no authority (frozen).
    for a in addresses {
        data.extend_from_slice(a.as_ref());
    }
    rent_exempt(data, LOOKUP_TABLE_PROGRAM_ID)
}
