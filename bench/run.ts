/**
 * `npm run bench [-- scenario ...]`: runs the benchmark scenarios in order, each in a child
 * process of its own (so one scenario's memory does not show in the next), prints their tables,
 * a summary of targets, and writes everything to reports/bench/latest.json.
 *
 * Scenarios: codec, sim-load, engine-load, conversation, barge-in (default: all, in that order).
 * Benchmarks report; they do not judge: the exit code is 0 even when targets are missed, and
 * non-zero only when a scenario crashed or hung (BENCH_SCENARIO_TIMEOUT_S, default 900).
 *
 * Scale knobs (environment), defaults sized for ~8 minutes on 2 cores:
 *   CODEC_SECONDS=1 CODEC_ROUNDS=3
 *   SIM_LOAD_STEPS=100,200,300,500,700 SIM_LOAD_WINDOW_S=5
 *   ENGINE_LOAD_STEPS=50,100,200,300,500 ENGINE_LOAD_RAMPS=silent,streaming,talking ENGINE_LOAD_WINDOW_S=10 ENGINE_LOAD_CPS=25
 *   ENGINE_LOAD_WARMUP=50 ENGINE_LOAD_CHURN=1000 ENGINE_LOAD_CHURN_CONCURRENCY=50 ENGINE_LOAD_HOLD_MS=500
 *   ENGINE_LOAD_SIM_SINGLE_THREADED_GC=1 ENGINE_LOAD_LINE_NOISE_DBFS=-60
 *   CONV_CALLS=20 CONV_TURNS=3 CONV_MODES=file,stream CONV_CREEP_TURNS=20 CONV_FIRST_SEGMENT_MS=(config default)
 *   BARGE_CALLS=10 BARGE_PER_CALL=2 BARGE_AFTER_MS=2000
 * Debugging: BENCH_ENGINE_LOG=<file> (engine log lines of engine-load), BENCH_ENGINE_NODE_FLAGS /
 * BENCH_SIM_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), BENCH_ENGINE_LOG_LEVEL
 * (in-process engine of conversation/barge-in, default silent).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT } from './lib/children.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { formatMeasured, RESULT_FILE_ENV, targetText, verdict, type ScenarioResult } from './lib/report.js';
import { num, renderTable } from './lib/table.js';

const SCENARIOS = ['codec', 'sim-load', 'engine-load', 'conversation', 'barge-in'] as const;
const TIMEOUT_S = Number(process.env.BENCH_SCENARIO_TIMEOUT_S ?? 900);

interface Outcome {
  scenario: string;
  exitCode: number | null;
  timedOut: boolean;
  seconds: number;
  result: ScenarioResult | null;
}

function runScenario(name: string, resultFile: string): Promise<Omit<Outcome, 'result' | 'scenario'>> {
  const t0 = performance.now();
  // Its own process group, so a hung scenario is stopped together with the engine and
  // simulator it started.
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', `${name}.ts`)], {
    cwd: REPO_ROOT,
    env: { ...process.env, [RESULT_FILE_ENV]: resultFile },
    stdio: 'inherit',
    detached: true,
  });
  let timedOut = false;
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      /* already gone */
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    process.stderr.write(`\n${name}: no result after ${TIMEOUT_S} s, stopping it\n`);
    kill('SIGTERM');
    setTimeout(() => kill('SIGKILL'), 10_000).unref();
  }, TIMEOUT_S * 1000);
  const onSigint = () => kill('SIGTERM');
  process.once('SIGINT', onSigint);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', onSigint);
      resolve({ exitCode: code ?? (signal ? 128 : null), timedOut, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((a) => a !== '--');
  const unknown = asked.filter((a) => !(SCENARIOS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    process.stderr.write(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}\n`);
    process.exit(2);
  }
  const selected = asked.length > 0 ? SCENARIOS.filter((s) => asked.includes(s)) : [...SCENARIOS];
  const machine = machineInfo();
  process.stdout.write(`Benchmarks: ${selected.join(', ')}\nMachine: ${describeMachine(machine)}\n`);
  if (machine.loadAvg1m > machine.cores * 0.5) {
    process.stdout.write(`WARNING: the machine is already busy (load average ${machine.loadAvg1m} on ${machine.cores} cores): load and latency figures will be pessimistic\n`);
  }

  const tmp = mkdtempSync(join(tmpdir(), 'bench-run-'));
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const outcomes: Outcome[] = [];
  for (const name of selected) {
    const file = join(tmp, `${name}.json`);
    const o = await runScenario(name, file);
    const result = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ScenarioResult) : null;
    outcomes.push({ scenario: name, ...o, result });
  }
  rmSync(tmp, { recursive: true, force: true });
  const totalS = (performance.now() - t0) / 1000;

  const rows = outcomes.flatMap((o) =>
    o.result === null
      ? [[o.scenario, o.timedOut ? 'TIMED OUT' : `CRASHED (exit ${o.exitCode})`, '-', '-', '-']]
      : o.result.targets.map((t) => [
          o.scenario,
          t.what,
          t.measured === null ? '-' : `${formatMeasured(t.measured)} ${t.unit}`,
          targetText(t),
          verdict(t),
        ]),
  );
  process.stdout.write(`\n=== Summary (${num(totalS, 0)} s) ===\n${renderTable(['scenario', 'what', 'measured', 'target', 'result'], rows)}\n`);

  const outDir = join(REPO_ROOT, 'reports', 'bench');
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, 'latest.json');
  writeFileSync(out, JSON.stringify({ startedAt, durationS: Math.round(totalS), machine, scenarios: outcomes }, null, 2));
  process.stdout.write(`Results: ${out}\n`);
  const crashed = outcomes.filter((o) => o.exitCode !== 0 || o.result === null);
  process.exit(crashed.length > 0 ? 1 : 0);
}

void main();
