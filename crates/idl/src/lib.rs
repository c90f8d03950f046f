//! The cross-margin program's IDL, generated the way `anchor idl build` does it (anchor-lang-idl's
//! `IdlBuilder`: the program's `idl-build` test prints the IDL, with doc comments, errors and
//! events) but without the anchor CLI, and committed at `idls/cross_margin.json`, where
//! `declare_program!` (programs/rfq_venue) and the TypeScript client read it.
//!
//! The build runs in its own target directory (`target/idl`): `IdlBuilder` sets `RUSTFLAGS`,
//! which would otherwise make cargo rebuild the whole dependency tree of the main build.

use std::path::{Path, PathBuf};

use anchor_lang_idl::build::IdlBuilder;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

/// Where the committed IDL lives.
pub fn committed_path() -> PathBuf {
    root().join("idls/cross_margin.json")
}

/// The IDL of the program as the sources define it now, as the committed file holds it (pretty
/// JSON and a final newline).
pub fn generate() -> Result<String, String> {
    let root = root();
    // The build must not inherit a parent cargo's wrapper (the test command's clippy-driver) or
    // toolchain pin (`IdlBuilder` would try to install it).
    for var in ["RUSTC_WORKSPACE_WRAPPER", "RUSTC_WRAPPER", "CLIPPY_ARGS", "RUSTUP_TOOLCHAIN"] {
        // Callers are single-threaded (the binary; the crate's one test).
        std::env::remove_var(var);
    }
    std::env::set_var("CARGO_TARGET_DIR", root.join("target/idl"));
    let idl = IdlBuilder::new()
        .program_path(root.join("programs/cross_margin"))
        .cargo_args(vec!["--locked".into()])
        .build()
        .map_err(|e| format!("IDL build failed: {e:#}"))?;
    let mut json = serde_json::to_string_pretty(&idl).map_err(|e| e.to_string())?;
    json.push('\n');
    Ok(json)
}
