# Every team names a chat channel, so that alerts and review summaries reach people.
package idpc.policies.team_channels

import rego.v1

violations contains {"at": team.at, "code": "TEAM-1", "msg": msg} if {
	some name, team in input.teams
	team.channel == null
	msg := sprintf("team `%s` has no channel", [name])
}
