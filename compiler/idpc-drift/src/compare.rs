//! Semantic comparison of two documents: parsed values, not text. Key order and representation
//! do not matter (`"0"` equals `0`, `"500m"` equals `"0.5"`, `"1Gi"` equals `"1024Mi"`), lists of
//! named elements are matched by name, and a `null` stands for an absent field.

use serde_json::Value;

use crate::path::{FieldPath, Segment};

/// A field whose value differs; `None` on a side means the field is absent there.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// Where.
    pub path: FieldPath,
    /// What idpc generates.
    pub desired: Option<Value>,
    /// What is live.
    pub live: Option<Value>,
}

/// Every difference between `desired` and `live`, in document order.
pub fn differences(desired: &Value, live: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    walk(&FieldPath::default(), Some(desired), Some(live), &mut out);
    out
}

fn walk(
    path: &FieldPath,
    desired: Option<&Value>,
    live: Option<&Value>,
    out: &mut Vec<Difference>,
) {
    let desired = desired.filter(|v| !v.is_null());
    let live = live.filter(|v| !v.is_null());
    // An object or list on one side only is compared with an empty one, so that differences are
    // reported at the leaves, where normalisation rules can name them.
    let empty_object = Value::Object(serde_json::Map::new());
    let empty_list = Value::Array(Vec::new());
    let (desired, live) = match (desired, live) {
        (Some(Value::Object(_)), None) => (desired, Some(&empty_object)),
        (None, Some(Value::Object(_))) => (Some(&empty_object), live),
        (Some(Value::Array(_)), None) => (desired, Some(&empty_list)),
        (None, Some(Value::Array(_))) => (Some(&empty_list), live),
        other => other,
    };
    match (desired, live) {
        (None, None) => {}
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            for (key, value) in a {
                walk(&path.join(Segment::Key(key.clone())), Some(value), b.get(key), out);
            }
            for (key, value) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                walk(&path.join(Segment::Key(key.clone())), None, Some(value), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => match (names(a), names(b)) {
            (Some(names_a), Some(names_b)) => {
                for (name, value) in names_a.iter().zip(a) {
                    let other = names_b.iter().position(|n| n == name).map(|i| &b[i]);
                    walk(&path.join(Segment::Named(name.clone())), Some(value), other, out);
                }
                for (name, value) in names_b.iter().zip(b).filter(|(n, _)| !names_a.contains(n)) {
                    walk(&path.join(Segment::Named(name.clone())), None, Some(value), out);
                }
            }
            _ => {
                for index in 0..a.len().max(b.len()) {
                    walk(&path.join(Segment::Index(index)), a.get(index), b.get(index), out);
                }
            }
        },
        (Some(a), Some(b)) if same_scalar(a, b) || same_query(path, a, b) => {}
        (a, b) => {
            out.push(Difference { path: path.clone(), desired: a.cloned(), live: b.cloned() })
        }
    }
}

/// The `name`s of a list whose elements are all objects with distinct string names.
fn names(list: &[Value]) -> Option<Vec<String>> {
    let names: Vec<String> = list
        .iter()
        .map(|v| v.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect::<Option<_>>()?;
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    (sorted.len() == names.len() && !names.is_empty()).then_some(names)
}

/// PromQL comes back from Prometheus re-printed, on one line and with the label matchers of each
/// selector sorted: queries (`expr`, `query`) compare in that canonical form.
fn same_query(path: &FieldPath, a: &Value, b: &Value) -> bool {
    let is_query = matches!(path.0.last(), Some(Segment::Key(k)) if k == "expr" || k == "query");
    match (a, b) {
        (Value::String(x), Value::String(y)) if is_query => {
            canonical_promql(x) == canonical_promql(y)
        }
        _ => false,
    }
}

/// A query without white space outside strings, with the matchers of every `{…}` sorted.
pub fn canonical_promql(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' | '`' => {
                out.push(c);
                copy_string(c, &mut chars, &mut out);
            }
            '{' => {
                let mut matchers = vec![String::new()];
                while let Some(c) = chars.next() {
                    match c {
                        '}' => break,
                        ',' => matchers.push(String::new()),
                        '"' | '\'' | '`' => {
                            let current = matchers.last_mut().map_or(&mut out, |m| m);
                            current.push(c);
                            copy_string(c, &mut chars, current);
                        }
                        c if c.is_whitespace() => {}
                        c => matchers.last_mut().map_or(&mut out, |m| m).push(c),
                    }
                }
                matchers.retain(|m| !m.is_empty());
                matchers.sort();
                out.push('{');
                out.push_str(&matchers.join(","));
                out.push('}');
            }
            '[' => {
                let mut range = String::new();
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    if !c.is_whitespace() {
                        range.push(c);
                    }
                }
                // `[30d]` and `[4w2d]` are the same range; so are subquery steps.
                let canonical: Vec<String> = range
                    .split(':')
                    .map(|part| {
                        duration_millis(part)
                            .map_or_else(|| part.to_owned(), |ms| format!("{ms}ms"))
                    })
                    .collect();
                out.push('[');
                out.push_str(&canonical.join(":"));
                out.push(']');
            }
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// A PromQL duration (`1h30m`, `4w2d`) in milliseconds.
fn duration_millis(text: &str) -> Option<u64> {
    const UNITS: &[(&str, u64)] = &[
        ("ms", 1),
        ("y", 31_536_000_000),
        ("w", 604_800_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
    ];
    let mut rest = text;
    let mut total = 0u64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (unit, scale) = UNITS.iter().find(|(u, _)| rest.starts_with(u))?;
        total = total.checked_add(number.checked_mul(*scale)?)?;
        rest = &rest[unit.len()..];
    }
    Some(total)
}

fn copy_string(
    quote: char,
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
) {
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '\\' && quote != '`' {
            if let Some(escaped) = chars.next() {
                out.push(escaped);
            }
        } else if c == quote {
            break;
        }
    }
}

/// Whether two scalars mean the same.
pub fn same_scalar(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
            s.parse::<f64>().ok() == n.as_f64()
        }
        (Value::String(s), Value::Bool(b)) | (Value::Bool(b), Value::String(s)) => {
            s == if *b { "true" } else { "false" }
        }
        (Value::String(x), Value::String(y)) => quantity(x).is_some_and(|q| Some(q) == quantity(y)),
        _ => false,
    }
}

/// A Kubernetes quantity in thousandths of its unit (`"500m"` is 500, `"1Ki"` is 1 024 000).
fn quantity(text: &str) -> Option<i128> {
    const SUFFIXES: &[(&str, i128)] = &[
        ("Ki", 1 << 10),
        ("Mi", 1 << 20),
        ("Gi", 1 << 30),
        ("Ti", 1 << 40),
        ("Pi", 1 << 50),
        ("Ei", 1 << 60),
        ("k", 1_000),
        ("M", 1_000_000),
        ("G", 1_000_000_000),
        ("T", 1_000_000_000_000),
        ("P", 1_000_000_000_000_000),
        ("E", 1_000_000_000_000_000_000),
    ];
    let (number, scale, milli) = if let Some(n) = text.strip_suffix('m') {
        (n, 1, true)
    } else if let Some((suffix, scale)) = SUFFIXES.iter().find(|(s, _)| text.ends_with(s)) {
        (&text[..text.len() - suffix.len()], *scale, false)
    } else {
        (text, 1, false)
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > 9
    {
        return None;
    }
    let digits: i128 = format!("{whole}{fraction}").parse().ok()?;
    let divisor = 10i128.pow(u32::try_from(fraction.len()).ok()?);
    let thousandths = if milli { digits * scale } else { digits * scale * 1000 };
    (thousandths % divisor == 0).then(|| thousandths / divisor)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn representation_and_order_do_not_matter() {
        let desired = json!({ "a": 1, "b": { "cpu": "500m", "memory": "1Gi", "n": "0" }, "list": [{ "name": "x", "v": 1 }, { "name": "y", "v": 2 }] });
        let live = json!({ "list": [{ "name": "y", "v": 2 }, { "v": 1.0, "name": "x" }], "b": { "memory": "1024Mi", "n": 0, "cpu": "0.5" }, "a": 1, "c": null });
        assert_eq!(differences(&desired, &live), Vec::new());
    }

    #[test]
    fn queries_compare_as_prometheus_prints_them() {
        let ours = "(\n  x{service=\"a\",environment=\"prod\",code=~\"5..\"} > (14.4 * 0.001)\n)";
        let printed = "(x{code=~\"5..\",environment=\"prod\",service=\"a\"} > (14.4 * 0.001))";
        assert_eq!(canonical_promql(ours), canonical_promql(printed));
        assert_ne!(canonical_promql("x{a=\"b c\"}"), canonical_promql("x{a=\"bc\"}"));
        assert_eq!(canonical_promql("rate(x[28d])"), canonical_promql("rate(x[4w])"));
        assert_eq!(
            canonical_promql("max_over_time(x[1h:5m])"),
            canonical_promql("max_over_time(x[60m:300s])")
        );
    }

    #[test]
    fn differences_name_their_paths() {
        let desired =
            json!({ "spec": { "replicas": 4, "ports": [{ "name": "http", "port": 80 }] } });
        let live = json!({ "spec": { "replicas": 5, "ports": [{ "name": "http", "port": 80 }, { "name": "debug", "port": 9 }] }, "status": {} });
        let found: Vec<String> =
            differences(&desired, &live).iter().map(|d| d.path.to_string()).collect();
        assert_eq!(
            found,
            ["spec.replicas", "spec.ports[name=debug].name", "spec.ports[name=debug].port"]
        );
        assert!(
            quantity("1.5Gi").is_some() && quantity("abc").is_none() && quantity("1.5m").is_none()
        );
    }
}
