//! Entry points: the route that brings traffic from the platform's router to an exposed service,
//! an `HTTPRoute` attached to the platform's Gateway or an NGINX `Ingress`, in the service's
//! namespace. A canary's route lists the canary `Service` too, so that Argo Rollouts can shift
//! its weight.

use idpc_ir::{Deployment, Exposure, Platform, Router, Strategy};
use serde::Serialize;

use crate::common::k8s::Object;
use crate::common::{k8s, names};

/// An entry point, as one of the two objects a router reads.
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum Route<'p> {
    Http(Object<HttpRouteSpec<'p>>),
    Ingress(Object<IngressSpec<'p>>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HttpRouteSpec<'p> {
    parent_refs: [ParentRef<'p>; 1],
    hostnames: [String; 1],
    rules: [HttpRouteRule<'p>; 1],
}

#[derive(Serialize)]
struct ParentRef<'p> {
    name: &'p str,
    namespace: &'p str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HttpRouteRule<'p> {
    matches: [PathMatch<'p>; 1],
    backend_refs: Vec<BackendRef>,
}

#[derive(Serialize)]
struct PathMatch<'p> {
    path: PathPrefix<'p>,
}

#[derive(Serialize)]
struct PathPrefix<'p> {
    #[serde(rename = "type")]
    kind: &'static str,
    value: &'p str,
}

#[derive(Serialize)]
struct BackendRef {
    name: String,
    port: u16,
    weight: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IngressSpec<'p> {
    ingress_class_name: &'p str,
    rules: [IngressRule<'p>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    tls: Option<[IngressTls; 1]>,
}

#[derive(Serialize)]
struct IngressRule<'p> {
    host: String,
    http: IngressHttp<'p>,
}

#[derive(Serialize)]
struct IngressHttp<'p> {
    paths: [IngressPath<'p>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IngressPath<'p> {
    path: &'p str,
    path_type: &'static str,
    backend: IngressBackend,
}

#[derive(Serialize)]
struct IngressBackend {
    service: IngressService,
}

#[derive(Serialize)]
struct IngressService {
    name: String,
    port: PortNumber,
}

#[derive(Serialize)]
struct PortNumber {
    number: u16,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IngressTls {
    hosts: [String; 1],
    secret_name: String,
}

/// The route of an exposed service in one environment, if it is exposed and the platform routes.
pub(crate) fn route<'p>(platform: &'p Platform, deployment: &'p Deployment) -> Option<Route<'p>> {
    let service = platform.service(deployment.service);
    let (exposure, port) = exposed_port(platform, deployment)?;
    let ingress = platform.ingress.as_ref()?;
    let host = names::route_host(platform, exposure, deployment);
    let metadata = k8s::deployment_meta(platform, deployment, names::route(service));
    let canary = matches!(deployment.strategy.value, Strategy::Canary { .. });
    Some(match &ingress.router {
        Router::GatewayApi { namespace, name } => {
            let stable = names::stable_service(service);
            let mut backends = vec![BackendRef { name: stable, port, weight: 100 }];
            if canary {
                // Argo Rollouts moves weight between the two during a canary.
                let name = names::canary_service(service);
                backends.push(BackendRef { name, port, weight: 0 });
            }
            let path = PathPrefix { kind: "PathPrefix", value: &exposure.path };
            Route::Http(Object {
                api_version: "gateway.networking.k8s.io/v1",
                kind: "HTTPRoute",
                metadata,
                spec: HttpRouteSpec {
                    parent_refs: [ParentRef { name, namespace }],
                    hostnames: [host],
                    rules: [HttpRouteRule {
                        matches: [PathMatch { path }],
                        backend_refs: backends,
                    }],
                },
            })
        }
        Router::Nginx { class } => {
            let tls = exposure.tls.then(|| {
                [IngressTls { hosts: [host.clone()], secret_name: names::tls_secret(service) }]
            });
            let service = IngressService {
                name: names::stable_service(service),
                port: PortNumber { number: port },
            };
            let path = IngressPath {
                path: &exposure.path,
                path_type: "Prefix",
                backend: IngressBackend { service },
            };
            Route::Ingress(Object {
                api_version: "networking.k8s.io/v1",
                kind: "Ingress",
                metadata,
                spec: IngressSpec {
                    ingress_class_name: class,
                    rules: [IngressRule { host, http: IngressHttp { paths: [path] } }],
                    tls,
                },
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
