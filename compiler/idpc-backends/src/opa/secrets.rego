package __PACKAGE__.secrets

import rego.v1

# Who may read a secret of a service.
#
# input:
#   user:     the email of the person (or the workload's identity) asking
#   service:  the service that owns the secret
#   secret:   the secret's name (its environment variable)
#   approval: optional; {approver, reason, hours}
#
# The owning team's members read its secrets; so do the members of teams the secret names as
# readers. Anyone else needs an approval from a lead of the owning team, with a reason, for at
# most max_approval_hours.

default allow := false

max_approval_hours := 168

platform := data.__PACKAGE__.model

service := platform.services[input.service]

owner := platform.teams[service.team]

secret := service.secrets[input.secret]

allow if automatic

allow if approved

automatic if input.user in owner.members

automatic if {
	some team in secret.readers
	input.user in platform.teams[team].members
}

approved if {
	secret
	not automatic
	input.approval.approver in owner.leads
	input.approval.approver != input.user
	trim_space(input.approval.reason) != ""
	input.approval.hours > 0
	input.approval.hours <= max_approval_hours
}

reasons contains "the service is not declared" if not service

reasons contains "the service has no such secret" if {
	service
	not secret
}

reasons contains "an approval needs a lead of the owning team, a reason and a duration" if {
	secret
	not automatic
	not approved
}
