#!/usr/bin/env bash
# scripts/bench/parse.sh: job-file parse throughput.
#
# Generates a large Nomad job file (many groups, tasks, services, checks,
# templates with heredocs, constraints and env maps), then times
# `steppe job validate` (read + HCL parse + mapping to Job +
# canonicalisation + validation) and `steppe job run -output` (the same plus
# JSON encoding) over several runs, and prints MB/s for the median run.
#   scripts/bench/parse.sh [GROUPS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
groups=${1:-4000}
runs=${2:-5}
make -s build/steppe >/dev/null
bin=build/steppe
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
file=$work/big.hcl

{
	echo 'job "big" {'
	echo '  datacenters = ["dc1", "dc2"]'
	echo '  constraint {'
	echo '    attribute = "${attr.kernel.name}"'
	echo '    value     = "linux"'
	echo '  }'
	for ((g = 0; g < groups; g++)); do
		cat <<EOT
  group "g$g" {
    count = 3
    network {
      port "http" {}
      port "admin" { static = $((20000 + g % 10000)) }
    }
    restart {
      attempts = 2
      interval = "30m"
      delay    = "15s"
      mode     = "fail"
    }
    service {
      name     = "svc-$g"
      port     = "http"
      provider = "nomad"
      tags     = ["traefik.enable=true", "rule=PathPrefix(\`/g$g\`)"]
      check {
        type     = "http"
        path     = "/health"
        interval = "10s"
        timeout  = "2s"
      }
    }
    task "t$g" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "exec sleep 3600 # \${NOMAD_PORT_http}"]
      }
      env {
        GROUP = "g$g"
        PORT  = "\${NOMAD_PORT_http}"
      }
      template {
        destination = "local/app.conf"
        data        = <<-EOH
          listen = "{{ env "NOMAD_IP_http" }}:{{ env "NOMAD_PORT_http" }}"
          group  = "g$g"
        EOH
      }
      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
EOT
	done
	echo '}'
} >"$file"

bytes=$(stat -c %s "$file")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1048576 }')
echo "job file: $groups groups, $mb MB"

measure() { # label cmd...
	local label=$1; shift
	local times=()
	for ((r = 0; r < runs; r++)); do
		local t0 t1
		t0=$(date +%s%N)
		"$@" >/dev/null
		t1=$(date +%s%N)
		times+=($(( (t1 - t0) / 1000 )))
	done
	local med
	med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	awk -v label="$label" -v us="$med" -v b="$bytes" 'BEGIN {
		printf "%-28s median %8.1f ms   %7.1f MB/s\n", label, us / 1000, (b / 1048576) / (us / 1e6) }'
}

measure "job validate" "$bin" job validate "$file"
measure "job run -output (+JSON)" "$bin" job run -output "$file"
