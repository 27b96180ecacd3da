//! The registry of diagnostic codes: one entry per code, each with a kebab-case name, the phase
//! that emits it and a long explanation (`idpc explain CODE`).
//!
//! Codes are grouped by phase: `E00xx` workspace, `E01xx` syntax and node shape, `E02xx` names,
//! `E03xx` types and values, `E04xx` model constraints and the dependency graph, `E05xx` lowering
//! to artifacts, `W…` warnings. A test cross-checks this table against the explanation files and
//! the UI cases, so a code cannot exist without its explanation and a case that emits it.

use serde::Serialize;

/// The phase of the pipeline that emits a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Reading the files of a platform.
    Workspace,
    /// KDL syntax and the shape of nodes.
    Syntax,
    /// Declarations and references.
    Names,
    /// Types and values.
    Types,
    /// Rules that span several declarations.
    Model,
    /// Lowering the model to artifacts.
    Lowering,
    /// Policies run against the resolved model.
    Policy,
    /// Comparing the description with live state.
    Drift,
}

/// Everything known about one code.
#[derive(Clone, Copy, Debug)]
pub struct CodeInfo {
    /// The code as written, `E0202`.
    pub code: &'static str,
    /// The kebab-case name, `unknown-reference`.
    pub name: &'static str,
    /// The phase that emits it.
    pub phase: Phase,
    /// One line describing the problem.
    pub summary: &'static str,
    /// The long explanation in markdown, with an erroneous and a corrected example.
    pub explanation: &'static str,
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $name:literal, $phase:ident, $summary:literal;)*) => {
        /// A diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(
                #[doc = $summary]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The registry entry of this code.
            pub fn info(self) -> CodeInfo {
                match self {
                    $(Code::$variant => CodeInfo {
                        code: $code,
                        name: $name,
                        phase: Phase::$phase,
                        summary: $summary,
                        explanation: include_str!(concat!("../explanations/", $code, ".md")),
                    },)*
                }
            }
        }
    };
}

codes! {
    NotUtf8 = "E0001", "file-not-utf8", Workspace, "a source file is not valid UTF-8";
    MissingPlatform = "E0002", "missing-platform", Workspace, "no file declares the `platform`";
    NestingTooDeep = "E0003", "nesting-too-deep", Workspace, "children blocks are nested deeper than any platform needs";
    KdlSyntax = "E0100", "kdl-syntax", Syntax, "the text is not valid KDL 2.0";
    UnknownNode = "E0101", "unknown-node", Syntax, "a node name is not known in this place";
    UnknownProperty = "E0102", "unknown-property", Syntax, "a property is not known on this node";
    UnexpectedArgument = "E0103", "unexpected-argument", Syntax, "a node has more arguments than it takes";
    MissingArgument = "E0104", "missing-argument", Syntax, "a node lacks an argument it needs";
    MissingValue = "E0105", "missing-value", Syntax, "a required property, child node or field is missing";
    RepeatedNode = "E0106", "repeated-node", Syntax, "a node that may appear once appears again";
    RepeatedProperty = "E0107", "repeated-property", Syntax, "a property is given twice on one node";
    UnexpectedChildren = "E0108", "unexpected-children", Syntax, "a node has a children block but takes none";
    TypeAnnotation = "E0109", "unsupported-type-annotation", Syntax, "a KDL type annotation is used where idpc gives types itself";
    DuplicateDeclaration = "E0201", "duplicate-declaration", Names, "two declarations have the same name";
    UnknownReference = "E0202", "unknown-reference", Names, "a reference names nothing that is declared";
    TypeMismatch = "E0301", "type-mismatch", Types, "a value has the wrong type";
    MalformedValue = "E0302", "malformed-value", Types, "a value does not have the form its type requires";
    OutOfRange = "E0303", "out-of-range", Types, "a number is outside the range its field allows";
    InvalidName = "E0304", "invalid-name", Types, "a name is not a valid DNS label";
    UnknownEnumValue = "E0305", "unknown-enum-value", Types, "a value is not one of the allowed choices";
    LiteralSecret = "E0306", "literal-secret", Types, "a secret value is written where only a reference belongs";
    DependencyCycle = "E0401", "dependency-cycle", Model, "services depend on each other in a cycle";
    InvalidCanary = "E0402", "invalid-canary-steps", Model, "canary steps do not ramp traffic up to 100%";
    InvertedBounds = "E0403", "inverted-bounds", Model, "a lower bound is above its upper bound";
    InvalidEphemeral = "E0404", "invalid-ephemeral-environment", Model, "an ephemeral environment is not set up as one";
    ConflictingSettings = "E0405", "conflicting-settings", Model, "two settings cannot hold together";
    UnsatisfiableApproval = "E0406", "unsatisfiable-approval", Model, "a team has too few members to approve changes where approval is required";
    NameTooLong = "E0501", "generated-name-too-long", Lowering, "a name built for an artifact exceeds the target's limit";
    NameCollision = "E0502", "generated-name-collision", Lowering, "two declarations produce the same artifact name";
    TemplateError = "E0503", "template-error", Lowering, "a kind's template does not parse or does not render";
    KindWithoutTemplates = "W0202", "kind-without-templates", Names, "resources use a kind that has no Terraform templates";
    MutableImageTag = "P0001", "mutable-image-tag", Policy, "an image in a strict tier has a tag that can move";
    MissingLimits = "P0002", "missing-limits", Policy, "a service declares no memory limit where the platform requires one";
    MissingHealthCheck = "P0003", "missing-health-check", Policy, "a service with ports has no health check where the platform requires one";
    ProductionWithoutApproval = "P0004", "production-without-approval", Policy, "a production environment ships changes without approval";
    CriticalWithoutSlo = "P0005", "critical-without-slo-or-runbook", Policy, "a critical service has no SLO or no runbook";
    EphemeralPolicy = "P0006", "ephemeral-environment-policy", Policy, "an ephemeral environment's owner or lifetime breaks the platform's rules";
    SecretsPolicy = "P0007", "secret-not-by-reference", Policy, "a secret is kept where the platform does not allow, or a credential is a plain variable";
    ImageOutsideRegistry = "P0008", "image-outside-registry", Policy, "an image comes from outside the platform registry where the platform requires its own";
    PolicyViolation = "P0100", "policy-violation", Policy, "a platform policy reports a violation";
    InvalidPolicy = "P0101", "invalid-policy", Policy, "a policy file cannot be compiled or evaluated";
    LatencyNotABucket = "E0415", "latency-threshold-not-a-bucket", Model, "a latency SLO's threshold is not a bound of the duration histogram's buckets";
    ExpiredWaiver = "E0407", "expired-waiver", Model, "a waiver of a policy has expired";
    DriftChanged = "D0001", "drift-changed", Drift, "a live value differs from what the description generates";
    DriftMissingLive = "D0002", "drift-missing-live", Drift, "a generated object is not live";
    DriftExtraLive = "D0003", "drift-extra-live", Drift, "a live object idpc manages is no longer generated";
    StaleOutput = "D0004", "stale-output", Drift, "a committed output file differs from what the description generates";
}

impl Code {
    /// Looks a code up by its written form (`E0202`) or its name (`unknown-reference`),
    /// ignoring ASCII case.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|code| {
            let info = code.info();
            info.code.eq_ignore_ascii_case(text) || info.name.eq_ignore_ascii_case(text)
        })
    }

    /// The code as written, `E0202`.
    pub fn as_str(self) -> &'static str {
        self.info().code
    }

    /// Whether this code is a warning rather than an error.
    pub fn is_warning(self) -> bool {
        self.as_str().starts_with('W')
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
