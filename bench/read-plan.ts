import { readPlan } from '../scripts/backfill/commands.ts';
import { parseBackfillEnv } from '../scripts/backfill/config.ts';
import { readGroups } from '../scripts/backfill/plan-file.ts';

/**
 * What `--apply` reads before and while it links, without a tenant: the plan's check, then every group read
 * again as the workers take them. `node bench/read-plan.ts <plan>` with the backfill's environment.
 */
const [planFile] = process.argv.slice(2);
if (planFile === undefined) throw new Error('usage: read-plan.ts <plan>');
const plan = readPlan(planFile, parseBackfillEnv(process.env));
let secondaries = 0;
for (const group of readGroups(plan)) secondaries += group.secondaries.length;
if (secondaries !== plan.secondaries)
  throw new Error(`read ${secondaries} of ${plan.secondaries} secondaries`);
