//! The report lines our own peer programs print (the C peers in `interop/openssl/peers/`
//! and the tlslite-ng scripts in `interop/tlslite/`).

/// One exported value: (label, length, context (None: no context), output).
pub type ExportLine = (String, usize, Option<Vec<u8>>, Vec<u8>);

/// Parses the peers' `EXPORT label=L len=N ctx=<hex|-> out=<hex>` lines:
/// (label, len, context (None for `-`), output).
pub fn parse_export_lines(lines: &[String]) -> Vec<ExportLine> {
    lines
        .iter()
        .filter_map(|l| {
            let rest = l.strip_prefix("EXPORT ")?;
            let mut label = None;
            let mut len = None;
            let mut ctx = None;
            let mut out = None;
            for kv in rest.split(' ') {
                let (k, v) = kv.split_once('=')?;
                match k {
                    "label" => label = Some(v.to_owned()),
                    "len" => len = v.parse().ok(),
                    "ctx" => ctx = Some(if v == "-" { None } else { hex::decode(v).ok() }),
                    "out" => out = hex::decode(v).ok(),
                    _ => {}
                }
            }
            Some((label?, len?, ctx?, out?))
        })
        .collect()
}

/// Parses a `FINISHED client=<hex> server=<hex> reused=<0|1>` line: (client, server, reused).
pub fn parse_finished_line(line: &str) -> Option<(Vec<u8>, Vec<u8>, bool)> {
    let rest = line.strip_prefix("FINISHED ")?;
    let mut c = None;
    let mut s = None;
    let mut r = None;
    for kv in rest.split(' ') {
        match kv.split_once('=')? {
            ("client", v) => c = hex::decode(v).ok(),
            ("server", v) => s = hex::decode(v).ok(),
            ("reused", v) => r = Some(v == "1"),
            _ => {}
        }
    }
    Some((c?, s?, r?))
}
