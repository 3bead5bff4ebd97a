#!/usr/bin/env bash
# The Kubernetes manifests: generated files up to date, rendered by kubectl
# kustomize, every object valid against the Kubernetes and prometheus-operator
# schemas (npm kubernetes-models, pinned in package-lock.json and installed
# into a cache outside the source tree), the validator able to fail, and the
# shipped exporter configs accepted by the exporter.
# Usage: run_test.sh SOURCE_DIR EXPORTER_BINARY
set -uo pipefail
src=$1 exporter=$2
here=$src/tests/kubernetes
cache=${WGX_NPM_CACHE:-/var/cache/wireguard-exporter-test/npm-kubernetes}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rc=0
fail() { echo "FAIL: $*"; rc=1; }

for tool in kubectl node npm; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (scripts/install-deps.sh all installs it)"; exit 1; }
done

python3 "$src/deploy/kubernetes/generate.py" --check || fail "generated manifests are stale"

kubectl kustomize "$src/deploy/kubernetes/base" >"$tmp/rendered.yaml" 2>"$tmp/kustomize.err" ||
  { cat "$tmp/kustomize.err"; echo "FAIL: kubectl kustomize"; exit 1; }
echo "rendered $(grep -c '^kind:' "$tmp/rendered.yaml") objects with kubectl $(kubectl version --client 2>/dev/null | head -1)"

# The validator's packages, installed once per lock file.
lock_sum=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)
modules=$cache/$lock_sum
if [ ! -d "$modules/node_modules" ]; then
  mkdir -p "$modules"
  cp "$here/package.json" "$here/package-lock.json" "$modules/"
  (cd "$modules" && npm ci --no-audit --no-fund --loglevel=error) ||
    { rm -rf "$modules"; echo "FAIL: npm ci of the validator"; exit 1; }
fi
export NODE_PATH=$modules/node_modules

NODE_PATH=$NODE_PATH node "$here/validate.js" "$tmp/rendered.yaml" || fail "schema validation"

# The validator must reject what is wrong: a port that is not a number, a
# scrape interval that is not a duration.
sed -e 's/containerPort: 9586/containerPort: "nine"/' -e 's/interval: 30s/interval: soon/' \
  "$tmp/rendered.yaml" >"$tmp/broken.yaml"
node "$here/validate.js" "$tmp/broken.yaml" >"$tmp/broken.out"
if [ $? -eq 0 ] || [ "$(grep -c INVALID "$tmp/broken.out")" -ne 2 ]; then
  cat "$tmp/broken.out"; fail "the validator accepted broken objects"
fi

# What the shipped objects promise.
node - "$tmp/rendered.yaml" "$src/CMakeLists.txt" <<'JSEOF' || fail "manifest checks"
const fs = require("fs");
const YAML = require("yaml");
const objects = YAML.parseAllDocuments(fs.readFileSync(process.argv[2], "utf8")).map(d => d.toJS());
const version = /project\(wireguard_exporter VERSION ([0-9.]+)/.exec(fs.readFileSync(process.argv[3], "utf8"))[1];
const problems = [];
const by = kind => objects.filter(o => o.kind === kind);
for (const o of objects) {
  if (o.kind !== "Namespace" && o.metadata.namespace !== "wireguard-exporter") problems.push(`${o.kind} ${o.metadata.name} not in the namespace`);
}
const ds = by("DaemonSet")[0];
const pod = ds.spec.template.spec;
const c = pod.containers[0];
if (c.image !== `localhost/wireguard_exporter:${version}`) problems.push(`image ${c.image}, project version ${version}`);
if (!pod.hostNetwork) problems.push("DaemonSet without hostNetwork");
const caps = c.securityContext.capabilities;
if (JSON.stringify(caps.drop) !== '["ALL"]' || JSON.stringify(caps.add) !== '["NET_ADMIN","DAC_OVERRIDE"]') problems.push("capabilities " + JSON.stringify(caps));
if (pod.securityContext.runAsUser !== 65532 || !pod.securityContext.runAsNonRoot) problems.push("not non-root");
if (c.livenessProbe.httpGet.path !== "/-/healthy" || c.readinessProbe.httpGet.path !== "/-/ready") problems.push("probes");
if (!c.resources.requests.memory || !c.resources.limits.memory) problems.push("memory requests and limits");
const sock = c.volumeMounts.find(m => m.mountPath === "/var/run/wireguard");
if (!sock || !sock.readOnly) problems.push("socket directory not mounted read-only");
const pm = by("PodMonitor")[0];
const sel = pm.spec.selector.matchLabels;
for (const [k, v] of Object.entries(sel)) if (ds.spec.template.metadata.labels[k] !== v) problems.push(`PodMonitor selects ${k}=${v}, the pods do not carry it`);
if (pm.spec.podMetricsEndpoints[0].port !== c.ports[0].name) problems.push("PodMonitor port");
if (!pm.spec.podMetricsEndpoints[0].relabelings.some(r => r.targetLabel === "job" && r.replacement === "wireguard")) problems.push("job label not wireguard (the alert rules expect it)");
const rule = by("PrometheusRule")[0];
if (!rule.spec.groups.length || !rule.spec.groups.every(g => g.rules.length)) problems.push("PrometheusRule without rules");
const dashboards = by("ConfigMap").filter(m => m.metadata.labels && m.metadata.labels.grafana_dashboard === "1");
if (dashboards.length !== 2) problems.push(`${dashboards.length} dashboard ConfigMaps`);
for (const m of dashboards) for (const [name, text] of Object.entries(m.data)) JSON.parse(text);
const config = by("ConfigMap").find(m => m.metadata.name === "wireguard-exporter-config");
fs.writeFileSync(process.argv[2] + ".config.yml", config.data["config.yml"]);
for (const p of problems) console.log("FAIL: " + p);
console.log(`${objects.length} objects checked, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
JSEOF

# The exporter accepts every config file shipped with the manifests and the
# compose examples; the wg-quick files they name (which the WireGuard
# container writes) are stood in for by empty ones under a temporary root.
for config in "$tmp/rendered.yaml.config.yml" "$src"/deploy/compose/*/wireguard_exporter.yml; do
  checked=$tmp/checked.yml
  cp "$config" "$checked"
  for wg_quick in $(sed -nE 's/^ *wg_quick_config: *(\/[^ ]+) *$/\1/p' "$config"); do
    mkdir -p "$tmp/root$(dirname "$wg_quick")"
    printf '[Interface]\n' >"$tmp/root$wg_quick"
    sed -i "s#wg_quick_config: *${wg_quick}#wg_quick_config: $tmp/root${wg_quick}#" "$checked"
  done
  out=$("$exporter" --config.file="$checked" --config.check 2>&1) ||
    fail "config ${config#"$src"/} rejected: $out"
done

[ "$rc" -eq 0 ] && echo PASS
exit "$rc"
