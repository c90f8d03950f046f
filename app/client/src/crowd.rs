//! A market and a crowd of margin accounts on a local chain: the crash simulation's (tests) and
//! the market `xmargin-keeper` runs against when given no `--url`.
//!
//! - [`CrowdMarket::stand_up`]: a group with USDC as quote and SOL ($150), BTC ($60,000) and ETH
//!   ($3,000) as collateral (20% / 10% haircuts, the default risk parameters), a perpetual on
//!   each, option chains on SOL and BTC (a 30-day call and put each, vols posted, every series
//!   valued), an insurance fund and a keeper account with [`KEEPER_USDC`].
//! - [`CrowdMarket::populate`]: pairs of accounts trading with each other, five kinds of pair
//!   ([`Profile`]): unhedged long SOL perpetuals against a hedged short (SOL held, perpetuals
//!   sold); written SOL puts against bought ones; a multi-collateral (SOL, BTC, ETH) long BTC
//!   perpetual against a USDC short; SOL holders who bought calls and SOL perpetuals with the
//!   premium borrowed (owed quote) against call writers; written BTC strangles against bought
//!   ones. Sizes are drawn from a seeded [`Rng`]; a trade the program refuses (it would leave a
//!   side below init health) is halved until it lands, so every account starts healthy.
//! - [`CrowdMarket::crash`]: moves prices and scales vols (the vol authority posts again), at a
//!   new time, with every other price posted again unchanged (so a long run never goes stale),
//!   settling on the way any expiry it passes, as a live feed allows.

use anchor_lang::prelude::Pubkey;
use cross_margin::engine::options::{ChainParams, SeriesParams};
use cross_margin::engine::perp::PerpParams;
use cross_margin::engine::trade::Instrument;
use cross_margin::instructions::{TradeArgs, VolsPostArgs};
use cross_margin::state::{MarginAccount, Underlying, QUOTE_INDEX};
use pyth_solana_receiver_sdk::price_update::VerificationLevel;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::chain::{LocalChain, TxFailure};
use crate::health::{fetch, HealthError};
use crate::sandbox::{self, AssetSpec, Market, Rng, E8};
use crate::{accounts, ix, pda};

/// Native units per USDC.
pub const USDC: u64 = 1_000_000;
/// The keeper's deposit: enough to take over what a crash leaves (native USDC).
pub const KEEPER_USDC: u64 = 20_000_000 * USDC;
/// Indices of the crowd's assets.
pub const SOL: u16 = 1;
pub const BTC: u16 = 2;
pub const ETH: u16 = 3;
/// 2^32: vols and rates are posted in `Q32`.
const Q32: i64 = 1 << 32;
/// Series expire 30 days after the market stands up.
const SERIES_DAYS: i64 = 30;

/// One asset of the crowd market: spec, perpetual contract size (native units), option chain
/// (contract size, call and put strikes per whole token in USDC, vol index and series vols in %).
struct Asset {
    spec: AssetSpec,
    perp_contract: u64,
    options: Option<Chain>,
}

struct Chain {
    contract: u64,
    strikes: [i64; 2],
    vols: [i64; 3],
}

fn assets() -> [Asset; 3] {
    [
        Asset {
            spec: AssetSpec::new("SOL", 9, 150 * E8),
            perp_contract: 1_000_000_000,
            options: Some(Chain {
                contract: 1_000_000_000,
                strikes: [165, 140],
                vols: [80, 78, 80],
            }),
        },
        Asset {
            spec: AssetSpec::new("BTC", 8, 60_000 * E8),
            perp_contract: 1_000_000,
            options: Some(Chain {
                contract: 1_000_000,
                strikes: [66_000, 54_000],
                vols: [60, 58, 62],
            }),
        },
        Asset {
            spec: AssetSpec::new("ETH", 8, 3_000 * E8),
            perp_contract: 10_000_000,
            options: None,
        },
    ]
}

/// The kinds of account the crowd holds (each pair is one kind and its counterparty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// The keeper: USDC only ([`KEEPER_USDC`]); it takes over what it liquidates.
    Keeper,
    /// USDC only, long SOL perpetuals (1.5x to 3.5x its equity).
    LongPerps,
    /// SOL held and as many SOL perpetuals sold: hedged.
    HedgedShort,
    /// USDC only, written SOL 140 puts.
    ShortPuts,
    /// USDC only, bought SOL 140 puts.
    LongPuts,
    /// SOL, BTC and ETH held, long BTC perpetuals.
    MultiCollateral,
    /// USDC only, short BTC perpetuals.
    ShortBtcPerps,
    /// SOL only, bought SOL 165 calls (the premium settled into a loan) and long SOL perpetuals.
    OwedQuote,
    /// USDC only, written SOL 165 calls.
    CallWriter,
    /// USDC only, written BTC 66,000 calls and 54,000 puts.
    ShortStrangle,
    /// USDC only, bought BTC strangles.
    LongStrangle,
}

/// One account of the crowd.
pub struct Member {
    pub label: String,
    pub wallet: Keypair,
    pub account: Pubkey,
    pub profile: Profile,
}

/// What standing up or populating the market ran into.
#[derive(Debug)]
pub enum CrowdError {
    /// A transaction that must land did not (`what` it was).
    Tx(String, TxFailure),
    /// An account could not be read.
    Read(HealthError),
}

impl core::fmt::Display for CrowdError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CrowdError::Tx(what, failure) => write!(f, "{what}: {failure}"),
            CrowdError::Read(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for CrowdError {}

impl From<HealthError> for CrowdError {
    fn from(e: HealthError) -> Self {
        CrowdError::Read(e)
    }
}

/// A price move of one underlying: the new price and vols as basis points of the old.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub index: u16,
    pub price_bps: i64,
    pub vol_bps: i64,
}

/// The crash of the crash simulation: SOL -40% with its vols doubled, BTC -25%.
pub const CRASH: [Move; 2] = [
    Move { index: SOL, price_bps: 6_000, vol_bps: 20_000 },
    Move { index: BTC, price_bps: 7_500, vol_bps: 10_000 },
];

/// The market (see the module doc).
pub struct CrowdMarket {
    pub admin: Keypair,
    pub vol_authority: Keypair,
    pub group: Pubkey,
    /// Index order: USDC, SOL, BTC, ETH.
    pub markets: Vec<Market>,
    /// The keeper's wallet and margin account.
    pub keeper: Member,
    /// Every other margin account, in creation order.
    pub members: Vec<Member>,
    /// Price mantissas (exponent -8) and vols (% of the index and of each series) now.
    prices: Vec<i64>,
    vols: Vec<Option<[i64; 3]>>,
    /// When the vols were last posted (unix seconds).
    vols_posted_at: i64,
    transactions: usize,
}

/// Vols are posted again once this old (half the chains' `max_vol_age_secs`).
const VOL_REPOST_SECS: i64 = 1_800;

impl CrowdMarket {
    /// Stands the market up at `now` with `insurance` native USDC in the insurance fund.
    pub fn stand_up(
        chain: &mut dyn LocalChain,
        now: i64,
        insurance: u64,
    ) -> Result<CrowdMarket, CrowdError> {
        chain.set_time(now);
        let admin = sandbox::keypair("crowd-admin");
        let vol_authority = sandbox::keypair("crowd-vol-authority");
        for key in [admin.pubkey(), vol_authority.pubkey()] {
            chain.airdrop(&key, 100_000_000_000);
        }
        let (create, group, quote) = sandbox::group_create(chain, &admin.pubkey(), 7, 0, u64::MAX);
        // The keeper's account needs the group; it replaces this before `stand_up` returns.
        let placeholder = Member {
            label: String::new(),
            wallet: Keypair::new_from_array([0; 32]),
            account: Pubkey::default(),
            profile: Profile::Keeper,
        };
        let mut m = CrowdMarket {
            admin,
            vol_authority,
            group,
            markets: vec![quote],
            keeper: placeholder,
            members: vec![],
            prices: vec![0],
            vols: vec![None],
            vols_posted_at: now,
            transactions: 0,
        };
        m.send(chain, "group_create", &[create], &[])?;
        for (index, asset) in (1u16..).zip(assets()) {
            let admin = m.admin.pubkey();
            let (add, market) = sandbox::underlying_add(chain, &admin, &group, index, &asset.spec);
            m.send(chain, "underlying_add", &[add], &[])?;
            m.markets.push(market);
            m.prices.push(asset.spec.price);
            m.vols.push(asset.options.as_ref().map(|c| c.vols));
            m.post_price(chain, index, now);
            let oracle = m.markets[usize::from(index)].price_account;
            let perp = PerpParams {
                contract_size: asset.perp_contract,
                fee_bps: 10,
                band_bps: 500,
                max_funding_bps_per_hour: 100,
                max_open_interest: 10_000_000,
            };
            let mut listing = vec![ix::perp_list(&admin, &group, index, perp, &oracle)];
            if let Some(c) = &asset.options {
                let params = ChainParams {
                    contract_size: c.contract,
                    fee_bps: 5,
                    band_bps: 500,
                    vol_authority: m.vol_authority.pubkey(),
                    max_vol_age_secs: 3_600,
                    cache_max_age_secs: 600,
                    cache_max_drift_bps: 500,
                    settle_window_secs: 300,
                    rate: Q32 / 20,
                    max_series_open_interest: 10_000_000,
                };
                listing.push(ix::option_list(&admin, &group, index, params, &oracle));
                let expiry = now + SERIES_DAYS * 86_400;
                for (kind, dollars) in (0u8..).zip(c.strikes) {
                    let strike = dollars * c.contract as i64
                        / 10i64.pow(asset.spec.decimals.into())
                        * USDC as i64;
                    let series = SeriesParams { kind, strike, expiry };
                    listing.push(ix::option_series_add(&admin, &group, index, series));
                }
            }
            m.send(chain, "listing", &listing, &[])?;
            if asset.options.is_some() {
                m.post_vols(chain, index)?;
                for series in 0..2 {
                    let refresh = ix::risk_refresh(&group, index, series, &oracle);
                    m.send(chain, "risk_refresh", &[refresh], &[])?;
                }
            }
        }
        let insurer = sandbox::keypair("crowd-insurer");
        chain.airdrop(&insurer.pubkey(), 1_000_000_000);
        if insurance > 0 {
            let source =
                sandbox::fund(chain, "crowd-insurer", &insurer.pubkey(), &m.markets[0], insurance);
            let deposit = ix::insurance_deposit(&insurer.pubkey(), &group, &source, insurance);
            m.send_by(chain, "insurance_deposit", &[deposit], &insurer, &[])?;
        }
        m.keeper = m.member(chain, "crowd-keeper", Profile::Keeper)?;
        m.deposit(chain, &m.keeper.label.clone(), QUOTE_INDEX, KEEPER_USDC)?;
        Ok(m)
    }

    /// Adds `accounts` accounts (rounded up to pairs), drawn from `seed` (see the module doc).
    pub fn populate(
        &mut self,
        chain: &mut dyn LocalChain,
        accounts: usize,
        seed: u64,
    ) -> Result<(), CrowdError> {
        let mut rng = Rng::new(seed);
        for pair in 0..accounts.div_ceil(2) {
            let kind = pair % 5;
            self.pair(chain, pair, kind, &mut rng)?;
        }
        Ok(())
    }

    /// The pair `n` of kind `kind` (module doc).
    fn pair(
        &mut self,
        chain: &mut dyn LocalChain,
        n: usize,
        kind: usize,
        rng: &mut Rng,
    ) -> Result<(), CrowdError> {
        let (a_profile, b_profile) = [
            (Profile::LongPerps, Profile::HedgedShort),
            (Profile::ShortPuts, Profile::LongPuts),
            (Profile::MultiCollateral, Profile::ShortBtcPerps),
            (Profile::OwedQuote, Profile::CallWriter),
            (Profile::ShortStrangle, Profile::LongStrangle),
        ][kind];
        let a = self.member(chain, &format!("crowd-{n}a"), a_profile)?;
        let b = self.member(chain, &format!("crowd-{n}b"), b_profile)?;
        let usdc = |dollars: u64| dollars * USDC;
        let sol_units = |sol: u64| sol * 1_000_000_000;
        match kind {
            0 => {
                let equity = rng.between(1_000, 4_000);
                let contracts = equity * rng.between(15, 35) / 10 / 150;
                self.deposit(chain, &a.label, QUOTE_INDEX, usdc(equity))?;
                self.deposit(chain, &b.label, SOL, sol_units(contracts))?;
                self.deposit(chain, &b.label, QUOTE_INDEX, usdc(500))?;
                self.trade(chain, &a, &b, SOL, Instrument::Perp, contracts)?;
            }
            1 => {
                let equity = rng.between(2_000, 6_000);
                self.deposit(chain, &a.label, QUOTE_INDEX, usdc(equity))?;
                self.deposit(chain, &b.label, QUOTE_INDEX, usdc(2_000))?;
                let puts = equity / rng.between(40, 120);
                self.trade(chain, &b, &a, SOL, Instrument::Option { series: 1 }, puts)?;
            }
            2 => {
                self.deposit(chain, &a.label, SOL, sol_units(rng.between(5, 20)))?;
                self.deposit(chain, &a.label, BTC, rng.between(2, 10) * 1_000_000)?;
                self.deposit(chain, &a.label, ETH, rng.between(5, 20) * 10_000_000)?;
                self.deposit(chain, &b.label, QUOTE_INDEX, usdc(20_000))?;
                let contracts = rng.between(5, 25);
                self.trade(chain, &a, &b, BTC, Instrument::Perp, contracts)?;
            }
            3 => {
                let sol = rng.between(10, 40);
                self.deposit(chain, &a.label, SOL, sol_units(sol))?;
                self.deposit(chain, &b.label, QUOTE_INDEX, usdc(5_000))?;
                self.trade(chain, &a, &b, SOL, Instrument::Option { series: 0 }, sol / 2)?;
                self.settle(chain, &b, &a, SOL)?;
                let perps = sol * rng.between(5, 15) / 10;
                self.trade(chain, &a, &b, SOL, Instrument::Perp, perps)?;
            }
            _ => {
                let equity = rng.between(3_000, 10_000);
                self.deposit(chain, &a.label, QUOTE_INDEX, usdc(equity))?;
                self.deposit(chain, &b.label, QUOTE_INDEX, usdc(5_000))?;
                let contracts = equity / rng.between(30, 90);
                for series in 0..2 {
                    let option = Instrument::Option { series };
                    self.trade(chain, &b, &a, BTC, option, contracts)?;
                }
            }
        }
        self.members.push(a);
        self.members.push(b);
        Ok(())
    }

    /// Moves the market at `now` (module doc): every price is posted at `now`; the vols of a
    /// chain a move rescales, and all of them once [`VOL_REPOST_SECS`] old, are posted again.
    /// An expiry passed on the way is settled first, as a live feed allows: the first print at
    /// or after it posted (at the price before the move) and `option_settle_expiry` sent.
    pub fn crash(
        &mut self,
        chain: &mut dyn LocalChain,
        moves: &[Move],
        now: i64,
    ) -> Result<(), CrowdError> {
        self.settle_expiries(chain, now)?;
        chain.set_time(now);
        for mv in moves {
            let i = usize::from(mv.index);
            self.prices[i] = self.prices[i] * mv.price_bps / 10_000;
            if let Some(vols) = &mut self.vols[i] {
                // Kept within what a vol authority would post (and the program takes).
                vols.iter_mut().for_each(|v| *v = (*v * mv.vol_bps / 10_000).clamp(5, 500));
            }
        }
        let repost = now - self.vols_posted_at >= VOL_REPOST_SECS;
        for index in 1..self.markets.len() as u16 {
            self.post_price(chain, index, now);
            let rescaled = moves.iter().any(|mv| mv.index == index && mv.vol_bps != 10_000);
            if self.vols[usize::from(index)].is_some() && (rescaled || repost) {
                self.post_vols(chain, index)?;
            }
        }
        if repost {
            self.vols_posted_at = now;
        }
        Ok(())
    }

    /// Settles every active series that expires by `now` from the first print at or after its
    /// expiry (a second after it, the previous print a second before).
    fn settle_expiries(&mut self, chain: &mut dyn LocalChain, now: i64) -> Result<(), CrowdError> {
        for index in 1..self.markets.len() as u16 {
            if self.vols[usize::from(index)].is_none() {
                continue;
            }
            let u: Underlying = fetch(chain, &pda::underlying(&self.group, index))?;
            let expiries = accounts::passed_expiries(&u.options, now);
            for expiry in expiries {
                chain.set_time(expiry + 1);
                let market = &self.markets[usize::from(index)];
                let price = self.prices[usize::from(index)];
                let times = [expiry - 1, expiry + 1];
                let full = VerificationLevel::Full;
                sandbox::post_print(chain, &market.price_account, market, price, 0, times, full);
                let oracle = market.price_account;
                let settle = ix::option_settle_expiry(&self.group, index, expiry, &oracle, &[]);
                self.send(chain, "option_settle_expiry", &[settle], &[])?;
            }
        }
        Ok(())
    }

    /// What a contract of `instrument` on `index` is worth now, qn: the perpetual's at the posted
    /// price, the option's cached mark.
    pub fn mark(
        &self,
        chain: &mut dyn LocalChain,
        index: u16,
        instrument: Instrument,
    ) -> Result<i64, CrowdError> {
        let u: Underlying = fetch(chain, &pda::underlying(&self.group, index))?;
        Ok(match instrument {
            Instrument::Perp => {
                let units = 10i128.pow(u.decimals.into());
                let per_unit = i128::from(self.prices[usize::from(index)]) * i128::from(USDC);
                (per_unit * i128::from(u.perp.contract_size) / units / i128::from(E8)) as i64
            }
            Instrument::Option { series } => u.options.series[usize::from(series)].cache.mark,
        })
    }

    /// The price of market `index` now, mantissa at exponent -8 (0 for the quote asset).
    pub fn price(&self, index: u16) -> i64 {
        self.prices.get(usize::from(index)).copied().unwrap_or_default()
    }

    /// The price account of market `index` (`Pubkey::default()` for the quote asset).
    pub fn price_of(&self, index: u16) -> Pubkey {
        self.markets.get(usize::from(index)).map(|m| m.price_account).unwrap_or_default()
    }

    /// Every margin account: the keeper's, then the crowd's.
    pub fn accounts(&self) -> Vec<Pubkey> {
        std::iter::once(&self.keeper).chain(&self.members).map(|m| m.account).collect()
    }

    /// Transactions sent so far.
    pub fn transactions(&self) -> usize {
        self.transactions
    }

    fn post_price(&self, chain: &mut dyn LocalChain, index: u16, now: i64) {
        let market = &self.markets[usize::from(index)];
        let price = self.prices[usize::from(index)];
        sandbox::post_price(chain, market, price, 0, now, VerificationLevel::Full);
    }

    fn post_vols(&mut self, chain: &mut dyn LocalChain, index: u16) -> Result<(), CrowdError> {
        let [vol_index, call, put] =
            self.vols[usize::from(index)].expect("a chain").map(|v| Q32 / 100 * v);
        let args = VolsPostArgs { vol_index, vols: vec![call, put] };
        let authority = self.vol_authority.insecure_clone();
        let oracle = self.price_of(index);
        let post = ix::option_vols_post(&authority.pubkey(), &self.group, index, &oracle, args);
        self.send_by(chain, "option_vols_post", &[post], &authority, &[])
    }

    /// A funded wallet `label` with margin account 0 in the group.
    fn member(
        &mut self,
        chain: &mut dyn LocalChain,
        label: &str,
        profile: Profile,
    ) -> Result<Member, CrowdError> {
        let wallet = sandbox::keypair(label);
        chain.airdrop(&wallet.pubkey(), 1_000_000_000);
        let create = ix::account_create(&wallet.pubkey(), &self.group, 0);
        self.send_by(chain, "account_create", &[create], &wallet, &[])?;
        let account = pda::margin_account(&self.group, &wallet.pubkey(), 0);
        Ok(Member { label: label.to_string(), wallet, account, profile })
    }

    /// Mints `amount` of market `index` to `label`'s wallet and deposits it.
    fn deposit(
        &mut self,
        chain: &mut dyn LocalChain,
        label: &str,
        index: u16,
        amount: u64,
    ) -> Result<(), CrowdError> {
        let wallet = sandbox::keypair(label);
        let market = self.markets[usize::from(index)].clone();
        let source = sandbox::token_account_key(label, &market);
        let held =
            chain.account(&source).map_or(0, |a| accounts::token_amount(&a.data).unwrap_or(0));
        sandbox::fund(chain, label, &wallet.pubkey(), &market, held + amount);
        let account = pda::margin_account(&self.group, &wallet.pubkey(), 0);
        let deposit =
            ix::collateral_deposit(&wallet.pubkey(), &account, &market.underlying, &source, amount);
        self.send_by(chain, "collateral_deposit", &[deposit], &wallet, &[])
    }

    /// `buyer` buys `quantity` contracts of `instrument` on `index` from `seller` at the mark
    /// (the option's cached mark, the perpetual's oracle price), halved until the program takes
    /// it; the quantity that landed (0 if none did).
    fn trade(
        &mut self,
        chain: &mut dyn LocalChain,
        buyer: &Member,
        seller: &Member,
        index: u16,
        instrument: Instrument,
        mut quantity: u64,
    ) -> Result<u64, CrowdError> {
        let price = self.mark(chain, index, instrument)?;
        while quantity > 0 {
            let b: MarginAccount = fetch(chain, &buyer.account)?;
            let s: MarginAccount = fetch(chain, &seller.account)?;
            let markets = &self.markets;
            let trade = ix::trade_execute(
                ix::TradeSide { authority: buyer.wallet.pubkey(), key: buyer.account, account: &b },
                ix::TradeSide {
                    authority: seller.wallet.pubkey(),
                    key: seller.account,
                    account: &s,
                },
                index,
                TradeArgs { instrument, quantity: quantity as i64, price },
                |i| markets[usize::from(i)].price_account,
            );
            self.transactions += 1;
            match chain.send_fitted(&[trade], &buyer.wallet, &[&seller.wallet]) {
                Ok(_) => return Ok(quantity),
                Err(f) if f.program_error().is_some() => quantity /= 2,
                Err(f) => return Err(CrowdError::Tx("trade_execute".into(), f)),
            }
        }
        Ok(0)
    }

    /// Settles `loser`'s unsettled loss on `index` to `winner` (a premium into a loan).
    fn settle(
        &mut self,
        chain: &mut dyn LocalChain,
        winner: &Member,
        loser: &Member,
        index: u16,
    ) -> Result<(), CrowdError> {
        let state: MarginAccount = fetch(chain, &loser.account)?;
        let settle = ix::perp_settle_pnl_with_health(
            &winner.account,
            (&loser.account, &state),
            index,
            |i| self.price_of(i),
        );
        self.send(chain, "perp_settle_pnl", &[settle], &[])
    }

    /// Sends `instructions` paid by the admin.
    fn send(
        &mut self,
        chain: &mut dyn LocalChain,
        what: &str,
        instructions: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<(), CrowdError> {
        let admin = self.admin.insecure_clone();
        self.send_by(chain, what, instructions, &admin, signers)
    }

    fn send_by(
        &mut self,
        chain: &mut dyn LocalChain,
        what: &str,
        instructions: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Result<(), CrowdError> {
        self.transactions += 1;
        chain
            .send_fitted(instructions, payer, signers)
            .map(|_| ())
            .map_err(|f| CrowdError::Tx(what.to_string(), f))
    }
}
