# Services that listen on a port have a health check in the configured tiers (staging and
# production by default): rollouts and load balancing depend on it. Environments that share the
# offending line are reported together.
package idpc.presets.health_checks

import rego.v1

config := data.idpc.config.health_checks

missing contains d if {
	some d in input.deployments
	not d.healthcheck
	d.tier in config.tiers
	count(input.services[d.service].ports) > 0
}

violations contains {"service": d.service, "at": d.at, "msg": msg} if {
	some d in missing
	envs := sort([sprintf("`%s`", [e.environment]) | some e in missing; e.service == d.service; e.at == d.at])
	msg := sprintf("`%s` has no health check in %s", [d.service, concat(", ", envs)])
}
