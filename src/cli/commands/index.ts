// The list of verbs. Each module registers one command (or one command group) on the program.
import type { Command } from "commander";
import { register as blueprints } from "./blueprints.js";
import { register as init } from "./init.js";
import { register as schema } from "./schema.js";
import { register as diagram } from "./diagram.js";
import { register as validate } from "./validate.js";
import { register as plan } from "./plan.js";
import { register as diff } from "./diff.js";
import { register as up } from "./up.js";
import { register as down } from "./down.js";
import { register as status } from "./status.js";
import { register as metrics } from "./metrics.js";
import { register as dashboard } from "./dashboard.js";
import { register as execCmd } from "./exec.js";
import { register as logs } from "./logs.js";
import { register as clean } from "./clean.js";
import { register as doctor } from "./doctor.js";
import { register as fault } from "./fault.js";
import { register as experiment } from "./experiment.js";
import { register as deployCmd } from "./deploy.js";
import { register as maintain } from "./maintain.js";
import { register as applyCmd } from "./apply.js";
import { register as explain } from "./explain.js";
import { register as render } from "./render.js";
import { register as auditCmd } from "./audit.js";
import { register as db } from "./db.js";
import { register as challenge } from "./challenge.js";
import { register as saturateCmd } from "./saturate.js";
import { register as capacityCmd } from "./capacity.js";
import { register as exportCmd } from "./export.js";
import { register as rehearseCmd } from "./rehearse.js";

/** Registers every command, in the order `--help` lists them; add a verb by adding its module here. */
export function registerAll(program: Command): void {
  const modules = [
    // a design on paper
    blueprints,
    init,
    validate,
    plan,
    explain,
    diff,
    diagram,
    render,
    schema,
    exportCmd,
    // a running lab
    up,
    rehearseCmd,
    status,
    auditCmd,
    metrics,
    dashboard,
    execCmd,
    logs,
    down,
    clean,
    doctor,
    // operating it
    db,
    deployCmd,
    maintain,
    applyCmd,
    // breaking it
    fault,
    saturateCmd,
    capacityCmd,
    experiment,
    // learning
    challenge,
  ];
  for (const register of modules) register(program);
}
