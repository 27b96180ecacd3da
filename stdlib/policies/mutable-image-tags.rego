# Images in the configured tiers (production by default) are pinned: a digest, or a tag that
# reads as a version or a commit. `latest`, no tag, and branch names move under a running service.
package idpc.presets.mutable_image_tags

import rego.v1

config := data.idpc.config.mutable_image_tags

violations contains {"service": d.service, "at": d.image.at, "msg": msg} if {
	some d in input.deployments
	not d.image.pinned
	d.tier in config.tiers
	msg := sprintf("image `%s` of `%s` in `%s` has a mutable tag", [d.image.ref, d.service, d.environment])
}
