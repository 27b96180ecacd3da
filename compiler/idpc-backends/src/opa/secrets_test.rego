package __PACKAGE__.secrets_test

import rego.v1

import data.__PACKAGE__.secrets

teams := {
	"shop": {"members": ["ann@example.com", "bo@example.com"], "leads": ["ann@example.com"]},
	"ops": {"members": ["cy@example.com"], "leads": ["cy@example.com"]},
	"audit": {"members": ["di@example.com"], "leads": ["di@example.com"]},
}

# ops reads TOKEN everywhere; audit reads it in prod only, through prod's override; LIVE_KEY
# exists in prod only.
services := {"cart": {"team": "shop", "environments": {
	"staging": {"namespace": "shop-staging", "secrets": {"TOKEN": {"readers": ["ops"]}}},
	"prod": {"namespace": "shop-prod", "secrets": {"TOKEN": {"readers": ["audit", "ops"]}, "LIVE_KEY": {"readers": []}}},
}}}

ask(request) if {
	secrets.allow with input as request
		with data.__PACKAGE__.model.teams as teams
		with data.__PACKAGE__.model.services as services
}

approval(environment) := {"approver": "ann@example.com", "reason": "quarterly audit", "hours": 24, "environment": environment}

test_owner_team_reads if ask({"user": "bo@example.com", "service": "cart", "environment": "staging", "secret": "TOKEN"})

test_reader_team_reads if ask({"user": "cy@example.com", "service": "cart", "environment": "staging", "secret": "TOKEN"})

test_a_reader_granted_in_one_environment_reads_there if ask({"user": "di@example.com", "service": "cart", "environment": "prod", "secret": "TOKEN"})

test_a_reader_granted_in_one_environment_does_not_read_elsewhere if not ask({"user": "di@example.com", "service": "cart", "environment": "staging", "secret": "TOKEN"})

test_a_secret_exists_only_where_it_is_declared if not ask({"user": "bo@example.com", "service": "cart", "environment": "staging", "secret": "LIVE_KEY"})

test_others_need_an_approval if not ask({"user": "cy@example.com", "service": "cart", "environment": "prod", "secret": "LIVE_KEY"})

test_approved_by_a_lead_with_reason_and_duration if ask({
	"user": "di@example.com", "service": "cart", "environment": "staging", "secret": "TOKEN",
	"approval": approval("staging"),
})

test_an_approval_holds_in_its_environment_only if not ask({
	"user": "cy@example.com", "service": "cart", "environment": "prod", "secret": "LIVE_KEY",
	"approval": approval("staging"),
})

test_approval_needs_a_reason if not ask({
	"user": "di@example.com", "service": "cart", "environment": "staging", "secret": "TOKEN",
	"approval": object.union(approval("staging"), {"reason": " "}),
})

test_approval_is_bounded if not ask({
	"user": "di@example.com", "service": "cart", "environment": "staging", "secret": "TOKEN",
	"approval": object.union(approval("staging"), {"hours": 1000}),
})

test_approval_comes_from_a_lead_of_the_owner if not ask({
	"user": "di@example.com", "service": "cart", "environment": "staging", "secret": "TOKEN",
	"approval": object.union(approval("staging"), {"approver": "bo@example.com"}),
})

test_unknown_secrets_are_never_readable if not ask({
	"user": "di@example.com", "service": "cart", "environment": "staging", "secret": "OTHER",
	"approval": approval("staging"),
})

test_undeployed_environments_have_no_secrets if not ask({
	"user": "bo@example.com", "service": "cart", "environment": "dev", "secret": "TOKEN",
})
