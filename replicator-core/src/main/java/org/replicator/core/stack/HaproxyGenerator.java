package org.replicator.core.stack;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ConfigException;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.config.StackConfig;
import org.replicator.core.config.StackConfig.LoadBalancerConfig;

/**
 * The load balancer's {@code haproxy/haproxy.cfg}: admin, login, cron, XML-RPC, REST writes and
 * logged-in visitors to the master; everything else over every web node; a health check on each
 * node's replicator health URL plus its agent-check; a MySQL listener over the Galera nodes.
 */
final class HaproxyGenerator {
  static final String PATH = "haproxy/haproxy.cfg";
  static final String AGENT_INTER = "2s";

  private HaproxyGenerator() {}

  static List<GeneratedFile> generate(ClusterConfig c) throws ConfigException {
    LoadBalancerConfig lb = c.stack().loadBalancer()
        .orElseThrow(() -> StackModel.missing(c, "load_balancer", "generate haproxy", "load_balancer: {name: lb1, host: 10.0.0.10}"));
    StackConfig.SiteConfig site = StackModel.site(c, "generate haproxy");
    List<String> web = new ArrayList<>();
    for (NodeConfig n : c.nodes()) {
      web.add(server(c, n));
    }
    String dir = c.stack().nodeDir(lb.name()) + "/haproxy";
    String mysql = "";
    if (c.stack().database().isPresent()) {
      StackConfig.DatabaseConfig db = c.stack().database().get();
      List<String> servers = new ArrayList<>();
      for (int i = 0; i < db.nodes().size(); i++) {
        StackConfig.DatabaseNode n = db.nodes().get(i);
        servers.add("server " + n.name() + " " + n.address() + " check port " + n.checkPort() + (i == 0 ? "" : " backup"));
      }
      mysql = StackTemplate.render("haproxy-mysql.cfg", Map.of(
          "mysql_bind", lb.mysql().orElseThrow().address(),
          "db_servers", String.join("\n", servers)));
    }
    String text = StackTemplate.render("haproxy.cfg", Map.ofEntries(
        Map.entry("name", lb.name()),
        Map.entry("cluster", c.cluster()),
        Map.entry("source", StackModel.source(c)),
        Map.entry("conf_file", dir + "/haproxy.cfg"),
        Map.entry("local_dir", dir + "/local.d"),
        Map.entry("admin_socket", lb.adminSocket()),
        Map.entry("http", lb.http().address()),
        Map.entry("https", lb.https().map(h -> "bind " + h.address() + " ssl crt " + lb.tlsCertificate().orElseThrow() + " alpn h2,http/1.1\n"
            + "# Visitors come back over TLS; WordPress learns the scheme from X-Forwarded-Proto (Nginx passes it as HTTPS).\n"
            + "http-request redirect scheme https code 301 if !{ ssl_fc }\n"
            + "http-request set-header X-Forwarded-Proto https if { ssl_fc }").orElse("")),
        Map.entry("proto", lb.https().isPresent() ? "" : "http-request set-header X-Forwarded-Proto http"),
        Map.entry("lb_host", lb.host()),
        Map.entry("server_name", site.serverName()),
        Map.entry("web_servers", String.join("\n", web)),
        Map.entry("master_server", server(c, c.master())),
        Map.entry("stats", lb.stats().address()),
        Map.entry("mysql", mysql)));
    String socketDir = lb.adminSocket().substring(0, Math.max(1, lb.adminSocket().lastIndexOf('/')));
    GeneratedFile dropin = GeneratedFile.of(lb.name(), "systemd/haproxy.service.d/50-replicator-stack.conf",
        StackTemplate.render("haproxy-dropin.conf", Map.of(
            "name", lb.name(),
            "cluster", c.cluster(),
            "source", StackModel.source(c),
            "conf", StackGenerator.systemdPath(dir + "/haproxy.cfg"),
            "local_dir", StackGenerator.systemdPath(dir + "/local.d"),
            "socket_dir", StackGenerator.systemdPath(socketDir))));
    return List.of(GeneratedFile.of(lb.name(), PATH, text), dropin, GeneratedFile.local(lb.name(), "haproxy/local.d/local.cfg", "#",
        "Local HAProxy sections, loaded after haproxy.cfg (haproxy -f haproxy.cfg -f local.d/).\n"
            + "`replicator generate` creates this file once and never changes it: add frontends,\n"
            + "backends or a TLS bind here."));
  }

  /** A web node: health URL check, plus its agent-check when the node has one (HAProxy ignores one it cannot reach). */
  private static String server(ClusterConfig c, NodeConfig n) {
    StackConfig.WebServing w = StackModel.web(c, n);
    StringBuilder s = new StringBuilder("server ").append(n.name()).append(' ').append(StackModel.dial(w.http(), n.host())).append(" check");
    n.agentCheck().ifPresent(a -> s.append(" agent-check agent-addr ").append(StackModel.dialHost(a, n.host()))
        .append(" agent-port ").append(a.port()).append(" agent-inter ").append(AGENT_INTER));
    return s.toString();
  }
}
