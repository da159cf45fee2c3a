import { runAutoscale } from "./autoscale";
import { runBenchCommand } from "./bench";
import { SWEEP_USAGE, runBurstSweep } from "./burst-sweep";
import { runCheck } from "./check";
import { runFit } from "./fit";
import { type CliIo, processIo } from "./io";
import { runPlan } from "./plan";
import { runTune } from "./tune";

const HELP = `fabric — review what 'pulumi up' would deploy, offline

  fabric check <fleet.yaml> [--json]              validate a fleet: exit 0 ok, 1 violations, 2 unreadable
  fabric plan  <fleet.yaml> [--json | --markdown] [--out DIR]
                                                  print the plan (--markdown: the PR comment);
                                                  --out writes the rendered configs
  fabric fit   --model <id> --gpu <hardware> ...  does a model fit a GPU, and how much KV cache is left
                                                  (fabric fit --help for every flag)
  fabric burst sweep --stack <name> [--yes]       Vast hosts labelled for the stack that its state does
                                                  not own: list them, --yes destroys them
  fabric autoscale --stack <name> [...]           long-running: rents burst hosts when a route backs up and
                                                  releases idle ones (fabric autoscale --help)
  fabric bench --route <name> --stack <s> [...]   TTFT, TPOT, ITL, throughput, goodput at a sweep of concurrency
                                                  (or --deployment, --url; fabric bench --help)
  fabric tune --stack <s> --machine <m> --recipes a,b
                                                  deploys each candidate recipe in a scratch stack, benches it,
                                                  picks the winner (fabric tune --help)`;

/**
 * Dispatches a subcommand; returns the exit code (a promise for commands that call an API). Never
 * throws to the user.
 */
export function main(argv: readonly string[], io: CliIo): number | Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "burst": return runBurst(rest, io);
      case "autoscale": return runAutoscale(rest, io).catch((e: Error) => {
        io.err(`fabric autoscale: internal error: ${e.message}`);
        return 70;
      });
      case "bench": return runBenchCommand(rest, io).catch((e: Error) => {
        io.err(`fabric bench: internal error: ${e.message}`);
        return 70;
      });
      case "tune": return runTune(rest, io).catch((e: Error) => {
        io.err(`fabric tune: internal error: ${e.message}`);
        return 70;
      });
      case "check": return runCheck(rest, io);
      case "plan": return runPlan(rest, io);
      case "fit": return runFit(rest, io);
      case undefined: case "help": case "--help": case "-h":
        io.out(HELP);
        return command === undefined ? 2 : 0;
      default:
        io.err(`unknown command '${command}'\n\n${HELP}`);
        return 2;
    }
  } catch (e) {
    io.err(`fabric ${command}: internal error: ${(e as Error).message}\nplease report this with the fleet file that caused it`);
    return 70;
  }
}

/** `fabric burst <subcommand>`. */
async function runBurst(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "sweep") {
    io.err(SWEEP_USAGE);
    return 2;
  }
  try {
    return await runBurstSweep(rest, io);
  } catch (e) {
    io.err(`fabric burst sweep: internal error: ${(e as Error).message}`);
    return 70;
  }
}

if (require.main === module) {
  void Promise.resolve(main(process.argv.slice(2), processIo)).then((code) => { process.exitCode = code; });
}
