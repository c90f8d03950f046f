//! `xmargin-idl [--write]`: prints whether `idls/cross_margin.json` matches the program's
//! sources, or (`--write`) rewrites it. `scripts/idl` runs it with `--write`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let write = std::env::args().any(|a| a == "--write");
    let idl = match xmargin_idl::generate() {
        Ok(idl) => idl,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let path = xmargin_idl::committed_path();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == idl {
        println!("{} is current", path.display());
        return ExitCode::SUCCESS;
    }
    if write {
        if let Err(e) = std::fs::write(&path, &idl) {
            eprintln!("{}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {} ({} bytes)", path.display(), idl.len());
        return ExitCode::SUCCESS;
    }
    eprintln!("{} is out of date: run scripts/idl", path.display());
    ExitCode::FAILURE
}
