//! Demo section 5: the same legs margined together and apart. A SOL perpetual and a 30-day 165
//! call are listed, the vol authority posts vols, a keeper values the series; then traders build a
//! covered call and delta-hedged calls, while others hold each leg alone, and the table compares
//! the init requirements the program computes.

use std::error::Error;

use cross_margin::engine::options::{ChainParams, SeriesParams};
use cross_margin::engine::perp::PerpParams;
use cross_margin::engine::trade::Instrument;
use cross_margin::instructions::{TradeArgs, VolsPostArgs};
use cross_margin::state::Underlying;
use xmargin_client::chain::{Chain, LocalChain};
use xmargin_client::health::{fetch, fetch_health};
use xmargin_client::{ix, sandbox, Signer};

use crate::demo::{Demo, Trader};
use crate::format::{amount, Table};

const SOL: u16 = 1;
/// Native units per SOL and per USDC.
const SOL_UNITS: u64 = 1_000_000_000;
const USDC: i64 = 1_000_000;
/// 2^32: volatilities and rates are posted in `Q32`.
const Q32: i64 = 1 << 32;

pub fn hedged_vs_legs(demo: &mut Demo) -> Result<(), Box<dyn Error>> {
    list_markets(demo)?;
    let dealer = demo.trader("dealer")?;
    demo.deposit(&dealer, 0, 100_000 * USDC as u64)?;
    let covered = holder(demo, "covered", 10)?;
    let spot = holder(demo, "spot", 10)?;
    let naked = holder(demo, "naked", 0)?;
    let hedged = holder(demo, "hedged", 0)?;
    let calls = holder(demo, "calls", 0)?;
    let short = holder(demo, "short", 0)?;
    let call = Instrument::Option { series: 0 };
    trade(demo, &dealer, &covered, call, 10, 8 * USDC)?;
    trade(demo, &dealer, &naked, call, 10, 8 * USDC)?;
    trade(demo, &hedged, &dealer, call, 10, 8 * USDC)?;
    trade(demo, &calls, &dealer, call, 10, 8 * USDC)?;
    trade(demo, &dealer, &hedged, Instrument::Perp, 4, 150 * USDC)?;
    trade(demo, &dealer, &short, Instrument::Perp, 4, 150 * USDC)?;

    let mut table = Table::new(&["portfolio", "together", "legs apart", "saved"], 1);
    for (name, combined, legs) in [
        ("10 SOL + 10 written 165 calls", &covered, [&spot, &naked]),
        ("10 long 165 calls + 4 short perps", &hedged, [&calls, &short]),
    ] {
        let together = requirement(demo, combined)?;
        let apart = requirement(demo, legs[0])? + requirement(demo, legs[1])?;
        let saved = 100.0 * (apart - together) as f64 / apart as f64;
        table.row(vec![name.into(), usdc(together), usdc(apart), format!("{saved:.0}%")]);
    }
    println!("\ninit requirement in USDC (same legs, one account vs one account per leg):");
    println!("{}", table.render());
    Ok(())
}

/// A trader with 1,000 USDC and `sol` SOL deposited.
fn holder(demo: &mut Demo, label: &'static str, sol: u64) -> Result<Trader, Box<dyn Error>> {
    let t = demo.trader(label)?;
    demo.deposit(&t, 0, 1_000 * USDC as u64)?;
    if sol > 0 {
        demo.deposit(&t, SOL, sol * SOL_UNITS)?;
    }
    Ok(t)
}

/// Lists the SOL perpetual and option chain with its 30-day 165 call, posts vols (index 80%, the
/// call 78%) and values the series.
fn list_markets(demo: &mut Demo) -> Result<(), Box<dyn Error>> {
    let now = demo.chain.now();
    let sol = demo.markets[usize::from(SOL)].clone();
    sandbox::post_price(&mut demo.chain, &sol, 150 * sandbox::E8, 15_000_000, now, full());
    let (admin, group) = (demo.admin.insecure_clone(), demo.group);
    let vol_authority = sandbox::keypair("vol-authority");
    demo.chain.airdrop(&vol_authority.pubkey(), 1_000_000_000);
    let perp = PerpParams {
        contract_size: SOL_UNITS,
        fee_bps: 10,
        band_bps: 500,
        max_funding_bps_per_hour: 100,
        max_open_interest: 1_000_000,
    };
    let chain = ChainParams {
        contract_size: SOL_UNITS,
        fee_bps: 5,
        band_bps: 500,
        vol_authority: vol_authority.pubkey(),
        max_vol_age_secs: 600,
        cache_max_age_secs: 600,
        cache_max_drift_bps: 500,
        settle_window_secs: 300,
        rate: Q32 / 20,
        max_series_open_interest: 1_000_000,
    };
    let series = SeriesParams { kind: 0, strike: 165 * USDC, expiry: now + 30 * 86_400 };
    let sol_price = demo.markets[usize::from(SOL)].price_account;
    let listing = [
        ix::perp_list(&admin.pubkey(), &group, SOL, perp, &sol_price),
        ix::option_list(&admin.pubkey(), &group, SOL, chain, &sol_price),
        ix::option_series_add(&admin.pubkey(), &group, SOL, series),
    ];
    demo.chain.send(&listing, &admin, &[])?;
    let vols = VolsPostArgs { vol_index: Q32 / 100 * 80, vols: vec![Q32 / 100 * 78] };
    let post = ix::option_vols_post(&vol_authority.pubkey(), &group, SOL, &sol_price, vols);
    demo.chain.send(&[post], &vol_authority, &[])?;
    demo.chain.send(&[ix::risk_refresh(&group, SOL, 0, &sol.price_account)], &admin, &[])?;
    let mark = fetch::<Underlying>(&mut demo.chain, &sol.underlying)?.options.series[0].cache.mark;
    println!(
        "\n== 5. cross-margin: a hedged book against its legs ==\nlisted: SOL perpetual, SOL 165 \
         call expiring in 30 days (vol 78%, mark {} USDC per SOL)",
        amount(mark, 6)
    );
    Ok(())
}

fn full() -> pyth_solana_receiver_sdk::price_update::VerificationLevel {
    pyth_solana_receiver_sdk::price_update::VerificationLevel::Full
}

/// `buyer` buys `quantity` contracts of `instrument` on SOL from `seller` at `price` qn each.
pub(crate) fn trade(
    demo: &mut Demo,
    buyer: &Trader,
    seller: &Trader,
    instrument: Instrument,
    quantity: i64,
    price: i64,
) -> Result<(), Box<dyn Error>> {
    let (b, s) =
        (fetch(&mut demo.chain, &buyer.account)?, fetch(&mut demo.chain, &seller.account)?);
    let markets = demo.markets.clone();
    let instruction = ix::trade_execute(
        ix::TradeSide { authority: buyer.wallet.pubkey(), key: buyer.account, account: &b },
        ix::TradeSide { authority: seller.wallet.pubkey(), key: seller.account, account: &s },
        SOL,
        TradeArgs { instrument, quantity, price },
        |i| markets[usize::from(i)].price_account,
    );
    let what = match instrument {
        Instrument::Perp => "SOL perps",
        Instrument::Option { .. } => "SOL 165 calls",
    };
    let what = format!(
        "{} buys {quantity} {what} from {} at {}",
        buyer.label,
        seller.label,
        amount(price, 6)
    );
    demo.act_signed(what, instruction, &buyer.wallet, &seller.wallet)
}

fn requirement(demo: &mut Demo, t: &Trader) -> Result<i128, Box<dyn Error>> {
    let markets = demo.markets.clone();
    let h = fetch_health(&mut demo.chain, &t.account, &|i| markets[usize::from(i)].price_account)?;
    Ok(h.requirement[0])
}

fn usdc(qn: i128) -> String {
    amount(i64::try_from(qn).unwrap_or(i64::MAX), 6)
}
