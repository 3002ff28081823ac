variable "datacenters" {
  type        = list(string)
  default     = ["dc1"]
  description = "where to run"
}

variable "image" {
  type    = string
  default = "redis:7"
}

variable "count" {
  type    = number
  default = 2
}

variable "meta" {
  type    = map(string)
  default = { team = "cache" }
}

locals {
  name  = "redis-${var.count}"
  ports = [6379, 16379]
  tags  = [local.name, var.meta.team, var.datacenters[0]]
}

job "cache" {
  datacenters = var.datacenters
  type        = "service"
  meta        = var.meta

  group "cache" {
    count = var.count

    network {
      port "db" {
        to = local.ports[0]
      }
    }

    task "redis" {
      driver = "docker"

      config {
        image = var.image
        ports = ["db"]
        args  = ["--port", "${local.ports[0]}", "--name", "${local.name}"]
      }

      env {
        NODE     = "${node.unique.name}"
        RACK     = "${meta.rack}"
        ALLOC    = "${NOMAD_ALLOC_ID}"
        LITERAL  = "$${not_interpolated}"
        PERCENT  = "%%{not_a_directive}"
        UNICODE  = "caf\u00e9 \U0001F600"
      }

      resources {
        cpu    = 500
        memory = 256
      }
    }
  }
}
