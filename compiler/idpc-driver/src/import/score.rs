//! Score workloads (`score.dev/v1b1`) as services: one file `services/<name>.kdl` each.
//!
//! Carried over: the name, the first container's image, variables, CPU and memory, HTTP probes,
//! the service's ports, the resources whose type matches a kind of the platform, and a `route`
//! with a literal host as `expose` (when the platform declares an `ingress`). Everything
//! else is noted as dropped with the reason; a memory limit Score does not give takes the golden
//! path's value and is noted as defaulted.

use idpc_ir::Platform;
use serde_yaml::{Mapping, Value};

use super::kdl::{self, Writer};
use super::{Mapped, Outcome};
use crate::scaffold::check_name;

/// The memory limit of `idpc new service`, for workloads that declare none.
pub(crate) const DEFAULT_MEMORY_LIMIT: &str = "256Mi";

/// The version a placeholder image starts at, as in `idpc new service`.
pub(crate) const PLACEHOLDER_VERSION: &str = "0.1.0";

/// Score resource types and the stdlib kind each becomes, when the platform has no kind of the
/// type's own name.
const KINDS: &[(&str, &str)] = &[
    ("postgres", "postgres"),
    ("postgresql", "postgres"),
    ("redis", "redis"),
    ("s3", "bucket"),
    ("sqs", "queue"),
    ("amqp", "queue"),
    ("rabbitmq", "queue"),
    ("kafka-topic", "kafka-topic"),
];

/// The Score resource type of a DNS name, which the platform's `expose` takes as its host.
const DNS: &str = "dns";

/// The Score resource type of an HTTP route to the workload.
const ROUTE: &str = "route";

/// Maps each Score file in `inputs` (display path, text) to a service owned by `team`.
pub(crate) fn map(
    platform: &Platform,
    team: Option<&str>,
    inputs: &[(String, String)],
    mapped: &mut Mapped,
) {
    let Some(team) = team else {
        mapped.refuse(
            "a Score workload has no owner: `--team` is required",
            Some(known_teams(platform)),
        );
        return;
    };
    if !platform.teams.iter().any(|t| t.name == team) {
        let names: Vec<&str> = platform.teams.iter().map(|t| t.name.as_str()).collect();
        let help = idpc_diagnostics::did_you_mean(team, names.iter().copied())
            .unwrap_or_else(|| known_teams(platform));
        mapped.refuse(format!("no team `{team}` is declared"), Some(help));
        return;
    }
    for (input, text) in inputs {
        match serde_yaml::from_str::<Value>(text) {
            Ok(Value::Mapping(workload)) => {
                workload_to_service(platform, team, input, &workload, mapped)
            }
            Ok(_) => {
                mapped.refuse(format!("`{input}` is not a Score workload: not a mapping"), None)
            }
            Err(error) => mapped.refuse(format!("`{input}` is not YAML: {error}"), None),
        }
    }
}

fn known_teams(platform: &Platform) -> String {
    let names: Vec<String> = platform.teams.iter().map(|t| format!("`{}`", t.name)).collect();
    if names.is_empty() {
        "the description declares no team yet".to_owned()
    } else {
        format!("the teams are {}", names.join(", "))
    }
}

/// The string form of a scalar: strings as they are, numbers and booleans as YAML writes them.
pub(crate) fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn get<'a>(map: &'a Mapping, key: &str) -> Option<&'a Value> {
    map.get(Value::String(key.to_owned()))
}

fn get_map<'a>(map: &'a Mapping, key: &str) -> Option<&'a Mapping> {
    get(map, key).and_then(Value::as_mapping)
}

fn entries(map: &Mapping) -> impl Iterator<Item = (String, &Value)> {
    map.iter().map(|(k, v)| (scalar(k).unwrap_or_default(), v))
}

/// Whether an environment variable's literal value must not be written: it is credential-shaped,
/// or its name says it holds a secret.
pub(crate) fn credential_like(name: &str, value: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let named = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY"]
        .iter()
        .any(|word| upper.contains(word));
    idpc_sema::contains_credential(value) || (named && !value.is_empty())
}

fn workload_to_service(
    platform: &Platform,
    team: &str,
    input: &str,
    workload: &Mapping,
    mapped: &mut Mapped,
) {
    let api = get(workload, "apiVersion").and_then(scalar).unwrap_or_default();
    if api != "score.dev/v1b1" {
        mapped.refuse(
            format!("`{input}` is not a Score workload: `apiVersion` is `{api}`"),
            Some("idpc imports `score.dev/v1b1`".to_owned()),
        );
        return;
    }
    let Some(name) = get_map(workload, "metadata").and_then(|m| get(m, "name")).and_then(scalar)
    else {
        mapped.refuse(format!("`{input}` has no `metadata.name`"), None);
        return;
    };
    if let Some(refusal) = check_name("service", &name) {
        mapped.refusals.push(refusal);
        return;
    }
    if platform.services.iter().any(|s| s.name == name) {
        mapped.refuse(
            format!("service `{name}` already exists"),
            Some("rename the workload, or remove it from the input".to_owned()),
        );
        return;
    }
    if get_map(workload, "containers").is_none_or(Mapping::is_empty) {
        mapped.refuse(
            format!("`{input}`: the workload `{name}` has no `containers`"),
            Some(
                "a Score workload runs at least one container: its image becomes the service's"
                    .to_owned(),
            ),
        );
        return;
    }
    let mut lines = Writer::default();
    lines.comment(&format!("Imported from the Score workload `{name}`."));
    let values = [kdl::string(&name), kdl::prop("team", team)];
    mapped.note(
        input,
        "metadata.name",
        Outcome::Imported,
        format!("service `{name}` owned by `{team}`"),
    );
    lines.block("service", &values, |w| service_body(platform, input, &name, workload, w, mapped));
    mapped.files.push((format!("services/{name}.kdl"), lines.finish()));
}

fn service_body(
    platform: &Platform,
    input: &str,
    name: &str,
    workload: &Mapping,
    w: &mut Writer,
    mapped: &mut Mapped,
) {
    let empty = Mapping::new();
    let containers = get_map(workload, "containers").unwrap_or(&empty);
    let mut containers = entries(containers);
    let first = containers.next();
    for (other, _) in containers {
        mapped.note(
            input,
            format!("containers.{other}"),
            Outcome::Dropped,
            "a service runs one container: only the first is carried over",
        );
    }
    let container = first.as_ref().and_then(|(_, c)| c.as_mapping()).unwrap_or(&empty);
    let cname = first.as_ref().map(|(n, _)| n.clone()).unwrap_or_default();
    let at = |field: &str| format!("containers.{cname}.{field}");

    // Image.
    let image = get(container, "image").and_then(scalar);
    let valid = image.as_deref().filter(|i| *i != ".").map(|i| (i, idpc_ir::Image::parse(i)));
    let (comment, outcome, why) = match valid {
        Some((image, Ok(_))) => {
            w.node("image", &[kdl::string(image)]);
            mapped.note(input, at("image"), Outcome::Imported, format!("image `{image}`"));
            (None, Outcome::Imported, String::new())
        }
        Some((_, Err(why))) => (
            Some("The workload's image is not one idpc accepts: replace the placeholder."),
            Outcome::Dropped,
            why,
        ),
        None => (
            Some("Score builds this image from source: replace the placeholder."),
            Outcome::Defaulted,
            "the image is built from source (`.`)".to_owned(),
        ),
    };
    if let Some(comment) = comment {
        let placeholder = format!("{name}:{PLACEHOLDER_VERSION}");
        w.comment(comment);
        w.node("image", &[kdl::string(&placeholder)]);
        let detail = format!("{why}: wrote the placeholder `{placeholder}`; replace it");
        mapped.note(input, at("image"), outcome, detail);
    }
    for field in ["command", "args", "files", "volumes"] {
        if get(container, field).is_some() {
            mapped.note(
                input,
                at(field),
                Outcome::Dropped,
                "the platform's services have no such field",
            );
        }
    }

    // Ports.
    let mut ports: Vec<(String, u64)> = Vec::new();
    // The port numbers a Score `route` may name: the service's `port`, by port name.
    let mut published: Vec<(String, u64)> = Vec::new();
    if let Some(service_ports) = get_map(workload, "service").and_then(|s| get_map(s, "ports")) {
        for (port, spec) in entries(service_ports) {
            let subject = format!("service.ports.{port}");
            let spec = spec.as_mapping().unwrap_or(&empty);
            let number = get(spec, "targetPort")
                .and_then(Value::as_u64)
                .or_else(|| get(spec, "port").and_then(Value::as_u64));
            let protocol = get(spec, "protocol").and_then(scalar).unwrap_or_default();
            let number = number.filter(|n| (1..=65_535).contains(n));
            if let Some(refusal) = check_name("port", &port) {
                mapped.note(input, subject, Outcome::Dropped, refusal.message);
            } else if protocol.eq_ignore_ascii_case("udp") {
                mapped.note(input, subject, Outcome::Dropped, "the platform's ports are TCP");
            } else if number.is_none() {
                mapped.note(
                    input,
                    subject,
                    Outcome::Dropped,
                    "no port number from 1 to 65535 in `port` or `targetPort`",
                );
            } else if let Some(number) = number {
                w.node("port", &[kdl::string(&port), number.to_string()]);
                mapped.note(input, subject, Outcome::Imported, format!("port `{port}` {number}"));
                if let Some(public) = get(spec, "port").and_then(Value::as_u64) {
                    published.push((port.clone(), public));
                }
                ports.push((port, number));
            }
        }
    }

    // CPU and memory.
    let sizes = get_map(container, "resources");
    // A quantity idpc would refuse is dropped here, with why, rather than written into a file
    // that does not check.
    let mut size = |which: &str| -> Vec<String> {
        let Some(m) = sizes.and_then(|r| get_map(r, which)) else { return Vec::new() };
        let mut props = Vec::new();
        for field in ["cpu", "memory"] {
            let Some(value) = get(m, field) else { continue };
            let text = scalar(value).unwrap_or_default();
            let checked = match field {
                "cpu" => idpc_ir::Cpu::parse(&text).map(|_| ()),
                _ => idpc_ir::Memory::parse(&text).map(|_| ()),
            };
            match checked {
                Ok(()) => props.push(kdl::prop(field, &text)),
                Err(why) => mapped.note(
                    input,
                    at(&format!("resources.{which}.{field}")),
                    Outcome::Dropped,
                    format!("not a {field} quantity idpc accepts: {why}"),
                ),
            }
        }
        props
    };
    let requests = size("requests");
    let mut limits = size("limits");
    if !requests.is_empty() {
        w.node("requests", &requests);
        mapped.note(
            input,
            at("resources.requests"),
            Outcome::Imported,
            format!("requests {}", requests.join(" ")),
        );
    }
    if !limits.is_empty() {
        mapped.note(
            input,
            at("resources.limits"),
            Outcome::Imported,
            format!("limits {}", limits.join(" ")),
        );
    }
    if !limits.iter().any(|l| l.starts_with("memory=")) {
        let requested = requests
            .iter()
            .find_map(|r| r.strip_prefix("memory="))
            .map(|quoted| quoted.trim_matches('"').to_owned());
        let (memory, why) = match requested {
            Some(memory) => (memory, "the memory requested"),
            None => (DEFAULT_MEMORY_LIMIT.to_owned(), "the golden path's"),
        };
        mapped.note(
            input,
            at("resources.limits.memory"),
            Outcome::Defaulted,
            format!("no memory limit: wrote {why}, `{memory}`"),
        );
        limits.push(kdl::prop("memory", &memory));
    }
    w.node("limits", &limits);

    // Variables.
    if get(container, "variables").is_some_and(|v| v.as_mapping().is_none()) {
        mapped.note(
            input,
            at("variables"),
            Outcome::Dropped,
            "not a mapping of variable names to values",
        );
    }
    if let Some(variables) = get_map(container, "variables") {
        for (key, value) in entries(variables) {
            let subject = at(&format!("variables.{key}"));
            let Some(value) = scalar(value).filter(|_| !key.is_empty()) else {
                mapped.note(input, subject, Outcome::Dropped, "not a name with a text value");
                continue;
            };
            if value.contains("${") {
                mapped.note(
                    input,
                    subject,
                    Outcome::Dropped,
                    "a placeholder: idpc interpolates nothing; the service reaches its resources through the kind's outputs",
                );
            } else if credential_like(&key, &value) {
                mapped.note(
                    input,
                    subject,
                    Outcome::Dropped,
                    format!("looks like a credential: declare `secret \"{key}\" from=…` with a reference into the secrets manager"),
                );
            } else {
                w.node("env", &[kdl::string(&key), kdl::string(&value)]);
                mapped.note(input, subject, Outcome::Imported, format!("env `{key}`"));
            }
        }
    }

    // Resources.
    let mut exposed = false;
    if let Some(resources) = get_map(workload, "resources") {
        for (resource, spec) in entries(resources) {
            let subject = format!("resources.{resource}");
            let spec = spec.as_mapping().unwrap_or(&empty);
            let kind_of = get(spec, "type").and_then(scalar).unwrap_or_default();
            let kind = if platform.kinds.iter().any(|k| k.name == kind_of) {
                Some(kind_of.clone())
            } else {
                KINDS
                    .iter()
                    .find(|(t, k)| *t == kind_of && platform.kinds.iter().any(|p| p.name == *k))
                    .map(|(_, k)| (*k).to_owned())
            };
            if kind_of == ROUTE {
                let route = Route { platform, spec, published: &published, exposed };
                match route.expose() {
                    Ok(values) => {
                        let what = format!("expose {}", values.join(" "));
                        w.node("expose", &values);
                        mapped.note(input, subject, Outcome::Imported, what);
                        exposed = true;
                    }
                    Err(why) => mapped.note(input, subject, Outcome::Dropped, why),
                }
            } else if kind_of == DNS {
                mapped.note(
                    input,
                    subject,
                    Outcome::Dropped,
                    "type `dns`: the platform names hosts itself; a `route` with a literal host becomes `expose host=…`",
                );
            } else if let Some(kind) = kind {
                if let Some(refusal) = check_name("resource", &resource) {
                    mapped.note(input, subject, Outcome::Dropped, refusal.message);
                    continue;
                }
                w.node("resource", &[kdl::string(&resource), kdl::prop("kind", &kind)]);
                mapped.note(
                    input,
                    subject.clone(),
                    Outcome::Imported,
                    format!("resource `{resource}` of kind `{kind}`"),
                );
                for field in ["class", "params"] {
                    if get(spec, field).is_some() {
                        mapped.note(
                            input,
                            format!("{subject}.{field}"),
                            Outcome::Dropped,
                            "set the kind's fields in the resource's block instead",
                        );
                    }
                }
            } else {
                mapped.note(
                    input,
                    subject,
                    Outcome::Dropped,
                    format!("type `{kind_of}`: no kind of the platform matches"),
                );
            }
        }
    }

    // Probes.
    let probe = |field: &str| -> Option<(String, Option<String>)> {
        let http = get_map(container, field).and_then(|p| get_map(p, "httpGet"))?;
        let path = get(http, "path").and_then(scalar)?;
        let number = get(http, "port").and_then(Value::as_u64);
        let port = ports.iter().find(|(_, n)| Some(*n) == number).map(|(p, _)| p.clone());
        Some((path, port))
    };
    let readiness = probe("readinessProbe");
    let liveness = probe("livenessProbe");
    for (field, found) in [("readinessProbe", &readiness), ("livenessProbe", &liveness)] {
        if get(container, field).is_some() && found.is_none() {
            mapped.note(input, at(field), Outcome::Dropped, "only HTTP probes are carried over");
        }
    }
    if readiness.is_some() || liveness.is_some() {
        w.block("deploy", &[], |w| {
            for (node, field, found) in [
                ("healthcheck", "readinessProbe", &readiness),
                ("liveness", "livenessProbe", &liveness),
            ] {
                let Some((path, port)) = found else { continue };
                let mut values = vec![kdl::prop("path", path)];
                values.extend(port.iter().map(|p| kdl::prop("port", p)));
                w.node(node, &values);
                mapped.note(input, at(field), Outcome::Imported, format!("{node} path `{path}`"));
            }
        });
    }
}

/// A Score `route` resource, to be written as `expose`.
struct Route<'a> {
    platform: &'a Platform,
    spec: &'a Mapping,
    /// The service's ports by name, with the number a route names them by.
    published: &'a [(String, u64)],
    /// Whether an earlier route was already written: a service has one entry point.
    exposed: bool,
}

impl Route<'_> {
    /// The properties of `expose`, or why the route cannot be one.
    fn expose(&self) -> Result<Vec<String>, String> {
        if self.platform.ingress.is_none() {
            return Err(
                "type `route`: the platform declares no `ingress` to route through".to_owned()
            );
        }
        if self.exposed {
            return Err(
                "a service has one entry point: only the first route is carried over".to_owned()
            );
        }
        let params = get_map(self.spec, "params");
        let param = |key: &str| params.and_then(|p| get(p, key)).and_then(scalar);
        let host = match param("host") {
            Some(host) if host.contains("${") => {
                return Err("the host is a placeholder: write `expose host=…` with the host name"
                    .to_owned());
            }
            Some(host) => host,
            None => return Err("the route names no host".to_owned()),
        };
        let mut values = vec![kdl::prop("host", &host)];
        if let Some(path) = param("path").filter(|p| p != "/") {
            if path.contains("${") || !path.starts_with('/') {
                return Err(format!("the path `{path}` is not a literal path"));
            }
            values.push(kdl::prop("path", &path));
        }
        if let Some(port) = params.and_then(|p| get(p, "port")).and_then(Value::as_u64) {
            let Some((name, _)) = self.published.iter().find(|(_, n)| *n == port) else {
                return Err(format!("the route's port {port} is none of the service's ports"));
            };
            values.push(kdl::prop("port", name));
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::credential_like;

    #[test]
    fn credentials_are_recognised_by_shape_or_by_name() {
        assert!(credential_like("STRIPE", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"));
        assert!(credential_like("DB_PASSWORD", "hunter2"));
        assert!(credential_like("github_token", "abc"));
        assert!(!credential_like("DB_PASSWORD", ""));
        assert!(!credential_like("LOG_LEVEL", "info"));
        assert!(!credential_like("TOKEN_TTL_NAME", ""));
    }
}
