# Unit tests of authz.rego for `opa test` (not shipped in the ConfigMap):
#   opa test -v infra/authz/policy
# or, with the pinned image:
#   docker run --rm -v "$PWD/infra/authz/policy:/p:ro" openpolicyagent/opa:1.21.1-static test -v /p
# The grant table here is a fixture; the deployed one is generated from config.
package medagi.authz_test

import data.medagi.authz

acl := {
	"services": ["imaging", "ekg", "eval", "anchor", "modelcards", "ops"],
	"roles": ["clinician", "ml-engineer", "auditor", "operator", "platform-admin"],
	"actions": ["read", "write", "infer", "evaluate", "admin"],
	"grants": {
		"clinician": {"imaging": ["read", "infer"], "modelcards": ["read"]},
		"auditor": {"imaging": ["read"], "ops": ["read"]},
		"platform-admin": {"*": ["*"]},
	},
}

req(roles, service, action) := {"subject": "user-1", "roles": roles, "service": service, "action": action}

test_granted_action_is_allowed if {
	authz.allow with input as req(["clinician"], "imaging", "infer") with data.medagi.acl as acl
}

test_action_not_granted_is_denied if {
	not authz.allow with input as req(["clinician"], "imaging", "write") with data.medagi.acl as acl
}

test_service_not_granted_is_denied if {
	not authz.allow with input as req(["clinician"], "ops", "read") with data.medagi.acl as acl
}

test_any_role_of_the_caller_can_grant if {
	authz.allow with input as req(["auditor", "clinician"], "imaging", "infer") with data.medagi.acl as acl
}

test_no_roles_is_denied if {
	not authz.allow with input as req([], "imaging", "read") with data.medagi.acl as acl
}

test_unknown_role_is_denied if {
	not authz.allow with input as req(["root"], "imaging", "read") with data.medagi.acl as acl
}

test_wildcard_grant_covers_every_known_service_and_action if {
	every service in acl.services {
		every action in acl.actions {
			authz.allow with input as req(["platform-admin"], service, action) with data.medagi.acl as acl
		}
	}
}

test_wildcard_grant_does_not_cover_an_unknown_service if {
	not authz.allow with input as req(["platform-admin"], "billing", "read") with data.medagi.acl as acl
}

test_unknown_action_is_denied_with_a_reason if {
	not authz.allow with input as req(["platform-admin"], "imaging", "delete") with data.medagi.acl as acl
	reasons := authz.reasons with input as req(["platform-admin"], "imaging", "delete") with data.medagi.acl as acl
	count(reasons) == 1
	some reason in reasons
	startswith(reason, "input.action: ")
}

test_missing_subject_is_denied if {
	not authz.allow with input as {"roles": ["clinician"], "service": "imaging", "action": "read"} with data.medagi.acl as acl
}

test_roles_must_be_an_array if {
	not authz.allow with input as req("clinician", "imaging", "read") with data.medagi.acl as acl
}

test_no_input_is_denied if {
	not authz.allow with data.medagi.acl as acl
}
