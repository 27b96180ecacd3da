# Images in the configured tiers (every tier by default) come from the platform registry, where
# the platform scans and keeps them; an image from anywhere else needs a waiver. A platform that
# names no registry has nothing to hold images to. Environments that share the offending line are
# reported together.
package idpc.presets.image_registry

import rego.v1

config := data.idpc.config.image_registry

# Each deployment whose image is from elsewhere, by the line that names the image: small values,
# so that gathering the environments that share a line compares little.
outside contains {"service": d.service, "at": d.image.at, "ref": d.image.ref, "environment": d.environment} if {
	registry := input.platform.registry
	registry != null
	prefix := concat("", [registry, "/"])
	some d in input.deployments
	not startswith(d.image.ref, prefix)
	d.tier in config.tiers
}

# The same, as a list: a list is walked by position, a set by searching for each next value.
outside_in_order := [d | some d in outside]

violations contains {"service": d.service, "at": d.at, "msg": msg} if {
	some d in outside
	envs := sort([sprintf("`%s`", [e.environment]) | some e in outside_in_order; e.service == d.service; e.at == d.at])
	msg := sprintf("image `%s` of `%s` in %s is not from the platform registry `%s`", [d.ref, d.service, concat(", ", envs), input.platform.registry])
}
