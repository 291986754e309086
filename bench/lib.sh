# Shared by bench/replay.sh and bench/offline-slave.sh (sourced, not run).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# two_node_cluster NAME WORK: writes WORK/cluster.yaml (a master and slave1 on loopback, free
# ports, docroots WORK/master and WORK/slave, state dirs in WORK) and its certificates.
two_node_cluster() {
  local name=$1 dir=$2 mport sport
  mport=$(free_port) sport=$(free_port)
  mkdir -p "$dir/master" "$dir/slave"
  cat > "$dir/cluster.yaml" <<YAML
cluster: $name
docroot: $dir/master
nodes:
  - name: master
    role: master
    host: 127.0.0.1
    port: $mport
    state_dir: $dir/state-master
  - name: slave1
    role: slave
    host: 127.0.0.1
    port: $sport
    docroot: $dir/slave
    state_dir: $dir/state-slave1
YAML
  "$launcher" certs --config "$dir/cluster.yaml" >/dev/null
}
