package __PACKAGE__.secrets

import rego.v1

# Who may read a secret of a service in an environment.
#
# input:
#   user:        the email of the person (or the workload's identity) asking
#   service:     the service that owns the secret
#   environment: the environment whose secret it is
#   secret:      the secret's name (its environment variable)
#   approval:    optional; {approver, reason, hours, environment}
#
# A secret exists in an environment when the service declares it there, its own or through an
# override. The owning team's members read it; so do the members of the teams the secret names
# as readers in that environment (a reader granted in one environment's override reads it there
# only). Anyone else needs an approval from a lead of the owning team, for that environment, with
# a reason, for at most max_approval_hours.

default allow := false

max_approval_hours := 168

platform := data.__PACKAGE__.model

service := platform.services[input.service]

owner := platform.teams[service.team]

deployment := service.environments[input.environment]

secret := deployment.secrets[input.secret]

allow if automatic

allow if approved

automatic if {
	secret
	input.user in owner.members
}

automatic if {
	some team in secret.readers
	input.user in platform.teams[team].members
}

approved if {
	secret
	not automatic
	input.approval.environment == input.environment
	input.approval.approver in owner.leads
	input.approval.approver != input.user
	trim_space(input.approval.reason) != ""
	input.approval.hours > 0
	input.approval.hours <= max_approval_hours
}

reasons contains "the service is not declared" if not service

reasons contains "the service is not deployed to this environment" if {
	service
	not deployment
}

reasons contains "the service has no such secret in this environment" if {
	deployment
	not secret
}

reasons contains "an approval needs a lead of the owning team, the environment, a reason and a duration" if {
	secret
	not automatic
	not approved
}
