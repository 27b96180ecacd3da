package __PACKAGE__.deploy

import rego.v1

# Admission of a deployment.
#
# input:
#   environment: the environment deployed to
#   service:     the service deployed
#   object:      the workload (a Rollout or a Deployment)
#   author:      who made the change
#   approvals:   who approved it (emails)
#
# The platform's presets that can be read off a workload apply here as the compiler applies them,
# with the platform's settings and the service's waivers, each in the tiers the platform
# configures: `image-registry` (images come from the platform registry), `mutable-image-tags`
# (pinned images: a version tag or a digest), `resource-limits` (every container sets a memory
# limit) and `health-checks` (a container with ports has a readiness probe). A preset the
# platform only warns about puts its findings in `warn` instead of `deny`. A waiver ends on its
# expiry date here too, by this OPA's clock. Environments that require approval get enough
# approvals from the owning team, not counting the author.

platform := data.__PACKAGE__.model

environment := platform.environments[input.environment]

containers := input.object.spec.template.spec.containers

default allow := false

allow if count(deny) == 0

deny contains msg if {
	not environment
	msg := sprintf("environment %q is not declared", [input.environment])
}

deny contains msg if {
	not platform.services[input.service]
	msg := sprintf("service %q is not declared", [input.service])
}

deny contains msg if {
	some finding in findings
	applies(finding.policy)
	platform.policies[finding.policy].severity != "warning"
	msg := finding.msg
}

# Findings of presets the platform configures as warnings: reported, not refused.
warn contains msg if {
	some finding in findings
	applies(finding.policy)
	platform.policies[finding.policy].severity == "warning"
	msg := finding.msg
}

deny contains msg if {
	environment.approval.required
	count(approvals) < environment.approval.approvers
	msg := sprintf("%d approval(s) from the owning team are needed, %d given", [environment.approval.approvers, count(approvals)])
}

approvals contains person if {
	some person in input.approvals
	person != input.author
	person in platform.teams[platform.services[input.service].team].members
}

# What the presets find in the workload, whether or not they apply to it.
findings contains {"policy": "image-registry", "msg": msg} if {
	platform.registry != ""
	some container in containers
	not startswith(container.image, concat("", [platform.registry, "/"]))
	msg := sprintf("container %q: image %q is not from the platform registry %q", [container.name, container.image, platform.registry])
}

findings contains {"policy": "mutable-image-tags", "msg": msg} if {
	some container in containers
	not pinned(container.image)
	msg := sprintf("container %q: image %q has a mutable tag; %s pins a version or a digest", [container.name, container.image, input.environment])
}

findings contains {"policy": "resource-limits", "msg": msg} if {
	some container in containers
	not container.resources.limits.memory
	msg := sprintf("container %q sets no memory limit", [container.name])
}

findings contains {"policy": "health-checks", "msg": msg} if {
	some container in containers
	count(object.get(container, "ports", [])) > 0
	not container.readinessProbe
	msg := sprintf("container %q has ports and no readiness probe", [container.name])
}

# A preset holds for this deployment: it is on, covers the environment's tier, and the service
# has no waiver of it in force.
applies(policy) if {
	settings := platform.policies[policy]
	settings.enabled
	environment.tier in settings.tiers
	not waived(policy)
}

waived(policy) if {
	expires := platform.services[input.service].waivers[policy]
	time.now_ns() < time.parse_ns("2006-01-02", expires)
}

pinned(image) if contains(image, "@sha256:")

pinned(image) if regex.match(`^v?[0-9]+([.+-].*)?$`, tag(image))

pinned(image) if regex.match(`^[0-9a-f]{7,40}$`, tag(image))

# The tag of an image reference: what follows the last `:` after the last `/`.
tag(image) := t if {
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	contains(last, ":")
	pieces := split(last, ":")
	t := pieces[count(pieces) - 1]
}
