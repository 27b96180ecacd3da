//! The typed layer: a Rust struct for a node of the language, declared together with the node's
//! schema by [`typed_node!`], so that the two cannot disagree.
//!
//! One invocation gives the node's [`NodeSchema`] constant (what the shape checker, the
//! reference, hover and completion read) and a struct with one field per argument, property and
//! child, each a typed value with its span. A field is bound to its schema entry by
//! construction: the struct reads a property by the name in that entry, converts it to the
//! field's Rust type, and takes its default from the entry. Later phases read fields, never
//! names.

use std::fmt::Debug;

use idpc_diagnostics::{FileId, Span};
use idpc_ir::{
    Cpu, Date, Duration, Email, FieldValue, Image, IntOrPercent, Memory, Percent, SecretRef, Url,
};

use crate::schema::{ArgSchema, DefaultValue, NodeSchema, PropSchema};
use crate::shape::{Checked, Typed};

/// A value as written, with where.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field<T> {
    /// The value.
    pub(crate) value: T,
    /// The value's span; empty (in no file) for a schema default.
    pub(crate) span: Span,
}

/// The span of a schema default: empty, in no file.
pub(crate) fn no_span() -> Span {
    Span::new(FileId(u32::MAX), 0, 0)
}

/// A Rust type a checked value converts to.
pub(crate) trait FromValue: Sized + Clone + Debug {
    /// The value as this type, if the schema's type produces it.
    fn from_value(value: &FieldValue) -> Option<Self>;
}

macro_rules! from_value {
    ($($ty:ty => $variant:ident),* $(,)?) => {$(
        impl FromValue for $ty {
            fn from_value(value: &FieldValue) -> Option<Self> {
                match value {
                    FieldValue::$variant(v) => Some(v.clone()),
                    _ => None,
                }
            }
        }
    )*};
}

from_value! {
    String => String, i64 => Int, bool => Bool, Duration => Duration, Percent => Percent,
    Cpu => Cpu, Memory => Memory, Email => Email, Url => Url, Image => Image,
    SecretRef => SecretRef, Date => Date, IntOrPercent => IntOrPercent,
}

impl FromValue for u32 {
    fn from_value(value: &FieldValue) -> Option<Self> {
        value.as_int().and_then(|n| u32::try_from(n).ok())
    }
}

impl<T: FromValue> Field<T> {
    fn from_typed(typed: &Typed) -> Option<Self> {
        Some(Field { value: T::from_value(&typed.value)?, span: typed.span })
    }
}

/// An optional value: the one written, else the schema's default.
pub(crate) trait OrDefault<T> {
    /// The written value, else `default` (a field of the node's [`TypedNode::defaults`]).
    fn or_default(&self, default: &Option<Field<T>>) -> Option<T>;
}

impl<T: Clone> OrDefault<T> for Option<Field<T>> {
    fn or_default(&self, default: &Option<Field<T>>) -> Option<T> {
        self.as_ref().or(default.as_ref()).map(|f| f.value.clone())
    }
}

/// A node with a typed struct.
pub(crate) trait TypedNode: Sized + Debug {
    /// The node's schema.
    const SCHEMA: NodeSchema;
    /// The node's values, read from a node that passed the shape check.
    fn from_checked(node: &Checked<'_>) -> Self;
    /// Every value at its schema default: a property without a default is unset, a child
    /// absent.
    fn defaults() -> &'static Self;
}

/// How an argument field is read: one value, or every value from its position on.
pub(crate) trait ArgField: Sized {
    /// The field from the checked node's arguments.
    fn from_args(node: &Checked<'_>, index: usize) -> Self;
    /// The field at the schema's default.
    fn default_of(schema: &ArgSchema) -> Self;
}

impl<T: FromValue> ArgField for Option<Field<T>> {
    fn from_args(node: &Checked<'_>, index: usize) -> Self {
        node.arg(index).and_then(Field::from_typed)
    }

    fn default_of(schema: &ArgSchema) -> Self {
        default_value(&schema.ty, schema.default)
    }
}

impl<T: FromValue> ArgField for Vec<Field<T>> {
    fn from_args(node: &Checked<'_>, index: usize) -> Self {
        node.args_from(index).filter_map(Field::from_typed).collect()
    }

    fn default_of(schema: &ArgSchema) -> Self {
        let DefaultValue::Value(text) = schema.default else { return Vec::new() };
        parse_defaults(&schema.ty, text)
            .into_iter()
            .filter_map(|value| Some(Field { value: T::from_value(&value)?, span: no_span() }))
            .collect()
    }
}

/// How a child field is read: at most one child, or every child of that name.
pub(crate) trait ChildField: Sized {
    /// The child's typed node.
    type Node: TypedNode;
    /// The field from the checked node's children.
    fn from_children(node: &Checked<'_>) -> Self;
    /// No child.
    fn absent() -> Self;
}

impl<N: TypedNode> ChildField for Option<N> {
    type Node = N;

    fn from_children(node: &Checked<'_>) -> Self {
        node.child(N::SCHEMA.name).map(N::from_checked)
    }

    fn absent() -> Self {
        None
    }
}

/// A child kept out of line: a large node (`deploy`), so that the nodes holding it stay small
/// when it is absent, as it mostly is.
#[derive(Debug, Clone)]
pub(crate) struct Boxed<N>(Box<N>);

impl<N> std::ops::Deref for Boxed<N> {
    type Target = N;

    fn deref(&self) -> &N {
        &self.0
    }
}

impl<N: TypedNode> ChildField for Option<Boxed<N>> {
    type Node = N;

    fn from_children(node: &Checked<'_>) -> Self {
        node.child(N::SCHEMA.name).map(|child| Boxed(Box::new(N::from_checked(child))))
    }

    fn absent() -> Self {
        None
    }
}

impl<N: TypedNode> ChildField for Vec<N> {
    type Node = N;

    fn from_children(node: &Checked<'_>) -> Self {
        // Counted first: a collected vector makes room for four, and most nodes repeat once or
        // twice (a unit of 10,000 services held 20 MB of such room).
        let mut children = Vec::with_capacity(node.children_named(N::SCHEMA.name).count());
        children.extend(node.children_named(N::SCHEMA.name).map(N::from_checked));
        children
    }

    fn absent() -> Self {
        Vec::new()
    }
}

/// How a property field is read: its checked value, or for a property whose type another
/// declaration decides ([`crate::schema::ValueType::Any`]), the value as written.
pub(crate) trait PropValue: Sized + Clone + Debug {
    /// The property's value from a checked node.
    fn read(node: &Checked<'_>, schema: &PropSchema) -> Option<Field<Self>>;
    /// The schema's default.
    fn default_of(schema: &PropSchema) -> Option<Field<Self>>;
}

macro_rules! prop_value {
    ($($ty:ty),* $(,)?) => {$(
        impl PropValue for $ty {
            fn read(node: &Checked<'_>, schema: &PropSchema) -> Option<Field<Self>> {
                node.prop(schema.name).and_then(Field::from_typed)
            }

            fn default_of(schema: &PropSchema) -> Option<Field<Self>> {
                default_value(&schema.ty, schema.default)
            }
        }
    )*};
}

prop_value! {
    String, i64, u32, bool, Duration, Percent, Cpu, Memory, Email, Url, Image, SecretRef, Date,
    IntOrPercent,
}

/// A value as written, for a property whose type is decided by another declaration (a kind
/// field's `default` takes the field's type).
#[derive(Debug, Clone)]
pub(crate) struct RawValue(pub(crate) idpc_syntax::ast::Value);

impl PropValue for RawValue {
    fn read(node: &Checked<'_>, schema: &PropSchema) -> Option<Field<Self>> {
        let value = node.raw_prop(schema.name)?;
        Some(Field { value: RawValue(value.clone()), span: value.span })
    }

    fn default_of(_: &PropSchema) -> Option<Field<Self>> {
        None
    }
}

/// Which of `props` a node wrote, as bits by position (a node has fewer than 64 properties; a
/// test checks).
pub(crate) fn written(node: &Checked<'_>, props: &[PropSchema]) -> u64 {
    props
        .iter()
        .enumerate()
        .filter(|(_, p)| node.has_prop(p.name))
        .fold(0, |bits, (i, _)| bits | (1 << i))
}

/// The position of an argument in its node's schema.
pub(crate) fn arg_index(args: &[ArgSchema], name: &str) -> usize {
    args.iter().position(|a| a.name == name).unwrap_or(usize::MAX)
}

/// A schema default as a value of its type. The default is written as the user would write it
/// (`"10s"`, `3`, `#true`) and read by the same parser and type check as the user's values;
/// `tests` checks that every default in the language reads.
pub(crate) fn default_value<T: FromValue>(
    ty: &crate::schema::ValueType,
    default: DefaultValue,
) -> Option<Field<T>> {
    let DefaultValue::Value(text) = default else { return None };
    let value = parse_default(ty, text)?;
    Some(Field { value: T::from_value(&value)?, span: no_span() })
}

/// A default's text read as a value of `ty`.
pub(crate) fn parse_default(ty: &crate::schema::ValueType, text: &str) -> Option<FieldValue> {
    match parse_defaults(ty, text).as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// A default's text read as values of `ty`, for a variadic argument (`"5ms" "10ms"`); nothing
/// when any of them does not read.
pub(crate) fn parse_defaults(ty: &crate::schema::ValueType, text: &str) -> Vec<FieldValue> {
    let parsed = idpc_syntax::parse(FileId(u32::MAX), &format!("default {text}"));
    let Some(node) = parsed.source_file.as_ref().and_then(|f| f.nodes.first()) else {
        return Vec::new();
    };
    if !parsed.diagnostics.is_empty() || *ty == crate::schema::ValueType::Any {
        return Vec::new();
    }
    let values: Option<Vec<FieldValue>> =
        node.args.iter().map(|value| crate::typeck::check(value, ty, &"a default").ok()).collect();
    values.unwrap_or_default()
}

/// Declares a node of the language: its schema constant and its typed struct.
///
/// ```ignore
/// typed_node! {
///     /// `autoscale`
///     pub struct Autoscale => const AUTOSCALE = "autoscale" {
///         doc: "Scale between bounds on CPU utilisation.",
///         args {}
///         props {
///             min: u32 = required("min", ValueType::Int { min: 1, max: 1000 }, "The fewest instances."),
///             cpu: Percent = prop("cpu", ValueType::Percent, "The CPU utilisation to aim for.").or("\"70%\""),
///         }
///         children {}
///         repeatable: false,
///         example: "autoscale min=2 max=10",
///     }
/// }
/// ```
///
/// An argument field is `Option<Field<T>>` (one value) or `Vec<Field<T>>` (variadic); a
/// property field is `Option<Field<T>>` for the `T` given; a child field is `Option<N>` or
/// `Vec<N>` for another typed node `N`. Each field's schema entry is also an associated constant
/// of the struct, under the field's name. `kind_fields: true` makes the children the fields of a
/// resource kind (read against the kind, not here); `required: true` makes the node required.
macro_rules! typed_node {
    (
        $(#[$meta:meta])*
        $vis:vis struct $Name:ident => const $SCHEMA:ident = $name:literal {
            doc: $doc:expr,
            args { $($arg:ident: $arg_ty:ty = $arg_schema:expr),* $(,)? }
            props { $($prop:ident: $prop_ty:ty = $prop_schema:expr),* $(,)? }
            children { $($child:ident: $child_ty:ty),* $(,)? }
            $(kind_fields: $kind_fields:expr,)?
            repeatable: $repeatable:expr,
            $(required: $required:expr,)?
            example: $example:expr $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        #[allow(dead_code, reason = "the struct mirrors the schema; not every value is read")]
        $vis struct $Name {
            /// The span of the node's name.
            pub(crate) span: idpc_diagnostics::Span,
            /// Which properties were written, by position in the schema, even those whose
            /// value did not type-check (and so are unset here).
            written: u64,
            /// For a node whose children set fields of a resource kind: those children as
            /// written, read against the kind once kinds are known.
            pub(crate) fields_of_kind: Vec<idpc_syntax::ast::Node>,
            $(
                #[doc = concat!("The `", stringify!($arg), "` argument.")]
                pub(crate) $arg: $arg_ty,
            )*
            $(
                #[doc = concat!("The `", stringify!($prop), "` property.")]
                pub(crate) $prop: Option<$crate::typed::Field<$prop_ty>>,
            )*
            $(
                #[doc = concat!("The `", stringify!($child), "` children.")]
                pub(crate) $child: $child_ty,
            )*
        }

        #[allow(non_upper_case_globals, reason = "each entry is named after its field")]
        impl $Name {
            /// Whether the property was written, even with a value that did not type-check.
            #[allow(dead_code, reason = "not every node asks")]
            pub(crate) fn is_written(&self, prop: &$crate::schema::PropSchema) -> bool {
                $SCHEMA
                    .props
                    .iter()
                    .position(|p| p.name == prop.name)
                    .is_some_and(|i| self.written & (1 << i) != 0)
            }

            $(
                #[doc = concat!("The schema of the `", stringify!($arg), "` argument.")]
                pub(crate) const $arg: $crate::schema::ArgSchema = $arg_schema;
            )*
            $(
                #[doc = concat!("The schema of the `", stringify!($prop), "` property.")]
                pub(crate) const $prop: $crate::schema::PropSchema = $prop_schema;
            )*
        }

        #[doc = concat!("`", $name, "`.")]
        $vis const $SCHEMA: $crate::schema::NodeSchema = $crate::schema::NodeSchema {
            name: $name,
            doc: $doc,
            args: &[$($Name::$arg),*],
            props: &[$($Name::$prop),*],
            children: {
                const CHILDREN: &[$crate::schema::NodeSchema] = &[
                    $(<<$child_ty as $crate::typed::ChildField>::Node as $crate::typed::TypedNode>::SCHEMA),*
                ];
                if false $(|| $kind_fields)? {
                    $crate::schema::Children::KindFields
                } else if CHILDREN.is_empty() {
                    $crate::schema::Children::None
                } else {
                    $crate::schema::Children::Nodes(CHILDREN)
                }
            },
            repeatable: $repeatable,
            required: false $(|| $required)?,
            example: $example,
        };

        impl $crate::typed::TypedNode for $Name {
            const SCHEMA: $crate::schema::NodeSchema = $SCHEMA;

            fn from_checked(node: &$crate::shape::Checked<'_>) -> Self {
                #[allow(unused_imports, reason = "not every node has arguments and children")]
                use $crate::typed::{ArgField as _, ChildField as _};
                $Name {
                    span: node.name_span(),
                    written: $crate::typed::written(node, $SCHEMA.props),
                    fields_of_kind: if false $(|| $kind_fields)? {
                        node.node.children().to_vec()
                    } else {
                        Vec::new()
                    },
                    $($arg: <$arg_ty>::from_args(
                        node,
                        $crate::typed::arg_index($SCHEMA.args, $Name::$arg.name),
                    ),)*
                    $($prop: <$prop_ty as $crate::typed::PropValue>::read(node, &$Name::$prop),)*
                    $($child: <$child_ty>::from_children(node),)*
                }
            }

            fn defaults() -> &'static Self {
                static DEFAULTS: std::sync::OnceLock<$Name> = std::sync::OnceLock::new();
                DEFAULTS.get_or_init(|| {
                    #[allow(unused_imports, reason = "not every node has arguments and children")]
                    use $crate::typed::{ArgField as _, ChildField as _};
                    $Name {
                        span: $crate::typed::no_span(),
                        written: 0,
                        fields_of_kind: Vec::new(),
                        $($arg: <$arg_ty>::default_of(&$Name::$arg),)*
                        $($prop: <$prop_ty as $crate::typed::PropValue>::default_of(&$Name::$prop),)*
                        $($child: <$child_ty>::absent(),)*
                    }
                })
            }
        }
    };
}

pub(crate) use typed_node;

/// Declares a node that holds one value in its argument, such as `domain "acme.internal"`.
macro_rules! value_node {
    (
        $(#[$meta:meta])*
        $Name:ident => const $SCHEMA:ident = $name:literal,
        $arg:ident: $ty:ty = $arg_schema:expr,
        $doc:expr,
        $example:expr $(,)?
    ) => {
        $crate::typed::typed_node! {
            $(#[$meta])*
            pub(crate) struct $Name => const $SCHEMA = $name {
                doc: $doc,
                args { $arg: Option<Field<$ty>> = $arg_schema }
                props {}
                children {}
                repeatable: false,
                example: $example,
            }
        }
    };
}

pub(crate) use value_node;

#[cfg(test)]
mod tests {
    use idpc_diagnostics::FileId;
    use idpc_ir::{Duration, IntOrPercent, Percent};

    use super::{OrDefault, TypedNode, parse_default, parse_defaults};
    use crate::schema::service::ServiceNode;
    use crate::schema::settings::{Deploy, Healthcheck, Rolling, StrategyNode};
    use crate::schema::{Children, DefaultValue, NodeSchema, language::TOP_LEVEL};

    /// Every default in the language reads as a value of its type: a typo in one is a test
    /// failure, not a setting that is silently unset.
    #[test]
    fn every_default_in_the_language_reads() {
        fn walk(nodes: &'static [NodeSchema], seen: &mut usize) {
            for node in nodes {
                let defaults = node
                    .props
                    .iter()
                    .map(|p| (p.name, &p.ty, p.default, false))
                    .chain(node.args.iter().map(|a| (a.name, &a.ty, a.default, a.variadic)));
                for (name, ty, default, variadic) in defaults {
                    if let DefaultValue::Value(text) = default {
                        *seen += 1;
                        let reads = if variadic {
                            !parse_defaults(ty, text).is_empty()
                        } else {
                            parse_default(ty, text).is_some()
                        };
                        assert!(
                            reads,
                            "`{}` {name}: default {text} is not {}",
                            node.name,
                            ty.describe()
                        );
                    }
                }
                if let Children::Nodes(children) = node.children {
                    walk(children, seen);
                }
            }
        }
        let mut seen = 0;
        walk(TOP_LEVEL, &mut seen);
        assert!(seen >= 20, "only {seen} defaults found");
    }

    #[test]
    fn a_default_of_the_wrong_type_does_not_read() {
        use crate::schema::ValueType;
        assert!(parse_default(&ValueType::Duration, "3").is_none());
        assert!(parse_default(&ValueType::Int { min: 0, max: 5 }, "9").is_none());
        assert!(parse_default(&ValueType::Bool, "\"yes\"").is_none());
        assert!(parse_default(&ValueType::Duration, "\"10s").is_none());
    }

    /// The typed settings cover every child an `override` may hold, apart from resources,
    /// which are read against their kind.
    #[test]
    fn settings_cover_every_child_of_an_override() {
        let service = TOP_LEVEL.iter().find(|n| n.name == "service").unwrap();
        let over = service.child("override").unwrap();
        let Children::Nodes(children) = over.children else { panic!("override has children") };
        let names: Vec<&str> =
            children.iter().map(|c| c.name).filter(|n| *n != "resource").collect();
        let file = idpc_syntax::parse(
            FileId(0),
            "service \"a\" team=\"t\" {\n  image \"a:1\"\n  replicas 2\n  requests cpu=\"1\" memory=\"1Gi\"\n  limits cpu=\"2\" memory=\"2Gi\"\n  autoscale min=1 max=3\n  env \"A\" \"b\"\n  secret \"S\" from=\"vault:a/b#c\"\n  deploy { rolling max-surge=1; healthcheck path=\"/h\" }\n}\n",
        );
        let source = file.source_file.unwrap();
        let mut diagnostics = Vec::new();
        let checked = crate::shape::check_file(&source, &mut diagnostics);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let service = ServiceNode::from_checked(&checked[0]);
        let settings = service.settings();
        let present = [
            ("image", settings.image.is_some()),
            ("replicas", settings.replicas.is_some()),
            ("requests", settings.requests.is_some()),
            ("limits", settings.limits.is_some()),
            ("autoscale", settings.autoscale.is_some()),
            ("env", !settings.env.is_empty()),
            ("secret", !settings.secrets.is_empty()),
            ("deploy", settings.deploy.is_some()),
        ];
        let covered: Vec<&str> = present.iter().map(|(n, _)| *n).collect();
        assert_eq!(covered, names, "the override's children and the typed settings differ");
        for (name, is_read) in present {
            assert!(is_read, "`{name}` was written but not read");
        }
        let deploy = settings.deploy.as_ref().unwrap();
        let Some(StrategyNode::Rolling(rolling)) = deploy.strategies().first().copied() else {
            panic!("one rolling strategy")
        };
        assert_eq!(rolling.max_surge.as_ref().unwrap().value, IntOrPercent::Int(1));
        let check = deploy.healthcheck.as_ref().unwrap();
        assert_eq!(check.path.as_ref().unwrap().value, "/h");
        assert!(check.interval.is_none(), "what is not written stays unset");
        assert_eq!(
            check.interval.or_default(&Healthcheck::defaults().interval),
            Some(Duration::from_secs(10))
        );
    }

    #[test]
    fn defaults_come_from_the_schema() {
        let rolling = Rolling::defaults();
        assert_eq!(
            rolling.max_surge.as_ref().map(|f| f.value),
            Some(IntOrPercent::Percent(Percent::from_whole(25)))
        );
        assert_eq!(rolling.max_unavailable.as_ref().map(|f| f.value), Some(IntOrPercent::Int(0)));
        // A derived default is not a value: the overlay computes it.
        assert!(Healthcheck::defaults().port.is_none());
        assert!(Deploy::defaults().healthcheck.is_none());
    }
}
