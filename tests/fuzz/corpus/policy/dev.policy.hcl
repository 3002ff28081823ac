# A developer locked into the "dev" namespace: read everything there, submit
# and dispatch jobs, read their logs. Nothing in other namespaces.
namespace "dev" {
  policy       = "read"
  capabilities = ["submit-job", "dispatch-job", "read-logs"]
}
