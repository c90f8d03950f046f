//! The volatility index in effect is not the vol authority's alone: it is the larger of what the
//! authority posted (a fall applies at most 25% a day), the realized volatility sampled from the
//! underlying's own price account, and the at-the-money implied vol of the nearest expiry.

use cross_margin::error::XmError;
use cross_margin::events::PriceSampled;
use cross_margin::instructions::VolsPostArgs;
use xmargin_client::{ix, Signer};
use xmargin_risk::cache::Q_ONE;

use super::options::{post_vols, with_sol_chain, VOL_78, VOL_80};
use super::setup::standard;
use crate::world::{keypair, World, E8};
use crate::{events, expect, Scenario};
use xmargin_client::sandbox::AssetSpec;

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "vol_index_floored_by_atm_implied", run: floored_by_atm_implied },
    Scenario { name: "vol_index_falls_gradually", run: falls_gradually },
    Scenario { name: "vol_index_raised_by_realized", run: raised_by_realized },
    Scenario { name: "risk_params_per_underlying", run: risk_params_per_underlying },
    Scenario { name: "vol_post_survives_a_broken_price_account", run: post_with_broken_feed },
];

/// A broken price account (not a `PriceUpdateV2` any more) does not block the vol authority from
/// raising the index: the at-the-money part is left out. Another account in its place is refused,
/// so the floor cannot be left out by choice.
fn post_with_broken_feed(w: &mut World) {
    let m = with_sol_chain(w);
    expect::ok(post_vols(w, m.sol, VOL_80, vec![VOL_78, VOL_80]));
    let key = w.markets[usize::from(m.sol)].price_account;
    let mut account = w.chain.account(&key).unwrap();
    account.data[..8].copy_from_slice(&[0xAA; 8]);
    w.set_account(&key, account);
    let raised = VOL_80 + VOL_20;
    expect::ok(post_vols(w, m.sol, raised, vec![raised, raised]));
    let u = w.underlying(m.sol);
    assert_eq!((u.vol.posted, u.vol.atm, u.risk.vol_index), (raised, 0, raised));
    // BTC's valid price account in SOL's place.
    let authority = keypair("vol-authority").pubkey();
    let args = VolsPostArgs { vol_index: raised, vols: vec![raised, raised] };
    let btc = w.markets[usize::from(m.btc)].price_account;
    let sent =
        w.send_as("vol-authority", ix::option_vols_post(&authority, &w.group, m.sol, &btc, args));
    expect::xm_error(sent, XmError::PriceAccountMismatch);
}

const VOL_20: i64 = Q_ONE / 100 * 20;

/// Each underlying has its own risk parameters, set at listing: an asset listed with a 20% init
/// range floor is scanned at +/-20% with no vol posted, SOL (the defaults) at 27%.
fn risk_params_per_underlying(w: &mut World) {
    let m = standard(w);
    let mut spec = AssetSpec::new("JUMPY", 6, E8);
    spec.risk.range_floor_bps = [2_000, 1_000];
    let jumpy = w.add_asset(spec);
    let u = w.underlying(jumpy);
    assert_eq!(u.risk_params.range_floor_bps, [2_000, 1_000]);
    // Scenario 11 (index 10) is +R: a move of at least R, rounded away from zero.
    let up = |moves: &[i64]| moves[10] as f64 / Q_ONE as f64;
    assert!(
        (up(&u.risk.init_moves) - 0.20).abs() < 1e-6
            && (up(&u.risk.maint_moves) - 0.10).abs() < 1e-6
    );
    let sol = w.underlying(m.sol);
    assert!((up(&sol.risk.init_moves) - 0.27).abs() < 1e-6);
}

/// Posting an index of 0 cannot halve every requirement: the 140 put (nearest expiry, the strike
/// closest to 150) is posted at 80%, so the index stays 80%.
fn floored_by_atm_implied(w: &mut World) {
    let m = with_sol_chain(w);
    expect::ok(post_vols(w, m.sol, 0, vec![VOL_78, VOL_80]));
    let u = w.underlying(m.sol);
    assert_eq!((u.vol.posted, u.vol.atm, u.risk.vol_index), (0, VOL_80, VOL_80));
    // Without a valid price the at-the-money part is unknown: the post still goes through, but
    // the index in effect falls gradually: two minutes at 25% a day.
    let later = w.now() + 120;
    w.set_time(later);
    expect::ok(post_vols(w, m.sol, 0, vec![VOL_78, VOL_78]));
    let u = w.underlying(m.sol);
    assert_eq!(u.vol.atm, 0);
    // The series vols fall no faster than the index: the put posted at 78% keeps 80% less
    // two minutes' worth of 25% a day.
    let fallen = VOL_80 - (i128::from(VOL_80) * 2_500 * 120 / (10_000 * 86_400)) as i64;
    assert_eq!(u.risk.vol_index, fallen);
    assert_eq!((u.options.series[0].vol, u.options.series[1].vol), (VOL_78, fallen));
}

/// From 80% to a posted 20%: an hour later the index is 80% less 25%/24, a day later 25% lower
/// again; a rise applies at once.
fn falls_gradually(w: &mut World) {
    let m = with_sol_chain(w);
    expect::ok(post_vols(w, m.sol, VOL_80, vec![VOL_78, VOL_80]));
    let hour = w.now() + 3_600;
    w.set_time(hour);
    w.set_price(m.sol, 150 * E8, 0);
    expect::ok(post_vols(w, m.sol, VOL_20, vec![VOL_20, VOL_20]));
    let after_hour = VOL_80 - (i128::from(VOL_80) * 2_500 * 3_600 / (10_000 * 86_400)) as i64;
    assert_eq!(w.underlying(m.sol).risk.vol_index, after_hour);
    let day = w.now() + 86_400;
    w.set_time(day);
    w.set_price(m.sol, 150 * E8, 0);
    expect::ok(post_vols(w, m.sol, VOL_20, vec![VOL_20, VOL_20]));
    let after_day = after_hour - (i128::from(after_hour) / 4) as i64;
    assert_eq!(w.underlying(m.sol).risk.vol_index, after_day);
    expect::ok(post_vols(w, m.sol, VOL_80 + VOL_20, vec![VOL_20, VOL_20]));
    assert_eq!(w.underlying(m.sol).risk.vol_index, VOL_80 + VOL_20);
}

/// With 20% posted, the price moving 0.1% every five minutes (32.4% a year realized) raises the
/// index at once, with a new vol epoch; a post cannot take it below the realized vol.
fn raised_by_realized(w: &mut World) {
    let m = with_sol_chain(w);
    expect::ok(post_vols(w, m.sol, VOL_20, vec![VOL_20, VOL_20]));
    let oracle = w.markets[usize::from(m.sol)].price_account;
    let group = w.group;
    let sample = |w: &mut World| w.send_as_keeper(ix::risk_sample_price(&group, m.sol, &oracle));
    expect::ok(sample(w));
    expect::xm_error(sample(w), XmError::VolSampleTooSoon);

    let mut price = 150 * E8;
    for i in 0..4 {
        let t = w.now() + 300;
        w.set_time(t);
        price = if i % 2 == 0 { price * 1_001 / 1_000 } else { price * 1_000 / 1_001 };
        w.set_price(m.sol, price, 0);
        let epoch = w.underlying(m.sol).risk.vol_epoch;
        let report = expect::ok(sample(w));
        w.record_cu("risk_sample_price", &report);
        let u = w.underlying(m.sol);
        // ln(1.001)^2 * 105,120 = 0.1050: 32.4% a year (the first return seeds the average).
        let realized = u.vol.realized as f64 / Q_ONE as f64;
        assert!((realized - 0.324).abs() < 0.002, "{realized}");
        if i == 0 {
            assert_eq!((u.risk.vol_index, u.risk.vol_epoch), (u.vol.realized, epoch + 1));
        }
        if w.sees_program_output() {
            let e: PriceSampled = events::single(&report);
            assert_eq!((e.realized, e.raised), (u.vol.realized, i == 0));
        }
    }
    expect::ok(post_vols(w, m.sol, VOL_20, vec![VOL_20, VOL_20]));
    let u = w.underlying(m.sol);
    assert_eq!(u.risk.vol_index, u.vol.realized);
    // A stale price is not sampled.
    let t = w.now() + 3_600;
    w.set_time(t);
    expect::xm_error(sample(w), XmError::OracleStale);
}
