// Validate a Teams app manifest against Microsoft's schema, offline.
//
//   node infra/teams/validate_manifest.mjs path/to/manifest.json
//
// The schema is the one bundled in @microsoft/app-manifest for the manifest's own
// manifestVersion; it is never fetched. Validation repeats what the package's
// AppManifestUtils.validateAgainstSchema does (Ajv draft-04, allErrors, strictTypes off,
// formats uri/email/regex) with the package's own Ajv dependencies: its JavaScript entry point
// cannot be loaded, because it requires fs-extra without declaring it (every 1.x release).
// Prints one JSON line {"manifestVersion", "schema", "errors": [...]} and exits 0 (valid),
// 1 (invalid) or 2 (cannot validate: no such schema, unreadable file, bad $schema URL).
import { readFile, access } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

function fail(message) {
  console.log(JSON.stringify({ error: message }));
  process.exit(2);
}

const file = process.argv[2];
if (!file) fail("usage: validate_manifest.mjs <manifest.json>");

let packageDir;
let Ajv04;
let Ajv2020;
let addFormats;
try {
  packageDir = path.dirname(require.resolve("@microsoft/app-manifest/package.json"));
  // Resolve Ajv as the package itself does, from its own directory.
  const fromPackage = createRequire(path.join(packageDir, "package.json"));
  Ajv04 = fromPackage("ajv-draft-04").default;
  Ajv2020 = fromPackage("ajv/dist/2020").default;
  addFormats = fromPackage("ajv-formats").default;
} catch {
  fail("@microsoft/app-manifest is not installed: run `npm ci`");
}

let manifest;
try {
  manifest = JSON.parse(await readFile(file, "utf8"));
} catch (err) {
  fail(`cannot read ${file}: ${err.message}`);
}

const version = manifest.manifestVersion;
if (typeof version !== "string" || !/^\d+\.\d+$/.test(version)) {
  fail("manifestVersion is missing or malformed");
}
const expectedUrl = `https://developer.microsoft.com/json-schemas/teams/v${version}/MicrosoftTeams.schema.json`;
if (manifest.$schema !== expectedUrl) {
  fail(`$schema must be ${expectedUrl}`);
}
const schemaFile = path.join(
  packageDir, "build", "json-schemas", "teams", `v${version}`, "MicrosoftTeams.schema.json",
);
try {
  await access(schemaFile);
} catch {
  fail(`@microsoft/app-manifest bundles no schema for manifest v${version}`);
}
// The same clean-up the library applies before parsing its own schema files.
const schemaText = (await readFile(schemaFile, "utf8"))
  .replace(/\\a/g, "\\u0007")
  .replace(/\\v/g, "\\u000b");
const schema = JSON.parse(schemaText);

const Ajv = String(schema.$schema ?? "").includes("2020-12") ? Ajv2020 : Ajv04;
const ajv = new Ajv({ allErrors: true, strictTypes: false });
addFormats(ajv, ["uri", "email", "regex"]);
const validate = ajv.compile(schema);
const errors = validate(manifest)
  ? []
  : validate.errors.map(
      (e) => `${e.instancePath || "/"} ${e.message ?? ""}. Details: ${JSON.stringify(e.params)}`,
    );
console.log(JSON.stringify({ manifestVersion: version, schema: schemaFile, errors }));
process.exit(errors.length === 0 ? 0 : 1);
