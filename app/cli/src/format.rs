//! Text formatting for the CLI: amounts and left/right aligned tables.

/// A native token amount as a decimal with all its decimals (`1500000000`, 9 -> `1.500000000`).
pub fn amount(native: i64, decimals: u8) -> String {
    let scale = 10i128.pow(u32::from(decimals));
    let n = i128::from(native);
    let sign = if n < 0 { "-" } else { "" };
    let (int, frac) = (n.abs() / scale, n.abs() % scale);
    if decimals == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac:0width$}", width = decimals as usize)
    }
}

/// A table whose first `left` columns are left-aligned and the rest right-aligned.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    left: usize,
}

impl Table {
    pub fn new(header: &[&str], left: usize) -> Table {
        Table { header: header.iter().map(|h| h.to_string()).collect(), rows: vec![], left }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.len()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.len());
            }
        }
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i < self.left {
                        format!("{c:<w$}", w = widths[i])
                    } else {
                        format!("{c:>w$}", w = widths[i])
                    }
                })
                .collect();
            parts.join("  ").trim_end().to_string()
        };
        let mut out = vec![line(&self.header)];
        out.push(widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().join("  "));
        out.extend(self.rows.iter().map(|r| line(r)));
        out.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_keep_every_decimal() {
        assert_eq!(amount(1_500_000_000, 9), "1.500000000");
        assert_eq!(amount(-2_500_000, 6), "-2.500000");
        assert_eq!(amount(42, 0), "42");
        assert_eq!(amount(5, 2), "0.05");
    }

    #[test]
    fn table_aligns_columns() {
        let mut t = Table::new(&["name", "value"], 1);
        t.row(vec!["a".into(), "1.5".into()]);
        t.row(vec!["long".into(), "10".into()]);
        assert_eq!(t.render(), "name  value\n----  -----\na       1.5\nlong     10");
    }
}
