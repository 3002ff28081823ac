# The walkthrough's JVM application, run on the host's JVM without a
# container. It lives in the developers' "dev" namespace; the jar is
# downloaded by the artifact block and told its port through jvm_options.
job "blueprint" {
  datacenters = ["dc1"]
  namespace   = "dev"

  update {
    stagger      = "30s"
    max_parallel = 1
  }

  group "blueprint" {
    count = 1

    network {
      port "web" {}
    }

    service {
      name     = "blueprint"
      port     = "web"
      provider = "nomad"
      tags = [
        "traefik.enable=true",
        "traefik.http.routers.blueprint.rule=PathPrefix(`/blueprint`)",
      ]

      check {
        name     = "blueprint_ready"
        type     = "http"
        path     = "/actuator/health/readiness"
        interval = "10s"
        timeout  = "1s"
      }
    }

    task "server" {
      driver = "java"

      artifact {
        source      = "https://github.com/ralfhecktor/architecture-blueprint/releases/download/v1.0.0/architecture-blueprint-infrastructure-0.0.2-20230612.195936-1.jar"
        destination = "local/app.jar"
        mode        = "file"
      }

      config {
        jar_path    = "local/app.jar"
        jvm_options = ["-Xmx512m", "-Xms128m", "-Dserver.port=${NOMAD_PORT_web}"]
      }

      resources {
        cpu    = 500
        memory = 512
      }
    }
  }
}
