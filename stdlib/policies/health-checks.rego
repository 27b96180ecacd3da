# Services that listen on a port have a health check in the configured tiers (staging and
# production by default): rollouts and load balancing depend on it. Environments that share the
# offending line are reported together.
package idpc.presets.health_checks

import rego.v1

config := data.idpc.config.health_checks

# Each deployment without one, by the line it lacks it at: small values, so that gathering the
# environments that share a line compares little.
missing contains {"service": d.service, "at": d.at, "environment": d.environment} if {
	some d in input.deployments
	not d.healthcheck
	d.tier in config.tiers
	count(input.services[d.service].ports) > 0
}

# The same, as a list: a list is walked by position, a set by searching for each next value.
missing_in_order := [d | some d in missing]

violations contains {"service": d.service, "at": d.at, "msg": msg} if {
	some d in missing
	envs := sort([sprintf("`%s`", [e.environment]) | some e in missing_in_order; e.service == d.service; e.at == d.at])
	msg := sprintf("`%s` has no health check in %s", [d.service, concat(", ", envs)])
}
