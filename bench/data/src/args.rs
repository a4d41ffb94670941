//! A minimal `--name value` argument reader for the benchmark binaries.

use std::collections::HashMap;

/// Parsed `--name value` pairs and bare `--flag`s.
#[derive(Debug, Default)]
pub struct Args {
    values: HashMap<String, String>,
}

impl Args {
    /// Reads the process arguments.
    pub fn from_env() -> Args {
        let list: Vec<String> = std::env::args().skip(1).collect();
        Args::from_list(&list)
    }

    /// Reads a list of arguments.
    pub fn from_list(list: &[String]) -> Args {
        let mut values = HashMap::new();
        let mut it = list.iter().cloned().peekable();
        while let Some(a) = it.next() {
            let Some(name) = a.strip_prefix("--") else {
                eprintln!("error: unexpected argument `{a}`");
                std::process::exit(2);
            };
            if let Some((n, v)) = name.split_once('=') {
                values.insert(n.to_string(), v.to_string());
            } else if it.peek().is_some_and(|v| !v.starts_with("--")) {
                values.insert(name.to_string(), it.next().unwrap_or_default());
            } else {
                values.insert(name.to_string(), String::new());
            }
        }
        Args { values }
    }

    /// A value, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Whether a flag was given.
    pub fn flag(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// A count such as `1000000`, `1e6` or `10M`.
    pub fn count(&self, name: &str, default: u64) -> u64 {
        self.get(name).map(parse_count).unwrap_or(default)
    }
}

/// Parses `1000000`, `1e6`, `10k`, `10M`.
pub fn parse_count(s: &str) -> u64 {
    let s = s.trim();
    if let Some((m, e)) = s.split_once(['e', 'E']) {
        let m: f64 = m.parse().unwrap_or(1.0);
        let e: i32 = e.parse().unwrap_or(0);
        return (m * 10f64.powi(e)).round() as u64;
    }
    if let Some(k) = s.strip_suffix(['k', 'K']) {
        return k.parse::<u64>().unwrap_or(0) * 1_000;
    }
    if let Some(m) = s.strip_suffix('M') {
        return m.parse::<u64>().unwrap_or(0) * 1_000_000;
    }
    s.parse().unwrap_or(0)
}
