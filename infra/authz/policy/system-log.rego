# Decision-log masking (OPA evaluates data.system.log.mask before it logs a decision).
#
# Decision logs go to the SIEM. The input contract carries no token and no PHI;
# if a caller sends a raw token or header anyway, it is erased before logging.
package system.log

# METADATA
# description: The input paths erased from every decision log entry.
# entrypoint: true
# scope: document
mask contains "/input/token"

mask contains "/input/authorization"

mask contains "/input/headers"
