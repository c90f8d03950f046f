//! The fuzzer's venue steps, through the example RFQ venue: owners approve and revoke it, makers
//! (or strangers pretending to be them) post quotes and takers fill them. Besides the invariants
//! every step checks, a fill on a quote nobody entitled posted must never land.

use cross_margin::engine::params::ParamChange;
use cross_margin::engine::trade::Instrument;
use cross_margin::engine::venue::VenueTerms;
use xmargin_client::crowd::{BTC, ETH, SOL};
use xmargin_client::rfq::{self, Party, QuoteTerms, PROGRAM_ID};
use xmargin_client::rfq_venue::state::Side;
use xmargin_client::{admin, venue, Keypair, Signer};

use super::{Fuzz, Signed};

/// The venue's operator (its config's key).
fn operator() -> Keypair {
    xmargin_client::sandbox::keypair("rfq-operator")
}

/// The venue's taker fee and the group's cap on it, basis points.
const TAKER_FEE_BPS: u16 = 10;
const FEE_CAP_BPS: u16 = 20;

impl Fuzz {
    /// Registers the RFQ venue with the keeper's account for its fees, approves it (the crowd's
    /// group has no timelock: queued, then applied at once) and has every owner approve it.
    pub(crate) fn set_up_venue(&mut self) {
        let admin_wallet = self.market.admin.insecure_clone();
        let (admin_key, group) = (admin_wallet.pubkey(), self.w.group);
        let add = venue::venue_add(&admin_key, &group, &PROGRAM_ID, &self.keeper.account, 20);
        let seq = self.w.group_state().change_seq;
        let approve = ParamChange::Venue(VenueTerms {
            program: PROGRAM_ID,
            approved: true,
            max_fee_bps: FEE_CAP_BPS,
        });
        let queue = admin::params_queue(&admin_key, &group, None, seq, approve);
        self.w.send(&[add, queue], &admin_wallet, &[]).expect("venue_add");
        let pending = crate::scenarios::governance::pending(&mut self.w, seq).expect("queued");
        let apply = admin::params_apply_pending(&group, &pending);
        self.w.send(&[apply], &admin_wallet, &[]).expect("venue approval");
        let operator = operator();
        self.w.chain.airdrop(&operator.pubkey(), 1_000_000_000);
        let config = rfq::config_init(&operator.pubkey(), &group, TAKER_FEE_BPS);
        self.w.send(&[config], &operator, &[]).expect("rfq config");
        // Every owner approves it to begin with; `venue_approval` steps revoke and approve.
        for i in 0..self.actors.len() {
            let t = self.trader(i);
            let ix =
                venue::account_set_venue(&t.wallet.pubkey(), &t.account, &group, &PROGRAM_ID, true);
            self.w.send(&[ix], &t.wallet, &[]).expect("approve the venue");
        }
    }

    /// An owner approves or revokes the venue; sometimes its delegate tries (refused).
    pub(crate) fn venue_approval(&mut self) {
        let (a, approved) = (self.actor(), self.rng.between(0, 4) != 0);
        let t = self.trader(a);
        if self.w.chain.account(&t.account).is_none() {
            return;
        }
        let by = if self.rng.between(0, 4) == 0 { self.random_trader() } else { self.trader(a) };
        let ix = venue::account_set_venue(
            &by.wallet.pubkey(),
            &t.account,
            &self.w.group,
            &PROGRAM_ID,
            approved,
        );
        let landed =
            self.send("venue_approval", &[ix], &by.wallet, &[], Signed { accounts: vec![] });
        if landed.is_ok() && by.wallet.pubkey() != self.w.margin(&t.account).owner {
            self.violation(format!("{} set the venue approval of {}", by.label, t.label));
        }
    }

    /// A quote posted for a maker (by its owner, or by a stranger) and filled, in part or in
    /// full, by a taker, the rest cancelled, all in one transaction.
    pub(crate) fn venue_fill(&mut self) {
        let (m, mut k) = (self.actor(), self.actor());
        if k == m {
            k = (m + 1) % self.actors.len();
        }
        let (maker, taker) = (self.trader(m), self.trader(k));
        for t in [&maker, &taker] {
            if self.w.chain.account(&t.account).is_none() {
                return;
            }
        }
        let forged = self.rng.between(0, 9) == 0;
        let poster = if forged { self.random_trader() } else { self.trader(m) };
        let index = [SOL, BTC, ETH][self.rng.between(0, 2) as usize];
        let Ok(mark) = self.market.mark(&mut *self.w.chain, index, Instrument::Perp) else {
            return;
        };
        // Within 2% of the mark (the crowd's bands are wider), a few contracts.
        let offset = self.rng.between(0, 400) as i64 - 200;
        let quantity = self.rng.between(1, 4) as i64;
        let terms = QuoteTerms {
            operator: operator().pubkey(),
            // A few ids: every quote is closed in its own transaction, and the chain's set of known
            // keys (what a keeper tick scans) stays small.
            quote_id: self.rng.between(0, 3),
            underlying: index,
            instrument: Instrument::Perp,
            side: if self.rng.between(0, 1) == 0 { Side::Bid } else { Side::Ask },
            quantity,
            price: (mark * (10_000 + offset) / 10_000).max(1),
            expiry_ts: self.w.chain.now() + 60,
        };
        self.top_up(&poster.wallet.pubkey());
        let post = rfq::quote_post(&poster.wallet.pubkey(), &self.w.group, &maker.account, terms);
        let (ms, ts) = (self.w.margin(&maker.account), self.w.margin(&taker.account));
        let markets = self.w.markets.clone();
        let filled = self.rng.between(1, quantity as u64) as i64;
        let fill = rfq::quote_fill(
            &taker.wallet.pubkey(),
            &poster.wallet.pubkey(),
            Party { key: maker.account, account: &ms },
            Party { key: taker.account, account: &ts },
            &terms,
            filled,
            &self.keeper.account,
            |i| markets[usize::from(i)].price_account,
        );
        // What is left of a partly filled quote is cancelled in the same transaction: quotes do
        // not pile up (a million steps would leave tens of thousands of accounts for every
        // keeper tick to scan).
        let mut instructions = vec![post, fill];
        if filled < quantity {
            let (p, m) = (poster.wallet.pubkey(), maker.account);
            instructions.push(rfq::quote_cancel(&p, &p, &m, terms.quote_id));
        }
        let signers: Vec<&Keypair> = if poster.wallet.pubkey() == taker.wallet.pubkey() {
            vec![]
        } else {
            vec![&poster.wallet]
        };
        let accounts = Signed { accounts: vec![maker.account, taker.account] };
        let landed = self.send("venue_fill", &instructions, &taker.wallet, &signers, accounts);
        let entitled = [ms.owner, ms.delegate].contains(&poster.wallet.pubkey());
        if landed.is_ok() && !entitled {
            self.violation(format!(
                "{} filled a quote {} posted for {}",
                taker.label, poster.label, maker.label
            ));
        }
    }
}
