//! Compute-unit cases: budgets, the report file and its table.

use std::path::PathBuf;

/// Cases every SBF run must record, with their budgets (`None`: recorded, no budget yet).
pub const CASES: &[(&str, Option<u64>)] = &[
    ("deposit", Some(30_000)),
    ("withdraw_1_collateral", None),
    ("withdraw_8_collateral", Some(80_000)),
    ("bs_price_greeks", Some(15_000)),
    ("risk_scenarios_series", Some(150_000)),
    ("trade_perp_open", Some(50_000)),
    ("perp_update_funding", Some(10_000)),
    ("refresh_risk_series", Some(150_000)),
    ("health_full_portfolio", Some(150_000)),
    ("trade_full_portfolio", Some(400_000)),
    ("trade_below_init_full_portfolio", Some(400_000)),
    ("trade_two_accounts_at_the_cap", Some(250_000)),
    ("settle_expired_batch_8", None),
    ("liquidate_collateral_full_portfolio", Some(600_000)),
    ("liquidate_perp_full_portfolio", Some(600_000)),
    ("liquidate_option_full_portfolio", Some(600_000)),
    ("liquidate_slice_full_portfolio", Some(600_000)),
    ("resolve_bankruptcy", None),
    ("risk_sample_price", Some(40_000)),
    ("settle_bankruptcy", Some(60_000)),
    ("keeper_liquidation_step_mean", None),
    ("keeper_liquidation_step_max", Some(600_000)),
    ("health_1_options", None),
    ("health_8_options", None),
    ("health_32_options", None),
    ("health_64_options", None),
    ("health_128_options", None),
    ("venue_fill_via_cpi", Some(450_000)),
    ("rfq_health_check_after_fill", None),
    ("rfq_quote_fill_full_portfolio", None),
    ("health_check_cpi", Some(200_000)),
    ("rfq_account_check_full_portfolio", None),
    ("health_check_full_portfolio", None),
];

/// `target/cu-report.json`.
pub fn report_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/cu-report.json")
}

/// Checks that every recorded case is within budget and, when `complete`, that every case was
/// recorded (once per name: the first measurement counts); returns the report rows in [`CASES`]
/// order followed by any extra cases.
pub fn check(recorded: &[(String, u64)], complete: bool) -> Result<Vec<(String, u64)>, String> {
    let mut rows: Vec<(String, u64)> = Vec::new();
    for (case, cu) in recorded {
        if !rows.iter().any(|(c, _)| c == case) {
            rows.push((case.clone(), *cu));
        }
    }
    let mut problems = Vec::new();
    for (case, budget) in CASES {
        match (rows.iter().find(|(c, _)| c == case), budget) {
            (None, _) if complete => problems.push(format!("CU case `{case}` was not recorded")),
            (Some((_, cu)), Some(max)) if cu > max => {
                problems.push(format!("CU case `{case}`: {cu} > budget {max}"))
            }
            _ => {}
        }
    }
    rows.sort_by_key(|(c, _)| CASES.iter().position(|(k, _)| k == c).unwrap_or(usize::MAX));
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems.join("\n"))
    }
}

/// JSON array of `{"case": ..., "cu": ...}`.
pub fn to_json(rows: &[(String, u64)]) -> String {
    let items: Vec<String> =
        rows.iter().map(|(case, cu)| format!("  {{\"case\": \"{case}\", \"cu\": {cu}}}")).collect();
    format!("[\n{}\n]\n", items.join(",\n"))
}

/// Markdown table with budgets.
pub fn to_table(rows: &[(String, u64)]) -> String {
    let mut out = String::from("| case | CU | budget |\n| --- | ---: | ---: |\n");
    for (case, cu) in rows {
        let budget = CASES
            .iter()
            .find(|(c, _)| c == case)
            .and_then(|(_, b)| *b)
            .map_or("-".to_string(), |b| b.to_string());
        out.push_str(&format!("| {case} | {cu} | {budget} |\n"));
    }
    out
}
