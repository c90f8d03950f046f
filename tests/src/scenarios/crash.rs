//! The crash simulation, end to end: a crowd of 200 accounts of varied portfolios
//! (`xmargin_client::crowd`: unhedged and hedged perpetuals, written and bought options,
//! multi-collateral, owed quote) trades; SOL gaps -40% with its vols doubled and BTC -25%; the
//! keeper (`xmargin_keeper::Keeper`, the same code as the binary) ticks until no account is below
//! maint health. Exact conservation of every token and position is checked after every tick. It
//! prints and asserts the liquidations, the bankruptcies, what the insurance fund paid and what was
//! socialized; the second run, with a small insurance fund, socializes the rest.

use std::collections::BTreeSet;

use cross_margin::state::Group;
use xmargin_client::accounts::decode;
use xmargin_client::chain::TxReport;
use xmargin_client::crowd::{CrowdMarket, CRASH, USDC};
use xmargin_client::health::fetch_health;
use xmargin_client::liquidation::{bankruptcy_state, BankruptcyState, Liquidation};
use xmargin_keeper::{Keeper, TickReport};

use crate::world::{World, T0};
use crate::Scenario;

pub const SCENARIOS: &[Scenario] = &[
    Scenario { name: "crash_simulation_insured", run: insured },
    Scenario { name: "crash_simulation_socialized", run: socialized },
];

/// Accounts in the crowd.
const ACCOUNTS: usize = 200;
/// Ticks the keeper gets to bring every account back to maint health.
const MAX_TICKS: usize = 10;

/// What a crash run did.
#[derive(Debug, Default)]
struct Figures {
    ticks: usize,
    liquidatable: usize,
    liquidations: usize,
    failed: usize,
    bankrupt: usize,
    insurance_paid: u64,
    socialized: u64,
    fund_left: u64,
}

/// A fund of 1,000,000 USDC covers every bankruptcy: nothing is socialized.
fn insured(w: &mut World) {
    let f = crash(w, 1_000_000 * USDC);
    assert!(f.bankrupt > 0 && f.insurance_paid > 0, "{f:?}");
    assert_eq!(f.socialized, 0, "{f:?}");
}

/// A fund of 2,000 USDC is used up; the rest is socialized over the quote deposits.
fn socialized(w: &mut World) {
    let f = crash(w, 2_000 * USDC);
    assert!(f.bankrupt > 0, "{f:?}");
    assert_eq!((f.insurance_paid, f.fund_left), (2_000 * USDC, 0), "{f:?}");
    assert!(f.socialized > 0, "{f:?}");
}

fn crash(w: &mut World, insurance: u64) -> Figures {
    let mut m = CrowdMarket::stand_up(&mut *w.chain, T0, insurance).expect("stand up");
    m.populate(&mut *w.chain, ACCOUNTS, 16).expect("populate");
    w.group = m.group;
    w.markets = m.markets.clone();
    w.accounts = m.accounts();
    w.check_conservation();
    let prices: Vec<_> = m.markets.iter().map(|k| k.price_account).collect();
    let price_of = |i: u16| prices[usize::from(i)];
    for key in m.accounts() {
        let h = fetch_health(&mut *w.chain, &key, &price_of).expect("health");
        assert!(h.init_health >= 0, "{key} starts below init: {h:?}");
    }

    m.crash(&mut *w.chain, &CRASH, T0 + 60).expect("crash");
    let keeper = Keeper {
        group: m.group,
        wallet: m.keeper.wallet.insecure_clone(),
        account: m.keeper.account,
        min_incentive: 0,
        compute_unit_limit: 1_400_000,
        priority_micro_lamports: 0,
        funding_interval_secs: 3_600,
        dry_run: false,
    };
    let mut f = Figures::default();
    let (mut liquidated, mut bankrupt) = (BTreeSet::new(), BTreeSet::new());
    let mut step_cu: Vec<u64> = vec![];
    let mut last = TickReport::default();
    while f.ticks < MAX_TICKS {
        last = keeper.tick(&mut *w.chain).expect("tick");
        w.check_conservation();
        f.ticks += 1;
        f.liquidatable = f.liquidatable.max(last.liquidatable);
        f.liquidations += last.steps_landed;
        f.failed += last.steps_failed;
        bankrupt.extend(last.bankrupt.iter().copied());
        f.insurance_paid += last.insurance_paid;
        f.socialized += last.socialized;
        liquidated.extend(last.steps.iter().map(|s| s.liquidatee));
        step_cu.extend(last.steps.iter().map(|s| s.compute_units));
        if last.liquidatable == 0 && last.settlements_landed == 0 {
            break;
        }
    }
    f.bankrupt = bankrupt.len();
    assert_eq!((last.liquidatable, last.settlements_landed), (0, 0), "{f:?} {last:?}");
    assert_eq!((f.failed, last.stuck), (0, 0), "{f:?} {last:?}");
    for member in std::iter::once(&m.keeper).chain(&m.members) {
        let h = fetch_health(&mut *w.chain, &member.account, &price_of).expect("health");
        assert!(h.maint_health >= 0, "{} ({:?}) below maint: {h:?}", member.label, member.profile);
        let view = Liquidation::fetch(&mut *w.chain, &m.keeper.account, &member.account, &price_of);
        assert!(!view.expect("inputs").liquidatable().unwrap(), "{} liquidatable", member.label);
        let state = w.margin(&member.account);
        assert_eq!(bankruptcy_state(&state), BankruptcyState::NotBankrupt, "{}", member.label);
    }
    let group: Group = decode(&w.chain.account(&m.group).unwrap().data).unwrap();
    f.fund_left = group.insurance.balance;
    assert_eq!(
        (group.insurance_paid_total, group.socialized_total),
        (f.insurance_paid, f.socialized)
    );
    assert_eq!(group.insurance.balance + f.insurance_paid, insurance);
    assert!(f.liquidations > 0, "{f:?}");
    // The keeper's compute units per liquidation step (as the SBF backend measures them).
    let mean = step_cu.iter().sum::<u64>() / step_cu.len() as u64;
    let max = step_cu.iter().copied().max().unwrap_or_default();
    w.record_cu(
        "keeper_liquidation_step_mean",
        &TxReport { compute_units: mean, ..TxReport::default() },
    );
    w.record_cu(
        "keeper_liquidation_step_max",
        &TxReport { compute_units: max, ..TxReport::default() },
    );
    w.report(format!(
        "crash ({} accounts, {} transactions to set up; fund {} USDC): {} liquidatable, {} \
         liquidations ({} refused), {} bankrupt, insurance paid {} USDC, socialized {} USDC, fund \
         left {} USDC, {} keeper ticks; every token and position conserved",
        ACCOUNTS,
        m.transactions(),
        insurance / USDC,
        f.liquidatable,
        f.liquidations,
        f.failed,
        f.bankrupt,
        dollars(f.insurance_paid),
        dollars(f.socialized),
        dollars(f.fund_left),
        f.ticks
    ));
    let mut by_profile: Vec<(String, usize)> = vec![];
    for member in m.members.iter().filter(|x| liquidated.contains(&x.account)) {
        let name = format!("{:?}", member.profile);
        match by_profile.iter_mut().find(|(n, _)| *n == name) {
            Some((_, count)) => *count += 1,
            None => by_profile.push((name, 1)),
        }
    }
    let tally: Vec<String> = by_profile.iter().map(|(n, c)| format!("{n} {c}")).collect();
    w.report(format!("liquidated accounts by portfolio: {}", tally.join(", ")));
    f
}

/// Native USDC as dollars with cents.
fn dollars(native: u64) -> String {
    format!("{}.{:02}", native / USDC, native % USDC / 10_000)
}
