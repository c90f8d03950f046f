//! The `xmargin` binary as users run it: `price` and `risk` (text and JSON) and `demo`.

use std::process::Command;

fn xmargin(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xmargin")).args(args).output().expect("run xmargin");
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn price_json_has_the_numeric_fields() {
    let (ok, out, _) = xmargin(&[
        "price",
        "--kind",
        "call",
        "--spot",
        "150",
        "--strike",
        "160",
        "--vol",
        "0.8",
        "--years",
        "0.0821917808219178",
        "--rate",
        "0.03",
        "--json",
    ]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for field in ["price", "delta", "gamma", "vega", "theta"] {
        assert!(v[field].is_number(), "{field} missing in {out}");
    }
    // Textbook value of this call: 9.8423044...
    assert!((v["price"].as_f64().unwrap() - 9.842304409).abs() < 1e-6);
    assert!(v["theta"].as_f64().unwrap() < 0.0);
}

#[test]
fn price_text_and_errors() {
    let (ok, out, _) = xmargin(&[
        "price", "--kind", "put", "--spot", "100", "--strike", "100", "--vol", "0.2", "--years",
        "1",
    ]);
    assert!(ok && out.contains("delta") && out.contains("per 1.00 of vol"));
    let (ok, _, err) = xmargin(&[
        "price", "--kind", "put", "--spot", "0", "--strike", "100", "--vol", "0.2", "--years", "1",
    ]);
    assert!(!ok && err.contains("cannot price this option"), "{err}");
}

#[test]
fn risk_runs_the_example_portfolio() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/portfolio.json");
    let (ok, out, err) = xmargin(&["risk", "--file", file]);
    assert!(ok, "{err}");
    assert!(out.contains("worst #") && out.contains("health"));
    let (ok, out, _) = xmargin(&["risk", "--file", file, "--json"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["underlyings"].as_array().unwrap().len(), 2);
    assert_eq!(v["underlyings"][0]["init"]["scenarios"].as_array().unwrap().len(), 16);
    for field in ["equity_init", "init_health", "maint_health"] {
        assert!(v[field].is_number(), "{field}");
    }
    assert!(
        v["requirement_init"]["total"].as_f64().unwrap()
            > v["requirement_maint"]["total"].as_f64().unwrap()
    );
}

#[test]
fn risk_reads_decimal_amounts_exactly() {
    // 0.05 and 1.3 are not binary fractions: read as written, they are 50 and 1,300 contracts.
    let dir = std::env::temp_dir().join(format!("xmargin-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, quantity: &str| {
        let path = dir.join(name);
        let text = format!(
            r#"{{"now": 0, "quote": 1000.05, "underlyings": [{{"name": "SOL", "spot": 150,
               "vol_index": 0.8, "collateral": 1.3, "options": [{{"kind": "put", "strike": 140,
               "days": 7, "quantity": {quantity}}}]}}]}}"#
        );
        std::fs::write(&path, text).unwrap();
        path
    };
    let path = write("exact.json", "-0.05");
    let (ok, out, err) = xmargin(&["risk", "--file", path.to_str().unwrap(), "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["init_health"].as_f64().unwrap() > 0.0);
    let path = write("too_fine.json", "0.0005");
    let (ok, _, err) = xmargin(&["risk", "--file", path.to_str().unwrap()]);
    assert!(
        !ok && err.contains("SOL option quantity: 0.0005") && err.contains("3 decimals"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn demo_runs_and_shows_hedges_and_liquidations() {
    let (ok, out, err) = xmargin(&["demo"]);
    assert!(ok, "{err}");
    // Section 4: the stale SOL feed refuses only Alice's withdrawal.
    assert!(out.contains("refused: OracleStale"), "{out}");
    // Section 5: init requirement together and as separate legs, in USDC.
    let row = |name: &str| out.lines().find(|l| l.starts_with(name)).unwrap_or_default().to_owned();
    let covered = row("10 SOL + 10 written 165 calls");
    assert!(covered.contains("284.047083") && covered.contains("642.031507"), "{out}");
    let hedged = row("10 long 165 calls + 4 short perps");
    assert!(hedged.contains("32.767004") && hedged.contains("241.221159"), "{out}");
    // Section 6: the gap's liquidations and fred's bankruptcy, covered by the insurance fund.
    assert!(row("dave ").contains("35 SOL perps"), "{out}");
    assert!(row("fred ").contains("slice 100.00%"), "{out}");
    assert!(row("paid by the insurance fund").contains("157.500000"), "{out}");
    assert!(row("socialized over quote deposits").contains("0.000000"), "{out}");
}
