# What the load balancer's workload identity may do: list jobs and read
# services in every namespace. Attach it to the traefik task with
#   steppe acl policy apply -namespace default -job traefik -group traefik \
#     -task server traefik-policy examples/policies/traefik.policy.hcl
namespace "*" {
  capabilities = ["list-jobs", "read-job"]
}
