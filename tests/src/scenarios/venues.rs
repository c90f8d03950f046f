//! Venues (`venue_add`, `account_set_venue`, `venue_fill`) through the example RFQ venue
//! (`programs/rfq_venue`, built from the committed IDL): the group's approval waits out the
//! timelock and its removal does not; a fill needs both accounts' approval and each side's owner
//! or delegate; it is booked under `trade_execute`'s rules, with the venue's fee capped, and
//! only shrinks positions while venue fills are paused. `World::send` checks conservation after
//! every transaction, the venue's fee account included.

use cross_margin::engine::governance::pause::VENUE_FILLS;
use cross_margin::engine::params::ParamChange;
use cross_margin::engine::trade::{Instrument, TradeArgs};
use cross_margin::engine::venue::{FeePayer, VenueTerms};
use cross_margin::error::XmError;
use cross_margin::events::{Traded, VenueAdded, VenueFilled};
use cross_margin::state::Venue;
use xmargin_client::accounts::decode;
use xmargin_client::admin::{self, Pending};
use xmargin_client::chain::{TxFailure, TxReport};
use xmargin_client::rfq::{self, Party, QuoteTerms, PROGRAM_ID};
use xmargin_client::rfq_venue::error::RfqError;
use xmargin_client::rfq_venue::state::Side;
use xmargin_client::venue::{self, VenueFee, VenueSide};
use xmargin_client::{pda, Keypair, Pubkey, Signer};

use super::governance::{listed_sol, pending, queue, set, DAY};
use super::perps::{funded, per_contract, SOL_PERP};
use crate::world::{keypair, Trader, World, E8, USDC};
use crate::{events, expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "venue_approval_waits_out_timelock", run: approval_waits_out_timelock },
    Scenario { name: "venue_fill_books_both_sides", run: fill_books_both_sides },
    Scenario { name: "venue_fill_refusals", run: fill_refusals },
    Scenario { name: "venue_fill_paused_only_shrinks", run: paused_only_shrinks },
    Scenario { name: "venue_fee_never_from_below_init_or_delegate", run: fee_limits },
    Scenario { name: "venue_rfq_quote_is_what_the_maker_posted", run: quote_is_what_was_posted },
];

/// The RFQ venue's taker fee and the group's cap on it, basis points.
pub const TAKER_FEE_BPS: u16 = 10;
pub const FEE_CAP_BPS: u16 = 20;

/// A group (a day's timelock) with SOL and its perpetual listed, the RFQ venue registered with
/// `fees` as its fee account, and the venue's config.
pub struct RfqMarket {
    pub sol: u16,
    pub fees: Trader,
}

/// The group's approval of the RFQ venue at `max_fee_bps`.
pub fn approval(approved: bool, max_fee_bps: u16) -> ParamChange {
    ParamChange::Venue(VenueTerms { program: PROGRAM_ID, approved, max_fee_bps })
}

/// Registers the RFQ venue (unapproved) and its config.
pub fn registered(w: &mut World) -> RfqMarket {
    let sol = listed_sol(w);
    w.list_perp(sol, SOL_PERP);
    let fees = w.new_trader("venue-fees");
    let add =
        venue::venue_add(&w.admin.pubkey(), &w.group, &PROGRAM_ID, &fees.account, FEE_CAP_BPS);
    let report = expect::ok(w.as_admin(add));
    if w.sees_program_output() {
        let e: VenueAdded = events::single(&report);
        assert_eq!((e.program, e.fee_account, e.max_fee_bps), (PROGRAM_ID, fees.account, 20));
        assert_eq!(e.authority, pda::venue_authority(&w.group, &PROGRAM_ID));
    }
    let config = rfq::config_init(&operator().pubkey(), &w.group, TAKER_FEE_BPS);
    expect::ok(w.send_as("rfq-operator", config));
    RfqMarket { sol, fees }
}

/// Queues the group's approval, waits out the group's timelock and applies it.
pub fn approve_venue(w: &mut World) {
    let group = w.group_state();
    let seq = group.change_seq;
    expect::ok(queue(w, None, approval(true, FEE_CAP_BPS)));
    let now = w.now();
    w.set_time(now + i64::from(group.risk_timelock_secs));
    let sol_price = w.markets[1].price_account;
    let _ = sol_price;
    expect::ok(apply_queued(w, seq));
}

/// [`registered`] and [`approve_venue`], with the oracle moved on to the new time.
pub fn approved(w: &mut World) -> RfqMarket {
    let m = registered(w);
    approve_venue(w);
    w.set_price(m.sol, 150 * E8, 0);
    m
}

fn operator() -> Keypair {
    keypair("rfq-operator")
}

fn venue_state(w: &mut World) -> Venue {
    let data = w.chain.account(&pda::venue(&w.group, &PROGRAM_ID)).expect("venue").data;
    decode(&data).expect("venue account")
}

/// Applies queued change `seq` through the client's `params_apply_pending` (a keeper's call).
fn apply_queued(w: &mut World, seq: u64) -> Result<TxReport, TxFailure> {
    let p: Pending = pending(w, seq).expect("queued change");
    let ix = admin::params_apply_pending(&w.group, &p);
    w.send_as_keeper(ix)
}

/// `trader`'s owner approves (or revokes) the RFQ venue.
pub fn set_approval(w: &mut World, trader: &Trader, approved: bool) -> Result<TxReport, TxFailure> {
    let ix = venue::account_set_venue(
        &trader.wallet.pubkey(),
        &trader.account,
        &w.group,
        &PROGRAM_ID,
        approved,
    );
    w.send(&[ix], &trader.wallet, &[])
}

/// An ask of `quantity` SOL perpetuals at `dollars` each, good for an hour.
pub fn ask(w: &mut World, sol: u16, quote_id: u64, quantity: i64, dollars: i64) -> QuoteTerms {
    QuoteTerms {
        operator: operator().pubkey(),
        quote_id,
        underlying: sol,
        instrument: Instrument::Perp,
        side: Side::Ask,
        quantity,
        price: per_contract(dollars),
        expiry_ts: w.now() + 3_600,
    }
}

/// `signer` posts `terms` for `maker`'s account.
pub fn post(
    w: &mut World,
    signer: &Keypair,
    maker: &Trader,
    terms: QuoteTerms,
) -> Result<TxReport, TxFailure> {
    let ix = rfq::quote_post(&signer.pubkey(), &w.group, &maker.account, terms);
    w.send(&[ix], signer, &[])
}

/// `taker` fills `quantity` of `maker`'s quote (posted by `poster`).
pub fn fill(
    w: &mut World,
    poster: &Pubkey,
    maker: &Trader,
    taker: &Trader,
    terms: &QuoteTerms,
    quantity: i64,
    fee_account: &Pubkey,
) -> Result<TxReport, TxFailure> {
    let (m, t) = (w.margin(&maker.account), w.margin(&taker.account));
    let markets = &w.markets;
    let ix = rfq::quote_fill(
        &taker.wallet.pubkey(),
        poster,
        Party { key: maker.account, account: &m },
        Party { key: taker.account, account: &t },
        terms,
        quantity,
        fee_account,
        |i| markets[i as usize].price_account,
    );
    w.send(&[ix], &taker.wallet, &[])
}

/// A funded key that `owner`'s account takes as its delegate.
fn new_delegate(w: &mut World, owner: &Trader) -> Keypair {
    let delegate = Keypair::new();
    w.chain.airdrop(&delegate.pubkey(), 1_000_000_000);
    let ix = xmargin_client::ix::account_set_delegate(
        &owner.wallet.pubkey(),
        &owner.account,
        &delegate.pubkey(),
    );
    expect::ok(w.send(&[ix], &owner.wallet, &[]));
    delegate
}

/// A maker and a taker with 10,000 USDC each, both approving the venue.
fn pair(w: &mut World) -> (Trader, Trader) {
    let (maker, taker) = (funded(w, "maker", 10_000), funded(w, "taker", 10_000));
    expect::ok(set_approval(w, &maker, true));
    expect::ok(set_approval(w, &taker, true));
    (maker, taker)
}

fn position(w: &mut World, t: &Trader, index: u16) -> i64 {
    let a = w.margin(&t.account);
    a.perps.iter().find(|p| p.underlying == index).map_or(0, |p| p.base)
}

fn approval_waits_out_timelock(w: &mut World) {
    // Only the admin registers venues, within the fee cap's range.
    let sol = listed_sol(w);
    w.list_perp(sol, SOL_PERP);
    let fees = w.new_trader("venue-fees");
    let mallory = w.new_trader("mallory");
    let bad = venue::venue_add(&mallory.wallet.pubkey(), &w.group, &PROGRAM_ID, &fees.account, 20);
    expect::xm_error(w.send(&[bad], &mallory.wallet, &[]), XmError::NotGroupAdmin);
    let admin_key = w.admin.pubkey();
    let too_high = venue::venue_add(&admin_key, &w.group, &PROGRAM_ID, &fees.account, 101);
    expect::xm_error(w.as_admin(too_high), XmError::InvalidVenueParams);
    let add = venue::venue_add(&admin_key, &w.group, &PROGRAM_ID, &fees.account, FEE_CAP_BPS);
    expect::ok(w.as_admin(add));
    expect::ok(w.send_as("rfq-operator", rfq::config_init(&operator().pubkey(), &w.group, 10)));
    let v = venue_state(w);
    assert_eq!((v.approved, v.max_fee_bps, v.fee_account), (0, FEE_CAP_BPS, fees.account));

    // Registered but not approved: no fill.
    let (maker, taker) = pair(w);
    let terms = ask(w, sol, 1, 2, 150);
    expect::ok(post(w, &maker.wallet.insecure_clone(), &maker, terms));
    let refused = fill(w, &maker.wallet.pubkey(), &maker, &taker, &terms, 1, &fees.account);
    expect::xm_error(refused, XmError::VenueNotApproved);

    // Approving is riskier: not at once, and not before the timelock.
    expect::xm_error(set(w, None, approval(true, FEE_CAP_BPS)), XmError::ChangeNeedsTimelock);
    let seq = w.group_state().change_seq;
    expect::ok(queue(w, None, approval(true, FEE_CAP_BPS)));
    expect::xm_error(apply_queued(w, seq), XmError::ChangeNotDue);
    let now = w.now();
    w.set_time(now + i64::from(DAY));
    w.set_price(sol, 150 * E8, 0);
    expect::ok(apply_queued(w, seq));
    assert_eq!(venue_state(w).approved, 1);
    let terms = ask(w, sol, 2, 2, 150);
    expect::ok(post(w, &maker.wallet.insecure_clone(), &maker, terms));
    expect::ok(fill(w, &maker.wallet.pubkey(), &maker, &taker, &terms, 1, &fees.account));

    // A higher fee cap is riskier; a lower one, and removing the venue, apply at once.
    expect::xm_error(set(w, None, approval(true, 30)), XmError::ChangeNeedsTimelock);
    expect::ok(set(w, None, approval(true, 15)));
    assert_eq!(venue_state(w).max_fee_bps, 15);
    expect::ok(set(w, None, approval(false, 15)));
    let refused = fill(w, &maker.wallet.pubkey(), &maker, &taker, &terms, 1, &fees.account);
    expect::xm_error(refused, XmError::VenueNotApproved);
    // The change names its venue: another program's venue is another target.
    let other = ParamChange::Venue(VenueTerms {
        program: Pubkey::new_unique(),
        approved: false,
        max_fee_bps: 0,
    });
    let ix = admin::params_set(&admin_key, &w.group, None, other);
    expect::anchor_error(w.as_admin(ix), anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram);
}

fn fill_books_both_sides(w: &mut World) {
    let m = approved(w);
    let (maker, taker) = pair(w);
    let terms = ask(w, m.sol, 7, 10, 150);
    let maker_wallet = maker.wallet.insecure_clone();
    expect::ok(post(w, &maker_wallet, &maker, terms));
    let before = (w.unsettled(&taker.account, m.sol), w.unsettled(&m.fees.account, m.sol));

    // Part, then the rest: the taker buys 10 SOL perpetuals from the maker at $150.
    let report =
        expect::ok(fill(w, &maker_wallet.pubkey(), &maker, &taker, &terms, 4, &m.fees.account));
    assert_eq!((position(w, &taker, m.sol), position(w, &maker, m.sol)), (4, -4));
    let price = per_contract(150);
    // The venue's fee: 10 bps of the cash notional, paid by the taker into the fee account.
    let venue_fee = 4 * price * i64::from(TAKER_FEE_BPS) / 10_000;
    let group_fee = (4 * price * i64::from(SOL_PERP.fee_bps) + 9_999) / 10_000;
    assert_eq!(w.unsettled(&m.fees.account, m.sol) - before.1, venue_fee);
    assert_eq!(w.unsettled(&taker.account, m.sol) - before.0, -4 * price - group_fee - venue_fee);
    if w.sees_program_output() {
        let t: Traded = events::single(&report);
        assert_eq!(
            (t.buyer, t.seller, t.quantity, t.price),
            (taker.account, maker.account, 4, price)
        );
        assert!(!t.buyer_delegated && !t.seller_delegated);
        let v: VenueFilled = events::single(&report);
        assert_eq!(
            (v.venue_fee, v.fee_payer, v.fee_account),
            (venue_fee as u64, FeePayer::Buyer, m.fees.account)
        );
        assert_eq!(
            (v.buyer_authority, v.seller_authority),
            (taker.wallet.pubkey(), maker_wallet.pubkey())
        );
    }
    expect::ok(fill(w, &maker_wallet.pubkey(), &maker, &taker, &terms, 6, &m.fees.account));
    assert_eq!((position(w, &taker, m.sol), position(w, &maker, m.sol)), (10, -10));

    // Filled: the quote is closed and a replay finds nothing.
    assert!(w.chain.account(&rfq::quote(&maker.account, &maker_wallet.pubkey(), 7)).is_none());
    let replay = fill(w, &maker_wallet.pubkey(), &maker, &taker, &terms, 1, &m.fees.account);
    expect::anchor_error(replay, anchor_lang::error::ErrorCode::AccountNotInitialized);
    // More than is left of a live quote is refused.
    let terms = ask(w, m.sol, 8, 2, 150);
    expect::ok(post(w, &maker_wallet, &maker, terms));
    let big = fill(w, &maker_wallet.pubkey(), &maker, &taker, &terms, 3, &m.fees.account);
    expect::rfq_error(big, RfqError::FillTooLarge);
    // A delegate may post for the maker: its side then trades at value or better (here the
    // oracle price: at value for both).
    let delegate = new_delegate(w, &maker);
    let terms = ask(w, m.sol, 9, 1, 150);
    expect::ok(post(w, &delegate, &maker, terms));
    let report =
        expect::ok(fill(w, &delegate.pubkey(), &maker, &taker, &terms, 1, &m.fees.account));
    if w.sees_program_output() {
        assert!(events::single::<Traded>(&report).seller_delegated);
    }
    // Above its value the delegate-signed side is refused, as in trade_execute.
    let terms = ask(w, m.sol, 10, 1, 149);
    expect::ok(post(w, &delegate, &maker, terms));
    let cheap = fill(w, &delegate.pubkey(), &maker, &taker, &terms, 1, &m.fees.account);
    expect::xm_error(cheap, XmError::DelegatePriceWorseThanValue);
}

fn fill_refusals(w: &mut World) {
    let m = approved(w);
    let (maker, taker) = pair(w);
    let maker_wallet = maker.wallet.insecure_clone();
    let fees = m.fees.account;

    // An account that never approved the venue, or revoked it.
    let stranger = funded(w, "stranger", 10_000);
    let terms = ask(w, m.sol, 1, 1, 150);
    expect::ok(post(w, &maker_wallet, &maker, terms));
    let refused = fill(w, &maker_wallet.pubkey(), &maker, &stranger, &terms, 1, &fees);
    expect::xm_error(refused, XmError::VenueNotApprovedByAccount);
    expect::ok(set_approval(w, &taker, false));
    let refused = fill(w, &maker_wallet.pubkey(), &maker, &taker, &terms, 1, &fees);
    expect::xm_error(refused, XmError::VenueNotApprovedByAccount);
    expect::ok(set_approval(w, &taker, true));

    // Only the owner approves: not the delegate.
    let delegate = new_delegate(w, &stranger);
    let ix = venue::account_set_venue(
        &delegate.pubkey(),
        &stranger.account,
        &w.group,
        &PROGRAM_ID,
        true,
    );
    expect::xm_error(w.send(&[ix], &delegate, &[]), XmError::NotAccountOwner);

    // Mallory quotes for a victim's account that approved the venue: the venue vouches for
    // Mallory's key, which is neither the victim's owner nor its delegate.
    let mallory = w.new_trader("mallory");
    let forged = ask(w, m.sol, 2, 1, 150);
    expect::ok(post(w, &mallory.wallet, &maker, forged));
    let refused = fill(w, &mallory.wallet.pubkey(), &maker, &taker, &forged, 1, &fees);
    expect::xm_error(refused, XmError::NotOwnerOrDelegate);

    // An expired quote.
    let stale = QuoteTerms { expiry_ts: w.now() + 10, ..ask(w, m.sol, 3, 1, 150) };
    expect::ok(post(w, &maker_wallet, &maker, stale));
    let now = w.now();
    w.set_time(now + 11);
    w.set_price(m.sol, 150 * E8, 0);
    let refused = fill(w, &maker_wallet.pubkey(), &maker, &taker, &stale, 1, &fees);
    expect::rfq_error(refused, RfqError::QuoteExpired);

    // A fill the taker cannot carry: 1,000 SOL perpetuals on 10,000 USDC.
    let huge = ask(w, m.sol, 4, 1_000, 150);
    expect::ok(post(w, &maker_wallet, &maker, huge));
    let refused = fill(w, &maker_wallet.pubkey(), &maker, &taker, &huge, 1_000, &fees);
    expect::xm_error(refused, XmError::InitHealthNegative);

    // The venue's fee above the group's cap.
    expect::ok(set(w, None, approval(true, TAKER_FEE_BPS - 1)));
    let refused = fill(w, &maker_wallet.pubkey(), &maker, &taker, &huge, 1, &fees);
    expect::xm_error(refused, XmError::VenueFeeTooHigh);
    expect::ok(set(w, None, approval(true, 0)));

    // The venue's fee account cannot be a side, nor another account.
    let refused = fill(w, &maker_wallet.pubkey(), &maker, &taker, &huge, 1, &taker.account);
    expect::xm_error(refused, XmError::VenueFeeAccountMismatch);

    // Only the venue's PDA signs venue_fill: a keypair passed as the authority is refused.
    let (ma, ta) = (w.margin(&maker.account), w.margin(&taker.account));
    let markets = &w.markets;
    let mut direct = venue::venue_fill(
        &PROGRAM_ID,
        VenueSide { key: taker.account, account: &ta, authority: taker.wallet.pubkey() },
        VenueSide { key: maker.account, account: &ma, authority: maker_wallet.pubkey() },
        m.sol,
        TradeArgs { instrument: Instrument::Perp, quantity: 1, price: per_contract(150) },
        VenueFee { amount: 0, payer: FeePayer::Buyer, account: fees },
        |i| markets[i as usize].price_account,
    );
    direct.accounts[2].pubkey = mallory.wallet.pubkey();
    let mallory_wallet = mallory.wallet.insecure_clone();
    expect::xm_error(w.send(&[direct], &mallory_wallet, &[]), XmError::VenueAuthorityMismatch);
}

fn paused_only_shrinks(w: &mut World) {
    let m = approved(w);
    let (maker, taker) = pair(w);
    let maker_wallet = maker.wallet.insecure_clone();
    let terms = ask(w, m.sol, 1, 3, 150);
    expect::ok(post(w, &maker_wallet, &maker, terms));
    expect::ok(fill(w, &maker_wallet.pubkey(), &maker, &taker, &terms, 2, &m.fees.account));
    let pause = admin::group_set_pause(&w.admin.pubkey(), &w.group, VENUE_FILLS);
    expect::ok(w.as_admin(pause));
    // Opening more through the venue is refused; the bilateral path is not paused.
    let refused = fill(w, &maker_wallet.pubkey(), &maker, &taker, &terms, 1, &m.fees.account);
    expect::xm_error(refused, XmError::ReduceOnly);
    expect::ok(w.perp_trade(&taker, &maker, m.sol, 1, per_contract(150)));
    // Shrinking both sides through the venue still goes: the taker sells back to the maker.
    let bid = QuoteTerms { side: Side::Bid, ..ask(w, m.sol, 2, 2, 150) };
    expect::ok(post(w, &maker_wallet, &maker, bid));
    expect::ok(fill(w, &maker_wallet.pubkey(), &maker, &taker, &bid, 2, &m.fees.account));
    assert_eq!((position(w, &taker, m.sol), position(w, &maker, m.sol)), (1, -1));
    let _ = USDC;
}

/// The venue's fee is refused from a side its delegate authorized, and from a side that ends
/// below init (the health rule's second branch allows the group's fee only).
fn fee_limits(w: &mut World) {
    let m = approved(w);
    let (maker, taker) = pair(w);
    let maker_wallet = maker.wallet.insecure_clone();
    // The taker's delegate takes a quote: it would pay the venue's fee.
    let delegate = new_delegate(w, &taker);
    let terms = ask(w, m.sol, 1, 1, 150);
    expect::ok(post(w, &maker_wallet, &maker, terms));
    let as_delegate = Trader { label: "taker".into(), wallet: delegate, account: taker.account };
    let refused = fill(w, &maker_wallet.pubkey(), &maker, &as_delegate, &terms, 1, &m.fees.account);
    expect::xm_error(refused, XmError::VenueFeeFromDelegatedSide);

    // The taker, long 200 SOL perpetuals, falls below init as SOL falls; selling one back at
    // the oracle price reduces its risk at value, which the rule accepts, but not with a fee.
    let terms = ask(w, m.sol, 2, 200, 150);
    expect::ok(post(w, &maker_wallet, &maker, terms));
    expect::ok(fill(w, &maker_wallet.pubkey(), &maker, &taker, &terms, 200, &m.fees.account));
    let mut dollars = 150;
    while w.account_health(&taker.account).unwrap().init_health >= 0 && dollars > 100 {
        dollars -= 1;
        w.set_price(m.sol, dollars * E8, 0);
    }
    let h = w.account_health(&taker.account).unwrap();
    assert!(h.init_health < 0 && h.maint_health > 0, "{h:?}");
    let bid = QuoteTerms { side: Side::Bid, ..ask(w, m.sol, 3, 1, dollars) };
    expect::ok(post(w, &maker_wallet, &maker, bid));
    let refused = fill(w, &maker_wallet.pubkey(), &maker, &taker, &bid, 1, &m.fees.account);
    expect::xm_error(refused, XmError::VenueFeeBelowInit);
    // Without the venue's fee the clearing layer would take it; this venue still refuses
    // takers that end below init (its own policy, by `health_check`).
    let operator = operator();
    expect::ok(w.send(&[rfq::config_set_fee(&operator.pubkey(), &w.group, 0)], &operator, &[]));
    let refused = fill(w, &maker_wallet.pubkey(), &maker, &taker, &bid, 1, &m.fees.account);
    expect::xm_error(refused, XmError::HealthBelowThreshold);
}

/// A fill is on the underlying and the series slot the maker quoted, and only the quote's
/// signer or the maker account's owner can cancel it.
fn quote_is_what_was_posted(w: &mut World) {
    let m = approved(w);
    let (maker, taker) = pair(w);
    let maker_wallet = maker.wallet.insecure_clone();
    let terms = ask(w, m.sol, 1, 2, 150);
    expect::ok(post(w, &maker_wallet, &maker, terms));
    // The taker names another underlying of the group (the quote asset's): refused.
    let elsewhere = QuoteTerms { underlying: 0, ..terms };
    let refused = fill(w, &maker_wallet.pubkey(), &maker, &taker, &elsewhere, 1, &m.fees.account);
    expect::rfq_error(refused, RfqError::WrongUnderlying);
    // Quotes are addressed by their signer too: the same id under another signer is another
    // quote, so nobody can take a maker's addresses first.
    let mallory = w.new_trader("mallory");
    expect::ok(post(w, &mallory.wallet, &maker, terms));
    // A stranger cannot cancel; the maker account's owner can cancel a quote its delegate
    // posted.
    let cancel =
        rfq::quote_cancel(&taker.wallet.pubkey(), &maker_wallet.pubkey(), &maker.account, 1);
    expect::rfq_error(w.send(&[cancel], &taker.wallet, &[]), RfqError::NotQuoteOwner);
    let delegate = new_delegate(w, &maker);
    let by_delegate = ask(w, m.sol, 2, 1, 150);
    expect::ok(post(w, &delegate, &maker, by_delegate));
    let cancel = rfq::quote_cancel(&maker_wallet.pubkey(), &delegate.pubkey(), &maker.account, 2);
    expect::ok(w.send(&[cancel], &maker_wallet, &[]));
    assert!(w.chain.account(&rfq::quote(&maker.account, &delegate.pubkey(), 2)).is_none());
}
