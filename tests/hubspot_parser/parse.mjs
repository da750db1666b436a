// Reads an exported project the way HubSpot's CLI does, with HubSpot's own parser
// (@hubspot/project-parsing-lib), and prints what it found as JSON for the Python test.
// Usage: node parse.mjs <project-dir>
// translate() is called with skipValidation: true, which skips only the schema check that
// downloads HubSpot's per-version JSON schemas from its servers (needs an account); the
// platform version is then checked here with the parser's own isKnownPlatformVersion.
import path from 'node:path';
import { translate } from '@hubspot/project-parsing-lib/translate';
import {
  getProjectMetadata,
  isKnownPlatformVersion,
  parseProjectConfig,
} from '@hubspot/project-parsing-lib/projects';
import { validateUid } from '@hubspot/project-parsing-lib/uid';

const projectDir = path.resolve(process.argv[2]);
const config = parseProjectConfig(projectDir);
const projectSourceDir = path.join(projectDir, config.srcDir);
const { intermediateRepresentation, skippedHsMetaFiles } = await translate(
  { projectSourceDir, platformVersion: config.platformVersion },
  { skipValidation: true },
);
const metadata = await getProjectMetadata(projectSourceDir);
const nodes = intermediateRepresentation.intermediateNodesIndexedByUid;
console.log(JSON.stringify({
  config,
  knownPlatformVersion: isKnownPlatformVersion(config.platformVersion),
  components: Object.fromEntries(
    Object.entries(nodes).map(([uid, n]) => [uid, {
      type: n.componentType, deps: n.componentDeps, config: n.config, path: n.metaFilePath,
      uidError: validateUid(uid) ?? null,
    }]),
  ),
  skipped: skippedHsMetaFiles,
  counts: Object.fromEntries(Object.entries(metadata.components).map(([k, v]) => [k, v.count])),
}));
