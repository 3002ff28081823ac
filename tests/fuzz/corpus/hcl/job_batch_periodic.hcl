job "report" {
  datacenters = ["dc1"]
  type        = "batch"
  priority    = 70

  periodic {
    crons            = ["0 3 * * *", "30 12 * * 1-5"]
    prohibit_overlap = true
    time_zone        = "Europe/Paris"
  }

  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }

  constraint {
    operator  = "distinct_hosts"
    value     = "true"
  }

  group "report" {
    restart {
      attempts = 2
      interval = "30m"
      delay    = "15s"
      mode     = "fail"
    }

    task "run" {
      driver = "raw_exec"

      config {
        command = "/bin/sh"
        args    = ["-c", "date; echo ${NOMAD_ALLOC_DIR}/out; sleep 1"]
      }

      template {
        destination = "local/run.sh"
        perms       = "755"
        data        = <<-EOT
          #!/bin/sh
          # upstreams from the catalog
          {{ range nomadService "db" }}
          echo "{{ .Address }}:{{ .Port }}"
          {{ end }}
          echo "$${HOME}" `date` '${NOMAD_TASK_NAME}'
        EOT
      }

      logs {
        max_files     = 3
        max_file_size = 10
      }
    }
  }
}
