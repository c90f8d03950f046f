//! Parameter changes after listing (`params_set`, `params_queue`, `params_apply`,
//! `params_cancel`): a change that raises no risk applies at once, a riskier one only through its
//! own queued account after the timelock, and every attempt to get around the delay fails. Every
//! parameter set goes through the client's `admin::propose`, which judges it with the program's
//! rules.

use cross_margin::engine::governance::pause::WITHDRAWALS;
use cross_margin::engine::lending::QuotePoolParams;
use cross_margin::engine::liquidation::LiquidationParams;
use cross_margin::engine::options::ChainTerms;
use cross_margin::engine::params::{CollateralTerms, Direction, OracleBounds, ParamChange};
use cross_margin::engine::perp::PerpTerms;
use cross_margin::error::XmError;
use cross_margin::events::{ParamsChanged, ParamsQueued};
use cross_margin::state::{PendingChange, RiskParams, APPLY_WINDOW_SECS};
use xmargin_client::accounts::decode;
use xmargin_client::admin::{self, Pending};
use xmargin_client::chain::{TxFailure, TxReport};
use xmargin_client::{pda, Pubkey, Signer};
use xmargin_risk::Fixed;

use super::option_trades::live_sol_chain;
use super::perps::SOL_PERP;
use super::setup::SOL;
use crate::world::{AssetSpec, World, E8};
use crate::{events, expect, Scenario};

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "params_safe_change_applies_at_once", run: safe_change_applies_at_once },
    Scenario { name: "params_riskier_change_waits_out_timelock", run: riskier_change_waits },
    Scenario { name: "params_timelock_bypass_attempts", run: bypass_attempts },
    Scenario { name: "params_every_parameter_set", run: every_parameter_set },
    Scenario { name: "params_keeper_applies_due_changes", run: keeper_applies_due_changes },
];

pub const DAY: u32 = 86_400;

/// A group with a day's timelock and SOL listed at 20% / 10% (its listing's timelock passed).
pub fn listed_sol(w: &mut World) -> u16 {
    w.create_group(DAY);
    let sol = w.add_asset(AssetSpec::new("SOL", 9, 150 * E8));
    let later = w.now() + i64::from(DAY);
    w.set_time(later);
    w.set_price(sol, 150 * E8, 0);
    sol
}

pub fn collateral(init: u16, maint: u16, cap: u64) -> ParamChange {
    ParamChange::Collateral(CollateralTerms {
        init_haircut_bps: init,
        maint_haircut_bps: maint,
        deposit_cap: cap,
    })
}

pub fn set(w: &mut World, index: Option<u16>, change: ParamChange) -> Result<TxReport, TxFailure> {
    let ix = admin::params_set(&w.admin.pubkey(), &w.group, index, change);
    w.as_admin(ix)
}

pub fn queue(
    w: &mut World,
    index: Option<u16>,
    change: ParamChange,
) -> Result<TxReport, TxFailure> {
    let seq = w.group_state().change_seq;
    let ix = admin::params_queue(&w.admin.pubkey(), &w.group, index, seq, change);
    w.as_admin(ix)
}

/// Applies queued change `seq` as a keeper would (anyone may).
pub fn apply(w: &mut World, index: Option<u16>, seq: u64) -> Result<TxReport, TxFailure> {
    let ix = admin::params_apply(&w.group, index, seq, &w.admin.pubkey());
    w.send_as_keeper(ix)
}

/// The queued change `seq` as its account shows it (`None` once applied or cancelled).
pub fn pending(w: &mut World, seq: u64) -> Option<Pending> {
    let account = w.chain.account(&pda::pending_change(&w.group, seq))?;
    Some(Pending::of(&decode::<PendingChange>(&account.data).expect("pending change")).unwrap())
}

/// The values of `like`'s parameter set in effect now, read with the program's own code.
fn current(w: &mut World, index: Option<u16>, like: &ParamChange) -> ParamChange {
    let group = w.group_state();
    let underlying = index.map(|i| w.underlying(i));
    let now = w.now();
    admin::judge(like, &group, underlying.as_ref(), now).unwrap().old
}

fn safe_change_applies_at_once(w: &mut World) {
    let sol = listed_sol(w);
    let cap = w.underlying(sol).collateral.deposit_cap;
    // Higher haircuts and a lower cap: safer, so at once.
    let safer = collateral(3_000, 2_000, cap / 2);
    let report = expect::ok(set(w, Some(sol), safer));
    assert_eq!(current(w, Some(sol), &safer), safer);
    if w.sees_program_output() {
        let e: ParamsChanged = events::single(&report);
        assert_eq!((e.underlying, e.seq, e.new), (sol, None, safer));
        assert_eq!(e.old, collateral(2_000, 1_000, cap));
    }
    // Back down, or one riskier field among safer ones: refused, nothing written.
    let down = set(w, Some(sol), collateral(2_000, 1_000, cap / 2));
    expect::xm_error(down, XmError::ChangeNeedsTimelock);
    let mixed = set(w, Some(sol), collateral(4_000, 3_000, cap));
    expect::xm_error(mixed, XmError::ChangeNeedsTimelock);
    assert_eq!(current(w, Some(sol), &safer), safer);
    // The group's timelock: raising it is safer, lowering it is not.
    expect::ok(set(w, None, ParamChange::Timelock(2 * DAY)));
    expect::xm_error(set(w, None, ParamChange::Timelock(DAY)), XmError::ChangeNeedsTimelock);
    assert_eq!(w.group_state().risk_timelock_secs, 2 * DAY);
    // Only the admin.
    let mallory = w.new_trader("mallory");
    let ix = admin::params_set(&mallory.wallet.pubkey(), &w.group, Some(sol), safer);
    expect::xm_error(w.send(&[ix], &mallory.wallet, &[]), XmError::NotGroupAdmin);
}

fn riskier_change_waits(w: &mut World) {
    let sol = listed_sol(w);
    let alice = w.new_trader("alice");
    w.fund_and_deposit(&alice, sol, 10 * SOL);
    assert_eq!(w.health(&alice.account).unwrap().init, Fixed::from_int(1_200)); // 1,500 * 0.8
    let cap = w.underlying(sol).collateral.deposit_cap;
    let lower = collateral(1_000, 500, cap);
    let queued_at = w.now();
    let report = expect::ok(queue(w, Some(sol), lower));
    let due = queued_at + i64::from(DAY);
    let p = pending(w, 0).expect("queued");
    assert_eq!((p.seq, p.underlying, p.change), (0, Some(sol), lower));
    assert_eq!((p.queued_ts, p.effective_ts, p.payer), (queued_at, due, w.admin.pubkey()));
    assert_eq!(w.group_state().change_seq, 1);
    if w.sees_program_output() {
        let e: ParamsQueued = events::single(&report);
        assert_eq!((e.seq, e.effective_ts, e.new), (0, due, lower));
        assert_eq!(e.old, collateral(2_000, 1_000, cap));
    }
    // Not before it is due, by anyone.
    expect::xm_error(apply(w, Some(sol), 0), XmError::ChangeNotDue);
    w.set_time(due - 1);
    w.set_price(sol, 150 * E8, 0);
    expect::xm_error(apply(w, Some(sol), 0), XmError::ChangeNotDue);
    assert_eq!(w.health(&alice.account).unwrap().init, Fixed::from_int(1_200));
    // From then on anyone applies it; the account closes and its rent goes back to the admin.
    w.set_time(due);
    w.set_price(sol, 150 * E8, 0);
    let admin_before = w.chain.account(&w.admin.pubkey()).unwrap().lamports;
    let report = expect::ok(apply(w, Some(sol), 0));
    assert!(pending(w, 0).is_none());
    assert!(w.chain.account(&w.admin.pubkey()).unwrap().lamports > admin_before);
    assert_eq!(w.health(&alice.account).unwrap().init, Fixed::from_int(1_350)); // 1,500 * 0.9
    if w.sees_program_output() {
        let e: ParamsChanged = events::single(&report);
        assert_eq!((e.seq, e.new), (Some(0), lower));
    }
    // Applied once: a second apply finds no account.
    assert!(apply(w, Some(sol), 0).is_err());
}

fn bypass_attempts(w: &mut World) {
    let sol = listed_sol(w);
    let cap = w.underlying(sol).collateral.deposit_cap;
    let admin_key = w.admin.pubkey();
    let lower = collateral(1_000, 500, cap);

    // 1. Queue and apply in one transaction (one slot, one time): refused, nothing queued.
    let q = admin::params_queue(&admin_key, &w.group, Some(sol), 0, lower);
    let a = admin::params_apply(&w.group, Some(sol), 0, &admin_key);
    let admin = w.admin.insecure_clone();
    expect::xm_error(w.send(&[q, a], &admin, &[]), XmError::ChangeNotDue);
    assert_eq!(w.group_state().change_seq, 0);
    assert!(pending(w, 0).is_none());

    // 2. A sequence number other than the group's next: refused; the next one twice: the second
    //    finds the account taken.
    let skip = admin::params_queue(&admin_key, &w.group, Some(sol), 1, lower);
    expect::xm_error(w.as_admin(skip), XmError::ChangeSeqMismatch);
    let t0 = w.now();
    let first = collateral(1_500, 800, cap);
    expect::ok(queue(w, Some(sol), first));
    let again = admin::params_queue(&admin_key, &w.group, Some(sol), 0, lower);
    assert!(w.as_admin(again).is_err(), "its account is taken");
    assert_eq!((pending(w, 0).unwrap().change, w.group_state().change_seq), (first, 1));

    // 3. Two queued changes never combine: each is due at its own time, and each replaces the
    //    values it was queued against, so once the first applies the second is stale.
    let half = i64::from(DAY / 2);
    w.set_time(t0 + half);
    expect::ok(queue(w, Some(sol), lower));
    w.set_time(t0 + i64::from(DAY));
    w.set_price(sol, 150 * E8, 0);
    expect::ok(apply(w, Some(sol), 0));
    expect::xm_error(apply(w, Some(sol), 1), XmError::ChangeNotDue);
    assert_eq!(current(w, Some(sol), &lower), first);
    w.set_time(t0 + half + i64::from(DAY));
    w.set_price(sol, 150 * E8, 0);
    expect::xm_error(apply(w, Some(sol), 1), XmError::ChangeStale);
    expect::ok(w.as_admin(admin::params_cancel(&admin_key, &w.group, 1, &admin_key)));
    assert_eq!(current(w, Some(sol), &lower), first);

    // 4. A safe change followed by a riskier one cannot reuse the listing's schedule: ETH is
    //    listed at 100% with 20% scheduled a day later; a cap change made meanwhile drops the
    //    schedule, and a lower haircut queued then waits its own full day.
    let eth = w.add_asset(AssetSpec::new("ETH", 8, 3_000 * E8));
    let listed_at = w.now();
    let eth_cap = w.underlying(eth).collateral.deposit_cap;
    expect::ok(set(w, Some(eth), collateral(10_000, 10_000, eth_cap / 2)));
    let bob = w.new_trader("bob");
    w.set_time(listed_at + i64::from(DAY));
    w.set_price(eth, 3_000 * E8, 0);
    w.fund_and_deposit(&bob, eth, 100_000_000);
    assert_eq!(w.health(&bob.account).unwrap().init, Fixed::ZERO, "schedule dropped");
    let eth_weight = collateral(2_000, 1_000, eth_cap / 2);
    expect::xm_error(set(w, Some(eth), eth_weight), XmError::ChangeNeedsTimelock);
    let seq = w.group_state().change_seq;
    expect::ok(queue(w, Some(eth), eth_weight));
    expect::xm_error(apply(w, Some(eth), seq), XmError::ChangeNotDue);

    // 5. A queued change applies only to what it was queued for, and pays back only its payer.
    w.set_time(listed_at + 2 * i64::from(DAY));
    w.set_price(eth, 3_000 * E8, 0);
    w.set_price(sol, 150 * E8, 0);
    expect::xm_error(apply(w, Some(sol), seq), XmError::ChangeTargetMismatch);
    expect::xm_error(apply(w, None, seq), XmError::ChangeTargetMismatch);
    let keeper = w.new_trader("keeper-wallet").wallet.pubkey();
    let wrong_payer = admin::params_apply(&w.group, Some(eth), seq, &keeper);
    expect::xm_error(w.send_as_keeper(wrong_payer), XmError::InvalidPendingChange);
    expect::ok(apply(w, Some(eth), seq));
    assert_eq!(w.health(&bob.account).unwrap().init, Fixed::from_int(2_400)); // 3,000 * 0.8

    // 6. Lowering the timelock is itself queued under the old one; a change queued before it
    //    applies keeps its own (longer) time; a cancelled change can never be applied.
    let seq = w.group_state().change_seq;
    expect::ok(queue(w, None, ParamChange::Timelock(60)));
    expect::ok(queue(w, Some(sol), collateral(900, 400, cap)));
    let due = pending(w, seq + 1).unwrap().effective_ts;
    let later = w.now() + i64::from(DAY);
    w.set_time(later);
    expect::ok(apply(w, None, seq));
    assert_eq!(w.group_state().risk_timelock_secs, 60);
    assert_eq!(pending(w, seq + 1).unwrap().effective_ts, due);
    let cancel = admin::params_cancel(&admin_key, &w.group, seq + 1, &admin_key);
    expect::ok(w.as_admin(cancel));
    assert!(pending(w, seq + 1).is_none());
    assert!(apply(w, Some(sol), seq + 1).is_err());

    // 7. A queued change never undoes a later one: queued when the timelock was 60 s (a no-op
    //    then), it cannot bring the timelock back down once the admin has raised it.
    let seq = w.group_state().change_seq;
    expect::ok(queue(w, None, ParamChange::Timelock(60)));
    expect::ok(set(w, None, ParamChange::Timelock(30 * DAY)));
    let later = w.now() + 60;
    w.set_time(later);
    expect::xm_error(apply(w, None, seq), XmError::ChangeStale);
    assert_eq!(w.group_state().risk_timelock_secs, 30 * DAY);
    expect::ok(w.as_admin(admin::params_cancel(&admin_key, &w.group, seq, &admin_key)));

    // 8. The timelock only runs while users can leave: every second withdrawals are paused
    //    moves a queued change's due time on by a second.
    let seq = w.group_state().change_seq;
    let t = w.now();
    expect::ok(queue(w, Some(sol), collateral(800, 400, cap)));
    let month = i64::from(30 * DAY);
    assert_eq!(pending(w, seq).unwrap().effective_ts, t + month);
    let admin = w.admin.insecure_clone();
    w.set_time(t + month / 2);
    let pause = |w: &mut World, bits| admin::group_set_pause(&admin.pubkey(), &w.group, bits);
    let p = pause(w, WITHDRAWALS);
    expect::ok(w.as_admin(p));
    w.set_time(t + month + i64::from(DAY));
    expect::xm_error(apply(w, Some(sol), seq), XmError::ChangeNotDue);
    let p = pause(w, 0);
    expect::ok(w.as_admin(p));
    // Paused for half a month and a day: due that much later.
    let due = t + month + month / 2 + i64::from(DAY);
    w.set_time(due - 1);
    w.set_price(sol, 150 * E8, 0);
    expect::xm_error(apply(w, Some(sol), seq), XmError::ChangeNotDue);
    w.set_time(due);
    w.set_price(sol, 150 * E8, 0);
    expect::ok(apply(w, Some(sol), seq));

    // 9. A change not applied within 14 days of being due has expired; it can only be cancelled.
    let seq = w.group_state().change_seq;
    let t = w.now();
    expect::ok(queue(w, Some(sol), collateral(700, 350, cap)));
    w.set_time(t + month + APPLY_WINDOW_SECS + 1);
    w.set_price(sol, 150 * E8, 0);
    expect::xm_error(apply(w, Some(sol), seq), XmError::ChangeExpired);
    expect::ok(w.as_admin(admin::params_cancel(&admin_key, &w.group, seq, &admin_key)));
}

/// Every parameter set, each first riskier (queued by `admin::propose`, applied after the
/// timelock) then safer (applied at once), on the live SOL chain.
fn every_parameter_set(w: &mut World) {
    let m = live_sol_chain(w);
    w.list_perp(m.sol, SOL_PERP);
    expect::ok(set(w, None, ParamChange::Timelock(DAY)));
    let sol = Some(m.sol);
    let u = w.underlying(m.sol);
    let risk = *u.risk_params;
    let perp = PerpTerms::current(&u.perp);
    let chain = ChainTerms::current(&u.options);
    let pool = QuotePoolParams::current(&w.underlying(0));
    let liquidation = *w.group_state().liquidation;
    let authority = Pubkey::new_unique();
    let (cap, age, conf) = (u.collateral.deposit_cap, u.oracle.max_age_secs, u.oracle.max_conf_bps);
    let (riskier, safer) = (Direction::Riskier, Direction::Safer);
    let steps: Vec<(Option<u16>, ParamChange, Direction)> = vec![
        (sol, collateral(1_500, 800, cap), riskier),
        (sol, collateral(2_500, 1_200, cap / 2), safer),
        // Oracle bounds wait either way (a tighter one can stop liquidations).
        (
            sol,
            ParamChange::Oracle(OracleBounds { max_age_secs: age * 2, max_conf_bps: conf }),
            riskier,
        ),
        (
            sol,
            ParamChange::Oracle(OracleBounds { max_age_secs: age, max_conf_bps: conf / 2 }),
            riskier,
        ),
        (sol, ParamChange::Perp(PerpTerms { fee_bps: perp.fee_bps + 5, ..perp }), riskier),
        (
            sol,
            ParamChange::Perp(PerpTerms { max_open_interest: perp.max_open_interest / 2, ..perp }),
            safer,
        ),
        (sol, ParamChange::Chain(ChainTerms { band_bps: chain.band_bps + 100, ..chain }), riskier),
        (
            sol,
            ParamChange::Chain(ChainTerms {
                max_series_open_interest: chain.max_series_open_interest / 2,
                ..chain
            }),
            safer,
        ),
        (sol, ParamChange::VolAuthority(authority), riskier),
        (sol, ParamChange::VolAuthority(Pubkey::default()), riskier),
        // A range floor moves the scenario points: either way. A short-option minimum is a
        // charge on a fixed loss: higher is safer.
        (sol, ParamChange::Risk(RiskParams { range_floor_bps: [2_800, 1_400], ..risk }), riskier),
        (
            sol,
            ParamChange::Risk(RiskParams {
                range_floor_bps: [2_800, 1_400],
                short_option_min_bps: [200, 100],
                ..risk
            }),
            safer,
        ),
        (
            Some(0),
            ParamChange::QuotePool(QuotePoolParams { slope1_bps: pool.slope1_bps + 100, ..pool }),
            riskier,
        ),
        (Some(0), ParamChange::QuotePool(pool), safer),
        (
            Some(0),
            ParamChange::QuotePool(QuotePoolParams { max_utilization_bps: 8_000, ..pool }),
            riskier,
        ),
        (
            None,
            ParamChange::Liquidation(LiquidationParams { incentive_max_bps: 6_000, ..liquidation }),
            riskier,
        ),
        (None, ParamChange::InsuranceShare(9_000), safer),
        (None, ParamChange::InsuranceShare(1_000), riskier),
        (None, ParamChange::Timelock(2 * DAY), safer),
        (None, ParamChange::Guardian(authority), riskier),
        (None, ParamChange::Guardian(Pubkey::default()), safer),
    ];
    for (index, change, direction) in steps {
        let group = w.group_state();
        let underlying = index.map(|i| w.underlying(i));
        let now = w.now();
        let admin_key = w.admin.pubkey();
        let (p, ix) =
            admin::propose(&admin_key, &w.group, &group, underlying.as_ref(), change, now).unwrap();
        assert_eq!(p.direction, direction, "{change:?}");
        expect::ok(w.as_admin(ix));
        if direction == Direction::Riskier {
            let seq = group.change_seq;
            let due = pending(w, seq).expect("queued").effective_ts;
            w.set_time(due);
            w.set_price(m.sol, 150 * E8, 0);
            expect::ok(apply(w, index, seq));
        }
        assert_eq!(current(w, index, &change), change, "{change:?}");
    }
}

/// The keeper applies a queued change in its first tick after the change is due, not before.
fn keeper_applies_due_changes(w: &mut World) {
    let sol = listed_sol(w);
    let kate = super::perps::funded(w, "kate", 1_000);
    let keeper = super::keeper::keeper(w, &kate);
    let cap = w.underlying(sol).collateral.deposit_cap;
    let lower = collateral(1_500, 800, cap);
    expect::ok(queue(w, Some(sol), lower));
    let due = pending(w, 0).unwrap().effective_ts;
    keeper.tick(&mut *w.chain).expect("tick");
    assert!(pending(w, 0).is_some(), "not due yet");
    w.set_time(due);
    w.set_price(sol, 150 * E8, 0);
    let report = keeper.tick(&mut *w.chain).expect("tick");
    assert!(pending(w, 0).is_none(), "{report:?}");
    assert_eq!(current(w, Some(sol), &lower), lower);
}
