import { CONFIG_DEFAULTS } from '../core/config.ts';
import { writePlan } from '../scripts/backfill/plan.ts';
import { planHeader } from '../scripts/backfill/plan-file.ts';
import { DuplicatePlanner, type PlanPolicy } from '../scripts/backfill/planner.ts';
import { readExportFile } from '../scripts/backfill/user-source.ts';

/**
 * The planner before spilling (every user in one `DuplicatePlanner`), as the bench's baseline:
 * `node bench/plan-in-memory.ts <export> <plan> <AUTO_LINK_CONNECTIONS> <tenant>`.
 */
const [exportFile, planFile, connections, tenant] = process.argv.slice(2);
if (exportFile === undefined || planFile === undefined || connections === undefined || tenant === undefined)
  throw new Error('usage: plan-in-memory.ts <export> <plan> <AUTO_LINK_CONNECTIONS> <tenant>');
const policy: PlanPolicy = {
  autoLinkConnections: connections.split(','),
  mergeAppMetadataKeys: [],
  primaryPolicy: CONFIG_DEFAULTS.primaryPolicy,
};
const planner = new DuplicatePlanner();
await readExportFile(exportFile, (user) => planner.add(user));
await writePlan(planner, planHeader(tenant, policy, 'file', new Date()), planFile);
