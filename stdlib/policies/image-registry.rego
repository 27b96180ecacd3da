# Images in the configured tiers (every tier by default) come from the platform registry, where
# the platform scans and keeps them; an image from anywhere else needs a waiver. A platform that
# names no registry has nothing to hold images to. Environments that share the offending line are
# reported together.
package idpc.presets.image_registry

import rego.v1

config := data.idpc.config.image_registry

outside contains d if {
	registry := input.platform.registry
	registry != null
	prefix := concat("", [registry, "/"])
	some d in input.deployments
	not startswith(d.image.ref, prefix)
	d.tier in config.tiers
}

violations contains {"service": d.service, "at": d.image.at, "msg": msg} if {
	some d in outside
	envs := sort([sprintf("`%s`", [e.environment]) | some e in outside; e.service == d.service; e.image.at == d.image.at])
	msg := sprintf("image `%s` of `%s` in %s is not from the platform registry `%s`", [d.image.ref, d.service, concat(", ", envs), input.platform.registry])
}
