// The command table: each module registers exactly the verbs the table says (so a command line that names a verb
// loads the right module), and a command line loads only its verb's module, or every one for help.
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { COMMAND_MODULES, registerFor } from "../../src/cli/commands/index.js";

const names = (p: Command) => p.commands.map((c) => c.name());

describe("the command table", () => {
  it("names, for each module, exactly the verbs it registers, and no verb twice", async () => {
    for (const m of COMMAND_MODULES) {
      const p = new Command("stacklab");
      (await m.load()).register(p);
      expect(names(p), m.verbs.join(",")).toEqual(m.verbs);
    }
    const all = COMMAND_MODULES.flatMap((m) => m.verbs);
    expect(new Set(all).size).toBe(all.length);
  });

  it("registers only the named verb's module for a command line that starts with a verb", async () => {
    const p = new Command("stacklab");
    await registerFor(p, ["scale", "app=3", "--name", "lab"]);
    expect(names(p)).toEqual(["apply", "scale"]);
  });

  it("registers every verb, in the table's order, for help, a flag, no verb or an unknown verb", async () => {
    const every = COMMAND_MODULES.flatMap((m) => m.verbs);
    for (const argv of [[], ["--help"], ["help", "status"], ["stauts"]]) {
      const p = new Command("stacklab");
      await registerFor(p, argv);
      expect(names(p), argv.join(" ")).toEqual(every);
    }
  });
});
