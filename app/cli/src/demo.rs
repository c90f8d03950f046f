//! `xmargin demo`: a whole market lifecycle on the embedded in-process chain (the program running
//! natively in solana-program-test; no validator, no SBF toolchain).

use std::error::Error;

use cross_margin::state::Underlying;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use xmargin_client::chain::{Chain, LocalChain};
use xmargin_client::embedded::EmbeddedChain;
use xmargin_client::health::{fetch, fetch_portfolio};
use xmargin_client::sandbox::{self, AssetSpec, Market, E8};
use xmargin_client::{ix, pda, Instruction, Keypair, Pubkey, Signer};
use xmargin_risk::health::value_holding;

use crate::format::{amount, Table};

/// Demo clock start (unix seconds).
const START: i64 = 1_760_000_000;

pub(crate) struct Trader {
    pub(crate) label: &'static str,
    pub(crate) wallet: Keypair,
    pub(crate) account: Pubkey,
}

pub(crate) struct Demo {
    pub(crate) chain: EmbeddedChain,
    pub(crate) admin: Keypair,
    pub(crate) group: Pubkey,
    pub(crate) markets: Vec<Market>,
}

/// `(asset spec, confidence mantissa at exponent -8)` of the demo's collateral assets.
fn assets() -> [(AssetSpec, u64); 3] {
    [
        (
            AssetSpec {
                init_haircut_bps: 2_000,
                maint_haircut_bps: 1_000,
                ..AssetSpec::new("SOL", 9, 150 * E8)
            },
            15_000_000,
        ),
        (
            AssetSpec {
                init_haircut_bps: 1_000,
                maint_haircut_bps: 500,
                ..AssetSpec::new("BTC", 8, 60_000 * E8)
            },
            30 * E8 as u64,
        ),
        (
            AssetSpec {
                init_haircut_bps: 1_500,
                maint_haircut_bps: 750,
                ..AssetSpec::new("ETH", 8, 3_000 * E8)
            },
            2 * E8 as u64,
        ),
    ]
}

pub fn run() -> Result<(), Box<dyn Error>> {
    println!(
        "xmargin demo: embedded in-process chain (solana-program-test, program running natively)\n"
    );
    let mut demo = Demo::start()?;
    demo.print_markets()?;

    println!("\n== 2. traders open margin accounts and deposit ==");
    let alice = demo.trader("alice")?;
    let bob = demo.trader("bob")?;
    let carol = demo.trader("carol")?;
    demo.deposit(&alice, 1, 10_000_000_000)?; // 10 SOL
    demo.deposit(&alice, 0, 1_000_000_000)?; // 1,000 USDC
    demo.deposit(&bob, 2, 50_000_000)?; // 0.5 BTC
    demo.deposit(&bob, 3, 200_000_000)?; // 2 ETH
    for (index, native) in
        [(0, 5_000_000_000), (1, 20_000_000_000), (2, 10_000_000), (3, 100_000_000)]
    {
        demo.deposit(&carol, index, native)?;
    }
    demo.withdraw(&bob, 2, 10_000_000)?; // 0.1 BTC back to his wallet

    println!("\n== 3. valuation and health (same code as on-chain) ==");
    for trader in [&alice, &bob, &carol] {
        demo.print_account(trader)?;
    }
    let snapshot =
        fetch::<cross_margin::state::MarginAccount>(&mut demo.chain, &bob.account)?.health;
    println!(
        "bob's health recorded on-chain by his withdrawal: init {} / maint {} USDC",
        amount(snapshot.init, 6),
        amount(snapshot.maint, 6)
    );

    println!("\n== 4. a stale feed blocks only what needs it ==");
    let now = demo.chain.now();
    let sol = demo.markets[1].clone();
    sandbox::post_price(
        &mut demo.chain,
        &sol,
        150 * E8,
        15_000_000,
        now - 120,
        VerificationLevel::Full,
    );
    println!("SOL's price is now 120 s old (max 60 s):");
    demo.deposit(&carol, 1, 1_000_000_000)?; // a deposit needs no price
    demo.withdraw(&alice, 0, 100_000_000)?; // alice holds SOL: refused
    demo.withdraw(&bob, 3, 50_000_000)?; // bob holds no SOL: allowed

    crate::demo_hedges::hedged_vs_legs(&mut demo)?;
    crate::demo_liquidation::gap_and_liquidations(&mut demo)
}

impl Demo {
    fn start() -> Result<Demo, Box<dyn Error>> {
        let mut chain = EmbeddedChain::start(START);
        let admin = sandbox::keypair("admin");
        chain.airdrop(&admin.pubkey(), 100_000_000_000);
        let (create, group, quote) =
            sandbox::group_create(&mut chain, &admin.pubkey(), 0, 0, u64::MAX);
        chain.send(&[create], &admin, &[])?;
        let mut demo = Demo { chain, admin, group, markets: vec![quote] };
        for (spec, conf) in assets() {
            let index = demo.markets.len() as u16;
            let (add, market) = sandbox::underlying_add(
                &mut demo.chain,
                &demo.admin.pubkey(),
                &group,
                index,
                &spec,
            );
            let admin = demo.admin.insecure_clone();
            demo.chain.send(&[add], &admin, &[])?;
            sandbox::post_price(
                &mut demo.chain,
                &market,
                spec.price,
                conf,
                START,
                VerificationLevel::Full,
            );
            demo.markets.push(market);
        }
        Ok(demo)
    }

    fn print_markets(&mut self) -> Result<(), Box<dyn Error>> {
        println!("== 1. group {} with a quote asset and three collateral assets ==", self.group);
        let percent = |bps: u16| format!("{}.{:02}%", bps / 100, bps % 100);
        let mut table = Table::new(
            &["#", "asset", "price", "conf", "init haircut", "maint haircut", "oracle"],
            2,
        );
        for m in self.markets.clone() {
            let u: Underlying = fetch(&mut self.chain, &m.underlying)?;
            let haircuts = u.collateral.haircuts_at(START);
            let (price, conf, oracle) =
                match assets().into_iter().find(|(spec, _)| spec.name == m.name) {
                    None => ("1".to_string(), "-".to_string(), "unit of account".to_string()),
                    Some((spec, conf)) => (
                        amount(spec.price, 8),
                        amount(conf as i64, 8),
                        format!("Pyth, max age {} s", u.oracle.max_age_secs),
                    ),
                };
            table.row(vec![
                m.index.to_string(),
                m.name.to_string(),
                price,
                conf,
                percent(haircuts.init_bps),
                percent(haircuts.maint_bps),
                oracle,
            ]);
        }
        println!("{}", table.render());
        Ok(())
    }

    pub(crate) fn trader(&mut self, label: &'static str) -> Result<Trader, Box<dyn Error>> {
        let wallet = sandbox::keypair(label);
        self.chain.airdrop(&wallet.pubkey(), 10_000_000_000);
        self.chain.send(&[ix::account_create(&wallet.pubkey(), &self.group, 0)], &wallet, &[])?;
        let account = pda::margin_account(&self.group, &wallet.pubkey(), 0);
        Ok(Trader { label, wallet, account })
    }

    /// Sends and prints the outcome; a refusal by the program is an expected outcome, anything
    /// else is an error.
    fn act(
        &mut self,
        what: String,
        instruction: Instruction,
        signer: &Keypair,
    ) -> Result<(), Box<dyn Error>> {
        self.act_with(what, instruction, signer, &[])
    }

    /// [`Demo::act`] with a second signer (both sides of a trade).
    pub(crate) fn act_signed(
        &mut self,
        what: String,
        instruction: Instruction,
        payer: &Keypair,
        other: &Keypair,
    ) -> Result<(), Box<dyn Error>> {
        self.act_with(what, instruction, payer, &[other])
    }

    fn act_with(
        &mut self,
        what: String,
        instruction: Instruction,
        signer: &Keypair,
        others: &[&Keypair],
    ) -> Result<(), Box<dyn Error>> {
        match self.chain.send(&[instruction], signer, others) {
            Ok(_) => println!("  {what:<54} ok"),
            Err(failure) => match failure.program_error() {
                Some((name, message)) => println!("  {what:<54} refused: {name} ({message})"),
                None => return Err(Box::new(failure) as Box<dyn Error>),
            },
        }
        Ok(())
    }

    pub(crate) fn deposit(
        &mut self,
        trader: &Trader,
        index: u16,
        native: u64,
    ) -> Result<(), Box<dyn Error>> {
        let m = self.markets[index as usize].clone();
        let source = sandbox::token_account_key(trader.label, &m);
        let held = self
            .chain
            .account(&source)
            .map_or(Ok(0), |a| xmargin_client::accounts::token_amount(&a.data))?;
        sandbox::fund(&mut self.chain, trader.label, &trader.wallet.pubkey(), &m, held + native);
        let instruction = ix::collateral_deposit(
            &trader.wallet.pubkey(),
            &trader.account,
            &m.underlying,
            &source,
            native,
        );
        let what =
            format!("{} deposits {} {}", trader.label, amount(native as i64, m.decimals), m.name);
        self.act(what, instruction, &trader.wallet)
    }

    fn withdraw(&mut self, trader: &Trader, index: u16, native: u64) -> Result<(), Box<dyn Error>> {
        let m = self.markets[index as usize].clone();
        let destination = sandbox::token_account_key(trader.label, &m);
        if self.chain.account(&destination).is_none() {
            sandbox::fund(&mut self.chain, trader.label, &trader.wallet.pubkey(), &m, 0);
        }
        let account = fetch(&mut self.chain, &trader.account)?;
        let markets = &self.markets;
        let instruction = ix::collateral_withdraw_with_health(
            &account,
            &trader.account,
            index,
            &destination,
            native,
            |i| markets[i as usize].price_account,
        );
        let what =
            format!("{} withdraws {} {}", trader.label, amount(native as i64, m.decimals), m.name);
        self.act(what, instruction, &trader.wallet)
    }

    fn print_account(&mut self, trader: &Trader) -> Result<(), Box<dyn Error>> {
        let markets = self.markets.clone();
        let portfolio = fetch_portfolio(&mut self.chain, &trader.account, &|i| {
            markets[i as usize].price_account
        })?;
        let mut table =
            Table::new(&["asset", "balance", "value", "init health", "maint health"], 1);
        for holding in portfolio.holdings() {
            let v = value_holding(&holding)?;
            let m = &markets[holding.underlying as usize];
            table.row(vec![
                m.name.to_string(),
                amount(holding.balance, m.decimals),
                format!("{:.2}", v.value),
                format!("{:.2}", v.init),
                format!("{:.2}", v.maint),
            ]);
        }
        let h = portfolio.health()?;
        let c = &h.collateral;
        table.row(vec![
            "collateral".into(),
            String::new(),
            format!("{:.2}", c.assets),
            format!("{:.2}", c.init),
            format!("{:.2}", c.maint),
        ]);
        let usdc = |qn: i128| format!("{:.2}", qn as f64 / 1e6);
        table.row(vec![
            "- scenario requirement".into(),
            String::new(),
            String::new(),
            usdc(h.requirement[0]),
            usdc(h.requirement[1]),
        ]);
        table.row(vec![
            "health".into(),
            String::new(),
            String::new(),
            usdc(h.init_health),
            usdc(h.maint_health),
        ]);
        println!(
            "{} (account {}), values in USDC:\n{}\n",
            trader.label,
            trader.account,
            table.render()
        );
        Ok(())
    }
}
