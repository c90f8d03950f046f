//! Demo section 6: a price gap. Two traders long SOL perpetuals fall below maint when SOL gaps
//! from 150 to 105 (-30%, beyond the 27% init range); the keeper (`xmargin_keeper`: one tick finds
//! every account of the group and liquidates those below maint with the client's planner, the
//! program's own liquidation code run off-chain) takes one back to health and the other past zero
//! equity; the bankrupt account's loss settles into a loan that the insurance fund covers.

use std::error::Error;

use cross_margin::engine::liquidation::LiquidationStep;
use cross_margin::engine::trade::Instrument;
use cross_margin::state::{Group, MarginAccount, Underlying, QUOTE_INDEX};
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use xmargin_client::chain::{Chain, LocalChain};
use xmargin_client::health::fetch;
use xmargin_client::liquidation::{bankruptcy_state, BankruptcyState};
use xmargin_client::{ix, pda, sandbox, Signer};
use xmargin_keeper::Keeper;

use crate::demo::Demo;
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
    println!(
        "SOL gaps from 150 to 105; kate (a keeper) liquidates whoever is below maint and settles \
         what that leaves:"
    );
    let before = fund_balance(demo)?;
    let keeper = Keeper {
        group: demo.group,
        wallet: kate.wallet.insecure_clone(),
        account: kate.account,
        min_incentive: 0,
        compute_unit_limit: 1_400_000,
        priority_micro_lamports: 0,
        funding_interval_secs: 3_600,
        dry_run: false,
    };
    let report = keeper.tick(&mut demo.chain)?;
    let mut table = Table::new(
        &["account", "step", "rate", "incentive", "maint before", "maint after", "init after"],
        2,
    );
    for s in &report.steps {
        let o = s.predicted.outcome;
        let who = [&dave, &fred].into_iter().find(|t| t.account == s.liquidatee);
        table.row(vec![
            who.map_or_else(|| s.liquidatee.to_string(), |t| t.label.to_string()),
            describe(&s.step),
            format!("{}%", o.rate_bps / 100),
            amount(o.incentive, 6),
            usdc(s.predicted.before.maint_health),
            usdc(o.maint_after),
            usdc(o.init_after),
        ]);
    }
    println!("{}", table.render());

    // Fred has nothing left and lost more than he holds: in the same tick his 2,100 settle to the
    // maker (the winner) and `account_settle_bankruptcy` settles the rest and resolves what he
    // owes at once: the insurance fund pays, the rest would be socialized; his fees are waived.
    let group = demo.group;
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
