// Validates every object of a rendered kustomization (YAML on stdin or in the
// file given) against the Kubernetes and prometheus-operator schemas, with the
// npm packages kubernetes-models and @kubernetes-models/prometheus-operator.
// Prints one line per object; exits 1 when any object is invalid or of a kind
// it has no schema for.
"use strict";
const fs = require("fs");
const YAML = require("yaml");

function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const path = group === "monitoring.coreos.com"
    ? `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`
    : `kubernetes-models/${group ? group + "/" : ""}${version}/${kind}`;
  try {
    return require(path)[kind];
  } catch (e) {
    return null;
  }
}

const text = fs.readFileSync(process.argv[2] || 0, "utf8");
const documents = YAML.parseAllDocuments(text);
let failures = 0;
let count = 0;
for (const doc of documents) {
  if (doc.errors.length) {
    console.log(`YAML error: ${doc.errors[0].message}`);
    failures++;
    continue;
  }
  const object = doc.toJS();
  if (object === null) continue;
  count++;
  const id = `${object.apiVersion} ${object.kind} ${object.metadata && object.metadata.name}`;
  const Model = modelFor(object.apiVersion, object.kind);
  if (!Model) {
    console.log(`${id}: no schema for this kind`);
    failures++;
    continue;
  }
  try {
    new Model(object).validate();
    console.log(`${id}: valid`);
  } catch (e) {
    console.log(`${id}: INVALID: ${e.message}`);
    failures++;
  }
}
console.log(`${count} objects, ${failures} invalid`);
process.exit(failures || count === 0 ? 1 : 0);
