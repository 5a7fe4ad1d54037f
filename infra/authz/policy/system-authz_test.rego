# Unit tests of system-authz.rego and system-log.rego for `opa test` (not
# shipped in the ConfigMap). input.path and input.method are what OPA's
# --authorization=basic hands the policy: the path split at "/" with each part
# unescaped, the method upper-cased; input.params the query parameters.
package system.authz_test

import data.system.authz
import data.system.log

request(method, path, params) := {"method": method, "path": split(trim_prefix(path, "/"), "/"), "params": params}

test_a_decision_is_allowed if {
	authz.allow with input as request("POST", "/v1/data/medagi/authz/allow", {})
}

test_the_reasons_are_allowed if {
	authz.allow with input as request("POST", "/v1/data/medagi/authz/reasons", {})
}

test_a_decision_is_post_only if {
	not authz.allow with input as request("GET", "/v1/data/medagi/authz/allow", {})
	not authz.allow with input as request("PUT", "/v1/data/medagi/authz/allow", {})
}

test_a_decision_takes_no_query_parameters if {
	not authz.allow with input as request("POST", "/v1/data/medagi/authz/allow", {"explain": ["full"]})
	not authz.allow with input as request("POST", "/v1/data/medagi/authz/allow", {"instrument": ["true"]})
}

test_the_package_and_the_grant_table_are_not_readable if {
	not authz.allow with input as request("POST", "/v1/data/medagi/authz", {})
	not authz.allow with input as request("POST", "/v1/data/medagi/authz/acl", {})
	not authz.allow with input as request("POST", "/v1/data/medagi/acl", {})
	not authz.allow with input as request("POST", "/v1/data", {})
}

test_paths_that_climb_out_are_refused if {
	not authz.allow with input as request("POST", "/v1/data/medagi/authz/../acl", {})
	not authz.allow with input as request("POST", "/v1/data/medagi/authz/allow/", {})
	not authz.allow with input as request("POST", "//v1/data/medagi/authz/allow", {})
}

test_policies_and_data_cannot_be_changed if {
	not authz.allow with input as request("PUT", "/v1/policies/backdoor", {})
	not authz.allow with input as request("PUT", "/v1/data/medagi/acl", {})
	not authz.allow with input as request("PATCH", "/v1/data/medagi/acl", {})
	not authz.allow with input as request("DELETE", "/v1/data/medagi/acl", {})
}

test_the_query_and_compile_apis_are_refused if {
	not authz.allow with input as request("POST", "/v1/query", {})
	not authz.allow with input as request("POST", "/v1/compile", {})
	not authz.allow with input as request("GET", "/v1/config", {})
}

test_health_and_metrics_are_readable if {
	authz.allow with input as request("GET", "/health", {})
	authz.allow with input as request("GET", "/health", {"plugins": [""]})
	authz.allow with input as request("GET", "/metrics", {})
}

test_health_takes_only_the_plugins_parameter if {
	not authz.allow with input as request("GET", "/health", {"bundles": [""]})
	not authz.allow with input as request("GET", "/metrics", {"name[]": ["x"]})
	not authz.allow with input as request("POST", "/health", {})
}

test_no_input_is_refused if {
	not authz.allow
}

test_tokens_and_headers_are_erased_from_the_decision_log if {
	log.mask == {"/input/token", "/input/authorization", "/input/headers"}
}
