datacenter = "dc1"
data_dir   = "/var/lib/steppe"
bind_addr  = "0.0.0.0"

ports {
  http = 4646
  rpc  = 4647
}

server {
  enabled          = true
  bootstrap_expect = 3

  server_join {
    retry_join     = ["10.0.0.1", "10.0.0.2:4647", "10.0.0.3"]
    retry_max      = 3
    retry_interval = "15s"
  }
}

client {
  enabled    = true
  node_class = "compute"
  servers    = ["10.0.0.1:4647"]

  meta {
    rack = "r1"
  }

  host_volume "data" {
    path      = "/srv/data"
    read_only = false
  }
}

plugin "raw_exec" {
  config {
    enabled = true
  }
}

acl {
  enabled    = true
  token_ttl  = "30s"
  policy_ttl = "60s"
}
