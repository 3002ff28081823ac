region     = "east"
datacenter = "dc2"
name       = "node-1"
data_dir   = "/var/lib/steppe"
bind_addr  = "0.0.0.0"
log_level  = "INFO"
log_json   = true
ports {
  http = 4646
  rpc  = 4647
  serf = 4648
}
advertise {
  http = "10.0.0.1"
  rpc  = "10.0.0.1"
}
acl {
  enabled   = true
  token_ttl = "30s"
}
server {
  enabled          = true
  bootstrap_expect = 3
  server_join {
    retry_join     = ["10.0.0.2", "10.0.0.3:4648"]
    retry_interval = "15s"
  }
  heartbeat_grace = "10s"
  raft_multiplier = 1
}
client {
  enabled   = true
  servers   = ["10.0.0.2:4647"]
  node_pool = "default"
  meta {
    rack = "r1"
  }
  options = { "driver.allowlist" = "raw_exec,exec" }
  host_volume "data" {
    path      = "/srv/data"
    read_only = false
  }
  reserved {
    cpu            = 100
    reserved_ports = "22,80-90"
  }
}
plugin "raw_exec" {
  config {
    enabled = true
  }
}
telemetry {
  prometheus_metrics = true
}
