package __PACKAGE__.deploy_test

import rego.v1

import data.__PACKAGE__.deploy

platform := {
	"registry": "registry.example.com/shop",
	"teams": {"shop": {"members": ["ann@example.com", "bo@example.com", "cy@example.com"], "leads": ["ann@example.com"]}},
	"services": {"cart": {"team": "shop", "secrets": {}}},
	"environments": {
		"dev": {"tier": "development", "approval": {"required": false, "approvers": 1}},
		"prod": {"tier": "production", "approval": {"required": true, "approvers": 2}},
	},
}

workload(image) := {"spec": {"template": {"spec": {"containers": [{
	"name": "cart",
	"image": image,
	"resources": {"limits": {"memory": "256Mi"}},
}]}}}}

admit(environment, image, approvals) if {
	deploy.allow with input as {
		"environment": environment, "service": "cart", "author": "bo@example.com",
		"object": workload(image), "approvals": approvals,
	}
		with data.__PACKAGE__.model as platform
}

test_pinned_image_with_approvals_is_admitted if admit("prod", "registry.example.com/shop/cart:1.4.2", ["ann@example.com", "cy@example.com"])

test_digest_is_pinned if admit("prod", "registry.example.com/shop/cart@sha256:0000000000000000000000000000000000000000000000000000000000000000", ["ann@example.com", "cy@example.com"])

test_latest_is_refused_in_production if not admit("prod", "registry.example.com/shop/cart:latest", ["ann@example.com", "cy@example.com"])

test_missing_tag_is_refused_in_production if not admit("prod", "registry.example.com/shop/cart", ["ann@example.com", "cy@example.com"])

test_latest_is_fine_in_development if admit("dev", "registry.example.com/shop/cart:latest", [])

test_other_registries_are_refused if not admit("dev", "docker.io/library/cart:1.0.0", [])

test_the_author_does_not_approve_their_own_change if not admit("prod", "registry.example.com/shop/cart:1.4.2", ["bo@example.com", "ann@example.com"])

test_strangers_do_not_count if not admit("prod", "registry.example.com/shop/cart:1.4.2", ["ann@example.com", "eve@example.com"])

test_memory_limits_are_required if {
	not deploy.allow with input as {
		"environment": "dev", "service": "cart", "author": "bo@example.com", "approvals": [],
		"object": {"spec": {"template": {"spec": {"containers": [{"name": "cart", "image": "registry.example.com/shop/cart:1.0.0", "resources": {}}]}}}},
	}
		with data.__PACKAGE__.model as platform
}
