//! The fuzzer's steps: one random action each, drawn with fixed weights (module doc of `fuzz`).

use cross_margin::engine::liquidation::LiquidationStep;
use cross_margin::engine::params::{CollateralTerms, Direction, ParamChange};
use cross_margin::engine::perp::PerpTerms;
use cross_margin::engine::trade::Instrument;
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use xmargin_client::crowd::{Move, BTC, ETH, SOL};
use xmargin_client::{admin, ix, sandbox, Instruction, Keypair, Pubkey, Signer};

use super::{Fuzz, Signed};
use crate::world::Trader;

/// Prices walk within this factor of where they started, either way. Unbounded, a walk of
/// symmetric percentage moves drifts down (the mean of its logarithm is negative): one reached 0
/// part-way through a million-step run, after which that market's price-dependent steps were all
/// refused (`OracleNonPositive`).
pub(crate) const PRICE_RANGE: i64 = 8;

/// Seconds a price stays valid (the crowd's assets' `max_age_secs`).
const MAX_AGE: i64 = 60;

/// The actions and their weights.
const ACTIONS: &[(&str, u64)] = &[
    ("deposit", 10),
    ("withdraw", 10),
    ("perp_trade", 14),
    ("option_trade", 10),
    ("set_delegate", 3),
    ("delegate_trade", 5),
    ("delegate_withdraw", 2),
    ("wrong_signer_trade", 2),
    ("fake_oracle_trade", 2),
    ("self_trade", 1),
    ("price_move", 8),
    ("stale_feed", 2),
    ("time_move", 4),
    ("vol_move", 2),
    ("crank", 6),
    ("keeper_tick", 3),
    ("settle_pnl", 4),
    ("liquidate", 3),
    ("self_liquidation", 1),
    ("insurance_deposit", 1),
    ("health_refresh", 2),
    ("account_close", 1),
    ("governance", 3),
    ("venue_approval", 2),
    ("venue_fill", 5),
];

impl Fuzz {
    /// One random step.
    pub(crate) fn step(&mut self) {
        let total: u64 = ACTIONS.iter().map(|(_, w)| w).sum();
        let mut pick = self.rng.between(0, total - 1);
        let mut action = ACTIONS[0].0;
        for (name, weight) in ACTIONS {
            if pick < *weight {
                action = name;
                break;
            }
            pick -= weight;
        }
        match action {
            "deposit" => self.deposit(),
            "withdraw" => self.withdraw(false),
            "perp_trade" => self.trade(Kind::Perp),
            "option_trade" => self.trade(Kind::Option),
            "set_delegate" => self.set_delegate(),
            "delegate_trade" => self.trade(Kind::Delegate),
            "delegate_withdraw" => self.withdraw(true),
            "wrong_signer_trade" => self.trade(Kind::WrongSigner),
            "fake_oracle_trade" => self.trade(Kind::FakeOracle),
            "self_trade" => self.trade(Kind::SelfTrade),
            "price_move" => self.price_move(),
            "stale_feed" => self.stale_feed(),
            "time_move" => self.time_move(),
            "vol_move" => self.vol_move(),
            "crank" => self.crank(),
            "keeper_tick" => self.keeper_tick(),
            "settle_pnl" => self.settle_pnl(),
            "liquidate" => self.liquidate(false),
            "self_liquidation" => self.liquidate(true),
            "insurance_deposit" => self.insurance_deposit(),
            "health_refresh" => self.health_refresh(),
            "account_close" => self.account_close(),
            "venue_approval" => self.venue_approval(),
            "venue_fill" => self.venue_fill(),
            _ => self.governance(),
        }
    }

    pub(crate) fn actor(&mut self) -> usize {
        self.rng.between(0, self.actors.len() as u64 - 1) as usize
    }

    fn asset(&mut self) -> u16 {
        self.rng.between(0, 3) as u16
    }

    /// An amount around `scale`: sometimes 0, sometimes far beyond it.
    fn amount(&mut self, scale: u64) -> u64 {
        match self.rng.between(0, 19) {
            0 => 0,
            1 => u64::MAX / 4,
            _ => self.rng.between(1, scale.max(1) * 2),
        }
    }

    /// The actor's balance of `index` in its margin account, native units (0 if none).
    fn balance(&mut self, actor: usize, index: u16) -> u64 {
        let key = self.actors[actor].account;
        match self.w.chain.account(&key) {
            Some(_) => self.w.balance(&key, index).max(0) as u64,
            None => 0,
        }
    }

    fn deposit(&mut self) {
        let (a, index) = (self.actor(), self.asset());
        let scale = [1_000_000_000, 10_000_000_000, 10_000_000, 100_000_000][usize::from(index)];
        let amount = self.amount(scale);
        let t = self.trader(a);
        let source = self.w.token_account(&t, index);
        let held = self.w.token_balance(&source);
        // The wallet holds what it deposits, except for the absurd amounts (refused by the token
        // program).
        let funded = held.saturating_add(amount.min(1 << 50));
        self.w.fund(&t, index, funded);
        let m = &self.w.markets[usize::from(index)];
        let deposit =
            ix::collateral_deposit(&t.wallet.pubkey(), &t.account, &m.underlying, &source, amount);
        let _ =
            self.send("deposit", &[deposit], &t.wallet, &[], Signed { accounts: vec![t.account] });
    }

    /// A withdrawal by the owner (a delegate's must be refused).
    fn withdraw(&mut self, by_delegate: bool) {
        let (a, index) = (self.actor(), self.asset());
        if self.w.chain.account(&self.actors[a].account).is_none() {
            return;
        }
        let balance = self.balance(a, index);
        let amount = self.amount(balance);
        let t = self.trader(a);
        let mut withdraw = self.w.withdraw_ix(&t, index, amount);
        if by_delegate {
            let d = self.random_trader();
            if d.wallet.pubkey() == t.wallet.pubkey() {
                return;
            }
            withdraw.accounts[0].pubkey = d.wallet.pubkey();
            let result = self.send("delegate_withdraw", &[withdraw], &d.wallet, &[], signed(&[]));
            if result.is_ok() {
                self.violation(format!("{} withdrew from {}'s account", d.label, t.label));
            }
            return;
        }
        let _ = self.send("withdraw", &[withdraw], &t.wallet, &[], signed(&[t.account]));
    }

    fn set_delegate(&mut self) {
        let (a, d) = (self.actor(), self.actor());
        let t = self.trader(a);
        let delegate = if a == d { Pubkey::default() } else { self.actors[d].wallet.pubkey() };
        let set = ix::account_set_delegate(&t.wallet.pubkey(), &t.account, &delegate);
        let _ = self.send("set_delegate", &[set], &t.wallet, &[], signed(&[t.account]));
    }

    fn trade(&mut self, kind: Kind) {
        let (b, mut s) = (self.actor(), self.actor());
        if kind == Kind::SelfTrade {
            s = b;
        } else if s == b {
            s = (b + 1) % self.actors.len();
        }
        let (buyer, seller) = (self.trader(b), self.trader(s));
        for t in [&buyer, &seller] {
            if self.w.chain.account(&t.account).is_none() {
                return;
            }
        }
        let (index, instrument) = match kind {
            Kind::Option => {
                let index = [SOL, BTC][self.rng.between(0, 1) as usize];
                (index, Instrument::Option { series: self.rng.between(0, 1) as u16 })
            }
            _ => ([SOL, BTC, ETH][self.rng.between(0, 2) as usize], Instrument::Perp),
        };
        let Ok(mark) = self.market.mark(&mut *self.w.chain, index, instrument) else { return };
        let offset = self.rng.between(0, 1_600) as i64 - 800;
        let price = (mark * (10_000 + offset) / 10_000).max(1);
        let quantity = match self.rng.between(0, 19) {
            0 => 1_000_000_000,
            _ => self.rng.between(1, 40) as i64,
        };
        let mut trade = self.w.trade_ix(&buyer, &seller, index, instrument, quantity, price);
        let accounts = signed(&[buyer.account, seller.account]);
        match kind {
            Kind::Perp | Kind::Option => {
                let _ =
                    self.send(kind.name(), &[trade], &buyer.wallet, &[&seller.wallet], accounts);
            }
            Kind::Delegate => {
                // The buyer's side signed by whoever the fuzzer picks as its delegate: the
                // program takes it only if that key is the account's delegate.
                let d = self.random_trader();
                trade.accounts[1].pubkey = d.wallet.pubkey();
                let landed =
                    self.send("delegate_trade", &[trade], &d.wallet, &[&seller.wallet], accounts);
                let state = self.w.margin(&buyer.account);
                let allowed = [state.owner, state.delegate].contains(&d.wallet.pubkey());
                if landed.is_ok() && !allowed {
                    self.violation(format!("{} traded for {}", d.label, buyer.label));
                }
            }
            Kind::WrongSigner | Kind::FakeOracle | Kind::SelfTrade => {
                let mallory = self.random_trader();
                if kind == Kind::WrongSigner {
                    // Neither the owner nor the delegate (whom the fuzzer may have set).
                    let state = self.w.margin(&buyer.account);
                    if [state.owner, state.delegate].contains(&mallory.wallet.pubkey()) {
                        return;
                    }
                    trade.accounts[1].pubkey = mallory.wallet.pubkey();
                    let payer = mallory.wallet.insecure_clone();
                    self.refused(kind.name(), &[trade], &payer, &[&seller.wallet]);
                } else if kind == Kind::FakeOracle {
                    self.fake_oracle(&mut trade, index);
                    let b = buyer.wallet.insecure_clone();
                    self.refused(kind.name(), &[trade], &b, &[&seller.wallet]);
                } else {
                    let b = buyer.wallet.insecure_clone();
                    self.refused(kind.name(), &[trade], &b, &[]);
                }
            }
        }
    }

    /// Points the trade's oracle (and its health accounts' price of `index`) at a look-alike
    /// price account: the right feed, a flattering price, owned by the receiver program.
    fn fake_oracle(&mut self, trade: &mut Instruction, index: u16) {
        let market = self.w.markets[usize::from(index)].clone();
        let real = market.price_account;
        let fake = sandbox::address(&format!("fake-price:{}", market.name));
        let now = self.w.chain.now();
        let price = self.market.price(index) * 2;
        let times = [now - 1, now];
        sandbox::post_print(
            &mut *self.w.chain,
            &fake,
            &market,
            price,
            0,
            times,
            VerificationLevel::Full,
        );
        for meta in trade.accounts.iter_mut().filter(|m| m.pubkey == real) {
            meta.pubkey = fake;
        }
    }

    /// Sends a transaction that must be refused.
    fn refused(
        &mut self,
        what: &'static str,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) {
        if self.send(what, instructions, payer, signers, signed(&[])).is_ok() {
            self.violation(format!("{what} landed"));
        }
    }

    /// A move of up to 12% either way, turned back toward the start where it would leave
    /// [`PRICE_RANGE`] (a crash may have left it outside: then every move goes back in).
    fn price_move(&mut self) {
        let index = self.rng.between(1, 3) as u16;
        let drawn = 10_000 + self.rng.between(0, 2_400) as i64 - 1_200;
        let start = self.start_prices[usize::from(index)];
        let next = self.market.price(index) * drawn / 10_000;
        let price_bps = if next < start / PRICE_RANGE {
            drawn.max(20_000 - drawn)
        } else if next > start * PRICE_RANGE {
            drawn.min(20_000 - drawn)
        } else {
            drawn
        };
        self.apply(&[Move { index, price_bps, vol_bps: 10_000 }], 0);
    }

    fn vol_move(&mut self) {
        let index = [SOL, BTC][self.rng.between(0, 1) as usize];
        let vol_bps = 10_000 + self.rng.between(0, 6_000) as i64 - 3_000;
        self.apply(&[Move { index, price_bps: 10_000, vol_bps }], 0);
        self.maybe_refresh_series();
    }

    /// Half the time, every series valued again at once (as a keeper would after a move), so
    /// option trades are not mostly refused for a stale cache.
    fn maybe_refresh_series(&mut self) {
        if !self.rng.chance(500) {
            return;
        }
        let keeper = self.keeper.wallet.insecure_clone();
        for index in [SOL, BTC] {
            let (group, oracle) = (self.w.group, self.w.markets[usize::from(index)].price_account);
            for series in 0..2 {
                let refresh = ix::risk_refresh(&group, index, series, &oracle);
                let _ = self.send("crank", &[refresh], &keeper, &[], signed(&[]));
            }
        }
    }

    /// Time passes beyond the price's maximum age without a new print: the feeds go stale.
    fn stale_feed(&mut self) {
        let now = self.w.chain.now() + MAX_AGE + self.rng.between(1, 120) as i64;
        self.w.set_time(now);
    }

    fn time_move(&mut self) {
        let secs = self.rng.between(1, 3_600) as i64;
        self.apply(&[], secs);
        self.maybe_refresh_series();
    }

    /// Posts `moves` (every other price unchanged) `secs` from now.
    fn apply(&mut self, moves: &[Move], secs: i64) {
        let now = self.w.chain.now() + secs;
        if let Err(e) = self.market.crash(&mut *self.w.chain, moves, now) {
            self.violation(format!("posting prices and vols: {e}"));
        }
    }

    fn crank(&mut self) {
        let index = self.rng.between(1, 3) as u16;
        let (group, oracle) = (self.w.group, self.w.markets[usize::from(index)].price_account);
        let series = self.rng.between(0, 1) as u16;
        let holders: Vec<Pubkey> = self.actors.iter().map(|t| t.account).take(8).collect();
        let crank = match self.rng.between(0, 4) {
            0 => ix::perp_update_funding(&group, index, &oracle),
            1 => ix::risk_sample_price(&group, index, &oracle),
            2 => ix::risk_refresh(&group, index, series, &oracle),
            3 => ix::option_settle_positions(&group, index, &holders),
            _ => {
                let expiry = self.w.underlying(index).options.series[0].expiry;
                ix::option_settle_expiry(&group, index, expiry, &oracle, &[])
            }
        };
        let keeper = self.keeper.wallet.insecure_clone();
        let _ = self.send("crank", &[crank], &keeper, &[], signed(&[]));
    }

    fn settle_pnl(&mut self) {
        let (a, b) = (self.actor(), self.actor());
        let index = self.rng.between(1, 3) as u16;
        let (winner, loser) = (self.actors[a].account, self.actors[b].account);
        if self.w.chain.account(&winner).is_none() || self.w.chain.account(&loser).is_none() {
            return;
        }
        let state = self.w.margin(&loser);
        let markets = &self.w.markets;
        let settle = ix::perp_settle_pnl_with_health(&winner, (&loser, &state), index, |i| {
            markets[usize::from(i)].price_account
        });
        let keeper = self.keeper.wallet.insecure_clone();
        let _ = self.send("settle_pnl", &[settle], &keeper, &[], signed(&[]));
    }

    /// A liquidation step by a random actor (or on its own account, which must be refused): the
    /// planner's best when it finds one, else a slice of everything.
    fn liquidate(&mut self, own: bool) {
        let (a, b) = (self.actor(), self.actor());
        let b = if own { a } else { b };
        let (liquidator, target) = (self.trader(a), self.actors[b].account);
        if self.w.chain.account(&liquidator.account).is_none()
            || self.w.chain.account(&target).is_none()
        {
            return;
        }
        let view = self.w.liquidation(&liquidator.account, &target);
        let authority = liquidator.wallet.pubkey();
        let step = view
            .best_step(&authority)
            .map_or(LiquidationStep::Slice { fraction_bps: 10_000 }, |(step, _)| step);
        let markets = self.w.markets.clone();
        let liquidate =
            view.instruction(&authority, step, 0, |i| markets[usize::from(i)].price_account);
        if own {
            self.refused("self_liquidation", &[liquidate], &liquidator.wallet, &[]);
        } else {
            let accounts = signed(&[liquidator.account]);
            let _ = self.send("liquidate", &[liquidate], &liquidator.wallet, &[], accounts);
        }
    }

    fn insurance_deposit(&mut self) {
        let t = self.random_trader();
        let amount = self.amount(1_000_000_000);
        let source = self.w.token_account(&t, 0);
        let held = self.w.token_balance(&source);
        self.w.fund(&t, 0, held.saturating_add(amount.min(1 << 50)));
        let deposit = ix::insurance_deposit(&t.wallet.pubkey(), &self.w.group, &source, amount);
        let _ = self.send("insurance_deposit", &[deposit], &t.wallet, &[], signed(&[]));
    }

    fn health_refresh(&mut self) {
        let t = self.random_trader();
        let Some(data) = self.w.chain.account(&t.account) else { return };
        let state = xmargin_client::accounts::decode(&data.data).expect("margin account");
        let markets = self.w.markets.clone();
        let refresh =
            ix::health_refresh(&t.account, &state, |i| markets[usize::from(i)].price_account);
        let keeper = self.keeper.wallet.insecure_clone();
        let _ = self.send("health_refresh", &[refresh], &keeper, &[], signed(&[]));
    }

    /// Closes the account (refused unless it is empty) or, once closed, opens it again.
    fn account_close(&mut self) {
        let t = self.random_trader();
        let instruction = if self.w.chain.account(&t.account).is_some() {
            ix::account_close(&t.wallet.pubkey(), &t.account)
        } else {
            ix::account_create(&t.wallet.pubkey(), &self.w.group, 0)
        };
        let _ = self.send("account_close", &[instruction], &t.wallet, &[], signed(&[]));
    }

    /// The admin, the guardian role's limits and strangers: pause bits (often cleared again), an
    /// underlying's reduce-only flag, a collateral or perpetual change (set at once when safer,
    /// else queued and applied: the crowd's timelock is 0), and a stranger's attempt at either.
    fn governance(&mut self) {
        let admin = self.market.admin.insecure_clone();
        let group = self.w.group;
        let index = self.rng.between(1, 3) as u16;
        let instructions = match self.rng.between(0, 5) {
            0 => {
                let bits = if self.rng.between(0, 1) == 0 { 0 } else { self.rng.between(0, 31) };
                vec![admin::group_set_pause(&admin.pubkey(), &group, bits as u16)]
            }
            1 => {
                let on = self.rng.between(0, 2) == 0;
                vec![admin::underlying_set_reduce_only(&admin.pubkey(), &group, index, on)]
            }
            2 | 3 => {
                let Some(change) = self.param_change(index) else { return };
                let (g, u) = (self.w.group_state(), self.w.underlying(index));
                let now = self.w.chain.now();
                let Ok((p, propose)) =
                    admin::propose(&admin.pubkey(), &group, &g, Some(&u), change, now)
                else {
                    return;
                };
                let mut all = vec![propose];
                if p.direction == Direction::Riskier {
                    all.push(admin::params_apply(
                        &group,
                        Some(index),
                        g.change_seq,
                        &admin.pubkey(),
                    ));
                }
                all
            }
            _ => {
                // A stranger: refused whatever it tries.
                let t = self.random_trader();
                let attempt = if self.rng.between(0, 1) == 0 {
                    admin::group_set_pause(&t.wallet.pubkey(), &group, 1)
                } else {
                    let change = ParamChange::Timelock(0);
                    admin::params_set(&t.wallet.pubkey(), &group, None, change)
                };
                self.refused("governance", &[attempt], &t.wallet, &[]);
                return;
            }
        };
        let _ = self.send("governance", &instructions, &admin, &[], signed(&[]));
    }

    /// A random collateral or perpetual change of the underlying at `index`: haircuts within
    /// 5-50% (maint half of init), or the perpetual's band and open-interest cap moved.
    fn param_change(&mut self, index: u16) -> Option<ParamChange> {
        let u = self.w.underlying(index);
        if self.rng.between(0, 1) == 0 {
            let init = self.rng.between(500, 5_000) as u16;
            Some(ParamChange::Collateral(CollateralTerms {
                init_haircut_bps: init,
                maint_haircut_bps: init / 2,
                deposit_cap: u.collateral.deposit_cap,
            }))
        } else {
            let mut terms = PerpTerms::current(&u.perp);
            terms.band_bps = self.rng.between(100, 1_000) as u16;
            terms.max_open_interest = terms.max_open_interest.max(1) * self.rng.between(1, 3) / 2;
            (u.perp.listed == 1).then_some(ParamChange::Perp(terms))
        }
    }

    pub(crate) fn random_trader(&mut self) -> Trader {
        let i = self.actor();
        self.trader(i)
    }

    pub(crate) fn trader(&self, i: usize) -> Trader {
        let t = &self.actors[i];
        Trader { label: t.label.clone(), wallet: t.wallet.insecure_clone(), account: t.account }
    }
}

/// Every price posted again now (the feeds fresh for the keeper).
pub(crate) fn refresh_all_prices(f: &mut Fuzz) {
    f.apply(&[], 0);
}

fn signed(accounts: &[Pubkey]) -> Signed {
    Signed { accounts: accounts.to_vec() }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Perp,
    Option,
    Delegate,
    WrongSigner,
    FakeOracle,
    SelfTrade,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Perp => "perp_trade",
            Kind::Option => "option_trade",
            Kind::Delegate => "delegate_trade",
            Kind::WrongSigner => "wrong_signer_trade",
            Kind::FakeOracle => "fake_oracle_trade",
            Kind::SelfTrade => "self_trade",
        }
    }
}
