//! A campaign written from a tape of random choices: facts with nested lists, per-item fields
//! on every list (using the facts of their item, of the items it is inside and of other
//! lists), aggregates with filters at any depth, per-period values whose filters use other
//! per-period values, tier tables, rankings of records by aggregates of per-item fields. Names
//! that two unrelated items in scope share (`n`, `tag`, `ok` of `a` and `b`) are written as
//! freely as the others: `check` refuses those, and every campaign it refuses is dropped.
//!
//! Shared by `tests/equivalence.rs` (a property test) and `fuzz/fuzz_targets/generated.rs`.

/// The campaign's facts and period range; the definitions follow.
const HEADER: &str = r#"campaign "generated" {
  timezone Asia/Shanghai
  periods days = days 2024-03-01 through 2024-03-03
  facts {
    x: decimal
    flag: bool
    at: timestamp
    a: list of {
      n: decimal
      k: count
      ok: bool
      t: timestamp
      tag: text
      sub: list of {
        v: decimal
        w: decimal
      }
    }
    b: list of {
      n: decimal
      m: decimal
      tag: text
      ok: bool
    }
  }
"#;

/// A record level: its path, the path of the level it is inside, its numeric and yes/no
/// facts, whether it has `tag`, its nested list.
struct Level {
    path: &'static str,
    parent: Option<&'static str>,
    nums: &'static [&'static str],
    flags: &'static [&'static str],
    tagged: bool,
    child: Option<(&'static str, &'static str)>,
}

const LEVELS: &[Level] = &[
    Level {
        path: "",
        parent: None,
        nums: &["x"],
        flags: &["flag"],
        tagged: false,
        child: None,
    },
    Level {
        path: "a",
        parent: Some(""),
        nums: &["n", "k"],
        flags: &["ok"],
        tagged: true,
        child: Some(("sub", "a.sub")),
    },
    Level {
        path: "a.sub",
        parent: Some("a"),
        nums: &["v", "w"],
        flags: &[],
        tagged: false,
        child: None,
    },
    Level {
        path: "b",
        parent: Some(""),
        nums: &["n", "m"],
        flags: &["ok"],
        tagged: true,
        child: None,
    },
];

fn level(path: &str) -> &'static Level {
    LEVELS.iter().find(|l| l.path == path).unwrap_or(&LEVELS[0])
}

/// The writer: the tape, and the per-item fields and per-period values defined so far.
pub struct Writer<'t> {
    tape: &'t [u8],
    at: usize,
    /// (level, name, numeric): per-item fields defined so far.
    fields: Vec<(&'static str, String, bool)>,
    /// Per-period values defined so far.
    periodic: Vec<String>,
    /// Whether the expression being written is a per-period value's (its names may be the
    /// other per-period values, meaning the current period's).
    in_period: bool,
}

impl Writer<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let b = self.tape.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        usize::from(b) % n.max(1)
    }

    /// The levels in scope: the top-level record, then each item, innermost last.
    fn num(&mut self, scope: &[&'static str], depth: u32) -> String {
        let choices = if depth == 0 { 2 } else { 7 };
        match self.pick(choices) {
            0 => ["1", "2.5", "0", "3"][self.pick(4)].to_string(),
            1 => self.name(scope, true),
            2 => {
                let op = ["+", "-", "×"][self.pick(3)];
                format!("({} {op} {})", self.num(scope, depth - 1), self.num(scope, depth - 1))
            }
            3 | 4 => self.aggregate(scope, depth - 1),
            5 => format!(
                "(band of {} {{ .. 1 -> 1, 1 .. 3 -> 2, 3 .. -> 5 }})",
                self.num(scope, depth - 1)
            ),
            _ => format!("max({}, {})", self.num(scope, depth - 1), self.num(scope, depth - 1)),
        }
    }

    fn flag(&mut self, scope: &[&'static str], depth: u32) -> String {
        let choices = if depth == 0 { 3 } else { 6 };
        match self.pick(choices) {
            0 => self.name(scope, false),
            1 => {
                let op = [">", "≤", "=", "≠"][self.pick(4)];
                format!(
                    "{} {op} {}",
                    self.num(scope, depth.saturating_sub(1)),
                    self.num(scope, 0)
                )
            }
            2 => match scope.iter().rev().find(|p| level(p).tagged) {
                Some(_) => format!("tag = \"{}\"", ["x", "y"][self.pick(2)]),
                None => "flag".into(),
            },
            3 => format!("({} and {})", self.flag(scope, depth - 1), self.flag(scope, depth - 1)),
            4 => format!("(not {})", self.flag(scope, depth - 1)),
            _ => format!("({} or {})", self.flag(scope, depth - 1), self.flag(scope, depth - 1)),
        }
    }

    /// A fact or per-item field of one of the levels in scope (or a per-period value).
    fn name(&mut self, scope: &[&'static str], numeric: bool) -> String {
        let mut names: Vec<String> = Vec::new();
        let mut fields: Vec<String> = Vec::new();
        for path in scope {
            let l = level(path);
            let facts = if numeric { l.nums } else { l.flags };
            names.extend(facts.iter().map(|s| s.to_string()));
            fields.extend(
                self.fields
                    .iter()
                    .filter(|(p, _, n)| p == path && *n == numeric)
                    .map(|(_, name, _)| name.clone()),
            );
        }
        // Per-item fields half the time when there are any: they are what reads other items.
        if !fields.is_empty() && self.pick(2) == 0 {
            return fields[self.pick(fields.len())].clone();
        }
        names.extend(fields);
        if self.in_period && numeric {
            names.extend(self.periodic.iter().cloned());
        }
        match names.len() {
            0 if numeric => "1".into(),
            0 => "flag".into(),
            n => names[self.pick(n)].clone(),
        }
    }

    /// An aggregate over a list reachable from the scope, with a filter or not.
    fn aggregate(&mut self, scope: &[&'static str], depth: u32) -> String {
        // The lists: the top-level ones, and the nested list of an item in scope.
        let mut lists: Vec<(String, &'static str)> =
            vec![("a".into(), "a"), ("b".into(), "b"), ("a.sub".into(), "a.sub")];
        for path in scope {
            if let Some((field, child)) = level(path).child {
                lists.push((field.to_string(), child));
            }
        }
        let (written, path) = lists.swap_remove(self.pick(lists.len()));
        let l = level(path);
        let mut inner: Vec<&'static str> = scope.to_vec();
        // Inside the walk, the items of each level of the list are in scope.
        let mut chain = vec![path];
        let mut p = l.parent;
        while let Some(pp) = p.filter(|pp| !pp.is_empty() && written.contains('.')) {
            chain.insert(0, level(pp).path);
            p = level(pp).parent;
        }
        inner.extend(chain);
        let mut values: Vec<String> = l.nums.iter().map(|s| s.to_string()).collect();
        values.extend(
            self.fields
                .iter()
                .filter(|(p, _, n)| *p == path && *n)
                .map(|(_, name, _)| name.clone()),
        );
        let own = values.len() - l.nums.len();
        let value = if own > 0 && self.pick(2) == 0 {
            values[l.nums.len() + self.pick(own)].clone()
        } else {
            values[self.pick(values.len())].clone()
        };
        let filter = match self.pick(3) {
            0 => String::new(),
            _ => format!(" where {}", self.flag(&inner, depth)),
        };
        match self.pick(4) {
            0 => format!("(count of {written}{filter})"),
            1 => format!("((max of {written}.{value}{filter}) if unknown 0)"),
            _ => format!("(sum of {written}.{value}{filter})"),
        }
    }

    /// The levels from the top down to `path`.
    fn chain(path: &'static str) -> Vec<&'static str> {
        let mut out = vec![path];
        let mut p = level(path).parent;
        while let Some(pp) = p {
            out.insert(0, pp);
            p = level(pp).parent;
        }
        out
    }

    /// The whole campaign.
    pub fn campaign(tape: &[u8]) -> String {
        let mut w = Writer {
            tape,
            at: 0,
            fields: Vec::new(),
            periodic: Vec::new(),
            in_period: false,
        };
        let mut text = HEADER.to_string();
        for i in 0..2 + w.pick(4) {
            let path = ["a", "a.sub", "b"][w.pick(3)];
            let scope = Writer::chain(path);
            let numeric = w.pick(3) != 0;
            let expr = match numeric {
                true => w.num(&scope, 2),
                false => w.flag(&scope, 2),
            };
            text.push_str(&format!("  let f{i} of {path} = {expr}\n"));
            w.fields.push((path, format!("f{i}"), numeric));
        }
        for i in 0..1 + w.pick(2) {
            w.in_period = true;
            let extra = match w.pick(3) {
                0 => String::new(),
                _ => format!(" and {}", w.flag(&["", "a"], 1)),
            };
            w.in_period = false;
            let value = ["n", "k"][w.pick(2)];
            text.push_str(&format!(
                "  let d{i} per day in days = sum of a.{value} where (t in day){extra}\n"
            ));
            w.periodic.push(format!("d{i}"));
        }
        for i in 0..w.periodic.len() {
            text.push_str(&format!("  value s{i} = sum of d{i}\n"));
        }
        for i in 0..1 + w.pick(3) {
            let expr = w.num(&[""], 3);
            text.push_str(&format!("  value v{i} = {expr}\n"));
        }
        // Every per-item field is computed for every item, through a shown aggregate.
        for (path, name, numeric) in &w.fields {
            let aggregate = match numeric {
                true => format!("sum of {path}.{name}"),
                false => format!("count of {path} where {name}"),
            };
            text.push_str(&format!("  value all_{name} = {aggregate}\n"));
        }
        if w.pick(3) == 0 {
            // A ranking of the records by what their per-item fields add up to.
            let key = w.num(&[""], 2);
            text.push_str(&format!(
                "  value place = rank by {key} descending, then by x within flag\n"
            ));
        }
        text.push_str("}\n");
        text
    }
}

/// A record from a tape: 0 to 3 items per list, values from small sets that meet the
/// constants campaigns are written with.
pub fn record(tape: &[u8], id: usize) -> String {
    let mut at = 0;
    let mut pick = |n: usize| {
        let b = tape.get(at).copied().unwrap_or(0);
        at += 1;
        usize::from(b) % n
    };
    let nums = ["0", "1", "2.5", "-1", "3"];
    let times = [
        "2024-03-01T00:00:00+08:00",
        "2024-03-02T12:00:00+08:00",
        "2024-03-03T23:59:59+08:00",
        "2024-03-04T00:00:00+08:00",
        "2024-02-29T23:59:59+08:00",
    ];
    let mut a = Vec::new();
    for _ in 0..pick(4) {
        let sub: Vec<String> = (0..pick(3))
            .map(|_| format!(r#"{{"v":"{}","w":"{}"}}"#, nums[pick(5)], nums[pick(5)]))
            .collect();
        a.push(format!(
            r#"{{"n":"{}","k":{},"ok":{},"t":"{}","tag":"{}","sub":[{}]}}"#,
            nums[pick(5)],
            pick(4),
            pick(2) == 0,
            times[pick(5)],
            ["x", "y"][pick(2)],
            sub.join(",")
        ));
    }
    let b: Vec<String> = (0..pick(4))
        .map(|_| {
            format!(
                r#"{{"n":"{}","m":"{}","tag":"{}","ok":{}}}"#,
                nums[pick(5)],
                nums[pick(5)],
                ["x", "y"][pick(2)],
                pick(2) == 0
            )
        })
        .collect();
    format!(
        r#"{{"id":"r{id}","x":"{}","flag":{},"at":"{}","a":[{}],"b":[{}]}}"#,
        nums[pick(5)],
        pick(2) == 0,
        times[pick(5)],
        a.join(","),
        b.join(",")
    )
}
