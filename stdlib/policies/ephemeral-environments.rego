# Ephemeral environments are owned by a member of a team, and live no longer than the configured
# maximum (the platform's `max-ephemeral-ttl` unless configured).
package idpc.presets.ephemeral_environments

import rego.v1

config := data.idpc.config.ephemeral_environments

members contains person if {
	some team in input.teams
	some person in team.members
}

violations contains {"at": env.ephemeral.at_owner, "msg": msg, "help": help} if {
	some name, env in input.environments
	env.ephemeral != null
	not env.ephemeral.owner in members
	msg := sprintf("the owner `%s` of ephemeral environment `%s` is not a member of any team", [env.ephemeral.owner, name])
	help := "make the owner a member of a team, or give the environment an owner who is one"
}

violations contains {"at": env.ephemeral.at_ttl, "msg": msg, "help": help} if {
	some name, env in input.environments
	env.ephemeral != null
	env.ephemeral.ttl_seconds > config.max_ttl_seconds
	msg := sprintf("ephemeral environment `%s` lives %s, longer than the %s allowed", [name, env.ephemeral.ttl, config.max_ttl])
	help := sprintf("give it a ttl of at most %s", [config.max_ttl])
}
