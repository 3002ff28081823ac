# The walkthrough's load balancer. Traefik listens on the static port 6543,
# discovers the "hello" and "blueprint" services through the Nomad-native
# provider, and authenticates to the API with its workload identity (no
# token in the job file). Its dashboard password comes from the variable
# nomad/jobs/traefik/traefik/server.
job "traefik" {
  datacenters = ["dc1"]
  type        = "service"

  group "traefik" {
    count = 1

    network {
      port "http" {
        static = 6543
      }
    }

    service {
      name     = "traefik-http"
      provider = "nomad"
      port     = "http"

      check {
        name     = "alive"
        type     = "tcp"
        port     = "http"
        interval = "10s"
        timeout  = "2s"
      }
    }

    task "server" {
      driver = "docker"

      identity {
        env  = true
        file = true
      }

      template {
        destination = "local/dynamic_conf.toml"
        data        = <<EOH
[http.routers.dashboard]
  rule = "Host(`{{ env "NOMAD_IP_http" }}`) && (PathPrefix(`/api`) || PathPrefix(`/dashboard`))"
  service = "api@internal"
  middlewares = ["auth"]
[http.middlewares.auth.basicAuth]
  users = [
    {{- with nomadVar "nomad/jobs/traefik/traefik/server" }}
    "{{ .BASIC_AUTH }}",
    {{- end }}
  ]
EOH
      }

      template {
        destination = "local/traefik.toml"
        data        = <<EOH
[entryPoints.web]
  address = ":{{ env "NOMAD_PORT_http" }}"
[log]
  level = "DEBUG"
[api]
  dashboard = true
[providers.file]
  filename = "/etc/traefik/dynamic_conf.toml"
[providers.nomad]
  namespaces = ["dev", "default"]
  [providers.nomad.endpoint]
    address = "http://{{ env "NOMAD_IP_http" }}:4646"
EOH
      }

      config {
        image = "traefik:v3.0"
        ports = ["http"]
        volumes = [
          "local/dynamic_conf.toml:/etc/traefik/dynamic_conf.toml",
          "local/traefik.toml:/etc/traefik/traefik.toml",
        ]
      }

      resources {
        cpu    = 200
        memory = 128
      }
    }
  }
}
