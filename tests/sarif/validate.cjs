// Validates SARIF files against the SARIF 2.1.0 JSON schema (a draft-04 schema, with
// `uri` and `date-time` formats). Usage: node validate.cjs TOOLS_DIR FILE...
// Prints every violation and exits 1 if any file is invalid.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { createRequire } = require("node:module");

const [toolsDir, ...files] = process.argv.slice(2);
const requireTool = createRequire(path.join(path.resolve(toolsDir), "node_modules", "x.js"));
const Ajv = requireTool("ajv-draft-04");
const addFormats = requireTool("ajv-formats");

const schema = JSON.parse(fs.readFileSync(path.join(toolsDir, "sarif-2.1.0-rtm.5.json"), "utf8"));
// The schema's pattern for `language` is not valid with the `u` flag; it is without it.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

let invalid = 0;
for (const file of files) {
  if (validate(JSON.parse(fs.readFileSync(file, "utf8")))) {
    continue;
  }
  invalid += 1;
  for (const error of validate.errors) {
    console.log(`${file}: ${error.instancePath || "/"} ${error.message} ${JSON.stringify(error.params)}`);
  }
}
process.exit(invalid === 0 ? 0 : 1);
