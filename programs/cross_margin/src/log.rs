//! The program's log lines: every one goes through [`xm_msg!`](crate::xm_msg).
//!
//! On-chain it is `msg!`. Off-chain the same engine code also runs outside any transaction: the
//! client's health and liquidation predictions, the keeper's triage, the CLI and the tests call it
//! on copies of accounts. There a line has no transaction log to go to (natively `msg!` is a bare
//! `println!`, which buried the test command's output under thousands of lines), and the reason
//! comes back as the error value anyway. So off-chain a line is written only inside
//! [`in_transaction`], which a native runtime wraps around the program's entrypoint
//! (`xmargin_client::embedded` does): native transaction logs keep every line.

#[cfg(not(target_os = "solana"))]
use core::cell::Cell;

#[cfg(not(target_os = "solana"))]
std::thread_local! {
    static IN_TRANSACTION: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` (the program's entrypoint, run natively) with its log lines written.
#[cfg(not(target_os = "solana"))]
pub fn in_transaction<T>(f: impl FnOnce() -> T) -> T {
    /// Puts the previous state back however `f` ends (a native program may panic).
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            IN_TRANSACTION.set(self.0);
        }
    }
    let _restore = Restore(IN_TRANSACTION.replace(true));
    f()
}

/// Whether off-chain log lines are written now (inside [`in_transaction`]).
#[cfg(not(target_os = "solana"))]
pub fn writing() -> bool {
    IN_TRANSACTION.get()
}

/// `msg!` on-chain; off-chain, `msg!` inside [`in_transaction`] only (module doc).
#[cfg(target_os = "solana")]
#[macro_export]
macro_rules! xm_msg {
    ($($arg:tt)*) => {
        ::anchor_lang::prelude::msg!($($arg)*)
    };
}

/// `msg!` on-chain; off-chain, `msg!` inside [`in_transaction`] only (module doc).
#[cfg(not(target_os = "solana"))]
#[macro_export]
macro_rules! xm_msg {
    ($($arg:tt)*) => {
        if $crate::log::writing() {
            ::anchor_lang::prelude::msg!($($arg)*)
        }
    };
}

#[cfg(test)]
mod tests {
    use super::{in_transaction, writing};

    #[test]
    fn lines_are_written_inside_a_transaction_only() {
        assert!(!writing());
        assert!(in_transaction(writing));
        assert!(in_transaction(|| in_transaction(|| true) && writing()));
        assert!(!writing());
        let panicked = std::panic::catch_unwind(|| in_transaction(|| panic!("native program")));
        assert!(panicked.is_err());
        assert!(!writing(), "a panicking program leaves logging as it was");
    }

    #[test]
    fn every_program_line_goes_through_xm_msg() {
        // A bare `msg!` would print on every off-chain health computation again.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![root];
        let mut offenders = vec![];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("log.rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let bare = text.lines().filter(|l| {
                        let code = l.trim_start();
                        !code.starts_with("//")
                            && code.contains("msg!(")
                            && !code.contains("xm_msg!(")
                    });
                    offenders.extend(bare.map(|l| format!("{}: {}", path.display(), l.trim())));
                }
            }
        }
        assert!(offenders.is_empty(), "use xm_msg!: {offenders:#?}");
    }
}
