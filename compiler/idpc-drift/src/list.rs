//! A Kubernetes `List` in YAML, its items parsed in parallel.
//!
//! `kubectl get -A -o yaml` writes one document: a `List` whose `items` hold every object. The
//! YAML parser reads a document whole before it makes a value, on one thread, and holds every
//! event of it meanwhile: for one environment of a 10,000-service estate (49 MB) that was a
//! third of `idpc diff --live` and most of its memory. As `kubectl` writes it, each item starts
//! with `- ` at the start of a line below `items:` and every other line of it is indented by two
//! spaces; so written, an item is a document of its own once its first two columns are taken
//! away (an explicit indentation of a block scalar is relative to its parent, which moves with
//! it). Items are cut so, parsed in parallel, and put back into the list.
//!
//! Anything else, or any piece that does not parse on its own (an alias of an anchor in
//! another item, say), makes [`parse`] decline, and the text is parsed whole, as before: its
//! errors are the parser's, at their place in the file.

use rayon::prelude::*;
use serde_json::Value;

use crate::desired::try_yaml_documents;

/// The one document of `text`, if it is a YAML `List` as `kubectl` writes it and each of its
/// items parses on its own; `None` to parse the text whole.
pub(crate) fn parse(text: &str) -> Option<Value> {
    let cut = cut(text)?;
    let mut list = single(&cut.rest)?;
    let kind = list.get("kind").and_then(Value::as_str)?;
    if !kind.ends_with("List") || list.get("items") != Some(&Value::Array(Vec::new())) {
        return None;
    }
    let items: Vec<Option<Value>> = cut.items.par_iter().map(|item| single(item)).collect();
    let items: Option<Vec<Value>> = items.into_iter().collect();
    *list.get_mut("items")? = Value::Array(items?);
    Some(list)
}

/// A list's text cut into its items and the rest.
#[derive(Debug, PartialEq)]
struct Cut {
    /// The text without its items: `items: []` in their place.
    rest: String,
    /// Each item, its first two columns taken away.
    items: Vec<String>,
}

/// `text` cut at its items, if they are written as `kubectl` writes them: `items:` alone on a
/// line, then items that each start with `- ` and go on with lines indented by two spaces, or
/// empty, up to the list's next key (a line that starts with a letter). Any other line there (a
/// comment at the start of a line, which could also end a block scalar) declines.
fn cut(text: &str) -> Option<Cut> {
    let mut lines = text.split_inclusive('\n');
    let mut rest = String::new();
    let mut items: Vec<String> = Vec::new();
    for (index, line) in lines.by_ref().enumerate() {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == "items:" {
            rest.push_str("items: []\n");
            break;
        }
        // One document only, with at most a marker on its first line.
        if (index > 0 || bare != "---") && (bare.starts_with("---") || bare.starts_with("...")) {
            return None;
        }
        rest.push_str(line);
    }
    let mut after = false;
    for line in lines {
        if after {
            let bare = line.trim_end_matches(['\n', '\r']);
            if bare.starts_with("---") || bare.starts_with("...") {
                return None;
            }
            rest.push_str(line);
        } else if let Some(first) = line.strip_prefix("- ") {
            items.push(first.to_owned());
        } else if let (Some(more), Some(item)) = (line.strip_prefix("  "), items.last_mut()) {
            item.push_str(more);
        } else if let (true, Some(item)) =
            (line.trim_end_matches(['\n', '\r']).is_empty(), items.last_mut())
        {
            item.push_str(line);
        } else if line.starts_with(|c: char| c.is_ascii_alphabetic()) {
            // The next key of the list.
            after = true;
            rest.push_str(line);
        } else {
            return None;
        }
    }
    (!items.is_empty()).then_some(Cut { rest, items })
}

/// The value of a text that holds exactly one document.
fn single(text: &str) -> Option<Value> {
    let mut documents = try_yaml_documents(text).ok()?;
    (documents.len() == 1).then(|| documents.pop()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What parsing the text whole gives.
    fn whole(text: &str) -> Value {
        let mut documents = try_yaml_documents(text).unwrap();
        assert_eq!(documents.len(), 1);
        documents.pop().unwrap()
    }

    const KUBECTL: &str = "\
apiVersion: v1
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: a
    namespace: shop-prod
  data:
    script: |
      #!/bin/sh
        indented: not a key
      - not an item

      echo done
    ports:
    - 80
    - \"443\"
    kept: |2
        two more than its parent
- apiVersion: v1
  kind: Service

  metadata: {name: b, namespace: shop-prod}
  # a comment inside an item
  spec:
    ports:
    - port: 80
      targetPort: 8080
kind: List
metadata:
  resourceVersion: \"\"
";

    #[test]
    fn a_list_as_kubectl_writes_it_is_cut_into_its_items_and_reads_as_it_does_whole() {
        let cut = cut(KUBECTL).unwrap();
        assert_eq!(cut.items.len(), 2);
        assert!(cut.items[0].starts_with("apiVersion: v1\nkind: ConfigMap\n"), "{}", cut.items[0]);
        assert!(cut.rest.contains("items: []\nkind: List\n"), "{}", cut.rest);
        assert_eq!(parse(KUBECTL).unwrap(), whole(KUBECTL));
        let items = &whole(KUBECTL)["items"];
        assert_eq!(
            items[0]["data"]["script"],
            "#!/bin/sh\n  indented: not a key\n- not an item\n\necho done\n"
        );
        assert_eq!(items[0]["data"]["kept"], "  two more than its parent\n");
        assert_eq!(items[1]["metadata"]["name"], "b");
        // With a document marker first, and with items as the last key.
        let marked = format!("---\n{KUBECTL}");
        assert_eq!(parse(&marked).unwrap(), whole(&marked));
        let last = "kind: List\napiVersion: v1\nitems:\n- kind: Pod\n  metadata:\n    name: p\n";
        assert_eq!(parse(last).unwrap(), whole(last));
        // The suite's exports are written so too.
        let written = serde_yaml::to_string(&whole(KUBECTL)).unwrap();
        assert_eq!(parse(&written).unwrap(), whole(KUBECTL));
    }

    #[test]
    fn anything_else_is_left_to_the_parser() {
        let declined = [
            // An alias of an anchor in another item.
            "kind: List\nitems:\n- &shared\n  kind: Pod\n- *shared\n",
            // Items indented below `items:`.
            "kind: List\nitems:\n  - kind: Pod\n",
            // Not a list.
            "kind: Pod\nitems:\n- a\n",
            // Two documents.
            "kind: List\nitems:\n- kind: Pod\n---\nkind: Pod\n",
            // An item that does not parse on its own.
            "kind: List\nitems:\n- kind: [Pod\n",
            // No items.
            "kind: List\nitems: []\n",
        ];
        for text in declined {
            assert_eq!(parse(text), None, "{text}");
        }
        // A comment at the start of a line among the items (here it also ends a block scalar).
        let comment = "kind: List\nitems:\n- kind: Pod\n  note: |\n    text\n# a comment\n  more: 1\n- kind: Pod\n";
        assert_eq!(parse(comment), None);
        assert_eq!(whole(comment)["items"][0]["more"], 1);
    }

    /// Lists written many ways, some as `kubectl` writes them and some not: whenever [`parse`]
    /// answers, it answers what parsing the text whole does.
    #[test]
    fn whenever_the_items_are_parsed_apart_they_read_as_the_whole_does() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut below = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % n as u64).unwrap()
        };
        let firsts = [
            "- kind: Pod\n",
            "- apiVersion: v1\n",
            "-   kind: Pod\n",
            "- &x{n}\n  kind: Pod\n",
            "-\n  kind: Pod\n",
        ];
        let lines = [
            "  metadata:\n    name: x{n}\n",
            "  data:\n    s: |\n      line\n        deeper\n\n      - dash\n",
            "  kept: |2\n      more\n",
            "  list:\n  - a\n  - b: {n}\n",
            "  # a comment\n",
            "\n",
            "# at the start of a line\n",
            "  q: \"multi\n    line\"\n",
            "  flow: {a: 1,\n    b: 2}\n",
            "  alias: *x{m}\n",
            " one: space\n",
            "  items:\n  - nested\n",
        ];
        let keys = [
            "apiVersion: v1\n",
            "kind: List\n",
            "kind: PodList\n",
            "metadata:\n  resourceVersion: \"\"\n",
        ];
        let (mut answered, mut declined) = (0, 0);
        for _ in 0..400 {
            let mut text = String::new();
            if below(4) == 0 {
                text.push_str("---\n");
            }
            let (before, after) = (below(3), below(3));
            for _ in 0..before {
                text.push_str(keys[below(keys.len())]);
            }
            text.push_str("items:\n");
            for n in 0..1 + below(4) {
                text.push_str(&firsts[below(firsts.len())].replace("{n}", &n.to_string()));
                for _ in 0..below(4) {
                    let line = lines[below(lines.len())];
                    text.push_str(
                        &line.replace("{n}", &n.to_string()).replace("{m}", &below(4).to_string()),
                    );
                }
            }
            for _ in 0..after {
                text.push_str(keys[below(keys.len())]);
            }
            let whole = try_yaml_documents(&text);
            match parse(&text) {
                Some(value) => {
                    answered += 1;
                    assert_eq!(whole.as_deref(), Ok(&[value][..]), "{text}");
                }
                None => declined += 1,
            }
        }
        assert!(answered > 40 && declined > 40, "{answered} answered, {declined} declined");
    }
}
