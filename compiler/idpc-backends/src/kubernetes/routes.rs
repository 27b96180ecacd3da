//! Entry points: the route that brings traffic from the platform's router to an exposed service,
//! an `HTTPRoute` attached to the platform's Gateway or an NGINX `Ingress`, in the service's
//! namespace. A canary's route lists the canary `Service` too, so that Argo Rollouts can shift
//! its weight.

use idpc_ir::{Deployment, Exposure, Platform, Router, Strategy};
use serde_json::{Value, json};

use crate::common::{k8s, names};

/// The route of an exposed service in one environment, if it is exposed and the platform routes.
pub(crate) fn route(platform: &Platform, deployment: &Deployment) -> Option<Value> {
    let service = platform.service(deployment.service);
    let (exposure, port) = exposed_port(platform, deployment)?;
    let ingress = platform.ingress.as_ref()?;
    let host = names::route_host(platform, exposure, deployment);
    let metadata = json!({
        "name": names::route(service),
        "namespace": deployment.namespace,
        "labels": k8s::deployment_labels(platform, deployment),
    });
    let canary = matches!(deployment.strategy.value, Strategy::Canary { .. });
    Some(match &ingress.router {
        Router::GatewayApi { namespace, name } => {
            let mut backends = vec![json!({
                "name": names::stable_service(service), "port": port, "weight": 100
            })];
            if canary {
                // Argo Rollouts moves weight between the two during a canary.
                backends.push(json!({
                    "name": names::canary_service(service), "port": port, "weight": 0
                }));
            }
            json!({
                "apiVersion": "gateway.networking.k8s.io/v1",
                "kind": "HTTPRoute",
                "metadata": metadata,
                "spec": {
                    "parentRefs": [{ "name": name, "namespace": namespace }],
                    "hostnames": [host],
                    "rules": [{
                        "matches": [{ "path": { "type": "PathPrefix", "value": exposure.path } }],
                        "backendRefs": backends,
                    }],
                },
            })
        }
        Router::Nginx { class } => {
            let mut spec = json!({
                "ingressClassName": class,
                "rules": [{
                    "host": host,
                    "http": { "paths": [{
                        "path": exposure.path,
                        "pathType": "Prefix",
                        "backend": { "service": {
                            "name": names::stable_service(service),
                            "port": { "number": port },
                        }},
                    }]},
                }],
            });
            if exposure.tls {
                spec["tls"] =
                    json!([{ "hosts": [host], "secretName": names::tls_secret(service) }]);
            }
            json!({
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": metadata,
                "spec": spec,
            })
        }
    })
}

/// The port number an exposure routes to.
pub(crate) fn exposed_port<'p>(
    platform: &'p Platform,
    deployment: &Deployment,
) -> Option<(&'p Exposure, u16)> {
    let service = platform.service(deployment.service);
    let exposure = service.exposure.as_ref()?;
    platform.ingress.as_ref()?;
    let port = service.ports.iter().find(|p| p.name == exposure.port)?.number;
    Some((exposure, port))
}
