//! A deterministic generator of valid KDL 2.0 documents that exercise every form: identifiers,
//! quoted, raw and multi-line strings with escapes, numbers in every radix, keywords, type
//! annotations, slashdash, comments, line continuations and `;`.

/// A small deterministic random source (xorshift64*).
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(crate) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// A valid document.
pub(crate) fn document(rng: &mut Rng) -> String {
    let mut out = String::new();
    if rng.chance(5) {
        out.push('\u{FEFF}');
    }
    if rng.chance(10) {
        out.push_str("/- kdl-version 2\n");
    }
    let count = rng.below(6);
    nodes(rng, &mut out, count, 0);
    out
}

fn nodes(rng: &mut Rng, out: &mut String, count: usize, depth: usize) {
    for _ in 0..count {
        line_space(rng, out, depth);
        node(rng, out, depth);
        match rng.below(8) {
            0 => out.push(';'),
            1 => out.push_str(" // trailing comment"),
            _ => {}
        }
        out.push_str(newline(rng));
    }
    line_space(rng, out, depth);
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

fn newline(rng: &mut Rng) -> &'static str {
    rng.pick(&["\n", "\n", "\n", "\r\n", "\r", "\u{85}", "\u{2028}", "\u{0C}"])
}

fn line_space(rng: &mut Rng, out: &mut String, depth: usize) {
    match rng.below(10) {
        0 => {
            out.push_str("// a comment /* with */ stuff");
            out.push_str(newline(rng));
        }
        1 => {
            out.push_str("/* block /* nested */ comment");
            out.push_str(newline(rng));
            out.push_str("*/ ");
        }
        2 => out.push_str(newline(rng)),
        3 => {
            out.push_str("/- ");
            node(rng, out, depth);
            out.push_str(newline(rng));
        }
        _ => {}
    }
    indent(out, depth);
}

fn node_space(rng: &mut Rng, out: &mut String) {
    match rng.below(12) {
        0 => out.push('\t'),
        1 => out.push_str(" /* c */ "),
        2 => {
            out.push_str(" \\");
            out.push_str(if rng.chance(50) { " // continued" } else { "" });
            out.push_str(newline(rng));
            out.push_str("   ");
        }
        3 => out.push('\u{3000}'),
        4 => out.push_str("  "),
        _ => out.push(' '),
    }
}

fn node(rng: &mut Rng, out: &mut String, depth: usize) {
    if rng.chance(15) {
        annotation(rng, out);
    }
    out.push_str(&string(rng));
    let entries = rng.below(5);
    for _ in 0..entries {
        node_space(rng, out);
        if rng.chance(10) {
            out.push_str("/-");
            if rng.chance(50) {
                out.push(' ');
            }
        }
        if rng.chance(35) {
            out.push_str(&string(rng));
            out.push_str(rng.pick(&["=", "=", " = ", "= "]));
        }
        value(rng, out);
    }
    if rng.chance(8) {
        out.push_str(" /-{ ignored; child }");
    }
    if depth < 4 && rng.chance(30) {
        out.push_str(rng.pick(&[" {", "{", "  {"]));
        out.push_str(newline(rng));
        let count = rng.below(4);
        nodes(rng, out, count, depth + 1);
        indent(out, depth);
        out.push('}');
        if rng.chance(10) {
            out.push_str(" /- {\n}");
        }
    }
    if rng.chance(10) {
        out.push(' ');
    }
}

fn annotation(rng: &mut Rng, out: &mut String) {
    out.push('(');
    if rng.chance(20) {
        out.push(' ');
    }
    out.push_str(&string(rng));
    out.push(')');
    if rng.chance(20) {
        out.push(' ');
    }
}

fn value(rng: &mut Rng, out: &mut String) {
    if rng.chance(15) {
        annotation(rng, out);
    }
    match rng.below(10) {
        0..=3 => out.push_str(&string(rng)),
        4..=6 => out.push_str(&number(rng)),
        _ => out.push_str(rng.pick(&["#true", "#false", "#null", "#inf", "#-inf", "#nan"])),
    }
}

/// A string in any form.
pub(crate) fn string(rng: &mut Rng) -> String {
    const IDENTS: &[&str] = &[
        "node",
        "a",
        "service",
        "-",
        "--",
        "-x",
        "+y",
        ".",
        "-.",
        "a.b",
        "x_y",
        "é",
        "ノード",
        "😀",
        "a:b",
        "team-1",
        "foo123~!@$%^&*.:'|?+<>,`-_",
        "trueish",
        "nullable",
        "infinity",
    ];
    const TEXTS: &[&str] = &[
        "",
        "plain",
        "with space",
        "quote\"inside",
        "back\\slash",
        "new\nline",
        "tab\there",
        "é✓",
        "{braces}",
        "a=b",
        "#hash",
        "// not a comment",
        "123",
        "-5",
        "true",
    ];
    match rng.below(10) {
        0..=4 => rng.pick(IDENTS).to_owned(),
        5 | 6 => quoted(rng.pick(TEXTS), rng),
        7 => {
            let text = rng.pick(TEXTS).replace('\n', " ");
            let hashes = "#".repeat(1 + rng.below(2) + usize::from(text.contains('"')));
            format!("{hashes}\"{text}\"{hashes}")
        }
        8 => multi_line(rng, false),
        _ => multi_line(rng, true),
    }
}

fn quoted(text: &str, rng: &mut Rng) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str(if rng.chance(50) { "\\t" } else { "\\u{9}" }),
            ' ' if rng.chance(20) => out.push_str("\\s"),
            'é' => out.push_str("\\u{e9}"),
            _ => out.push(c),
        }
    }
    if rng.chance(10) {
        out.push_str("\\   \n   ");
    }
    if rng.chance(10) {
        out.push_str("\\b\\f\\r");
    }
    out.push('"');
    out
}

fn multi_line(rng: &mut Rng, raw: bool) -> String {
    let prefix = rng.pick(&["", "  ", "    ", "\t"]);
    let (open, close) = if raw { ("#\"\"\"", "\"\"\"#") } else { ("\"\"\"", "\"\"\"") };
    let mut out = String::from(open);
    out.push('\n');
    for _ in 0..rng.below(4) {
        match rng.below(5) {
            0 => {}
            1 => out.push_str(" \t"),
            2 if !raw => {
                out.push_str(prefix);
                out.push_str("escaped \\\" \\n \\u{1F600} \\\\ end");
            }
            3 if !raw => {
                out.push_str(prefix);
                out.push_str("joined \\\n   with next");
            }
            _ => {
                out.push_str(prefix);
                out.push_str(rng.pick(&["text", "  deeper", "\"quoted\"", "a \"\" b", "# hash"]));
            }
        }
        out.push('\n');
    }
    out.push_str(prefix);
    out.push_str(close);
    out
}

/// A number in any form, within 64 bits.
pub(crate) fn number(rng: &mut Rng) -> String {
    let sign = rng.pick(&["", "", "-", "+"]);
    let n = rng.next() >> rng.below(64);
    let n = n & (i64::MAX as u64);
    match rng.below(8) {
        0 => format!("{sign}{n}"),
        1 => format!("{sign}0x{n:x}"),
        2 => format!("{sign}0X{n:X}").replace("0X", "0x"),
        3 => format!("{sign}0o{n:o}"),
        4 => format!("{sign}0b{n:b}"),
        5 => format!("{sign}{}_{:03}", n % 1000, n % 1000),
        6 => format!("{sign}{}.{}", n % 100_000, n % 97),
        _ => format!(
            "{sign}{}.{}{}{}{}",
            n % 10,
            n % 1000,
            rng.pick(&["e", "E"]),
            rng.pick(&["", "+", "-"]),
            n % 300
        ),
    }
}
