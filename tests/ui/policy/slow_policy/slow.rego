# A policy that would run for hours: the engine stops it after a few seconds, and the diagnostic
# points at its `violations` rule.
package idpc.policies.slow

import rego.v1

  violations contains {"msg": "slow"} if {
# ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ P0101
	r := numbers.range(1, 1000)
	some i in r
	some j in r
	some k in r
	i + j + k < 0
}
