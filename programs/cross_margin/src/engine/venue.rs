//! Venues: programs that book fills into margin accounts by CPI (`venue_fill`).
//!
//! A fill booked by a venue is a trade like `trade_execute`'s, through the same
//! `engine::trade::execute` and the same health rule for each side; what differs is who vouches
//! for the sides. `trade_execute` needs each side's owner or delegate to sign the transaction; a
//! venue fill needs:
//! - the venue approved by the group (`Venue::approved`, set through the timelock) and signed by
//!   its authority, the venue program's PDA `[VENUE_AUTHORITY_SEED, group]`;
//! - each account's owner to have approved the venue ([`approve`]; only the owner, never the
//!   delegate: a delegate that could approve a venue it controls could trade the account at any
//!   price in the band);
//! - the key the venue names for each side to be that account's owner or delegate: the venue
//!   checked that key's signature (the maker's when it posted its quote, the taker's now). A
//!   side the delegate authorized trades under the delegate rule (at value or better), as in
//!   `trade_execute`.
//!
//! The venue's own fee ([`check_fee`], [`charge`]) is at most `max_fee_bps` of the fill's cash
//! notional (`quantity * price`: what the venue sees), paid by the side the venue names from its
//! unsettled quote on the traded underlying to the venue's fee account's, so the market's quote
//! stays zero-sum. It counts against the payer's health like any loss, and is refused
//! (`fill::book`) from a side that ends below init (the health rule's second branch allows only
//! the group's fee: a venue's would be value out of an account that may already owe more than it
//! holds) and from a side its delegate authorized (a delegate trades at value or better).
//!
//! The fee account takes a market slot on each underlying it earns fees on, within the
//! account's 12 underlyings: settling its P&L (`perp_settle_pnl`, permissionless) frees them. A
//! venue on more than 12 underlyings must keep its fee account settled (a per-venue fee
//! accumulator is future work).
//!
//! While trading or venue fills are paused, or the underlying is reduce-only, a venue fill must
//! shrink both sides (`engine::governance::fill_reduce_only`).

use anchor_lang::prelude::*;

use crate::engine::perp;
use crate::error::XmError;
use crate::state::{MarginAccount, Underlying, Venue, MAX_ACCOUNT_VENUES, MAX_VENUE_FEE_BPS};

/// Which side pays the venue's fee.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeePayer {
    Buyer,
    Seller,
}

impl FeePayer {
    /// The side's index in `[buyer, seller]`.
    pub fn side(self) -> usize {
        match self {
            FeePayer::Buyer => 0,
            FeePayer::Seller => 1,
        }
    }
}

/// The venue's terms that governance changes (`ParamChange::Venue`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct VenueTerms {
    /// The venue program (names the venue account, `["venue", group, program]`).
    pub program: Pubkey,
    /// Whether the group approves its fills (approving is riskier, removing safer).
    pub approved: bool,
    /// Most it may charge a side per fill, basis points of the notional (`<= MAX_VENUE_FEE_BPS`;
    /// lower is safer).
    pub max_fee_bps: u16,
}

impl VenueTerms {
    /// The terms in effect.
    pub fn current(venue: &Venue) -> VenueTerms {
        VenueTerms {
            program: venue.program,
            approved: venue.is_approved(),
            max_fee_bps: venue.max_fee_bps,
        }
    }

    /// Checks the fee cap.
    pub fn validate(&self) -> Result<()> {
        require!(self.max_fee_bps <= MAX_VENUE_FEE_BPS, XmError::InvalidVenueParams);
        Ok(())
    }

    /// Writes the terms into `venue` (its program must be `program`).
    pub fn write(&self, venue: &mut Venue) -> Result<()> {
        require_keys_eq!(self.program, venue.program, XmError::ChangeTargetMismatch);
        self.validate()?;
        venue.approved = u8::from(self.approved);
        venue.max_fee_bps = self.max_fee_bps;
        Ok(())
    }
}

/// Records that the owner of `account` approves the venue account `venue`; idempotent.
pub fn approve(account: &mut MarginAccount, venue: &Pubkey) -> Result<()> {
    if account.approves_venue(venue) {
        return Ok(());
    }
    let free = account.venues.iter_mut().find(|v| **v == Pubkey::default());
    let Some(slot) = free else {
        xm_msg!("an account approves at most {} venues: revoke one first", MAX_ACCOUNT_VENUES);
        return err!(XmError::VenueSlotsFull);
    };
    *slot = *venue;
    Ok(())
}

/// Withdraws the approval of `venue`, if any.
pub fn revoke(account: &mut MarginAccount, venue: &Pubkey) {
    for slot in account.venues.iter_mut().filter(|v| **v == *venue) {
        *slot = Pubkey::default();
    }
}

/// Checks that `account` may be booked into by `venue` (account `venue_key`) on the word of
/// `authority`: the owner approved the venue and `authority` is its owner or delegate. Returns
/// whether it is the delegate (the delegate rule then applies).
pub fn check_side(account: &MarginAccount, venue_key: &Pubkey, authority: &Pubkey) -> Result<bool> {
    if !account.approves_venue(venue_key) {
        return err!(XmError::VenueNotApprovedByAccount);
    }
    require!(account.is_owner_or_delegate(authority), XmError::NotOwnerOrDelegate);
    Ok(account.owner != *authority)
}

/// Checks a venue fee of `fee` qn on a fill of `quantity` contracts at `price` qn each: at most
/// `max_fee_bps` of the cash notional `quantity * price`, rounded down.
pub fn check_fee(venue: &Venue, fee: u64, quantity: i64, price: i64) -> Result<()> {
    // |quantity| < 2^63, |price| < 2^63, bps < 2^16: the product fits.
    let notional = u128::from(quantity.unsigned_abs()) * u128::from(price.unsigned_abs());
    let cap = notional * u128::from(venue.max_fee_bps) / 10_000;
    if u128::from(fee) > cap {
        xm_msg!(
            "venue fee {} above its cap {} ({} bps of {})",
            fee,
            cap,
            venue.max_fee_bps,
            notional
        );
        return err!(XmError::VenueFeeTooHigh);
    }
    Ok(())
}

/// Moves the venue's fee from `payer`'s unsettled quote on `u` to `recipient`'s (the venue's fee
/// account): the market's quote stays zero-sum.
pub fn charge(
    u: &Underlying,
    payer: &mut MarginAccount,
    recipient: &mut MarginAccount,
    fee: u64,
) -> Result<()> {
    if fee == 0 {
        return Ok(());
    }
    let fee = i64::try_from(fee).map_err(|_| error!(XmError::MathOverflow))?;
    perp::pay(payer, u.index, &u.perp, -fee)?;
    perp::pay(recipient, u.index, &u.perp, fee)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Box<MarginAccount> {
        let mut a: Box<MarginAccount> = bytemuck::allocation::zeroed_box();
        a.clear_slots();
        a.owner = Pubkey::new_unique();
        a
    }

    #[test]
    fn approvals_fill_free_slots_and_revoking_frees_them() {
        let mut a = account();
        let venues: Vec<Pubkey> = (0..=MAX_ACCOUNT_VENUES).map(|_| Pubkey::new_unique()).collect();
        for v in &venues[..MAX_ACCOUNT_VENUES] {
            approve(&mut a, v).unwrap();
            approve(&mut a, v).unwrap();
        }
        assert_eq!(approve(&mut a, &venues[MAX_ACCOUNT_VENUES]), err!(XmError::VenueSlotsFull));
        revoke(&mut a, &venues[1]);
        assert!(!a.approves_venue(&venues[1]) && a.approves_venue(&venues[2]));
        approve(&mut a, &venues[MAX_ACCOUNT_VENUES]).unwrap();
        assert!(a.approves_venue(&venues[MAX_ACCOUNT_VENUES]));
        // The free-slot marker is never an approval.
        assert!(!a.approves_venue(&Pubkey::default()));
    }

    #[test]
    fn a_side_needs_the_approval_and_its_owner_or_delegate() {
        let mut a = account();
        let (venue, delegate, stranger) =
            (Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique());
        let owner = a.owner;
        assert_eq!(check_side(&a, &venue, &owner), err!(XmError::VenueNotApprovedByAccount));
        approve(&mut a, &venue).unwrap();
        assert_eq!(check_side(&a, &venue, &owner), Ok(false));
        assert_eq!(check_side(&a, &venue, &delegate), err!(XmError::NotOwnerOrDelegate));
        a.delegate = delegate;
        assert_eq!(check_side(&a, &venue, &delegate), Ok(true));
        assert_eq!(check_side(&a, &venue, &stranger), err!(XmError::NotOwnerOrDelegate));
        revoke(&mut a, &venue);
        assert_eq!(check_side(&a, &venue, &owner), err!(XmError::VenueNotApprovedByAccount));
    }

    #[test]
    fn the_fee_cap_is_a_share_of_the_notional_rounded_down() {
        let mut venue: Venue = bytemuck::Zeroable::zeroed();
        venue.max_fee_bps = 10;
        // 3 contracts of 1,999 qn: notional 5,997, cap 5.997 -> 5.
        assert!(check_fee(&venue, 5, 3, 1_999).is_ok());
        assert_eq!(check_fee(&venue, 6, 3, 1_999), err!(XmError::VenueFeeTooHigh));
        venue.max_fee_bps = 0;
        assert!(check_fee(&venue, 0, 3, 1_999).is_ok());
        assert_eq!(check_fee(&venue, 1, 3, 1_999), err!(XmError::VenueFeeTooHigh));
        assert!(VenueTerms { program: Pubkey::default(), approved: true, max_fee_bps: 101 }
            .validate()
            .is_err());
    }
}
