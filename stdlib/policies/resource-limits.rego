# Services in the configured tiers (staging and production by default) declare their memory limit
# rather than taking the default, so that quotas and scheduling rest on a decision. Environments
# that share the offending line are reported together.
package idpc.presets.resource_limits

import rego.v1

config := data.idpc.config.resource_limits

missing contains d if {
	some d in input.deployments
	not d.limits.memory_declared
	d.tier in config.tiers
}

violations contains {"service": d.service, "at": d.limits.at, "msg": msg} if {
	some d in missing
	envs := sort([sprintf("`%s`", [e.environment]) | some e in missing; e.service == d.service; e.limits.at == d.limits.at])
	msg := sprintf("`%s` declares no memory limit in %s", [d.service, concat(", ", envs)])
}
