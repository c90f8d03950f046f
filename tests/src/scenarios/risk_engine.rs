//! The risk engine on-chain: `option_quote` returns exactly what the same code computes
//! off-chain (on SBF this checks the upstream-Rust build's integer arithmetic), and its compute
//! units are the engine's CU cases.

use cross_margin::error::XmError;
use cross_margin::instructions::{option_quote::handler, OptionQuoteArgs, OptionQuoteResult};
use xmargin_client::ix;
use xmargin_risk::Fixed;

use crate::expect;
use crate::world::World;
use crate::Scenario;

pub const SCENARIOS: &[Scenario] =
    &[Scenario { name: "option_quote_matches_offchain", run: option_quote_matches_offchain }];

fn raw(s: &str) -> i128 {
    s.parse::<Fixed>().unwrap().raw()
}

fn args(scenarios: bool) -> OptionQuoteArgs {
    OptionQuoteArgs {
        call: true,
        spot: raw("150"),
        strike: raw("160"),
        vol: raw("0.8"),
        years: raw("0.0821917808219178"), // 30 days
        rate: raw("0.03"),
        scenario_vol_index: scenarios.then(|| raw("0.8")),
    }
}

fn option_quote_matches_offchain(w: &mut World) {
    let payer = w.admin.insecure_clone();
    for (scenarios, case) in [(false, "bs_price_greeks"), (true, "risk_scenarios_series")] {
        let report = expect::ok(w.send(&[ix::option_quote(args(scenarios))], &payer, &[]));
        let off_chain = handler(args(scenarios)).unwrap();
        assert_eq!(off_chain.init_pnl.len(), if scenarios { 16 } else { 0 });
        // A sanity anchor: the 30-day 160 call on 150 at 80% vol is worth about 9.84.
        let price = Fixed::from_raw(off_chain.price);
        assert!(price > "9.8".parse().unwrap() && price < "9.9".parse().unwrap(), "{price}");
        if w.sees_program_output() {
            let on_chain: OptionQuoteResult = report.decode_return().expect("return data");
            assert_eq!(on_chain, off_chain);
        }
        w.record_cu(case, &report);
    }
    let bad = OptionQuoteArgs { spot: 0, ..args(false) };
    expect::xm_error(w.send(&[ix::option_quote(bad)], &payer, &[]), XmError::InvalidOptionInputs);
}
