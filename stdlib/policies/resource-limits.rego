# Services in the configured tiers (staging and production by default) declare their memory limit
# rather than taking the default, so that quotas and scheduling rest on a decision. Environments
# that share the offending line are reported together.
package idpc.presets.resource_limits

import rego.v1

config := data.idpc.config.resource_limits

# Each deployment without one, by the line it lacks it at: small values, so that gathering the
# environments that share a line compares little.
missing contains {"service": d.service, "at": d.limits.at, "environment": d.environment} if {
	some d in input.deployments
	not d.limits.memory_declared
	d.tier in config.tiers
}

# The same, as a list: a list is walked by position, a set by searching for each next value.
missing_in_order := [d | some d in missing]

violations contains {"service": d.service, "at": d.at, "msg": msg} if {
	some d in missing
	envs := sort([sprintf("`%s`", [e.environment]) | some e in missing_in_order; e.service == d.service; e.at == d.at])
	msg := sprintf("`%s` declares no memory limit in %s", [d.service, concat(", ", envs)])
}
