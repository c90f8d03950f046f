//! The accounts a local validator starts with. [`Genesis`] is a [`LocalChain`] that records what
//! `sandbox` writes to an in-process chain (SPL mints, token accounts, `PriceUpdateV2` accounts,
//! funded wallets) instead of writing it, and [`Genesis::write_account_dir`] turns the record into
//! the JSON files `solana-test-validator --account-dir` loads. A validator so started holds the
//! same fixtures as the in-process chains, at the same addresses; everything else (the group, its
//! markets, margin accounts, trades, liquidations) then happens by transaction over RPC.

use std::collections::BTreeMap;
use std::path::Path;

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use solana_instruction::Instruction;
use solana_keypair::Keypair;

use crate::chain::{
    AccountData, AccountFilter, Chain, LocalChain, LookupTable, TransactionError, TxFailure,
    TxReport,
};

/// The accounts recorded for a validator's genesis, by address.
#[derive(Debug, Default, Clone)]
pub struct Genesis {
    accounts: BTreeMap<Pubkey, AccountData>,
}

impl Genesis {
    pub fn new() -> Genesis {
        Genesis::default()
    }

    /// Every recorded account, in address order.
    pub fn accounts(&self) -> impl Iterator<Item = (&Pubkey, &AccountData)> {
        self.accounts.iter()
    }

    /// Writes one `<address>.json` per account into `dir` (created if needed), in the format of
    /// [`account_json`]; returns how many.
    pub fn write_account_dir(&self, dir: &Path) -> std::io::Result<usize> {
        std::fs::create_dir_all(dir)?;
        for (key, account) in &self.accounts {
            std::fs::write(dir.join(format!("{key}.json")), account_json(key, account))?;
        }
        Ok(self.accounts.len())
    }

    fn no_transactions() -> TxFailure {
        TxFailure {
            error: TransactionError::SanitizeFailure,
            logs: vec![
                "a genesis records accounts only: send transactions to the running validator"
                    .to_string(),
            ],
        }
    }
}

/// One account as `solana account --output json` prints it and the validator's `--account` and
/// `--account-dir` read it: the address, then lamports, base64 data, owner, whether executable,
/// the rent epoch (0) and the data length.
pub fn account_json(key: &Pubkey, account: &AccountData) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(&account.data);
    format!(
        "{{\"pubkey\":\"{key}\",\"account\":{{\"lamports\":{},\"data\":[\"{data}\",\"base64\"],\
         \"owner\":\"{}\",\"executable\":{},\"rentEpoch\":0,\"space\":{}}}}}\n",
        account.lamports,
        account.owner,
        account.executable,
        account.data.len()
    )
}

impl Chain for Genesis {
    fn backend(&self) -> &'static str {
        "genesis"
    }

    /// Refused: a genesis holds accounts, not a ledger.
    fn send_with(
        &mut self,
        _instructions: &[Instruction],
        _payer: &Keypair,
        _signers: &[&Keypair],
        _tables: &[LookupTable],
    ) -> Result<TxReport, TxFailure> {
        Err(Genesis::no_transactions())
    }

    /// Refused, as [`Genesis::send_with`].
    fn simulate(
        &mut self,
        _instructions: &[Instruction],
        _payer: &Keypair,
        _signers: &[&Keypair],
        _tables: &[LookupTable],
    ) -> Result<TxReport, TxFailure> {
        Err(Genesis::no_transactions())
    }

    fn account(&mut self, key: &Pubkey) -> Option<AccountData> {
        self.accounts.get(key).cloned()
    }

    fn program_accounts(
        &mut self,
        owner: &Pubkey,
        filters: &[AccountFilter],
    ) -> Vec<(Pubkey, AccountData)> {
        let passes =
            |a: &AccountData| a.owner == *owner && filters.iter().all(|f| f.matches(&a.data));
        self.accounts.iter().filter(|(_, a)| passes(a)).map(|(k, a)| (*k, a.clone())).collect()
    }

    /// A genesis has no clock yet: 0 (the validator's clock starts at its wall-clock start).
    fn now(&mut self) -> i64 {
        0
    }
}

impl LocalChain for Genesis {
    fn set_account(&mut self, key: &Pubkey, account: AccountData) {
        self.accounts.insert(*key, account);
    }

    /// A validator's clock follows the wall clock from its start; a genesis cannot set it, and a
    /// caller relying on it would misjudge every price age, so this stops it outright.
    fn set_time(&mut self, unix_timestamp: i64) {
        panic!("a genesis has no clock to set to {unix_timestamp}: the validator's is wall time");
    }

    /// Lookup tables made before the validator starts would not be active, and nothing in a
    /// genesis needs one.
    fn create_lookup_table(&mut self, addresses: Vec<Pubkey>) -> LookupTable {
        panic!("a genesis makes no lookup table ({} addresses asked)", addresses.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn records_what_the_sandbox_writes_and_writes_it_as_the_cli_prints_it() {
        let mut genesis = Genesis::new();
        let (mint, wallet) = (Pubkey::new_from_array([1; 32]), Pubkey::new_from_array([2; 32]));
        genesis.set_account(&mint, fixtures::mint(6, &wallet, 0));
        genesis.airdrop(&wallet, 5);
        genesis.airdrop(&wallet, 7);
        assert_eq!(genesis.account(&wallet).map(|a| a.lamports), Some(12));
        let tokens = genesis.program_accounts(&anchor_spl::token::spl_token::ID, &[]);
        assert_eq!(tokens.len(), 1);
        assert!(genesis.send(&[], &Keypair::new(), &[]).is_err());

        let json = account_json(&mint, &genesis.account(&mint).unwrap());
        assert!(json.starts_with(&format!("{{\"pubkey\":\"{mint}\",\"account\":{{\"lamports\":")));
        assert!(json.contains("\"owner\":\"TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA\""));
        assert!(json.contains("\"executable\":false,\"rentEpoch\":0,\"space\":82}}"));
        let dir = std::env::temp_dir().join(format!("xmargin-genesis-{}", std::process::id()));
        assert_eq!(genesis.write_account_dir(&dir).unwrap(), 2);
        let written = std::fs::read_to_string(dir.join(format!("{mint}.json"))).unwrap();
        assert_eq!(written, json);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
