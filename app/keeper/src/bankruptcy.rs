//! Settling what liquidation leaves behind: an account with nothing left to liquidate and unsettled
//! quote (`BankruptcyState::NeedsSettlement`) has each loss settled against the group's largest
//! unsettled gain on that underlying, with the part it cannot pay resolved in the same transaction
//! (`account_settle_bankruptcy`: the insurance fund, then the depositors), each gain settled against
//! a loss, then its fees; a bankrupt loan (`Bankrupt`) is resolved (`account_resolve_bankruptcy`).
//! Every transaction is simulated first: which counterparty and which form apply is the program's
//! decision, not a second rule here.

use cross_margin::state::{MarginAccount, EMPTY_SLOT};

/// Most counterparties tried for one position in one pass (the largest opposite quotes first):
/// bounds what one account costs a tick in simulations.
pub const MAX_COUNTERPARTIES: usize = 8;
use xmargin_client::liquidation::{bankruptcy_state, BankruptcyState};
use xmargin_client::{ix, Instruction, Pubkey};

/// The transactions that may settle or resolve `key`'s bankruptcy, in the order to try them: for
/// each alternative list, the first that simulates is sent.
pub fn settlements(
    group: &Pubkey,
    key: &Pubkey,
    account: &MarginAccount,
    accounts: &[(Pubkey, MarginAccount)],
    price_of: &dyn Fn(u16) -> Pubkey,
) -> Vec<Vec<Vec<Instruction>>> {
    match bankruptcy_state(account) {
        BankruptcyState::NotBankrupt => vec![],
        BankruptcyState::Bankrupt { .. } => {
            vec![vec![vec![ix::account_resolve_bankruptcy(group, key)]]]
        }
        BankruptcyState::NeedsSettlement => {
            let mut steps = Vec::new();
            let open = account.perps.iter().filter(|p| p.underlying != EMPTY_SLOT && p.quote != 0);
            for p in open {
                let (u, oracle) = (p.underlying, price_of(p.underlying));
                let gain = p.quote > 0;
                // Counterparties on the same underlying, the largest opposite quote first.
                let mut others: Vec<(i64, Pubkey, &MarginAccount)> = accounts
                    .iter()
                    .filter(|(k, _)| k != key)
                    .filter_map(|(k, a)| {
                        let q = a.perps.iter().find(|o| o.underlying == u)?.quote;
                        let opposite = if gain { q < 0 } else { q > 0 };
                        opposite.then_some((-q.abs(), *k, a))
                    })
                    .collect();
                others.sort_by_key(|(q, k, _)| (*q, *k));
                let mut tries = Vec::new();
                for (_, other, state) in others.into_iter().take(MAX_COUNTERPARTIES) {
                    if gain {
                        // The loser pays with its health accounts: it may borrow to.
                        let loser = (&other, state);
                        tries.push(vec![ix::perp_settle_pnl_with_health(key, loser, u, price_of)]);
                    } else {
                        let settle = ix::perp_settle_pnl(group, &other, key, u, &oracle, vec![]);
                        let write_off =
                            ix::account_settle_bankruptcy(group, &other, key, u, &oracle);
                        // What it can pay first, then the rest written off; the write-off
                        // alone when it holds nothing to pay with; the payment alone when the
                        // rest is not a loss the account cannot pay.
                        tries.push(vec![settle.clone(), write_off.clone()]);
                        tries.push(vec![write_off]);
                        tries.push(vec![settle]);
                    }
                }
                steps.push(tries);
                steps.push(vec![vec![ix::perp_settle_fees(group, key, u, &oracle, vec![])]]);
            }
            steps
        }
    }
}
