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

/// PromQL comes back from Prometheus re-printed: queries (`expr`, `query`) compare without white
/// space.
fn same_query(path: &FieldPath, a: &Value, b: &Value) -> bool {
    let is_query = matches!(path.0.last(), Some(Segment::Key(k)) if k == "expr" || k == "query");
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    match (a, b) {
        (Value::String(x), Value::String(y)) if is_query => squeeze(x) == squeeze(y),
        _ => false,
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
