//! Reachability: an exposed service gets a route through the platform's router that points at
//! a Service that exists, its network policy admits the router's namespace on that port only, and
//! a canary's weights reach the router through Argo Rollouts' traffic routing.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::tools::{schemas_dir, validation_errors, validator};
use crate::support::{build_dir, compile_texts, documents, repo_root};

fn objects(artifacts: &[idpc_driver::Artifact], prefix: &str) -> Vec<(String, Value)> {
    artifacts
        .iter()
        .filter(|a| a.path.starts_with(prefix) && !a.path.ends_with("-test.yaml"))
        .flat_map(|a| documents(&a.contents).into_iter().map(move |d| (a.path.clone(), d)))
        .collect()
}

fn key(document: &Value) -> (String, String) {
    (
        document["metadata"]["namespace"].as_str().unwrap_or_default().to_owned(),
        document["metadata"]["name"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn every_route_reaches_a_service_and_every_exposed_service_admits_the_router() {
    let artifacts = build_dir(&repo_root().join("examples/acme"));
    let rollouts = objects(&artifacts, "argo-rollouts/");
    let services: BTreeSet<(String, String, u64)> = rollouts
        .iter()
        .filter(|(_, d)| d["kind"] == "Service")
        .flat_map(|(_, d)| {
            let (namespace, name) = key(d);
            d["spec"]["ports"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |p| (namespace.clone(), name.clone(), p["port"].as_u64().unwrap()))
                .collect::<Vec<_>>()
        })
        .collect();
    let access = objects(&artifacts, "kubernetes/");
    let routes: Vec<&Value> =
        access.iter().map(|(_, d)| d).filter(|d| d["kind"] == "HTTPRoute").collect();
    // web-frontend and payments-api, in 3 environments, and payments-api in checkout-v2.
    assert_eq!(routes.len(), 7);
    for route in &routes {
        let (namespace, name) = key(route);
        assert_eq!(route["spec"]["parentRefs"][0]["name"], "public");
        for backend in route["spec"]["rules"][0]["backendRefs"].as_array().unwrap() {
            let target = (
                namespace.clone(),
                backend["name"].as_str().unwrap().to_owned(),
                backend["port"].as_u64().unwrap(),
            );
            assert!(services.contains(&target), "{name}: no Service {target:?}");
        }
        // The network policy of the service admits the router's namespace on the routed port.
        let policy = access
            .iter()
            .map(|(_, d)| d)
            .find(|d| d["kind"] == "NetworkPolicy" && key(d) == (namespace.clone(), name.clone()))
            .unwrap();
        let port = route["spec"]["rules"][0]["backendRefs"][0]["port"].clone();
        let admits = policy["spec"]["ingress"].as_array().unwrap().iter().any(|rule| {
            rule["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                == "ingress"
                && rule["ports"].as_array().unwrap().len() == 1
                && rule["ports"][0]["port"] == port
        });
        assert!(admits, "{namespace}/{name}: the router is not admitted");
        // Production answers to the declared host, the others to `<environment>.<host>`.
        let host = route["spec"]["hostnames"][0].as_str().unwrap();
        let environment = namespace.split_once('-').map(|(_, e)| e).unwrap();
        if environment == "prod" {
            assert!(host == "shop.acme.com" || host == "api.acme.com", "{host}");
        } else {
            assert!(host.starts_with(&format!("{environment}.")), "{host}");
        }
    }
    // A canary whose service is exposed moves its weight through the route.
    let mut routed = 0;
    for (path, rollout) in rollouts.iter().filter(|(_, d)| d["kind"] == "Rollout") {
        let canary = &rollout["spec"]["strategy"]["canary"];
        let exposed = ["payments-api", "web-frontend"].contains(&key(rollout).1.as_str());
        let stepped = canary["steps"].as_array().is_some_and(|s| !s.is_empty());
        let plugin = canary["trafficRouting"]["plugins"]["argoproj-labs/gatewayAPI"].as_object();
        assert_eq!(plugin.is_some(), exposed && stepped, "{path}");
        let Some(plugin) = plugin else { continue };
        let (namespace, _) = key(rollout);
        assert_eq!(plugin["namespace"], namespace.as_str(), "{path}");
        let route = plugin["httpRoute"].as_str().unwrap();
        let route = routes
            .iter()
            .find(|r| key(r) == (namespace.clone(), route.to_owned()))
            .unwrap_or_else(|| panic!("{path}: no route {route}"));
        let backends = route["spec"]["rules"][0]["backendRefs"].as_array().unwrap().len();
        assert_eq!(backends, 2, "{path}: the canary Service is not in the route");
        routed += 1;
    }
    assert!(routed >= 3, "{routed}");
}

const NGINX: &str = r#"
platform "p" { ingress "nginx" class="public" }
team "t" { member "a@p.dev" role="lead"; member "b@p.dev" }
environment "dev" tier="development"
environment "prod" tier="production" { approval required=#true }
service "web" team="t" {
    image "web:1.0.0"
    port "http" 8080
    limits memory="256Mi"
    expose host="web.p.dev" path="/app"
    deploy {
        canary {
            step weight=20 pause="5m"
            step weight=100
        }
        healthcheck path="/health"
    }
}
"#;

#[test]
fn an_nginx_platform_gets_ingresses_and_nginx_traffic_routing() {
    let compilation = compile_texts(&[("platform.kdl", NGINX)]);
    assert!(compilation.diagnostics.is_empty(), "{:?}", compilation.diagnostics);
    let platform = compilation.platform.as_ref().unwrap();
    let artifacts = idpc_driver::emit(platform, idpc_driver::Family::ALL).unwrap();
    let ingresses: Vec<Value> = objects(&artifacts, "kubernetes/")
        .into_iter()
        .map(|(_, d)| d)
        .filter(|d| d["kind"] == "Ingress")
        .collect();
    assert_eq!(ingresses.len(), 2);
    let prod = ingresses.iter().find(|i| i["metadata"]["namespace"] == "t-prod").unwrap();
    assert_eq!(prod["spec"]["ingressClassName"], "public");
    assert_eq!(prod["spec"]["rules"][0]["host"], "web.p.dev");
    assert_eq!(prod["spec"]["tls"][0]["secretName"], "web-tls");
    let dev = ingresses.iter().find(|i| i["metadata"]["namespace"] == "t-dev").unwrap();
    assert_eq!(dev["spec"]["rules"][0]["host"], "dev.web.p.dev");
    if let Some(schemas) = schemas_dir("an_nginx_platform_gets_ingresses_and_nginx_traffic_routing")
    {
        let ingress = validator(
            &schemas.join("kubernetes/v1.33-standalone-strict/ingress-networking-v1.json"),
        );
        let rollout = validator(&schemas.join("argo-rollouts/rollout_v1alpha1.json"));
        for document in &ingresses {
            let errors = validation_errors(&ingress, document);
            assert!(errors.is_empty(), "{}", errors.join("\n"));
        }
        for (_, document) in objects(&artifacts, "argo-rollouts/") {
            if document["kind"] == "Rollout" {
                assert_eq!(
                    document["spec"]["strategy"]["canary"]["trafficRouting"]["nginx"]["stableIngress"],
                    "web"
                );
                let errors = validation_errors(&rollout, &document);
                assert!(errors.is_empty(), "{}", errors.join("\n"));
            }
        }
    }
    // The NGINX controller's default namespace is admitted.
    let policy = objects(&artifacts, "kubernetes/")
        .into_iter()
        .map(|(_, d)| d)
        .find(|d| d["kind"] == "NetworkPolicy" && d["metadata"]["namespace"] == "t-prod")
        .unwrap();
    assert!(policy.to_string().contains("ingress-nginx"), "{policy}");
}

#[test]
fn an_exposed_service_needs_an_ingress_and_a_port() {
    let without =
        NGINX.replace("platform \"p\" { ingress \"nginx\" class=\"public\" }", "platform \"p\"");
    let compilation = compile_texts(&[("platform.kdl", &without)]);
    let messages: Vec<&str> = compilation.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert!(
        messages.contains(&"`web` is exposed, but the platform declares no `ingress`"),
        "{messages:?}"
    );
    let gateway = NGINX.replace("ingress \"nginx\" class=\"public\"", "ingress \"gateway-api\"");
    let compilation = compile_texts(&[("platform.kdl", &gateway)]);
    assert!(compilation.diagnostics.iter().any(|d| d.message.contains("`namespace/name`")));
}
