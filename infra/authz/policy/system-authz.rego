# Who may use OPA's own REST API (opa run --authorization=basic).
#
# Services only ask for a decision (allow) or why an input cannot be decided on
# (reasons), the kubelet probes /health and Prometheus scrapes /metrics.
# Everything else is refused: PUT /v1/policies, PUT /v1/data, the query and
# compile APIs, reading the package or the grant table
# (POST /v1/data/medagi/authz, …/authz/acl), and query parameters on a
# decision (?explain=full would hand out the evaluation trace, ?instrument and
# ?metrics cost CPU on every request). So nothing that reaches port 8181 can
# change the policy or the grants: those change only through the ConfigMap,
# that is through `pulumi up`.
#
# input.path is the request path split at "/" with each part unescaped, and
# input.method is upper-cased by OPA: a lower-case "post" reaches OPA's router,
# which answers 405.
package system.authz

# The rules of package medagi.authz a service may ask for.
decision_rules := {"allow", "reasons"}

# METADATA
# description: Whether OPA's REST API serves this request (--authorization=basic).
# entrypoint: true
# scope: document
default allow := false

# POST /v1/data/medagi/authz/allow or …/reasons, without query parameters.
allow if {
	input.method == "POST"
	count(input.params) == 0
	some rule in decision_rules
	input.path == ["v1", "data", "medagi", "authz", rule]
}

# GET /health (the readiness probe adds ?plugins) and GET /metrics (Prometheus).
allow if {
	input.method == "GET"
	input.path == ["health"]
	every param, _ in input.params {
		param == "plugins"
	}
}

allow if {
	input.method == "GET"
	input.path == ["metrics"]
	count(input.params) == 0
}
