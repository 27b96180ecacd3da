//! `helm/values.schema.json`: the JSON Schema of the values idpc writes. Helm validates values
//! against it on install, lint and template, so a hand edit that breaks the shape is caught.

use serde_json::{Value, json};

use crate::Artifact;
use crate::common::{self, header_line};

pub(crate) fn emit() -> Artifact {
    common::json("helm/values.schema.json".to_owned(), &schema())
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "additionalProperties": false, "required": required, "properties": properties })
}

fn string() -> Value {
    json!({ "type": "string", "minLength": 1 })
}

fn name() -> Value {
    json!({ "type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63 })
}

fn quantity() -> Value {
    json!({ "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$" })
}

fn duration() -> Value {
    json!({ "type": "string", "pattern": "^[0-9]+(ms|s|m|h)$" })
}

fn count(min: u32) -> Value {
    json!({ "type": "integer", "minimum": min })
}

fn list(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

fn schema() -> Value {
    let quantities =
        |required: &[&str]| object(json!({ "cpu": quantity(), "memory": quantity() }), required);
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$comment": header_line("the platform description"),
        "title": "Values of the idpc golden-path chart",
        "type": "object",
        "additionalProperties": false,
        "required": ["service", "image", "replicaCount", "resources", "autoscaling", "rollout"],
        "properties": {
            "service": object(json!({
                "name": name(),
                "team": name(),
                "system": name(),
                "environment": name(),
                "tier": { "enum": ["development", "staging", "production"] },
                "namespace": name(),
                "criticality": { "enum": ["critical", "standard", "low"] }
            }), &["name", "team", "environment", "tier", "namespace", "criticality"]),
            "image": object(json!({
                "repository": string(),
                "tag": string(),
                "digest": { "type": "string", "pattern": "^sha256:[a-f0-9]{64}$" }
            }), &["repository"]),
            "replicaCount": count(0),
            "ports": list(object(json!({
                "name": name(),
                "containerPort": { "type": "integer", "minimum": 1, "maximum": 65535 },
                "protocol": { "enum": ["http", "grpc", "tcp"] }
            }), &["name", "containerPort", "protocol"])),
            "resources": object(json!({
                "requests": quantities(&["cpu", "memory"]),
                "limits": quantities(&["memory"])
            }), &["requests", "limits"]),
            "autoscaling": object(json!({
                "enabled": { "type": "boolean" },
                "minReplicas": count(1),
                "maxReplicas": count(1),
                "targetCPUUtilizationPercentage": { "type": "integer", "minimum": 1, "maximum": 100 }
            }), &["enabled"]),
            "env": list(object(json!({ "name": string(), "value": { "type": "string" } }), &["name", "value"])),
            "secrets": list(object(json!({
                "name": string(),
                "provider": { "enum": ["vault", "aws-sm", "gcp-sm", "azure-kv"] },
                "path": string(),
                "key": string()
            }), &["name", "provider", "path"])),
            "dependencies": list(name()),
            "connections": {
                "type": "object",
                "additionalProperties": object(json!({
                    "kind": name(),
                    // The Secret the Terraform root module writes the outputs into.
                    "secretName": { "type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" },
                    "outputs": {
                        "type": "object",
                        "additionalProperties": object(json!({
                            "terraformOutput": { "type": "string", "pattern": "^[a-z0-9_]+$" },
                            "env": { "type": "string", "pattern": "^[A-Z][A-Z0-9_]*$" },
                            "secret": { "type": "boolean" }
                        }), &["terraformOutput"])
                    }
                }), &["kind", "outputs"])
            },
            // Readiness probes over HTTP; liveness may probe the port alone.
            "probes": probe(true),
            "liveness": probe(false),
            "rollout": object(json!({
                "strategy": { "enum": ["canary", "blue-green", "rolling"] },
                "steps": list(object(json!({
                    "weight": { "type": "integer", "minimum": 1, "maximum": 100 },
                    "pause": duration(),
                    "manual": { "const": true }
                }), &["weight"])),
                "autoPromote": { "type": "boolean" },
                "previewReplicas": count(1),
                "scaleDownDelay": duration(),
                "maxSurge": { "type": "string" },
                "maxUnavailable": { "type": "string" },
                "analysis": object(json!({
                    "maxErrorRatio": { "type": "string", "pattern": "^(0(\\.[0-9]+)?|1)$" },
                    "interval": duration(),
                    "autoRollback": { "type": "boolean" }
                }), &["maxErrorRatio", "interval", "autoRollback"])
            }), &["strategy"])
        }
    })
}

/// A probe: a port, its timing, and an HTTP path (required when `http`, unless the probe is a
/// gRPC health check).
fn probe(http: bool) -> Value {
    let required =
        vec!["port", "periodSeconds", "timeoutSeconds", "failureThreshold", "initialDelaySeconds"];
    let mut probe = object(
        json!({
            "path": { "type": "string", "pattern": "^/" },
            "grpc": { "const": true },
            "port": name(),
            "periodSeconds": count(1),
            "timeoutSeconds": count(1),
            "failureThreshold": count(1),
            "initialDelaySeconds": count(0)
        }),
        &required,
    );
    if http {
        probe["oneOf"] = json!([{ "required": ["path"] }, { "required": ["grpc"] }]);
    }
    probe
}
