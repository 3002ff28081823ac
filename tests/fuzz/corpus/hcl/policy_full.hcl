# every rule kind
namespace "default" {
  policy       = "write"
  capabilities = ["alloc-exec"]

  variables {
    path "nomad/jobs/*" {
      capabilities = ["read", "list"]
    }
  }
}

namespace "ops-*" {
  capabilities = ["list-jobs", "read-job", "submit-job", "dispatch-job", "read-logs"]
}

node {
  policy = "read"
}

agent {
  policy = "write"
}

operator {
  policy = "read"
}

quota {
  policy = "read"
}

host_volume "*" {
  policy = "read"
}

plugin {
  policy = "list"
}
