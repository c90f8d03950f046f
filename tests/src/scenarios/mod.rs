//! Every scenario, grouped by topic. Each runs on both backends.

pub mod account_cap;
pub mod adversarial;
pub mod bankruptcy;
pub mod collateral;
pub mod crash;
pub mod cu_cases;
pub mod delegates;
pub mod discovery;
pub mod governance;
pub mod keeper;
pub mod lending;
pub mod liquidation;
pub mod liquidation_attacks;
pub mod option_hedges;
pub mod option_trades;
pub mod options;
pub mod oracle;
pub mod pause;
pub mod perps;
pub mod reference;
pub mod risk_engine;
pub mod setup;
pub mod trade_rule;
pub mod venues;
pub mod views;
pub mod vol_index;

use crate::Scenario;

/// All scenarios, in run order.
pub fn all() -> Vec<Scenario> {
    [
        collateral::SCENARIOS,
        oracle::SCENARIOS,
        adversarial::SCENARIOS,
        account_cap::SCENARIOS,
        perps::SCENARIOS,
        options::SCENARIOS,
        option_trades::SCENARIOS,
        option_hedges::SCENARIOS,
        trade_rule::SCENARIOS,
        delegates::SCENARIOS,
        lending::SCENARIOS,
        liquidation::SCENARIOS,
        liquidation_attacks::SCENARIOS,
        bankruptcy::SCENARIOS,
        risk_engine::SCENARIOS,
        vol_index::SCENARIOS,
        discovery::SCENARIOS,
        governance::SCENARIOS,
        pause::SCENARIOS,
        venues::SCENARIOS,
        views::SCENARIOS,
        keeper::SCENARIOS,
        crash::SCENARIOS,
        cu_cases::SCENARIOS,
        reference::SCENARIOS,
    ]
    .concat()
}
