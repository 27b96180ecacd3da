package __PACKAGE__.deploy_test

import rego.v1

import data.__PACKAGE__.deploy

platform := {
	"registry": "registry.example.com/shop",
	"teams": {"shop": {"members": ["ann@example.com", "bo@example.com", "cy@example.com"], "leads": ["ann@example.com"]}},
	"services": {
		"cart": {"team": "shop", "environments": {}},
		"legacy": {"team": "shop", "environments": {}, "waivers": {"mutable-image-tags": "2099-01-01", "resource-limits": "2000-01-01"}},
		"vendor": {"team": "shop", "environments": {}, "waivers": {"image-registry": "2099-01-01"}},
	},
	"environments": {
		"dev": {"tier": "development", "approval": {"required": false, "approvers": 1}},
		"staging": {"tier": "staging", "approval": {"required": false, "approvers": 1}},
		"prod": {"tier": "production", "approval": {"required": true, "approvers": 2}},
	},
	"policies": {
		"image-registry": {"enabled": true, "severity": "error", "tiers": ["development", "staging", "production"]},
		"mutable-image-tags": {"enabled": true, "severity": "error", "tiers": ["production"]},
		"resource-limits": {"enabled": true, "severity": "error", "tiers": ["staging", "production"]},
		"health-checks": {"enabled": true, "severity": "error", "tiers": ["staging", "production"]},
	},
}

workload(image) := {"spec": {"template": {"spec": {"containers": [{
	"name": "cart",
	"image": image,
	"resources": {"limits": {"memory": "256Mi"}},
}]}}}}

admit(environment, image, approvals) if admit_service("cart", environment, image, approvals)

admit_service(service, environment, image, approvals) if {
	deploy.allow with input as {
		"environment": environment, "service": service, "author": "bo@example.com",
		"object": workload(image), "approvals": approvals,
	}
		with data.__PACKAGE__.model as platform
}

without_limits(service, environment) := {
	"environment": environment, "service": service, "author": "bo@example.com", "approvals": [],
	"object": {"spec": {"template": {"spec": {"containers": [{"name": "cart", "image": "registry.example.com/shop/cart:1.0.0", "resources": {}}]}}}},
}

with_ports(environment, probe) := {
	"environment": environment, "service": "cart", "author": "bo@example.com", "approvals": [],
	"object": {"spec": {"template": {"spec": {"containers": [object.union({
		"name": "cart", "image": "registry.example.com/shop/cart:1.0.0",
		"ports": [{"name": "http", "containerPort": 8080}],
		"resources": {"limits": {"memory": "256Mi"}},
	}, probe)]}}}},
}

test_pinned_image_with_approvals_is_admitted if admit("prod", "registry.example.com/shop/cart:1.4.2", ["ann@example.com", "cy@example.com"])

test_digest_is_pinned if admit("prod", "registry.example.com/shop/cart@sha256:0000000000000000000000000000000000000000000000000000000000000000", ["ann@example.com", "cy@example.com"])

test_latest_is_refused_in_production if not admit("prod", "registry.example.com/shop/cart:latest", ["ann@example.com", "cy@example.com"])

test_missing_tag_is_refused_in_production if not admit("prod", "registry.example.com/shop/cart", ["ann@example.com", "cy@example.com"])

test_latest_is_fine_in_development if admit("dev", "registry.example.com/shop/cart:latest", [])

test_other_registries_are_refused if not admit("dev", "docker.io/library/cart:1.0.0", [])

test_a_waiver_in_force_admits_another_registry if admit_service("vendor", "prod", "docker.io/vendor/tool:2.0.1", ["ann@example.com", "cy@example.com"])

test_a_registry_prefix_is_not_a_registry if not admit("dev", "registry.example.com/shopping/cart:1.0.0", [])

test_without_a_registry_any_image_is_admitted if {
	open := object.union(platform, {"registry": ""})
	deploy.allow with input as {
		"environment": "dev", "service": "cart", "author": "bo@example.com",
		"object": workload("docker.io/library/cart:1.0.0"), "approvals": [],
	}
		with data.__PACKAGE__.model as open
}

test_ports_need_a_readiness_probe_in_the_configured_tiers if {
	not deploy.allow with input as with_ports("staging", {}) with data.__PACKAGE__.model as platform
	deploy.allow with input as with_ports("staging", {"readinessProbe": {"httpGet": {"path": "/health", "port": "http"}}}) with data.__PACKAGE__.model as platform
	deploy.allow with input as with_ports("dev", {}) with data.__PACKAGE__.model as platform
}

test_a_preset_that_only_warns_admits_with_a_warning if {
	warning := object.union(platform, {"policies": {"health-checks": {"severity": "warning"}}})
	deploy.allow with input as with_ports("staging", {}) with data.__PACKAGE__.model as warning
	warnings := deploy.warn with input as with_ports("staging", {}) with data.__PACKAGE__.model as warning
	count(warnings) == 1
}

test_the_author_does_not_approve_their_own_change if not admit("prod", "registry.example.com/shop/cart:1.4.2", ["bo@example.com", "ann@example.com"])

test_strangers_do_not_count if not admit("prod", "registry.example.com/shop/cart:1.4.2", ["ann@example.com", "eve@example.com"])

test_memory_limits_are_required_in_the_configured_tiers if {
	not deploy.allow with input as without_limits("cart", "staging") with data.__PACKAGE__.model as platform
}

test_memory_limits_are_not_required_outside_the_configured_tiers if {
	deploy.allow with input as without_limits("cart", "dev") with data.__PACKAGE__.model as platform
}

test_a_waiver_in_force_admits_a_mutable_tag if admit_service("legacy", "prod", "registry.example.com/shop/legacy:latest", ["ann@example.com", "cy@example.com"])

test_an_expired_waiver_admits_nothing if {
	not deploy.allow with input as without_limits("legacy", "staging") with data.__PACKAGE__.model as platform
}

test_a_policy_switched_off_is_not_applied if {
	off := object.union(platform, {"policies": {"mutable-image-tags": {"enabled": false}}})
	deploy.allow with input as {
		"environment": "prod", "service": "cart", "author": "bo@example.com",
		"object": workload("registry.example.com/shop/cart:latest"), "approvals": ["ann@example.com", "cy@example.com"],
	}
		with data.__PACKAGE__.model as off
}
