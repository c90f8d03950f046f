//! `World`: a chain (either backend) plus the fixtures scenarios share: a group, its markets (mint,
//! underlying, vault, Pyth price account), traders, and the conservation check that runs after
//! every transaction.

use anchor_lang::prelude::Pubkey;
use cross_margin::engine::liquidation::LiquidationStep;
use cross_margin::engine::perp::PerpParams;
use cross_margin::engine::portfolio::AccountHealth;
use cross_margin::engine::trade::{Instrument, Reference};
use cross_margin::instructions::TradeArgs;
use cross_margin::state::{Group, MarginAccount, Underlying};
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use xmargin_client::accounts::{decode, token_amount};
use xmargin_client::chain::{AccountData, LocalChain, TxFailure, TxReport};
use xmargin_client::health::{fetch_health, trade_reference, HealthError};
use xmargin_client::liquidation::Liquidation;
use xmargin_client::sandbox;
pub use xmargin_client::sandbox::{address, keypair, AssetSpec, Market, E8};
use xmargin_client::{ix, pda, Instruction, Keypair, Signer};
use xmargin_risk::health::Health;

/// Scenario start time (unix seconds).
pub const T0: i64 = 1_760_000_000;
/// Native units per quote unit.
pub const USDC: u64 = 1_000_000;

/// A trader: wallet and margin account number 0.
pub struct Trader {
    pub label: String,
    pub wallet: Keypair,
    pub account: Pubkey,
}

pub struct World {
    pub chain: Box<dyn LocalChain>,
    pub admin: Keypair,
    pub group: Pubkey,
    pub markets: Vec<Market>,
    /// Margin accounts whose balances the conservation check sums.
    pub(crate) accounts: Vec<Pubkey>,
    /// CU cases recorded by the scenario (`case`, compute units).
    pub cu: Vec<(String, u64)>,
    /// Figures the scenario reports (the test command prints them after the run).
    pub figures: Vec<String>,
    /// Transactions sent so far (for failure messages).
    pub steps: usize,
    /// When set, every transaction starts with `SetComputeUnitLimit` of this many units.
    pub compute_limit: Option<u32>,
}

impl World {
    /// A world on `chain` with a funded admin and the clock at [`T0`]; no group yet.
    pub fn new(mut chain: Box<dyn LocalChain>) -> World {
        chain.set_time(T0);
        let admin = keypair("admin");
        chain.airdrop(&admin.pubkey(), 100_000_000_000);
        World {
            chain,
            admin,
            group: Pubkey::default(),
            markets: vec![],
            accounts: vec![],
            cu: vec![],
            figures: vec![],
            steps: 0,
            compute_limit: None,
        }
    }

    pub fn backend(&self) -> &'static str {
        self.chain.backend()
    }

    /// Whether transactions carry the program's events and return data. SBF only: natively,
    /// Anchor's `emit!` and solana-cpi 3.1's `set_return_data` are no-ops.
    pub fn sees_program_output(&self) -> bool {
        self.backend() == "sbf"
    }

    /// Creates the group (group number 0) with a 6-decimal quote asset `USDC` as market 0.
    pub fn create_group(&mut self, risk_timelock_secs: u32) {
        self.create_group_with(risk_timelock_secs, u64::MAX);
    }

    /// [`World::create_group`] with a quote deposit cap.
    pub fn create_group_with(&mut self, risk_timelock_secs: u32, quote_deposit_cap: u64) {
        let admin = self.admin.insecure_clone();
        let (instruction, group, quote) = sandbox::group_create(
            &mut *self.chain,
            &admin.pubkey(),
            0,
            risk_timelock_secs,
            quote_deposit_cap,
        );
        self.send(&[instruction], &admin, &[]).expect("group_create");
        self.group = group;
        self.markets.push(quote);
    }

    /// Instruction adding `spec` as the next underlying (for tests that tamper with it).
    pub fn add_asset_ix(&mut self, spec: &AssetSpec) -> (Instruction, Market) {
        let index = self.markets.len() as u16;
        sandbox::underlying_add(&mut *self.chain, &self.admin.pubkey(), &self.group, index, spec)
    }

    /// Adds an asset and posts its price; returns its index.
    pub fn add_asset(&mut self, spec: AssetSpec) -> u16 {
        let (instruction, market) = self.add_asset_ix(&spec);
        let admin = self.admin.insecure_clone();
        self.send(&[instruction], &admin, &[]).expect("underlying_add");
        self.markets.push(market);
        let index = self.markets.len() as u16 - 1;
        self.set_price(index, spec.price, 0);
        index
    }

    /// Posts a fully verified price for market `index` published now.
    pub fn set_price(&mut self, index: u16, price: i64, conf: u64) {
        let publish_time = self.chain.now();
        self.set_price_update(index, price, conf, publish_time, VerificationLevel::Full);
    }

    /// Posts an arbitrary price update for market `index`.
    pub fn set_price_update(
        &mut self,
        index: u16,
        price: i64,
        conf: u64,
        publish_time: i64,
        verification: VerificationLevel,
    ) {
        let market = self.markets[index as usize].clone();
        sandbox::post_price(&mut *self.chain, &market, price, conf, publish_time, verification);
    }

    /// Posts a print of market `index` published at `times[1]`, the feed's previous print at
    /// `times[0]` (for the settlement-price rule).
    pub fn post_print(&mut self, index: u16, price: i64, conf: u64, times: [i64; 2]) {
        let market = self.markets[index as usize].clone();
        let full = VerificationLevel::Full;
        sandbox::post_print(
            &mut *self.chain,
            &market.price_account,
            &market,
            price,
            conf,
            times,
            full,
        );
    }

    /// Settles market `index`'s series expiring at `expiry` at `price` (10^-8 units): posts the
    /// first print after the expiry (30 s after it, the previous one a second before it) and sends
    /// `option_settle_expiry` (by a keeper).
    pub fn settle_expiry(
        &mut self,
        index: u16,
        expiry: i64,
        price: i64,
    ) -> Result<TxReport, TxFailure> {
        self.post_print(index, price, 0, [expiry - 1, expiry + 30]);
        let oracle = self.markets[index as usize].price_account;
        self.send_as_keeper(ix::option_settle_expiry(&self.group, index, expiry, &oracle, &[]))
    }

    /// A funded wallet with margin account 0 in the group.
    pub fn new_trader(&mut self, label: &str) -> Trader {
        let wallet = keypair(label);
        self.chain.airdrop(&wallet.pubkey(), 10_000_000_000);
        let account = pda::margin_account(&self.group, &wallet.pubkey(), 0);
        self.send(&[ix::account_create(&wallet.pubkey(), &self.group, 0)], &wallet, &[])
            .expect("account_create");
        self.accounts.push(account);
        Trader { label: label.to_string(), wallet, account }
    }

    /// The trader's token account for market `index` (created empty on first use).
    pub fn token_account(&mut self, trader: &Trader, index: u16) -> Pubkey {
        let market = &self.markets[index as usize];
        let key = sandbox::token_account_key(&trader.label, market);
        if self.chain.account(&key).is_none() {
            let market = market.clone();
            sandbox::fund(&mut *self.chain, &trader.label, &trader.wallet.pubkey(), &market, 0);
        }
        key
    }

    /// Sets the trader's wallet balance of market `index` to `amount` native units.
    pub fn fund(&mut self, trader: &Trader, index: u16, amount: u64) -> Pubkey {
        let market = self.markets[index as usize].clone();
        sandbox::fund(&mut *self.chain, &trader.label, &trader.wallet.pubkey(), &market, amount)
    }

    /// Funds the trader's wallet with `amount` and deposits it.
    pub fn fund_and_deposit(&mut self, trader: &Trader, index: u16, amount: u64) -> TxReport {
        let key = self.token_account(trader, index);
        let held = self.token_balance(&key);
        self.fund(trader, index, held + amount);
        self.deposit(trader, index, amount).expect("deposit")
    }

    /// Deposits from the trader's token account, signed by the owner.
    pub fn deposit(
        &mut self,
        trader: &Trader,
        index: u16,
        amount: u64,
    ) -> Result<TxReport, TxFailure> {
        let source = self.token_account(trader, index);
        let m = &self.markets[index as usize];
        let instruction = ix::collateral_deposit(
            &trader.wallet.pubkey(),
            &trader.account,
            &m.underlying,
            &source,
            amount,
        );
        self.send(&[instruction], &trader.wallet, &[])
    }

    /// The withdraw instruction with correct health accounts.
    pub fn withdraw_ix(&mut self, trader: &Trader, index: u16, amount: u64) -> Instruction {
        let destination = self.token_account(trader, index);
        let account = self.margin(&trader.account);
        let markets = &self.markets;
        ix::collateral_withdraw_with_health(
            &account,
            &trader.account,
            index,
            &destination,
            amount,
            |i| markets[i as usize].price_account,
        )
    }

    /// Health accounts for the given underlyings, using each market's price account.
    pub fn health_metas(&self, underlyings: Vec<u16>) -> Vec<xmargin_client::AccountMeta> {
        let markets = &self.markets;
        ix::health_accounts(&self.group, underlyings, |i| markets[i as usize].price_account)
    }

    /// Withdraws to the trader's token account.
    pub fn withdraw(
        &mut self,
        trader: &Trader,
        index: u16,
        amount: u64,
    ) -> Result<TxReport, TxFailure> {
        let instruction = self.withdraw_ix(trader, index, amount);
        self.send(&[instruction], &trader.wallet, &[])
    }

    /// Lists the perpetual of market `index`.
    pub fn list_perp(&mut self, index: u16, params: PerpParams) {
        let admin = self.admin.insecure_clone();
        let oracle = self.markets[index as usize].price_account;
        let instruction = ix::perp_list(&admin.pubkey(), &self.group, index, params, &oracle);
        self.send(&[instruction], &admin, &[]).expect("perp_list");
    }

    /// The `trade_execute` instruction: `buyer` buys `quantity` contracts of `instrument` on market
    /// `index` from `seller` at `price` qn each, with correct health accounts.
    pub fn trade_ix(
        &mut self,
        buyer: &Trader,
        seller: &Trader,
        index: u16,
        instrument: Instrument,
        quantity: i64,
        price: i64,
    ) -> Instruction {
        let (b, s) = (self.margin(&buyer.account), self.margin(&seller.account));
        let markets = &self.markets;
        ix::trade_execute(
            ix::TradeSide { authority: buyer.wallet.pubkey(), key: buyer.account, account: &b },
            ix::TradeSide { authority: seller.wallet.pubkey(), key: seller.account, account: &s },
            index,
            TradeArgs { instrument, quantity, price },
            |i| markets[i as usize].price_account,
        )
    }

    /// A trade signed by both owners (the buyer pays the transaction fee).
    pub fn trade(
        &mut self,
        buyer: &Trader,
        seller: &Trader,
        index: u16,
        instrument: Instrument,
        quantity: i64,
        price: i64,
    ) -> Result<TxReport, TxFailure> {
        let instruction = self.trade_ix(buyer, seller, index, instrument, quantity, price);
        let seller_wallet = seller.wallet.insecure_clone();
        self.send(&[instruction], &buyer.wallet, &[&seller_wallet])
    }

    /// A perpetual trade signed by both owners.
    pub fn perp_trade(
        &mut self,
        buyer: &Trader,
        seller: &Trader,
        index: u16,
        quantity: i64,
        price: i64,
    ) -> Result<TxReport, TxFailure> {
        self.trade(buyer, seller, index, Instrument::Perp, quantity, price)
    }

    /// Recomputes and records an account's health on-chain (sent by a keeper).
    pub fn refresh_health(&mut self, account: &Pubkey) -> Result<TxReport, TxFailure> {
        let state = self.margin(account);
        let markets = &self.markets;
        let instruction =
            ix::health_refresh(account, &state, |i| markets[i as usize].price_account);
        self.send_as_keeper(instruction)
    }

    /// Runs the funding crank of market `index` (sent by a keeper).
    pub fn update_funding(&mut self, index: u16) -> Result<TxReport, TxFailure> {
        let oracle = self.markets[index as usize].price_account;
        let instruction = ix::perp_update_funding(&self.group, index, &oracle);
        self.send_as_keeper(instruction)
    }

    /// Settles perpetual P&L of market `index` from `loser` to `winner` (sent by a keeper).
    pub fn settle_pnl(
        &mut self,
        winner: &Trader,
        loser: &Trader,
        index: u16,
    ) -> Result<TxReport, TxFailure> {
        let state = self.margin(&loser.account);
        let markets = &self.markets;
        let instruction = ix::perp_settle_pnl_with_health(
            &winner.account,
            (&loser.account, &state),
            index,
            |i| markets[usize::from(i)].price_account,
        );
        self.send_as_keeper(instruction)
    }

    /// The health accounts of the margin account at `key` as it is.
    pub fn health_of(&mut self, key: &Pubkey) -> Vec<xmargin_client::AccountMeta> {
        let account = self.margin(key);
        self.health_metas(cross_margin::engine::portfolio::required_underlyings(&[&account]))
    }

    /// Settles `trader`'s loss on market `index` against its accrued fees (sent by a keeper).
    pub fn settle_fees(&mut self, trader: &Trader, index: u16) -> Result<TxReport, TxFailure> {
        let oracle = self.markets[index as usize].price_account;
        let health = self.health_of(&trader.account);
        let instruction =
            ix::perp_settle_fees(&self.group, &trader.account, index, &oracle, health);
        self.send_as_keeper(instruction)
    }

    /// The liquidation of `liquidatee` by `liquidator`'s account as the client sees it now.
    pub fn liquidation(&mut self, liquidator: &Pubkey, liquidatee: &Pubkey) -> Liquidation {
        let markets = &self.markets;
        let price_of = |i: u16| markets[i as usize].price_account;
        Liquidation::fetch(&mut *self.chain, liquidator, liquidatee, &price_of)
            .expect("liquidation inputs")
    }

    /// The `account_liquidate` instruction: `liquidator`'s owner takes `step` of `liquidatee`.
    pub fn liquidate_ix(
        &mut self,
        liquidator: &Trader,
        liquidatee: &Pubkey,
        step: LiquidationStep,
        min_rate_bps: u16,
    ) -> Instruction {
        let view = self.liquidation(&liquidator.account, liquidatee);
        let markets = &self.markets;
        view.instruction(&liquidator.wallet.pubkey(), step, min_rate_bps, |i| {
            markets[i as usize].price_account
        })
    }

    /// One liquidation step signed (and paid) by `liquidator`'s owner.
    pub fn liquidate(
        &mut self,
        liquidator: &Trader,
        liquidatee: &Pubkey,
        step: LiquidationStep,
    ) -> Result<TxReport, TxFailure> {
        let instruction = self.liquidate_ix(liquidator, liquidatee, step, 0);
        let wallet = liquidator.wallet.insecure_clone();
        self.send(&[instruction], &wallet, &[])
    }

    /// Settles bankrupt `loser`'s whole loss on market `index` to `winner` and resolves it (sent
    /// by a keeper).
    pub fn settle_bankruptcy(
        &mut self,
        winner: &Trader,
        loser: &Trader,
        index: u16,
    ) -> Result<TxReport, TxFailure> {
        let oracle = self.markets[index as usize].price_account;
        let (group, w, l) = (self.group, winner.account, loser.account);
        self.send_as_keeper(ix::account_settle_bankruptcy(&group, &w, &l, index, &oracle))
    }

    /// Resolves the bankruptcy of the margin account at `account` (sent by a keeper).
    pub fn resolve_bankruptcy(&mut self, account: &Pubkey) -> Result<TxReport, TxFailure> {
        let group = self.group;
        self.send_as_keeper(ix::account_resolve_bankruptcy(&group, account))
    }

    /// `trader` pays `amount` quote units from its wallet into the insurance fund.
    pub fn insurance_deposit(
        &mut self,
        trader: &Trader,
        amount: u64,
    ) -> Result<TxReport, TxFailure> {
        let source = self.token_account(trader, 0);
        let held = self.token_balance(&source);
        self.fund(trader, 0, held + amount);
        let group = self.group;
        let instruction = ix::insurance_deposit(&trader.wallet.pubkey(), &group, &source, amount);
        self.send(&[instruction], &trader.wallet.insecure_clone(), &[])
    }

    /// Sends one instruction from a funded keeper wallet that holds no account.
    pub fn send_as_keeper(&mut self, instruction: Instruction) -> Result<TxReport, TxFailure> {
        self.send_as("keeper", instruction)
    }

    /// Sends one instruction paid and signed by the wallet `keypair(label)`, funded on first use.
    pub fn send_as(
        &mut self,
        label: &str,
        instruction: Instruction,
    ) -> Result<TxReport, TxFailure> {
        let wallet = keypair(label);
        if self.chain.account(&wallet.pubkey()).is_none() {
            self.chain.airdrop(&wallet.pubkey(), 10_000_000_000);
        }
        self.send(&[instruction], &wallet, &[])
    }

    /// Sends a transaction (v0 with a lookup table when a legacy one would not fit a packet),
    /// then checks conservation of every market.
    pub fn send(
        &mut self,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<TxReport, TxFailure> {
        let mut all = Vec::with_capacity(instructions.len() + 1);
        all.extend(self.compute_limit.map(ix::compute_unit_limit));
        all.extend_from_slice(instructions);
        // Every transaction must fit a real packet and the account-lock limit: a legacy one when
        // it fits, else a v0 one through a lookup table (both checked by the backend).
        let result = self.chain.send_fitted(&all, payer, signers);
        self.steps += 1;
        self.check_conservation();
        result
    }

    pub fn margin(&mut self, key: &Pubkey) -> MarginAccount {
        let data = self.chain.account(key).expect("margin account exists").data;
        decode(&data).expect("margin account")
    }

    /// The balance of market `index` in a margin account (0 when not held).
    pub fn balance(&mut self, account: &Pubkey, index: u16) -> i64 {
        self.margin(account)
            .active_collateral()
            .find(|c| c.underlying == index)
            .map_or(0, |c| c.balance)
    }

    /// The unsettled quote of a margin account's market position on market `index` (0 when none).
    pub fn unsettled(&mut self, account: &Pubkey, index: u16) -> i64 {
        self.margin(account).perps.iter().find(|p| p.underlying == index).map_or(0, |p| p.quote)
    }

    /// The value per contract a trade of `instrument` on market `index` is held to now (`fresh`: as
    /// for a delegate-signed side).
    pub fn reference(&mut self, index: u16, instrument: Instrument, fresh: bool) -> Reference {
        let price = self.markets[index as usize].price_account;
        let group = self.group;
        trade_reference(&mut *self.chain, &group, index, &instrument, &price, fresh)
            .expect("trade reference")
    }

    /// Collateral figures of a margin account computed off-chain (the client's code path).
    pub fn health(&mut self, account: &Pubkey) -> Result<Health, HealthError> {
        Ok(self.account_health(account)?.collateral)
    }

    /// Full health (collateral, perpetuals, scenario requirement) computed off-chain.
    pub fn account_health(&mut self, account: &Pubkey) -> Result<AccountHealth, HealthError> {
        let markets = &self.markets;
        fetch_health(&mut *self.chain, account, &|i| markets[i as usize].price_account)
    }

    /// The group account.
    pub fn group_state(&mut self) -> Group {
        decode(&self.chain.account(&self.group).expect("group exists").data).expect("group")
    }

    /// Sends one instruction signed and paid by the group's admin.
    pub fn as_admin(&mut self, instruction: Instruction) -> Result<TxReport, TxFailure> {
        let admin = self.admin.insecure_clone();
        self.send(&[instruction], &admin, &[])
    }

    pub fn underlying(&mut self, index: u16) -> Underlying {
        let key = self.markets[index as usize].underlying;
        decode(&self.chain.account(&key).expect("underlying exists").data).expect("underlying")
    }

    pub fn token_balance(&mut self, key: &Pubkey) -> u64 {
        self.chain.account(key).map_or(0, |a| token_amount(&a.data).expect("token account"))
    }

    /// Writes a margin account image (for states only later instructions can reach).
    pub fn overwrite_margin(&mut self, key: &Pubkey, account: &MarginAccount) {
        self.overwrite(key, account);
    }

    /// Writes the image of underlying `index` (for states only later instructions can reach).
    pub fn overwrite_underlying(&mut self, index: u16, underlying: &Underlying) {
        let key = self.markets[index as usize].underlying;
        self.overwrite(&key, underlying);
    }

    /// Writes a zero-copy program account's struct in place, after its discriminator.
    fn overwrite<T: bytemuck::Pod + anchor_lang::Discriminator>(
        &mut self,
        key: &Pubkey,
        value: &T,
    ) {
        let mut current = self.chain.account(key).expect("account exists");
        let offset = T::DISCRIMINATOR.len();
        current.data[offset..offset + core::mem::size_of::<T>()]
            .copy_from_slice(bytemuck::bytes_of(value));
        self.chain.set_account(key, current);
    }

    pub fn set_time(&mut self, unix_timestamp: i64) {
        self.chain.set_time(unix_timestamp);
    }

    pub fn now(&mut self) -> i64 {
        self.chain.now()
    }

    /// Records a compute-unit case (reported and budget-checked on the SBF backend).
    pub fn record_cu(&mut self, case: &str, report: &TxReport) {
        self.cu.push((case.to_string(), report.compute_units));
    }

    /// Records as a compute-unit case what `program`'s `nth` invocation in the transaction
    /// consumed (a CPI's own cost, its callee's part of the total), read from the runtime's
    /// `Program <id> consumed <n> of <m> compute units` lines; 0 on a backend that writes none.
    pub fn record_invocation_cu(
        &mut self,
        case: &str,
        report: &TxReport,
        program: &Pubkey,
        nth: usize,
    ) {
        let prefix = format!("Program {program} consumed ");
        let units = report
            .logs
            .iter()
            .filter_map(|l| l.strip_prefix(&prefix)?.split(' ').next()?.parse::<u64>().ok())
            .nth(nth);
        self.cu.push((case.to_string(), units.unwrap_or(0)));
    }

    /// Prints a figure of the scenario and keeps it for the run's summary.
    pub fn report(&mut self, line: String) {
        println!("  {line}");
        self.figures.push(line);
    }

    /// Writes raw account data (for adversarial setups).
    pub fn set_account(&mut self, key: &Pubkey, account: AccountData) {
        self.chain.set_account(key, account);
    }
}
