//! Fails when the committed IDL (idls/cross_margin.json) is not what the program's sources give:
//! integrators and `declare_program!` read that file, so it must never drift.

#[test]
fn committed_idl_is_current() {
    let idl = xmargin_idl::generate().expect("generate the IDL");
    let path = xmargin_idl::committed_path();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != idl {
        let first = committed.lines().zip(idl.lines()).position(|(a, b)| a != b);
        panic!(
            "{} is out of date (first difference at line {}): run scripts/idl",
            path.display(),
            first.map_or_else(|| "end".to_string(), |l| (l + 1).to_string())
        );
    }
}
