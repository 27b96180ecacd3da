//! Values that remember where they were set.

use idpc_diagnostics::Span;
use serde::Serialize;

/// The layer of the overlay order a value came from, most specific first:
/// environment override > service > kind default for the tier > kind default > built-in default.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
#[serde(rename_all = "kebab-case", tag = "layer")]
pub enum Layer {
    /// A service's `override "ENV"` block.
    Override {
        /// The environment named by the override.
        environment: String,
    },
    /// The service declaration itself.
    Service,
    /// A resource kind's defaults for an environment tier.
    KindTier {
        /// The tier.
        tier: String,
    },
    /// A resource kind's field default.
    KindDefault,
    /// The environment declaration (for values an environment sets, such as clusters).
    Environment,
    /// The platform declaration.
    Platform,
    /// idpc's own default; there is no line to point at.
    Builtin,
}

impl Layer {
    /// How the layer reads in a sentence.
    pub fn describe(&self) -> String {
        match self {
            Layer::Override { environment } => format!("override for `{environment}`"),
            Layer::Service => "service value".to_owned(),
            Layer::KindTier { tier } => format!("kind default for tier `{tier}`"),
            Layer::KindDefault => "kind default".to_owned(),
            Layer::Environment => "environment".to_owned(),
            Layer::Platform => "platform".to_owned(),
            Layer::Builtin => "built-in default".to_owned(),
        }
    }
}

/// Where a value was set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Hash)]
pub struct Origin {
    /// The value in the source; `None` for built-in defaults.
    pub span: Option<Span>,
    /// The layer.
    pub layer: Layer,
}

impl Origin {
    /// A value set at `span` in `layer`.
    pub fn at(span: Span, layer: Layer) -> Origin {
        Origin { span: Some(span), layer }
    }

    /// A built-in default.
    pub fn builtin() -> Origin {
        Origin { span: None, layer: Layer::Builtin }
    }
}

/// A resolved value with its origin and the less specific origins it shadowed.
#[derive(Clone, Debug, PartialEq, Serialize, Hash)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it was set.
    pub origin: Origin,
    /// Less specific settings of the same value that it overrode, most specific first.
    pub shadowed: Vec<Origin>,
}

impl<T> Sourced<T> {
    /// A value with a single origin.
    pub fn new(value: T, origin: Origin) -> Sourced<T> {
        Sourced { value, origin, shadowed: Vec::new() }
    }

    /// A built-in default.
    pub fn builtin(value: T) -> Sourced<T> {
        Sourced::new(value, Origin::builtin())
    }

    /// The same origins with a different value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sourced<U> {
        Sourced { value: f(self.value), origin: self.origin, shadowed: self.shadowed }
    }
}

impl<T> std::ops::Deref for Sourced<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}
