package __PACKAGE__.secrets_test

import rego.v1

import data.__PACKAGE__.secrets

teams := {
	"shop": {"members": ["ann@example.com", "bo@example.com"], "leads": ["ann@example.com"]},
	"ops": {"members": ["cy@example.com"], "leads": ["cy@example.com"]},
	"audit": {"members": ["di@example.com"], "leads": ["di@example.com"]},
}

services := {"cart": {"team": "shop", "secrets": {"TOKEN": {"readers": ["ops"]}}}}

ask(request) if {
	secrets.allow with input as request
		with data.__PACKAGE__.model.teams as teams
		with data.__PACKAGE__.model.services as services
}

test_owner_team_reads if ask({"user": "bo@example.com", "service": "cart", "secret": "TOKEN"})

test_reader_team_reads if ask({"user": "cy@example.com", "service": "cart", "secret": "TOKEN"})

test_others_need_an_approval if not ask({"user": "di@example.com", "service": "cart", "secret": "TOKEN"})

test_approved_by_a_lead_with_reason_and_duration if ask({
	"user": "di@example.com", "service": "cart", "secret": "TOKEN",
	"approval": {"approver": "ann@example.com", "reason": "quarterly audit", "hours": 24},
})

test_approval_needs_a_reason if not ask({
	"user": "di@example.com", "service": "cart", "secret": "TOKEN",
	"approval": {"approver": "ann@example.com", "reason": " ", "hours": 24},
})

test_approval_is_bounded if not ask({
	"user": "di@example.com", "service": "cart", "secret": "TOKEN",
	"approval": {"approver": "ann@example.com", "reason": "audit", "hours": 1000},
})

test_approval_comes_from_a_lead_of_the_owner if not ask({
	"user": "di@example.com", "service": "cart", "secret": "TOKEN",
	"approval": {"approver": "bo@example.com", "reason": "audit", "hours": 24},
})

test_unknown_secrets_are_never_readable if not ask({
	"user": "di@example.com", "service": "cart", "secret": "OTHER",
	"approval": {"approver": "ann@example.com", "reason": "audit", "hours": 24},
})
