#!/usr/bin/env bash
# Stages the tree of the .deb under TARGET/deb-root (jdeb then packs it, see pom.xml), and
# generates from the picocli model, so that they never drift from --help:
#   - one man page per command: picocli-codegen's ManPageGenerator writes AsciiDoc, Debian's
#     asciidoctor turns it into troff;
#   - the bash completion script: picocli.AutoComplete.
# Usage: stage.sh REPO_ROOT TARGET CLASSPATH   (CLASSPATH holds replicator-cli and picocli-codegen)
set -euo pipefail

repo=$1
target=$2
classpath=$3
root=$target/deb-root
adoc=$target/man-adoc

if ! command -v asciidoctor >/dev/null; then
  echo "stage.sh: asciidoctor not found; the man pages need it: apt-get install asciidoctor" >&2
  exit 1
fi
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"

rm -rf "$root" "$adoc"
mkdir -p "$root/usr/share/replicator" "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" \
  "$root/usr/share/doc/replicator/examples" "$root/lib/systemd/system" "$root/usr/lib/sysctl.d" "$adoc"

# Man pages: replicator.1 and replicator-<command>.1 for every subcommand.
"$java_bin" -cp "$classpath" picocli.codegen.docgen.manpage.ManPageGenerator --outdir="$adoc" org.replicator.cli.Main
asciidoctor -b manpage -D "$root/usr/share/man/man1" "$adoc"/*.adoc
# Debian policy: compressed, and reproducible (-n: no name or time stamp in the gzip header).
gzip -9n "$root"/usr/share/man/man1/*.1

# Bash completion, found by bash-completion's loader under the command's own name.
"$java_bin" -cp "$classpath" picocli.AutoComplete --force --name=replicator \
  --completionScript="$root/usr/share/bash-completion/completions/replicator" org.replicator.cli.Main

cp "$repo/replicator-cli/target/replicator.jar" "$root/usr/share/replicator/replicator.jar"
cp "$repo/config/replicator-health.php" "$repo/config/opcache-invalidate.php" "$root/usr/share/replicator/"
cp "$repo/config/replicator@.service" "$root/lib/systemd/system/"
cp "$repo/config/60-replicator.conf" "$root/usr/lib/sysctl.d/"
cp "$repo/README.md" "$repo"/docs/*.md "$root/usr/share/doc/replicator/"
cp "$repo/config/cluster.example.yaml" "$repo/config/grafana-dashboard.json" "$root/usr/share/doc/replicator/examples/"

echo "stage.sh: staged $(find "$root" -type f | wc -l) files under $root"
