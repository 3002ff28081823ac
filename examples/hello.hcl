# The walkthrough's web server: three instances, each on a dynamic port,
# registered in steppe's built-in (Nomad-native) service discovery so the
# load balancer can find them. It runs a tiny HTTP server with raw_exec, so
# it needs no container engine; it answers with its address and port.
job "hello" {
  datacenters = ["dc1"]

  update {
    stagger      = "30s"
    max_parallel = 1
  }

  group "hello" {
    count = 3

    network {
      port "http" {}
    }

    service {
      name     = "hello"
      port     = "http"
      provider = "nomad"
      tags = [
        "traefik.enable=true",
        "traefik.http.routers.hello.rule=PathPrefix(`/hello`)",
      ]

      check {
        name     = "hello_alive"
        type     = "http"
        path     = "/"
        interval = "10s"
        timeout  = "1s"
      }
    }

    task "server" {
      driver = "raw_exec"

      config {
        command = "/usr/bin/python3"
        args    = ["local/server.py"]
      }

      template {
        destination = "local/server.py"
        data        = <<-EOF
          import http.server, os
          ip, port = os.environ["NOMAD_IP_http"], int(os.environ["NOMAD_PORT_http"])
          class Hello(http.server.BaseHTTPRequestHandler):
              def do_GET(self):
                  body = f"Hello from {ip} running on port {port}\n".encode()
                  self.send_response(200)
                  self.send_header("Content-Length", str(len(body)))
                  self.end_headers()
                  self.wfile.write(body)
          http.server.HTTPServer((ip, port), Hello).serve_forever()
        EOF
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
