# Who may use OPA's own REST API (opa run --authorization=basic).
#
# Services only ask for decisions, the kubelet probes /health and Prometheus
# scrapes /metrics. Everything else (PUT /v1/policies, PUT /v1/data, the query
# API) is refused, so nothing that reaches port 8181 can change the policy or the
# grants: those change only through the ConfigMap, that is through `pulumi up`.
package system.authz

default allow := false

# POST /v1/data/medagi/authz/<rule>: a decision.
allow if {
	input.method == "POST"
	count(input.path) >= 4
	array.slice(input.path, 0, 4) == ["v1", "data", "medagi", "authz"]
}

# GET /health (probes, optionally with ?plugins) and GET /metrics (Prometheus).
allow if {
	input.method == "GET"
	input.path in [["health"], ["metrics"]]
}
