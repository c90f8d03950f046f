//! Demo section 6: a price gap. Two traders long SOL perpetuals fall below maint when SOL gaps
//! from 150 to 105 (-30%, beyond the 27% init range); a keeper liquidates them step by step with the client's planner (the
//! program's own liquidation code run off-chain), one back to health, the other past zero
//! equity; the bankrupt account's loss settles into a loan that the insurance fund covers.

use std::error::Error;

use cross_margin::engine::liquidation::LiquidationStep;
use cross_margin::engine::trade::Instrument;
use cross_margin::state::{Group, MarginAccount, Underlying, QUOTE_INDEX};
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use xmargin_client::chain::{Chain, LocalChain};
use xmargin_client::health::fetch;
use xmargin_client::liquidation::{bankruptcy_state, BankruptcyState, Liquidation};
use xmargin_client::{ix, pda, sandbox, Signer};

use crate::demo::{Demo, Trader};
use crate::demo_hedges::trade;
use crate::format::{amount, Table};

const SOL: u16 = 1;
const USDC: i64 = 1_000_000;

pub fn gap_and_liquidations(demo: &mut Demo) -> Result<(), Box<dyn Error>> {
    println!("\n== 6. a price gap: liquidations and a bankruptcy covered by the insurance fund ==");
    let maker = demo.trader("maker")?;
    demo.deposit(&maker, 0, 100_000 * USDC as u64)?;
    let kate = demo.trader("kate")?;
    demo.deposit(&kate, 0, 50_000 * USDC as u64)?;
    let dave = demo.trader("dave")?;
    demo.deposit(&dave, 0, 2_000 * USDC as u64)?;
    let fred = demo.trader("fred")?;
    demo.deposit(&fred, 0, 2_100 * USDC as u64)?;
    trade(demo, &dave, &maker, Instrument::Perp, 40, 150 * USDC)?;
    trade(demo, &fred, &maker, Instrument::Perp, 50, 150 * USDC)?;
    insure(demo, "ivan", 2_000 * USDC as u64)?;

    let now = demo.chain.now() + 60;
    demo.chain.set_time(now);
    let sol = demo.markets[usize::from(SOL)].clone();
    sandbox::post_price(&mut demo.chain, &sol, 105 * sandbox::E8, 0, now, VerificationLevel::Full);
    println!("SOL gaps from 150 to 105; kate (a keeper) liquidates whoever is below maint:");
    let mut table = Table::new(
        &["account", "step", "rate", "incentive", "maint before", "maint after", "init after"],
        2,
    );
    for victim in [&dave, &fred] {
        liquidate_all(demo, &kate, victim, &mut table)?;
    }
    println!("{}", table.render());

    // Fred has nothing left and lost more than he holds: his 2,100 settle to the maker (the
    // winner), then `account_settle_bankruptcy` settles the rest and resolves what he owes at
    // once: the insurance fund pays, the rest would be socialized; his unpaid fees are waived.
    let group = demo.group;
    let oracle = sol.price_account;
    let before = fund_balance(demo)?;
    let settle = ix::perp_settle_pnl(&group, &maker.account, &fred.account, SOL, &oracle, vec![]);
    let bankrupt =
        ix::account_settle_bankruptcy(&group, &maker.account, &fred.account, SOL, &oracle);
    demo.chain.send(&[settle, bankrupt], &demo.admin.insecure_clone(), &[])?;
    let account: MarginAccount = fetch(&mut demo.chain, &fred.account)?;
    if bankruptcy_state(&account) == BankruptcyState::NeedsSettlement {
        let fees = ix::perp_settle_fees(&group, &fred.account, SOL, &oracle, vec![]);
        demo.chain.send(&[fees], &demo.admin.insecure_clone(), &[])?;
    }
    let account: MarginAccount = fetch(&mut demo.chain, &fred.account)?;
    if bankruptcy_state(&account) != BankruptcyState::NotBankrupt {
        return Err("fred's bankruptcy is not resolved".into());
    }
    let after = fund_balance(demo)?;
    let pool: Underlying = fetch(&mut demo.chain, &pda::underlying(&group, QUOTE_INDEX))?;
    let owed = before - after + pool.lending.loss_unbooked;
    let mut summary = Table::new(&["bankruptcy of fred", "USDC"], 1);
    for (what, value) in [
        ("owed (his loss beyond his 2,100 USDC, fees waived)", owed as i64),
        ("paid by the insurance fund", (before - after) as i64),
        ("socialized over quote deposits", pool.lending.loss_unbooked as i64),
        ("insurance fund left", after as i64),
    ] {
        summary.row(vec![what.into(), amount(value, 6)]);
    }
    println!("{}", summary.render());
    Ok(())
}

/// Steps of `keeper` on `victim` while the planner finds one, one table row each.
fn liquidate_all(
    demo: &mut Demo,
    keeper: &Trader,
    victim: &Trader,
    table: &mut Table,
) -> Result<(), Box<dyn Error>> {
    let markets = demo.markets.clone();
    let price_of = |i: u16| markets[usize::from(i)].price_account;
    loop {
        let view =
            Liquidation::fetch(&mut demo.chain, &keeper.account, &victim.account, &price_of)?;
        if !view.liquidatable()? {
            return Ok(());
        }
        let Some((step, predicted)) = view.best_step(&keeper.wallet.pubkey()) else {
            return Ok(());
        };
        let instruction = view.instruction(&keeper.wallet.pubkey(), step, 0, price_of);
        demo.chain.send(&[instruction], &keeper.wallet, &[])?;
        let o = predicted.outcome;
        table.row(vec![
            victim.label.to_string(),
            describe(&step),
            format!("{}%", o.rate_bps / 100),
            amount(o.incentive, 6),
            usdc(predicted.before.maint_health),
            usdc(o.maint_after),
            usdc(o.init_after),
        ]);
    }
}

fn describe(step: &LiquidationStep) -> String {
    match *step {
        LiquidationStep::Perp { contracts, .. } => format!("{contracts} SOL perps"),
        LiquidationStep::Collateral { amount, .. } => format!("{amount} units of collateral"),
        LiquidationStep::Option { series, contracts, .. } => {
            format!("{contracts} of series {series}")
        }
        LiquidationStep::Slice { fraction_bps } => {
            format!("slice {}.{:02}%", fraction_bps / 100, fraction_bps % 100)
        }
    }
}

/// `label` pays `native` USDC into the insurance fund.
fn insure(demo: &mut Demo, label: &'static str, native: u64) -> Result<(), Box<dyn Error>> {
    let wallet = sandbox::keypair(label);
    demo.chain.airdrop(&wallet.pubkey(), 1_000_000_000);
    let quote = demo.markets[usize::from(QUOTE_INDEX)].clone();
    let source = sandbox::fund(&mut demo.chain, label, &wallet.pubkey(), &quote, native);
    let deposit = ix::insurance_deposit(&wallet.pubkey(), &demo.group, &source, native);
    demo.chain.send(&[deposit], &wallet, &[])?;
    println!("  {label} pays {} USDC into the insurance fund", amount(native as i64, 6));
    Ok(())
}

fn fund_balance(demo: &mut Demo) -> Result<u64, Box<dyn Error>> {
    Ok(fetch::<Group>(&mut demo.chain, &demo.group.clone())?.insurance.balance)
}

fn usdc(qn: i128) -> String {
    amount(i64::try_from(qn).unwrap_or(i64::MAX), 6)
}
