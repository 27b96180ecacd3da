//! Writing the imported declarations as formatted KDL: four spaces per level, one node per line,
//! strings escaped with the scaffold templates' escape function.

use crate::scaffold::escape;

/// A KDL document built line by line.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    text: String,
    depth: usize,
}

impl Writer {
    /// A comment line.
    pub(crate) fn comment(&mut self, text: &str) {
        let text: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        self.line(&format!("// {text}"));
    }

    /// A node without children: `name` then its arguments and properties, already written.
    pub(crate) fn node(&mut self, name: &str, values: &[String]) {
        let mut line = name.to_owned();
        for value in values {
            line.push(' ');
            line.push_str(value);
        }
        self.line(&line);
    }

    /// A node whose children `body` writes.
    pub(crate) fn block(&mut self, name: &str, values: &[String], body: impl FnOnce(&mut Writer)) {
        let mut line = name.to_owned();
        for value in values {
            line.push(' ');
            line.push_str(value);
        }
        line.push_str(" {");
        self.line(&line);
        self.depth += 1;
        body(self);
        self.depth -= 1;
        self.line("}");
    }

    /// The document.
    pub(crate) fn finish(self) -> String {
        self.text
    }

    fn line(&mut self, line: &str) {
        for _ in 0..self.depth {
            self.text.push_str("    ");
        }
        self.text.push_str(line);
        self.text.push('\n');
    }
}

/// A quoted KDL string.
pub(crate) fn string(text: &str) -> String {
    format!("\"{}\"", escape(text))
}

/// A property with a string value.
pub(crate) fn prop(name: &str, text: &str) -> String {
    format!("{name}={}", string(text))
}
