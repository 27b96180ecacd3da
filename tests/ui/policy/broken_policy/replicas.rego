# A policy with a syntax error: the engine refuses it, and the diagnostic points at the line.
package idpc.policies.replicas

import rego.v1

violations contains {"msg": msg} if {
	some d in input.deployments
	d.replicas >
	msg := "too few replicas"
#       ^^^^^^^^^^^^^^^^^^ P0101
}
