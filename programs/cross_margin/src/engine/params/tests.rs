//! Tests of `engine::params`: every field's rule, the "riskier if any field is" property over
//! random changes, round trips, and that a failed change writes nothing.

use super::*;
use crate::engine::underlying::default_risk_params;
use crate::state::{CHANGE_BYTES, QUOTE_INDEX};
use anchor_lang::prelude::Pubkey;
use bytemuck::Zeroable;

const NOW: i64 = 1_000_000;

fn group() -> Group {
    let mut g = Group::zeroed();
    g.liquidation = LiquidationParams::DEFAULT.into();
    g.insurance.fee_share_bps = 5_000;
    g.risk_timelock_secs = 86_400;
    g
}

/// A listed asset (perpetual and chain) at haircuts 20% / 10%, and the quote asset.
fn underlyings() -> (Box<Underlying>, Box<Underlying>) {
    let mut asset: Box<Underlying> = bytemuck::allocation::zeroed_box();
    asset.index = 1;
    asset.kind = crate::state::UnderlyingKind::Asset as u8;
    asset.risk_params = default_risk_params(6).into();
    set_vol_index(&mut asset, 0).unwrap();
    let c = &mut asset.collateral;
    (c.init_haircut_bps, c.maint_haircut_bps) = (2_000, 1_000);
    (c.pending_init_haircut_bps, c.pending_maint_haircut_bps) = (2_000, 1_000);
    c.deposit_cap = 1_000_000;
    asset.oracle.max_age_secs = 60;
    asset.oracle.max_conf_bps = 200;
    let perp = PerpTerms {
        fee_bps: 5,
        band_bps: 500,
        max_funding_bps_per_hour: 100,
        max_open_interest: 10_000,
    };
    asset.perp.listed = 1;
    perp.write(&mut asset.perp).unwrap();
    asset.options.listed = 1;
    asset.options.vol_authority = Pubkey::new_unique();
    ChainTerms {
        fee_bps: 5,
        band_bps: 1_000,
        max_vol_age_secs: 3_600,
        cache_max_age_secs: 600,
        cache_max_drift_bps: 500,
        settle_window_secs: 300,
        rate: 0,
        max_series_open_interest: 5_000,
    }
    .write(&mut asset.options)
    .unwrap();
    let mut quote: Box<Underlying> = bytemuck::allocation::zeroed_box();
    quote.index = QUOTE_INDEX;
    quote.kind = crate::state::UnderlyingKind::Quote as u8;
    quote.collateral.deposit_cap = u64::MAX;
    lending::init(&mut quote, &pool(), NOW).unwrap();
    (asset, quote)
}

/// The default rate model with a base rate, so that every field can move both ways.
fn pool() -> QuotePoolParams {
    QuotePoolParams { base_rate_bps: 100, ..QuotePoolParams::DEFAULT }
}

/// One field of a kind: how to move it by a step up (+1) or down (-1), and its rule.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Rule {
    Higher,
    Lower,
    Either,
}

type Bump = fn(&mut ParamChange, i64);
type Is = fn(&ParamChange) -> bool;

fn step<T: TryFrom<i64> + Into<i64> + Copy>(v: &mut T, by: i64) {
    *v = T::try_from((*v).into() + by).ok().unwrap();
}

/// Every numeric field of every kind, with its rule (docs/governance.md's table).
fn fields() -> Vec<(&'static str, Is, Bump, Rule)> {
    use ParamChange as C;
    use Rule::*;
    macro_rules! field {
        ($name:literal, $kind:ident, $rule:expr, |$t:ident, $by:ident| $body:expr) => {
            (
                $name,
                (|c: &ParamChange| matches!(c, C::$kind(_))) as Is,
                (|c: &mut ParamChange, $by: i64| {
                    let C::$kind($t) = c else { unreachable!() };
                    $body
                }) as Bump,
                $rule,
            )
        };
    }
    vec![
        field!("init haircut", Collateral, Higher, |t, by| step(&mut t.init_haircut_bps, by)),
        field!("maint haircut", Collateral, Higher, |t, by| step(&mut t.maint_haircut_bps, by)),
        field!("deposit cap", Collateral, Lower, |t, by| {
            t.deposit_cap = t.deposit_cap.checked_add_signed(by).unwrap()
        }),
        field!("oracle age", Oracle, Either, |t, by| step(&mut t.max_age_secs, by)),
        field!("oracle conf", Oracle, Either, |t, by| step(&mut t.max_conf_bps, by)),
        field!("perp fee", Perp, Lower, |t, by| step(&mut t.fee_bps, by)),
        field!("perp band", Perp, Lower, |t, by| step(&mut t.band_bps, by)),
        field!("funding cap", Perp, Lower, |t, by| step(&mut t.max_funding_bps_per_hour, by)),
        field!("perp oi cap", Perp, Lower, |t, by| {
            t.max_open_interest = t.max_open_interest.checked_add_signed(by).unwrap()
        }),
        field!("chain fee", Chain, Lower, |t, by| step(&mut t.fee_bps, by)),
        field!("chain band", Chain, Lower, |t, by| step(&mut t.band_bps, by)),
        field!("vol age", Chain, Either, |t, by| step(&mut t.max_vol_age_secs, by)),
        field!("cache age", Chain, Either, |t, by| step(&mut t.cache_max_age_secs, by)),
        field!("cache drift", Chain, Either, |t, by| step(&mut t.cache_max_drift_bps, by)),
        field!("settle window", Chain, Either, |t, by| step(&mut t.settle_window_secs, by)),
        field!("rate", Chain, Either, |t, by| t.rate += by),
        field!("series oi cap", Chain, Lower, |t, by| {
            t.max_series_open_interest = t.max_series_open_interest.checked_add_signed(by).unwrap()
        }),
        field!("range multiplier", Risk, Either, |t, by| step(&mut t.range_multiplier_x100[1], by)),
        field!("range floor", Risk, Either, |t, by| step(&mut t.range_floor_bps[1], by)),
        field!("vol shock", Risk, Either, |t, by| step(&mut t.vol_shock_ratio_bps[1], by)),
        field!("vol shock floor", Risk, Either, |t, by| step(&mut t.vol_shock_floor_bps[1], by)),
        field!("short minimum", Risk, Higher, |t, by| step(&mut t.short_option_min_bps[1], by)),
        field!("delta add-on", Risk, Higher, |t, by| step(&mut t.concentration_bps[0], by)),
        field!("horizon", Risk, Either, |t, by| step(&mut t.horizon_secs, by)),
        field!("gap thirds", Risk, Either, |t, by| step(&mut t.gap_thirds[0], by)),
        field!("delta threshold", Risk, Lower, |t, by| {
            t.concentration_threshold = t.concentration_threshold.checked_add_signed(by).unwrap()
        }),
        field!("gap weight", Risk, Higher, |t, by| step(&mut t.gap_weight_bps[1], by)),
        field!("gap vol", Risk, Either, |t, by| step(&mut t.gap_vol_bps[0], by)),
        field!("gross add-on", Risk, Higher, |t, by| step(&mut t.gross_concentration_bps[0], by)),
        field!("vega add-on", Risk, Higher, |t, by| step(&mut t.vega_concentration_bps[1], by)),
        field!("gross threshold", Risk, Lower, |t, by| {
            t.gross_threshold = t.gross_threshold.checked_add_signed(by).unwrap()
        }),
        field!("vega threshold", Risk, Lower, |t, by| {
            t.vega_threshold = t.vega_threshold.checked_add_signed(by).unwrap()
        }),
        field!("base rate", QuotePool, Lower, |t, by| step(&mut t.base_rate_bps, by)),
        field!("slope 1", QuotePool, Lower, |t, by| step(&mut t.slope1_bps, by)),
        field!("slope 2", QuotePool, Lower, |t, by| step(&mut t.slope2_bps, by)),
        field!("kink", QuotePool, Either, |t, by| step(&mut t.optimal_utilization_bps, by)),
        field!("borrow limit", QuotePool, Either, |t, by| step(&mut t.max_utilization_bps, by)),
        field!("incentive start", Liquidation, Either, |t, by| {
            step(&mut t.incentive_start_bps, by)
        }),
        field!("incentive cap", Liquidation, Either, |t, by| step(&mut t.incentive_max_bps, by)),
        field!("incentive ramp", Liquidation, Either, |t, by| {
            step(&mut t.incentive_ramp_secs, by)
        }),
        field!("insurance share", InsuranceShare, Higher, |t, by| step(t, by)),
        field!("timelock", Timelock, Higher, |t, by| step(t, by)),
    ]
}

/// A kind's template (any values): its current values are taken from the fixtures.
fn templates() -> Vec<ParamChange> {
    let (asset, quote) = underlyings();
    let g = group();
    let mut all = Vec::new();
    for like in [
        ParamChange::Collateral(CollateralTerms {
            init_haircut_bps: 0,
            maint_haircut_bps: 0,
            deposit_cap: 0,
        }),
        ParamChange::Oracle(OracleBounds { max_age_secs: 0, max_conf_bps: 0 }),
        ParamChange::Perp(PerpTerms::current(&asset.perp)),
        ParamChange::Chain(ChainTerms::current(&asset.options)),
        ParamChange::VolAuthority(Pubkey::default()),
        ParamChange::Risk(*asset.risk_params),
    ] {
        all.push(current(&like, &g, Some(&*asset), NOW).unwrap());
    }
    all.push(
        current(&ParamChange::QuotePool(QuotePoolParams::DEFAULT), &g, Some(&*quote), NOW).unwrap(),
    );
    for like in [
        ParamChange::Liquidation(LiquidationParams::DEFAULT),
        ParamChange::InsuranceShare(0),
        ParamChange::Timelock(0),
        ParamChange::Guardian(Pubkey::default()),
    ] {
        all.push(current(&like, &g, None, NOW).unwrap());
    }
    all
}

fn same_kind(a: &ParamChange, b: &ParamChange) -> bool {
    core::mem::discriminant(a) == core::mem::discriminant(b)
}

fn expected(rule: Rule, by: i64) -> Direction {
    match (rule, by > 0) {
        (Rule::Higher, true) | (Rule::Lower, false) => Direction::Safer,
        _ => Direction::Riskier,
    }
}

#[test]
fn the_current_values_are_the_same() {
    for c in templates() {
        assert_eq!(direction(&c, &c, false).unwrap(), Direction::Same, "{c:?}");
    }
}

#[test]
fn every_field_follows_its_rule() {
    for (name, is, bump, rule) in fields() {
        let base = templates().into_iter().find(is);
        let base = base.unwrap_or_else(|| panic!("{name}: no kind"));
        for by in [1, -1] {
            let mut new = base;
            bump(&mut new, by);
            assert_eq!(
                direction(&base, &new, false).unwrap(),
                expected(rule, by),
                "{name} by {by}"
            );
        }
    }
}

#[test]
fn a_change_is_riskier_when_any_field_is() {
    // Random sets of moves on each kind: the direction is the greatest of the fields' (Same
    // when none moves). xorshift, fixed seed.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let all = fields();
    for base in templates() {
        let own: Vec<_> = all.iter().filter(|(_, is, _, _)| is(&base)).collect();
        for _ in 0..200 {
            let mut new = base;
            let mut want = Direction::Same;
            for (_, _, bump, rule) in &own {
                let by = match next() % 3 {
                    0 => continue,
                    1 => 1,
                    _ => -1,
                };
                bump(&mut new, by);
                want = want.max(expected(*rule, by));
            }
            assert_eq!(direction(&base, &new, false).unwrap(), want, "{base:?} -> {new:?}");
        }
    }
}

#[test]
fn keys_wait_except_a_guardian_removed() {
    // A guardian only restricts: removing it is safe. A chain without a vol authority (or with
    // a new one) can freeze its holders: queued either way.
    let (a, b) = (Pubkey::new_unique(), Pubkey::new_unique());
    let guardian = |o, n| direction(&ParamChange::Guardian(o), &ParamChange::Guardian(n), false);
    let vols =
        |o, n| direction(&ParamChange::VolAuthority(o), &ParamChange::VolAuthority(n), false);
    assert_eq!(guardian(a, Pubkey::default()).unwrap(), Direction::Safer);
    assert_eq!(vols(a, Pubkey::default()).unwrap(), Direction::Riskier);
    for d in [guardian, vols] {
        assert_eq!(d(Pubkey::default(), a).unwrap(), Direction::Riskier);
        assert_eq!(d(a, b).unwrap(), Direction::Riskier);
        assert_eq!(d(a, a).unwrap(), Direction::Same);
    }
}

#[test]
fn the_quote_assets_cap_waits_either_way() {
    // A lower quote cap would stop top-ups in quote, the way out of a liquidation: queued.
    let (lower, higher) = (collateral_terms(0, 0, 5), collateral_terms(0, 0, 20));
    let now = collateral_terms(0, 0, 10);
    for new in [lower, higher] {
        assert_eq!(direction(&now, &new, true).unwrap(), Direction::Riskier);
    }
    assert_eq!(direction(&now, &lower, false).unwrap(), Direction::Safer);
}

fn collateral_terms(init: u16, maint: u16, cap: u64) -> ParamChange {
    ParamChange::Collateral(CollateralTerms {
        init_haircut_bps: init,
        maint_haircut_bps: maint,
        deposit_cap: cap,
    })
}

#[test]
fn kinds_never_compare_across() {
    let all = templates();
    for a in &all {
        for b in &all {
            assert_eq!(direction(a, b, false).is_ok(), same_kind(a, b), "{a:?} vs {b:?}");
        }
    }
}

#[test]
fn apply_writes_what_current_reads_back() {
    let (mut asset, mut quote) = underlyings();
    let mut g = group();
    let epoch = asset.risk.vol_epoch;
    let mut risk = *asset.risk_params;
    risk.range_floor_bps = [3_000, 1_500];
    let changes = [
        ParamChange::Collateral(CollateralTerms {
            init_haircut_bps: 3_000,
            maint_haircut_bps: 1_500,
            deposit_cap: 5,
        }),
        ParamChange::Oracle(OracleBounds { max_age_secs: 30, max_conf_bps: 100 }),
        ParamChange::Risk(risk),
        ParamChange::VolAuthority(Pubkey::new_unique()),
    ];
    for change in changes {
        let old = current(&change, &g, Some(&*asset), NOW).unwrap();
        assert_eq!(apply(&change, &mut g, Some(&mut *asset), NOW).unwrap(), old);
        assert_eq!(current(&change, &g, Some(&*asset), NOW).unwrap(), change);
    }
    assert_eq!(asset.risk.vol_epoch, epoch.wrapping_add(1), "a new risk model stales the cache");
    let pool = ParamChange::QuotePool(QuotePoolParams { max_utilization_bps: 8_500, ..pool() });
    apply(&pool, &mut g, Some(&mut *quote), NOW + 10).unwrap();
    assert_eq!(current(&pool, &g, Some(&*quote), NOW).unwrap(), pool);
    assert_eq!(quote.lending.last_accrual_ts, NOW + 10, "accrued at the old model first");
    for change in [
        ParamChange::Timelock(3_600),
        ParamChange::InsuranceShare(7_000),
        ParamChange::Guardian(Pubkey::new_unique()),
    ] {
        apply(&change, &mut g, None, NOW).unwrap();
        assert_eq!(current(&change, &g, None, NOW).unwrap(), change);
    }
}

#[test]
fn an_invalid_change_writes_nothing() {
    let (asset, quote) = underlyings();
    let bad_risk = ParamChange::Risk(RiskParams { horizon_secs: 60, ..*asset.risk_params });
    let invalid = [
        (
            ParamChange::Collateral(CollateralTerms {
                init_haircut_bps: 1_000,
                maint_haircut_bps: 2_000,
                deposit_cap: 1,
            }),
            false,
        ),
        (ParamChange::Oracle(OracleBounds { max_age_secs: 0, max_conf_bps: 100 }), false),
        (ParamChange::Perp(PerpTerms { band_bps: 0, ..PerpTerms::current(&asset.perp) }), false),
        (
            ParamChange::Chain(ChainTerms {
                cache_max_age_secs: 0,
                ..ChainTerms::current(&asset.options)
            }),
            false,
        ),
        (bad_risk, false),
        (
            ParamChange::QuotePool(QuotePoolParams {
                max_utilization_bps: 10_000,
                ..QuotePoolParams::DEFAULT
            }),
            true,
        ),
        (
            ParamChange::Collateral(CollateralTerms {
                init_haircut_bps: 1,
                maint_haircut_bps: 0,
                deposit_cap: 1,
            }),
            true,
        ),
    ];
    for (change, on_quote) in invalid {
        let (mut asset, mut quote) = (asset.clone(), quote.clone());
        let target = if on_quote { &mut quote } else { &mut asset };
        let before = bytemuck::bytes_of(&**target).to_vec();
        let mut g = group();
        assert!(apply(&change, &mut g, Some(&mut **target), NOW).is_err(), "{change:?}");
        assert_eq!(bytemuck::bytes_of(&**target), &before[..], "{change:?} wrote");
        assert_eq!(bytemuck::bytes_of(&g), bytemuck::bytes_of(&group()));
    }
    let mut g = group();
    let bad = ParamChange::Liquidation(LiquidationParams {
        incentive_ramp_secs: 0,
        ..LiquidationParams::DEFAULT
    });
    assert!(apply(&bad, &mut g, None, NOW).is_err());
    assert!(apply(&ParamChange::InsuranceShare(10_001), &mut g, None, NOW).is_err());
    assert_eq!(bytemuck::bytes_of(&g), bytemuck::bytes_of(&group()));
}

#[test]
fn every_change_names_its_target() {
    let (mut asset, mut quote) = underlyings();
    let mut g = group();
    let oracle = ParamChange::Oracle(OracleBounds { max_age_secs: 30, max_conf_bps: 100 });
    let pool = ParamChange::QuotePool(QuotePoolParams::DEFAULT);
    assert!(apply(&ParamChange::Timelock(1), &mut g, Some(&mut *asset), NOW).is_err());
    assert!(apply(&oracle, &mut g, None, NOW).is_err());
    assert!(apply(&oracle, &mut g, Some(&mut *quote), NOW).is_err());
    assert!(apply(&pool, &mut g, Some(&mut *asset), NOW).is_err());
    assert!(apply(&pool, &mut g, Some(&mut *quote), NOW).is_ok());
}

#[test]
fn a_collateral_change_replaces_the_listing_schedule() {
    // Listed at 100% with 20% scheduled a day later: any weight above 0 now is riskier, and a
    // change made meanwhile (here the cap alone, keeping 100%) drops the schedule, so no later
    // change can inherit its time.
    let (mut asset, _) = underlyings();
    let c = &mut asset.collateral;
    (c.init_haircut_bps, c.maint_haircut_bps) = (FULL_HAIRCUT_BPS, FULL_HAIRCUT_BPS);
    (c.pending_init_haircut_bps, c.pending_maint_haircut_bps) = (2_000, 1_000);
    c.pending_effective_ts = NOW + 86_400;
    let mut g = group();
    let like = ParamChange::Collateral(CollateralTerms {
        init_haircut_bps: 0,
        maint_haircut_bps: 0,
        deposit_cap: 0,
    });
    let now = current(&like, &g, Some(&*asset), NOW).unwrap();
    let ParamChange::Collateral(mut terms) = now else { unreachable!() };
    assert_eq!(
        (terms.init_haircut_bps, terms.maint_haircut_bps),
        (FULL_HAIRCUT_BPS, FULL_HAIRCUT_BPS)
    );
    let weight = ParamChange::Collateral(CollateralTerms {
        init_haircut_bps: 9_000,
        maint_haircut_bps: 9_000,
        ..terms
    });
    assert_eq!(direction(&now, &weight, false).unwrap(), Direction::Riskier);
    terms.deposit_cap -= 1;
    let cap = ParamChange::Collateral(terms);
    assert_eq!(direction(&now, &cap, false).unwrap(), Direction::Safer);
    apply(&cap, &mut g, Some(&mut *asset), NOW).unwrap();
    let h = asset.collateral.haircuts_at(NOW + 2 * 86_400);
    assert_eq!((h.init_bps, h.maint_bps), (FULL_HAIRCUT_BPS, FULL_HAIRCUT_BPS));
}

#[test]
fn every_kind_fits_its_account() {
    let max_risk = RiskParams {
        concentration_threshold: u64::MAX,
        gross_threshold: u64::MAX,
        vega_threshold: u64::MAX,
        ..default_risk_params(6)
    };
    for change in templates().into_iter().chain([ParamChange::Risk(max_risk)]) {
        let len = borsh_len(&change);
        assert!(len <= CHANGE_BYTES, "{change:?}: {len} bytes");
    }
}

fn borsh_len(change: &ParamChange) -> usize {
    let mut buf = [0u8; 256];
    let mut out: &mut [u8] = &mut buf;
    change.serialize(&mut out).unwrap();
    256 - out.len()
}
