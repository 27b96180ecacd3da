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

test_log_namespaces_are_those_of_the_teams_services if {
	namespaces := observability.log_namespaces with input as {"user": "ann@example.com"}
		with data.__PACKAGE__.model as {
			"teams": {"shop": {"members": ["ann@example.com"], "leads": []}, "ops": {"members": ["cy@example.com"], "leads": []}},
			"services": {
				"cart": {"team": "shop", "environments": {"dev": {"namespace": "shop-dev", "secrets": {}}}},
				"pager": {"team": "ops", "environments": {"dev": {"namespace": "ops-dev", "secrets": {}}}},
			},
		}
	namespaces == {"shop-dev"}
}
