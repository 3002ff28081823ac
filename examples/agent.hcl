# The walkthrough's single-node agent: server and client in one process,
# ACLs on. Start it with `steppe agent -config examples/agent.hcl`.
log_level  = "DEBUG"
datacenter = "dc1"
data_dir   = "/opt/steppe"
name       = "example.com"

acl {
  enabled = true
}

client {
  enabled = true
}

server {
  enabled          = true
  bootstrap_expect = 1
}
