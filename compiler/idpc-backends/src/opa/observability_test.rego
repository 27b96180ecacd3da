package __PACKAGE__.observability_test

import rego.v1

import data.__PACKAGE__.observability

platform := {
	"teams": {"shop": {"members": ["ann@example.com"], "leads": []}, "ops": {"members": ["cy@example.com"], "leads": []}},
	"services": {"cart": {"team": "shop", "environments": {}}, "pager": {"team": "ops", "environments": {}}},
}

test_members_see_their_services if {
	observability.allow with input as {"user": "ann@example.com", "service": "cart"}
		with data.__PACKAGE__.model as platform
}

test_others_do_not if {
	not observability.allow with input as {"user": "cy@example.com", "service": "cart"}
		with data.__PACKAGE__.model as platform
}

test_members_see_their_folder if {
	observability.allow with input as {"user": "cy@example.com", "team": "ops"}
		with data.__PACKAGE__.model as platform
}

test_visible_lists_what_a_team_owns if {
	visible := observability.visible with input as {"user": "ann@example.com"}
		with data.__PACKAGE__.model as platform
	visible == {"cart"}
}
