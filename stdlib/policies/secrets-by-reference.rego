# Secrets come only from the configured secrets managers (all of them by default), and a variable
# whose name says it holds a credential is declared as a secret, even with a placeholder value.
package idpc.presets.secrets_by_reference

import rego.v1

config := data.idpc.config.secrets_by_reference

violations contains {"service": d.service, "at": secret.at, "msg": msg} if {
	some d in input.deployments
	some secret in d.secrets
	not secret.provider in config.providers
	msg := sprintf("secret `%s` of `%s` is stored in `%s`, which the platform does not use", [secret.name, d.service, secret.provider])
}

violations contains {"service": d.service, "at": variable.at, "msg": msg} if {
	some d in input.deployments
	some variable in d.env
	credential(variable.name)
	msg := sprintf("variable `%s` of `%s` is named like a credential but is not a secret", [variable.name, d.service])
}

credential(name) if {
	upper_name := upper(name)
	some word in ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL"]
	contains(upper_name, word)
}
