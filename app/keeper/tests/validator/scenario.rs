//! The scenario: Alice (2,000 USDC) buys 40 SOL perpetuals at 150 from Bob (100,000 USDC); Kate,
//! the keeper, holds 10,000 USDC. SOL gaps to 110: Alice is below maint. `xmargin-keeper --url`
//! liquidates her into Kate's account; the chain then shows Alice back above maint, the contracts
//! moved to Kate, open interest unchanged and every USDC still in the vault. The same figures as
//! the in-process scenario `liquidate_perp_best_step`, here over the real cluster's RPC.

use std::path::PathBuf;
use std::process::Command;

use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use xmargin_client::accounts::token_amount;
use xmargin_client::chain::{Chain, LocalChain, TxReport};
use xmargin_client::cross_margin::engine::perp::PerpParams;
use xmargin_client::cross_margin::engine::trade::Instrument;
use xmargin_client::cross_margin::instructions::TradeArgs;
use xmargin_client::cross_margin::state::MarginAccount;
use xmargin_client::fixtures::{self, PythPrice};
use xmargin_client::genesis::Genesis;
use xmargin_client::health::{fetch, fetch_health};
use xmargin_client::liquidation::Liquidation;
use xmargin_client::rpc::RpcChain;
use xmargin_client::sandbox::{self, AssetSpec, Market, E8};
use xmargin_client::{cross_margin, ix, pda, AccountMeta, Instruction, Keypair, Pubkey, Signer};

use crate::cluster::{deployed, Validator};

/// Native units of one USDC.
const USDC: u64 = 1_000_000;
/// Lamports every wallet starts with (100 SOL).
const WALLET_LAMPORTS: u64 = 100_000_000_000;
/// Contracts Alice buys.
const CONTRACTS: i64 = 40;
/// The SOL perpetual: one SOL a contract, 10 bps fees, a 5% band.
const SOL_PERP: PerpParams = PerpParams {
    contract_size: 1_000_000_000,
    fee_bps: 10,
    band_bps: 500,
    max_funding_bps_per_hour: 100,
    max_open_interest: 1_000_000,
};

/// Who is who, and the markets.
struct Desk {
    admin: Keypair,
    feeder: Keypair,
    traders: [(&'static str, Keypair, u64); 3],
    group: Pubkey,
    quote: Market,
    sol: Market,
}

impl Desk {
    fn trader(&self, label: &str) -> &Keypair {
        &self.traders.iter().find(|(l, _, _)| *l == label).expect("a trader").1
    }

    fn account(&self, label: &str) -> Pubkey {
        pda::margin_account(&self.group, &self.trader(label).pubkey(), 0)
    }

    fn price_of(&self) -> impl Fn(u16) -> Pubkey + '_ {
        move |i| if i == self.sol.index { self.sol.price_account } else { Pubkey::default() }
    }
}

/// The genesis (wallets, mints, token accounts, the price account) and the instructions that
/// create the group and add SOL.
fn genesis() -> (Genesis, Desk, [Instruction; 2]) {
    let mut g = Genesis::new();
    let (admin, feeder) = (sandbox::keypair("rpc-admin"), sandbox::keypair("rpc-feeder"));
    let traders = [
        ("alice", sandbox::keypair("rpc-alice"), 2_000 * USDC),
        ("bob", sandbox::keypair("rpc-bob"), 100_000 * USDC),
        ("kate", sandbox::keypair("rpc-kate"), 10_000 * USDC),
    ];
    for key in
        [admin.pubkey(), feeder.pubkey()].into_iter().chain(traders.iter().map(|t| t.1.pubkey()))
    {
        g.airdrop(&key, WALLET_LAMPORTS);
    }
    let (create, group, quote) = sandbox::group_create(&mut g, &admin.pubkey(), 1, 0, u64::MAX);
    let spec = AssetSpec::new("SOL", 9, 150 * E8);
    let (add, sol) = sandbox::underlying_add(&mut g, &admin.pubkey(), &group, 1, &spec);
    // Published at time 0: stale until the feeder posts the first price.
    let image = fixtures::price_update_by(&print(&sol, 150, 0), &feeder.pubkey());
    g.set_account(&sol.price_account, image);
    for (label, wallet, amount) in &traders {
        sandbox::fund(&mut g, label, &wallet.pubkey(), &quote, *amount);
    }
    (g, Desk { admin, feeder, traders, group, quote, sol }, [create, add])
}

/// A fully verified SOL print of `dollars` at `publish_time`.
fn print(sol: &Market, dollars: i64, publish_time: i64) -> PythPrice {
    PythPrice {
        feed_id: sol.feed_id,
        price: dollars * E8,
        conf: 0,
        exponent: -8,
        publish_time,
        prev_publish_time: publish_time - 1,
        verification: VerificationLevel::Full,
    }
}

fn send(
    chain: &mut RpcChain,
    what: &str,
    ixs: &[Instruction],
    payer: &Keypair,
    others: &[&Keypair],
) -> TxReport {
    chain.send(ixs, payer, others).unwrap_or_else(|e| panic!("{what}: {e}"))
}

/// The feeder posts SOL at `dollars`, published at the chain's clock, through the stand-in
/// receiver.
fn post_sol(chain: &mut RpcChain, desk: &Desk, dollars: i64) {
    let now = chain.now();
    let image = fixtures::price_update_by(&print(&desk.sol, dollars, now), &desk.feeder.pubkey());
    let post = Instruction {
        program_id: pyth_solana_receiver_sdk::ID,
        accounts: vec![
            AccountMeta::new(desk.sol.price_account, false),
            AccountMeta::new_readonly(desk.feeder.pubkey(), true),
        ],
        data: image.data,
    };
    send(chain, "post SOL", &[post], &desk.feeder, &[]);
}

fn margin(chain: &mut RpcChain, key: &Pubkey) -> MarginAccount {
    fetch(chain, key).unwrap_or_else(|e| panic!("margin account {key}: {e}"))
}

/// `label`'s SOL perpetual: (contracts, unsettled quote in native USDC).
fn sol_perp(chain: &mut RpcChain, desk: &Desk, label: &str) -> (i64, i64) {
    let account = margin(chain, &desk.account(label));
    let position = account.perps.iter().find(|p| p.underlying == desk.sol.index);
    position.map_or((0, 0), |p| (p.base, p.quote))
}

fn sol_base(chain: &mut RpcChain, desk: &Desk, label: &str) -> i64 {
    sol_perp(chain, desk, label).0
}

/// Runs the scenario; the line of figures it reports.
pub fn run() -> Result<String, String> {
    let (genesis, desk, [create, add]) = genesis();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("validator-{}", std::process::id()));
    let programs = [
        (cross_margin::ID, deployed("cross_margin")?),
        (pyth_solana_receiver_sdk::ID, deployed("pyth_receiver_mock")?),
    ];
    let validator = Validator::start(dir.clone(), &genesis, &programs)?;
    let mut chain = RpcChain::connect(&validator.url).map_err(|e| e.to_string())?;
    let admin = &desk.admin;

    // The market, by transaction.
    send(&mut chain, "group_create", &[create], admin, &[]);
    send(&mut chain, "underlying_add", &[add], admin, &[]);
    post_sol(&mut chain, &desk, 150);
    let list = ix::perp_list(
        &admin.pubkey(),
        &desk.group,
        desk.sol.index,
        SOL_PERP,
        &desk.sol.price_account,
    );
    send(&mut chain, "perp_list", &[list], admin, &[]);
    for (label, wallet, amount) in &desk.traders {
        let owner = wallet.pubkey();
        let source = sandbox::token_account_key(label, &desk.quote);
        let open = ix::account_create(&owner, &desk.group, 0);
        let deposit = ix::collateral_deposit(
            &owner,
            &desk.account(label),
            &desk.quote.underlying,
            &source,
            *amount,
        );
        send(&mut chain, "account_create + collateral_deposit", &[open, deposit], wallet, &[]);
    }

    // Alice buys 40 contracts from Bob at 150.
    let (alice, bob) =
        (margin(&mut chain, &desk.account("alice")), margin(&mut chain, &desk.account("bob")));
    let side = |label: &str, account| ix::TradeSide {
        authority: desk.trader(label).pubkey(),
        key: desk.account(label),
        account,
    };
    let args =
        TradeArgs { instrument: Instrument::Perp, quantity: CONTRACTS, price: 150 * USDC as i64 };
    let trade = ix::trade_execute(
        side("alice", &alice),
        side("bob", &bob),
        desk.sol.index,
        args,
        desk.price_of(),
    );
    send(&mut chain, "trade_execute", &[trade], desk.trader("alice"), &[desk.trader("bob")]);
    assert_eq!(sol_base(&mut chain, &desk, "alice"), CONTRACTS);
    let vault_before = vault_balance(&mut chain, &desk);
    assert_eq!(vault_before, 112_000 * USDC);

    // SOL gaps to 110: Alice is liquidatable, as the client's own health code sees it over RPC.
    post_sol(&mut chain, &desk, 110);
    let view = Liquidation::fetch(
        &mut chain,
        &desk.account("kate"),
        &desk.account("alice"),
        &desk.price_of(),
    )
    .map_err(|e| format!("liquidation view: {e}"))?;
    let before = view.liquidatee_health().map_err(|e| e.to_string())?;
    assert!(view.liquidatable().map_err(|e| e.to_string())?, "{before:?}");
    // Equity 1,994 - 40 * 40 = 394 against a maint requirement of 13% of 4,400 = 572.
    assert_eq!(before.maint_health, -178 * USDC as i128 - 6, "{before:?}");

    // The keeper, as an operator runs it.
    let log = run_keeper(&validator.url, &dir, &desk)?;
    let ticks: Vec<&str> = log.lines().filter(|l| l.contains(" tick tick=")).collect();
    assert_eq!(ticks.len(), 2, "{log}");
    let landed: u64 = field(ticks[0], "liquidations").and_then(|v| v.parse().ok()).unwrap_or(0);
    assert!(landed >= 1, "the first tick liquidates: {log}");
    assert_eq!(field(ticks[0], "tracked"), Some("3"), "{log}");
    assert_eq!(field(ticks[1], "liquidatable"), Some("0"), "{log}");
    assert_eq!(field(ticks[1], "liquidations"), Some("0"), "{log}");
    // Kate's wallet paid the fees of what the keeper sent, out of its genesis 100 SOL.
    let wallet: u64 = field(ticks[1], "wallet_lamports").and_then(|v| v.parse().ok()).unwrap_or(0);
    let wallet_now = chain.account(&desk.trader("kate").pubkey()).map_or(0, |a| a.lamports);
    assert!(wallet > 0 && wallet < WALLET_LAMPORTS && wallet == wallet_now, "{wallet} {log}");

    // On chain: Alice back above maint, the contracts moved to Kate, nothing created or lost.
    let after = fetch_health(&mut chain, &desk.account("alice"), &desk.price_of())
        .map_err(|e| e.to_string())?;
    assert!(after.maint_health >= 0, "{after:?}");
    let (a, b, k) = (
        sol_base(&mut chain, &desk, "alice"),
        sol_base(&mut chain, &desk, "bob"),
        sol_base(&mut chain, &desk, "kate"),
    );
    assert_eq!((a + k, b), (CONTRACTS, -CONTRACTS));
    // The planner's step, as in-process (`liquidate_perp_best_step`): 29 contracts take Alice's
    // init health from -794 to 25.83; Kate bought them at 110 and was paid 10% of the 14.30 of
    // maint requirement each released.
    assert_eq!(k, 29, "alice {a}, kate {k}");
    let incentive = 29 * 1_430_000;
    assert_eq!(sol_perp(&mut chain, &desk, "kate").1, -29 * 110 * USDC as i64 + incentive);
    assert_eq!(vault_balance(&mut chain, &desk), vault_before);
    // Flagged while below init, as the program rules.
    let flagged = margin(&mut chain, &desk.account("alice")).liquidation_since != 0;
    assert_eq!(flagged, after.init_health < 0, "{after:?}");
    let line = format!(
        "over RPC: alice maint health {} -> {} USDC, {} contracts moved to the keeper in {landed} step(s)",
        before.maint_health as f64 / USDC as f64,
        after.maint_health as f64 / USDC as f64,
        CONTRACTS - a
    );
    drop(validator);
    Ok(line)
}

/// Native USDC in the group's quote vault.
fn vault_balance(chain: &mut RpcChain, desk: &Desk) -> u64 {
    let vault = chain.account(&desk.quote.vault).expect("the quote vault");
    token_amount(&vault.data).expect("a token account")
}

/// Runs `xmargin-keeper --url` for two ticks as Kate; its log (stderr).
fn run_keeper(url: &str, dir: &std::path::Path, desk: &Desk) -> Result<String, String> {
    let keypair = dir.join("kate.json");
    let bytes: Vec<String> = desk.trader("kate").to_bytes().iter().map(u8::to_string).collect();
    std::fs::write(&keypair, format!("[{}]", bytes.join(","))).map_err(|e| e.to_string())?;
    let out = Command::new(env!("CARGO_BIN_EXE_xmargin-keeper"))
        .args(["--url", url, "--keypair"])
        .arg(&keypair)
        .args(["--group", &desk.group.to_string(), "--ticks", "2", "--interval-secs", "1"])
        .output()
        .map_err(|e| format!("running xmargin-keeper: {e}"))?;
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        return Err(format!("xmargin-keeper exited {}: {log}", out.status));
    }
    Ok(log)
}

/// The value of `name=` in a log line.
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    line.split_whitespace().find_map(|w| w.strip_prefix(name)?.strip_prefix('='))
}
