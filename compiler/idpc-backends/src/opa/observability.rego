package __PACKAGE__.observability

import rego.v1

# Who may see a service's dashboards, alerts and logs: the members of the team that owns it.
#
# input:
#   user:    the email of the person asking
#   service: a service (its dashboard, alerts, logs), or
#   team:    a team (its dashboard folder)

platform := data.__PACKAGE__.model

default allow := false

allow if {
	team := platform.services[input.service].team
	input.user in platform.teams[team].members
}

allow if input.user in platform.teams[input.team].members

# Every service whose dashboards the user may see.
visible contains name if {
	some name, service in platform.services
	input.user in platform.teams[service.team].members
}

# Every namespace whose logs the user may read: those of the services they may see.
log_namespaces contains deployment.namespace if {
	some service in platform.services
	input.user in platform.teams[service.team].members
	some deployment in service.environments
}
