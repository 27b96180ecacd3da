# A service that declares itself critical has an SLO, so that its reliability is measured and
# alerted on, and a runbook, so that the person paged knows what to do.
package idpc.presets.critical_services

import rego.v1

config := data.idpc.config.critical_services

violations contains {"service": name, "at": service.at_criticality, "msg": msg} if {
	some name, service in input.services
	service.criticality == "critical"
	count(service.slos) == 0
	msg := sprintf("critical service `%s` has no SLO", [name])
}

violations contains {"service": name, "at": service.at_criticality, "msg": msg} if {
	some name, service in input.services
	service.criticality == "critical"
	service.runbook == null
	msg := sprintf("critical service `%s` has no runbook", [name])
}
