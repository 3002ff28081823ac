namespace "default" {
  policy = "read"
}
namespace "other" {
  policy       = "write"
  capabilities = ["alloc-node-exec", "host-volume-write"]
}
namespace "apps" {
  variables {
    path "project/*" {
      capabilities = ["read", "write"]
    }
    path "secret/*" {
      capabilities = ["deny"]
    }
  }
}
namespace "autoscaler" {
  policy = "scale"
}
host_volume "prod-*" {
  policy = "write"
}
node_pool "dev_*" {
  policy       = "read"
  capabilities = ["write"]
}
agent {
  policy = "read"
}
node {
  policy = "write"
}
operator {
  policy       = "read"
  capabilities = ["snapshot-save"]
}
sentinel {
  policy = "read"
}
quota {
  policy = "read"
}
plugin {
  policy = "list"
}
