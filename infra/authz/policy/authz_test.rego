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
	no_subject := {"roles": ["clinician"], "service": "imaging", "action": "read"}
	not authz.allow with input as no_subject with data.medagi.acl as acl
}

test_empty_subject_is_denied if {
	empty_subject := object.union(req(["clinician"], "imaging", "read"), {"subject": ""})
	not authz.allow with input as empty_subject with data.medagi.acl as acl
}

test_a_subject_that_is_not_a_string_is_denied if {
	numeric_subject := object.union(req(["clinician"], "imaging", "read"), {"subject": 42})
	not authz.allow with input as numeric_subject with data.medagi.acl as acl
}

test_missing_roles_are_denied if {
	no_roles := {"subject": "user-1", "service": "imaging", "action": "read"}
	not authz.allow with input as no_roles with data.medagi.acl as acl
}

test_a_role_that_is_not_a_string_denies_the_request if {
	not authz.allow with input as req(["clinician", 7], "imaging", "read") with data.medagi.acl as acl
}

test_service_and_action_match_exactly if {
	not authz.allow with input as req(["clinician"], "Imaging", "read") with data.medagi.acl as acl
	not authz.allow with input as req(["clinician"], "imaging/", "read") with data.medagi.acl as acl
	not authz.allow with input as req(["clinician"], "ops/../imaging", "read") with data.medagi.acl as acl
	not authz.allow with input as req(["clinician"], "imaging", "READ") with data.medagi.acl as acl
}

test_a_wildcard_in_the_input_grants_nothing if {
	not authz.allow with input as req(["platform-admin"], "*", "read") with data.medagi.acl as acl
	not authz.allow with input as req(["platform-admin"], "imaging", "*") with data.medagi.acl as acl
}

test_wildcard_service_grants_only_the_named_actions if {
	table := object.union(acl, {"grants": {"operator": {"*": ["read"]}}})
	authz.allow with input as req(["operator"], "eval", "read") with data.medagi.acl as table
	not authz.allow with input as req(["operator"], "eval", "write") with data.medagi.acl as table
}

test_wildcard_action_covers_only_the_named_service if {
	table := object.union(acl, {"grants": {"operator": {"ops": ["*"]}}})
	authz.allow with input as req(["operator"], "ops", "admin") with data.medagi.acl as table
	not authz.allow with input as req(["operator"], "eval", "read") with data.medagi.acl as table
}

test_a_well_formed_input_has_no_reasons if {
	reasons := authz.reasons with input as req(["root"], "ops", "admin") with data.medagi.acl as acl
	count(reasons) == 0
}

test_every_bad_field_has_its_reason if {
	bad := {"roles": "clinician", "service": "billing", "action": "delete"}
	reasons := authz.reasons with input as bad with data.medagi.acl as acl
	reasons == {
		"input.subject: must be a non-empty string",
		"input.roles: must be an array of strings",
		`input.service: billing is not one of ["imaging", "ekg", "eval", "anchor", "modelcards", "ops"]`,
		`input.action: delete is not one of ["read", "write", "infer", "evaluate", "admin"]`,
	}
}

test_roles_must_be_an_array if {
	not authz.allow with input as req("clinician", "imaging", "read") with data.medagi.acl as acl
}

test_no_input_is_denied if {
	not authz.allow with data.medagi.acl as acl
}
