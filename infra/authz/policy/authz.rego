# Med-AGI service authorisation.
#
# A service asks, for every request it serves:
#   POST http://opa.med-agi.svc:8181/v1/data/medagi/authz/allow
#   {"input": {"subject": "<sub claim>", "roles": ["<role>", ...],
#              "service": "<its own name>", "action": "<read|write|infer|evaluate|admin>"}}
# and gets {"result": true} or {"result": false}. The roles come from the verified
# OIDC token (the service checks signature, issuer, audience and expiry first).
#
# The policy is generic: which role may do what on which service is the data
# document data.medagi.acl (data.json, built from the stack config
# med-agi:authz.grants by infra/authz). Nothing here names a role or a service.
package medagi.authz

acl := data.medagi.acl

# METADATA
# description: The decision every service asks for (POST /v1/data/medagi/authz/allow).
# entrypoint: true
# scope: document
default allow := false

# Allowed when the input is well formed and one of the caller's roles grants the
# action on this service, by name or through a wildcard grant (dev only).
allow if {
	valid_input
	some role in input.roles
	some action in granted_actions(role)
	action in {input.action, "*"}
}

# The actions a role holds on the requested service: its grants for that service
# and its grants for every service ("*").
granted_actions(role) := array.concat(on_service, on_every_service) if {
	role_grants := object.get(acl.grants, role, {})
	on_service := object.get(role_grants, input.service, [])
	on_every_service := object.get(role_grants, "*", [])
}

valid_input if {
	count(reasons) == 0
}

# METADATA
# description: |
#   Why the input cannot be decided on (empty when it can). Not part of the
#   decision services ask for; readable at /v1/data/medagi/authz/reasons.
# entrypoint: true
# scope: document
reasons contains "input.subject: must be a non-empty string" if {
	not non_empty_string(field("subject"))
}

reasons contains "input.roles: must be an array of strings" if {
	not string_array(field("roles"))
}

reasons contains sprintf("input.service: %v is not one of %v", [field("service"), acl.services]) if {
	not field("service") in acl.services
}

reasons contains sprintf("input.action: %v is not one of %v", [field("action"), acl.actions]) if {
	not field("action") in acl.actions
}

# An input field, or null when it is absent (so a reason can name it).
field(name) := object.get(input, name, null)

non_empty_string(x) if {
	is_string(x)
	x != ""
}

string_array(x) if {
	is_array(x)
	every item in x {
		is_string(item)
	}
}
