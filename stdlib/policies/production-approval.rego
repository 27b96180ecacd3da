# Changes to production environments need an approval.
package idpc.presets.production_approval

import rego.v1

config := data.idpc.config.production_approval

violations contains {"at": env.at, "msg": msg} if {
	some name, env in input.environments
	env.tier == "production"
	not env.approval.required
	msg := sprintf("production environment `%s` does not require approval", [name])
}
