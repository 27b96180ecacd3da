# Brackets nested this deep take the engine's parser longer than 20 s: the file is refused at the
# first bracket past the limit, before the engine sees it.
package idpc.policies.bomb

import rego.v1

violations contains {"msg": "deep"} if {
	x := [[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]
#                ^ P0101
	count(x) > 1
}
